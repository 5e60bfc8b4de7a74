/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), for finding the decoder's hot
 * spots:
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=.scratch/bench/prof dist/bench/decode.js --only decode
 *   node dist/bench/profile-top.js .scratch/bench/prof/CPU.*.cpuprofile [--top 20]
 *
 * Prints self time per function (file:line function), its share of all samples, and the share
 * of samples inside @ribwatch/bmp-parser. `--by-folder` also sums self time per top-level folder
 * of the repository (collector/, analyzer/, api/, ...), per package under node_modules, and per
 * V8 pseudo-frame ((garbage collector), (idle), (program)): where a whole process's seconds go.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

function main(): number {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '20' }, 'by-folder': { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('usage: node dist/bench/profile-top.js FILE.cpuprofile [--top N]\n');
    return 2;
  }
  const root = resolve(process.cwd());
  for (const file of positionals) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const totalHits = p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
    const ms = (p.endTime - p.startTime) / 1000;
    const by = new Map<string, number>();
    const byFolder = new Map<string, number>();
    let parserHits = 0;
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      if (hits === 0) continue;
      const url = n.callFrame.url.replace(/^file:\/\//, '');
      const where = url === '' ? '(native)' : relative(root, url);
      if (where.includes('bmp-parser/')) parserHits += hits;
      const key = `${where}:${n.callFrame.lineNumber + 1} ${n.callFrame.functionName || '(anonymous)'}`;
      by.set(key, (by.get(key) ?? 0) + hits);
      const folder = folderOf(where, n.callFrame.functionName);
      byFolder.set(folder, (byFolder.get(folder) ?? 0) + hits);
    }
    const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top) || 20);
    process.stdout.write(`${file}: ${totalHits} samples over ${(ms / 1000).toFixed(1)} s; ${((100 * parserHits) / totalHits).toFixed(1)}% in bmp-parser\n`);
    for (const [k, hits] of top) process.stdout.write(`${((100 * hits) / totalHits).toFixed(1).padStart(6)}%  ${((hits / totalHits) * ms).toFixed(0).padStart(7)} ms  ${k}\n`);
    if (values['by-folder']) {
      process.stdout.write('by folder:\n');
      for (const [k, hits] of [...byFolder].sort((a, b) => b[1] - a[1])) process.stdout.write(`${((100 * hits) / totalHits).toFixed(1).padStart(6)}%  ${((hits / totalHits) * ms).toFixed(0).padStart(7)} ms  ${k}\n`);
    }
  }
  return 0;
}

/** The repository folder (dist/ stripped), node_modules package, or V8 pseudo-frame a sample belongs to. */
function folderOf(where: string, fn: string): string {
  if (where === '(native)') return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (nm) return `node_modules/${nm[1] as string}`;
  if (where.startsWith('node:')) return 'node: (built-ins)';
  const parts = where.replace(/^dist\//, '').split('/');
  return parts.length > 1 ? `${parts[0] as string}/` : where;
}

process.exitCode = main();

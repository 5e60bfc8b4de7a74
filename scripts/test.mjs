#!/usr/bin/env node
// The one test entry (`npm test`): runs every compiled *.test.js with Node's test runner.
// Fast tests always; live tests (test/live: real FRR, GoBGP, Kafka, chDB) unless --fast.
// Each live test checks its own prerequisites and skips with a message when they are absent.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const fast = process.argv.includes('--fast');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = [...walk(join(root, 'bmp-parser/dist/test'), []), ...walk(join(root, 'dist/test'), [])].sort();
if (fast) files = files.filter((f) => !f.includes('/test/live/'));
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
// Live tests share loopback ports and daemons: run files one at a time, each bounded by its own timeouts.
const args = ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files.map((f) => relative(root, f))];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);

/**
 * A bounded OpenAPI-driven fuzz run: schemathesis (installed by scripts/schemathesis.sh into
 * .scratch/venv) against the API over real captures (api-serve.ts), with an admin token, every
 * check but positive_data_acceptance (see the script): zero 5xx, zero schema violations, zero
 * undocumented statuses. Skips, saying why, when the venv cannot be made (no python3-venv, no PyPI).
 * The long run is `npm run fuzz:api`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadChdb } from '../../store/index.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts', 'schemathesis.sh');

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `API fuzz skipped: ${(e as Error).message}`;
  }
}
if (!skip) {
  const r = spawnSync('bash', [SCRIPT, '--install'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) skip = `API fuzz skipped: scripts/schemathesis.sh --install failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').pop() ?? ''}`;
}

void test('schemathesis finds no 5xx, no schema violation and no undocumented status in the OpenAPI document', { skip, timeout: 600_000 }, async () => {
  const serve = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'live', 'api-serve.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    let err = '';
    serve.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the API did not start within 120 s: ${err}`)), 120_000);
      serve.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const u = /^url (\S+)$/m.exec(out)?.[1];
        const t = /^token (\S+)$/m.exec(out)?.[1];
        if (u !== undefined && t !== undefined) {
          clearTimeout(timer);
          resolve({ url: u, token: t });
        }
      });
      serve.on('exit', (code) => reject(new Error(`api-serve exited ${String(code)}: ${err}`)));
    });
    const run = spawnSync('bash', [SCRIPT, url, token, process.env['RIBWATCH_FUZZ_EXAMPLES'] ?? '10'], { encoding: 'utf8', timeout: 540_000 });
    const report = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `schemathesis failed:\n${report.slice(-6000)}`);
    assert.match(report, /passed/);
    assert.doesNotMatch(report, /Server error|ST101/);
  } finally {
    serve.kill('SIGTERM');
  }
});

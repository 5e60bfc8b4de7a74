/**
 * `ribwatch run` as a process, on ephemeral ports with a temporary data directory (real chDB):
 * it prints where routers connect (and the FRR line), where the data lives and how to look at it
 * (the API with the admin token generated at this first run, and `ribwatch sql`); a BMP stream
 * replayed into it by `ribwatch replay` is stored and served by the API while it runs; SIGTERM
 * drains the bus into the store and exits 0; `ribwatch sql` on the same data directory then shows
 * the RIB, exactly.
 * While `run` holds the directory, `ribwatch sql` on it names the holder's pid in one line and exits 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChdb } from '../../store/index.js';
import { announce4, concat, endOfRib, initiation, peer, peerDown, peerUp, stats, termination, until, withdraw4 } from '../unit/collector-helpers.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `ribwatch run tests skipped: ${(e as Error).message}`;
  }
}

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-run-'));
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ENV = { PATH: process.env['PATH'] ?? '', RIBWATCH_COLLECTOR_METRICS_LISTEN: '', RIBWATCH_LOG_LEVEL: 'info' };

function start(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: ENV });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

function ribwatch(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: ENV, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** leaf1: two peers; p1 announces 10 prefixes and withdraws one, p2 announces 4 then goes down; Termination. */
function stream(): Buffer {
  const p1 = peer('127.0.10.2', 64512);
  const p2 = peer('127.0.10.3', 64513);
  const msgs = [initiation('leaf1'), peerUp(p1), peerUp(p2)];
  for (let i = 0; i < 10; i++) msgs.push(announce4(p1, `10.244.${i}.0/24`));
  for (let i = 0; i < 4; i++) msgs.push(announce4(p2, `10.245.${i}.0/24`));
  msgs.push(endOfRib(p1), endOfRib(p2), withdraw4(p1, '10.244.9.0/24'), stats(p1), peerDown(p2), termination(0));
  return concat(msgs);
}

void test('ribwatch run: prints where and how, stores a replayed BMP stream, stops on SIGTERM; ribwatch sql shows the RIB', { skip, timeout: 180_000 }, async () => {
  const data = join(dir, 'data');
  const capture = join(dir, 'leaf1.bmp');
  writeFileSync(capture, stream());

  const run = start(['run', '--data', data, '--bmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0']);
  try {
    await until(() => /^Stop with /m.test(run.out()), 60_000).catch(() => assert.fail(`no banner; stdout:\n${run.out()}\nstderr:\n${run.err()}`));
    const out = run.out();
    const port = Number(/^ {2}BMP +listening on 127\.0\.0\.1:(\d+); routers may connect from 127\.0\.0\.0\/8, ::1\/128 \(collector\.allow\)$/m.exec(out)?.[1]);
    assert.ok(port > 0, out);
    assert.match(out, new RegExp(`^ {2}FRR +router bgp <ASN> / bmp targets ribwatch / bmp connect 127\\.0\\.0\\.1 port ${port} min-retry 1000 max-retry 10000$`, 'm'));
    assert.match(out, new RegExp(`^ {2}data +${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(chDB, database ribwatch; \\d+ migrations applied now\\)$`, 'm'));
    assert.ok(out.includes(`npx ribwatch sql --data ${data} "SELECT router, count() AS routes FROM rib FINAL WHERE NOT is_withdrawn GROUP BY router ORDER BY router"`), out);
    assert.match(out, /chDB lets one process open a data directory/);
    const apiUrl = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1 \(OpenAPI: http:\/\/127\.0\.0\.1:\d+\/docs\)$/m.exec(out)?.[1];
    assert.ok(apiUrl, out);
    const token = /^ {2}token +(\S+)$/m.exec(out)?.[1];
    assert.ok(token, out);
    assert.ok(out.includes(`  look     curl -H "Authorization: Bearer ${token}" ${apiUrl}/api/v1/routers\n`), out);

    // While run holds the directory, sql says who holds it, in one line, and exits 1.
    const held = await ribwatch(['sql', '--data', data, 'SELECT 1']);
    assert.equal(held.code, 1);
    assert.match(held.stderr, new RegExp(`^ribwatch sql: store: cannot open the embedded store in .*: another process \\(pid ${run.child.pid}\\) holds it .*\\n$`));

    const replay = await ribwatch(['replay', capture, '--to', `127.0.0.1:${port}`]);
    assert.equal(replay.code, 0, replay.stderr);
    // The session has ended (Termination) once the collector logs it: then every record is on the bus.
    await until(() => /"msg":"BMP session d[^"]*"/.test(run.err()) && /"termination"/.test(run.err()), 30_000);

    // The API reads the store run holds, while it runs.
    let routers: { routers: { router: string; sys_name: string; state: string }[] } | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${apiUrl}/api/v1/routers`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      routers = (await res.json()) as typeof routers;
      if (routers?.routers.some((r) => r.sys_name === 'leaf1' && r.state === 'disconnected')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(routers?.routers.map((r) => [r.sys_name, r.state]), [['leaf1', 'disconnected']]);
    const anonymous = await fetch(`${apiUrl}/api/v1/routers`);
    assert.equal(anonymous.status, 401);

    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0, run.err());
  } finally {
    if (run.child.exitCode === null && run.child.pid !== undefined) process.kill(run.child.pid, 'SIGKILL');
  }

  const rib = await ribwatch(['sql', '--data', data, '--format', 'tsv', 'SELECT peer_address, count() FROM rib FINAL WHERE NOT is_withdrawn GROUP BY peer_address ORDER BY peer_address']);
  assert.equal(rib.code, 0, rib.stderr);
  // p1: 10 announced, 1 withdrawn; p2: its 4 withdrawn by the writer at its Peer Down.
  assert.equal(rib.stdout, 'peer_address\tcount()\n127.0.10.2\t9\n');

  const rows = await ribwatch(['sql', '--data', data, '--format', 'tsv', 'SELECT synthetic, is_withdrawn, count() FROM rib FINAL GROUP BY 1, 2 ORDER BY 1, 2']);
  assert.equal(rows.stdout, 'synthetic\tis_withdrawn\tcount()\n0\t0\t9\n0\t1\t1\n1\t1\t4\n');

  const history = await ribwatch(['sql', '--data', data, '--format', 'tsv', 'SELECT synthetic, action, dump, count() FROM route_updates GROUP BY 1, 2, 3 ORDER BY 1, 2, 3']);
  // History: 14 announcements of the initial dump, one live withdrawal, 4 synthetic withdrawals at p2's Peer Down.
  assert.equal(history.stdout, 'synthetic\taction\tdump\tcount()\n0\twithdraw\t0\t1\n0\tannounce\t1\t14\n1\twithdraw\t0\t4\n');

  const readonly = await ribwatch(['sql', '--data', data, 'DROP TABLE rib']);
  assert.equal(readonly.code, 1);
  assert.match(readonly.stderr, /^ribwatch sql: .*readonly/m);
});

/**
 * `ribwatch collector` as a process: says where it listens, writes NDJSON records to stdout, stops
 * on SIGTERM with router_down "shutdown" and exit 0; a bad config exits 2 naming file and key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BusRecord } from '../../records/types.js';
import { announce4, concat, initiation, peer, peerUp, until } from './collector-helpers.js';

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'collector', ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

void test('the collector prints where it listens, writes records to stdout and shuts down cleanly on SIGTERM', async () => {
  const p = run(['--listen', '127.0.0.1:0'], { RIBWATCH_COLLECTOR_METRICS_LISTEN: '' });
  try {
    await until(() => /listening for BMP on 127\.0\.0\.1:\d+/.test(p.err()), 10_000);
    const port = Number(/listening for BMP on 127\.0\.0\.1:(\d+)/.exec(p.err())?.[1]);
    const p1 = peer('127.0.10.2', 64512);
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.write(concat([initiation('leaf1'), peerUp(p1), announce4(p1, '10.244.0.0/24')]));
    await until(() => p.out().split('\n').filter((l) => l !== '').length >= 4, 10_000);
    p.child.kill('SIGTERM');
    assert.equal(await p.exit, 0);
    const records = p
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BusRecord);
    assert.deepEqual(
      records.map((r) => r.type),
      ['router_up', 'router_init', 'peer_up', 'route', 'router_down'],
    );
    const last = records.at(-1);
    assert.ok(last?.type === 'router_down' && last.cause === 'shutdown');
    s.destroy();
  } finally {
    p.child.kill('SIGKILL');
  }
});

void test('a configuration error exits 2 and names the file and the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-cli-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'collector:\n  maxSessions: x\n');
  const p = run(['--config', file]);
  assert.equal(await p.exit, 2);
  assert.match(p.err(), /config\.yaml: collector\.maxSessions: expected a positive integer, got "x"/);
  assert.equal(p.out(), '');
});

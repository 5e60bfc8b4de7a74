/**
 * `ribwatch sim`, run in-process against a real collector: the fabric arrives (three routers,
 * the teardown), --seconds stops it with Termination, --print-inventory prints the committed
 * inventory, an unreachable collector ends in exit 1 after the bounded retries, bad arguments in 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { command } from '../../bin/commands/sim.js';
import type { CliIo } from '../../bin/commands/command.js';
import { MemorySink, memoryLogger } from './collector-helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function capture(): { io: CliIo; out: () => string; err: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  return { io: { stdout: sink(o), stderr: sink(e) }, out: () => o.join(''), err: () => e.join('') };
}

function loopback(): Cidr[] {
  const c = parseCidr('127.0.0.0/8');
  if (typeof c === 'string') throw new Error(c);
  return [c];
}

test('sim --print-inventory alone prints deploy/inventory.demo.yaml and exits 0', async () => {
  const c = capture();
  assert.equal(await command.run(['--print-inventory'], c.io), 0);
  assert.equal(c.out(), readFileSync(join(ROOT, 'deploy/inventory.demo.yaml'), 'utf8'));
});

test('sim: usage errors exit 2 with the reason', async () => {
  const cases: [string[], RegExp][] = [
    [[], /--to HOST:PORT is required/],
    [['--to', 'nowhere'], /expected HOST:PORT/],
    [['--to', '127.0.0.1:1', '--speed', '0'], /--speed: expected a positive number, got '0'/],
    [['--to', '127.0.0.1:1', '--seed', '1.5'], /--seed: expected a positive integer/],
    [['--to', '127.0.0.1:1', '--source', 'spine1=127.0.12.1'], /unknown router 'spine1'/],
    [['--to', '127.0.0.1:1', '--source', 'leaf1=127.0.11.2'], /three different addresses/],
    [['--to', '192.0.2.1:11019'], /not on loopback/],
    [['--to', '[::1]:11019'], /expected an IPv4 address/],
    [['--bogus'], /Unknown option/],
  ];
  for (const [args, re] of cases) {
    const c = capture();
    assert.equal(await command.run(args, c.io), 2, args.join(' '));
    assert.match(c.err(), re, args.join(' '));
  }
});

test('sim --to a real collector: the whole story arrives, --seconds stops it with Termination', { timeout: 20_000 }, async () => {
  const sink = new MemorySink();
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 8,
    maxMessageBytes: 1 << 20,
    tcpKeepaliveSeconds: 0,
    allow: loopback(),
    dumpQuietSeconds: 10,
    sink,
    log: memoryLogger().log,
    metrics: new CollectorMetrics(createRegistry({ processMetrics: false })),
  });
  const { port } = await collector.start();
  try {
    const c = capture();
    const rc = await command.run(['--to', `127.0.0.1:${port}`, '--speed', '25', '--seconds', '3', '--seed', '3'], c.io);
    assert.equal(rc, 0, c.err());
    assert.match(c.err(), /leaf1 127\.0\.11\.1, leaf2 127\.0\.11\.2, border1 127\.0\.11\.254 -> 127\.0\.0\.1:\d+, speed 25, seed 3/);
    assert.match(c.err(), /demo: pod CIDR leak: node2 announces node1's PodCIDR 10\.244\.1\.0\/24/);
    assert.match(c.err(), /stopped \(3 s passed\); leaf1: 1 session\(s\)/);
  } finally {
    await collector.stop();
  }
  const types = sink.records.map((r) => r.type);
  assert.equal(types.filter((t) => t === 'router_init').length, 3);
  assert.equal(types.filter((t) => t === 'peer_up').length, 11);
  assert.equal(types.filter((t) => t === 'peer_down').length, 1);
  const downs = sink.records.filter((r) => r.type === 'router_down');
  assert.equal(downs.length, 3);
  for (const d of downs) assert.equal(d.type === 'router_down' && d.cause, 'termination');
});

test('sim against a port nobody listens on: bounded retries, then exit 1', { timeout: 20_000 }, async () => {
  // A port that was free a moment ago.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 1;
  await new Promise<void>((r) => srv.close(() => r()));
  const c = capture();
  const t0 = Date.now();
  const rc = await command.run(['--to', `127.0.0.1:${port}`, '--speed', '1000', '--seconds', '15', '--quiet'], c.io);
  assert.equal(rc, 1);
  assert.ok(Date.now() - t0 < 10_000, 'gave up well before --seconds');
  assert.match(c.err(), /no router can reach the collector/);
  assert.match(c.err(), /no router could connect to 127\.0\.0\.1:\d+/);
  assert.match(c.err(), /giving up reconnecting/);
});

/**
 * The NDJSON sink honours its stream's backpressure and survives a broken destination; the
 * /metrics endpoint serves the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'node:http';
import { Counter } from 'prom-client';
import { createRegistry, startMetricsServer } from '../../telemetry/metrics.js';
import type { BusRecord } from '../../records/types.js';
import { NdjsonSink } from '../../records/sink.js';

function rec(seq: number): BusRecord {
  return { v: 1, type: 'router_up', router: '192.0.2.1', session: 's', seq, time: '2026-11-21T00:00:00.000Z', remote_port: 1, local: '127.0.0.1:11019' };
}

/** A destination that completes each write only when the test says so. */
class SlowDisk extends Writable {
  readonly lines: string[] = [];
  private held: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error) => void): void {
    this.lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
    this.held.push(() => cb());
  }
  finishAll(): void {
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }
}

void test('write returns false above the high-water mark and drained() resolves when the stream drains', async () => {
  const disk = new SlowDisk();
  const sink = new NdjsonSink(disk);
  assert.equal(sink.write([rec(1)]), true, 'a small batch fits');
  const big = Array.from({ length: 20 }, (_, i) => rec(i + 2));
  assert.equal(sink.write(big), false, 'over 1 KiB buffered: full');
  let drained = false;
  const wait = sink.drained().then(() => (drained = true));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(drained, false, 'still full while the disk has not finished');
  // Each completed write lets the stream hand over the next; finish until it is empty.
  while (!drained) {
    disk.finishAll();
    await new Promise((r) => setTimeout(r, 1));
  }
  await wait;
  assert.equal(disk.lines.length, 21);
  assert.deepEqual(
    disk.lines.map((l) => (JSON.parse(l) as BusRecord).seq),
    Array.from({ length: 21 }, (_, i) => i + 1),
  );
});

void test('a failing destination is reported once, later records are dropped, and nothing waits forever', async () => {
  const errors: Error[] = [];
  const broken = new Writable({
    write(_c, _e, cb) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const sink = new NdjsonSink(broken, { onError: (e) => errors.push(e) });
  sink.write([rec(1)]);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sink.write([rec(2)]), true, 'never reports full once broken: the collector must not stall');
  await sink.drained();
  await sink.flush();
  await sink.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /EPIPE/);
});

void test('flush resolves after earlier records reached the stream; close ends it', async () => {
  const got: string[] = [];
  const s = new Writable({
    write(c: Buffer, _e, cb) {
      setTimeout(() => {
        got.push(c.toString());
        cb();
      }, 5);
    },
  });
  const sink = new NdjsonSink(s);
  sink.write([rec(1), rec(2)]);
  await sink.flush();
  assert.equal(got.join('').trim().split('\n').length, 2);
  await sink.close();
  assert.equal(s.writableEnded, true);
});

void test('GET /metrics serves the registry in the Prometheus text format', async () => {
  const registry = createRegistry({ processMetrics: false });
  new Counter({ name: 'ribwatch_test_total', help: 'test', registers: [registry] }).inc(3);
  const server = await startMetricsServer(registry, { host: '127.0.0.1', port: 0 });
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address.port, path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
  await server.close();
  assert.equal(body.status, 200);
  assert.match(body.text, /^ribwatch_test_total 3$/m);
});

void test('lines with non-ASCII text are written as whole UTF-8', async () => {
  const chunks: Buffer[] = [];
  const s = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  const sink = new NdjsonSink(s);
  const init: BusRecord = { v: 1, type: 'router_init', router: '192.0.2.1', session: 's', seq: 2, time: '2026-11-21T00:00:00.000Z', sys_name: 'leaf-ü-東京-🛰', sys_descr: null, info: ['"quoted"\n'] };
  sink.write([rec(1), init, rec(3)]);
  await sink.flush();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[3], '');
  assert.deepEqual(JSON.parse(lines[1]!), init);
});

/**
 * The collector's raw tap (the OpenBMP raw feed behind bus.openbmpRawTopic): every whole BMP
 * frame reaches it as received — in order, byte for byte, with the router's address and the
 * arrival time — whatever the TCP chunking; and a full tap pauses the router's socket exactly as a
 * full record sink does, losing nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import type { RawBmpSink } from '../../records/sink.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { MemorySink, announce4, concat, initiation, memoryLogger, peer, peerUp, until } from './collector-helpers.js';

/** A tap that keeps frames; `capacity` frames fit before write() says full, release() drains it. */
class MemoryTap implements RawBmpSink {
  readonly frames: { router: string; bmp: Buffer; arrivalMs: number }[] = [];
  pending = 0;
  fullReports = 0;
  private waiters: (() => void)[] = [];

  constructor(public capacity = Number.POSITIVE_INFINITY) {}

  write(router: string, bmp: Uint8Array, arrivalMs: number): boolean {
    // Copy: the frame is a view into the socket chunk, as the Kafka raw producer's encoder also copies.
    this.frames.push({ router, bmp: Buffer.from(bmp), arrivalMs });
    this.pending++;
    const ok = this.pending < this.capacity;
    if (!ok) this.fullReports++;
    return ok;
  }

  drained(): Promise<void> {
    if (this.pending < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.pending = 0;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function loopback(): Cidr[] {
  const c = parseCidr('127.0.0.0/8');
  if (typeof c === 'string') throw new Error(c);
  return [c];
}

async function startCollector(raw: RawBmpSink, sink = new MemorySink()): Promise<{ collector: BmpCollector; port: number; sink: MemorySink }> {
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 4,
    maxMessageBytes: 1024 * 1024,
    tcpKeepaliveSeconds: 60,
    allow: loopback(),
    dumpQuietSeconds: 10,
    sink,
    raw,
    log: memoryLogger().log,
    metrics: new CollectorMetrics(createRegistry({ processMetrics: false })),
  });
  const bound = await collector.start();
  return { collector, port: bound.port, sink };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.7' }, () => resolve(s));
    s.once('error', reject);
  });
}

function stream(n: number): Uint8Array[] {
  const p = peer('192.0.2.11', 64512);
  const msgs = [initiation('leaf1'), peerUp(p)];
  for (let i = 0; i < n; i++) msgs.push(announce4(p, `10.${(i >> 8) & 255}.${i & 255}.0/24`));
  return msgs;
}

test('every frame reaches the raw tap byte for byte, in order, with the router address, across odd TCP chunking', async () => {
  const tap = new MemoryTap();
  const { collector, port, sink } = await startCollector(tap);
  try {
    const msgs = stream(50);
    const bytes = concat(msgs);
    const s = await dial(port);
    // Chunks of 7 bytes: most frames span several TCP writes.
    for (let i = 0; i < bytes.length; i += 7) s.write(bytes.subarray(i, i + 7));
    await until(() => tap.frames.length === msgs.length);
    assert.deepEqual(
      tap.frames.map((f) => f.bmp.toString('hex')),
      msgs.map((m) => Buffer.from(m).toString('hex')),
    );
    assert.ok(tap.frames.every((f) => f.router === '127.0.0.7'));
    assert.ok(tap.frames.every((f) => Math.abs(f.arrivalMs - Date.now()) < 60_000));
    // The records are unaffected by the tap.
    await until(() => sink.ofType('route').length === 50);
    s.destroy();
  } finally {
    await collector.stop();
  }
});

test('a full raw tap pauses the router socket until it drains, and loses nothing', async () => {
  const tap = new MemoryTap(10);
  const { collector, port, sink } = await startCollector(tap);
  try {
    // ~320 KB: several socket chunks, so the pause after the first full report holds the rest in TCP.
    const msgs = stream(4000);
    const s = await dial(port);
    const bytes = concat(msgs);
    for (let i = 0; i < bytes.length; i += 16384) s.write(bytes.subarray(i, i + 16384));
    await until(() => tap.fullReports > 0);
    const session = [...collector.sessions][0];
    assert.ok(session, 'one router session');
    await until(() => session.paused);
    // While paused, no more frames arrive.
    const seen = tap.frames.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(tap.frames.length, seen);
    assert.ok(seen < msgs.length, `paused before the end (${seen} of ${msgs.length})`);
    // Drain repeatedly until everything went through.
    await until(() => {
      tap.release();
      return tap.frames.length === msgs.length;
    }, 10_000);
    assert.deepEqual(
      tap.frames.map((f) => f.bmp.toString('hex')),
      msgs.map((m) => Buffer.from(m).toString('hex')),
    );
    await until(() => sink.ofType('route').length === 4000);
    s.destroy();
  } finally {
    await collector.stop();
  }
});

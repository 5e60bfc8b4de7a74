/**
 * `ribwatch replay` against a local TCP server standing in for the collector: the bytes arrive
 * intact, one connection per BMP stream, paced by --rate, and a slow reader (backpressure) loses
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkType, readBmpInput } from '../../bin/capture/index.js';
import { parseHostPort, replayStreams } from '../../bin/commands/replay.js';
import { bmpInitiation, bmpMessage, concat, ethernet, ipv4Tcp, pcapFile, segmentsOf } from './capture-synth.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(resolve(here, '../../..'), 'bin', 'ribwatch.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'ribwatch-replay-'));

interface Collector {
  readonly port: number;
  /** Bytes per connection, in accept order, resolved when `n` connections have closed. */
  readonly done: (n: number) => Promise<Buffer[]>;
  readonly close: () => Promise<void>;
}

function collector(onSocket?: (s: Socket) => void): Promise<Collector> {
  const received: Buffer[][] = [];
  let closed = 0;
  const waiters: { n: number; resolve: (v: Buffer[]) => void }[] = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) {
      if (closed >= w.n) w.resolve(received.map((c) => Buffer.concat(c)));
      else waiters.push(w);
    }
  };
  const server: Server = createServer((sock) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('close', () => {
      closed++;
      check();
    });
    onSocket?.(sock);
  });
  return new Promise((res) => {
    server.listen(0, '127.0.0.1', () => {
      res({
        port: (server.address() as AddressInfo).port,
        done: (n) =>
          new Promise((r) => {
            waiters.push({ n, resolve: r });
            check();
          }),
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => res({ code, stderr }));
  });
}

const STREAM_A = concat([bmpInitiation('a'), bmpMessage(0, 100, 1), bmpMessage(0, 200, 2)]);
const STREAM_B = concat([bmpInitiation('b'), bmpMessage(1, 60, 3)]);

void test('--to accepts host:port and [v6]:port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:1790'), { host: '127.0.0.1', port: 1790 });
  assert.deepEqual(parseHostPort('[::1]:11019'), { host: '::1', port: 11019 });
  assert.equal(parseHostPort('localhost'), undefined);
  assert.equal(parseHostPort('h:0'), undefined);
});

void test('replay of a capture opens one connection per BMP stream and sends exactly its messages', async () => {
  const frames = [
    ...segmentsOf(STREAM_A, 1, 64).map((s) => ethernet(ipv4Tcp({ src: '192.0.2.1', dst: '198.51.100.1', sport: 40000, dport: 1790, seq: s.seq, payload: s.payload }))),
    ...segmentsOf(STREAM_B, 1000, 64).map((s) => ethernet(ipv4Tcp({ src: '192.0.2.2', dst: '198.51.100.1', sport: 40001, dport: 1790, seq: s.seq, payload: s.payload }))),
  ];
  const path = join(tmp, 'two.pcap');
  writeFileSync(path, pcapFile(frames, { linkType: LinkType.Ethernet }));
  const c = await collector();
  try {
    const r = await run(['replay', path, '--to', `127.0.0.1:${c.port}`]);
    assert.equal(r.code, 0, r.stderr);
    const got = await c.done(2);
    assert.deepEqual(got.map((b) => b.toString('hex')), [Buffer.from(STREAM_A).toString('hex'), Buffer.from(STREAM_B).toString('hex')]);
    assert.match(r.stderr, /done: 2 streams, 5 messages/);
  } finally {
    await c.close();
  }
});

void test('a truncated last message is not sent', async () => {
  const path = join(tmp, 'cut.bmp');
  writeFileSync(path, STREAM_A.subarray(0, STREAM_A.length - 10));
  const c = await collector();
  try {
    const r = await run(['replay', path, '--to', `127.0.0.1:${c.port}`]);
    assert.equal(r.code, 0, r.stderr);
    const [got] = await c.done(1);
    assert.equal(got?.length, STREAM_A.length - 206);
  } finally {
    await c.close();
  }
});

void test('--rate paces messages per second', async () => {
  const msgs = Array.from({ length: 11 }, (_, i) => bmpMessage(0, 70, i));
  const path = join(tmp, 'paced.bmp');
  writeFileSync(path, concat(msgs));
  const c = await collector();
  try {
    const t0 = performance.now();
    const r = await run(['replay', path, '--to', `127.0.0.1:${c.port}`, '--rate', '50']);
    const elapsed = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    // 11 messages at 50/s: the last is due 200 ms after the first.
    assert.ok(elapsed >= 190, `took ${elapsed.toFixed(0)} ms`);
    const [got] = await c.done(1);
    assert.equal(got?.length, 11 * 76);
  } finally {
    await c.close();
  }
});

void test('a collector that stops reading for a while (backpressure) still receives every byte in order', async () => {
  const big = concat(Array.from({ length: 3000 }, (_, i) => bmpMessage(0, 4000, i & 0xff)));
  const input = readBmpInput(big, { name: 'big.bmp' });
  assert.ok(input.ok);
  const c = await collector((sock) => {
    sock.pause();
    setTimeout(() => sock.resume(), 300);
  });
  try {
    const sent = await replayStreams(input.value.streams, { host: '127.0.0.1', port: c.port });
    assert.equal(sent.messages, 3000);
    const [got] = await c.done(1);
    assert.ok(got !== undefined && Buffer.from(big).equals(got));
  } finally {
    await c.close();
  }
});

void test('a collector that is not listening makes replay fail with exit 1 and the address', async () => {
  const c = await collector();
  const port = c.port;
  await c.close();
  const path = join(tmp, 'a.bmp');
  writeFileSync(path, STREAM_A);
  const r = await run(['replay', path, '--to', `127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
});

/**
 * BmpFramer over arbitrary TCP chunkings, its desync and size errors, and findBmpHeader for
 * captures that start mid-stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpFramer, decodeBmpMessage, ErrorCode, findBmpHeader } from '../src/index.js';

function h(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function bmp(type: number, body: Uint8Array, version = 3): Uint8Array {
  const len = 6 + body.length;
  return cat(new Uint8Array([version, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, type]), body);
}

const PPH = h('00 00 0000000000000000 000000000000000000000000 c0000201 0000fde8 c0000201 6553f100 00000001');
const MARKER = new Uint8Array(16).fill(0xff);
const UPDATE_EOR = cat(MARKER, h('0017 02 0000 0000'));

/** Initiation, Stats, Route Monitoring (End-of-RIB), a v4 Route Monitoring, Peer Down, Termination. */
const MESSAGES = [
  bmp(4, cat(h('0001 0004'), new TextEncoder().encode('FRR '), h('0002 0003 723031'))),
  bmp(1, cat(PPH, h('00000002 0000 0004 00000003 0007 0008 0000000000000010'))),
  bmp(0, cat(PPH, UPDATE_EOR)),
  bmp(0, cat(PPH, h('0004 0017 0000'), UPDATE_EOR), 4),
  bmp(2, cat(PPH, h('02 0012'))),
  bmp(5, h('0001 0002 0001')),
];
const STREAM = cat(...MESSAGES);
const STARTS = MESSAGES.reduce<number[]>((acc, m, i) => [...acc, i === 0 ? 0 : acc[i - 1]! + MESSAGES[i - 1]!.length], []);

interface Got {
  frame: number[];
  version: number;
  type: number;
  offset: number;
}

/** Feeds the stream cut at `cuts`, draining next() after every push. */
function frameWith(cuts: readonly number[], opts: { maxMessageLength?: number } = {}): { frames: Got[]; framer: BmpFramer } {
  const f = new BmpFramer(opts);
  const frames: Got[] = [];
  let prev = 0;
  for (const cut of [...cuts, STREAM.length]) {
    f.push(STREAM.subarray(prev, cut));
    prev = cut;
    for (let r = f.next(); r; r = f.next()) {
      if (!r.ok) assert.fail(`unexpected framer error ${r.error.code}`);
      frames.push({ frame: [...r.frame], version: r.version, type: r.type, offset: r.offset });
    }
  }
  return { frames, framer: f };
}

const EXPECTED: Got[] = MESSAGES.map((m, i) => ({ frame: [...m], version: m[0]!, type: m[5]!, offset: STARTS[i]! }));

void test('one push of the whole stream yields every message with its version, type and offset', () => {
  const { frames, framer } = frameWith([]);
  assert.deepEqual(frames, EXPECTED);
  assert.equal(framer.offset, STREAM.length);
  assert.equal(framer.buffered, 0);
});

void test('every cut into two and three chunks yields identical frames', () => {
  for (let a = 0; a <= STREAM.length; a++) {
    assert.deepEqual(frameWith([a]).frames, EXPECTED, `cut at ${a}`);
    for (let b = a; b <= STREAM.length; b += 3) assert.deepEqual(frameWith([a, b]).frames, EXPECTED, `cuts at ${a}, ${b}`);
  }
});

void test('every fixed chunk size from 1 byte to the stream length yields identical frames', () => {
  for (let size = 1; size <= STREAM.length; size++) {
    const cuts: number[] = [];
    for (let c = size; c < STREAM.length; c += size) cuts.push(c);
    assert.deepEqual(frameWith(cuts).frames, EXPECTED, `chunk size ${size}`);
  }
});

void test('random chunkings from a seeded generator yield identical frames', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let run = 0; run < 500; run++) {
    const cuts: number[] = [];
    for (let c = Math.floor(rnd() * 40); c < STREAM.length; c += 1 + Math.floor(rnd() * 60)) cuts.push(c);
    assert.deepEqual(frameWith(cuts).frames, EXPECTED, `run ${run}`);
  }
});

void test('a frame inside one chunk is a view of it and a frame spanning chunks is a copy', () => {
  const f = new BmpFramer();
  const one = MESSAGES[1]!.slice();
  f.push(one);
  const r = f.next();
  assert.ok(r?.ok);
  if (!r?.ok) return;
  assert.equal(r.frame.buffer, one.buffer);
  const two = MESSAGES[2]!.slice();
  f.push(two.subarray(0, 10));
  assert.equal(f.next(), undefined);
  assert.equal(f.buffered, 10);
  f.push(two.subarray(10));
  const s = f.next();
  assert.ok(s?.ok);
  if (!s?.ok) return;
  assert.notEqual(s.frame.buffer, two.buffer);
  assert.deepEqual([...s.frame], [...two]);
});

void test('a large message arriving in 1-byte chunks is framed in linear time', () => {
  const big = bmp(4, cat(h('0000 ffff'), new Uint8Array(0xffff).fill(0x61), h('0000 ffff'), new Uint8Array(0xffff).fill(0x62), h('0000 ffff'), new Uint8Array(0xffff).fill(0x63)));
  const f = new BmpFramer();
  const t0 = performance.now();
  let got: Uint8Array | undefined;
  for (let i = 0; i < big.length; i++) {
    f.push(big.subarray(i, i + 1));
    const r = f.next();
    if (r?.ok) got = r.frame;
  }
  const ms = performance.now() - t0;
  assert.deepEqual(got, big);
  assert.ok(ms < 3000, `took ${ms} ms`);
});

void test('a version 4 frame is returned by the framer and decoded: its BGP PDU TLV holds an End-of-RIB', () => {
  const { frames } = frameWith([]);
  const v4 = frames[3]!;
  assert.equal(v4.version, 4);
  const r = decodeBmpMessage(new Uint8Array(v4.frame));
  assert.ok(r.ok && r.value.type === 0 && r.value.version === 4);
  assert.deepEqual(r.value.type === 0 ? r.value.update?.endOfRib : undefined, { afi: 1, safi: 1 });
  // The frames after it are still decoded.
  assert.ok(decodeBmpMessage(new Uint8Array(frames[4]!.frame)).ok);
});

void test('a version byte other than 3 or 4 is a desync at that stream offset, and the error sticks', () => {
  const f = new BmpFramer();
  f.push(MESSAGES[0]!);
  f.push(h('02 00000010 04 0000000000000000000000'));
  f.push(MESSAGES[5]!);
  const first = f.next();
  assert.ok(first?.ok);
  const r = f.next();
  assert.ok(r && !r.ok);
  if (!r || r.ok) return;
  assert.equal(r.error.code, ErrorCode.Desync);
  assert.equal(r.error.offset, MESSAGES[0]!.length);
  assert.deepEqual(f.next(), r);
  f.push(MESSAGES[5]!);
  assert.deepEqual(f.next(), r);
  assert.equal(f.error?.code, ErrorCode.Desync);
});

void test('a length below 6, or below the minimum for the message type, is a desync', () => {
  for (const bad of [h('03 00000005 04'), h('03 00000000 04'), h('03 00000020 00'), h('03 00000030 03')]) {
    const f = new BmpFramer();
    f.push(cat(bad, new Uint8Array(64)));
    const r = f.next();
    assert.equal(r && !r.ok && r.error.code, ErrorCode.Desync, `header ${[...bad].join(',')}`);
  }
});

void test('a length above maxMessageLength is RW_ERR_TOO_LARGE before any of its body arrives', () => {
  const f = new BmpFramer({ maxMessageLength: 1000 });
  f.push(h('03 000003e9 04'));
  const r = f.next();
  assert.equal(r && !r.ok && r.error.code, ErrorCode.TooLarge);
  const g = new BmpFramer();
  g.push(h('03 01000001 04'));
  const s = g.next();
  assert.equal(s && !s.ok && s.error.code, ErrorCode.TooLarge);
  const ok = new BmpFramer({ maxMessageLength: 1000 });
  ok.push(bmp(4, new Uint8Array(994)));
  assert.equal(ok.next()?.ok, true);
});

void test('a truncated final message is never emitted', () => {
  const f = new BmpFramer();
  f.push(STREAM.subarray(0, STREAM.length - 3));
  let n = 0;
  for (let r = f.next(); r; r = f.next()) n++;
  assert.equal(n, MESSAGES.length - 1);
  assert.equal(f.buffered, MESSAGES[5]!.length - 3);
});

void test('findBmpHeader finds the next real message boundary from any start inside the stream', () => {
  const v3Starts = STARTS.filter((_, i) => MESSAGES[i]![0] === 3);
  for (let k = 0; k < STREAM.length; k++) {
    const buf = STREAM.subarray(k);
    const at = findBmpHeader(buf);
    const expected = v3Starts.find((s) => s >= k);
    assert.equal(at, expected === undefined ? -1 : expected - k, `start ${k}`);
  }
});

void test('findBmpHeader honours `from` and rejects a header whose successor is implausible', () => {
  assert.equal(findBmpHeader(STREAM, 1), STARTS[1]);
  // A plausible Initiation header followed by a non-header: rejected; the real one after is found.
  const fake = cat(h('03 0000000a 04 00000000'), h('ee ee'), MESSAGES[5]!);
  assert.equal(findBmpHeader(fake), 12);
  assert.equal(findBmpHeader(h('03 0000')), -1);
  assert.equal(findBmpHeader(new Uint8Array(0)), -1);
});

void test('findBmpHeader accepts a message that ends exactly at the buffer end or runs past it', () => {
  assert.equal(findBmpHeader(MESSAGES[5]!), 0);
  assert.equal(findBmpHeader(MESSAGES[1]!.subarray(0, 20)), 0);
});

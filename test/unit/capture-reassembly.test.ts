/**
 * TCP reassembly and BMP stream recognition on synthetic captures: the edge cases the real
 * captures in testdata/real exercise (out-of-order and retransmitted segments, data on SYN,
 * connections joined mid-way, keep-alive probes, port reuse) pinned down one at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LinkType, readBmpInput } from '../../bin/capture/index.js';
import type { BmpInput } from '../../bin/capture/index.js';
import { bmpInitiation, bmpMessage, concat, ethernet, ipv4Tcp, ipv4Udp, ipv6Tcp, pcapFile, segmentsOf } from './capture-synth.js';
import type { TcpOpts } from './capture-synth.js';

const ROUTER = '192.0.2.1';
const COLLECTOR = '198.51.100.7';

/** Initiation + Peer Up-sized + two Route Monitoring-sized messages, distinct filler per message. */
const BMP = concat([bmpInitiation('leaf1'), bmpMessage(3, 100, 0x33), bmpMessage(0, 70, 0xa0), bmpMessage(0, 90, 0xa1)]);

function seg(seq: number, payload: Uint8Array, extra: Partial<TcpOpts> = {}): Uint8Array {
  return ethernet(ipv4Tcp({ src: ROUTER, dst: COLLECTOR, sport: 40000, dport: 1790, seq, payload, ...extra }));
}

function read(frames: Uint8Array[], port?: number): BmpInput {
  const r = readBmpInput(pcapFile(frames, { linkType: LinkType.Ethernet }), port === undefined ? {} : { port });
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

function only(input: BmpInput): Uint8Array {
  assert.equal(input.streams.length, 1);
  const s = input.streams[0];
  assert.ok(s);
  return s.data;
}

void test('a handshake followed by in-order segments yields the sender\'s bytes as one BMP stream keyed by the router address', () => {
  const isn = 1000;
  const frames = [seg(isn, new Uint8Array(0), { syn: true, ack: false }), ...segmentsOf(BMP, isn + 1, 50).map((s) => seg(s.seq, s.payload))];
  const input = read(frames);
  assert.deepEqual(only(input), BMP);
  assert.equal(input.streams[0]?.router, ROUTER);
  assert.equal(input.streams[0]?.tcp?.dstPort, 1790);
});

void test('out-of-order segments are put back in sequence order', () => {
  const segs = segmentsOf(BMP, 5000, 40).map((s) => seg(s.seq, s.payload));
  const shuffled = [segs[0], segs[2], segs[1], segs[4], segs[3], ...segs.slice(5)].filter((x): x is Uint8Array => x !== undefined);
  assert.deepEqual(only(read(shuffled)), BMP);
});

void test('retransmissions, overlapping re-segmentation and keep-alive probes are dropped, first copy wins', () => {
  const segs = segmentsOf(BMP, 7000, 64);
  const frames = segs.map((s) => seg(s.seq, s.payload));
  const s1 = segs[1];
  assert.ok(s1);
  // A retransmission of segment 1, an overlapping segment straddling 1 and 2, and a keep-alive probe (seq - 1, one garbage byte).
  frames.splice(3, 0, seg(s1.seq, s1.payload), seg(s1.seq + 10, BMP.subarray(64 + 10, 64 + 100)), seg(s1.seq - 1, Uint8Array.of(0xee)));
  const input = read(frames);
  assert.deepEqual(only(input), BMP);
  assert.deepEqual(input.streams[0]?.gaps, []);
});

void test('data on a synthetic SYN (traffic-reproducer: data at the ISN, next segment at ISN+len) is kept', () => {
  const first = BMP.subarray(0, 30);
  const frames = [seg(1, first, { syn: true, ack: false }), ...segmentsOf(BMP.subarray(30), 31, 100).map((s) => seg(s.seq, s.payload))];
  const input = read(frames);
  assert.deepEqual(only(input), BMP);
  assert.ok(input.streams[0]?.notes.some((n) => n.includes('SYN carried data')));
});

void test('data on a standard SYN (data at ISN+1) is kept too', () => {
  const first = BMP.subarray(0, 30);
  const frames = [seg(100, first, { syn: true, ack: false }), ...segmentsOf(BMP.subarray(30), 131, 100).map((s) => seg(s.seq, s.payload))];
  assert.deepEqual(only(read(frames)), BMP);
});

void test('a capture that joins a connection mid-way starts at the first BMP header and says so', () => {
  const tail = bmpMessage(0, 200, 0x77).subarray(150); // the end of a message sent before the capture began
  const stream = concat([tail, BMP]);
  const input = read(segmentsOf(stream, 123456, 80).map((s) => seg(s.seq, s.payload)));
  const s = input.streams[0];
  assert.ok(s);
  assert.deepEqual(s.data, BMP);
  assert.equal(s.skipped, tail.length);
  assert.ok(s.notes.some((n) => n.includes('mid-way')));
});

void test('a mid-stream join whose first captured segment arrived out of order still starts at the lowest sequence number', () => {
  const segs = segmentsOf(BMP, 900, 60).map((s) => seg(s.seq, s.payload));
  const [a, b, ...rest] = segs;
  assert.ok(a && b);
  assert.deepEqual(only(read([b, a, ...rest])), BMP);
});

void test('sequence numbers wrapping past 2^32 do not break ordering', () => {
  assert.deepEqual(only(read(segmentsOf(BMP, 0xffffff00, 64).map((s) => seg(s.seq, s.payload)))), BMP);
});

void test('a missing segment is recorded as a gap at the right stream offset', () => {
  const segs = segmentsOf(BMP, 10, 50);
  const frames = segs.filter((_, i) => i !== 2).map((s) => seg(s.seq, s.payload));
  const s = read(frames).streams[0];
  assert.ok(s);
  assert.deepEqual(s.gaps, [{ at: 100, missing: 50 }]);
  assert.equal(s.data.length, BMP.length - 50);
});

void test('a SYN after data on the same 4-tuple starts a new connection (port reuse)', () => {
  const one = segmentsOf(BMP, 1, 1000);
  const frames = [seg(0, new Uint8Array(0), { syn: true }), ...one.map((s) => seg(s.seq, s.payload)), seg(0, new Uint8Array(0), { syn: true }), ...one.map((s) => seg(s.seq, s.payload))];
  const input = read(frames);
  assert.equal(input.streams.length, 2);
  assert.deepEqual(input.streams.map((s) => s.tcp?.connection), [0, 1]);
  for (const s of input.streams) assert.deepEqual(s.data, BMP);
});

void test('unanswered SYNs with one ISN, then a SYN with a new ISN on the same 4-tuple: the new SYN starts the stream and no bytes are missing', () => {
  const dead = 3626922138;
  const isn = 234866499;
  const syn = (seq: number): Uint8Array => seg(seq, new Uint8Array(0), { syn: true, ack: false });
  const frames = [syn(dead), syn(dead), syn(dead), syn(isn), ...segmentsOf(BMP, isn + 1, 70).map((s) => seg(s.seq, s.payload))];
  const input = read(frames);
  assert.deepEqual(only(input), BMP);
  const s = input.streams[0];
  assert.deepEqual(s?.gaps, []);
  assert.equal(s?.tcp?.connection, 1, 'the unanswered SYNs were connection 0');
  assert.ok(!s?.notes.some((n) => n.includes('missing')));
});

void test('a SYN retransmitted with the same ISN before any data stays one connection', () => {
  const isn = 5000;
  const syn = seg(isn, new Uint8Array(0), { syn: true, ack: false });
  const input = read([syn, syn, ...segmentsOf(BMP, isn + 1, 70).map((s) => seg(s.seq, s.payload))]);
  assert.deepEqual(only(input), BMP);
  assert.equal(input.streams[0]?.tcp?.connection, 0);
  assert.deepEqual(input.streams[0]?.gaps, []);
});

void test('after a new-ISN SYN, a segment really lost is still reported as a gap of its own size', () => {
  const isn = 777;
  const segs = segmentsOf(BMP, isn + 1, 50).filter((_, i) => i !== 1);
  const frames = [seg(4_000_000_000, new Uint8Array(0), { syn: true }), seg(isn, new Uint8Array(0), { syn: true }), ...segs.map((s) => seg(s.seq, s.payload))];
  const s = read(frames).streams[0];
  assert.deepEqual(s?.gaps, [{ at: 50, missing: 50 }]);
});

void test('each direction is its own stream: the collector\'s empty direction and non-BMP traffic are not BMP streams', () => {
  const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const frames = [
    seg(1, BMP),
    ethernet(ipv4Tcp({ src: COLLECTOR, dst: ROUTER, sport: 1790, dport: 40000, seq: 77, payload: new Uint8Array(0) })),
    ethernet(ipv4Tcp({ src: '203.0.113.9', dst: COLLECTOR, sport: 5555, dport: 80, seq: 1, payload: http })),
    ethernet(ipv4Udp('203.0.113.9', COLLECTOR, 3000, 9991, new Uint8Array(40))),
  ];
  const input = read(frames);
  assert.equal(input.streams.length, 1);
  assert.equal(input.otherTcpStreams, 1);
  assert.equal(input.skippedPackets['IP protocol 17 is not TCP'], 1);
});

void test('--port forces a stream to be BMP even when it does not start like BMP', () => {
  const junk = concat([Uint8Array.of(9, 9, 9), BMP]);
  const other = ethernet(ipv4Tcp({ src: ROUTER, dst: COLLECTOR, sport: 40001, dport: 5000, seq: 1, payload: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }));
  const input = read([seg(1, junk), other], 5000);
  assert.equal(input.streams.length, 2);
  assert.deepEqual(input.streams[1]?.data, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
});

void test('a capture without BMP is an error that suggests --port', () => {
  const r = readBmpInput(pcapFile([ethernet(ipv4Udp('192.0.2.1', '192.0.2.2', 1, 9991, new Uint8Array(10)))], { linkType: LinkType.Ethernet }));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /no BMP stream.*--port/);
});

void test('IPv6 with hop-by-hop and destination-options extension headers is followed to TCP', () => {
  const frames = segmentsOf(BMP, 42, 100).map((s) => ethernet(ipv6Tcp({ src: '2001:db8::1', dst: '2001:db8::2', sport: 179, dport: 1790, seq: s.seq, payload: s.payload }, true)));
  const input = read(frames);
  assert.deepEqual(only(input), BMP);
  assert.equal(input.streams[0]?.router, '2001:db8::1');
});

void test('a raw BMP file is one stream named after the file, or after --router', () => {
  const r = readBmpInput(BMP, { name: 'dump.bmp' });
  assert.ok(r.ok);
  assert.equal(r.value.format, 'raw');
  assert.equal(r.value.streams[0]?.router, 'file:dump.bmp');
  const named = readBmpInput(BMP, { name: 'dump.bmp', router: '192.0.2.9' });
  assert.ok(named.ok);
  assert.equal(named.value.streams[0]?.router, '192.0.2.9');
});

void test('a gzipped raw BMP file and a gzipped pcap are read through', () => {
  const raw = readBmpInput(gzipSync(BMP), { name: 'dump.bmp.gz' });
  assert.ok(raw.ok);
  assert.equal(raw.value.gzip, true);
  assert.deepEqual(raw.value.streams[0]?.data, BMP);
  const pcap = readBmpInput(gzipSync(pcapFile([seg(1, BMP)], { linkType: LinkType.Ethernet })));
  assert.ok(pcap.ok);
  assert.equal(pcap.value.format, 'pcap');
  assert.deepEqual(pcap.value.streams[0]?.data, BMP);
});

void test('bytes that are neither a capture nor BMP are refused with a reason', () => {
  const r = readBmpInput(new TextEncoder().encode('hello, this is not BMP at all, not even close'));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /not a pcap\/pcapng capture and not a BMP byte stream/);
  assert.equal(readBmpInput(new Uint8Array(0)).ok, false);
});

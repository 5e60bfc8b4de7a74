/**
 * The collector over real TCP on 127.0.0.1 (ephemeral ports): streams built with the encoders,
 * sent in odd chunks, come out as NDJSON records in order; bad input closes only the session it
 * came on (or is skipped); a full sink pauses the router's socket and loses nothing; refused
 * connections are counted and logged; shutdown ends sessions with router_down "shutdown".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { mkdtempSync, readFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { decodeBmpMessage, encodeBmpMessage } from '@ribwatch/bmp-parser';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import type { BusRecord } from '../../records/types.js';
import { RecordContext } from '../../collector/records-from-bmp.js';
import { NdjsonSink } from '../../records/sink.js';
import type { RecordSink } from '../../records/sink.js';
import { MemorySink, announce4, concat, endOfRib, initiation, memoryLogger, peer, peerUp, routeMonitoring, stats, termination, until, withdraw4 } from './collector-helpers.js';

function cidrs(...xs: string[]): Cidr[] {
  return xs.map((x) => {
    const c = parseCidr(x);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

interface Harness {
  collector: BmpCollector;
  port: number;
  registry: Registry;
  lines: () => Record<string, unknown>[];
}

async function start(sink: RecordSink, opts: { allow?: Cidr[]; maxSessions?: number; maxMessageBytes?: number } = {}): Promise<Harness> {
  const registry = createRegistry({ processMetrics: false });
  const { log, lines } = memoryLogger();
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: opts.maxSessions ?? 8,
    maxMessageBytes: opts.maxMessageBytes ?? 1024 * 1024,
    tcpKeepaliveSeconds: 60,
    allow: opts.allow ?? cidrs('127.0.0.0/8'),
    dumpQuietSeconds: 10,
    sink,
    log,
    metrics: new CollectorMetrics(registry),
  });
  const bound = await collector.start();
  return { collector, port: bound.port, registry, lines };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const v = await m.get();
  const hit = v.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return hit?.value ?? 0;
}

function dial(port: number, localAddress = '127.0.0.2'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress, noDelay: true }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Writes bytes in deliberately awkward pieces (1, 2, 5, 7, 64, 1000... bytes), pausing between, so reads split messages anywhere. */
async function sendChunked(s: Socket, bytes: Buffer): Promise<void> {
  const sizes = [1, 2, 5, 7, 64, 1000, 3, 150];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    s.write(bytes.subarray(at, at + n));
    at += n;
    if (i % 4 === 0) await sleep(1);
  }
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.end();
  });
}

const p1 = peer('127.0.10.2', 64512);
const p2 = peer('2001:db8::9', 64513);

void test('a BMP stream sent in odd chunks comes out as NDJSON records in order, seq 1..n, named by the router address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-collector-'));
  const file = join(dir, 'records.ndjson');
  const sink = new NdjsonSink(createWriteStream(file));
  const h = await start(sink);
  const s = await dial(h.port);
  const stream = concat([
    initiation('leaf1', 'FRRouting 8.4.4'),
    peerUp(p1),
    peerUp(p2),
    announce4(p1, '10.244.1.0/24'),
    announce4(p1, '10.244.2.0/24'),
    routeMonitoring(p2, { withdrawn: [], nlri: [], attributes: { origin: 0, asPath: [{ type: 2, asns: [64513] }], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::9'], nlri: [{ prefix: '2001:db8:244::/64', pathId: null }] } } }),
    endOfRib(p1),
    withdraw4(p1, '10.244.2.0/24'),
    stats(p1),
    termination(0),
  ]);
  await sendChunked(s, stream);
  await closeSocket(s);
  await until(() => h.collector.sessions.size === 0);
  await h.collector.stop();
  await sink.close();

  const records = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BusRecord);
  assert.deepEqual(
    records.map((r) => r.type),
    ['router_up', 'router_init', 'peer_up', 'peer_up', 'route', 'route', 'route', 'end_of_rib', 'route', 'stats', 'router_down'],
  );
  assert.deepEqual(
    records.map((r) => r.seq),
    records.map((_, i) => i + 1),
  );
  assert.ok(records.every((r) => r.router === '127.0.0.2' && r.session === records[0]!.session && r.v === 1));
  assert.ok(records.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.time)));
  const routes = records.filter((r) => r.type === 'route');
  assert.deepEqual(
    routes.map((r) => [r.afi_safi, r.announced.map((p) => p.prefix), r.withdrawn.map((p) => p.prefix), r.dump]),
    [
      ['ipv4-unicast', ['10.244.1.0/24'], [], true],
      ['ipv4-unicast', ['10.244.2.0/24'], [], true],
      ['ipv6-unicast', ['2001:db8:244::/64'], [], true],
      ['ipv4-unicast', [], ['10.244.2.0/24'], false],
    ],
  );
  const down = records.at(-1);
  assert.equal(down?.type, 'router_down');
  if (down?.type === 'router_down') {
    assert.equal(down.cause, 'termination');
    assert.equal(down.termination?.reason_name, 'administratively-closed');
  }
  assert.equal(await metric(h.registry, 'ribwatch_bmp_messages_total', { type: 'route_monitoring' }), 5);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_bytes_total'), stream.length);
  assert.equal(await metric(h.registry, 'ribwatch_records_total', { type: 'route' }), 4);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_sessions_total', { result: 'accepted' }), 1);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_sessions'), 0);
});

void test('a stream that cannot be resynchronised closes only its own session, with one log line naming router, offset and reason', async () => {
  const sink = new MemorySink();
  const h = await start(sink);
  const good = await dial(h.port, '127.0.0.3');
  const bad = await dial(h.port, '127.0.0.4');
  await until(() => h.collector.sessions.size === 2);
  const prefix = concat([initiation('bad'), announce4(p1, '10.0.0.0/8')]);
  const badClosed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
  bad.on('error', () => {});
  bad.write(Buffer.concat([prefix, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]));
  await badClosed;
  good.write(concat([initiation('good'), announce4(p1, '10.1.0.0/16')]));
  await until(() => sink.ofType('route').some((r) => r.router === '127.0.0.3'));
  assert.equal(h.collector.sessions.size, 1, 'the good session lives on');

  const down = sink.ofType('router_down');
  assert.equal(down.length, 1);
  assert.equal(down[0]!.router, '127.0.0.4');
  assert.match(down[0]!.cause, new RegExp(`^desync at offset ${prefix.length}: `));
  assert.equal(sink.ofType('route').filter((r) => r.router === '127.0.0.4').length, 1, 'records before the bad bytes are kept');
  const errorLines = h.lines().filter((l) => l['level'] === 'error');
  assert.equal(errorLines.length, 1);
  assert.equal(errorLines[0]!['router'], '127.0.0.4');
  assert.equal(errorLines[0]!['offset'], prefix.length);
  assert.match(String(errorLines[0]!['reason']), /out of sync/);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_errors_total', { kind: 'desync' }), 1);
  await closeSocket(good);
  await h.collector.stop();
});

void test('a message above maxMessageBytes closes the session as too-large', async () => {
  const sink = new MemorySink();
  const h = await start(sink, { maxMessageBytes: 4096 });
  const s = await dial(h.port);
  s.on('error', () => {});
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  s.write(Buffer.from([3, 0, 1, 0, 0, 0])); // declares 65536 bytes
  await closed;
  await until(() => sink.ofType('router_down').length === 1);
  assert.match(sink.ofType('router_down')[0]!.cause, /^too-large at offset 0/);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_errors_total', { kind: 'too-large' }), 1);
  await h.collector.stop();
});

void test('a malformed UPDATE is counted and logged once per kind; the session lives on; a BMP v4 Route Monitoring gives its route', async () => {
  const sink = new MemorySink();
  const h = await start(sink);
  const s = await dial(h.port);
  const broken = Buffer.from(announce4(p1, '10.9.0.0/16'));
  // The UPDATE's Total Path Attribute Length: claim more bytes than the message holds.
  const bgpAt = 6 + 42;
  const attrLenAt = bgpAt + 19 + 2 + broken.readUInt16BE(bgpAt + 19);
  broken.writeUInt16BE(0xfff0, attrLenAt);
  const v3 = decodeBmpMessage(announce4(p1, '10.3.0.0/16'));
  assert.ok(v3.ok);
  const v4 = encodeBmpMessage({ ...v3.value, version: 4 }); // the same route in a BMP v4 (draft-ietf-grow-bmp-tlv) frame
  assert.equal(v4[0], 4);
  s.write(concat([announce4(p1, '10.1.0.0/16'), broken, broken, v4, announce4(p1, '10.2.0.0/16')]));
  await until(() => sink.ofType('route').length === 3);
  assert.deepEqual(
    sink.ofType('route').map((r) => r.announced[0]?.prefix),
    ['10.1.0.0/16', '10.3.0.0/16', '10.2.0.0/16'],
  );
  assert.equal(h.collector.sessions.size, 1);
  const errors = await registryValues(h.registry, 'ribwatch_bmp_errors_total');
  const bgp = Object.entries(errors).filter(([k]) => k.startsWith('bgp-'));
  assert.equal(bgp.length, 1, `one bgp-* kind: ${JSON.stringify(errors)}`);
  assert.equal(bgp[0]![1], 2, 'both broken UPDATEs counted');
  assert.equal(errors['bmp-unsupported-version'], undefined);
  const warns = h.lines().filter((l) => l['level'] === 'warn');
  assert.equal(warns.length, 1, 'one line per kind, not per message');
  assert.deepEqual(
    sink.ofType('route').map((r) => r.seq),
    [2, 3, 4],
    'skipped messages take no sequence numbers',
  );
  await closeSocket(s);
  await h.collector.stop();
});

async function registryValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const m = registry.getSingleMetric(name);
  const out: Record<string, number> = {};
  if (!m) return out;
  for (const v of (await m.get()).values) out[String(v.labels['kind'])] = v.value;
  return out;
}

void test('a full sink pauses the router socket until it drains, and no record is lost', async () => {
  const sink = new MemorySink(20);
  const h = await start(sink);
  const s = await dial(h.port);
  const N = 2000;
  const msgs: Uint8Array[] = [];
  for (let i = 0; i < N; i++) msgs.push(announce4(p1, `10.${i >> 8}.${i & 255}.0/24`));
  const all = concat(msgs);
  s.write(all.subarray(0, 4000));
  await until(() => sink.fullReports > 0);
  const session = [...h.collector.sessions][0]!;
  assert.equal(session.paused, true, 'the sink said full: the socket is paused');
  const seen = sink.records.length;
  s.write(all.subarray(4000));
  await sleep(100);
  assert.equal(sink.records.length, seen, 'nothing is read while paused: TCP holds the rest');
  while (sink.ofType('route').length < N) {
    sink.release();
    await sleep(2);
  }
  assert.ok(session.pauses >= 1);
  assert.equal(await metric(h.registry, 'ribwatch_sink_paused_total'), session.pauses);
  const routes = sink.ofType('route');
  assert.equal(routes.length, N);
  assert.deepEqual(
    routes.map((r) => r.seq),
    routes.map((_, i) => i + 2),
  );
  assert.equal(routes.at(-1)?.announced[0]?.prefix, `10.${(N - 1) >> 8}.${(N - 1) & 255}.0/24`);
  sink.release();
  await closeSocket(s);
  await h.collector.stop();
});

void test('connections from outside collector.allow are refused, counted and logged', async () => {
  const sink = new MemorySink();
  const h = await start(sink, { allow: cidrs('10.0.0.0/8', '::1/128') });
  const s = await dial(h.port);
  await new Promise<void>((resolve) => s.once('close', () => resolve()));
  assert.equal(await metric(h.registry, 'ribwatch_bmp_sessions_total', { result: 'refused' }), 1);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_sessions_total', { result: 'accepted' }), 0);
  assert.equal(sink.records.length, 0);
  const refused = h.lines().filter((l) => l['msg'] === 'refused a BMP connection');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!['remote'], '127.0.0.2');
  assert.match(String(refused[0]!['reason']), /collector\.allow/);
  await h.collector.stop();
});

void test('connections beyond maxSessions are refused while the others continue', async () => {
  const sink = new MemorySink();
  const h = await start(sink, { maxSessions: 1 });
  const first = await dial(h.port, '127.0.0.5');
  await until(() => h.collector.sessions.size === 1);
  const second = await dial(h.port, '127.0.0.6');
  await new Promise<void>((resolve) => second.once('close', () => resolve()));
  assert.equal(await metric(h.registry, 'ribwatch_bmp_sessions_total', { result: 'refused' }), 1);
  first.write(announce4(p1, '10.0.0.0/8'));
  await until(() => sink.ofType('route').length === 1);
  await closeSocket(first);
  await h.collector.stop();
});

void test('shutdown closes open sessions with router_down cause "shutdown" and no termination', async () => {
  const sink = new MemorySink();
  const h = await start(sink);
  const s = await dial(h.port);
  s.on('error', () => {});
  s.write(concat([initiation('leaf1'), peerUp(p1)]));
  await until(() => sink.ofType('peer_up').length === 1);
  await h.collector.stop();
  const down = sink.ofType('router_down');
  assert.equal(down.length, 1);
  assert.equal(down[0]!.cause, 'shutdown');
  assert.equal(down[0]!.termination, null);
  assert.equal(down[0]!.seq, 4);
  s.destroy();
});

void test('a connection lost without Termination gives router_down with termination null', async () => {
  const sink = new MemorySink();
  const h = await start(sink);
  const s = await dial(h.port);
  s.write(initiation('leaf1'));
  await until(() => sink.ofType('router_init').length === 1);
  s.destroy();
  await until(() => sink.ofType('router_down').length === 1);
  const d = sink.ofType('router_down')[0]!;
  assert.equal(d.termination, null);
  assert.match(d.cause, /^connection (closed|error)/);
  await h.collector.stop();
});

void test('an exception while converting one message costs that message only: counted, logged, no seq gap', async () => {
  const sink = new MemorySink();
  const h = await start(sink);
  const s = await dial(h.port);
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, always called with .call(this)
  const original = RecordContext.prototype.routerTime;
  let calls = 0;
  RecordContext.prototype.routerTime = function (this: RecordContext, ph) {
    if (++calls === 2) throw new Error('boom');
    return original.call(this, ph);
  };
  try {
    s.write(concat([announce4(p1, '10.1.0.0/16'), announce4(p1, '10.2.0.0/16'), announce4(p1, '10.3.0.0/16')]));
    await until(() => sink.ofType('route').length === 2);
  } finally {
    RecordContext.prototype.routerTime = original;
  }
  assert.deepEqual(
    sink.ofType('route').map((r) => [r.seq, r.announced[0]?.prefix]),
    [
      [2, '10.1.0.0/16'],
      [3, '10.3.0.0/16'],
    ],
  );
  assert.equal(await metric(h.registry, 'ribwatch_bmp_errors_total', { kind: 'internal-error' }), 1);
  assert.equal(h.collector.sessions.size, 1);
  await closeSocket(s);
  await h.collector.stop();
});

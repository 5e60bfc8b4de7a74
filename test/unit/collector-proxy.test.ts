/**
 * Router identity behind a load balancer: the PROXY protocol header parser (v1 and v2, whole,
 * partial and malformed), and the collector over real TCP on 127.0.0.x — the router is the
 * header's client address, collector.allow applies to it, a header from outside
 * collector.proxyFrom or a broken one closes that connection with one log line and a metric; and
 * without PROXY protocol, routers sharing a source address are keyed apart by their sysName.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { BmpCollector } from '../../collector/collector.js';
import type { CollectorOptions } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { parseProxyHeader } from '../../collector/proxy-protocol.js';
import { RouterIdentities } from '../../collector/router-identity.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { MemorySink, announce4, concat, initiation, memoryLogger, peer, peerUp, until } from './collector-helpers.js';
import { proxyV1, proxyV2 } from './proxy-helpers.js';

function cidrs(...xs: string[]): Cidr[] {
  return xs.map((x) => {
    const c = parseCidr(x);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

void test('a PROXY v1 line gives the client address and port, for TCP4, TCP6 and UNKNOWN', () => {
  const v4 = proxyV1('192.0.2.7', '10.0.0.1', 40123, 11019);
  assert.deepEqual(parseProxyHeader(Buffer.concat([v4, Buffer.from([3, 0, 0])])), {
    kind: 'header',
    version: 1,
    length: v4.length,
    source: { address: '192.0.2.7', port: 40123 },
    destination: { address: '10.0.0.1', port: 11019 },
  });
  const v6 = parseProxyHeader(proxyV1('2001:DB8:0:0::7', '2001:db8::1', 1, 11019));
  assert.equal(v6.kind === 'header' ? v6.source?.address : v6.kind, '2001:db8::7');
  const unknown = parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'));
  assert.deepEqual(unknown, { kind: 'header', version: 1, length: 15 });
});

void test('a PROXY v2 header gives the client address for IPv4 and IPv6, skips TLVs, and LOCAL carries none', () => {
  const tlvs = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP, 3 bytes
  const v4 = proxyV2('198.51.100.9', '10.0.0.1', 5000, 11019, { tlvs });
  const r = parseProxyHeader(Buffer.concat([v4, Buffer.from([3])]));
  assert.deepEqual(r, { kind: 'header', version: 2, length: v4.length, source: { address: '198.51.100.9', port: 5000 }, destination: { address: '10.0.0.1', port: 11019 } });
  const v6 = parseProxyHeader(proxyV2('2001:db8:0:1::', '2001:db8::1', 6000, 11019));
  assert.deepEqual(v6.kind === 'header' ? v6.source : undefined, { address: '2001:db8:0:1::', port: 6000 });
  const mapped = parseProxyHeader(proxyV2('::ffff:c000:201', '::ffff:a00:1', 1, 2));
  assert.equal(mapped.kind === 'header' ? mapped.source?.address : undefined, '192.0.2.1');
  const local = proxyV2('127.0.0.1', '127.0.0.1', 1, 2, { local: true });
  assert.deepEqual(parseProxyHeader(local), { kind: 'header', version: 2, length: local.length });
});

void test('every proper prefix of a header is incomplete; a BMP first byte means no header', () => {
  for (const h of [proxyV1('192.0.2.7', '10.0.0.1', 1, 2), proxyV2('192.0.2.7', '10.0.0.1', 1, 2)]) {
    for (let n = 0; n < h.length; n++) assert.equal(parseProxyHeader(h.subarray(0, n)).kind, 'incomplete', `prefix of ${n} bytes`);
  }
  assert.equal(parseProxyHeader(Buffer.from(initiation('leaf1'))).kind, 'absent');
});

void test('malformed headers say what is wrong', () => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), /5 fields/],
    [Buffer.from('PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n'), /source address "1\.2\.3"/],
    [Buffer.from('PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n'), /is not IPv6/],
    [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'), /port "01"/],
    [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'), /port "65536"/],
    [Buffer.from('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), /protocol "UDP4"/],
    [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX'), /CR not followed by LF/],
    [Buffer.from(`PROXY ${'9'.repeat(120)}`), /without CRLF/],
    [Buffer.from('PROXY TCP4 1.2.3.4\x00'), /non-ASCII/],
    [Buffer.from('PROXZ'), /neither BMP nor a PROXY v1/],
    [Buffer.from('\r\n\r\nX'), /neither BMP nor a PROXY v2/],
  ];
  const v2 = proxyV2('192.0.2.7', '10.0.0.1', 1, 2);
  const bad = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(v2);
    f(b);
    return b;
  };
  cases.push([bad((b) => (b[12] = 0x31)), /version nibble 3/]);
  cases.push([bad((b) => (b[12] = 0x22)), /command 2/]);
  cases.push([bad((b) => (b[13] = 0x12)), /transport 2/]);
  cases.push([bad((b) => (b[13] = 0x31)), /AF_UNIX/]);
  cases.push([bad((b) => b.writeUInt16BE(4, 14)).subarray(0, 20), /4 address bytes, expected at least 12/]);
  for (const [bytes, reason] of cases) {
    const r = parseProxyHeader(bytes);
    assert.equal(r.kind, 'malformed', `${JSON.stringify(bytes.toString('latin1'))} gave ${r.kind}`);
    if (r.kind === 'malformed') assert.match(r.reason, reason);
  }
});

interface Harness {
  collector: BmpCollector;
  port: number;
  registry: Registry;
  sink: MemorySink;
  lines: () => Record<string, unknown>[];
}

async function start(opts: Partial<CollectorOptions> = {}): Promise<Harness> {
  const registry = createRegistry({ processMetrics: false });
  const { log, lines } = memoryLogger();
  const sink = new MemorySink();
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 8,
    maxMessageBytes: 1024 * 1024,
    tcpKeepaliveSeconds: 60,
    allow: cidrs('127.0.0.0/8'),
    dumpQuietSeconds: 10,
    sink,
    log,
    metrics: new CollectorMetrics(registry),
    ...opts,
  });
  const bound = await collector.start();
  return { collector, port: bound.port, registry, sink, lines };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const v = await m.get();
  return v.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))?.value ?? 0;
}

function dial(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress, noDelay: true }, () => resolve(s));
    s.on('error', reject);
  });
}

function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
}

async function hangUp(s: Socket): Promise<void> {
  const c = closed(s);
  s.end();
  await c;
}

const p1 = peer('10.1.0.1', 64512);
const routersOf = (sink: MemorySink): string[] => [...new Set(sink.records.map((r) => r.router))].sort();

void test('behind a PROXY v2 and a v1 sender on one address, two routers stay two, keyed by the header address and port', async () => {
  const h = await start({ proxyProtocol: 'optional', proxyFrom: cidrs('127.0.0.2/32'), allow: cidrs('192.0.2.0/24') });
  const a = await dial(h.port, '127.0.0.2');
  const b = await dial(h.port, '127.0.0.2');
  // Header and BMP in one write for one, the header split across writes for the other.
  a.write(concat([proxyV2('192.0.2.1', '10.0.0.1', 40001, 11019), initiation('leaf1'), peerUp(p1), announce4(p1, '10.244.1.0/24')]));
  const hb = proxyV1('192.0.2.2', '10.0.0.1', 40002, 11019);
  b.write(hb.subarray(0, 9));
  await until(() => h.sink.ofType('route').length === 1);
  b.write(concat([hb.subarray(9), initiation('leaf1'), peerUp(p1), announce4(p1, '10.244.2.0/24')]));
  await until(() => h.sink.ofType('route').length === 2);
  await Promise.all([hangUp(a), hangUp(b)]);
  await until(() => h.collector.sessions.size === 0);
  await h.collector.stop();
  assert.deepEqual(routersOf(h.sink), ['192.0.2.1', '192.0.2.2']);
  const ups = h.sink.ofType('router_up');
  assert.deepEqual(ups.map((u) => [u.router, u.remote_port]).sort(), [['192.0.2.1', 40001], ['192.0.2.2', 40002]]);
  const routes = h.sink.ofType('route');
  assert.deepEqual(routes.map((r) => [r.router, r.announced[0]?.prefix]).sort(), [['192.0.2.1', '10.244.1.0/24'], ['192.0.2.2', '10.244.2.0/24']]);
  // No byte lost: each session's records run seq 1..n.
  for (const router of ['192.0.2.1', '192.0.2.2']) {
    const seqs = h.sink.records.filter((r) => r.router === router).map((r) => r.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  }
});

void test('collector.allow applies to the address the header carries, not the load balancer', async () => {
  const h = await start({ proxyProtocol: 'required', proxyFrom: cidrs('127.0.0.2/32'), allow: cidrs('192.0.2.0/24') });
  const s = await dial(h.port, '127.0.0.2');
  s.write(concat([proxyV2('198.51.100.1', '10.0.0.1', 1, 11019), initiation('outsider')]));
  await closed(s);
  assert.equal(h.sink.records.length, 0);
  const refused = h.lines().filter((l) => l['msg'] === 'refused a BMP connection');
  assert.equal(refused.length, 1);
  assert.match(String(refused[0]!['reason']), /198\.51\.100\.1.*not in collector\.allow/);
  await h.collector.stop();
});

void test('a header from a source not in collector.proxyFrom (spoofed), a malformed one and a missing one each close their connection with one log line and a metric', async () => {
  const h = await start({ proxyProtocol: 'optional', proxyFrom: cidrs('127.0.0.9/32'), allow: cidrs('127.0.0.0/8', '192.0.2.0/24') });
  const spoof = await dial(h.port, '127.0.0.3');
  spoof.write(concat([proxyV2('192.0.2.50', '10.0.0.1', 1, 11019), initiation('evil')]));
  await closed(spoof);
  const broken = await dial(h.port, '127.0.0.9');
  broken.write(Buffer.from('PROXY TCP4 192.0.2.1 10.0.0.1 99999 11019\r\n'));
  await closed(broken);
  // A router at its own address (not a proxy) still speaks BMP directly in optional mode.
  const direct = await dial(h.port, '127.0.0.4');
  direct.write(concat([initiation('leaf4'), peerUp(p1)]));
  await until(() => h.sink.ofType('peer_up').length === 1);
  await hangUp(direct);
  await h.collector.stop();

  const h2 = await start({ proxyProtocol: 'required', proxyFrom: cidrs('127.0.0.9/32'), openingTimeoutMs: 300 });
  const bare = await dial(h2.port, '127.0.0.9');
  bare.write(initiation('no-header'));
  await closed(bare);
  const silent = await dial(h2.port, '127.0.0.9');
  await closed(silent);
  const stranger = await dial(h2.port, '127.0.0.5');
  await closed(stranger);
  await h2.collector.stop();

  assert.deepEqual(routersOf(h.sink), ['127.0.0.4']);
  assert.equal(h2.sink.records.length, 0);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_proxy_errors_total', { kind: 'proxy-spoofed' }), 1);
  assert.equal(await metric(h.registry, 'ribwatch_bmp_proxy_errors_total', { kind: 'proxy-malformed' }), 1);
  assert.equal(await metric(h2.registry, 'ribwatch_bmp_proxy_errors_total', { kind: 'proxy-missing' }), 1);
  assert.equal(await metric(h2.registry, 'ribwatch_bmp_proxy_errors_total', { kind: 'opening-timeout' }), 1);
  const lines = [...h.lines(), ...h2.lines()].filter((l) => l['msg'] === 'refused a BMP connection');
  assert.deepEqual(
    lines.map((l) => [l['remote'], l['kind'] ?? 'refused']),
    [
      ['127.0.0.3', 'proxy-spoofed'],
      ['127.0.0.9', 'proxy-malformed'],
      ['127.0.0.9', 'proxy-missing'],
      // Rate-limited per source: the timeout from the same proxy within a minute is counted, not logged again.
      ['127.0.0.5', 'refused'],
    ],
  );
  assert.match(String(lines[0]!['reason']), /not in collector\.proxyFrom/);
  assert.match(String(lines[1]!['reason']), /port "99999"/);
  assert.match(String(lines[3]!['reason']), /collector\.proxyFrom/);
});

void test('without PROXY protocol, routers sharing one source address are keyed apart by sysName, and keep their keys across reconnects in any order', async () => {
  const h = await start();
  const session = async (sysName: string, from = '127.0.0.2'): Promise<string> => {
    const s = await dial(h.port, from);
    const before = h.sink.ofType('peer_up').length;
    s.write(concat([initiation(sysName), peerUp(p1)]));
    await until(() => h.sink.ofType('peer_up').length === before + 1);
    const router = h.sink.ofType('peer_up').at(-1)!.router;
    await hangUp(s);
    await until(() => h.collector.sessions.size === 0);
    return router;
  };
  assert.equal(await session('leaf1'), '127.0.0.2');
  assert.equal(await session('leaf2'), '127.0.0.2/leaf2');
  assert.equal(await session('leaf2'), '127.0.0.2/leaf2');
  assert.equal(await session('leaf1'), '127.0.0.2');
  // One default hostname at two addresses: two routers.
  assert.equal(await session('frr', '127.0.0.3'), '127.0.0.3');
  assert.equal(await session('frr', '127.0.0.4'), '127.0.0.4');
  await h.collector.stop();
});

void test('two routers connecting at once from one address stay two: the newcomer waits for the first one to say its sysName', async () => {
  const h = await start();
  const a = await dial(h.port, '127.0.0.2');
  await until(() => h.collector.sessions.size === 1);
  const b = await dial(h.port, '127.0.0.2');
  b.write(concat([initiation('leaf2'), peerUp(p1)]));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(h.sink.ofType('peer_up').length, 0, 'the newcomer is not keyed before the first router said who it is');
  a.write(concat([initiation('leaf1'), peerUp(p1)]));
  await until(() => h.sink.ofType('peer_up').length === 2);
  assert.deepEqual(h.sink.ofType('router_init').map((r) => [r.router, r.sys_name]).sort(), [['127.0.0.2', 'leaf1'], ['127.0.0.2/leaf2', 'leaf2']]);
  await Promise.all([hangUp(a), hangUp(b)]);
  await h.collector.stop();
});

void test('the inventory\'s sysName keeps the bare address across restarts, whoever connects first', async () => {
  const h = await start({ knownRouters: [{ address: '127.0.0.2', sysName: 'leaf1' }] });
  const b = await dial(h.port, '127.0.0.2');
  b.write(concat([initiation('leaf2'), peerUp(p1)]));
  await until(() => h.sink.ofType('peer_up').length === 1);
  const a = await dial(h.port, '127.0.0.2');
  a.write(concat([initiation('leaf1'), peerUp(p1)]));
  await until(() => h.sink.ofType('peer_up').length === 2);
  assert.deepEqual(h.sink.ofType('peer_up').map((r) => r.router), ['127.0.0.2/leaf2', '127.0.0.2']);
  await Promise.all([hangUp(a), hangUp(b)]);
  await h.collector.stop();
});

void test('RouterIdentities: an owner that closed without Initiation frees the address; one without sysName keeps it from a newcomer', async () => {
  const ids = new RouterIdentities(50);
  const first = ids.claimFirst('192.0.2.1');
  first.closed();
  assert.equal(ids.known('192.0.2.1'), false);
  assert.equal(await ids.resolve('192.0.2.1', 'spine1'), '192.0.2.1');
  const nameless = ids.claimFirst('192.0.2.2');
  nameless.identified(null);
  assert.equal(await ids.resolve('192.0.2.2', 'leaf9'), '192.0.2.2/leaf9');
  assert.equal(await ids.resolve('192.0.2.2', null), '192.0.2.2');
  // An owner that never answers: after the bounded wait the newcomer gets its own key, never the owner's.
  ids.claimFirst('192.0.2.3');
  assert.equal(await ids.resolve('192.0.2.3', 'leaf3'), '192.0.2.3/leaf3');
});

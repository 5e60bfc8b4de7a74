/**
 * The receive-only BGP speaker over real TCP on 127.0.0.1 against a scripted neighbor built with
 * bmp-parser's encoders: the OPEN it sends, the NOTIFICATIONs it answers mismatches with (RFC 4271
 * §6.2, RFC 4486, RFC 6608), the records a session gives (feed "bgp", router bgp:<address>), RFC
 * 7606 on malformed UPDATEs, maximum-prefix, the hold timer, and graceful restart as a receiver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { DEFAULT_SESSION, decodeBgpMessage, encodeBgpMessage, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BgpMessage, OpenInput } from '@ribwatch/bmp-parser';
import { BgpMetrics } from '../../bgp/metrics.js';
import { BgpSpeaker, speakerOptions } from '../../bgp/speaker.js';
import { BgpFramer } from '../../bgp/framer.js';
import { loadConfig } from '../../config/load.js';
import { createRegistry } from '../../telemetry/metrics.js';
import type { BusRecord, PeerDownRecord, RouteRecord } from '../../records/types.js';
import { MemorySink, memoryLogger, until } from './collector-helpers.js';

interface Speaker {
  speaker: BgpSpeaker;
  port: number;
  sink: MemorySink;
  lines: () => Record<string, unknown>[];
}

async function speaker(yaml: string): Promise<Speaker> {
  const { config } = loadConfig({ text: `bgp:\n  listen: 127.0.0.1:0\n  asn: 65099\n${yaml}` });
  const sink = new MemorySink();
  const { log, lines } = memoryLogger();
  const s = new BgpSpeaker(speakerOptions(config.bgp, { sink, log, metrics: new BgpMetrics(createRegistry()) }));
  const bound = await s.start();
  return { speaker: s, port: bound!.port, sink, lines };
}

/** A scripted neighbor: sends what the test says, collects every message it gets back. */
class Neighbor {
  readonly got: BgpMessage[] = [];
  closed = false;
  private readonly framer = new BgpFramer();
  private constructor(readonly socket: Socket) {
    this.framer.maxLength = 65535;
    socket.on('data', (c: Buffer) => {
      for (const m of this.framer.push(c).messages) {
        const d = decodeBgpMessage(m, DEFAULT_SESSION);
        if (d.ok) this.got.push(d.value);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
  static connect(port: number, localAddress = '127.0.0.1'): Promise<Neighbor> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(new Neighbor(s)));
      s.once('error', reject);
    });
  }
  send(b: Uint8Array): void {
    this.socket.write(b);
  }
  notification(): { code: number; subcode: number } | undefined {
    const n = this.got.find((m) => m.type === 'notification');
    return n?.type === 'notification' ? { code: n.notification.code, subcode: n.notification.subcode } : undefined;
  }
  async waitNotification(timeoutMs = 3000): Promise<{ code: number; subcode: number }> {
    await until(() => this.notification() !== undefined, timeoutMs);
    return this.notification()!;
  }
}

const KEEPALIVE = encodeBgpMessage({ type: 'keepalive' }, DEFAULT_SESSION);

function open(o: Partial<OpenInput> & { asn?: number } = {}): Uint8Array {
  const asn = o.asn ?? 65001;
  return encodeOpen({
    version: 4,
    holdTime: 90,
    bgpId: '192.0.2.1',
    asn,
    ...o,
    capabilities: { multiprotocol: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], fourOctetAs: asn, fqdn: { hostname: 'leaf7', domain: '' }, ...o.capabilities },
  });
}

const CFG = { fourOctetAs: true, addPath: new Set<number>() };
const ATTRS = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' };
const announce = (...prefixes: string[]): Uint8Array => encodeUpdate({ withdrawn: [], nlri: prefixes.map((prefix) => ({ prefix, pathId: null })), attributes: ATTRS }, CFG);

/** Opens a session up to Established. */
async function established(s: Speaker, openBytes = open()): Promise<Neighbor> {
  const n = await Neighbor.connect(s.port);
  n.send(openBytes);
  await until(() => n.got.some((m) => m.type === 'open') && n.got.some((m) => m.type === 'keepalive'));
  n.send(KEEPALIVE);
  await until(() => s.sink.records.some((r) => r.type === 'peer_up'));
  return n;
}

const routes = (rs: readonly BusRecord[]): RouteRecord[] => rs.filter((r): r is RouteRecord => r.type === 'route');

test('a connection from an address in no bgp.neighbors entry gets Cease / Connection Rejected and no records', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.2, asn: any}]\n');
  try {
    const n = await Neighbor.connect(s.port, '127.0.0.1');
    assert.deepEqual(await n.waitNotification(), { code: 6, subcode: 5 });
    await until(() => n.closed);
    assert.equal(s.sink.records.length, 0);
    assert.ok(s.lines().some((l) => l['msg'] === 'refused a BGP connection' && l['remote'] === '127.0.0.1'));
  } finally {
    await s.speaker.stop();
  }
});

test('OPEN mismatches get the RFC 4271 §6.2 subcode: bad peer AS, version, hold time, BGP identifier', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: 64512-64520}]\n');
  try {
    const cases: [Uint8Array, number][] = [
      [open({ asn: 65001 }), 2],
      [open({ asn: 64513, version: 3 }), 1],
      [open({ asn: 64513, holdTime: 2 }), 6],
      [open({ asn: 64513, bgpId: '0.0.0.0' }), 3],
    ];
    for (const [bytes, subcode] of cases) {
      const n = await Neighbor.connect(s.port);
      n.send(bytes);
      assert.deepEqual(await n.waitNotification(), { code: 2, subcode });
      n.socket.destroy();
    }
    assert.equal(s.sink.records.length, 0, 'no session reached Established');
  } finally {
    await s.speaker.stop();
  }
});

test('our OPEN asks for every family with ADD-PATH receive, 4-octet AS, route refresh, extended messages and graceful restart as receiver', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await Neighbor.connect(s.port);
    await until(() => n.got.some((m) => m.type === 'open'));
    const o = n.got.find((m) => m.type === 'open');
    assert.ok(o?.type === 'open');
    const c = o.open.capabilities;
    assert.equal(o.open.asn, 65099);
    assert.equal(o.open.bgpId, '127.0.0.1');
    assert.equal(c.fourOctetAs, 65099);
    assert.ok(c.multiprotocol.length >= 9);
    assert.deepEqual(c.addPath.map((a) => a.sendReceive), c.multiprotocol.map(() => 1), 'ADD-PATH receive for every family');
    assert.equal(c.routeRefresh, true);
    assert.equal(c.enhancedRouteRefresh, true);
    assert.equal(c.extendedMessage, true);
    assert.equal(c.gracefulRestart?.time, 0);
    assert.equal(c.longLivedGracefulRestart?.families.length, c.multiprotocol.length);
    n.socket.destroy();
  } finally {
    await s.speaker.stop();
  }
});

test('an Established session gives router_up, router_init (hostname), peer_up and routes with feed "bgp", and End-of-RIB from us', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await established(s);
    n.send(announce('10.1.0.0/24', '10.1.1.0/24'));
    await until(() => routes(s.sink.records).length === 1);
    const [up, init, peerUp, route] = s.sink.records;
    assert.equal(up?.type, 'router_up');
    assert.equal(up.router, 'bgp:127.0.0.1');
    assert.ok(init?.type === 'router_init' && init.sys_name === 'leaf7');
    assert.ok(peerUp?.type === 'peer_up' && peerUp.peer.address === '127.0.0.1' && peerUp.peer.asn === 65001);
    assert.ok(route?.type === 'route');
    assert.equal(route.rib, 'adj-in-post');
    assert.deepEqual(route.announced.map((p) => p.prefix), ['10.1.0.0/24', '10.1.1.0/24']);
    assert.equal(route.dump, true, 'the initial table is a dump until End-of-RIB');
    for (const r of s.sink.records) assert.equal(r.feed, 'bgp');
    await until(() => n.got.some((m) => m.type === 'update' && m.update.endOfRib !== undefined));
  } finally {
    await s.speaker.stop();
  }
});

test('RFC 7606: missing mandatory attributes and a malformed ORIGIN are treated as withdraw; the session lives on', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await established(s);
    n.send(encodeUpdate({ withdrawn: [], nlri: [{ prefix: '10.2.0.0/24', pathId: null }], attributes: { nextHop: '192.0.2.1' } }, CFG));
    // ORIGIN 7 is malformed (RFC 7606 §7.1: treat-as-withdraw).
    const good = announce('10.3.0.0/24');
    const bad = Uint8Array.from(good);
    const originAt = bad.indexOf(0x40, 23);
    assert.equal(bad[originAt + 1], 1, 'the ORIGIN attribute');
    bad[originAt + 3] = 7;
    n.send(bad);
    n.send(announce('10.4.0.0/24'));
    await until(() => routes(s.sink.records).length === 3);
    const [a, b, c] = routes(s.sink.records);
    assert.deepEqual([a!.announced, a!.withdrawn.map((p) => p.prefix)], [[], ['10.2.0.0/24']]);
    assert.deepEqual([b!.announced, b!.withdrawn.map((p) => p.prefix)], [[], ['10.3.0.0/24']]);
    assert.deepEqual(c!.announced.map((p) => p.prefix), ['10.4.0.0/24']);
    assert.equal(n.notification(), undefined, 'no reset');
    assert.ok(s.lines().some((l) => l['kind'] === 'missing-mandatory'));
  } finally {
    await s.speaker.stop();
  }
});

test('an UPDATE whose attribute lengths cannot be trusted resets the session with UPDATE Message Error and peer_down', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await established(s);
    // Total Path Attribute Length past the message: the NLRI cannot be located (RFC 7606 §4).
    const b = Uint8Array.from(announce('10.5.0.0/24'));
    b[21] = 0xff;
    n.send(b);
    assert.deepEqual(await n.waitNotification(), { code: 3, subcode: 1 });
    await until(() => s.sink.records.some((r) => r.type === 'router_down'));
    const down = s.sink.records.find((r): r is PeerDownRecord => r.type === 'peer_down');
    assert.equal(down?.reason, 1);
    assert.equal(down?.notification?.code_name, 'UPDATE Message Error');
  } finally {
    await s.speaker.stop();
  }
});

test('maxPrefixes: one prefix too many closes with Cease / Maximum Number of Prefixes Reached, logged, peer_down with it', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any, maxPrefixes: 2}]\n');
  try {
    const n = await established(s);
    n.send(announce('10.6.0.0/24', '10.6.1.0/24'));
    n.send(announce('10.6.1.0/24'));
    n.send(announce('10.6.2.0/24'));
    assert.deepEqual(await n.waitNotification(), { code: 6, subcode: 1 });
    await until(() => s.sink.records.some((r) => r.type === 'router_down'));
    const down = s.sink.records.find((r): r is PeerDownRecord => r.type === 'peer_down');
    assert.equal(down?.reason, 1);
    assert.equal(down?.notification?.subcode_name, 'Maximum Number of Prefixes Reached');
    assert.equal(routes(s.sink.records).length, 2, 'the UPDATE past the limit is not published');
    assert.ok(s.lines().some((l) => typeof l['msg'] === 'string' && /more than its maxPrefixes 2/.test(l['msg'])));
  } finally {
    await s.speaker.stop();
  }
});

test('a neighbor that goes silent past the hold time gets Hold Timer Expired and its routes are withdrawn (peer_down)', async () => {
  const s = await speaker('  holdTime: 3\n  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await established(s, open({ holdTime: 3 }));
    assert.deepEqual(await n.waitNotification(5000), { code: 4, subcode: 0 });
    await until(() => s.sink.records.some((r) => r.type === 'router_down'));
    const down = s.sink.records.find((r): r is PeerDownRecord => r.type === 'peer_down');
    assert.equal(down?.notification?.code_name, 'Hold Timer Expired');
  } finally {
    await s.speaker.stop();
  }
});

test('graceful restart: a lost session keeps the routes stale (router_down only); when the restart time passes, records withdraw them', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await established(s, open({ capabilities: { gracefulRestart: { flags: 0, time: 1, families: [{ afi: 1, safi: 1, flags: 0 }] } } }));
    n.send(announce('10.7.0.0/24'));
    await until(() => routes(s.sink.records).length === 1);
    n.socket.destroy();
    await until(() => s.sink.records.some((r) => r.type === 'router_down'));
    assert.equal(s.sink.records.filter((r) => r.type === 'peer_down').length, 0, 'no peer_down: routes kept');
    const rd = s.sink.records.find((r) => r.type === 'router_down');
    assert.ok(rd?.type === 'router_down' && /stale/.test(rd.cause));
    await until(() => s.sink.records.some((r) => r.type === 'peer_down'), 4000);
    const tail = s.sink.records.slice(-3);
    assert.deepEqual(tail.map((r) => r.type), ['router_up', 'peer_down', 'router_down']);
    assert.equal(tail[0]!.router, 'bgp:127.0.0.1');
    assert.notEqual(tail[0]!.session, rd.session);
  } finally {
    await s.speaker.stop();
  }
});

test('an UPDATE before Established is a Finite State Machine Error (RFC 6608, OpenConfirm)', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await Neighbor.connect(s.port);
    n.send(open());
    await until(() => n.got.some((m) => m.type === 'keepalive'));
    n.send(announce('10.8.0.0/24'));
    assert.deepEqual(await n.waitNotification(), { code: 5, subcode: 2 });
    assert.equal(s.sink.records.length, 0);
  } finally {
    await s.speaker.stop();
  }
});

test('a broken marker is a Message Header Error (Connection Not Synchronized)', async () => {
  const s = await speaker('  neighbors: [{address: 127.0.0.0/8, asn: any}]\n');
  try {
    const n = await Neighbor.connect(s.port);
    const b = Uint8Array.from(open());
    b[3] = 0;
    n.send(b);
    assert.deepEqual(await n.waitNotification(), { code: 1, subcode: 1 });
  } finally {
    await s.speaker.stop();
  }
});

test('bgp config: neighbors need an address and an asn; an active neighbor needs one address; the speaker needs an ASN', () => {
  assert.throws(() => loadConfig({ text: 'bgp:\n  neighbors: [{asn: any}]\n' }), /address is required/);
  assert.throws(() => loadConfig({ text: 'bgp:\n  neighbors: [{address: 10.0.0.1}]\n' }), /asn is required/);
  assert.throws(() => loadConfig({ text: 'bgp:\n  neighbors: [{address: 10.0.0.0/24, asn: any, passive: false}]\n' }), /needs one address/);
  assert.throws(() => loadConfig({ text: 'bgp:\n  neighbors: [{address: 10.0.0.1, asn: 5-3}]\n' }), /range/);
  const { config } = loadConfig({ text: '', env: { RIBWATCH_BGP_NEIGHBORS: '[{address: 10.0.0.0/24, asn: 64512-64520, maxPrefixes: 100}]' } });
  assert.deepEqual(config.bgp.neighbors[0]?.asn, { kind: 'range', min: 64512, max: 64520 });
  assert.equal(config.bgp.neighbors[0]?.maxPrefixes, 100);
  const noAsn = loadConfig({ text: 'bgp:\n  listen: 127.0.0.1:1179\n  neighbors: [{address: 127.0.0.0/8, asn: any}]\n' }).config;
  assert.throws(() => speakerOptions(noAsn.bgp, { sink: new MemorySink(), log: memoryLogger().log, metrics: new BgpMetrics(createRegistry()) }), /bgp\.asn/);
});

/**
 * BMP messages, encoded as a router sends them, become the records of records/types.ts: one route
 * record per AFI/SAFI per UPDATE, End-of-RIB as its own record, resets and was_up from the
 * session's view of its peers, dump flags, stats names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpRouterState, encodeBmpMessage, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BmpMessage } from '@ribwatch/bmp-parser';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import { RecordContext, recordsFromBmp } from '../../collector/records-from-bmp.js';
import { announce4, endOfRib, initiation, peer, peerDown, peerUp, routeMonitoring, stats, termination, withdraw4 } from './collector-helpers.js';

const T0 = Date.parse('2026-11-21T12:00:00.000Z');

function setup(quietMs = 10_000): { ctx: RecordContext; feed: (bytes: Uint8Array, now?: number) => BusRecord[]; problems: string[] } {
  const state = new BmpRouterState();
  const ctx = new RecordContext('192.0.2.1', 'sess-1', T0, quietMs);
  const problems: string[] = [];
  ctx.onProblem = (kind) => problems.push(kind);
  const feed = (bytes: Uint8Array, now = T0): BusRecord[] => {
    const r = state.decode(bytes);
    if (!r.ok) throw new Error(r.error.message);
    return recordsFromBmp(r.value, ctx, now);
  };
  return { ctx, feed, problems };
}

function only<T extends BusRecord['type']>(rs: BusRecord[], type: T): Extract<BusRecord, { type: T }> {
  assert.equal(rs.length, 1, `one record expected, got ${JSON.stringify(rs)}`);
  const r = rs[0]!;
  assert.equal(r.type, type);
  return r as Extract<BusRecord, { type: T }>;
}

const p1 = peer('127.0.10.2', 64512);

void test('an IPv4 announcement becomes one route record with formatted attributes, arrival time and seq', () => {
  const { feed } = setup();
  const r = only(feed(announce4(p1, '10.244.1.0/24'), T0 + 5), 'route');
  assert.equal(r.v, 1);
  assert.equal(r.router, '192.0.2.1');
  assert.equal(r.session, 'sess-1');
  assert.equal(r.seq, 1);
  assert.equal(r.time, '2026-11-21T12:00:00.005Z');
  assert.equal(r.router_time, '2023-11-14T22:13:20.000Z');
  assert.deepEqual(r.peer, { address: '127.0.10.2', asn: 64512, bgp_id: '127.0.10.2', type: 'global', rd: null });
  assert.equal(r.rib, 'adj-in-pre');
  assert.equal(r.afi_safi, 'ipv4-unicast');
  assert.deepEqual(r.announced, [{ prefix: '10.244.1.0/24', path_id: null }]);
  assert.deepEqual(r.withdrawn, []);
  assert.ok(r.attributes);
  assert.equal(r.attributes.origin, 'igp');
  assert.deepEqual(r.attributes.as_path, [65001, 64512]);
  assert.equal(r.attributes.next_hop, '10.0.0.2');
  assert.deepEqual(r.attributes.communities, ['65001:100', 'NO_EXPORT']);
  assert.equal(r.dump, true, 'routes right after the session starts are the initial dump');
});

void test('an UPDATE with IPv4 NLRI and MP_REACH for IPv6 gives one record per AFI/SAFI with each next hop', () => {
  const { feed } = setup();
  const rs = feed(
    routeMonitoring(p1, {
      withdrawn: [{ prefix: '10.1.0.0/16', pathId: null }],
      nlri: [{ prefix: '10.2.0.0/16', pathId: null }],
      attributes: {
        origin: 2,
        asPath: [{ type: 2, asns: [64512] }, { type: 1, asns: [65010, 65011] }],
        nextHop: '10.0.0.2',
        mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::2'], nlri: [{ prefix: '2001:db8:244::/64', pathId: null }] },
      },
    }),
  );
  assert.equal(rs.length, 2);
  const [v4, v6] = rs as RouteRecord[];
  assert.equal(v4!.afi_safi, 'ipv4-unicast');
  assert.deepEqual(v4!.withdrawn.map((p) => p.prefix), ['10.1.0.0/16']);
  assert.deepEqual(v4!.announced.map((p) => p.prefix), ['10.2.0.0/16']);
  assert.equal(v4!.attributes?.next_hop, '10.0.0.2');
  assert.deepEqual(v4!.attributes?.as_path, [64512, [65010, 65011]], 'AS_SET is a nested array');
  assert.equal(v6!.afi_safi, 'ipv6-unicast');
  assert.equal(v6!.attributes?.next_hop, '2001:db8::2');
  assert.deepEqual([v4!.seq, v6!.seq], [1, 2]);
});

void test('a VPLS route (l2vpn-vpls, RFC 4761) becomes a route record whose prefix carries its RD, VE ID and VE block offset, with the block size and label base in vpls', () => {
  const { feed, problems } = setup();
  const vpls = { veId: 1, veBlockOffset: 1, veBlockSize: 8, labelBase: 800000 };
  const r = only(
    feed(
      routeMonitoring(p1, {
        withdrawn: [],
        nlri: [],
        attributes: { origin: 0, asPath: [{ type: 2, asns: [65017] }], mpReach: { afi: 25, safi: 65, nextHops: ['192.0.2.7'], nlri: [{ prefix: '[65017:104]:[1]:[1]', pathId: null, rd: '65017:104', labels: [800000], vpls }] } },
      }),
    ),
    'route',
  );
  assert.equal(r.afi_safi, 'l2vpn-vpls');
  assert.deepEqual(r.announced, [{ prefix: '[65017:104]:[1]:[1]', path_id: null, rd: '65017:104', labels: [800000], vpls: { ve_id: 1, ve_block_offset: 1, ve_block_size: 8, label_base: 800000 } }]);
  assert.equal(r.attributes?.next_hop, '192.0.2.7');
  assert.deepEqual(problems, []);
});

void test('a BMP v4 Route Monitoring gives the same route records, with each Path Marking on the route it names (index 0: all, n: the n-th)', () => {
  const { feed, problems } = setup();
  const pdu = encodeUpdate(
    { withdrawn: [], nlri: [{ prefix: '10.1.0.0/16', pathId: null }, { prefix: '10.2.0.0/16', pathId: null }], attributes: { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: '10.0.0.2' } },
    { fourOctetAs: true, addPath: new Set() },
  );
  const marked = { index: 2, status: 0x12, statusNames: [], reason: 3 };
  const r = only(feed(encodeBmpMessage({ type: 0, version: 4, peer: p1, pdu, vrfName: 'global', pathMarkings: [marked] })), 'route');
  assert.deepEqual(r.announced, [
    { prefix: '10.1.0.0/16', path_id: null },
    { prefix: '10.2.0.0/16', path_id: null, path_status: ['best', 'backup'], path_status_reason: 3 },
  ]);
  const all = only(feed(encodeBmpMessage({ type: 0, version: 4, peer: p1, pdu, pathMarkings: [{ index: 0, status: 0x2, statusNames: [] }] })), 'route');
  assert.deepEqual(all.announced.map((p) => p.path_status), [['best'], ['best']]);
  assert.deepEqual(problems, []);
});

void test('a withdrawal-only record carries no attributes', () => {
  const { feed } = setup();
  const r = only(feed(withdraw4(p1, '10.244.1.0/24')), 'route');
  assert.equal(r.attributes, null);
  assert.deepEqual(r.withdrawn, [{ prefix: '10.244.1.0/24', path_id: null }]);
});

void test('End-of-RIB is an end_of_rib record, never a withdrawal, and ends the dump for its key only', () => {
  const { feed } = setup();
  feed(peerUp(p1));
  const eor = only(feed(endOfRib(p1), T0 + 100), 'end_of_rib');
  assert.equal(eor.afi_safi, 'ipv4-unicast');
  assert.equal(eor.rib, 'adj-in-pre');
  const v6eor = only(feed(endOfRib(p1, 2, 1), T0 + 100), 'end_of_rib');
  assert.equal(v6eor.afi_safi, 'ipv6-unicast');
  assert.equal(only(feed(announce4(p1, '10.9.0.0/16'), T0 + 200), 'route').dump, false, 'after EoR: live');
  const post = peer('127.0.10.2', 64512, { flags: 0x40 });
  const r = only(feed(announce4(post, '10.9.0.0/16'), T0 + 200), 'route');
  assert.equal(r.rib, 'adj-in-post');
  assert.equal(r.dump, true, 'post-policy has not had its End-of-RIB yet');
});

void test('a Peer Up for a peer already up is a reset and restarts its dump; a repeat on the same ports is not', () => {
  const { feed } = setup();
  assert.equal(only(feed(peerUp(p1)), 'peer_up').reset, false);
  feed(endOfRib(p1), T0 + 1);
  assert.equal(only(feed(announce4(p1, '10.0.0.0/8'), T0 + 2), 'route').dump, false);
  // Huawei: one Peer Up per AFI/SAFI for the same BGP session.
  assert.equal(only(feed(peerUp(p1)), 'peer_up').reset, false);
  // FRR `no neighbor` + re-add: a new BGP session (new port) without a Peer Down.
  const again = only(feed(peerUp(p1, { remote: 40001 }), T0 + 3), 'peer_up');
  assert.equal(again.reset, true);
  assert.equal(again.received_open.asn, 64512);
  assert.deepEqual(again.received_open.families, ['ipv4-unicast', 'ipv6-unicast']);
  assert.equal(again.received_open.four_octet_as, true);
  assert.equal(only(feed(announce4(p1, '10.0.0.0/8'), T0 + 4), 'route').dump, true, 'the reset peer re-dumps');
});

void test('Peer Down says whether the peer had been up in this session', () => {
  const { feed } = setup();
  const never = only(feed(peerDown(p1, 2)), 'peer_down');
  assert.equal(never.was_up, false);
  assert.equal(never.reason_name, 'local-no-notification');
  feed(peerUp(p1));
  const down = only(feed(peerDown(p1, 4)), 'peer_down');
  assert.equal(down.was_up, true);
  assert.equal(down.reason, 4);
  assert.equal(only(feed(peerDown(p1, 4)), 'peer_down').was_up, false, 'a duplicate Peer Down');
});

void test('stats counters carry their RFC names, FRR experimental type included', () => {
  const { feed } = setup();
  const r = only(feed(stats(p1)), 'stats');
  assert.deepEqual(
    r.counters.map((c) => [c.type, c.name, c.value]),
    [
      [0, 'prefixes-rejected-by-inbound-policy', 3],
      [7, 'routes-adj-rib-in', 200],
      [65531, 'frr-experimental-nexthop-invalid', 1],
    ],
  );
});

void test('Initiation gives router_init; Termination gives no record but is remembered for router_down', () => {
  const { feed, ctx } = setup();
  const init = only(feed(initiation('leaf1', 'FRRouting 8.4.4')), 'router_init');
  assert.equal(init.sys_name, 'leaf1');
  assert.equal(init.sys_descr, 'FRRouting 8.4.4');
  assert.deepEqual(feed(termination(4)), []);
  assert.deepEqual(ctx.termination, { reason: 4, reason_name: 'permanently-administratively-closed', info: [] });
});

void test('sequence numbers run from 1 without gaps across record types', () => {
  const { feed } = setup();
  const all = [initiation('r'), peerUp(p1), announce4(p1, '10.0.0.0/8'), stats(p1), endOfRib(p1), peerDown(p1)].flatMap((m) => feed(m));
  assert.deepEqual(
    all.map((r) => r.seq),
    [1, 2, 3, 4, 5, 6],
  );
});

void test('a malformed UPDATE inside a sound frame yields no record and reports a bgp-* problem', () => {
  const { feed, problems } = setup();
  const good = encodeUpdate({ withdrawn: [], nlri: [{ prefix: '10.0.0.0/8', pathId: null }], attributes: { origin: 0, asPath: [], nextHop: '10.0.0.2' } }, { fourOctetAs: true, addPath: new Set() });
  const bad = good.slice();
  bad[19] = 0xff; // withdrawn routes length now points far past the message
  const msg: BmpMessage = { type: 0, peer: p1, pdu: bad };
  assert.deepEqual(feed(encodeBmpMessage(msg)), []);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^bgp-/);
});

void test('an NLRI field cut short after whole prefixes keeps those prefixes and reports bgp-nlri-truncated', () => {
  const { feed, problems } = setup();
  const pdu = encodeUpdate({ withdrawn: [], nlri: [{ prefix: '10.5.0.0/16', pathId: null }], attributes: { origin: 0, asPath: [], nextHop: '10.0.0.2' } }, { fourOctetAs: true, addPath: new Set() });
  const cut = new Uint8Array(pdu.length + 1);
  cut.set(pdu);
  cut[pdu.length] = 24; // a lone prefix-length octet: a /24 whose bytes never come
  cut[16] = (cut.length >> 8) & 0xff;
  cut[17] = cut.length & 0xff;
  const r = only(feed(encodeBmpMessage({ type: 0, peer: p1, pdu: cut })), 'route');
  assert.deepEqual(r.announced.map((x) => x.prefix), ['10.5.0.0/16']);
  assert.deepEqual(problems, ['bgp-nlri-truncated']);
});

void test('attributes are shared while their bytes repeat, and not across a Peer Up (capabilities may change the decoding)', () => {
  const { feed } = setup();
  const a1 = only(feed(announce4(p1, '10.6.0.0/16')), 'route').attributes;
  const a2 = only(feed(announce4(p1, '10.7.0.0/16')), 'route').attributes;
  const other = only(feed(announce4(p1, '10.8.0.0/16', { med: 5 })), 'route').attributes;
  assert.ok(a1 !== null && a1 === a2, 'same bytes, same object');
  assert.notEqual(other, a1);
  assert.equal(other?.med, 5);
  feed(peerUp(p1));
  const a3 = only(feed(announce4(p1, '10.9.0.0/16')), 'route').attributes;
  assert.notEqual(a3, a1, 'rebuilt after the Peer Up');
  assert.deepEqual(a3, a1);
});

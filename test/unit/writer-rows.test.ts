/**
 * Records → rows for the writer (writer/rows.ts): exact rows per table, and the fast
 * TabSeparated path equal to the object path line for line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerDownRecord, PeerUpRecord, RouteAttributes, RouteRecord, RouterDownRecord, StatsRecord } from '../../records/types.js';
import {
  appendRouteUpdatesTsv,
  asPathJson,
  extraJson,
  flatAsPath,
  originAs,
  peerEventRow,
  ribVersion,
  routerRow,
  routeUpdateRows,
  routeUpdateTsvLine,
  statsRows,
} from '../../writer/rows.js';
import { tsvEscape } from '../../store/clickhouse-text.js';

const peer = { address: '10.0.10.2', asn: 64512, bgp_id: '10.0.10.2', type: 'global', rd: null } as const;
const base = { v: 1, router: '192.0.2.10', session: 'sess-1', seq: 4, time: '2026-11-21T17:20:05.126Z' } as const;

const attrs: RouteAttributes = {
  origin: 'igp',
  as_path: [65001, 64512, [65010, 65011]],
  next_hop: '10.0.10.2',
  med: 0,
  local_pref: null,
  atomic_aggregate: false,
  aggregator: null,
  communities: ['65001:1000', 'NO_EXPORT'],
  large_communities: ['64512:1:1'],
  ext_communities: [],
  originator_id: null,
  cluster_list: [],
  other: [],
};

const route: RouteRecord = {
  ...base,
  type: 'route',
  peer,
  rib: 'adj-in-post',
  afi_safi: 'ipv4-unicast',
  router_time: '2025-11-21T17:20:00.000Z',
  attributes: attrs,
  announced: [
    { prefix: '10.244.3.0/24', path_id: null },
    { prefix: '10.244.4.0/24', path_id: 7 },
  ],
  withdrawn: [{ prefix: '10.244.9.0/24', path_id: null }],
  dump: true,
};

const head = {
  time: '2026-11-21 17:20:05.126',
  router: '192.0.2.10',
  session: 'sess-1',
  seq: 4,
  router_time: '2025-11-21 17:20:00.000',
  peer_address: '10.0.10.2',
  peer_asn: 64512,
  peer_bgp_id: '10.0.10.2',
  peer_type: 'global',
  peer_rd: '',
  rib: 'adj-in-post',
  afi_safi: 'ipv4-unicast',
};
const noAttrs = {
  origin: '',
  as_path: [],
  as_path_json: '',
  origin_as: 0,
  next_hop: '',
  med: null,
  local_pref: null,
  communities: [],
  large_communities: [],
  ext_communities: [],
  extra: '',
};
const withAttrs = {
  origin: 'igp',
  as_path: [65001, 64512, 65010, 65011],
  as_path_json: '[65001,64512,[65010,65011]]',
  origin_as: 0,
  next_hop: '10.0.10.2',
  med: 0,
  local_pref: null,
  communities: ['65001:1000', 'NO_EXPORT'],
  large_communities: ['64512:1:1'],
  ext_communities: [],
  extra: '',
};

void test('a route record becomes one row per prefix: withdrawals first, without attributes; announcements with them', () => {
  assert.deepEqual(routeUpdateRows(route), [
    { ...head, prefix: '10.244.9.0/24', rd: '', path_id: 0, labels: [], action: 'withdraw', dump: 1, synthetic: 0, ...noAttrs },
    { ...head, prefix: '10.244.3.0/24', rd: '', path_id: 0, labels: [], action: 'announce', dump: 1, synthetic: 0, ...withAttrs },
    { ...head, prefix: '10.244.4.0/24', rd: '', path_id: 7, labels: [], action: 'announce', dump: 1, synthetic: 0, ...withAttrs },
  ]);
});

void test('the TabSeparated fast path gives exactly the object rows, line for line', () => {
  const out: string[] = [];
  assert.equal(appendRouteUpdatesTsv(route, out), 3);
  assert.deepEqual(
    out,
    routeUpdateRows(route).map((r) => `${routeUpdateTsvLine(r)}\n`),
  );
  assert.equal(
    out[1],
    '2026-11-21 17:20:05.126\t192.0.2.10\tsess-1\t4\t2025-11-21 17:20:00.000\t10.0.10.2\t64512\t10.0.10.2\tglobal\t\tadj-in-post\tipv4-unicast\t' +
      "10.244.3.0/24\t\t0\t[]\tannounce\t1\t0\tigp\t[65001,64512,65010,65011]\t[65001,64512,[65010,65011]]\t0\t10.0.10.2\t0\t\\N\t['65001:1000','NO_EXPORT']\t['64512:1:1']\t[]\t\n",
  );
});

void test('VPN and labeled prefixes keep their RD, labels and path id; a peer RD is kept', () => {
  const vpn: RouteRecord = {
    ...route,
    peer: { ...peer, type: 'rd', rd: '65000:1' },
    afi_safi: 'ipv4-vpn',
    announced: [{ prefix: '172.16.0.0/16', path_id: 3, rd: '65000:100', labels: [16001, 16002] }],
    withdrawn: [],
    attributes: { ...attrs, as_path: [65001], ext_communities: ['rt:65000:100'], local_pref: 200, med: null },
    dump: false,
  };
  const [row] = routeUpdateRows(vpn);
  assert.deepEqual(
    { peer_type: row?.peer_type, peer_rd: row?.peer_rd, prefix: row?.prefix, rd: row?.rd, path_id: row?.path_id, labels: row?.labels, dump: row?.dump, origin_as: row?.origin_as, local_pref: row?.local_pref, med: row?.med, ext: row?.ext_communities, as_path_json: row?.as_path_json },
    { peer_type: 'rd', peer_rd: '65000:1', prefix: '172.16.0.0/16', rd: '65000:100', path_id: 3, labels: [16001, 16002], dump: 0, origin_as: 65001, local_pref: 200, med: null, ext: ['rt:65000:100'], as_path_json: '' },
  );
  const out: string[] = [];
  appendRouteUpdatesTsv(vpn, out);
  assert.deepEqual(out, routeUpdateRows(vpn).map((r) => `${routeUpdateTsvLine(r)}\n`));
});

void test('TSV escaping: tabs, newlines, backslashes and quotes in values cannot break a line or an array', () => {
  assert.equal(tsvEscape('a\tb\nc\\d\'e'), "a\\tb\\nc\\\\d\\'e");
  const odd: RouteRecord = { ...route, withdrawn: [], announced: [{ prefix: '[2][0][0]...evpn\tx', path_id: null }], attributes: { ...attrs, communities: ["it's"] } };
  const out: string[] = [];
  appendRouteUpdatesTsv(odd, out);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.split('\n').length, 2, 'one line');
  assert.match(out[0] ?? '', /\t\[2\]\[0\]\[0\]\.\.\.evpn\\tx\t/);
  assert.match(out[0] ?? '', /\['it\\'s'\]/);
});

void test('AS path helpers: flattened path, origin AS (0 after an AS_SET or for an empty path), exact JSON only with a set', () => {
  assert.deepEqual(flatAsPath([1, [2, 3], 4]), [1, 2, 3, 4]);
  assert.equal(originAs([1, 2, 3]), 3);
  assert.equal(originAs([1, [2, 3]]), 0);
  assert.equal(originAs([]), 0);
  assert.equal(asPathJson([1, 2]), '');
  assert.equal(asPathJson([1, [2]]), '[1,[2]]');
});

void test('rarer attributes go to one JSON column, empty when none is present', () => {
  assert.equal(extraJson(attrs), '');
  assert.equal(
    extraJson({ ...attrs, atomic_aggregate: true, aggregator: { asn: 65001, address: '10.0.0.1' }, originator_id: '10.0.0.9', cluster_list: ['10.0.0.1'], other: [{ code: 99, flags: 192, hex: '0102' }] }),
    '{"atomic_aggregate":true,"aggregator":{"asn":65001,"address":"10.0.0.1"},"originator_id":"10.0.0.9","cluster_list":["10.0.0.1"],"other":[{"code":99,"flags":192,"hex":"0102"}]}',
  );
});

void test('rib versions order by arrival time, then sequence, then withdraw < stale mark < announce', () => {
  const ms = Date.parse('2026-11-21T17:20:05.126Z');
  assert.equal(ribVersion(ms, 4, 2), (BigInt(ms) * 4194304n + 18n).toString());
  assert.ok(BigInt(ribVersion(ms, 4, 0)) < BigInt(ribVersion(ms, 4, 1)));
  assert.ok(BigInt(ribVersion(ms, 4, 2)) < BigInt(ribVersion(ms, 5, 0)));
  assert.ok(BigInt(ribVersion(ms, 999_999, 2)) < BigInt(ribVersion(ms + 1, 1, 0)));
});

void test('routers rows: up, init and down, with NULL termination for a lost session', () => {
  const down: RouterDownRecord = { ...base, type: 'router_down', termination: null, cause: 'connection closed' };
  assert.deepEqual(routerRow(down), {
    time: '2026-11-21 17:20:05.126',
    router: '192.0.2.10',
    session: 'sess-1',
    seq: 4,
    event: 'down',
    local: '',
    remote_port: 0,
    sys_name: '',
    sys_descr: '',
    info: [],
    termination: null,
    termination_name: '',
    cause: 'connection closed',
  });
  const term = routerRow({ ...down, termination: { reason: 0, reason_name: 'administratively-closed', info: ['bye'] }, cause: 'termination' });
  assert.equal(term['termination'], 0);
  assert.equal(term['termination_name'], 'administratively-closed');
  assert.deepEqual(term['info'], ['bye']);
  assert.deepEqual(routerRow({ ...base, type: 'router_up', remote_port: 40512, local: '192.0.2.1:11019' }), { ...routerRow(down), event: 'up', local: '192.0.2.1:11019', remote_port: 40512, cause: '' });
  assert.equal(routerRow({ ...base, type: 'router_init', sys_name: 'leaf1', sys_descr: 'FRRouting 8.4.4', info: [] })['sys_name'], 'leaf1');
});

void test('peer events: up with the negotiated hold time and OPENs as JSON; down with the NOTIFICATION named', () => {
  const open = { asn: 64512, bgp_id: '10.0.10.2', hold_time: 90, families: ['ipv4-unicast'], four_octet_as: true, add_path: {}, capabilities: [1, 65], hostname: null };
  const up: PeerUpRecord = {
    ...base,
    type: 'peer_up',
    peer,
    router_time: '2025-11-21T17:20:00.000Z',
    local_address: '127.0.10.1',
    local_port: 179,
    remote_port: 40000,
    sent_open: { ...open, hold_time: 180 },
    received_open: open,
    info: ['leaf2'],
    reset: true,
  };
  const u = peerEventRow(up);
  assert.equal(u['event'], 'up');
  assert.equal(u['reset'], 1);
  assert.equal(u['hold_time'], 90);
  assert.deepEqual(JSON.parse(u['received_open'] as string), open);
  const down: PeerDownRecord = {
    ...base,
    type: 'peer_down',
    peer,
    router_time: '2025-11-21T17:20:00.000Z',
    reason: 1,
    reason_name: 'local-notification',
    notification: { code: 6, subcode: 1, code_name: 'Cease', subcode_name: 'Maximum Number of Prefixes Reached' },
    fsm_event: null,
    was_up: true,
  };
  const d = peerEventRow(down);
  assert.deepEqual(
    [d['event'], d['reason'], d['notification_code'], d['notification_subcode'], d['notification'], d['was_up'], d['fsm_event']],
    ['down', 1, 6, 1, 'Cease / Maximum Number of Prefixes Reached', 1, null],
  );
});

void test('stats: one row per counter with a value; big values stay decimal strings; per-AFI gauges keep afi_safi', () => {
  const s: StatsRecord = {
    ...base,
    type: 'stats',
    peer,
    router_time: '2025-11-21T17:20:00.000Z',
    counters: [
      { type: 7, name: 'routes-adj-rib-in', value: 200, afi_safi: null },
      { type: 9, name: 'routes-per-afi-safi-adj-rib-in', value: '18446744073709551615', afi_safi: 'ipv4-unicast' },
      { type: 99, name: 'type-99', value: null, afi_safi: null },
    ],
  };
  const rows = statsRows(s);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[1], {
    time: '2026-11-21 17:20:05.126',
    router: '192.0.2.10',
    session: 'sess-1',
    seq: 4,
    router_time: '2025-11-21 17:20:00.000',
    peer_address: '10.0.10.2',
    peer_asn: 64512,
    peer_type: 'global',
    peer_rd: '',
    counter_type: 9,
    name: 'routes-per-afi-safi-adj-rib-in',
    afi_safi: 'ipv4-unicast',
    value: '18446744073709551615',
  });
});

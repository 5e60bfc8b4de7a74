/**
 * The fast route-record serialiser writes exactly what JSON.stringify writes, for every record the
 * collector builds (IPv4 and IPv6, announce and withdraw, shared and fresh attributes, ADD-PATH,
 * labels and RDs) and for records built elsewhere with extra fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpRouterState } from '@ribwatch/bmp-parser';
import { RecordContext, recordsFromBmp } from '../../collector/records-from-bmp.js';
import { RouteRecordObject, recordJson } from '../../records/json.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import { announce4, endOfRib, initiation, peer, peerUp, routeMonitoring, stats, withdraw4 } from './collector-helpers.js';

function build(): BusRecord[] {
  const state = new BmpRouterState();
  const ctx = new RecordContext('2001:db8::1', 'sess "quoted"', 0, 10_000);
  const out: BusRecord[] = [];
  const p1 = peer('127.0.10.2', 64512);
  const post = peer('127.0.10.2', 64512, { flags: 0x40 });
  const p6 = peer('2001:db8::9', 64513);
  const msgs = [initiation('leaf "1"\n'), peerUp(p1), peerUp(p6)];
  for (let i = 0; i < 50; i++) {
    msgs.push(announce4(p1, `10.0.${i}.0/24`), announce4(post, `10.0.${i}.0/24`, { communities: [0xfde903e8, 0xffffff01] }));
    if (i % 7 === 0) msgs.push(announce4(p1, `10.1.${i}.0/24`, { med: i, asPath: [{ type: 2, asns: [65001] }, { type: 1, asns: [1, 2] }] }));
    if (i % 5 === 4) msgs.push(withdraw4(p1, `10.0.${i - 1}.0/24`));
  }
  msgs.push(
    routeMonitoring(p6, {
      withdrawn: [],
      nlri: [],
      attributes: { origin: 1, asPath: [{ type: 2, asns: [64513] }], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::9', 'fe80::1'], nlri: [{ prefix: '2001:db8:1::/48', pathId: 7 }] } },
    }),
    routeMonitoring(p6, { withdrawn: [], nlri: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:2::/48', pathId: null }] } } }),
    endOfRib(p1),
    stats(p1),
  );
  for (const m of msgs) {
    const r = state.decode(m);
    if (!r.ok) throw new Error(r.error.message);
    out.push(...recordsFromBmp(r.value, ctx, 1_763_700_000_000 + out.length));
  }
  return out;
}

void test('every record the collector builds serialises exactly as JSON.stringify would', () => {
  const records = build();
  const routes = records.filter((r): r is RouteRecord => r.type === 'route');
  assert.ok(routes.length > 100);
  assert.ok(
    routes.some((r, i) => i > 0 && r.attributes !== null && r.attributes === routes[i - 2]?.attributes),
    'consecutive records share their attributes object (the cache the serialiser relies on)',
  );
  assert.ok(routes.every((r) => r instanceof RouteRecordObject), 'the collector builds the fast-path class');
  for (const r of records) assert.equal(recordJson(r), JSON.stringify(r));
  // Twice: the second pass reads every cached part.
  for (const r of records) assert.equal(recordJson(r), JSON.stringify(r));
});

void test('prefixes that are not plain IP text, RDs and labels are escaped as JSON.stringify does', () => {
  const r = build().find((x): x is RouteRecord => x.type === 'route')!;
  for (const announced of [[{ prefix: 'evpn "2" \\ x', path_id: null }], [{ prefix: '10.0.0.0/8', path_id: 1, rd: '65000:1', labels: [16] }], [{ prefix: '10.0.0.0/8', path_id: 4294967295 }]]) {
    const o = new RouteRecordObject(r.router, r.session, 9, r.time, r.peer, r.rib, r.afi_safi, r.router_time, r.attributes, announced, [], false);
    assert.equal(recordJson(o), JSON.stringify(o));
  }
});

void test('a route record with a field the serialiser does not know is written whole, not truncated', () => {
  const r = build().find((x): x is RouteRecord => x.type === 'route')!;
  const extended = { ...r, origin_as: 64512 };
  assert.equal(recordJson(extended as RouteRecord), JSON.stringify(extended));
});

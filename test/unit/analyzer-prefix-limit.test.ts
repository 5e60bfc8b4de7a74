/**
 * analyzer/detectors/prefix-limit: counts from post-policy route records and from BMP stats,
 * 75 %/90 % levels with hysteresis, the growth forecast, Cease/1 teardowns, FRR 8.4's reason-2
 * teardown inferred from the count, and no alerts for re-dumps or stale withdrawals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInventory } from '../../inventory/inventory.js';
import { PrefixLimitDetector } from '../../analyzer/detectors/prefix-limit.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, NODE2, Rec, SELF, feed } from './analyzer-records.js';

const INV = parseInventory(`clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    nodes:
      - { name: node1, address: 127.0.10.2, asn: 64512, podCIDRs: [10.244.1.0/24] }
routers:
  - name: leaf1
    sysName: leaf1
    role: leaf
    peers:
      - { address: 127.0.10.2, maxPrefix: { ipv4-unicast: 100 } }
      - { address: 127.0.10.3, maxPrefix: { ipv4-unicast: 50 } }
`);

const post = { rib: 'adj-in-post' as const };
const pfx = (i: number) => `172.16.${i >> 8}.${i & 255}/32`;
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => pfx(a + i));

function start(rec: Rec, d: PrefixLimitDetector, initial = 10) {
  return feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1), rec.announce(NODE1, range(0, initial), { ...post, dump: true }), rec.endOfRib(NODE1, 'adj-in-post')]);
}

void test('warning at 75 %, critical at 90 %, with the forecast; cleared below the hysteresis', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  const out = start(rec, d);
  assert.equal(out.length, 0);
  assert.equal(d.count('127.0.0.1', NODE1.address, 'ipv4-unicast'), 10);
  // +5 prefixes per minute, live.
  let n = 10;
  const seen: Observation[] = [];
  while (n < 74) {
    seen.push(...d.onRecord(rec.advance(60).announce(NODE1, range(n, n + 4), post)));
    n += 4;
  }
  // Forecast warning kicks in past half of the limit when the limit is < 30 min away.
  const first = seen[0] as Observation;
  assert.equal(first.kind, 'prefix-limit');
  assert.equal(first.severity, 'warning');
  assert.equal(first.facts['by_forecast'], true);
  assert.ok((first.facts['received'] as number) >= 50);
  assert.equal(first.facts['growth_per_min'], 4);
  assert.deepEqual(first.subject, { router: 'leaf1', peer: '127.0.10.2', afiSafi: 'ipv4-unicast', cluster: 'prod', node: 'node1' });
  const c = first.facts['received'] as number;
  assert.equal(first.facts['limit_eta'], new Date(rec.now - (74 - c) / 4 * 60_000 + ((100 - c) / 4) * 60_000).toISOString());
  seen.length = 0;
  seen.push(...d.onRecord(rec.advance(60).announce(NODE1, range(74, 76), post)));
  assert.equal(seen.length, 1, 'a warning at 75 %: same level but by threshold now');
  seen.length = 0;
  seen.push(...d.onRecord(rec.advance(60).announce(NODE1, range(76, 90), post)));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.severity, 'critical');
  assert.equal(seen[0]?.facts['received'], 90);
  assert.equal(seen[0]?.facts['percent'], 90);
  assert.match(seen[0]?.summary ?? '', /90% of its limit 100/);
  // Down to 86 %: still critical (hysteresis 5 points); 84 %: back to warning; 69 %: cleared.
  seen.length = 0;
  seen.push(...d.onRecord(rec.advance(60).withdraw(NODE1, range(86, 90), post)));
  assert.deepEqual(seen.map((o) => [o.severity, o.active, o.facts['received']]), [['critical', true, 86]], 'an update, still critical');
  seen.length = 0;
  seen.push(...d.onRecord(rec.advance(60).withdraw(NODE1, range(84, 86), post)));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.severity, 'warning');
  seen.length = 0;
  seen.push(...d.onRecord(rec.advance(60).withdraw(NODE1, range(69, 84), post)));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.active, false);
});

void test('Cease/1 in a Peer Down is a max-prefix teardown, named by direction', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  start(rec, d, 20);
  const out = d.onRecord(rec.advance(5).peerDown(NODE1, { reason: 1, notification: [6, 1] }));
  const td = out.find((o) => o.kind === 'max-prefix-teardown');
  assert.ok(td);
  assert.equal(td.severity, 'critical');
  assert.equal(td.facts['direction'], 'router-enforced');
  assert.equal(td.facts['inferred'], false);
  assert.deepEqual(td.subject, { router: 'leaf1', peer: '127.0.10.2', cluster: 'prod', node: 'node1' });
  const rec2 = new Rec('127.0.0.2');
  const d2 = new PrefixLimitDetector(INV);
  start(rec2, d2);
  const byPeer = d2.onRecord(rec2.peerDown(NODE1, { reason: 3, notification: [6, 1] }));
  assert.equal(byPeer[0]?.facts['direction'], 'peer-enforced');
  // Cleared once the session has been back up for 10 minutes.
  feed(d, [rec.advance(30).peerUp(NODE1)]);
  assert.equal(d.tick(rec.now + 599_000).length, 0);
  const cleared = d.tick(rec.now + 600_000);
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.kind, 'max-prefix-teardown');
  assert.equal(cleared[0]?.active, false);
});

void test('FRR 8.4: reason 2, FSM 0, no NOTIFICATION right after the count reached the limit is a teardown; its duplicate Peer Down is not', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  const out = feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE2)]);
  // s04: limit 50, the node adds 60 (FRR stops at the limit and tears down).
  out.push(...d.onRecord(rec.advance(1).announce(NODE2, range(0, 50), post)));
  assert.deepEqual(out.map((o) => [o.kind, o.severity]), [['prefix-limit', 'critical']]);
  out.length = 0;
  out.push(...d.onRecord(rec.advance(1).peerDown(NODE2, { reason: 2, fsm: 0 })));
  const td = out.find((o) => o.kind === 'max-prefix-teardown');
  assert.ok(td);
  assert.equal(td.facts['inferred'], true);
  assert.equal(td.facts['received'], 50);
  assert.equal(td.facts['limit'], 50);
  assert.equal(td.facts['afi_safi'], 'ipv4-unicast');
  assert.ok(out.some((o) => o.kind === 'prefix-limit' && !o.active), 'the pressure clears with the session');
  // `clear bgp` on the idle peer: a second Peer Down, not seen up.
  assert.equal(d.onRecord(rec.advance(10).peerDown(NODE2, { reason: 2, wasUp: false })).length, 0);
});

void test('a reason-2 Peer Down well below the limit is not a teardown', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  start(rec, d, 10);
  assert.equal(d.onRecord(rec.advance(1).peerDown(NODE1, { reason: 2 })).length, 0);
});

void test('a router reconnect with a full re-dump and FRR stale withdrawals: counts stay right, no alerts', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  const out = start(rec, d, 80);
  assert.equal(out.length, 1, 'a peer at 80% is a warning from the dump on');
  out.length = 0;
  for (let i = 0; i < 3; i++) {
    out.push(...feed(d, [rec.advance(5).routerDown(), rec.advance(5).routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1)]));
    for (let j = 0; j < 80; j += 10) out.push(...d.onRecord(rec.announce(NODE1, range(j, j + 10), { ...post, dump: true })));
    out.push(...d.onRecord(rec.endOfRib(NODE1, 'adj-in-post')));
    // FRR's withdrawals for the old session, for prefixes never announced in this one.
    out.push(...d.onRecord(rec.advance(1).withdraw(NODE1, range(200, 220), post)));
  }
  assert.equal(d.count('127.0.0.1', NODE1.address, 'ipv4-unicast'), 80);
  assert.ok(out.every((o) => o.active && o.severity === 'warning'), 'never cleared and re-opened by the re-dump');
  assert.ok(out.length <= 3);
});

void test('BMP stats: type 9 per family counts without route records; 30 headroom gives the limit; the self peer is ignored', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  feed(d, [rec.routerUp(), rec.routerInit('leaf1')]);
  const out = d.onRecord(rec.stats(NODE1, [{ type: 9, value: 95, afi_safi: 'ipv4-unicast' }]));
  assert.equal(out[0]?.severity, 'critical');
  assert.equal(out[0]?.facts['count_source'], 'bmp-stats');
  const other = { address: '127.0.10.77', asn: 64512 };
  const o2 = d.onRecord(rec.stats(other, [{ type: 9, value: 800, afi_safi: 'ipv6-unicast' }, { type: 30, value: 200, afi_safi: 'ipv6-unicast' }]));
  assert.equal(o2[0]?.severity, 'warning');
  assert.equal(o2[0]?.facts['limit'], 1000);
  assert.equal(o2[0]?.facts['limit_source'], 'router (BMP stat 30)');
  // Type 7 for a peer with one limited family.
  const o3 = d.onRecord(rec.stats(NODE2, [{ type: 7, value: 46 }]));
  assert.equal(o3[0]?.severity, 'critical');
  assert.equal(d.onRecord(rec.stats(SELF, [{ type: 7, value: 1e6 }])).length, 0);
});

void test('a peer without a limit is counted but never alerted', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  const stranger = { address: '127.0.10.99', asn: 64999 };
  const out = feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(stranger), rec.announce(stranger, range(0, 500), post)]);
  assert.equal(out.length, 0);
  assert.equal(d.count('127.0.0.1', stranger.address, 'ipv4-unicast'), 500);
});

void test('tracked prefixes are bounded in total; beyond it the family is marked capped', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV, { maxPrefixes: 30 });
  start(rec, d, 20);
  d.onRecord(rec.announce(NODE2, range(0, 20), post));
  assert.equal(d.trackedPrefixes, 30);
  d.onRecord(rec.peerDown(NODE2, { reason: 4 }));
  assert.equal(d.trackedPrefixes, 20, 'a Peer Down frees the peer’s set');
});

void test('a reset without Peer Down (Peer Up again) re-sends the table: the warning is neither cleared nor re-opened', () => {
  const rec = new Rec();
  const d = new PrefixLimitDetector(INV);
  const out = start(rec, d, 80);
  assert.deepEqual(out.map((o) => [o.severity, o.active]), [['warning', true]]);
  out.length = 0;
  out.push(...d.onRecord(rec.advance(100).peerUp(NODE1, { reset: true })));
  for (let j = 0; j < 80; j += 20) out.push(...d.onRecord(rec.announce(NODE1, range(j, j + 20), { ...post, dump: true })));
  out.push(...d.onRecord(rec.endOfRib(NODE1, 'adj-in-post')));
  assert.ok(out.every((o) => o.active), out.map((o) => o.summary).join('\n'));
  assert.equal(d.count('127.0.0.1', NODE1.address, 'ipv4-unicast'), 80);
});

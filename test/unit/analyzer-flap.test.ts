/**
 * analyzer/detectors/prefix-flap and session-flap: prefix flaps in a sliding window with warning/critical thresholds and a
 * quiet-period clear; session flaps with reason classes; and no false alerts for steady state, a
 * router reconnect with a full re-dump, FRR's stale withdrawals, Peer Down for peers never up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInventory } from '../../inventory/inventory.js';
import { PrefixFlapDetector } from '../../analyzer/detectors/prefix-flap.js';
import { SessionFlapDetector } from '../../analyzer/detectors/session-flap.js';
import { classifyPeerDown } from '../../analyzer/detectors/common.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, NODE2, Rec, SELF, attrs, feed } from './analyzer-records.js';

const P = '10.244.1.0/24';
const INV = parseInventory(`clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    nodes:
      - { name: node1, address: 127.0.10.2, asn: 64512, podCIDRs: [10.244.1.0/24] }
routers:
  - { name: leaf1, sysName: leaf1, role: leaf, asn: 65001 }
`);

function started(d: { onRecord: PrefixFlapDetector['onRecord'] }, rec: Rec, prefixes: string[] = [P]) {
  return feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1), rec.announce(NODE1, prefixes, { dump: true }), rec.endOfRib(NODE1)]);
}

void test('5 withdraw→announce cycles in 10 min warn, 20 go critical; the subject names cluster and node', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV);
  assert.deepEqual(started(d, rec), []);
  const out: Observation[] = [];
  for (let i = 0; i < 4; i++) out.push(...feed(d, [rec.advance(10).withdraw(NODE1, P), rec.advance(10).announce(NODE1, P)]));
  assert.equal(out.length, 0, '4 flaps: nothing yet');
  out.push(...d.onRecord(rec.advance(10).withdraw(NODE1, P)));
  assert.equal(out.length, 1);
  const o = out[0] as Observation;
  assert.equal(o.kind, 'prefix-flap');
  assert.equal(o.severity, 'warning');
  assert.equal(o.active, true);
  assert.deepEqual(o.subject, { router: 'leaf1', peer: '127.0.10.2', afiSafi: 'ipv4-unicast', prefix: P, cluster: 'prod', node: 'node1' });
  assert.equal(o.facts['flaps_in_window'], 5);
  assert.equal(o.facts['withdrawals'], 5);
  assert.equal(o.facts['readvertisements'], 4);
  assert.equal(o.at, new Date(rec.now).toISOString());
  // Repeats are throttled (one per minute), escalation is immediate.
  const more: Observation[] = [];
  for (let i = 0; i < 15; i++) more.push(...feed(d, [rec.advance(1).announce(NODE1, P), rec.advance(1).withdraw(NODE1, P)]));
  assert.equal(more.length, 1, 'critical at the 20th flap, no repeats in between');
  assert.equal(more[0]?.severity, 'critical');
  assert.equal(more[0]?.facts['flaps_in_window'], 20);
  // Quiet for 10 min → cleared.
  assert.deepEqual(d.tick(rec.now + 599_000), []);
  const cleared = d.tick(rec.now + 600_000);
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.active, false);
  assert.equal(cleared[0]?.kind, 'prefix-flap');
  assert.deepEqual(d.tick(rec.now + 700_000), [], 'cleared once');
});

void test('attribute changes count; flaps older than the window do not', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV, { warning: 3 });
  started(d, rec);
  const out: Observation[] = [];
  out.push(...d.onRecord(rec.advance(1).announce(NODE1, P, { attrs: attrs({ med: 10 }) })));
  out.push(...d.onRecord(rec.advance(301).announce(NODE1, P, { attrs: attrs({ med: 20 }) })));
  out.push(...d.onRecord(rec.advance(301).announce(NODE1, P, { attrs: attrs({ med: 30 }) })));
  assert.equal(out.length, 0, 'the first change left the 10 min window');
  out.push(...d.onRecord(rec.advance(1).announce(NODE1, P, { attrs: attrs({ med: 40 }) })));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.facts['attribute_changes'], 3);
  // The same attributes again are a duplicate, not a change.
  assert.deepEqual(d.onRecord(rec.advance(1).announce(NODE1, P, { attrs: attrs({ med: 40 }) })), []);
});

void test('steady state: announcements, duplicates and new prefixes for an hour raise nothing', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV);
  const out = started(d, rec, ['10.244.1.0/24', '172.16.0.11/32']);
  for (let i = 0; i < 360; i++) {
    out.push(...d.onRecord(rec.advance(10).announce(NODE1, ['10.244.1.0/24', '172.16.0.11/32'])));
    out.push(...d.onRecord(rec.announce(NODE1, `10.250.${i}.0/24`)));
    out.push(...d.tick(rec.now));
  }
  assert.equal(out.length, 0);
});

void test('a router reconnect with a full re-dump and FRR stale withdrawals raise nothing', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV, { warning: 2 });
  started(d, rec, ['10.244.1.0/24', '10.244.9.0/24']);
  const out: Observation[] = [];
  for (let cycle = 0; cycle < 5; cycle++) {
    // BMP session lost and back, full re-dump (withdrawals and announcements as dump records).
    out.push(...feed(d, [rec.advance(5).routerDown(), rec.advance(5).routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1)]));
    out.push(...feed(d, [rec.withdraw(NODE1, P, { dump: true }), rec.announce(NODE1, P, { dump: true, attrs: attrs({ med: cycle }) }), rec.endOfRib(NODE1)]));
    // The peer resets; FRR flushes the old session's withdrawals after the new Peer Up, live.
    out.push(...feed(d, [rec.advance(5).peerDown(NODE1, { reason: 2 }), rec.advance(1).peerUp(NODE1)]));
    out.push(...feed(d, [rec.advance(1).withdraw(NODE1, ['10.244.9.0/24', '10.244.8.0/24'])]));
    out.push(...feed(d, [rec.announce(NODE1, P, { dump: true })]));
  }
  assert.equal(out.length, 0);
});

void test('one view per peer: a flap seen pre- and post-policy counts once; the router itself is ignored', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV, { warning: 2 });
  started(d, rec);
  d.onRecord(rec.announce(NODE1, P, { rib: 'adj-in-post', dump: true }));
  const out: Observation[] = [];
  out.push(...feed(d, [rec.advance(1).withdraw(NODE1, P), rec.withdraw(NODE1, P, { rib: 'adj-in-post' })]));
  out.push(...feed(d, [rec.advance(1).announce(NODE1, P), rec.announce(NODE1, P, { rib: 'adj-in-post' })]));
  assert.equal(out.length, 0, 'one flap, not two');
  for (let i = 0; i < 5; i++) out.push(...feed(d, [rec.advance(1).announce(SELF, '0.0.0.0/0', { rib: 'adj-in-post' }), rec.withdraw(SELF, '0.0.0.0/0', { rib: 'adj-in-post' })]));
  assert.equal(out.length, 0);
  // A post-policy-only peer is followed post-policy.
  out.push(...feed(d, [rec.announce(NODE2, '10.9.0.0/24', { rib: 'adj-in-post', dump: true })]));
  for (let i = 0; i < 2; i++) out.push(...feed(d, [rec.advance(1).withdraw(NODE2, '10.9.0.0/24', { rib: 'adj-in-post' }), rec.advance(1).announce(NODE2, '10.9.0.0/24', { rib: 'adj-in-post' })]));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.facts['rib'], 'adj-in-post');
  assert.equal(out[0]?.subject.cluster, undefined);
});

void test('ADD-PATH: each path ID is its own path', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV, { warning: 2 });
  started(d, rec);
  feed(d, [rec.announce(NODE1, P, { pathId: 1, dump: true }), rec.announce(NODE1, P, { pathId: 2, dump: true })]);
  const out = feed(d, [rec.advance(1).withdraw(NODE1, P, { pathId: 1 }), rec.advance(1).announce(NODE1, P, { pathId: 1 }), rec.advance(1).withdraw(NODE1, P, { pathId: 2 })]);
  assert.equal(out.length, 0);
  const o = feed(d, [rec.advance(1).withdraw(NODE1, P, { pathId: 1 })]);
  assert.equal(o[0]?.subject.pathId, 1);
});

void test('Peer Down reasons are classified as bmp-notes §5 says, FRR reason 2 as local-unknown', () => {
  const rec = new Rec();
  const cls = (reason: number, n?: [number, number], fsm?: number) => classifyPeerDown(rec.peerDown(NODE1, { reason, ...(n ? { notification: n } : {}), ...(fsm !== undefined ? { fsm } : {}) }));
  assert.equal(cls(3, [6, 2]), 'administrative');
  assert.equal(cls(3, [6, 3]), 'administrative');
  assert.equal(cls(1, [6, 4]), 'administrative');
  assert.equal(cls(5), 'administrative');
  assert.equal(cls(3, [4, 0]), 'failure');
  assert.equal(cls(3, [3, 1]), 'failure');
  assert.equal(cls(4), 'failure');
  assert.equal(cls(2, undefined, 0), 'local-unknown');
  assert.equal(cls(2, undefined, 10), 'failure');
  assert.equal(cls(1, [6, 1]), 'max-prefix');
});

void test('session flaps: 2 failures in 15 min warn, 5 go critical; resets count; clears when quiet', () => {
  const rec = new Rec();
  const d = new SessionFlapDetector(INV);
  const out = feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1)]);
  out.push(...feed(d, [rec.advance(60).peerDown(NODE1, { reason: 4 }), rec.advance(10).peerUp(NODE1)]));
  assert.equal(out.length, 0);
  out.push(...feed(d, [rec.advance(60).peerDown(NODE1, { reason: 3, notification: [4, 0] }), rec.advance(10).peerUp(NODE1)]));
  assert.equal(out.length, 1);
  const o = out[0] as Observation;
  assert.equal(o.kind, 'session-flap');
  assert.equal(o.severity, 'warning');
  assert.deepEqual(o.subject, { router: 'leaf1', peer: '127.0.10.2', cluster: 'prod', node: 'node1' });
  assert.equal(o.facts['failure'], 2);
  assert.match(String(o.facts['last_reason']), /Hold Timer Expired/);
  out.length = 0;
  out.push(...feed(d, [rec.advance(10).peerUp(NODE1, { reset: true }), rec.advance(10).peerDown(NODE1, { reason: 2 }), rec.advance(10).peerUp(NODE1)]));
  out.push(...feed(d, [rec.advance(10).peerDown(NODE1, { reason: 2 })]));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.severity, 'critical');
  assert.equal(out[0]?.facts['resets'], 1);
  assert.equal(out[0]?.facts['local_unknown'], 2);
  assert.deepEqual(d.tick(rec.now + 899_000), []);
  const cleared = d.tick(rec.now + 900_000);
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.active, false);
});

void test('session flaps: administrative only is info; Peer Down for a peer never up is no flap', () => {
  const rec = new Rec();
  const d = new SessionFlapDetector(INV);
  const out = feed(d, [rec.routerUp(), rec.routerInit('leaf1')]);
  for (let i = 0; i < 5; i++) out.push(...d.onRecord(rec.advance(1).peerDown(NODE2, { reason: 2, wasUp: false })));
  assert.equal(out.length, 0);
  out.push(...feed(d, [rec.peerUp(NODE1), rec.advance(1).peerDown(NODE1, { reason: 3, notification: [6, 4] }), rec.advance(1).peerUp(NODE1)]));
  out.push(...feed(d, [rec.advance(1).peerDown(NODE1, { reason: 3, notification: [6, 2] })]));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.severity, 'info');
  assert.equal(out[0]?.facts['administrative'], 2);
});

void test('FRR without soft-reconfiguration (every pre-policy announcement sent as a withdrawal): post-policy is followed', () => {
  const rec = new Rec();
  const d = new PrefixFlapDetector(INV, { warning: 3 });
  feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1), rec.endOfRib(NODE1)]);
  const out: Observation[] = [];
  for (let i = 0; i < 3; i++) {
    out.push(...feed(d, [rec.advance(10).withdraw(NODE1, P), rec.announce(NODE1, P, { rib: 'adj-in-post' })]));
    out.push(...feed(d, [rec.advance(10).withdraw(NODE1, P), rec.withdraw(NODE1, P, { rib: 'adj-in-post' })]));
  }
  assert.deepEqual(out.map((o) => [o.severity, o.facts['rib'], o.facts['flaps_in_window']]), [['warning', 'adj-in-post', 3]]);
});

void test('a Loc-RIB instance peer (GoBGP, withdrawals with AS 0) is followed, not taken for the router itself', () => {
  const rec = new Rec('127.0.0.5');
  const d = new PrefixFlapDetector(INV, { warning: 2 });
  const locrib = (asn: number) => ({ address: '0.0.0.0', asn });
  const mk = (asn: number, kind: 'a' | 'w') => {
    const r = kind === 'a' ? rec.announce(locrib(asn), P, { rib: 'loc-rib' }) : rec.withdraw(locrib(asn), P, { rib: 'loc-rib' });
    return { ...r, peer: { ...r.peer, type: 'loc-rib' as const } };
  };
  feed(d, [rec.routerUp(), rec.routerInit('node1')]);
  const out = feed(d, [mk(64512, 'a'), rec.advance(1) && mk(0, 'w'), rec.advance(1) && mk(64512, 'a'), rec.advance(1) && mk(0, 'w')]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.facts['rib'], 'loc-rib');
});

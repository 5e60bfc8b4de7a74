/**
 * analyzer/detectors (the set): the shipped example inventory and the harness topology, one story
 * through every detector — a quiet hour with reconnects, stale withdrawals and a moving LB IP
 * raises nothing; then a flap storm, a mis-origin, a /32 pod IP and a max-prefix teardown raise
 * exactly their alerts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../inventory/inventory.js';
import { createDetectors } from '../../analyzer/detectors/index.js';
import { alertKey } from '../../analyzer/types.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, NODE2, Rec, SELF, attrs } from './analyzer-records.js';

const INV = loadInventory(new URL('../../../deploy/inventory.example.yaml', import.meta.url).pathname);
const NODE3 = { address: '127.0.10.4', asn: 64512 };
const pfx = (i: number) => `172.16.0.${i}/32`;

function fabric() {
  const rec = new Rec('127.0.0.1');
  const d = createDetectors(INV);
  const out: Observation[] = [];
  const put = (...rs: Parameters<typeof d.onRecord>[0][]) => {
    for (const r of rs) out.push(...d.onRecord(r));
  };
  const boot = () => {
    put(rec.routerUp(), rec.routerInit('leaf1'));
    for (const [n, p] of [[NODE1, '10.244.1.0/24'], [NODE2, '10.244.2.0/24'], [NODE3, '10.244.3.0/24']] as const) {
      put(rec.peerUp(n));
      for (const rib of ['adj-in-pre', 'adj-in-post'] as const) {
        put(rec.announce(n, p, { rib, dump: true, attrs: attrs({ as_path: [65001, n.asn] }) }));
        put(rec.endOfRib(n, rib));
      }
    }
    put(rec.announce(SELF, '0.0.0.0/0', { rib: 'adj-in-post', dump: true, attrs: attrs({ as_path: [] }) }));
  };
  return { rec, d, out, put, boot };
}

void test('the example inventory and the harness topology: a quiet hour raises nothing', () => {
  const { rec, d, out, put, boot } = fabric();
  boot();
  for (let minute = 0; minute < 60; minute++) {
    rec.advance(60);
    // An LB IP moving between nodes as its pod is rescheduled (externalTrafficPolicy: Local), every
    // 15 minutes. (Every minute would be a real flap of each node's path, and a router damping
    // per peer would see it that way too.)
    if (minute % 15 === 0) {
      const [from, to] = minute % 30 === 0 ? [NODE1, NODE2] : [NODE2, NODE1];
      put(rec.withdraw(from, pfx(11)), rec.withdraw(from, pfx(11), { rib: 'adj-in-post' }));
      put(rec.announce(to, pfx(11)), rec.announce(to, pfx(11), { rib: 'adj-in-post' }));
    }
    put(rec.stats(NODE1, [{ type: 7, value: 2 }]));
    if (minute % 20 === 10) {
      // The BMP session drops and comes back with a full re-dump, then FRR's stale withdrawals.
      put(rec.routerDown());
      boot();
      put(rec.advance(1).withdraw(NODE3, ['10.244.30.0/24', '10.244.31.0/24']));
    }
    out.push(...d.tick(rec.now));
  }
  assert.deepEqual(out.map((o) => `${o.kind} ${o.summary}`), []);
  assert.ok(d.stateSize() > 0);
  assert.deepEqual(Object.keys(d.stateSizes()), ['flap', 'session-flap', 'rfd', 'leaks', 'prefix-limit']);
});

void test('a flap storm, a mis-origin, a /32 pod IP and a max-prefix teardown raise exactly their alerts', () => {
  const { rec, out, put, boot } = fabric();
  boot();
  // node1 flaps its PodCIDR every 5 s for a minute.
  for (let i = 0; i < 12; i++) {
    put(rec.advance(5).withdraw(NODE1, '10.244.1.0/24'), rec.withdraw(NODE1, '10.244.1.0/24', { rib: 'adj-in-post' }));
    put(rec.advance(1).announce(NODE1, '10.244.1.0/24', { attrs: attrs({ as_path: [65001, 64512] }) }), rec.announce(NODE1, '10.244.1.0/24', { rib: 'adj-in-post', attrs: attrs({ as_path: [65001, 64512] }) }));
  }
  // node2 announces node1's PodCIDR, and a /32 pod IP of its own.
  put(rec.advance(1).announce(NODE2, ['10.244.1.0/24', '10.244.2.7/32'], { attrs: attrs({ as_path: [65001, 4200000002] }) }));
  // node3 (max-prefix 50 for ipv4-unicast in the example) grows to 50, and FRR tears it down (reason 2, FSM 0).
  for (let i = 0; i < 50; i += 10) put(rec.advance(1).announce(NODE3, Array.from({ length: 10 }, (_, j) => pfx(100 + i + j)), { rib: 'adj-in-post' }));
  put(rec.advance(1).peerDown(NODE3, { reason: 2, fsm: 0 }));

  const kinds = new Map<string, Observation>();
  for (const o of out) if (o.active) kinds.set(alertKey(o), o);
  const summary = [...kinds.values()].map((o) => `${o.kind}|${o.severity}|${o.subject.peer}|${o.subject.prefix ?? o.subject.afiSafi ?? ''}`).sort();
  assert.deepEqual(summary, [
    'dampening|critical|127.0.10.2|10.244.1.0/24',
    'max-prefix-teardown|critical|127.0.10.4|',
    'pod-cidr-leak|critical|127.0.10.3|10.244.1.0/24',
    'pod-cidr-leak|warning|127.0.10.3|10.244.2.7/32',
    'prefix-flap|warning|127.0.10.2|10.244.1.0/24',
    'prefix-limit|critical|127.0.10.4|ipv4-unicast',
  ]);
  const damp = [...kinds.values()].find((o) => o.kind === 'dampening');
  assert.equal(damp?.facts['profile'], 'frr', 'leaf1 damps with its inventory profile');
  assert.equal(damp?.subject.router, 'leaf1');
  const flap = [...kinds.values()].find((o) => o.kind === 'prefix-flap');
  assert.deepEqual(flap?.subject, { router: 'leaf1', peer: '127.0.10.2', afiSafi: 'ipv4-unicast', prefix: '10.244.1.0/24', cluster: 'prod', node: 'node1' });
  // Flapping every 6 s, the third withdrawal suppresses before two periods make a rate.
  const dampSeq = out.filter((o) => o.kind === 'dampening').map((o) => o.severity);
  assert.equal(dampSeq[0], 'critical');
});

void test('an LB /32 moving to another node and back, seen at the border through the leaf: no flap, no dampening alert', () => {
  const rec = new Rec('127.0.10.254');
  const d = createDetectors(INV, { prefixFlap: { warning: 3, windowMs: 120_000 } });
  const leaf1 = { address: '127.0.10.1', asn: 65001 };
  const lb = '172.16.0.50/32';
  const via = (nodeAsn: number) => ({ attrs: attrs({ as_path: [65001, nodeAsn], next_hop: '127.0.10.1' }) });
  const out: Observation[] = [];
  const put = (...rs: Parameters<typeof d.onRecord>[0][]) => {
    for (const r of rs) out.push(...d.onRecord(r));
  };
  put(rec.routerUp(), rec.routerInit('border1'), rec.peerUp(leaf1, { localAsn: 65000 }), rec.announce(leaf1, lb, { ...via(64512), dump: true }), rec.endOfRib(leaf1));
  // node1 withdraws, node2 announces (the leaf's path now ends in node2's AS), and back again —
  // once as withdraw + re-advertisement, once as an implicit replace.
  put(rec.advance(1).withdraw(leaf1, lb), rec.advance(1).announce(leaf1, lb, via(4200000002)));
  put(rec.advance(2).announce(leaf1, lb, via(64512)));
  put(rec.advance(2).withdraw(leaf1, lb), rec.advance(1).announce(leaf1, lb, via(4200000002)));
  put(rec.advance(2).announce(leaf1, lb, via(64512)));
  out.push(...d.tick(rec.now + 1000));
  assert.deepEqual(out.map((o) => `${o.kind} ${o.summary}`), []);
  // The same churn on a pod range is churn.
  const pod = '10.244.1.0/24';
  put(rec.announce(leaf1, pod, { ...via(64512), dump: true }));
  for (let i = 0; i < 3; i++) put(rec.advance(1).withdraw(leaf1, pod), rec.advance(1).announce(leaf1, pod, via(64512)));
  assert.ok(out.some((o) => o.kind === 'prefix-flap' && o.subject.prefix === pod));
  assert.ok(out.some((o) => o.kind === 'dampening' && o.subject.prefix === pod && o.severity === 'critical'));
});

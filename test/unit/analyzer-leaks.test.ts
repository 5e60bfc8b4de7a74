/**
 * analyzer/detectors/leaks: every finding kind against an inventory, the observer lifecycle
 * (pre and post views are one observer; withdrawals and Peer Down clear), and no false alerts for
 * LB IPs moving between nodes, LB/egress at the border, a router reconnect with re-dump, the
 * router's own routes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInventory } from '../../inventory/inventory.js';
import { LeakDetector } from '../../analyzer/detectors/leaks.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, NODE2, Rec, SELF, attrs, feed } from './analyzer-records.js';
import type { PeerSpec } from './analyzer-records.js';

const YAML = `clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    loadBalancerPools: [172.16.0.0/24]
    egressIPs: [172.16.1.10]
    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: true }
    nodes:
      - { name: node1, address: 127.0.10.2, asn: 64512, podCIDRs: [10.244.1.0/24] }
      - { name: node2, address: 127.0.10.3, asn: 4200000002, podCIDRs: [10.244.2.0/24] }
  - name: lab
    podCIDRs: [10.245.0.0/16]
    loadBalancerPools: [172.17.0.0/24]
    policy: { advertisePodCIDRs: false }
    nodes:
      - { name: bird1, address: 127.0.10.21, asn: 64530, podCIDRs: [10.245.1.0/24] }
routers:
  - { name: leaf1, sysName: leaf1, role: leaf, asn: 65001 }
  - name: border1
    sysName: border1
    role: border
    asn: 65000
    peers:
      - { address: 127.0.10.5, external: true }
`;
const INV = parseInventory(YAML);
const BIRD1: PeerSpec = { address: '127.0.10.21', asn: 64530 };
const UPSTREAM: PeerSpec = { address: '127.0.10.5', asn: 64999 };
const NOEXP = (asn: number) => attrs({ as_path: [asn], communities: ['NO_EXPORT'] });

function leaf(d: LeakDetector, router = '127.0.0.1', sysName = 'leaf1') {
  const rec = new Rec(router);
  const out = feed(d, [rec.routerUp(), rec.routerInit(sysName), rec.peerUp(NODE1), rec.peerUp(NODE2)]);
  return { rec, out };
}

void test('steady state of a healthy fabric: PodCIDRs from their nodes, LB IPs with NO_EXPORT, the router’s own default: nothing', () => {
  const d = new LeakDetector(INV);
  const { rec, out } = leaf(d);
  out.push(...d.onRecord(rec.announce(NODE1, '10.244.1.0/24', { dump: true })));
  out.push(...d.onRecord(rec.announce(NODE1, '10.244.1.0/24', { rib: 'adj-in-post', dump: true })));
  out.push(...d.onRecord(rec.announce(NODE2, '10.244.2.0/24', { attrs: attrs({ as_path: [65001, 4200000002] }) })));
  out.push(...d.onRecord(rec.announce(NODE1, ['172.16.0.11/32', '172.16.1.10/32'], { attrs: NOEXP(64512) })));
  out.push(...d.onRecord(rec.announce(SELF, '0.0.0.0/0', { rib: 'adj-in-post' })));
  out.push(...d.onRecord(rec.announce(SELF, '10.244.1.0/25', { rib: 'adj-in-post' })));
  out.push(...d.onRecord(rec.announce(NODE1, '8.8.8.0/24')));
  out.push(...d.tick(rec.now + 3_600_000));
  assert.equal(out.length, 0);
});

void test('a node announcing another node’s PodCIDR is a mis-origin leak; withdrawing it clears', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(NODE2, '10.244.1.0/24', { attrs: attrs({ as_path: [4200000002] }) }));
  assert.equal(out.length, 1);
  const o = out[0] as Observation;
  assert.equal(o.kind, 'pod-cidr-leak');
  assert.equal(o.severity, 'critical');
  assert.deepEqual(o.subject, { router: 'leaf1', peer: '127.0.10.3', cluster: 'prod', node: 'node1', prefix: '10.244.1.0/24' });
  assert.equal(o.facts['announced_by_node'], 'node2');
  assert.equal(o.facts['owner_node'], 'node1');
  assert.match(o.summary, /node node1's PodCIDR 10\.244\.1\.0\/24 is announced by node node2/);
  const cleared = d.onRecord(rec.advance(5).withdraw(NODE2, '10.244.1.0/24'));
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.active, false);
  assert.equal(cleared[0]?.at, new Date(rec.now).toISOString());
});

void test('another origin AS for a node’s PodCIDR (via a spine: the peer is not a node)', () => {
  const d = new LeakDetector(INV);
  const rec = new Rec('127.0.0.9');
  const spinePeer: PeerSpec = { address: '10.0.0.1', asn: 65001 };
  feed(d, [rec.routerUp(), rec.routerInit('spine1')]);
  const out = d.onRecord(rec.announce(spinePeer, '10.244.2.0/24', { attrs: attrs({ as_path: [65001, 64512], next_hop: '10.0.0.1' }) }));
  assert.equal(out.length, 1);
  assert.match(out[0]?.summary ?? '', /originated by AS 64512, not the node's AS 4200000002/);
  assert.equal(out[0]?.subject.router, 'spine1');
});

void test('a /32 pod IP is a more-specific of the node’s allocation', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(NODE1, '10.244.1.17/32'));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.kind, 'pod-cidr-leak');
  assert.equal(out[0]?.severity, 'warning');
  assert.match(out[0]?.summary ?? '', /more-specific of node node1's PodCIDR 10\.244\.1\.0\/24 \(a single pod IP\)/);
});

void test('pod ranges where policy forbids them (advertisePodCIDRs: false) are critical', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(BIRD1, '10.245.1.0/24', { attrs: attrs({ as_path: [64530] }) }));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.severity, 'critical');
  assert.deepEqual(out[0]?.subject, { router: 'leaf1', peer: '127.0.10.21', cluster: 'lab', node: 'bird1', prefix: '10.245.1.0/24' });
  assert.match(out[0]?.summary ?? '', /policy forbids/);
});

void test('at the border: pod and service ranges leak, LB IPs and egress IPs are meant to be there', () => {
  const d = new LeakDetector(INV);
  const rec = new Rec('127.0.10.254');
  const leafPeer: PeerSpec = { address: '127.0.10.1', asn: 65001 };
  feed(d, [rec.routerUp(), rec.routerInit('border1'), rec.peerUp(leafPeer), rec.peerUp(UPSTREAM)]);
  const ok = feed(d, [
    rec.announce(leafPeer, ['172.16.0.11/32', '172.16.1.10/32'], { attrs: attrs({ as_path: [65001, 64512] }) }),
    rec.announce(UPSTREAM, ['172.16.0.11/32'], { rib: 'adj-out-post', attrs: attrs({ as_path: [65000, 65001, 64512] }) }),
  ]);
  assert.equal(ok.length, 0);
  const pod = d.onRecord(rec.announce(leafPeer, '10.244.1.0/24', { attrs: attrs({ as_path: [65001, 64512] }) }));
  assert.deepEqual(pod.map((o) => [o.kind, o.severity]), [['pod-cidr-leak', 'critical']]);
  assert.match(pod[0]?.summary ?? '', /visible at border router border1/);
  const out = d.onRecord(rec.announce(UPSTREAM, '10.244.2.0/24', { rib: 'adj-out-post', attrs: attrs({ as_path: [65000, 65001, 4200000002] }) }));
  assert.match(out[0]?.summary ?? '', /advertised by border1 to external peer 127\.0\.10\.5/);
  const svc = d.onRecord(rec.announce(leafPeer, '10.96.0.10/32', { attrs: attrs({ as_path: [65001, 64512] }) }));
  assert.deepEqual(svc.map((o) => [o.kind, o.severity]), [['service-cidr-leak', 'critical']]);
});

void test('service ranges inside the fabric while advertiseServiceCIDRs is false: a warning', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(NODE1, '10.96.0.10/32'));
  assert.deepEqual(out.map((o) => [o.kind, o.severity, o.subject.node]), [['service-cidr-leak', 'warning', 'node1']]);
});

void test('an LB IP moving between nodes (externalTrafficPolicy: Local) is normal', () => {
  const d = new LeakDetector(INV);
  const { rec, out } = leaf(d);
  for (let i = 0; i < 10; i++) {
    const [from, to] = i % 2 === 0 ? [NODE1, NODE2] : [NODE2, NODE1];
    out.push(...d.onRecord(rec.advance(30).withdraw(from, '172.16.0.11/32')));
    out.push(...d.onRecord(rec.announce(to, '172.16.0.11/32', { attrs: NOEXP(to.asn) })));
  }
  assert.equal(out.length, 0);
});

void test('LB IPs of one cluster announced by another cluster’s node; missing NO_EXPORT where required', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(BIRD1, '172.16.0.20/32', { attrs: NOEXP(64530) }));
  assert.deepEqual(out.map((o) => [o.kind, o.severity]), [['lb-ip-leak', 'critical']]);
  assert.equal(out[0]?.facts['announced_by_cluster'], 'lab');
  const nx = d.onRecord(rec.announce(NODE1, '172.16.0.30/32', { attrs: attrs({ as_path: [64512], communities: ['64512:100'] }) }));
  assert.deepEqual(nx.map((o) => [o.kind, o.severity, o.subject.node]), [['missing-no-export', 'warning', 'node1']]);
  // Fixed by re-announcing with NO_EXPORT: the same path no longer matches, so it clears.
  const fixed = d.onRecord(rec.announce(NODE1, '172.16.0.30/32', { attrs: NOEXP(64512) }));
  assert.deepEqual(fixed.map((o) => [o.kind, o.active]), [['missing-no-export', false]]);
  // The lab cluster does not require it.
  assert.equal(d.onRecord(rec.announce(BIRD1, '172.17.0.5/32', { attrs: attrs({ as_path: [64530] }) })).length, 0);
});

void test('foreign prefixes inside cluster ranges are critical; covering ones only on request; default routes never', () => {
  const d = new LeakDetector(INV);
  const rec = new Rec('127.0.10.254');
  feed(d, [rec.routerUp(), rec.routerInit('border1'), rec.peerUp(UPSTREAM)]);
  const out = d.onRecord(rec.announce(UPSTREAM, '10.244.5.0/24', { attrs: attrs({ as_path: [64999] }) }));
  assert.deepEqual(out.map((o) => [o.kind, o.severity, o.subject.cluster]), [['foreign-overlap', 'critical', 'prod']]);
  assert.equal(out[0]?.facts['origin_as'], 64999);
  assert.equal(d.onRecord(rec.announce(UPSTREAM, ['10.0.0.0/8', '0.0.0.0/0'], { attrs: attrs({ as_path: [64999] }) })).length, 0);
  const wide = new LeakDetector(INV, { coveringForeign: true });
  const rec2 = new Rec('127.0.10.254');
  feed(wide, [rec2.routerUp(), rec2.routerInit('border1')]);
  const cov = wide.onRecord(rec2.announce(UPSTREAM, ['10.0.0.0/8', '0.0.0.0/0'], { attrs: attrs({ as_path: [64999] }) }));
  assert.deepEqual(cov.map((o) => [o.kind, o.severity, o.subject.prefix]), [['foreign-overlap', 'warning', '10.0.0.0/8']]);
});

void test('pre and post views of one path are one observer; it clears when both are gone, or on Peer Down', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  const out = feed(d, [rec.announce(NODE1, '10.244.1.99/32'), rec.announce(NODE1, '10.244.1.99/32', { rib: 'adj-in-post' })]);
  assert.equal(out.length, 1);
  assert.equal(d.onRecord(rec.withdraw(NODE1, '10.244.1.99/32')).length, 0);
  assert.equal(d.onRecord(rec.withdraw(NODE1, '10.244.1.99/32', { rib: 'adj-in-post' }))[0]?.active, false);
  feed(d, [rec.announce(NODE1, '10.244.1.99/32'), rec.announce(NODE1, '10.244.1.98/32')]);
  const down = d.onRecord(rec.peerDown(NODE1, { reason: 4 }));
  assert.deepEqual(down.map((o) => [o.subject.prefix, o.active]), [['10.244.1.99/32', false], ['10.244.1.98/32', false]]);
  assert.equal(d.stateSize(), 0);
});

void test('a router reconnect with a full re-dump neither clears nor re-opens; a router gone past the grace clears', () => {
  const d = new LeakDetector(INV, { staleGraceMs: 300_000 });
  const { rec } = leaf(d);
  assert.equal(d.onRecord(rec.announce(NODE1, '10.244.1.99/32', { dump: true })).length, 1, 'a leak in the dump is a leak');
  const out: Observation[] = [];
  out.push(...feed(d, [rec.advance(10).routerDown(), rec.advance(20).routerUp(), rec.routerInit('leaf1'), rec.peerUp(NODE1)]));
  out.push(...d.onRecord(rec.announce(NODE1, '10.244.1.99/32', { dump: true })));
  out.push(...d.tick(rec.now + 3_600_000));
  assert.equal(out.length, 0);
  feed(d, [rec.at(rec.now + 3_600_000).routerDown()]);
  assert.equal(d.tick(rec.now + 299_000).length, 0);
  const gone = d.tick(rec.now + 300_000);
  assert.deepEqual(gone.map((o) => o.active), [false]);
});

void test('cluster overlaps are reported at load and cleared by a fixed inventory', () => {
  const overlapping = parseInventory(YAML.replace('podCIDRs: [10.245.0.0/16]', 'podCIDRs: [10.244.128.0/17]'));
  let now = Date.parse('2026-11-21T12:00:00Z');
  const d = new LeakDetector(overlapping, { clock: () => now });
  const first = d.tick();
  assert.equal(first.length, 1);
  assert.equal(first[0]?.kind, 'cluster-overlap');
  assert.equal(first[0]?.severity, 'critical');
  assert.deepEqual(first[0]?.subject, { cluster: 'prod', prefix: '10.244.0.0/16' });
  assert.equal(first[0]?.facts['range_b'], '10.244.128.0/17');
  assert.equal(first[0]?.at, '2026-11-21T12:00:00.000Z');
  assert.equal(d.tick().length, 0, 'once');
  d.setInventory(overlapping);
  assert.equal(d.tick().length, 0, 'a reload with the same overlap says nothing new');
  now += 60_000;
  d.setInventory(INV);
  const fixed = d.tick();
  assert.deepEqual(fixed.map((o) => [o.kind, o.active, o.at]), [['cluster-overlap', false, '2026-11-21T12:01:00.000Z']]);
});

void test('Adj-RIB-Out towards a node: the node is the receiver, not an announcer', () => {
  const d = new LeakDetector(INV);
  const { rec } = leaf(d);
  // leaf1 advertises node1's PodCIDR to node2: normal routed pod networking.
  const out = d.onRecord(rec.announce(NODE2, '10.244.1.0/24', { rib: 'adj-out-post', attrs: attrs({ as_path: [65001, 64512], next_hop: '127.0.10.1' }) }));
  assert.equal(out.length, 0);
});

void test('a reloaded inventory checks current leaks again: a policy fixed in the inventory clears them', () => {
  let now = Date.parse('2026-11-21T12:00:00Z');
  const d = new LeakDetector(INV, { clock: () => now });
  const { rec } = leaf(d);
  const out = d.onRecord(rec.announce(BIRD1, '10.245.1.0/24', { attrs: attrs({ as_path: [64530] }) }));
  assert.deepEqual(out.map((o) => [o.kind, o.active]), [['pod-cidr-leak', true]]);
  now += 5000;
  d.setInventory(parseInventory(YAML.replace('policy: { advertisePodCIDRs: false }', 'policy: { advertisePodCIDRs: true }')));
  const after = d.tick();
  assert.deepEqual(after.map((o) => [o.kind, o.active, o.at]), [['pod-cidr-leak', false, '2026-11-21T12:00:05.000Z']]);
  assert.equal(d.stateSize(), 0);
  // And back: the path is no longer tracked, so it is found again when next announced.
  d.setInventory(INV);
  assert.equal(d.tick().length, 0);
  assert.equal(d.onRecord(rec.announce(BIRD1, '10.245.1.0/24', { attrs: attrs({ as_path: [64530] }) })).length, 1);
});

/** analyzer/kubernetes: what the routers see judged against the cluster's intent, and the leak checks' grace after a change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClusterObjects, computeIntent, objectsFromText } from '../../kubernetes/index.js';
import type { ClusterIntent } from '../../kubernetes/index.js';
import { GraceSink, KubernetesDetector } from '../../analyzer/kubernetes/index.js';
import type { Observation } from '../../analyzer/types.js';
import type { BusRecord } from '../../records/types.js';
import { Rec, T0, attrs } from './analyzer-records.js';
import type { PeerSpec } from './analyzer-records.js';

const FIXTURE = readFileSync(new URL('../../../test/fixtures/kubernetes/cilium-cluster.yaml', import.meta.url), 'utf8');
const N1: PeerSpec = { address: '127.0.40.11', asn: 65011 };
const N2: PeerSpec = { address: '127.0.40.12', asn: 65010 };
const GRACE = 60_000;

function intent(text = FIXTURE): ClusterIntent {
  const objs = new ClusterObjects('prod');
  for (const o of objectsFromText(text, 'f').objects) objs.upsert(o);
  return computeIntent(objs);
}

function setup(text = FIXTURE) {
  const d = new KubernetesDetector(undefined, { graceMs: GRACE, clock: () => rec.now });
  const rec = new Rec('127.0.40.1', 65000);
  d.setIntent([intent(text)], new Map(), T0);
  const feed = (...rs: BusRecord[]) => rs.forEach((r) => d.onRecord(r));
  const up = (p: PeerSpec) => ({ ...rec.peerUp(p), local_address: '127.0.40.1' });
  return { d, rec, feed, up };
}

const active = (os: Observation[], kind: string) => os.filter((o) => o.kind === kind && o.active);
const cleared = (os: Observation[], kind: string) => os.filter((o) => o.kind === kind && !o.active);

/** Everything node1 and node2 should send, as the fixture asks (NO_EXPORT and communities included). */
function announceAll(rec: Rec): BusRecord[] {
  const pod = (asn: number) => attrs({ as_path: [asn], communities: ['65010:100'] });
  const lb = (asn: number) => attrs({ as_path: [asn], communities: ['65010:200', 'NO_EXPORT'] });
  return [
    rec.announce(N1, '10.244.1.0/24', { attrs: pod(65011) }),
    rec.announce(N1, '172.20.0.11/32', { attrs: lb(65011) }),
    rec.announce(N1, '172.20.5.1/32'),
    rec.announce(N2, '10.244.2.0/24', { attrs: pod(65010) }),
    rec.announce(N2, '172.20.0.10/32', { attrs: lb(65010) }),
    rec.announce(N2, '172.20.0.11/32', { attrs: lb(65010) }),
  ];
}

test('every expected route present with its attributes: no finding at all, even long after the grace', () => {
  const { d, rec, feed, up } = setup();
  feed(rec.routerUp(), up(N1), up(N2), ...announceAll(rec));
  rec.advance(600);
  assert.deepEqual(d.tick(rec.now), []);
});

test('missing-advertisement: raised only after the grace, names cluster, node, Service and the asking object; resolved when the route appears', () => {
  const { d, rec, feed, up } = setup();
  feed(rec.routerUp(), up(N1), up(N2), ...announceAll(rec).filter((r) => r.type !== 'route' || !r.announced.some((a) => a.prefix === '172.20.0.10/32')));
  rec.advance(30);
  assert.deepEqual(active(d.tick(rec.now), 'missing-advertisement'), [], 'nothing within the grace');
  rec.advance(31);
  const out = active(d.tick(rec.now), 'missing-advertisement');
  assert.equal(out.length, 1);
  const o = out[0] as Observation;
  assert.deepEqual(o.subject, { cluster: 'prod', node: 'node2', service: 'shop/web', router: '127.0.40.1', peer: '127.0.40.12', prefix: '172.20.0.10/32' });
  assert.match(o.summary, /Node node2 \(cluster prod\) should announce 172\.20\.0\.10\/32 \(Service shop\/web's lb-ip, asked by CiliumBGPAdvertisement pod-and-lb\)/);
  assert.deepEqual(d.tick(rec.now + 1000), [], 'reported once while it holds');
  feed(rec.announce(N2, '172.20.0.10/32', { attrs: attrs({ as_path: [65010], communities: ['65010:200', 'NO_EXPORT'] }) }));
  assert.equal(cleared(d.tick(rec.now), 'missing-advertisement').length, 1);
});

test('missing-advertisement resolves when the object goes (the Service is deleted)', () => {
  const { d, rec, feed, up } = setup();
  feed(rec.routerUp(), up(N1), up(N2), ...announceAll(rec).filter((r) => r.type !== 'route' || !r.announced.some((a) => a.prefix === '172.20.0.10/32')));
  rec.advance(61);
  assert.equal(active(d.tick(rec.now), 'missing-advertisement').length, 1);
  const without = FIXTURE.replace(/- apiVersion: v1\n  kind: Service\n  metadata: \{ name: web[^]*?(?=- apiVersion: v1\n  kind: Service)/, '');
  d.setIntent([intent(without)], new Map([['prod', new Set(['172.20.0.10/32'])]]), rec.now);
  assert.equal(cleared(d.tick(rec.now), 'missing-advertisement').length, 1);
});

test('unexpected-announcer: a Local LB IP from a node without a ready endpoint is a critical blackhole, after the grace; cleared on withdraw', () => {
  const { d, rec, feed, up } = setup();
  feed(rec.routerUp(), up(N1), up(N2), ...announceAll(rec), rec.announce(N1, '172.20.0.10/32', { attrs: attrs({ as_path: [65011], communities: ['65010:200', 'NO_EXPORT'] }) }));
  rec.advance(10);
  assert.deepEqual(active(d.tick(rec.now), 'unexpected-announcer'), []);
  rec.advance(60);
  const out = active(d.tick(rec.now), 'unexpected-announcer');
  assert.equal(out.length, 1);
  assert.equal(out[0]?.severity, 'critical');
  assert.deepEqual(out[0]?.subject, { cluster: 'prod', node: 'node1', service: 'shop/web', router: '127.0.40.1', peer: '127.0.40.11', prefix: '172.20.0.10/32' });
  feed(rec.withdraw(N1, '172.20.0.10/32'));
  assert.equal(cleared(d.tick(rec.now), 'unexpected-announcer').length, 1);
});

test('community-mismatch: a missing standard community or another local-pref is flagged; NO_EXPORT missing on an LB route is left to missing-no-export', () => {
  const { d, rec, feed, up } = setup();
  const routes = announceAll(rec).filter((r) => r.type !== 'route' || !(r.peer.address === N2.address));
  feed(
    rec.routerUp(),
    up(N1),
    up(N2),
    ...routes,
    rec.announce(N2, '10.244.2.0/24', { attrs: attrs({ as_path: [65010], communities: [] }) }),
    rec.announce(N2, ['172.20.0.10/32', '172.20.0.11/32'], { attrs: attrs({ as_path: [65010], communities: ['65010:200'] }) }),
  );
  rec.advance(61);
  const out = active(d.tick(rec.now), 'community-mismatch');
  assert.deepEqual(out.map((o) => o.subject.prefix), ['10.244.2.0/24']);
  assert.equal(out[0]?.facts['missing'], '65010:100');
  feed(rec.announce(N2, '172.20.0.11/32', { attrs: attrs({ as_path: [65010], communities: ['65010:200', 'NO_EXPORT'], local_pref: 90 }) }));
  const lp = active(d.tick(rec.now), 'community-mismatch');
  assert.equal(lp.length, 1);
  assert.match(lp[0]?.summary ?? '', /local-pref 90, expected 150/);
});

test('bgp-status-mismatch: CiliumBGPNodeConfig says 3 routes advertised, the leaf receives 2; resolved at 3', () => {
  const { d, rec, feed, up } = setup();
  feed(rec.routerUp(), up(N1), up(N2), ...announceAll(rec));
  rec.advance(61);
  // node1 sends its PodCIDR, the api LB IP and the egress IP: 3, as its status says.
  assert.deepEqual(d.tick(rec.now), []);
  feed(rec.withdraw(N1, '172.20.5.1/32'));
  rec.advance(1);
  const out = active(d.tick(rec.now), 'bgp-status-mismatch');
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]?.subject, { cluster: 'prod', node: 'node1', router: '127.0.40.1', peer: '127.0.40.11', afiSafi: 'ipv4-unicast' });
  assert.equal(out[0]?.facts['status_advertised'], 3);
  assert.equal(out[0]?.facts['received'], 2);
  feed(rec.announce(N1, '172.20.5.1/32'));
  const after = d.tick(rec.now);
  assert.equal(cleared(after, 'bgp-status-mismatch').length, 1);
});

test('a session that comes up late gets its own grace: a node whose peering just started is not missing anything yet', () => {
  const { d, rec, feed, up } = setup();
  rec.advance(600);
  feed(rec.routerUp(), up(N1));
  rec.advance(5);
  assert.deepEqual(d.tick(rec.now), []);
});

test('grace: a leak finding on a prefix the cluster just changed waits; dropped if it clears, passed on if it still holds when the grace ends', () => {
  const got: Observation[] = [];
  let now = T0;
  const g = new GraceSink({ observeAll: (os) => got.push(...os) }, GRACE, () => now);
  const leak = (prefix: string, activeNow: boolean): Observation => ({ kind: 'pod-cidr-leak', severity: 'critical', subject: { cluster: 'prod', node: 'node2', prefix }, summary: `leak ${prefix}`, facts: {}, nextStep: '', at: new Date(now).toISOString(), active: activeNow, detector: 'leaks' });
  g.changedAt(['10.244.2.0/24'], now);
  g.observeAll([leak('10.244.2.0/24', true), leak('10.244.7.0/24', true)]);
  assert.deepEqual(got.map((o) => o.subject.prefix), ['10.244.7.0/24'], 'an unrelated prefix is not delayed');
  now += 10_000;
  g.observeAll([leak('10.244.2.0/24', false)]);
  g.tick(now + GRACE);
  assert.equal(got.length, 1, 'cleared within the grace: never passed on');
  assert.equal(g.absorbed, 1);
  g.changedAt(['10.244.3.0/24'], now);
  g.observeAll([leak('10.244.3.128/25', true)]);
  g.tick(now + GRACE - 1);
  assert.equal(got.length, 1);
  g.tick(now + GRACE);
  assert.deepEqual(got.map((o) => o.subject.prefix), ['10.244.7.0/24', '10.244.3.128/25'], 'still true after the grace: passed on');
});

/**
 * The real detectors (analyzer/detectors, the example inventory) through the alert lifecycle: a
 * pod CIDR leaked by a node and seen at a leaf and at the border is one alert with two
 * observations, announced once after the squash window, resolved after the fade-off once both
 * routers withdraw it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../inventory/inventory.js';
import { createDetectors } from '../../analyzer/detectors/index.js';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { NODE1, NODE2, Rec, attrs } from './analyzer-records.js';
import { FakeNotifier } from './alerts-helpers.js';

const INV = loadInventory(new URL('../../../deploy/inventory.example.yaml', import.meta.url).pathname);
const LEAF1 = { address: '127.0.10.1', asn: 65001 };

void test('a leaked PodCIDR seen at leaf1 and at border1 is one alert with two observations', () => {
  const leaf = new Rec('127.0.0.1');
  const border = new Rec('127.0.10.254', 65000);
  const d = createDetectors(INV, { clock: () => leaf.now });
  const n = new FakeNotifier();
  const mgr = new AlertManager({ options: { squashSeconds: 30, resolveAfterSeconds: 300 }, notifiers: [n], now: () => leaf.now, timers: false });
  const put = (...rs: Parameters<typeof d.onRecord>[0][]) => {
    for (const r of rs) mgr.observeAll(d.onRecord(r));
  };
  put(leaf.routerUp(), leaf.routerInit('leaf1'), border.routerUp(), border.routerInit('border1'));
  for (const p of [NODE1, NODE2]) {
    put(leaf.peerUp(p));
    put(leaf.endOfRib(p, 'adj-in-post'));
  }
  put(border.peerUp(LEAF1), border.endOfRib(LEAF1, 'adj-in-post'));
  put(leaf.advance(60).announce(NODE1, '10.244.1.0/24', { rib: 'adj-in-post', attrs: attrs({ as_path: [64512] }) }));
  // node2 announces node1's PodCIDR; leaf1 passes it on to border1.
  put(leaf.advance(5).announce(NODE2, '10.244.1.0/24', { rib: 'adj-in-post', attrs: attrs({ as_path: [4200000002] }) }));
  border.at(leaf.now);
  put(border.advance(1).announce(LEAF1, '10.244.1.0/24', { rib: 'adj-in-post', attrs: attrs({ as_path: [65001, 4200000002] }) }));
  leaf.at(border.now);
  const leaks = mgr.list().filter((a) => a.kind === 'pod-cidr-leak');
  assert.equal(leaks.length, 1);
  const a = leaks[0]!;
  assert.deepEqual(a.subject, { cluster: 'prod', node: 'node1', prefix: '10.244.1.0/24' });
  assert.deepEqual(a.observers.map((o) => [o.subject.router, o.subject.peer]), [['leaf1', '127.0.10.3'], ['border1', '127.0.10.1']]);
  assert.equal(a.severity, 'critical');

  // One message after the squash window, naming both routers.
  leaf.advance(30);
  mgr.observeAll(d.tick(leaf.now));
  mgr.tick();
  const opens = n.sent.filter((x) => x.alert.kind === 'pod-cidr-leak');
  assert.deepEqual(opens.map((x) => x.event), ['open']);
  assert.equal(opens[0]!.alert.observerCount, 2);

  // node2 stops; the leaf and the border both withdraw: the detectors clear, the alert fades off.
  put(leaf.advance(1).withdraw(NODE2, '10.244.1.0/24', { rib: 'adj-in-post' }));
  border.at(leaf.now);
  put(border.withdraw(LEAF1, '10.244.1.0/24', { rib: 'adj-in-post' }));
  assert.ok(mgr.get(a.id)!.observers.every((o) => !o.active), 'both observers cleared');
  leaf.advance(299);
  mgr.tick();
  assert.equal(mgr.get(a.id)?.status, 'open');
  leaf.advance(1);
  mgr.observeAll(d.tick(leaf.now));
  mgr.tick();
  assert.equal(mgr.get(a.id)?.status, 'resolved');
  assert.deepEqual(n.sent.filter((x) => x.alert.id === a.id).map((x) => x.event), ['open', 'resolve']);
});

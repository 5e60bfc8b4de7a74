/**
 * analyzer/detectors/path-presence: what each route record did to a path — withdrawal,
 * re-advertisement, attribute change — and the records that change presence without being churn
 * (first announcements, duplicates, dumps, stale withdrawals of an earlier session).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RibView } from '@ribwatch/bmp-parser';
import { parseInventory } from '../../inventory/inventory.js';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import { RouterDirectory } from '../../analyzer/detectors/common.js';
import { PathPresence, pathKey, pathKeyParts } from '../../analyzer/detectors/path-presence.js';
import type { PathChange, Presence, PresenceHandler } from '../../analyzer/detectors/path-presence.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, NODE2, Rec, attrs } from './analyzer-records.js';

const P = '10.244.1.0/24';

interface Seen {
  readonly key: string;
  readonly change: PathChange;
  readonly t: number;
}

class Recorder implements PresenceHandler<Presence & { rib: RibView }> {
  readonly seen: Seen[] = [];
  newPath(t: number, attr: number, gen: number, origin: number, rib: RibView): Presence & { rib: RibView } {
    return { lastMs: t, announced: true, attr, gen, origin, rib };
  }
  onChange(key: string, _s: Presence, change: PathChange, _r: RouteRecord, t: number, _out: Observation[]): void {
    this.seen.push({ key, change, t });
  }
}

function setup(inv: Inventory = Inventory.empty(), countLbMoves = false) {
  const handler = new Recorder();
  const presence = new PathPresence(new RouterDirectory(inv), handler, { maxKeys: 1000, countLbMoves });
  const feed = (...rs: BusRecord[]): PathChange[] => {
    const before = handler.seen.length;
    for (const r of rs) {
      presence.onSessionRecord(r);
      if (r.type === 'route') presence.route(r, []);
    }
    return handler.seen.slice(before).map((s) => s.change);
  };
  return { presence, handler, feed };
}

void test('a withdrawal, a re-advertisement and an attribute change are told apart; duplicates are nothing', () => {
  const rec = new Rec();
  const { feed, handler } = setup();
  assert.deepEqual(feed(rec.routerUp(), rec.peerUp(NODE1), rec.announce(NODE1, P)), [], 'a first announcement is no change');
  assert.deepEqual(feed(rec.advance(1).announce(NODE1, P)), [], 'the same attributes again');
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P)), ['withdrawal']);
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P)), [], 'withdrawn twice');
  assert.deepEqual(feed(rec.advance(1).announce(NODE1, P)), ['readvertisement']);
  assert.deepEqual(feed(rec.advance(1).announce(NODE1, P, { attrs: attrs({ as_path: [NODE1.asn], med: 5 }) })), ['attribute-change']);
  const last = handler.seen.at(-1);
  assert.equal(last?.key, pathKey('127.0.0.1', NODE1.address, null, 'ipv4-unicast', P, null));
  assert.equal(last?.t, rec.now, 'the change is at the record’s arrival time');
});

void test('dump records and the withdrawals of an earlier session change presence but are never a change', () => {
  const rec = new Rec();
  const { feed, presence } = setup();
  feed(rec.routerUp(), rec.peerUp(NODE1), rec.announce(NODE1, P));
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P, { dump: true })), []);
  assert.equal(presence.paths.get(pathKey('127.0.0.1', NODE1.address, null, 'ipv4-unicast', P, null))?.announced, false, 'a dumped withdrawal still withdraws');
  assert.deepEqual(feed(rec.advance(1).announce(NODE1, P, { dump: true })), [], 'a re-dump is no re-advertisement');
  // A new session: FRR flushes the old session's withdrawals after the new Peer Up.
  assert.deepEqual(feed(rec.advance(1).peerDown(NODE1, { reason: 1, notification: [6, 4] }), rec.peerUp(NODE1), rec.withdraw(NODE1, P)), []);
  assert.deepEqual(feed(rec.advance(1).announce(NODE1, P)), [], 'the first announcement of the new session');
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P)), ['withdrawal'], 'known again in the new session');
  // A new BMP session of the router starts a new generation for every peer.
  feed(rec.advance(1).announce(NODE1, P), rec.routerDown(), rec.routerUp());
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P)), []);
});

void test('paths are per peer, path ID and RD; the key splits back into its parts', () => {
  const rec = new Rec();
  const { feed } = setup();
  feed(rec.routerUp(), rec.announce(NODE1, P, { pathId: 1 }), rec.announce(NODE1, P, { pathId: 2 }), rec.announce(NODE2, P));
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P, { pathId: 2 })), ['withdrawal']);
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE1, P, { pathId: 2 })), []);
  assert.deepEqual(feed(rec.advance(1).withdraw(NODE2, P)), ['withdrawal']);
  assert.deepEqual(pathKeyParts(pathKey('r', '10.0.0.1', '65000:1', 'ipv4-vpn', P, 7)), { router: 'r', peer: '10.0.0.1', rd: '65000:1', afiSafi: 'ipv4-vpn', prefix: P, pathId: 7 });
  assert.deepEqual(pathKeyParts(pathKey('r', '::1', null, 'ipv6-unicast', '2001:db8::/32', null)), { router: 'r', peer: '::1', rd: '', afiSafi: 'ipv6-unicast', prefix: '2001:db8::/32' });
});

void test("an LB IP moving between its cluster's nodes is no attribute change unless countLbMoves", () => {
  const inv = parseInventory(`clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    loadBalancerPools: [172.16.0.0/24]
    nodes:
      - { name: node1, address: 127.0.10.2, asn: 64512, podCIDRs: [10.244.1.0/24] }
      - { name: node2, address: 127.0.10.3, asn: 64513, podCIDRs: [10.244.2.0/24] }
`);
  const LB = '172.16.0.7/32';
  for (const countLbMoves of [false, true]) {
    const rec = new Rec();
    const { feed } = setup(inv, countLbMoves);
    feed(rec.routerUp(), rec.announce(NODE1, LB, { attrs: attrs({ as_path: [65001, 64512] }) }));
    assert.deepEqual(feed(rec.advance(1).announce(NODE1, LB, { attrs: attrs({ as_path: [65001, 64513] }) })), countLbMoves ? ['attribute-change'] : []);
    assert.deepEqual(feed(rec.advance(1).announce(NODE1, LB, { attrs: attrs({ as_path: [65001, 64999] }) })), ['attribute-change'], 'an origin outside the cluster is a change');
  }
});

void test("a peer's announced paths of the current session, for a Peer Down counted as their withdrawal", () => {
  const rec = new Rec();
  const { feed, presence } = setup();
  feed(rec.routerUp(), rec.announce(NODE1, ['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24']), rec.announce(NODE2, P));
  feed(rec.advance(1).withdraw(NODE1, '10.244.3.0/24'));
  assert.deepEqual([...presence.announcedOf('127.0.0.1', NODE1.address)].map(([k]) => pathKeyParts(k).prefix), ['10.244.1.0/24', '10.244.2.0/24']);
  feed(rec.advance(1).peerDown(NODE1, { reason: 1, notification: [6, 4] }));
  assert.deepEqual([...presence.announcedOf('127.0.0.1', NODE1.address)], [], 'none after the session ended');
});

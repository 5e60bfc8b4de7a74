/**
 * Live proof (issue 2) through the real collector: the FRR leaf and the same three GoBGP nodes
 * as routers-bmp.test.ts, but BMP goes to `ribwatch collector` (the CLI, as a process) and the
 * assertions are on its NDJSON records (records/types.ts): router_up/router_init, peer_up per node
 * with the OPEN summaries, route records per AFI/SAFI in adj-in-pre and adj-in-post equal to what
 * FRR shows, a withdrawal, peer_down 3 with Cease/Administrative Shutdown and the re-dump after
 * the next peer_up, and router_down "shutdown" when the collector stops.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BusRecord, PeerDownRecord, PeerUpRecord, RouteRecord } from '../../records/types.js';
import { CollectorProcess, Lab, skipUnlessLive, sleep, startFabric, waitFor } from './harness/index.js';
import type { Fabric } from './harness/index.js';
import { LEAF_AS, POLICY_COMMUNITY, announcePlan, fam, planForThisHost, sorted } from './plan.js';
import type { NodePlan } from './plan.js';

const skip = skipUnlessLive();
type Rib = 'adj-in-pre' | 'adj-in-post';
/** collector.dumpQuietSeconds: short, so that a dump window closes within the test. */
const QUIET_S = 3;
const AFI_SAFI = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' } as const;

/** Replays route records into per (peer, rib, afi_safi) tables: prefix → the record that announced it. */
function tables(records: readonly BusRecord[]): Map<string, Map<string, RouteRecord>> {
  const t = new Map<string, Map<string, RouteRecord>>();
  for (const r of records) {
    if (r.type !== 'route') continue;
    const k = `${r.peer.address}|${r.rib}|${r.afi_safi}`;
    let m = t.get(k);
    if (!m) t.set(k, (m = new Map<string, RouteRecord>()));
    for (const p of r.announced) m.set(p.prefix, r);
    for (const p of r.withdrawn) m.delete(p.prefix);
  }
  return t;
}
const prefixes = (t: Map<string, Map<string, RouteRecord>>, peer: string, rib: Rib, f: 'ipv4' | 'ipv6'): string[] => sorted(t.get(`${peer}|${rib}|${AFI_SAFI[f]}`)?.keys() ?? []);

void describe('FRR leaf + GoBGP nodes through `ribwatch collector` (NDJSON records)', { skip, timeout: 90_000 }, () => {
  const lab = new Lab('routers-collector');
  let plan: readonly NodePlan[] = [];
  let collector: CollectorProcess;
  let fabric: Fabric;
  const explain = (): string => `${collector.explain()}\n${fabric.leaf.explain()}\nrecords: ${collector.output}`;
  const waitRecords = <T>(what: string, pick: (r: BusRecord[]) => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(what, () => pick(collector.records()), { timeoutMs, explain });

  before(() =>
    lab.guard(async () => {
      plan = await planForThisHost((m) => console.error(`# ${m}`));
      // a short quiet period so that a re-dump ends within the test
      collector = await CollectorProcess.start(lab, { RIBWATCH_COLLECTOR_DUMP_QUIET_SECONDS: String(QUIET_S) });
      fabric = await startFabric(lab, {
        nodes: plan.map((p) => ({ index: p.index, asn: p.asn, ...(p.ipv6 ? { ipv6: true } : {}) })),
        bmp: { connect: [{ host: collector.host, port: collector.port }], statsIntervalMs: 1000 },
      });
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
      await announcePlan(fabric, plan);
    }),
  );

  after(() => lab.close());

  void it('opens the router session: router_up then router_init with the FRR hostname', () =>
    lab.guard(async () => {
      const recs = await waitRecords('router_init', (r) => r.some((x) => x.type === 'router_init') && r);
      const [up, init] = recs;
      assert.equal(up?.type, 'router_up');
      assert.ok(init?.type === 'router_init');
      assert.equal(init.sys_name, 'leaf1');
      assert.match(init.sys_descr ?? '', /FRRouting/);
      assert.equal(init.router, up.router);
      for (const r of recs) {
        assert.equal(r.v, 1);
        assert.equal(r.session, up.session, 'one BMP session');
      }
      assert.deepEqual(
        recs.map((r) => r.seq),
        recs.map((_, i) => i + 1),
        'seq from 1 without gaps',
      );
    }));

  void it('writes a peer_up per node with the ASN (4-byte too) and both OPENs', () =>
    lab.guard(async () => {
      const ups = await waitRecords('peer_up for every node', (r) => {
        const u = r.filter((x): x is PeerUpRecord => x.type === 'peer_up');
        return plan.every((p) => u.some((x) => x.peer.address === p.address)) && u;
      });
      for (const p of plan) {
        const up = ups.find((u) => u.peer.address === p.address);
        assert.ok(up);
        assert.equal(up.peer.asn, p.asn);
        assert.equal(up.peer.type, 'global');
        assert.equal(up.peer.bgp_id, `10.0.0.${p.index + 1}`);
        assert.equal(up.received_open.asn, p.asn);
        assert.equal(up.received_open.four_octet_as, true);
        assert.equal(up.sent_open.asn, LEAF_AS);
        assert.deepEqual(sorted(up.received_open.families).filter((f) => f.endsWith('unicast')), ['ipv4-unicast', 'ipv6-unicast']);
        assert.equal(up.local_port, fabric.bgpPort);
        assert.equal(up.reset, false);
      }
    }));

  void it('writes route records per AFI/SAFI in adj-in-pre and adj-in-post equal to FRR', () =>
    lab.guard(async () => {
      const rejected = new Set(plan.flatMap((p) => p.rejected.map((r) => r.prefix)));
      const frr = new Map<string, string[]>();
      for (const p of plan) {
        for (const f of ['ipv4', 'ipv6'] as const) {
          frr.set(`${p.address}|adj-in-pre|${f}`, (await fabric.leaf.receivedRoutes(p.address, f)).filter((x) => !rejected.has(x)));
          frr.set(`${p.address}|adj-in-post|${f}`, await fabric.leaf.acceptedRoutes(p.address, f));
        }
      }
      const t = await waitRecords('route records matching FRR', (recs) => {
        const tt = tables(recs);
        for (const p of plan)
          for (const rib of ['adj-in-pre', 'adj-in-post'] as const)
            for (const f of ['ipv4', 'ipv6'] as const) {
              if (prefixes(tt, p.address, rib, f).filter((x) => !rejected.has(x)).join() !== frr.get(`${p.address}|${rib}|${f}`)?.join()) return false;
            }
        return tt;
      });
      for (const p of plan) {
        for (const r of p.routes) {
          const f = fam(r.prefix);
          const pre = t.get(`${p.address}|adj-in-pre|${AFI_SAFI[f]}`)?.get(r.prefix);
          const post = t.get(`${p.address}|adj-in-post|${AFI_SAFI[f]}`)?.get(r.prefix);
          assert.ok(pre?.attributes && post?.attributes, `${r.prefix} in both ribs`);
          assert.equal(pre.afi_safi, AFI_SAFI[f]);
          assert.equal(pre.peer.asn, p.asn);
          assert.deepEqual(pre.announced.find((x) => x.prefix === r.prefix)?.path_id, null);
          assert.deepEqual(pre.attributes.as_path, [LEAF_AS, p.asn], 'FRR 8.4 prepends its own AS in Route Monitoring');
          assert.deepEqual(sorted(pre.attributes.communities), sorted(r.communities ?? []));
          assert.deepEqual(sorted(post.attributes.communities), sorted([...(r.communities ?? []), POLICY_COMMUNITY]));
          assert.deepEqual(sorted(pre.attributes.large_communities), sorted(r.largeCommunities ?? []));
          assert.deepEqual(sorted(post.attributes.large_communities), sorted(r.largeCommunities ?? []));
          assert.equal(pre.attributes.next_hop, r.nextHop);
          // FRR 8.4 encodes Route Monitoring like an eBGP UPDATE: no LOCAL_PREF, though its route-map set 200
          assert.equal(post.attributes.local_pref, null, 'FRR 8.4 omits LOCAL_PREF in Route Monitoring');
        }
      }
      // FRR's self peer (locally originated `network` routes): AS 0, post-policy only
      const recs = collector.records();
      const self = recs.filter((r): r is RouteRecord => r.type === 'route' && r.peer.asn === 0);
      assert.ok(self.some((r) => r.rib === 'adj-in-post' && r.announced.some((x) => x.prefix === '0.0.0.0/0')), 'self peer 0.0.0.0/0');
      assert.ok(self.some((r) => r.rib === 'adj-in-post' && r.announced.some((x) => x.prefix === '::/0')), 'self peer ::/0');
      // FRR sends a Statistics Report per established peer every `bmp stats interval` (1 s here):
      // the first may still be on its way when the routes are (seen once in a CI run).
      await waitRecords('a stats record with counters', (rs) => rs.some((r) => r.type === 'stats' && r.counters.length > 0), 10_000);
    }));

  void it('writes withdrawals, outside any dump, when a node deletes a route', () =>
    lab.guard(async () => {
      // let node1's dump window close: QUIET_S without route records from it (collector time)
      const lastRoute = Math.max(...collector.records().filter((r) => r.type === 'route' && r.peer.address === '127.0.10.2').map((r) => Date.parse(r.time)));
      await sleep(Math.max(0, lastRoute + QUIET_S * 1000 + 500 - Date.now()));
      const before = collector.records().length;
      await fabric.node(1).delRoute('172.16.0.11/32');
      const w = await waitRecords('withdrawals of 172.16.0.11/32 in both ribs', (recs) => {
        const x = recs.slice(before).filter((r): r is RouteRecord => r.type === 'route' && r.peer.address === '127.0.10.2' && r.withdrawn.some((p) => p.prefix === '172.16.0.11/32'));
        return new Set(x.map((r) => r.rib)).size === 2 && x;
      });
      for (const r of w) {
        assert.equal(r.afi_safi, 'ipv4-unicast');
        assert.equal(r.attributes, null, 'a withdraw-only record');
        assert.equal(r.dump, false, 'live churn, not a dump');
      }
    }));

  void it('writes peer_down 3 with Cease/Administrative Shutdown, then peer_up and a re-dump', () =>
    lab.guard(async () => {
      const node = fabric.node(2);
      const before = collector.records().length;
      await node.disableNeighbor();
      const down = await waitRecords('peer_down for node2', (r) => r.slice(before).find((x): x is PeerDownRecord => x.type === 'peer_down' && x.peer.address === '127.0.10.3'), 15_000);
      assert.equal(down.reason, 3);
      assert.equal(down.peer.asn, 4200000002);
      assert.equal(down.was_up, true);
      assert.deepEqual([down.notification?.code, down.notification?.subcode], [6, 2]);
      assert.match(`${down.notification?.code_name} ${down.notification?.subcode_name}`, /cease.*administrative shutdown/i);
      await node.enableNeighbor();
      await node.waitEstablished(30_000);
      const after = await waitRecords(
        'peer_up and node2 routes again',
        (r) => {
          const tail = r.filter((x) => x.seq > down.seq && x.session === down.session);
          const up = tail.find((x): x is PeerUpRecord => x.type === 'peer_up' && x.peer.address === '127.0.10.3');
          if (!up) return false;
          const routes = tail.slice(tail.indexOf(up)).filter((x): x is RouteRecord => x.type === 'route' && x.peer.address === '127.0.10.3' && x.rib === 'adj-in-post');
          const got = sorted(routes.flatMap((x) => x.announced.map((p) => p.prefix)));
          const want = sorted((plan.find((p) => p.index === 2)?.routes ?? []).map((x) => x.prefix));
          return want.every((p) => got.includes(p)) && { up, routes };
        },
        30_000,
      );
      assert.equal(after.up.reset, false, 'a Peer Up after a Peer Down is not a reset');
      assert.ok(after.routes.every((r) => r.dump), 'routes right after the Peer Up are a re-dump');
    }));

  void it('ends with router_down "shutdown" when the collector stops', () =>
    lab.guard(async () => {
      assert.equal(await collector.stop(), 0, 'clean exit');
      const recs = collector.records();
      const last = recs.at(-1);
      assert.ok(last?.type === 'router_down');
      assert.equal(last.cause, 'shutdown');
      const sessions = new Set(recs.map((r) => r.session));
      assert.equal(sessions.size, 1);
      assert.deepEqual(
        recs.map((r) => r.seq),
        recs.map((_, i) => i + 1),
        'seq 1..N without gaps across the whole session',
      );
    }));
});

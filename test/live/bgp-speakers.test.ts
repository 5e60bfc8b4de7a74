/**
 * Live proof (issue 14): real speakers peer over BGP with ribwatch's receive-only speaker, run as
 * a user runs it (`ribwatch collector` with bgp.listen, records as NDJSON), and what ribwatch
 * records equals what each speaker's own CLI says it advertises to ribwatch:
 *   - FRR (`show bgp ... neighbors X advertised-routes json`), IPv4 and IPv6 over one session,
 *     with its hostname capability as the router's sys_name;
 *   - GoBGP with ADD-PATH send: two paths for one prefix give two routes with distinct path_id
 *     (`gobgp -j global rib`);
 * plus a withdrawal, End-of-RIB per family, and a reset (FRR `clear bgp`) giving peer_down with
 * FRR's NOTIFICATION and a new session.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BusRecord, PeerDownRecord, PeerUpRecord, RouteRecord } from '../../records/types.js';
import { bgpTable } from './bgp-records.js';
import { CollectorProcess, FrrRouter, GobgpNode, Lab, freePort, freePorts, skipUnlessLive, waitFor } from './harness/index.js';

const skip = skipUnlessLive();
const OUR_AS = 65099;

const prefixesOf = (m: Map<string, RouteRecord>): string[] => [...new Set([...m.keys()].map((k) => k.split('|')[0]!))].sort();

void describe('FRR and GoBGP peering with ribwatch over BGP (`ribwatch collector`, bgp.listen)', { skip, timeout: 120_000 }, () => {
  const lab = new Lab('bgp-speakers');
  let collector: CollectorProcess;
  let bgpPort = 0;
  let frr: FrrRouter;
  let gobgp: GobgpNode;
  const FRR_ADDR = '127.0.41.1';
  const GOBGP_ADDR = '127.0.41.2';
  const explain = (): string => `${collector.explain()}\n${frr?.explain() ?? ''}\n${gobgp?.explain() ?? ''}`;
  const waitRecords = <T>(what: string, pick: (r: BusRecord[]) => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(what, () => pick(collector.records()), { timeoutMs, explain });

  before(() =>
    lab.guard(async () => {
      bgpPort = await freePort('127.0.0.1');
      collector = await CollectorProcess.start(lab, {
        RIBWATCH_BGP_LISTEN: `127.0.0.1:${bgpPort}`,
        RIBWATCH_BGP_ASN: String(OUR_AS),
        RIBWATCH_BGP_NEIGHBORS: '[{address: 127.0.0.0/8, asn: any}]',
        RIBWATCH_BGP_DUMP_QUIET_SECONDS: '2',
      });
      const [frrPort = 0, apiPort = 0] = [await freePort(FRR_ADDR), ...(await freePorts(1))];
      frr = await FrrRouter.start(lab, {
        hostname: 'edge1',
        asn: 65010,
        routerId: '10.0.41.1',
        listen: [FRR_ADDR],
        port: frrPort,
        neighbors: [{ address: '127.0.0.1', remoteAs: OUR_AS, passive: false, port: bgpPort, updateSource: FRR_ADDR, inboundPolicy: false }],
        networks: ['10.244.1.0/24', '10.244.2.0/24', '198.51.100.0/24', '2001:db8:244::/48', '2001:db8:245::/48'],
      });
      gobgp = await GobgpNode.start(lab, {
        name: 'node1',
        asn: 65020,
        routerId: '10.0.41.2',
        localAddress: GOBGP_ADDR,
        neighbor: '127.0.0.1',
        neighborAs: OUR_AS,
        neighborPort: bgpPort,
        apiPort,
        families: ['ipv4-unicast'],
        addPaths: { sendMax: 2 },
      });
      await frr.waitEstablished('127.0.0.1');
      await gobgp.waitEstablished();
      // Two paths for one prefix (ADD-PATH identifiers 1 and 2), and one plain route.
      await gobgp.addRoute({ prefix: '10.245.0.0/24', nextHop: '192.0.2.21', identifier: 1, communities: ['65020:1'] });
      await gobgp.addRoute({ prefix: '10.245.0.0/24', nextHop: '192.0.2.22', identifier: 2, communities: ['65020:2'] });
      await gobgp.addRoute({ prefix: '10.245.1.0/24', nextHop: '192.0.2.21' });
    }),
  );

  after(() => lab.close());

  void it('FRR appears as router bgp:<its address> with its hostname, a peer_up with both OPENs, and feed "bgp"', () =>
    lab.guard(async () => {
      const router = `bgp:${FRR_ADDR}`;
      const recs = await waitRecords('FRR peer_up', (r) => r.some((x) => x.type === 'peer_up' && x.router === router) && r.filter((x) => x.router === router));
      const [up, init, peerUp] = recs;
      assert.equal(up?.type, 'router_up');
      assert.ok(init?.type === 'router_init');
      assert.equal(init.sys_name, 'edge1', 'hostname capability as sys_name');
      assert.ok(peerUp?.type === 'peer_up');
      const pu = peerUp;
      assert.equal(pu.peer.address, FRR_ADDR);
      assert.equal(pu.peer.asn, 65010);
      assert.equal(pu.peer.bgp_id, '10.0.41.1');
      assert.equal(pu.received_open.asn, 65010);
      assert.equal(pu.sent_open.asn, OUR_AS);
      assert.ok(pu.received_open.families.includes('ipv6-unicast'));
      for (const r of recs) {
        assert.equal(r.feed, 'bgp');
        assert.equal(r.session, up.session);
      }
      assert.deepEqual(recs.map((r) => r.seq), recs.map((_, i) => i + 1));
    }),
  );

  void it("FRR's routes, IPv4 and IPv6, equal what `vtysh show bgp ... advertised-routes json` says it sends ribwatch", () =>
    lab.guard(async () => {
      const router = `bgp:${FRR_ADDR}`;
      for (const [afi, name] of [['ipv4', 'ipv4-unicast'], ['ipv6', 'ipv6-unicast']] as const) {
        const j = await frr.json<{ advertisedRoutes?: Record<string, unknown> }>(`show bgp ${afi} unicast neighbors 127.0.0.1 advertised-routes json`);
        const advertised = Object.keys(j.advertisedRoutes ?? {}).sort();
        assert.ok(advertised.length >= 2, `FRR advertises ${afi} routes`);
        await waitRecords(`${afi} routes equal FRR's`, (r) => JSON.stringify(prefixesOf(bgpTable(r, router, name))) === JSON.stringify(advertised) || undefined);
        const t = bgpTable(collector.records(), router, name);
        for (const rec of t.values()) {
          assert.equal(rec.rib, 'adj-in-post');
          assert.deepEqual(rec.attributes?.as_path, [65010]);
        }
        await waitRecords(`End-of-RIB ${name}`, (r) => r.some((x) => x.type === 'end_of_rib' && x.router === router && x.afi_safi === name));
      }
    }),
  );

  void it('GoBGP with ADD-PATH sends two paths for one prefix: two routes with distinct path_id, equal to `gobgp -j global rib`', () =>
    lab.guard(async () => {
      const router = `bgp:${GOBGP_ADDR}`;
      const rib = await gobgp.rib('ipv4');
      const expected = Object.entries(rib)
        .flatMap(([prefix, paths]) => paths.map(() => prefix))
        .sort();
      assert.equal(expected.filter((p) => p === '10.245.0.0/24').length, 2, 'GoBGP holds two paths');
      const t = await waitRecords('GoBGP routes', (r) => {
        const m = bgpTable(r, router, 'ipv4-unicast');
        return [...m.keys()].map((k) => k.split('|')[0]!).sort().join() === expected.join() && m;
      });
      const ids = [...t.keys()].filter((k) => k.startsWith('10.245.0.0/24|')).map((k) => Number(k.split('|')[1]));
      assert.equal(new Set(ids).size, 2, 'distinct path ids');
      for (const id of ids) assert.ok(Number.isInteger(id));
      const hops = [...t.entries()].filter(([k]) => k.startsWith('10.245.0.0/24|')).map(([, r]) => r.attributes?.next_hop).sort();
      assert.deepEqual(hops, ['192.0.2.21', '192.0.2.22']);
      const up = collector.records().find((r): r is PeerUpRecord => r.type === 'peer_up' && r.router === router);
      assert.equal(up?.received_open.add_path['ipv4-unicast'], 'send');
    }),
  );

  void it('a route FRR stops advertising is withdrawn', () =>
    lab.guard(async () => {
      const router = `bgp:${FRR_ADDR}`;
      await frr.configure('router bgp 65010', 'address-family ipv4 unicast', 'no network 198.51.100.0/24');
      await waitRecords('withdrawal of 198.51.100.0/24', (r) => r.some((x) => x.type === 'route' && x.router === router && x.withdrawn.some((p) => p.prefix === '198.51.100.0/24')));
      assert.ok(!prefixesOf(bgpTable(collector.records(), router, 'ipv4-unicast')).includes('198.51.100.0/24'));
    }),
  );

  void it('a reset by FRR (`clear bgp`) gives peer_down with its Cease NOTIFICATION, router_down, then a new session with the routes again', () =>
    lab.guard(async () => {
      const router = `bgp:${FRR_ADDR}`;
      const firstSession = collector.records().find((r) => r.type === 'router_up' && r.router === router)?.session;
      await frr.vtysh('clear bgp 127.0.0.1');
      const down = await waitRecords('peer_down after clear', (r) => r.find((x): x is PeerDownRecord => x.type === 'peer_down' && x.router === router));
      assert.equal(down.session, firstSession);
      assert.equal(down.reason, 3, 'remote-notification');
      assert.equal(down.notification?.code, 6);
      assert.equal(down.notification?.code_name, 'Cease');
      const rd = await waitRecords('router_down', (r) => r.find((x) => x.type === 'router_down' && x.router === router));
      assert.equal(rd.session, firstSession);
      const ups = await waitRecords('a second session', (r) => {
        const u = r.filter((x) => x.type === 'peer_up' && x.router === router);
        return u.length >= 2 && u;
      }, 30_000);
      assert.notEqual(ups[1]!.session, firstSession);
      await waitRecords('routes of the new session', (r) => r.some((x) => x.type === 'route' && x.session === ups[1]!.session && x.announced.length > 0));
    }),
  );
});

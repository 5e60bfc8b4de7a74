/**
 * Live proof (issue 2): a real FRR 8.4 leaf with three real GoBGP "Cilium nodes" (one with a
 * 4-byte ASN, one peering over IPv6 ::1) exports BMP to a TCP station in this test; the raw bytes
 * are decoded with @ribwatch/bmp-parser and must say exactly what FRR and GoBGP themselves say.
 *
 * FRR 8.4 quirks asserted as such (docs/router-quirks.md §3):
 * - Route Monitoring AS paths carry FRR's own AS in front (65001 64512 for a path FRR shows as 64512);
 * - the inbound route-map's community (65001:1000) is in post-policy only;
 * - a prefix rejected by inbound policy goes out live as a withdrawal (pre and post), never as a
 *   post-policy announcement;
 * - `network` routes come from a self peer 0.0.0.0 / AS 0, post-policy, with no Peer Up;
 * - LOCAL_PREF is never in Route Monitoring, though the inbound route-map sets it (found here).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BmpMessage, PeerDown, PeerUp } from '@ribwatch/bmp-parser';
import { BmpCaptureServer, BmpRibs, Lab, gobgpCommunities, skipUnlessLive, startFabric, summarize, waitFor, waitMessages } from './harness/index.js';
import type { BmpConnection, Fabric, GobgpNode, NodeRoute } from './harness/index.js';
import { LEAF_AS, POLICY_COMMUNITY, announcePlan, fam, planForThisHost, sorted } from './plan.js';
import type { NodePlan } from './plan.js';

const skip = skipUnlessLive();
function peerUps(msgs: BmpMessage[]): PeerUp[] {
  return msgs.filter((m): m is PeerUp => m.type === 3);
}

void describe('FRR leaf + GoBGP nodes export BMP to a raw TCP station', { skip, timeout: 90_000 }, () => {
  const lab = new Lab('routers-bmp');
  let plan: readonly NodePlan[] = [];
  let cap: BmpCaptureServer;
  let fabric: Fabric;
  let conn: BmpConnection;
  let borderConn: BmpConnection;
  const explain = (): string => `${summarize(conn)}\n${fabric.leaf.explain()}`;

  before(async () => {
    await lab.guard(async () => {
      plan = await planForThisHost((m) => console.error(`# ${m}`));
      cap = await BmpCaptureServer.start(lab.path('leaf1'));
      fabric = await startFabric(lab, {
        nodes: plan.map((p) => ({ index: p.index, asn: p.asn, ...(p.ipv6 ? { ipv6: true } : {}) })),
        bmp: { connect: [{ host: cap.host, port: cap.port }], statsIntervalMs: 1000 },
        // a second router: the border (AS 65000), which the leaf peers with, exports BMP to the same station
        border: { bmp: { connect: [{ host: cap.host, port: cap.port }] } },
      });
      // both routers connect from 127.0.0.1 (FRR 8.4 without zebra cannot bind a BMP source address): tell them apart by sysName
      const bySysName = async (name: string): Promise<BmpConnection> =>
        waitFor(`a BMP session whose Initiation says ${name}`, () => cap.connections.find((c) => c.messages[0]?.msg?.type === 4 && c.messages[0].msg.sysName === name), {
          timeoutMs: 15_000,
          explain: () => `${cap.connections.map(summarize).join('\n')}\n${fabric.leaf.explain()}`,
        });
      conn = await bySysName('leaf1');
      borderConn = await bySysName('border1');
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
      await announcePlan(fabric, plan);
    });
  });

  after(async () => {
    await cap?.close();
    await lab.close();
  });

  void it('starts with an Initiation naming the FRR router', () =>
    lab.guard(async () => {
      const first = await waitMessages(conn, 'an Initiation', (m) => m[0], 10_000);
      assert.equal(first.type, 4, 'the first BMP message is the Initiation');
      assert.equal(first.sysName, 'leaf1');
      assert.match(first.sysDescr ?? '', /FRRouting/);
      assert.deepEqual(conn.errors, [], 'no decode errors');
    }));

  void it('sends a Peer Up per node with its ASN (4-byte too) and both OPENs', () =>
    lab.guard(async () => {
      const ups = await waitMessages(conn, 'a Peer Up per node', (m) => {
        const u = peerUps(m);
        return plan.every((p) => u.some((x) => x.peer.address === p.address)) && u;
      });
      for (const p of plan) {
        const up = ups.find((u) => u.peer.address === p.address);
        assert.ok(up, `Peer Up for ${p.address}`);
        assert.equal(up.peer.peerType, 0, 'FRR only sends Global instance peers');
        assert.equal(up.peer.asn, p.asn, `per-peer header ASN of ${p.address}`);
        assert.equal(up.peer.bgpId, `10.0.0.${p.index + 1}`);
        assert.equal(Boolean(up.peer.flags & 0x80), Boolean(p.ipv6), `V flag for ${p.address}`);
        assert.equal(up.receivedOpen.asn, p.asn, 'received OPEN: the node');
        assert.equal(up.receivedOpen.capabilities.fourOctetAs, p.asn);
        assert.equal(up.receivedOpen.myAs, p.asn > 65535 ? 23456 : p.asn, 'My AS is AS_TRANS for a 4-byte ASN');
        assert.equal(up.sentOpen.asn, LEAF_AS, 'sent OPEN: the leaf');
        assert.equal(up.sentOpen.bgpId, '10.0.0.1');
        assert.equal(up.localAddress, p.ipv6 ? '::1' : '127.0.10.1');
        assert.equal(up.localPort, fabric.bgpPort, 'the leaf side of the session is its listen port');
        for (const open of [up.sentOpen, up.receivedOpen]) {
          const fams = open.capabilities.multiprotocol.map((m) => `${m.afi}/${m.safi}`);
          assert.ok(fams.includes('1/1') && fams.includes('2/1'), `both unicast families in ${JSON.stringify(fams)}`);
        }
      }
    }));

  void it('carries the nodes routes pre- and post-policy exactly as FRR and GoBGP hold them', () =>
    lab.guard(async () => {
      // FRR's own view of every session, before (received-routes) and after (routes) policy
      const frr = new Map<string, { pre: string[]; post: string[] }>();
      for (const p of plan) {
        for (const f of ['ipv4', 'ipv6'] as const) {
          frr.set(`${p.address}|${f}`, { pre: await fabric.leaf.receivedRoutes(p.address, f), post: await fabric.leaf.acceptedRoutes(p.address, f) });
        }
      }
      const rejected = new Set(plan.flatMap((p) => p.rejected.map((r) => r.prefix)));
      // wait until the feed has caught up with FRR's tables
      const ribs = await waitMessages(
        conn,
        'BMP pre/post tables equal to FRR received-routes/routes',
        (m) => {
          const r = new BmpRibs(m);
          for (const p of plan) {
            for (const f of ['ipv4', 'ipv6'] as const) {
              const want = frr.get(`${p.address}|${f}`);
              if (!want) return false;
              if (r.prefixes(p.address, 'post', f).join() !== want.post.join()) return false;
              const preWant = want.pre.filter((x) => !rejected.has(x));
              if (r.prefixes(p.address, 'pre', f).filter((x) => !rejected.has(x)).join() !== preWant.join()) return false;
            }
          }
          return r;
        },
        20_000,
        () => `FRR: ${JSON.stringify(Object.fromEntries(frr))}`,
      );

      for (const p of plan) {
        const node = fabric.node(p.index);
        // what the node itself originated, per GoBGP (paths without a neighbor are local)
        const local = new Map<string, string>();
        for (const f of ['ipv4', 'ipv6'] as const) {
          for (const [prefix, paths] of Object.entries(await node.rib(f))) if (paths.some((x) => !x['neighbor-ip'])) local.set(prefix, f);
        }
        const accepted = p.routes.map((r) => r.prefix);
        assert.deepEqual(sorted(local.keys()), sorted([...accepted, ...p.rejected.map((r) => r.prefix)]), `${node.name} global rib`);
        for (const f of ['ipv4', 'ipv6'] as const) {
          const want = frr.get(`${p.address}|${f}`);
          assert.ok(want);
          assert.deepEqual(want.post, sorted(accepted.filter((x) => fam(x) === f)), `FRR accepted from ${p.address} (${f})`);
          assert.deepEqual(ribs.prefixes(p.address, 'post', f), want.post, `BMP post-policy ${p.address} ${f} = FRR routes`);
          assert.deepEqual(
            ribs.prefixes(p.address, 'pre', f).filter((x) => !rejected.has(x)),
            want.pre.filter((x) => !rejected.has(x)),
            `BMP pre-policy ${p.address} ${f} = FRR received-routes`,
          );
        }
        for (const r of p.routes) await checkAttributes(node, p, r, ribs);
        for (const r of p.rejected) {
          assert.ok((await fabric.leaf.receivedRoutes(p.address, fam(r.prefix))).includes(r.prefix), `FRR received ${r.prefix} before policy`);
          assert.ok(!ribs.announcements.some((a) => a.view === 'post' && a.route.prefix === r.prefix), `${r.prefix} never announced post-policy`);
          // FRR 8.4: the live pre-policy message for a policy-rejected prefix is a withdrawal (fixed upstream in 2026)
          const preAnnounced = ribs.announcements.some((a) => a.view === 'pre' && a.route.prefix === r.prefix);
          const preWithdrawn = ribs.withdrawals.some((w) => w.view === 'pre' && w.prefix === r.prefix);
          assert.ok(preAnnounced || preWithdrawn, `${r.prefix} shows up pre-policy (announced, or withdrawn by the FRR 8.4 quirk)`);
        }
      }

      // FRR's whole table (`show bgp <afi> unicast json`) is exactly the union of every peer's
      // post-policy view in the feed, the self peer's included
      for (const f of ['ipv4', 'ipv6'] as const) {
        const table = sorted(Object.keys(await fabric.leaf.table(f)));
        const fromBmp = sorted(new Set(ribs.peers().flatMap((peer) => ribs.prefixes(peer, 'post', f))));
        assert.deepEqual(fromBmp, table, `FRR ${f} table = union of BMP post-policy views`);
      }

      // FRR's locally originated `network` routes: self peer 0.0.0.0 / AS 0, post-policy, no Peer Up
      const msgs = conn.decoded();
      const selfRm = msgs.filter((m) => m.type === 0 && m.peer.asn === 0);
      assert.ok(selfRm.length > 0, 'route monitoring from the AS 0 self peer');
      for (const m of selfRm) assert.ok(m.type === 0 && m.peer.flags & 0x40, 'self peer routes are post-policy');
      const selfPrefixes = new Set(['0.0.0.0', '::'].flatMap((a) => [...ribs.prefixes(a, 'post', 'ipv4'), ...ribs.prefixes(a, 'post', 'ipv6')]));
      assert.ok(selfPrefixes.has('0.0.0.0/0'), `0.0.0.0/0 from the self peer (${[...selfPrefixes].join(', ')})`);
      assert.ok(selfPrefixes.has('::/0'), '::/0 from the self peer');
      assert.ok(!peerUps(msgs).some((u) => u.peer.asn === 0), 'no Peer Up for the self peer');

      const stats = await waitMessages(conn, 'a Statistics Report', (m) => m.find((x) => x.type === 1), 5_000);
      assert.ok(stats.type === 1 && stats.counters.length > 0, 'statistics counters');
    }));

  async function checkAttributes(node: GobgpNode, p: NodePlan, r: NodeRoute, ribs: BmpRibs): Promise<void> {
    const [frrPath] = (await fabric.leaf.prefixPaths(r.prefix)).filter((x) => x.peer?.peerId === p.address);
    assert.ok(frrPath, `FRR has ${r.prefix} from ${p.address}`);
    const pre = ribs.route(p.address, 'pre', r.prefix);
    const post = ribs.route(p.address, 'post', r.prefix);
    assert.ok(pre && post, `${r.prefix} pre and post in BMP`);
    const frrAsPath = (frrPath.aspath?.string ?? '').split(' ').filter(Boolean).map(Number);
    assert.deepEqual(frrAsPath, [p.asn], `FRR's AS path for ${r.prefix}`);
    // FRR 8.4 quirk: its own AS in front of the received AS path, in both views
    for (const v of [pre, post]) assert.deepEqual(v.asPath, [LEAF_AS, ...frrAsPath], `BMP AS path of ${r.prefix} (FRR prepends 65001)`);
    // GoBGP's view of what it sent
    const gob = (await node.rib(fam(r.prefix)))[r.prefix]?.find((x) => !x['neighbor-ip']);
    assert.ok(gob, `${node.name} has ${r.prefix}`);
    const gobComms = gobgpCommunities(gob);
    assert.deepEqual(sorted(pre.communities), sorted(gobComms), `pre-policy communities of ${r.prefix} = what ${node.name} sent`);
    assert.deepEqual(sorted(pre.communities), sorted(r.communities ?? []));
    const frrComms = frrPath.community?.list ?? [];
    assert.deepEqual(sorted(post.communities), sorted(frrComms), `post-policy communities of ${r.prefix} = FRR's`);
    assert.deepEqual(sorted(post.communities), sorted([...(r.communities ?? []), POLICY_COMMUNITY]), 'post-policy adds the inbound route-map community');
    assert.ok(!pre.communities.includes(POLICY_COMMUNITY), 'pre-policy has no route-map community');
    const large = sorted(r.largeCommunities ?? []);
    assert.deepEqual(sorted(pre.largeCommunities), large, `pre-policy large communities of ${r.prefix}`);
    assert.deepEqual(sorted(post.largeCommunities), sorted(frrPath.largeCommunity?.list ?? []), `post-policy large communities = FRR's`);
    assert.equal(pre.nextHop, r.nextHop, `next hop of ${r.prefix} unchanged`);
    // FRR 8.4 encodes Route Monitoring like an outbound eBGP UPDATE (hence the prepend): LOCAL_PREF,
    // which its inbound route-map set to 200, is left out even post-policy
    assert.equal(frrPath.locPrf ?? frrPath.localpref, 200, "FRR's own local-pref");
    assert.equal(post.localPref, null, 'no LOCAL_PREF in FRR 8.4 Route Monitoring');
    assert.equal(pre.pathId, null, 'no ADD-PATH');
  }

  void it('reports a withdrawal when a node deletes a route', () =>
    lab.guard(async () => {
      const node = fabric.node(1);
      const from = conn.messages.length;
      await node.delRoute('172.16.0.11/32');
      await waitFor('FRR drops 172.16.0.11/32', async () => (await fabric.leaf.acceptedRoutes('127.0.10.2', 'ipv4')).join() === '10.244.1.0/24', { timeoutMs: 10_000, explain });
      const views = await waitMessages(conn, 'pre and post withdrawals of 172.16.0.11/32', () => {
        const r = new BmpRibs(conn.messages.slice(from).flatMap((m) => (m.msg ? [m.msg] : [])));
        const v = new Set(r.withdrawals.filter((w) => w.peer === '127.0.10.2' && w.prefix === '172.16.0.11/32').map((w) => w.view));
        return v.has('pre') && v.has('post') && r;
      });
      assert.equal(views.announcements.length, 0, 'a withdrawal, not an update');
      const all = new BmpRibs(conn.decoded());
      assert.equal(all.route('127.0.10.2', 'pre', '172.16.0.11/32'), undefined);
      assert.equal(all.route('127.0.10.2', 'post', '172.16.0.11/32'), undefined);
      assert.deepEqual(all.prefixes('127.0.10.2', 'post', 'ipv4'), await fabric.leaf.acceptedRoutes('127.0.10.2', 'ipv4'));
    }));

  void it('reports Peer Down 3 with Cease/Administrative Shutdown on `neighbor disable`, then Peer Up and a re-dump', () =>
    lab.guard(async () => {
      const node = fabric.node(2);
      const from = conn.messages.length;
      const since = (): BmpMessage[] => conn.messages.slice(from).flatMap((m) => (m.msg ? [m.msg] : []));
      await node.disableNeighbor();
      const down = await waitMessages(conn, 'Peer Down for 127.0.10.3', () => since().find((m): m is PeerDown => m.type === 2 && m.peer.address === '127.0.10.3'), 15_000);
      assert.equal(down.reason, 3, 'remote system closed with a NOTIFICATION');
      assert.equal(down.peer.asn, 4200000002);
      assert.ok(down.notification, 'the NOTIFICATION is included');
      assert.equal(down.notification.code, 6, 'Cease');
      assert.equal(down.notification.subcode, 2, 'Administrative Shutdown');
      await node.enableNeighbor();
      await node.waitEstablished(30_000);
      const up = await waitMessages(conn, 'Peer Up for 127.0.10.3 after the Peer Down', () => since().find((m): m is PeerUp => m.type === 3 && m.peer.address === '127.0.10.3'), 20_000);
      assert.equal(up.peer.asn, 4200000002);
      const node2 = plan.find((p) => p.index === 2);
      assert.ok(node2);
      const v4 = sorted(node2.routes.filter((r) => fam(r.prefix) === 'ipv4').map((r) => r.prefix));
      await waitMessages(conn, 'node2 routes re-announced post-policy after the Peer Up', () => {
        const msgs = since();
        const r = new BmpRibs(msgs.slice(msgs.indexOf(up)));
        return r.prefixes('127.0.10.3', 'post', 'ipv4').join() === v4.join();
      });
      const downIdx = since().indexOf(down);
      const upIdx = since().indexOf(up);
      assert.ok(downIdx < upIdx, 'Peer Down before Peer Up');
    }));

  void it('shows, from a second router (the border), the leaf as a peer with the nodes routes behind it', () =>
    lab.guard(async () => {
      const border = fabric.border;
      assert.ok(border);
      await border.waitEstablished('127.0.10.1', 20_000);
      const up = await waitMessages(borderConn, 'Peer Up for the leaf on the border', (m) => peerUps(m).find((u) => u.peer.address === '127.0.10.1'));
      assert.equal(up.peer.asn, LEAF_AS);
      assert.equal(up.sentOpen.asn, 65000);
      const want = { ipv4: await border.receivedRoutes('127.0.10.1', 'ipv4'), ipv6: await border.receivedRoutes('127.0.10.1', 'ipv6') };
      assert.ok(want.ipv4.includes('10.244.2.0/24') && want.ipv6.includes('2001:db8:244:2::/64'), `the border learned the pod CIDRs: ${JSON.stringify(want)}`);
      const ribs = await waitMessages(borderConn, "the border's BMP pre-policy = its received-routes from the leaf", (m) => {
        const r = new BmpRibs(m);
        return r.prefixes('127.0.10.1', 'pre', 'ipv4').join() === want.ipv4.join() && r.prefixes('127.0.10.1', 'pre', 'ipv6').join() === want.ipv6.join() && r;
      });
      const pod = ribs.route('127.0.10.1', 'pre', '10.244.2.0/24');
      assert.ok(pod);
      // the border prepends its own AS too (FRR 8.4), in front of leaf and node
      assert.deepEqual(pod.asPath, [65000, LEAF_AS, 4200000002]);
      assert.equal(pod.nextHop, '10.0.0.1', "the leaf's outbound next hop");
      assert.deepEqual(borderConn.errors, []);
    }));
});

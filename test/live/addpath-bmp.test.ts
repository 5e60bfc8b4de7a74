/**
 * Live ADD-PATH (RFC 7911) over BMP, both routers as exporters.
 *
 * Topology: node1 (ADD-PATH send+receive) advertises the anycast LB 172.16.0.100/32 twice (two
 * next hops, two path IDs), node2 advertises it once; the leaf sends all three paths to node3
 * (`addpath-tx-all-paths`, node3 receives), and node3 exports BMP (policy all).
 *
 * What the routers do (asserted as found, FRR 8.4.4 / GoBGP 3.10):
 * - FRR's Peer Up OPENs show ADD-PATH negotiated with node1 (node1 send+receive, FRR receive),
 *   FRR holds both of node1's paths with their RX path IDs, but FRR's Route Monitoring encodes
 *   them WITHOUT path identifiers: two pre-policy announcements of the same prefix that a
 *   collector cannot tell apart. The decoder sees the OPENs say ADD-PATH, the NLRI say otherwise,
 *   and trial-parses (addPathGuessed).
 * - GoBGP's pre-policy Route Monitoring is the UPDATE as received, path IDs included: the three
 *   paths with FRR's TX path IDs. Its post-policy and Loc-RIB messages carry no path IDs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BgpOpen, PeerUp, RouteMonitoring } from '@ribwatch/bmp-parser';
import { BmpCaptureServer, BmpRibs, Lab, skipUnlessLive, startFabric, updateNlri, waitFor, waitMessages } from './harness/index.js';
import type { BmpConnection, Fabric } from './harness/index.js';

const skip = skipUnlessLive();
const ANYCAST = '172.16.0.100/32';

function addPath(open: BgpOpen, afi: number, safi: number): number {
  return open.capabilities.addPath.find((a) => a.afi === afi && a.safi === safi)?.sendReceive ?? 0;
}

function rmFor(conn: BmpConnection, peer: string, prefix: string): RouteMonitoring[] {
  return conn.decoded().filter((m): m is RouteMonitoring => m.type === 0 && m.peer.address === peer && !!m.update && updateNlri(m.update).announced.some((r) => r.prefix === prefix));
}

void describe('ADD-PATH through BMP from FRR and GoBGP', { skip, timeout: 90_000 }, () => {
  const lab = new Lab('addpath-bmp');
  let frrCap: BmpCaptureServer;
  let gobgpCap: BmpCaptureServer;
  let fabric: Fabric;
  let frrConn: BmpConnection;
  let gobgpConn: BmpConnection;

  before(() =>
    lab.guard(async () => {
      frrCap = await BmpCaptureServer.start(lab.path('leaf1'));
      gobgpCap = await BmpCaptureServer.start(lab.path('node3'));
      fabric = await startFabric(lab, {
        nodes: [
          { index: 1, asn: 64512, addPaths: { receive: true, sendMax: 8 } },
          { index: 2, asn: 64514 },
          { index: 3, asn: 64515, addPaths: { receive: true }, leafSide: { addpathTxAllPaths: true }, bmpServers: [{ host: gobgpCap.host, port: gobgpCap.port, policy: 'all' }] },
        ],
        bmp: { connect: [{ host: frrCap.host, port: frrCap.port }] },
      });
      frrConn = await frrCap.waitConnection(1, 15_000, () => fabric.leaf.explain());
      gobgpConn = await gobgpCap.waitConnection(1, 15_000, () => fabric.node(3).explain());
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
      await fabric.node(1).addRoute({ prefix: ANYCAST, nextHop: '10.0.0.2', identifier: 1 });
      await fabric.node(1).addRoute({ prefix: ANYCAST, nextHop: '10.0.0.22', identifier: 2 });
      await fabric.node(2).addRoute({ prefix: ANYCAST, nextHop: '10.0.0.3' });
      await waitFor('three paths for the anycast /32 on the leaf', async () => (await fabric.leaf.prefixPaths(ANYCAST)).length === 3, {
        timeoutMs: 20_000,
        explain: () => fabric.leaf.explain(),
      });
      await waitFor('node3 to receive three paths', async () => ((await fabric.node(3).adjIn('ipv4'))[ANYCAST] ?? []).length === 3, {
        timeoutMs: 20_000,
        explain: () => fabric.node(3).explain(),
      });
    }),
  );

  after(async () => {
    await frrCap?.close();
    await gobgpCap?.close();
    await lab.close();
  });

  void it('FRR: ADD-PATH negotiated in the Peer Up OPENs, but Route Monitoring carries no path IDs', () =>
    lab.guard(async () => {
      const up = await waitMessages(frrConn, 'Peer Up for node1', (m) => m.find((x): x is PeerUp => x.type === 3 && x.peer.address === '127.0.10.2'));
      assert.equal(addPath(up.receivedOpen, 1, 1), 3, 'node1 advertises ADD-PATH send+receive (capability 69)');
      assert.ok(addPath(up.sentOpen, 1, 1) & 1, 'FRR advertises ADD-PATH receive');
      assert.ok(up.receivedOpen.capabilities.all.some((c) => c.code === 69));
      const node1Paths = (await fabric.leaf.prefixPaths(ANYCAST)).filter((p) => p.peer?.peerId === '127.0.10.2');
      assert.equal(node1Paths.length, 2, 'FRR holds both of node1 paths');
      const rxIds = new Set(node1Paths.map((p) => p.addpathRxId));
      assert.equal(rxIds.size, 2, `distinct RX path IDs ${JSON.stringify([...rxIds])}`);

      const rms = await waitMessages(frrConn, 'both node1 paths pre- and post-policy', () => {
        const r = rmFor(frrConn, '127.0.10.2', ANYCAST);
        return r.filter((m) => !(m.peer.flags & 0x40)).length >= 2 && r.filter((m) => m.peer.flags & 0x40).length >= 2 && r;
      });
      for (const m of rms) {
        assert.ok(m.update);
        for (const n of updateNlri(m.update).announced) assert.equal(n.pathId, null, 'FRR 8.4 drops the path ID in Route Monitoring');
        assert.equal(m.update.addPathGuessed, true, 'the decoder notices the OPENs promise path IDs the NLRI lack');
      }
      const ribs = new BmpRibs(frrConn.decoded());
      assert.equal(ribs.routes('127.0.10.2', 'pre', 'ipv4').filter((r) => r.prefix === ANYCAST).length, 1, 'so the two paths collapse into one in a BMP-built RIB');
    }));

  void it('GoBGP: pre-policy Route Monitoring carries the path IDs FRR sent; post-policy and Loc-RIB do not', () =>
    lab.guard(async () => {
      const up = await waitMessages(gobgpConn, 'Peer Up for the leaf', (m) => m.find((x): x is PeerUp => x.type === 3 && x.peer.address === '127.0.10.1'));
      assert.ok(addPath(up.receivedOpen, 1, 1) & 2, 'the leaf advertises ADD-PATH send to node3');
      assert.ok(addPath(up.sentOpen, 1, 1) & 1, 'node3 advertises ADD-PATH receive');
      const txIds = (await fabric.leaf.prefixPaths(ANYCAST)).map((p) => p.addpathTxId).sort();
      assert.equal(new Set(txIds).size, 3, `FRR TX path IDs ${JSON.stringify(txIds)}`);
      const ribs = await waitMessages(gobgpConn, 'three pre-policy paths with path IDs', (m) => {
        const r = new BmpRibs(m);
        return r.routes('127.0.10.1', 'pre', 'ipv4').filter((x) => x.prefix === ANYCAST).length === 3 && r;
      });
      const pre = ribs.routes('127.0.10.1', 'pre', 'ipv4').filter((x) => x.prefix === ANYCAST);
      assert.deepEqual(pre.map((r) => r.pathId).sort(), txIds, 'BMP path IDs = FRR addpathTxId');
      assert.deepEqual(pre.map((r) => r.nextHop).sort(), ['10.0.0.1', '10.0.0.1', '10.0.0.1'], "the leaf's next-hop rewrite on every path");
      assert.deepEqual(pre.map((r) => r.asPath.join(' ')).sort(), ['65001 64512', '65001 64512', '65001 64514']);
      const postAndLoc = gobgpConn
        .decoded()
        .filter((m): m is RouteMonitoring => m.type === 0 && ((m.peer.flags & 0x40) !== 0 || m.peer.peerType === 3) && !!m.update)
        .flatMap((m) => (m.update ? updateNlri(m.update).announced.map((r) => ({ ...r, peerType: m.peer.peerType, flags: m.peer.flags })) : []));
      assert.ok(postAndLoc.some((r) => r.prefix === ANYCAST));
      for (const r of postAndLoc) assert.equal(r.pathId, null, `GoBGP 3.10 post-policy / Loc-RIB without path IDs: ${JSON.stringify(r)}`);
    }));
});

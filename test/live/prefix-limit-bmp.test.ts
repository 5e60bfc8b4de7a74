/**
 * Live prefix limits, as BMP shows them (ground truth for the prefix-limit analyzer):
 * - GoBGP node3 (Cilium's prefixLimit: 4) receives 7 prefixes from the leaf: it sends Cease /
 *   Maximum Number of Prefixes Reached, and its own BMP feed says Peer Down reason 1 (local
 *   NOTIFICATION) with 6/1; the leaf's feed says reason 3 (remote NOTIFICATION) with 6/1.
 * - FRR `neighbor node1 maximum-prefix 10`, node1 sends 14: FRR tears the session down with 6/1,
 *   but its BMP Peer Down is reason 2 with FSM event 0 and no NOTIFICATION (FRR 8.4), so the
 *   cause is not in the feed: the router itself says "Idle (PfxCt)".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerDown } from '@ribwatch/bmp-parser';
import { BmpCaptureServer, Lab, skipUnlessLive, startFabric, waitFor, waitMessages } from './harness/index.js';
import type { BmpConnection, Fabric } from './harness/index.js';

const skip = skipUnlessLive();

void describe('prefix limits exceeded, seen through BMP from FRR and GoBGP', { skip, timeout: 90_000 }, () => {
  const lab = new Lab('prefix-limit-bmp');
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
          { index: 1, asn: 64512, leafSide: { maximumPrefix: '10' } },
          { index: 3, asn: 64515, prefixLimit: 4, bmpServers: [{ host: gobgpCap.host, port: gobgpCap.port, policy: 'pre-policy' }] },
        ],
        bmp: { connect: [{ host: frrCap.host, port: frrCap.port }] },
      });
      frrConn = await frrCap.waitConnection(1, 15_000, () => fabric.leaf.explain());
      gobgpConn = await gobgpCap.waitConnection(1, 15_000, () => fabric.node(3).explain());
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
    }),
  );

  after(async () => {
    await frrCap?.close();
    await gobgpCap?.close();
    await lab.close();
  });

  void it('GoBGP prefixLimit: Peer Down 1 with 6/1 from the node, 3 with 6/1 from the leaf', () =>
    lab.guard(async () => {
      // 6 pod CIDRs + the leaf's default route = 7 prefixes toward node3 (limit 4); 6 < node1's limit of 10
      for (let i = 1; i <= 6; i++) await fabric.node(1).addRoute({ prefix: `10.244.${i}.0/24`, nextHop: '10.0.0.2' });
      const mine = await waitMessages(gobgpConn, "node3's Peer Down for the leaf", (m) => m.find((x): x is PeerDown => x.type === 2 && x.peer.address === '127.0.10.1'), 20_000, () => fabric.node(3).explain());
      assert.equal(mine.reason, 1, 'local system closed, NOTIFICATION PDU follows');
      assert.deepEqual([mine.notification?.code, mine.notification?.subcode], [6, 1]);
      assert.match(mine.notification?.subcodeName ?? '', /maximum number of prefixes/i);
      const leaf = await waitMessages(frrConn, "the leaf's Peer Down for node3", (m) => m.find((x): x is PeerDown => x.type === 2 && x.peer.address === '127.0.10.4' && x.reason !== 2), 20_000);
      assert.equal(leaf.reason, 3, 'remote system closed with a NOTIFICATION');
      assert.deepEqual([leaf.notification?.code, leaf.notification?.subcode], [6, 1]);
      assert.notEqual(await fabric.node(3).sessionState(), 'established');
    }));

  void it('FRR maximum-prefix: the session goes down, but BMP says only reason 2 / FSM event 0', () =>
    lab.guard(async () => {
      const from = frrConn.messages.length;
      for (let i = 7; i <= 14; i++) await fabric.node(1).addRoute({ prefix: `10.244.${i}.0/24`, nextHop: '10.0.0.2' });
      await waitFor('FRR to stop node1 on its prefix count', async () => (await fabric.leaf.peers())['127.0.10.2']?.state === 'Idle (PfxCt)', {
        timeoutMs: 20_000,
        explain: () => fabric.leaf.explain(),
      });
      const down = await waitMessages(frrConn, 'Peer Down for node1', () =>
        frrConn.messages.slice(from).map((m) => m.msg).find((x): x is PeerDown => x?.type === 2 && x.peer.address === '127.0.10.2'),
      );
      assert.equal(down.reason, 2, 'local system closed, no NOTIFICATION in the message (FRR 8.4)');
      assert.equal(down.fsmEvent, 0);
      assert.equal(down.notification, undefined);
      const detail = await fabric.leaf.vtysh('show bgp neighbors 127.0.10.2');
      assert.match(detail, /Notification sent \(Cease\/Maximum Number of Prefixes Reached\)/, 'the router knows why');
    }));
});

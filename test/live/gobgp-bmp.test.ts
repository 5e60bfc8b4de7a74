/**
 * Live proof (issue 2): gobgpd 3.10 as the BMP exporter, route-monitoring-policy "all" (pre-policy,
 * post-policy and Loc-RIB, RFC 9069). node1 exports BMP and peers with the FRR leaf; node2 (4-byte
 * AS) advertises routes that reach node1 through the leaf. node1's import policy rejects the
 * leaf's 198.51.100.0/24, so pre-policy differs from post-policy and Loc-RIB.
 *
 * GoBGP quirks asserted as such (docs/router-quirks.md §1, §3): Loc-RIB messages come from peer
 * type 3 with no Peer Up for them; the only Termination is the one `gobgp bmp del` causes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BmpMessage, PeerUp, RouteMonitoring } from '@ribwatch/bmp-parser';
import { BmpCaptureServer, BmpRibs, Lab, gobgpAsPath, skipUnlessLive, startFabric, summarize, waitFor, waitMessages } from './harness/index.js';
import type { BmpConnection, Fabric, GobgpNode } from './harness/index.js';

const skip = skipUnlessLive();
const REJECTED = '198.51.100.0/24';
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

void describe('gobgpd exports BMP (pre-policy, post-policy, Loc-RIB) and a Termination', { skip, timeout: 90_000 }, () => {
  const lab = new Lab('gobgp-bmp');
  let cap: BmpCaptureServer;
  let fabric: Fabric;
  let exporter: GobgpNode;
  let conn: BmpConnection;

  before(() =>
    lab.guard(async () => {
      cap = await BmpCaptureServer.start(lab.path('node1'));
      fabric = await startFabric(lab, {
        nodes: [
          { index: 1, asn: 64512, importReject: [REJECTED], bmpServers: [{ host: cap.host, port: cap.port, policy: 'all', sysName: 'node1', sysDescr: 'gobgpd live node1' }] },
          { index: 2, asn: 4200000002 },
        ],
        networks: ['0.0.0.0/0', '::/0', REJECTED],
      });
      exporter = fabric.node(1);
      conn = await cap.waitConnection(1, 15_000, () => exporter.explain());
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
      const n2 = fabric.node(2);
      await n2.addRoute({ prefix: '10.244.2.0/24', nextHop: '10.0.0.3' });
      await n2.addRoute({ prefix: '172.16.0.12/32', nextHop: '10.0.0.3', communities: ['64512:100'], largeCommunities: ['4200000002:1:2'] });
      await n2.addRoute({ prefix: '2001:db8:244:2::/64', nextHop: '2001:db8::3' });
      await exporter.addRoute({ prefix: '10.244.1.0/24', nextHop: '10.0.0.2' });
      await waitFor('node1 to learn node2 routes via the leaf', async () => '172.16.0.12/32' in (await exporter.adjIn('ipv4')) && '2001:db8:244:2::/64' in (await exporter.adjIn('ipv6')), {
        timeoutMs: 20_000,
        explain: () => `${exporter.explain()}\n${fabric.leaf.explain()}`,
      });
    }),
  );

  after(async () => {
    await cap?.close();
    await lab.close();
  });

  void it('names itself in the Initiation and sends a Peer Up for the leaf', () =>
    lab.guard(async () => {
      const init = await waitMessages(conn, 'Initiation', (m) => m[0], 10_000);
      assert.equal(init.type, 4);
      assert.equal(init.sysName, 'node1');
      assert.equal(init.sysDescr, 'gobgpd live node1');
      const up = await waitMessages(conn, 'Peer Up for the leaf', (m) => m.find((x): x is PeerUp => x.type === 3 && x.peer.address === '127.0.10.1'));
      assert.equal(up.peer.peerType, 0);
      assert.equal(up.peer.asn, 65001);
      assert.equal(up.receivedOpen.asn, 65001);
      assert.equal(up.sentOpen.asn, 64512);
      assert.equal(up.localAddress, '127.0.10.2');
      assert.equal(up.remotePort, fabric.bgpPort, "the leaf's BGP port");
      assert.deepEqual(conn.errors, []);
    }));

  void it('reports pre-policy = what the node received, post-policy and Loc-RIB = what it accepted', () =>
    lab.guard(async () => {
      // The leaf sends node1's own 10.244.1.0/24 back (AS path 65001 64512). GoBGP keeps it in
      // `neighbor adj-in` but drops it by AS-loop detection before BMP: it is in no BMP view.
      const adjIn = async (f: 'ipv4' | 'ipv6'): Promise<string[]> =>
        sorted(
          Object.entries(await exporter.adjIn(f))
            .filter(([, paths]) => !paths.every((x) => gobgpAsPath(x).includes(64512)))
            .map(([prefix]) => prefix),
        );
      const want: Record<'ipv4' | 'ipv6', { adjIn: string[]; rib: string[] }> = {
        ipv4: { adjIn: await adjIn('ipv4'), rib: sorted(Object.keys(await exporter.rib('ipv4'))) },
        ipv6: { adjIn: await adjIn('ipv6'), rib: sorted(Object.keys(await exporter.rib('ipv6'))) },
      };
      assert.ok(want.ipv4.adjIn.includes(REJECTED), 'the node received the prefix its policy rejects');
      assert.ok(!want.ipv4.rib.includes(REJECTED), 'and did not install it');
      assert.ok(!want.ipv4.adjIn.includes('10.244.1.0/24'), 'AS-loop path left out');
      const learned = (f: 'ipv4' | 'ipv6'): string[] => want[f].adjIn.filter((p) => p !== REJECTED);
      const ribs = await waitMessages(
        conn,
        'pre/post/Loc-RIB tables equal to the node',
        (m) => {
          const r = new BmpRibs(m);
          for (const f of ['ipv4', 'ipv6'] as const) {
            if (r.prefixes('127.0.10.1', 'pre', f).join() !== want[f].adjIn.join()) return false;
            if (r.prefixes('127.0.10.1', 'post', f).join() !== learned(f).join()) return false;
          }
          return r;
        },
        20_000,
        () => JSON.stringify(want),
      );
      const msgs = conn.decoded();
      const locRib = msgs.filter((m): m is RouteMonitoring => m.type === 0 && m.peer.peerType === 3);
      assert.ok(locRib.length > 0, 'Loc-RIB (peer type 3) route monitoring');
      assert.ok(!msgs.some((m) => m.type === 3 && m.peer.peerType === 3), 'no Peer Up for the Loc-RIB instance (GoBGP 3.10)');
      const locAddr = locRib[0]?.peer.address ?? '';
      for (const f of ['ipv4', 'ipv6'] as const) {
        // Loc-RIB: the node's best paths, learned and locally originated (10.244.1.0/24) alike
        assert.deepEqual(ribs.prefixes(locAddr, 'loc-rib', f), want[f].rib, `BMP Loc-RIB ${f} = gobgp global rib`);
      }
      // attributes as the leaf sent them: AS path 65001 4200000002, communities kept, next hop rewritten by the leaf
      const pre = ribs.route('127.0.10.1', 'pre', '172.16.0.12/32');
      assert.ok(pre);
      assert.deepEqual(pre.asPath, [65001, 4200000002]);
      assert.deepEqual(sorted(pre.communities), ['64512:100', '65001:1000']);
      assert.deepEqual(pre.largeCommunities, ['4200000002:1:2']);
      assert.equal(pre.nextHop, '10.0.0.1', "the leaf's outbound next hop");
      const v6 = ribs.route('127.0.10.1', 'pre', '2001:db8:244:2::/64');
      assert.ok(v6);
      assert.equal(v6.nextHop, '2001:db8::1');
    }));

  void it('reports a node2 withdrawal in pre-policy, post-policy and Loc-RIB', () =>
    lab.guard(async () => {
      const from = conn.messages.length;
      await fabric.node(2).delRoute('172.16.0.12/32');
      const views = await waitMessages(conn, 'withdrawals of 172.16.0.12/32 in every view', () => {
        const r = new BmpRibs(conn.messages.slice(from).flatMap((m) => (m.msg ? [m.msg] : [])));
        const v = new Set(r.withdrawals.filter((w) => w.prefix === '172.16.0.12/32').map((w) => w.view));
        return v.size === 3 && v;
      });
      assert.deepEqual(sorted(views), ['loc-rib', 'post', 'pre']);
    }));

  void it('sends a Termination on `gobgp bmp del`, then closes', () =>
    lab.guard(async () => {
      await exporter.bmpDel(cap.host, cap.port);
      const term = await waitMessages(conn, 'a Termination', (m: BmpMessage[]) => m.find((x) => x.type === 5), 10_000);
      assert.ok(term.type === 5);
      assert.equal(term.reason, 4, 'permanently administratively closed');
      await waitFor('the BMP connection to close', () => conn.closed, { timeoutMs: 10_000, explain: () => summarize(conn) });
      const last = conn.decoded().at(-1);
      assert.equal(last?.type, 5, 'Termination is the last message');
    }));
});

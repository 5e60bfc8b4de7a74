/**
 * Live proof (issue 14), continued: BIRD 2 and ExaBGP peer with ribwatch's BGP speaker
 * (`ribwatch collector` with bgp.listen, NDJSON records).
 *   - BIRD 2: the routes recorded equal `birdc show route export ribwatch` for IPv4 and IPv6, and
 *     its hostname-less OPEN names the router by its BGP identifier;
 *   - ExaBGP sends UPDATEs with malformed attributes as raw bytes: a COMMUNITIES of 3 octets is
 *     treated as withdraw and an ATOMIC_AGGREGATE with a value is discarded (RFC 7606 §7.8, §7.6),
 *     while the session stays up and its well-formed route is recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BusRecord, RouterInitRecord } from '../../records/types.js';
import { existsSync } from 'node:fs';
import { BirdNode, CollectorProcess, EXABGP, ExabgpNode, Lab, birdNamespaceSkip, createBirdNamespace, freePort, skipUnlessLive, waitFor } from './harness/index.js';
import type { BirdNamespace } from './harness/index.js';
import { bgpTable, tablePrefixes as prefixesOf } from './bgp-records.js';

const skip = skipUnlessLive() || birdNamespaceSkip() || (!existsSync(EXABGP) ? `ExaBGP missing at ${EXABGP} (apt-get install exabgp)` : false);
const OUR_AS = 65099;

void describe('BIRD 2 and ExaBGP peering with ribwatch over BGP', { skip, timeout: 120_000 }, () => {
  const lab = new Lab('bgp-bird-exabgp');
  let collector: CollectorProcess;
  let bird: BirdNode;
  let exa: ExabgpNode;
  let ns: BirdNamespace;
  let BIRD_ADDR = '';
  const EXA_ADDR = '127.0.43.1';
  const explain = (): string => `${collector.explain()}\n${bird?.explain() ?? ''}\n${exa?.explain() ?? ''}`;
  const waitRecords = <T>(what: string, pick: (r: BusRecord[]) => T | undefined | false, timeoutMs = 30_000): Promise<T> =>
    waitFor(what, () => pick(collector.records()), { timeoutMs, explain });

  before(() =>
    lab.guard(async () => {
      ns = createBirdNamespace();
      BIRD_ADDR = ns.nsAddr;
      const bgpPort = await freePort('127.0.0.1', ns.rootAddr);
      collector = await CollectorProcess.start(lab, {
        RIBWATCH_BGP_LISTEN: `0.0.0.0:${bgpPort}`,
        RIBWATCH_BGP_ROUTER_ID: '10.0.99.1',
        RIBWATCH_BGP_ASN: String(OUR_AS),
        RIBWATCH_BGP_NEIGHBORS: `[{address: 127.0.0.0/8, asn: any}, {address: ${ns.nsAddr}, asn: 65030}]`,
      });
      bird = await BirdNode.start(lab, {
        name: 'node2',
        asn: 65030,
        routerId: '10.0.42.1',
        localAddress: BIRD_ADDR,
        netns: ns.name,
        localPort: 1179,
        neighbor: ns.rootAddr,
        neighborAs: OUR_AS,
        neighborPort: bgpPort,
        routes4: ['10.246.0.0/24', '10.246.1.0/24', '10.246.2.128/25'],
        routes6: ['2001:db8:246::/48'],
      });
      exa = await ExabgpNode.start(lab, {
        name: 'script1',
        asn: 65040,
        routerId: '10.0.43.1',
        localAddress: EXA_ADDR,
        neighbor: '127.0.0.1',
        neighborAs: OUR_AS,
        neighborPort: bgpPort,
        routes: [
          { prefix: '10.247.0.0/24', nextHop: '192.0.2.43' },
          { prefix: '10.247.1.0/24', nextHop: '192.0.2.43', raw: [[0x08, 0xc0, '0000fd']] },
          { prefix: '10.247.2.0/24', nextHop: '192.0.2.44', raw: [[0x06, 0x40, '01']] },
        ],
      });
      await bird.waitEstablished();
    }),
  );

  after(async () => {
    await lab.close();
    ns?.remove();
  });

  void it("BIRD's routes equal `birdc show route export ribwatch`, IPv4 and IPv6; the router is named by its BGP identifier", () =>
    lab.guard(async () => {
      const router = `bgp:${BIRD_ADDR}`;
      for (const [afi, name] of [['ipv4', 'ipv4-unicast'], ['ipv6', 'ipv6-unicast']] as const) {
        const exported = await bird.exported(afi);
        assert.ok(exported.length >= 1, `BIRD exports ${afi} routes`);
        await waitRecords(`BIRD ${afi} routes`, (r) => JSON.stringify(prefixesOf(r, router, name)) === JSON.stringify(exported) || undefined);
      }
      const init = collector.records().find((r): r is RouterInitRecord => r.type === 'router_init' && r.router === router);
      assert.ok(init);
      assert.ok(init.sys_name === '10.0.42.1' || init.sys_name?.length, 'named');
      const t = bgpTable(collector.records(), router, 'ipv4-unicast');
      for (const rec of t.values()) assert.deepEqual(rec.attributes?.as_path, [65030]);
    }),
  );

  void it("ExaBGP's malformed COMMUNITIES is treated as withdraw, its malformed ATOMIC_AGGREGATE discarded, and the session stays up", () =>
    lab.guard(async () => {
      const router = `bgp:${EXA_ADDR}`;
      await waitRecords('ExaBGP routes', (r) => prefixesOf(r, router, 'ipv4-unicast').includes('10.247.2.0/24') && prefixesOf(r, router, 'ipv4-unicast').includes('10.247.0.0/24'));
      const recs = collector.records().filter((r) => r.router === router);
      assert.deepEqual(prefixesOf(recs, router, 'ipv4-unicast'), ['10.247.0.0/24', '10.247.2.0/24']);
      const withdrawn = recs.find((r) => r.type === 'route' && r.withdrawn.some((p) => p.prefix === '10.247.1.0/24'));
      assert.ok(withdrawn, 'treat-as-withdraw: the prefix is recorded as withdrawn');
      assert.ok(!recs.some((r) => r.type === 'route' && r.announced.some((p) => p.prefix === '10.247.1.0/24')), 'never announced');
      const discarded = bgpTable(recs, router, 'ipv4-unicast').get('10.247.2.0/24|');
      assert.equal(discarded?.attributes?.atomic_aggregate, false);
      assert.ok(discarded?.attributes?.other.some((o) => o.code === 6 && o.hex === '01'), 'the broken attribute kept raw');
      assert.ok(!recs.some((r) => r.type === 'peer_down'), 'no reset');
    }),
  );
});

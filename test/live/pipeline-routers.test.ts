/**
 * The whole pipeline with real routers (issue 3, "How it must be proven"):
 *
 *   FRR leaf + GoBGP nodes (loopback) --BMP--> collector --> REAL Kafka --> writer --> chDB
 *
 * The collector and its Kafka producer run in this process, the writer with a Kafka consumer of its
 * own (a second client, its own consumer group) and the embedded store in a temp data dir, so the
 * test reads ClickHouse directly. After announcements (pod CIDR /24s, LB /32s with communities,
 * IPv6), a withdrawal, a prefix flap, a peer reset (FRR `clear bgp`) and a router reconnect (the
 * collector's listener goes away; FRR reconnects and re-dumps; a route deleted meanwhile must go,
 * one added meanwhile must come), the current RIB (`rib FINAL`, not withdrawn) equals FRR's own
 * tables per peer, pre- and post-policy; no rib key twice; history has no phantom withdraw/announce
 * pairs for the routes that survived, and synthetic withdrawals only for routes that went away.
 *
 * FRR quirks (test/live/README.md): its own AS in front of the AS path, no LOCAL_PREF in Route
 * Monitoring, the inbound policy's community post-policy only; a prefix the policy rejects is sent
 * live as a withdrawal in both views, yet announced pre-policy when FRR re-dumps after a reconnect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { startWriter } from '../../writer/index.js';
import type { RunningWriter } from '../../writer/index.js';
import { KafkaBus } from '../../bus/kafka.js';
import type { BusProducer } from '../../bus/index.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { migrate } from '../../store/migrate.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { Lab, freePorts, skipUnlessLive, sleep, startFabric, waitFor } from './harness/index.js';
import type { Fabric } from './harness/index.js';
import { kafkaSkipReason, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';
import { REPO } from './pipeline-harness.js';
import { LEAF_AS, POLICY_COMMUNITY, announcePlan, fam, planForThisHost, sorted } from './plan.js';
import type { NodePlan } from './plan.js';

let skip: false | string = skipUnlessLive() || kafkaSkipReason();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `pipeline tests skipped: ${(e as Error).message}`;
  }
}

const AFI_SAFI = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' } as const;
const VIEW = { 'adj-in-pre': 'pre', 'adj-in-post': 'post' } as const;
const run = `${process.pid}-${Date.now().toString(36)}`;
const LOOPBACK: Cidr[] = [parseCidr('127.0.0.0/8'), parseCidr('::1/128')].filter((c): c is Cidr => typeof c !== 'string');
/** Node 1's extra routes: one flapped, one added while the collector is away. */
const FLAP = '10.244.77.0/24';
const ADDED_OFFLINE = '10.244.88.0/24';
const DELETED_OFFLINE = '172.16.0.11/32';
/** collector.dumpQuietSeconds: short, so that dumps end within the test. */
const DUMP_QUIET_S = 2;

interface RibRow {
  peer_address: string;
  rib: string;
  afi_safi: string;
  prefix: string;
  as_path: number[];
  communities: string[];
  large_communities: string[];
  next_hop: string;
  local_pref: number | null;
  stale: number;
}

void describe('pipeline: FRR + GoBGP → collector → Kafka → writer → chDB equals the routers', { skip, timeout: 120_000 }, () => {
  const lab = new Lab('pipeline-routers');
  let plan: readonly NodePlan[] = [];
  let broker: KafkaTestBroker | undefined;
  let store: Store | undefined;
  let producerBus: KafkaBus | undefined;
  let writerBus: KafkaBus | undefined;
  let producer: BusProducer | undefined;
  let collector: BmpCollector | undefined;
  let writer: RunningWriter | undefined;
  let fabric: Fabric;
  let bmpPort = 0;
  const log = createLogger({ level: 'warn', name: 'pipeline-routers' });

  const s = (): Store => {
    if (!store) throw new Error('store not open');
    return store;
  };

  function newCollector(port: number): BmpCollector {
    if (!producer) throw new Error('no producer');
    return new BmpCollector({
      listen: { host: '127.0.0.1', port },
      maxSessions: 8,
      maxMessageBytes: 1 << 20,
      tcpKeepaliveSeconds: 0,
      allow: LOOPBACK,
      dumpQuietSeconds: DUMP_QUIET_S,
      sink: producer,
      log,
      metrics: new CollectorMetrics(createRegistry()),
    });
  }

  before(() =>
    lab.guard(async () => {
      plan = await planForThisHost((m) => console.error(`# ${m}`));
      const [kport, cport] = await freePorts(2);
      broker = await startTestKafka({ port: kport as number, controllerPort: cport as number, dir: join(REPO, '.scratch', `pipeline-routers-kafka-${process.pid}`) });
      store = await openStore({ kind: 'embedded', dataDir: lab.path('chdb'), database: 'rw_pipeline' });
      await migrate(store);
      const topic = `pipeline-routers-${run}`;
      producerBus = new KafkaBus({ brokers: broker.brokers, topic, partitions: 2, replicationFactor: 1, clientId: 'pipeline-collector' });
      await producerBus.setup();
      producer = producerBus.producer({ onError: (err, context) => log.warn({ err: err.message, context }, 'producer') });
      collector = newCollector(0);
      bmpPort = (await collector.start()).port;
      writerBus = new KafkaBus({ brokers: broker.brokers, topic, partitions: 2, replicationFactor: 1, clientId: 'pipeline-writer' });
      writer = await startWriter(writerBus, store, { group: `pipeline-writer-${run}`, maxWaitMs: 200, reconcileQuietMs: 5000, tickMs: 250, countsIntervalMs: 0, log });
      fabric = await startFabric(lab, {
        nodes: plan.map((p) => ({ index: p.index, asn: p.asn, ...(p.ipv6 ? { ipv6: true } : {}) })),
        bmp: { connect: [{ host: '127.0.0.1', port: bmpPort }] },
      });
      await Promise.all(fabric.nodes.map((n) => n.waitEstablished(30_000)));
      await announcePlan(fabric, plan);
    }),
  );

  after(async () => {
    await collector?.stop('test end').catch(() => undefined);
    await writer?.stop().catch(() => undefined);
    await producerBus?.close().catch(() => undefined);
    await writerBus?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await lab.close();
    await broker?.stop();
    // kafka.sh clean leaves the (empty) broker directory.
    if (broker?.ours) rmSync(broker.dir, { recursive: true, force: true });
  });

  // ---- what each side says ----

  /** rib FINAL, current routes, per "peer|view|afi": sorted prefixes. */
  async function ribTables(): Promise<Map<string, string[]>> {
    const rows = await s().query<{ k: string; prefixes: string[] }>(
      `SELECT concat(peer_address, '|', rib, '|', afi_safi) AS k, arraySort(groupArray(prefix)) AS prefixes FROM rib FINAL WHERE is_withdrawn = 0 GROUP BY k`,
    );
    return new Map(rows.map((r) => [r.k, r.prefixes]));
  }

  /**
   * FRR per peer: received-routes (pre-policy) and routes (post). A prefix the inbound policy
   * rejects goes out live as a withdrawal, pre-policy too, but a re-dump of the pre-policy
   * Adj-RIB-In (a new BMP session) announces it: `redumped` says whether that has happened.
   */
  async function frrTables(redumped: boolean): Promise<Map<string, string[]>> {
    const rejected = new Set(redumped ? [] : plan.flatMap((p) => p.rejected.map((r) => r.prefix)));
    const t = new Map<string, string[]>();
    for (const p of plan) {
      for (const f of ['ipv4', 'ipv6'] as const) {
        const pre = (await fabric.leaf.receivedRoutes(p.address, f)).filter((x) => !rejected.has(x));
        const post = await fabric.leaf.acceptedRoutes(p.address, f);
        if (pre.length) t.set(`${p.address}|adj-in-pre|${AFI_SAFI[f]}`, pre);
        if (post.length) t.set(`${p.address}|adj-in-post|${AFI_SAFI[f]}`, post);
      }
    }
    return t;
  }

  const show = (m: Map<string, string[]>): string => [...m].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}: ${v.join(' ')}`).join('\n');

  /** The node peers' views in rib (the self peer 0.0.0.0 / :: is checked against FRR's whole table). */
  const nodeViews = (m: Map<string, string[]>): Map<string, string[]> => new Map([...m].filter(([k]) => plan.some((p) => k.startsWith(`${p.address}|`))));

  /** Waits until rib equals FRR per peer and view, and FRR's whole table equals the union of post-policy views. */
  async function waitRibEqualsFrr(what: string, timeoutMs = 30_000, redumped = false): Promise<Map<string, string[]>> {
    let last = '';
    return waitFor(
      `${what}: rib FINAL equals FRR`,
      async () => {
        const [rib, frr] = [await ribTables(), await frrTables(redumped)];
        const a = show(nodeViews(rib));
        const b = show(frr);
        last = `rib:\n${a}\nFRR:\n${b}`;
        if (a !== b) return false;
        for (const f of ['ipv4', 'ipv6'] as const) {
          const table = sorted(Object.keys(await fabric.leaf.table(f)));
          const union = sorted(new Set([...rib].filter(([k]) => k.endsWith(`|adj-in-post|${AFI_SAFI[f]}`)).flatMap(([, v]) => v)));
          if (table.join() !== union.join()) {
            last += `\nFRR ${f} table ${table.join(' ')} != union of post-policy views ${union.join(' ')}`;
            return false;
          }
        }
        return rib;
      },
      { timeoutMs, intervalMs: 300, explain: () => `${last}\nwriter ${JSON.stringify(writer?.writer.stats)} pending ${writer?.writer.pendingRouters().join(',')}` },
    );
  }

  async function assertNoDuplicates(): Promise<void> {
    const [r] = await s().query<{ n: string; keys: string; stale: string }>(
      `SELECT count() AS n, uniqExact(router, peer_type, peer_rd, peer_address, rib, afi_safi, prefix, rd, path_id) AS keys, countIf(stale = 1 AND is_withdrawn = 0) AS stale FROM rib FINAL`,
    );
    assert.equal(Number(r?.n), Number(r?.keys), 'no rib key twice');
    assert.equal(Number(r?.stale), 0, 'no route left stale');
  }

  /** route_updates rows since `sinceMs` (collector arrival time). */
  async function history(sinceMs: number): Promise<{ peer_address: string; rib: string; prefix: string; action: string; dump: number; synthetic: number }[]> {
    return s().query(
      `SELECT peer_address, rib, prefix, toString(action) AS action, dump, synthetic FROM route_updates WHERE time >= fromUnixTimestamp64Milli({since:Int64}) AND peer_asn != 0 ORDER BY time, seq`,
      { since: Math.floor(sinceMs) },
    );
  }

  // ---- the steps ----

  void it('announcements: rib FINAL equals FRR per peer and view, attributes as the nodes sent them (FRR quirks aside)', () =>
    lab.guard(async () => {
      await waitRibEqualsFrr('after the announcements', 45_000);
      await assertNoDuplicates();
      const rows = await s().query<RibRow>(
        `SELECT peer_address, rib, afi_safi, prefix, as_path, communities, large_communities, next_hop, local_pref, stale FROM rib FINAL WHERE is_withdrawn = 0 AND peer_asn != 0`,
      );
      for (const p of plan) {
        for (const r of p.routes) {
          for (const view of ['adj-in-pre', 'adj-in-post'] as const) {
            const row = rows.find((x) => x.peer_address === p.address && x.rib === view && x.prefix === r.prefix);
            assert.ok(row, `${p.address} ${view} ${r.prefix} in rib`);
            assert.equal(row.afi_safi, AFI_SAFI[fam(r.prefix)]);
            assert.deepEqual(row.as_path, [LEAF_AS, p.asn], 'FRR prepends its own AS in Route Monitoring');
            assert.equal(row.next_hop, r.nextHop);
            assert.equal(row.local_pref, null, 'FRR omits LOCAL_PREF');
            const want = VIEW[view] === 'post' ? [...(r.communities ?? []), POLICY_COMMUNITY] : [...(r.communities ?? [])];
            assert.deepEqual(sorted(row.communities), sorted(want), `${view} communities of ${r.prefix}`);
            assert.deepEqual(sorted(row.large_communities), sorted(r.largeCommunities ?? []));
          }
        }
      }
    }));

  void it('withdrawal and a prefix flap: rib follows FRR; history alternates announce/withdraw, live (dump = 0)', () =>
    lab.guard(async () => {
      const node = fabric.node(1);
      // The collector counts a peer's routes as its dump until collector.dumpQuietSeconds pass
      // without one (FRR sent End-of-RIB before the nodes announced anything): let that end first.
      const [last] = await s().query<{ ms: string }>(`SELECT toUnixTimestamp64Milli(max(time)) AS ms FROM route_updates WHERE peer_address = '127.0.10.2'`);
      await sleep(Math.max(0, Number(last?.ms ?? 0) + DUMP_QUIET_S * 1000 + 1000 - Date.now()));
      const t0 = Date.now();
      await node.delRoute('10.244.1.0/24');
      await waitFor('FRR to drop 10.244.1.0/24', async () => !(await fabric.leaf.receivedRoutes('127.0.10.2', 'ipv4')).includes('10.244.1.0/24'), { timeoutMs: 15_000 });
      const FLAPS = 4;
      for (let i = 0; i < FLAPS; i++) {
        await node.addRoute({ prefix: FLAP, nextHop: '10.0.0.2', communities: ['64512:300'] });
        await waitFor(`FRR to have ${FLAP} (${i + 1})`, async () => (await fabric.leaf.receivedRoutes('127.0.10.2', 'ipv4')).includes(FLAP), { timeoutMs: 15_000, intervalMs: 100 });
        if (i === FLAPS - 1) break;
        await node.delRoute(FLAP);
        await waitFor(`FRR to drop ${FLAP} (${i + 1})`, async () => !(await fabric.leaf.receivedRoutes('127.0.10.2', 'ipv4')).includes(FLAP), { timeoutMs: 15_000, intervalMs: 100 });
      }
      await waitRibEqualsFrr('after the withdrawal and the flap');
      await assertNoDuplicates();
      const h = await history(t0 - 1000);
      for (const view of ['adj-in-pre', 'adj-in-post'] as const) {
        const w = h.filter((x) => x.rib === view && x.prefix === '10.244.1.0/24');
        assert.deepEqual(w.map((x) => [x.action, x.dump, x.synthetic]), [['withdraw', 0, 0]], `${view}: one live withdrawal of 10.244.1.0/24`);
        const f = h.filter((x) => x.rib === view && x.prefix === FLAP).map((x) => x.action);
        const want = Array.from({ length: FLAPS * 2 - 1 }, (_, i) => (i % 2 === 0 ? 'announce' : 'withdraw'));
        assert.deepEqual(f, want, `${view}: ${FLAP} flapped ${FLAPS} times`);
        assert.ok(h.filter((x) => x.rib === view && x.prefix === FLAP).every((x) => x.dump === 0 && x.synthetic === 0), 'flap rows are live, not dump or synthetic');
      }
    }));

  void it('peer reset (FRR clear bgp): the peer’s routes withdrawn once (synthetic), re-dumped (dump = 1), rib equals FRR', () =>
    lab.guard(async () => {
      const p = plan.find((x) => x.index === 2);
      assert.ok(p);
      const t0 = Date.now();
      await fabric.leaf.vtysh(`clear bgp ${p.address}`);
      await fabric.node(2).waitEstablished(30_000);
      for (const f of ['ipv4', 'ipv6'] as const) {
        const n = p.routes.filter((r) => fam(r.prefix) === f).length;
        if (n) await fabric.leaf.waitPrefixes(p.address, f, n, 20_000);
      }
      await waitRibEqualsFrr('after the peer reset');
      await assertNoDuplicates();
      const h = (await history(t0 - 500)).filter((x) => x.peer_address === p.address);
      for (const r of p.routes) {
        for (const view of ['adj-in-pre', 'adj-in-post'] as const) {
          const rows = h.filter((x) => x.rib === view && x.prefix === r.prefix).map((x) => `${x.action}${x.synthetic ? ' synthetic' : ''}${x.dump ? ' dump' : ''}`);
          assert.deepEqual(rows, ['withdraw synthetic', 'announce dump'], `${view} ${r.prefix}: the peer went down (one synthetic withdrawal) and came back (one re-dumped announcement)`);
        }
      }
      // Nothing of the other peers moved since the reset (from t0: a lookback would catch the
      // previous test's last flap announcement when it was stored within the last half second).
      const others = (await history(t0)).filter((x) => x.peer_address !== p.address);
      assert.deepEqual(others, [], 'no rows for the peers that were not reset');
    }));

  void it('router reconnect: routes that survived get no withdraw/announce pair; only what went away while unseen is withdrawn (synthetic)', () =>
    lab.guard(async () => {
      const node = fabric.node(1);
      const before = await waitRibEqualsFrr('before the reconnect');
      const t0 = Date.now();
      // The collector's listener goes away: FRR's BMP session ends without Termination.
      await collector?.stop('test: listener down');
      await producer?.flush();
      await waitFor('the writer to mark the routes stale', async () => {
        const [r] = await s().query<{ n: string }>(`SELECT countIf(stale = 1) AS n FROM rib FINAL WHERE is_withdrawn = 0`);
        return Number(r?.n) > 0;
      }, { timeoutMs: 15_000 });
      // Meanwhile on the node: one route deleted, one added.
      await node.delRoute(DELETED_OFFLINE);
      await node.addRoute({ prefix: ADDED_OFFLINE, nextHop: '10.0.0.2' });
      await waitFor('FRR to see the changes', async () => {
        const r = await fabric.leaf.receivedRoutes('127.0.10.2', 'ipv4');
        return r.includes(ADDED_OFFLINE) && !r.includes(DELETED_OFFLINE);
      }, { timeoutMs: 15_000 });
      // Back on the same port: FRR reconnects (min-retry) and dumps again.
      collector = newCollector(bmpPort);
      await collector.start();
      await waitFor('FRR to reconnect', () => (collector?.sessions.size ?? 0) > 0, { timeoutMs: 20_000 });
      const rib = await waitRibEqualsFrr('after the reconnect', 45_000, true);
      await waitFor('reconciliation done', () => (writer?.writer.pendingRouters().length ?? 1) === 0, { timeoutMs: 20_000 });
      await assertNoDuplicates();
      const h = await history(t0);
      const gone = new Set<string>();
      for (const [k, v] of nodeViews(before)) for (const pfx of v) if (!(rib.get(k) ?? []).includes(pfx)) gone.add(`${k.split('|')[0]}|${k.split('|')[1]}|${pfx}`);
      assert.deepEqual(sorted(gone), sorted(['adj-in-pre', 'adj-in-post'].map((v) => `127.0.10.2|${v}|${DELETED_OFFLINE}`)), 'what went away');
      const synthetic = h.filter((x) => x.synthetic === 1).map((x) => `${x.peer_address}|${x.rib}|${x.prefix}`);
      assert.deepEqual(sorted(synthetic), sorted(gone), 'synthetic withdrawals exactly for the routes that went away');
      assert.deepEqual(h.filter((x) => x.action === 'withdraw' && x.synthetic === 0), [], 'no live withdrawals: the routers withdrew nothing');
      assert.ok(h.filter((x) => x.action === 'announce').every((x) => x.dump === 1), 'every announcement after the reconnect is re-dump (dump = 1)');
      const added = h.filter((x) => x.prefix === ADDED_OFFLINE && x.action === 'announce').map((x) => x.rib);
      assert.deepEqual(sorted(added), ['adj-in-post', 'adj-in-pre'], `${ADDED_OFFLINE} announced in the re-dump`);
      // Per surviving route: at most one row (its re-dump announcement), never a withdraw/announce pair.
      const byKey = new Map<string, string[]>();
      for (const x of h) {
        const k = `${x.peer_address}|${x.rib}|${x.prefix}`;
        byKey.set(k, [...(byKey.get(k) ?? []), x.action]);
      }
      for (const [k, actions] of byKey) {
        if (gone.has(k)) assert.deepEqual(actions, ['withdraw'], `${k}: withdrawn once`);
        else assert.deepEqual(actions, ['announce'], `${k}: survived, one re-dump row`);
      }
    }));
});

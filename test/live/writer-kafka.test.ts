/**
 * The writer over a real Kafka broker (deploy/kafka/kafka.sh, on ports of its own) into chDB: a
 * writer that dies mid-stream (its inserts start failing, it stops without committing) and a new
 * writer in the same consumer group, gathering batches of another size, leave the history with
 * every row exactly once and the current RIB equal to what the routers said.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '../../bus/kafka.js';
import { migrate } from '../../store/migrate.js';
import type { BusRecord, PeerRef, RoutePrefix } from '../../records/types.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { startWriter } from '../../writer/index.js';
import { kafkaSkipReason, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';

let skip: false | string = kafkaSkipReason();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `writer over Kafka skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-writer-kafka-'));
let broker: KafkaTestBroker | undefined;
let store: Store | undefined;
const s = (): Store => {
  if (!store) throw new Error('store not open');
  return store;
};

before(async () => {
  if (skip) return;
  // Ports and data of its own: other live tests may have their broker on 19192.
  broker = await startTestKafka({ port: 19292, controllerPort: 19293, dir: join(dir, 'kafka') });
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_kafka' });
  await migrate(store);
});
after(async () => {
  await store?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let clock = Date.now() - 600_000;
const P1: PeerRef = { address: '10.0.10.2', asn: 64512, bgp_id: '10.0.10.2', type: 'global', rd: null };
const P2: PeerRef = { address: '10.0.10.3', asn: 64513, bgp_id: '10.0.10.3', type: 'global', rd: null };

/** One router's session: a dump from two peers, live withdrawals, the second peer going down. */
function routerSession(router: string, n: number): { records: BusRecord[]; historyRows: number; current: number } {
  const session = `${router}-kafka-session`;
  let seq = 0;
  const base = (): { v: 1; router: string; session: string; seq: number; time: string } => ({ v: 1, router, session, seq: ++seq, time: new Date((clock += 1)).toISOString() });
  const open = { asn: 1, bgp_id: '1.1.1.1', hold_time: 90, families: ['ipv4-unicast'], four_octet_as: true, add_path: {}, capabilities: [], hostname: null };
  const peerUp = (peer: PeerRef): BusRecord => ({ ...base(), type: 'peer_up', peer, router_time: new Date(clock).toISOString(), local_address: '127.0.0.1', local_port: 179, remote_port: 1, sent_open: open, received_open: open, info: [], reset: false });
  const route = (peer: PeerRef, announced: RoutePrefix[], withdrawn: RoutePrefix[], dump: boolean): BusRecord => ({
    ...base(),
    type: 'route',
    peer,
    rib: 'adj-in-post',
    afi_safi: 'ipv4-unicast',
    router_time: new Date(clock).toISOString(),
    attributes: announced.length > 0 ? { origin: 'igp', as_path: [peer.asn, 65000 + n], next_hop: peer.address, med: null, local_pref: null, atomic_aggregate: false, aggregator: null, communities: [], large_communities: [], ext_communities: [], originator_id: null, cluster_list: [], other: [] } : null,
    announced,
    withdrawn,
    dump,
  });
  const p = (i: number): RoutePrefix => ({ prefix: `10.${n}.${i >> 8}.${i & 255}/32`, path_id: null });
  const records: BusRecord[] = [
    { ...base(), type: 'router_up', remote_port: 1, local: '127.0.0.1:11019' },
    { ...base(), type: 'router_init', sys_name: router, sys_descr: 'test', info: [] },
    peerUp(P1),
  ];
  for (let i = 0; i < 1500; i += 3) records.push(route(P1, [p(i), p(i + 1), p(i + 2)], [], true));
  records.push({ ...base(), type: 'end_of_rib', peer: P1, rib: 'adj-in-post', afi_safi: 'ipv4-unicast', router_time: new Date(clock).toISOString() });
  for (let i = 0; i < 200; i++) records.push(route(P1, [], [p(i)], false));
  records.push(peerUp(P2));
  for (let i = 2000; i < 2100; i++) records.push(route(P2, [p(i)], [], true));
  records.push({ ...base(), type: 'peer_down', peer: P2, router_time: new Date(clock).toISOString(), reason: 4, reason_name: 'remote-no-notification', notification: null, fsm_event: null, was_up: true });
  // 1500 + 100 announcements, 200 withdrawals, 100 synthetic withdrawals; 1300 routes left.
  return { records, historyRows: 1900, current: 1300 };
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const num = async (q: string): Promise<number> => Number((await s().query<{ n: string }>(q))[0]?.n ?? 0);

test('writer over Kafka: killed mid-stream and replaced, every history row is stored once and the RIB is exact', { skip, timeout: 300_000 }, async () => {
  if (!broker) throw new Error('broker not started');
  const topic = `writer-${process.pid}-${Date.now().toString(36)}`;
  const a = routerSession('192.0.2.1', 1);
  const b = routerSession('192.0.2.2', 2);
  const producerBus = new KafkaBus({ brokers: broker.brokers, topic, partitions: 2, replicationFactor: 1 });
  await producerBus.setup();
  const producer = producerBus.producer();
  // Interleave the two routers, as a collector would.
  for (let i = 0; i < Math.max(a.records.length, b.records.length); i += 50) {
    producer.write([...a.records.slice(i, i + 50), ...b.records.slice(i, i + 50)]);
  }
  await producer.flush();
  await producerBus.close();

  // Writer 1 fails at the first Peer Down's synthetic withdrawals, after the rows before them in
  // the same batch are stored, as if ClickHouse went away; it is then stopped.
  let failures = 0;
  const dying = Object.create(s()) as Store;
  dying.command = async (query, params, settings) => {
    if (query.startsWith('INSERT INTO route_updates') && params?.['peer_address'] === P2.address) {
      failures++;
      throw new Error('injected: ClickHouse unreachable');
    }
    return s().command(query, params, settings);
  };
  const bus1 = new KafkaBus({ brokers: broker.brokers, topic });
  const w1 = await startWriter(bus1, dying, { group: 'writer', maxRecords: 300, maxWaitMs: 50, countsIntervalMs: 0 });
  await waitFor('writer 1 to fail', () => Promise.resolve(failures >= 2));
  await w1.stop();
  await bus1.close();
  const partial = await num('SELECT count() AS n FROM route_updates');
  assert.ok(partial > 0 && partial < a.historyRows + b.historyRows, `writer 1 stored part of the stream (${partial} rows)`);

  // Writer 2, same group, smaller batches: it starts from the committed offset, and the batch that
  // failed comes back cut differently (another offset range, so other deduplication tokens).
  const bus2 = new KafkaBus({ brokers: broker.brokers, topic });
  const w2 = await startWriter(bus2, s(), { group: 'writer', maxRecords: 70, maxWaitMs: 50, countsIntervalMs: 0 });
  const total = a.historyRows + b.historyRows;
  await waitFor('writer 2 to catch up', async () => (await num('SELECT count() AS n FROM route_updates')) >= total && (await num('SELECT count() AS n FROM peer_events')) >= 6);
  await new Promise((r) => setTimeout(r, 500));
  await w2.stop();
  await bus2.close();

  assert.equal(await num('SELECT count() AS n FROM route_updates'), total, 'every history row once');
  assert.equal(await num('SELECT uniqExact(session, seq, prefix, action) AS n FROM route_updates'), total, 'no duplicates');
  assert.equal(await num('SELECT count() AS n FROM routers'), 4);
  assert.equal(await num('SELECT count() AS n FROM peer_events'), 6);
  assert.equal(await num("SELECT count() AS n FROM route_updates WHERE synthetic = 1"), 200);
  assert.equal(await num('SELECT count() AS n FROM rib FINAL WHERE is_withdrawn = 0'), a.current + b.current);
  const perPeer = await s().query<{ router: string; peer_address: string; n: string }>(
    'SELECT router, peer_address, count() AS n FROM rib_current GROUP BY router, peer_address ORDER BY router, peer_address',
  );
  assert.deepEqual(
    perPeer.map((r) => [r.router, r.peer_address, Number(r.n)]),
    [
      ['192.0.2.1', '10.0.10.2', 1300],
      ['192.0.2.2', '10.0.10.2', 1300],
    ],
  );
});

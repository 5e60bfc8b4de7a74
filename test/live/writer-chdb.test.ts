/**
 * The writer on the real engine (chDB, one temporary data directory, one Store for the file), fed
 * through the in-process bus: announcements, withdrawals, a flap, an attribute change, a peer
 * down (synthetic withdrawals), a router lost and re-dumped (stale, then reconciled: what was not
 * re-announced is withdrawn, the rest untouched in history), a quiet-period reconciliation, and
 * replays (the same batch twice; a batch failing halfway and delivered again) that duplicate
 * nothing. Assertions read rib FINAL and route_updates exactly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus } from '../../bus/index.js';
import type { BusBatch } from '../../bus/index.js';
import { migrate } from '../../store/migrate.js';
import type { BusRecord, PeerRef, RouteAttributes, RoutePrefix } from '../../records/types.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { registerWriterMetrics, startWriter, RowWriter } from '../../writer/index.js';
import { createRegistry } from '../../telemetry/metrics.js';
import type { RibView } from '@ribwatch/bmp-parser';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB writer tests skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-writer-'));
let store: Store | undefined;
const s = (): Store => {
  if (!store) throw new Error('store not open');
  return store;
};

before(async () => {
  if (skip) return;
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_writer' });
  await migrate(store);
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- records ----

/** Record times: recent (the history tables have a TTL), 10 ms apart, strictly increasing. */
let clock = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const tick = (): string => new Date((clock += 10)).toISOString();

const P1: PeerRef = { address: '10.0.10.2', asn: 64512, bgp_id: '10.0.10.2', type: 'global', rd: null };
const P2: PeerRef = { address: '10.0.10.3', asn: 64513, bgp_id: '10.0.10.3', type: 'global', rd: null };
const RIB: RibView = 'adj-in-post';
const AF = 'ipv4-unicast';

function attrs(path: number[], communities: string[] = []): RouteAttributes {
  return {
    origin: 'igp',
    as_path: path,
    next_hop: '10.0.10.2',
    med: null,
    local_pref: null,
    atomic_aggregate: false,
    aggregator: null,
    communities,
    large_communities: [],
    ext_communities: [],
    originator_id: null,
    cluster_list: [],
    other: [],
  };
}

const pfx = (...ps: string[]): RoutePrefix[] => ps.map((prefix) => ({ prefix, path_id: null }));

/** One router's BMP sessions, as the collector would publish them. */
class RouterFeed {
  seq = 0;
  session = '';
  n = 0;
  constructor(readonly router: string) {}
  private base(): { v: 1; router: string; session: string; seq: number; time: string } {
    return { v: 1, router: this.router, session: this.session, seq: ++this.seq, time: tick() };
  }
  up(): BusRecord[] {
    this.session = `${this.router}-s${++this.n}`;
    this.seq = 0;
    return [
      { ...this.base(), type: 'router_up', remote_port: 40000 + this.n, local: '127.0.0.1:11019' },
      { ...this.base(), type: 'router_init', sys_name: 'leaf1', sys_descr: 'FRRouting 8.4.4', info: [] },
    ];
  }
  down(lost: boolean): BusRecord {
    return { ...this.base(), type: 'router_down', termination: lost ? null : { reason: 0, reason_name: 'administratively-closed', info: [] }, cause: lost ? 'connection closed' : 'termination' };
  }
  peerUp(peer: PeerRef, reset = false): BusRecord {
    const open = { asn: peer.asn, bgp_id: peer.bgp_id, hold_time: 90, families: [AF], four_octet_as: true, add_path: {}, capabilities: [1, 65], hostname: null };
    return { ...this.base(), type: 'peer_up', peer, router_time: '2025-01-01T00:00:00.000Z', local_address: '127.0.10.1', local_port: 179, remote_port: 40000, sent_open: open, received_open: open, info: [], reset };
  }
  peerDown(peer: PeerRef): BusRecord {
    return { ...this.base(), type: 'peer_down', peer, router_time: '2025-01-01T00:00:00.000Z', reason: 4, reason_name: 'remote-no-notification', notification: null, fsm_event: null, was_up: true };
  }
  announce(peer: PeerRef, prefixes: string[], path: number[], dump = false): BusRecord {
    return { ...this.base(), type: 'route', peer, rib: RIB, afi_safi: AF, router_time: '2025-01-01T00:00:00.000Z', attributes: attrs(path), announced: pfx(...prefixes), withdrawn: [], dump };
  }
  withdraw(peer: PeerRef, prefixes: string[], dump = false): BusRecord {
    return { ...this.base(), type: 'route', peer, rib: RIB, afi_safi: AF, router_time: '2025-01-01T00:00:00.000Z', attributes: null, announced: [], withdrawn: pfx(...prefixes), dump };
  }
  eor(peer: PeerRef): BusRecord {
    return { ...this.base(), type: 'end_of_rib', peer, rib: RIB, afi_safi: AF, router_time: '2025-01-01T00:00:00.000Z' };
  }
}

// ---- the pipeline: memory bus → consumer → writer ----

let wall = Date.now();
const bus = new MemoryBus();
const producer = bus.producer();
let writer: RowWriter | undefined;
let produced = 0;
let handled = 0;
let waiters: (() => void)[] = [];

async function startPipeline(): Promise<RowWriter> {
  const w = new RowWriter({ store: s(), reconcileQuietMs: 30_000, countsIntervalMs: 0, now: () => wall });
  await w.recover();
  await bus.consumer({ group: 'writer', maxRecords: 1000, maxWaitMs: 5, retryMinMs: 10 }).start(async (b) => {
    await w.handle(b);
    handled += b.records.length;
    const ws = waiters;
    waiters = [];
    for (const f of ws) f();
  });
  return w;
}

/** Publishes records and waits until the writer has stored them all. */
async function feed(records: readonly BusRecord[]): Promise<void> {
  writer ??= await startPipeline();
  producer.write(records);
  produced += records.length;
  while (handled < produced) await new Promise<void>((r) => waiters.push(r));
}

after(async () => {
  await bus.close();
});

// ---- reading back ----

interface RibRow {
  peer: string;
  prefix: string;
  path: number[];
  stale: number;
}
async function rib(router: string): Promise<RibRow[]> {
  return s().query<RibRow>(
    `SELECT peer_address AS peer, prefix, as_path AS path, stale FROM rib FINAL
      WHERE router = {router:String} AND is_withdrawn = 0 ORDER BY peer, prefix`,
    { router },
  );
}

/** History as "action peer prefix [dump] [synthetic] [path]" lines, in arrival order (a withdrawal before an announcement of the same record). */
async function history(router: string, afterSeq = -1, session?: string): Promise<string[]> {
  const rows = await s().query<{ line: string }>(
    `SELECT concat(action, ' ', peer_address, ' ', prefix, if(dump = 1, ' dump', ''), if(synthetic = 1, ' synthetic', ''), if(action = 'announce', concat(' ', toString(as_path)), '')) AS line
       FROM route_updates WHERE router = {router:String} AND ({after:Int64} < 0 OR seq > {after:Int64}) AND ({session:String} = '' OR session = {session:String})
      ORDER BY time, seq, action, peer_address, prefix`,
    { router, after: afterSeq, session: session ?? '' },
  );
  return rows.map((r) => r.line);
}

const R = new RouterFeed('192.0.2.10');

void test('a session starts: the dump lands in rib and in history as dump rows', { skip }, async () => {
  await feed([...R.up(), R.peerUp(P1), R.announce(P1, ['10.244.1.0/24', '10.244.2.0/24'], [64512, 65001], true), R.eor(P1)]);
  assert.deepEqual(await rib(R.router), [
    { peer: P1.address, prefix: '10.244.1.0/24', path: [64512, 65001], stale: 0 },
    { peer: P1.address, prefix: '10.244.2.0/24', path: [64512, 65001], stale: 0 },
  ]);
  assert.deepEqual(await history(R.router), ['announce 10.0.10.2 10.244.1.0/24 dump [64512,65001]', 'announce 10.0.10.2 10.244.2.0/24 dump [64512,65001]']);
  const ev = await s().query('SELECT event, sys_name FROM routers WHERE router = {r:String} ORDER BY time', { r: R.router });
  assert.deepEqual(ev, [
    { event: 'up', sys_name: '' },
    { event: 'init', sys_name: 'leaf1' },
  ]);
});

void test('live churn: a withdrawal, an announcement, a flap, an attribute change; an unknown withdrawal changes nothing', { skip }, async () => {
  const from = R.seq;
  await feed([
    R.withdraw(P1, ['10.244.2.0/24']),
    R.announce(P1, ['10.244.3.0/24'], [64512, 65003]),
    R.withdraw(P1, ['10.244.3.0/24']),
    R.announce(P1, ['10.244.3.0/24'], [64512, 65003]),
    R.announce(P1, ['10.244.1.0/24'], [64512, 65009, 65001]),
    R.withdraw(P1, ['192.0.2.0/24']),
  ]);
  assert.deepEqual(await rib(R.router), [
    { peer: P1.address, prefix: '10.244.1.0/24', path: [64512, 65009, 65001], stale: 0 },
    { peer: P1.address, prefix: '10.244.3.0/24', path: [64512, 65003], stale: 0 },
  ]);
  assert.deepEqual(await history(R.router, from), [
    'withdraw 10.0.10.2 10.244.2.0/24',
    'announce 10.0.10.2 10.244.3.0/24 [64512,65003]',
    'withdraw 10.0.10.2 10.244.3.0/24',
    'announce 10.0.10.2 10.244.3.0/24 [64512,65003]',
    'announce 10.0.10.2 10.244.1.0/24 [64512,65009,65001]',
    'withdraw 10.0.10.2 192.0.2.0/24',
  ]);
  const churn = await s().query<{ prefix: string; a: string; w: string }>(
    `SELECT prefix, sum(announcements) AS a, sum(withdrawals) AS w FROM prefix_churn_1m WHERE router = {r:String} GROUP BY prefix ORDER BY prefix`,
    { r: R.router },
  );
  assert.deepEqual(
    churn.map((c) => [c.prefix, Number(c.a), Number(c.w)]),
    [
      ['10.244.1.0/24', 1, 0],
      ['10.244.2.0/24', 0, 1],
      ['10.244.3.0/24', 2, 1],
      ['192.0.2.0/24', 0, 1],
    ],
    'dump rows are not churn',
  );
});

void test('a peer down withdraws that peer’s routes with synthetic rows; other peers are untouched', { skip }, async () => {
  await feed([R.peerUp(P2), R.announce(P2, ['10.245.1.0/24', '10.245.2.0/24'], [64513], true), R.eor(P2)]);
  assert.equal((await rib(R.router)).length, 4);
  const from = R.seq;
  await feed([R.peerDown(P2)]);
  assert.deepEqual(await rib(R.router), [
    { peer: P1.address, prefix: '10.244.1.0/24', path: [64512, 65009, 65001], stale: 0 },
    { peer: P1.address, prefix: '10.244.3.0/24', path: [64512, 65003], stale: 0 },
  ]);
  assert.deepEqual(await history(R.router, from), ['withdraw 10.0.10.3 10.245.1.0/24 synthetic', 'withdraw 10.0.10.3 10.245.2.0/24 synthetic']);
  const [synth] = await s().query<{ as_path: number[]; seq: string }>(
    "SELECT as_path, seq FROM route_updates WHERE router = {r:String} AND synthetic = 1 AND prefix = '10.245.1.0/24'",
    { r: R.router },
  );
  assert.deepEqual(synth?.as_path, [64513], 'a synthetic withdrawal says what went away');
  assert.equal(Number(synth?.seq), from + 1, 'at the Peer Down');
  const ev = await s().query<{ event: string; peer_address: string; reason_name: string }>(
    "SELECT event, peer_address, reason_name FROM peer_events WHERE router = {r:String} AND peer_address = '10.0.10.3' ORDER BY time",
    { r: R.router },
  );
  assert.deepEqual(ev, [
    { event: 'up', peer_address: '10.0.10.3', reason_name: '' },
    { event: 'down', peer_address: '10.0.10.3', reason_name: 'remote-no-notification' },
  ]);
});

void test('a router lost: its routes are stale; after the re-dump, what was not re-announced is withdrawn, the rest untouched', { skip }, async () => {
  await feed([R.down(true)]);
  assert.deepEqual(
    (await rib(R.router)).map((r) => [r.prefix, r.stale]),
    [
      ['10.244.1.0/24', 1],
      ['10.244.3.0/24', 1],
    ],
    'stale, still current',
  );
  const from = R.seq;
  await feed([...R.up(), R.peerUp(P1), R.announce(P1, ['10.244.1.0/24'], [64512, 65009, 65001], true), R.announce(P1, ['10.244.4.0/24'], [64512, 65004], true)]);
  assert.deepEqual(
    (await rib(R.router)).map((r) => [r.prefix, r.stale]),
    [
      ['10.244.1.0/24', 0],
      ['10.244.3.0/24', 1],
      ['10.244.4.0/24', 0],
    ],
    'during the re-dump: confirmed routes are fresh, the others still stale',
  );
  await feed([R.eor(P1)]);
  assert.deepEqual(await rib(R.router), [
    { peer: P1.address, prefix: '10.244.1.0/24', path: [64512, 65009, 65001], stale: 0 },
    { peer: P1.address, prefix: '10.244.4.0/24', path: [64512, 65004], stale: 0 },
  ]);
  assert.deepEqual(
    await history(R.router, -1, R.session),
    ['announce 10.0.10.2 10.244.1.0/24 dump [64512,65009,65001]', 'announce 10.0.10.2 10.244.4.0/24 dump [64512,65004]', 'withdraw 10.0.10.2 10.244.3.0/24 synthetic'],
    'no withdraw/announce pair for the route that survived the reset',
  );
  assert.ok(from > 0);
  assert.deepEqual(writer?.pendingRouters(), ['192.0.2.10'], 'other keys may still dump');
});

void test('routes still stale after the quiet period are withdrawn; a re-dumped one is not', { skip }, async () => {
  await feed([R.down(true), ...R.up(), R.peerUp(P1), R.announce(P1, ['10.244.4.0/24'], [64512, 65004], true)]);
  assert.deepEqual(
    (await rib(R.router)).map((r) => [r.prefix, r.stale]),
    [
      ['10.244.1.0/24', 1],
      ['10.244.4.0/24', 0],
    ],
  );
  await writer?.tick();
  assert.equal((await rib(R.router)).length, 2, 'not before the quiet period');
  wall += 31_000;
  await writer?.tick();
  assert.deepEqual(await rib(R.router), [{ peer: P1.address, prefix: '10.244.4.0/24', path: [64512, 65004], stale: 0 }]);
  assert.deepEqual(await history(R.router, -1, R.session), ['announce 10.0.10.2 10.244.4.0/24 dump [64512,65004]', 'withdraw 10.0.10.2 10.244.1.0/24 synthetic']);
  assert.deepEqual(writer?.pendingRouters(), []);
});

void test('the first live record of a key ends its re-dump: routes not re-announced are withdrawn then', { skip }, async () => {
  await feed([R.announce(P1, ['10.244.5.0/24'], [64512, 65005])]);
  await feed([R.down(true), ...R.up(), R.peerUp(P1), R.announce(P1, ['10.244.5.0/24'], [64512, 65005], true)]);
  assert.deepEqual(
    (await rib(R.router)).map((r) => [r.prefix, r.stale]),
    [
      ['10.244.4.0/24', 1],
      ['10.244.5.0/24', 0],
    ],
  );
  await feed([R.announce(P1, ['10.244.6.0/24'], [64512, 65006])]);
  assert.deepEqual(
    (await rib(R.router)).map((r) => r.prefix),
    ['10.244.5.0/24', '10.244.6.0/24'],
  );
  assert.deepEqual(await history(R.router, -1, R.session), [
    'announce 10.0.10.2 10.244.5.0/24 dump [64512,65005]',
    'withdraw 10.0.10.2 10.244.4.0/24 synthetic',
    'announce 10.0.10.2 10.244.6.0/24 [64512,65006]',
  ], 'the withdrawal is stamped with the record that ended the dump');
});

void test('a peer reset (Peer Up while up) re-dumps that peer without phantom pairs', { skip }, async () => {
  await feed([R.peerUp(P1, true), R.announce(P1, ['10.244.6.0/24'], [64512, 65006], true), R.eor(P1)]);
  assert.deepEqual(await rib(R.router), [
    { peer: P1.address, prefix: '10.244.6.0/24', path: [64512, 65006], stale: 0 },
  ]);
  const last = await history(R.router, -1, R.session);
  assert.deepEqual(last.slice(-2), ['announce 10.0.10.2 10.244.6.0/24 dump [64512,65006]', 'withdraw 10.0.10.2 10.244.5.0/24 synthetic']);
});

void test('prefix counts per peer: current routes, and a zero for a peer whose routes all went', { skip }, async () => {
  await writer?.snapshotCounts(clock + 1000);
  const rows = await s().query<{ peer_address: string; prefixes: string; stale: string }>(
    'SELECT peer_address, argMax(prefixes, time) AS prefixes, argMax(stale, time) AS stale FROM peer_prefix_counts WHERE router = {r:String} GROUP BY peer_address ORDER BY peer_address',
    { r: R.router },
  );
  assert.deepEqual(
    rows.map((r) => [r.peer_address, Number(r.prefixes), Number(r.stale)]),
    [
      ['10.0.10.2', 1, 0],
      ['10.0.10.3', 0, 0],
    ],
  );
});

// ---- replays ----

async function counts(router: string): Promise<{ ru: number; rib: number; routers: number; peers: number; stats: number }> {
  const [r] = await s().query<Record<string, string>>(
    `SELECT (SELECT count() FROM route_updates WHERE router = {r:String}) AS ru, (SELECT count() FROM rib FINAL WHERE router = {r:String}) AS rib,
            (SELECT count() FROM routers WHERE router = {r:String}) AS routers, (SELECT count() FROM peer_events WHERE router = {r:String}) AS peers,
            (SELECT count() FROM bmp_stats WHERE router = {r:String}) AS stats`,
    { r: router },
  );
  return { ru: Number(r?.['ru']), rib: Number(r?.['rib']), routers: Number(r?.['routers']), peers: Number(r?.['peers']), stats: Number(r?.['stats']) };
}

void test('the same batch delivered twice (same token) stores nothing twice, peer-down withdrawals included', { skip }, async () => {
  const F = new RouterFeed('192.0.2.20');
  const w = new RowWriter({ store: s(), countsIntervalMs: 0, now: () => wall });
  const records: BusRecord[] = [
    ...F.up(),
    F.peerUp(P1),
    F.announce(P1, ['10.250.1.0/24', '10.250.2.0/24'], [64512], true),
    { v: 1, type: 'stats', router: F.router, session: F.session, seq: ++F.seq, time: tick(), peer: P1, router_time: '2025-01-01T00:00:00.000Z', counters: [{ type: 7, name: 'routes-adj-rib-in', value: 2, afi_safi: null }, { type: 9, name: 'routes-per-afi-safi-adj-rib-in', value: '18446744073709551615', afi_safi: 'ipv4-unicast' }] },
    F.eor(P1),
    F.withdraw(P1, ['10.250.2.0/24']),
    F.peerDown(P1),
    F.peerUp(P1),
    F.announce(P1, ['10.250.3.0/24'], [64512], true),
  ];
  const batch: BusBatch = { topic: 'ribwatch.records', records, ranges: [{ partition: 0, first: 100, last: 100 + records.length - 1 }], token: 'ribwatch.records/0:100-110' };
  await w.handle(batch);
  const once = await counts(F.router);
  assert.deepEqual(once, { ru: 5, rib: 3, routers: 2, peers: 3, stats: 2 });
  assert.deepEqual(await s().query("SELECT toString(value) AS v FROM bmp_stats WHERE router = {r:String} ORDER BY counter_type", { r: F.router }), [{ v: '2' }, { v: '18446744073709551615' }]);
  await w.handle(batch);
  assert.deepEqual(await counts(F.router), once);
  assert.deepEqual(await history(F.router), [
    'announce 10.0.10.2 10.250.1.0/24 dump [64512]',
    'announce 10.0.10.2 10.250.2.0/24 dump [64512]',
    'withdraw 10.0.10.2 10.250.2.0/24',
    'withdraw 10.0.10.2 10.250.1.0/24 synthetic',
    'announce 10.0.10.2 10.250.3.0/24 dump [64512]',
  ]);
  assert.deepEqual((await rib(F.router)).map((r) => r.prefix), ['10.250.3.0/24']);
  const churn = await s().query<{ w: string; sw: string }>('SELECT sum(withdrawals) AS w, sum(synthetic_withdrawals) AS sw FROM prefix_churn_1m WHERE router = {r:String}', { r: F.router });
  assert.deepEqual(churn.map((c) => [Number(c.w), Number(c.sw)]), [[1, 1]], 'the rollup view is deduplicated with its source');
});

void test('new records under a reused offset range (the in-process bus restarted at 0) are stored, not taken for a replay', { skip }, async () => {
  const F = new RouterFeed('192.0.2.50');
  const w = new RowWriter({ store: s(), countsIntervalMs: 0, now: () => wall });
  const token = 'ribwatch.records/0:0-3';
  await w.handle({ topic: 'ribwatch.records', records: [...F.up(), F.peerUp(P1), F.announce(P1, ['10.253.1.0/24'], [64512], true)], ranges: [{ partition: 0, first: 0, last: 3 }], token });
  await w.handle({ topic: 'ribwatch.records', records: [F.down(true), ...F.up(), F.announce(P1, ['10.253.2.0/24'], [64512], true)], ranges: [{ partition: 0, first: 0, last: 3 }], token });
  assert.deepEqual(await history(F.router), ['announce 10.0.10.2 10.253.1.0/24 dump [64512]', 'announce 10.0.10.2 10.253.2.0/24 dump [64512]']);
  assert.deepEqual(await counts(F.router), { ru: 2, rib: 2, routers: 5, peers: 1, stats: 0 });
});

void test('a batch whose insert fails halfway is delivered again by the bus and stored once', { skip }, async () => {
  const F = new RouterFeed('192.0.2.30');
  // A store whose first synthetic-withdrawal statement fails: the rows before it are in, the batch is not committed.
  let failures = 0;
  const flaky = Object.create(s()) as Store;
  flaky.command = async (query, params, settings) => {
    if (failures === 0 && query.startsWith('INSERT INTO route_updates')) {
      failures++;
      throw new Error('injected: connection reset');
    }
    return s().command(query, params, settings);
  };
  const w = new RowWriter({ store: flaky, countsIntervalMs: 0, now: () => wall });
  const b = new MemoryBus();
  let done = 0;
  const errors: string[] = [];
  await b.consumer({ group: 'flaky', maxRecords: 100, maxWaitMs: 5, retryMinMs: 10, onError: (e) => errors.push(e.message) }).start(async (batch) => {
    await w.handle(batch);
    done += batch.records.length;
  });
  const records = [...F.up(), F.peerUp(P1), F.announce(P1, ['10.251.1.0/24', '10.251.2.0/24'], [64512], true), F.peerDown(P1), F.peerUp(P1), F.announce(P1, ['10.251.1.0/24'], [64512], true)];
  b.producer().write(records);
  const until = Date.now() + 10_000;
  while (done < records.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await b.close();
  assert.equal(done, records.length);
  assert.deepEqual(errors, ['injected: connection reset']);
  assert.deepEqual(await history(F.router), [
    'announce 10.0.10.2 10.251.1.0/24 dump [64512]',
    'announce 10.0.10.2 10.251.2.0/24 dump [64512]',
    'withdraw 10.0.10.2 10.251.1.0/24 synthetic',
    'withdraw 10.0.10.2 10.251.2.0/24 synthetic',
    'announce 10.0.10.2 10.251.1.0/24 dump [64512]',
  ]);
  assert.deepEqual(await counts(F.router), { ru: 5, rib: 2, routers: 2, peers: 3, stats: 0 });
});

for (const [router, cut] of [
  ['192.0.2.80', 'one longer batch'],
  ['192.0.2.81', 'two shorter batches'],
] as const) {
void test(`a crash mid-batch, then a restarted writer given the records again as ${cut}: nothing twice, nothing lost`, { skip }, async () => {
  const F = new RouterFeed(router);
  const stats = (): BusRecord => ({ v: 1, type: 'stats', router: F.router, session: F.session, seq: ++F.seq, time: tick(), peer: P1, router_time: '2025-01-01T00:00:00.000Z', counters: [{ type: 7, name: 'routes-adj-rib-in', value: 2, afi_safi: null }] });
  const records: BusRecord[] = [
    ...F.up(),
    F.peerUp(P1),
    F.announce(P1, ['10.248.1.0/24', '10.248.2.0/24'], [64512], true),
    stats(),
    F.eor(P1),
    F.withdraw(P1, ['10.248.2.0/24']),
    F.peerUp(P2),
    F.announce(P2, ['10.248.3.0/24'], [64513], true),
    F.peerDown(P2),
    F.announce(P1, ['10.248.4.0/24'], [64512]),
  ];
  // Writer A dies at its second synthetic-withdrawal statement (the Peer Down's), after the rows before it are in.
  let n = 0;
  const flaky = Object.create(s()) as Store;
  flaky.command = async (query, params, settings) => {
    if (query.startsWith('INSERT INTO route_updates') && ++n === 2) throw new Error('injected: killed');
    return s().command(query, params, settings);
  };
  const a = new RowWriter({ store: flaky, countsIntervalMs: 0, now: () => wall });
  await assert.rejects(a.handle({ topic: 't', records: records.slice(0, 11), ranges: [{ partition: 0, first: 500, last: 510 }], token: 't/0:500-510' }), /killed/);
  const mid = await counts(F.router);
  assert.ok(mid.ru >= 4 && mid.peers >= 2 && mid.stats === 1, JSON.stringify(mid));
  // Writer B starts from the committed offset and gathers a longer batch: another token.
  const b = new RowWriter({ store: s(), countsIntervalMs: 0, now: () => wall });
  await b.recover();
  if (cut === 'one longer batch') await b.handle({ topic: 't', records, ranges: [{ partition: 0, first: 500, last: 511 }], token: 't/0:500-511' });
  else {
    // The first redelivered batch ends before the rows the dead writer stored: the marks must outlive it.
    await b.handle({ topic: 't', records: records.slice(0, 4), ranges: [{ partition: 0, first: 500, last: 503 }], token: 't/0:500-503' });
    await b.handle({ topic: 't', records: records.slice(4), ranges: [{ partition: 0, first: 504, last: 511 }], token: 't/0:504-511' });
  }
  assert.deepEqual(await history(F.router), [
    'announce 10.0.10.2 10.248.1.0/24 dump [64512]',
    'announce 10.0.10.2 10.248.2.0/24 dump [64512]',
    'withdraw 10.0.10.2 10.248.2.0/24',
    'announce 10.0.10.3 10.248.3.0/24 dump [64513]',
    'withdraw 10.0.10.3 10.248.3.0/24 synthetic',
    'announce 10.0.10.2 10.248.4.0/24 [64512]',
  ]);
  assert.deepEqual(await counts(F.router), { ru: 6, rib: 4, routers: 2, peers: 3, stats: 1 });
  assert.deepEqual((await rib(F.router)).map((r) => r.prefix), ['10.248.1.0/24', '10.248.4.0/24']);
});
}

void test('a reconciliation that fails is run again when the batch is delivered again', { skip }, async () => {
  const F = new RouterFeed('192.0.2.70');
  // Fail the second synthetic-withdrawal statement: the reconciliation at the re-dump's End-of-RIB.
  let seen = 0;
  const flaky = Object.create(s()) as Store;
  flaky.command = async (query, params, settings) => {
    if (query.startsWith('INSERT INTO route_updates') && ++seen === 2) throw new Error('injected: timeout');
    return s().command(query, params, settings);
  };
  const w = new RowWriter({ store: flaky, countsIntervalMs: 0, now: () => wall });
  const batch = (records: BusRecord[], n: number): BusBatch => ({ topic: 't', records, ranges: [{ partition: 0, first: n, last: n }], token: `t/0:${n}-${n}` });
  await w.handle(batch([...F.up(), F.peerUp(P1), F.announce(P1, ['10.249.1.0/24', '10.249.2.0/24'], [64512], true), F.eor(P1), F.down(true)], 1));
  await w.handle(batch([...F.up(), F.peerUp(P1), F.announce(P1, ['10.249.1.0/24'], [64512], true)], 2));
  const third = batch([F.eor(P1)], 3);
  await assert.rejects(w.handle(third), /injected: timeout/);
  await w.handle(third);
  assert.deepEqual((await rib(F.router)).map((r) => [r.prefix, r.stale]), [['10.249.1.0/24', 0]]);
  assert.deepEqual(await history(F.router, -1, F.session), ['announce 10.0.10.2 10.249.1.0/24 dump [64512]', 'withdraw 10.0.10.2 10.249.2.0/24 synthetic']);
});

void test('a restarted writer picks up a reconnected router whose re-dump was under way', { skip }, async () => {
  const F = new RouterFeed('192.0.2.40');
  const w1 = new RowWriter({ store: s(), countsIntervalMs: 0, now: () => wall });
  const batch = (records: BusRecord[], n: number): BusBatch => ({ topic: 't', records, ranges: [{ partition: 0, first: n, last: n }], token: `t/0:${n}-${n}` });
  await w1.handle(batch([...F.up(), F.peerUp(P1), F.announce(P1, ['10.252.1.0/24', '10.252.2.0/24'], [64512], true), F.eor(P1), F.down(true)], 1));
  await w1.handle(batch([...F.up(), F.peerUp(P1), F.announce(P1, ['10.252.2.0/24'], [64512], true)], 2));
  // The writer stops here; a new one starts.
  const w2 = new RowWriter({ store: s(), countsIntervalMs: 0, reconcileQuietMs: 30_000, now: () => wall });
  await w2.recover();
  assert.ok(w2.pendingRouters().includes(F.router));
  await w2.tick();
  assert.equal((await rib(F.router)).length, 2, 'its quiet period starts at the restart');
  wall += 31_000;
  await w2.tick();
  assert.deepEqual((await rib(F.router)).map((r) => [r.prefix, r.stale]), [['10.252.2.0/24', 0]]);
});

void test('startWriter: consumes the bus, commits, and its timer reconciles after the quiet period', { skip }, async () => {
  const F = new RouterFeed('192.0.2.60');
  const b = new MemoryBus();
  // Records stamped now: the writer's clock follows them, then the wall clock.
  clock = Date.now() - 1000;
  const running = await startWriter(b, s(), { group: 'run', maxRecords: 100, maxWaitMs: 5, tickMs: 20, reconcileQuietMs: 300, countsIntervalMs: 50 });
  b.producer().write([...F.up(), F.peerUp(P1), F.announce(P1, ['10.254.1.0/24', '10.254.2.0/24'], [64512], true), F.eor(P1), F.down(true), ...F.up(), F.peerUp(P1), F.announce(P1, ['10.254.1.0/24'], [64512], true)]);
  const until = Date.now() + 10_000;
  let current: RibRow[] = [];
  while (Date.now() < until) {
    // The rows land before the writer notes the reconciliation as done: wait for both.
    current = await rib(F.router);
    if (current.length === 1 && !running.writer.pendingRouters().includes(F.router)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(current.map((r) => [r.prefix, r.stale]), [['10.254.1.0/24', 0]]);
  assert.deepEqual(running.writer.pendingRouters().includes(F.router), false);
  while (Date.now() < until && (await s().query("SELECT 1 FROM peer_prefix_counts WHERE router = {r:String} AND prefixes = 1", { r: F.router })).length === 0) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(Date.now() < until, 'prefix counts snapshotted by the timer');
  await running.stop();
  await b.close();
  assert.equal(running.writer.stats.records, 10);
  const registry = createRegistry({ processMetrics: false });
  registerWriterMetrics(registry, running.writer);
  const text = await registry.metrics();
  assert.match(text, /^ribwatch_writer_records_total 10$/m);
  assert.match(text, /^ribwatch_writer_route_update_rows_total 3$/m);
  assert.match(text, /^ribwatch_writer_pending_reconciliations 0$/m);
  assert.match(text, /^ribwatch_writer_batch_failures_total 0$/m);
  assert.match(text, /^ribwatch_writer_lag_seconds \d/m);
});

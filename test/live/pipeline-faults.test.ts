/**
 * Faults on the Kafka pipeline (issue 3, "How it must be proven"), each role its own process so it
 * can be killed by PID and measured alone:
 *
 *   router (this process, a 200k-route BMP replay) → collector process (test/live/pipeline-role.ts:
 *   the library's collector and Kafka producer, reporting its producer's pending bytes and RSS)
 *   → REAL Kafka broker → `ribwatch writer` → embedded store (its own temp data dir), read
 *   with `ribwatch sql` once the writer has stopped (chDB: one process per data dir)
 *
 * 1. kill -9 the broker in the middle of the dump and restart it on the same data: nothing lost
 *    (route_updates rows and rib equal what was sent), nothing duplicated; the collector's memory
 *    stays bounded by the producer's high-water mark (its pending bytes, its RSS), and the router
 *    waits on TCP (the sender's byte count stands still while the broker is away).
 * 2. kill -9 `ribwatch writer` while it writes batches and restart it: what it had not committed
 *    comes again; nothing lost, nothing duplicated in rib, route_updates not duplicated either
 *    (insert deduplication tokens, and the writer's per-session stored-sequence marks).
 *
 * "Done" is the consumer group's committed offsets at the end of the topic (kafkajs admin).
 *
 * The stream: 180,000 IPv4 /24s and 20,000 IPv6 /48s, two prefixes per UPDATE (100,000 Route
 * Monitoring messages, ~14 MB — more than the loopback socket buffers hold, so a paused collector
 * really holds the router back), generated with bmp-parser's encoders and cached in .scratch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadChdb } from '../../store/index.js';
import { freePorts } from './harness/ports.js';
import { kafkaSkipReason, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';
import { KafkaBus } from '../../bus/kafka.js';
import { CliRole, REPO, RoleProcess, manyRouteStream, ribwatch, ribwatchSql, roleEnv, sendStream, until } from './pipeline-harness.js';
import type { RoleStats, Sender, StreamInfo } from './pipeline-harness.js';
import type { RoleConfig } from './pipeline-role.js';

let skip: false | string = kafkaSkipReason();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `pipeline fault tests skipped: ${(e as Error).message}`;
  }
}

const V4 = 180_000;
const V6 = 20_000;
const TOTAL = V4 + V6;
/** The collector's producer high-water mark: small, so the outage shows backpressure quickly. */
const HIGH_WATER = 4 * 1024 * 1024;
const MiB = 1024 * 1024;
/** RIBWATCH_PIPELINE_ONLY=broker|writer runs one of the two (for working on it). */
const only = process.env['RIBWATCH_PIPELINE_ONLY'];
const run = `${process.pid}-${Date.now().toString(36)}`;

// The bound covers both scenarios together (each 75-150 s on an idle 2-core machine; each step inside keeps its own bounded waits).
void describe('pipeline faults: kill -9 the Kafka broker mid-dump, kill -9 the writer mid-batch', { skip, timeout: 360_000 }, () => {
  let broker: KafkaTestBroker | undefined;
  let stream: StreamInfo;
  const roles: RoleProcess[] = [];
  const writers: CliRole[] = [];
  const senders: Sender[] = [];
  const dirs: string[] = [];

  before(async () => {
    const [port, cport] = await freePorts(2);
    broker = await startTestKafka({ port: port as number, controllerPort: cport as number, dir: join(REPO, '.scratch', `pipeline-faults-kafka-${process.pid}`) });
    stream = manyRouteStream(join(REPO, '.scratch', 'pipeline'), V4, V6, 2);
  });

  after(async () => {
    for (const s of senders) s.close();
    for (const w of writers) await w.stop(10_000);
    for (const r of roles) {
      await r.stop(10_000);
      if (process.env['RIBWATCH_PIPELINE_LOG']) writeFileSync(join(REPO, '.scratch', `pipeline-faults-${r.pid}.log`), r.stderr);
    }
    await broker?.stop();
    // kafka.sh clean leaves the (empty) broker directory.
    if (broker?.ours) rmSync(broker.dir, { recursive: true, force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const b = (): KafkaTestBroker => {
    if (!broker) throw new Error('broker not started');
    return broker;
  };

  interface Scenario {
    readonly collector: RoleConfig;
    readonly env: NodeJS.ProcessEnv;
    readonly topic: string;
    readonly group: string;
    readonly metricsPort: number;
  }

  async function scenario(name: string): Promise<Scenario> {
    const dir = mkdtempSync(join(tmpdir(), `ribwatch-pipeline-faults-${name}-`));
    dirs.push(dir);
    const topic = `pipeline-${name}-${run}`;
    const group = `pipeline-${name}-${run}`;
    const [metricsPort] = await freePorts(1);
    const env = roleEnv({ brokers: b().brokers, topic, group, dataDir: join(dir, 'data'), metricsPort: metricsPort, maxRecords: 5000, maxWaitMs: 1000 });
    const m = await ribwatch(['migrate'], env);
    assert.equal(m.code, 0, `ribwatch migrate: ${m.stderr}`);
    const logLevel = (process.env['RIBWATCH_PIPELINE_LOG'] ?? 'warn') as 'warn';
    return {
      collector: { role: 'collector', kafka: { brokers: b().brokers, topic, partitions: 2 }, collector: { highWaterBytes: HIGH_WATER, dumpQuietSeconds: 30 }, statsMs: 50, logLevel },
      env,
      topic,
      group,
      metricsPort: metricsPort as number,
    };
  }

  async function startCollector(sc: Scenario): Promise<RoleProcess> {
    const r = await RoleProcess.start('collector', sc.collector, { timeoutMs: 90_000, keepHistory: true });
    roles.push(r);
    return r;
  }

  async function startWriter(sc: Scenario, name = 'ribwatch writer'): Promise<CliRole> {
    const w = new CliRole(name, ['writer'], sc.env, sc.metricsPort);
    writers.push(w);
    await until(`${name} to serve metrics`, async () => {
      if (w.exited) throw new Error(`${name} exited ${w.exitCode ?? w.exitSignal}`);
      return (await w.metrics()) !== undefined;
    }, 90_000, 200, () => w.explain());
    return w;
  }

  /** Committed offsets of the writer's group at the end of every partition. */
  async function groupAtEnd(sc: Scenario): Promise<boolean> {
    const admin = new KafkaBus({ brokers: b().brokers, topic: sc.topic }).kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(sc.topic);
      const [committed] = await admin.fetchOffsets({ groupId: sc.group, topics: [sc.topic] });
      return ends.every((e) => {
        const c = committed?.partitions.find((p) => p.partition === e.partition);
        const at = Number(c?.offset ?? -1);
        return Number(e.high) === 0 || at >= Number(e.high);
      });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits (bounded) until the writer's group has committed every record, stops the writer
   * (SIGTERM: exit 0), then checks with `ribwatch sql`: counts, uniqueness, a sample of attributes.
   */
  async function assertComplete(sc: Scenario, writer: CliRole, what: string): Promise<void> {
    await until(`${what}: the writer's group to commit every record`, () => groupAtEnd(sc), 120_000, 1000, () => writer.explain());
    await writer.stop();
    assert.equal(writer.exitCode, 0, `${writer.name} exits 0 on SIGTERM\n${writer.explain()}`);
    const sql = <T>(q: string): Promise<T[]> => ribwatchSql<T>(q, sc.env);
    const [u] = await sql<{ n: string; prefixes: string; announces: string; v4: string; v6: string }>(
      `SELECT count() AS n, uniqExact(prefix) AS prefixes, countIf(action = 'announce') AS announces,
              countIf(afi_safi = 'ipv4-unicast') AS v4, countIf(afi_safi = 'ipv6-unicast') AS v6 FROM route_updates`,
    );
    assert.deepEqual(
      { n: Number(u?.n), prefixes: Number(u?.prefixes), announces: Number(u?.announces), v4: Number(u?.v4), v6: Number(u?.v6) },
      { n: TOTAL, prefixes: TOTAL, announces: TOTAL, v4: V4, v6: V6 },
      `${what}: route_updates holds every sent route exactly once`,
    );
    const [r] = await sql<{ n: string; keys: string; current: string }>(
      `SELECT count() AS n, uniqExact(router, peer_type, peer_rd, peer_address, rib, afi_safi, prefix, rd, path_id) AS keys, countIf(is_withdrawn = 0) AS current FROM rib FINAL`,
    );
    assert.deepEqual({ n: Number(r?.n), keys: Number(r?.keys), current: Number(r?.current) }, { n: TOTAL, keys: TOTAL, current: TOTAL }, `${what}: rib holds each route once, none withdrawn`);
    const sample = await sql<{ prefix: string; as_path: number[]; communities: string[]; next_hop: string }>(
      `SELECT prefix, as_path, communities, next_hop FROM rib FINAL WHERE prefix IN ('11.0.0.0/24', '11.0.2.0/24', '2001:db8:2::/48') ORDER BY prefix`,
    );
    assert.equal(sample.length, 3, `sample rows: ${JSON.stringify(sample)}`);
    const v4a = sample.find((x) => x.prefix === '11.0.0.0/24');
    assert.deepEqual(v4a?.as_path, [65010, 64600, 4200000000]);
    assert.deepEqual(v4a?.communities, ['65010:0']);
    assert.equal(v4a?.next_hop, '192.0.2.1');
    assert.deepEqual(sample.find((x) => x.prefix === '11.0.2.0/24')?.as_path, [65010, 64601, 4200000001]);
  }

  void it('kill -9 the broker mid-dump, restart it: nothing lost or duplicated; collector memory bounded; the router waits on TCP', { skip: only !== undefined && only !== 'broker' }, async () => {
    const sc = await scenario('broker');
    const collector = await startCollector(sc);
    const writer = await startWriter(sc);
    const half = Math.floor(stream.bytes * 0.4);
    const sender = await sendStream(stream.file, collector.port, { pauseAt: half, sampleMs: 50 });
    senders.push(sender);
    await until('the router to send 40% of the dump', () => sender.held(), 30_000, 20);
    // Everything read so far acknowledged by the broker: the outage starts mid-dump with a clean slate.
    await until('the first 40% to be acknowledged by Kafka', () => collector.stats?.bytesIn === sender.sent() && collector.stats.producer?.pendingRecords === 0, 60_000, 20, () => JSON.stringify(collector.stats));
    const ackedAtKill = collector.stats?.producer?.acked ?? 0;
    const rssAtKill = collector.stats?.rss ?? 0;
    const brokerPid = b().pid();
    b().kill9();
    await until('the broker to die', () => {
      try {
        process.kill(brokerPid as number, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000, 20);
    const tKill = Date.now();
    sender.resume();
    // The collector fills its producer to the high-water mark and pauses the router's socket; the
    // kernel's socket buffers fill; then the router cannot send.
    await until('the collector to pause the router socket', () => (collector.stats?.paused ?? 0) > 0, 30_000, 20, () => JSON.stringify(collector.stats));
    let flatSince = Date.now();
    let lastSent = sender.sent();
    await until(
      'the router to stand still on TCP for 3 s',
      () => {
        const x = sender.sent();
        if (x !== lastSent) {
          lastSent = x;
          flatSince = Date.now();
        }
        return Date.now() - flatSince >= 3000;
      },
      40_000,
      50,
    );
    const sentWhileDown = sender.sent();
    // Restart on the same data dir.
    const tRestart = Date.now();
    await b().start();
    const tBack = Date.now();
    const outage = collector.history.filter((x) => x.t >= tKill && x.t <= tBack);
    const maxPending = Math.max(...outage.map((x) => x.producer?.pendingBytes ?? 0));
    const maxRss = Math.max(...outage.map((x) => x.rss));
    const doneAt = await sender.done;
    const tSenderDone = Date.now();
    const still = sender.samples.filter((x) => x.sent === sentWhileDown);
    const held = (still.at(-1)?.ms ?? 0) - (still[0]?.ms ?? 0);
    assert.ok(sentWhileDown < stream.bytes, `the router was held back: ${sentWhileDown} of ${stream.bytes} bytes sent while the broker was down`);
    assert.ok(maxPending <= HIGH_WATER + 4 * MiB, `producer pending bytes bounded: max ${(maxPending / MiB).toFixed(1)} MiB (high-water ${HIGH_WATER / MiB} MiB)`);
    assert.ok(maxRss - rssAtKill < 128 * MiB, `collector RSS bounded during the outage: ${(rssAtKill / MiB).toFixed(0)} → max ${(maxRss / MiB).toFixed(0)} MiB`);
    const errs = collector.stats?.producer?.sendErrors ?? 0;
    console.error(
      `# broker kill -9 with ${(half / MiB).toFixed(1)} of ${(stream.bytes / MiB).toFixed(1)} MiB sent (${ackedAtKill} records acked); ` +
        `router held at ${(sentWhileDown / MiB).toFixed(1)} MiB for ${(held / 1000).toFixed(1)} s (broker restart took ${((tBack - tRestart) / 1000).toFixed(1)} s); ` +
        `producer pending max ${(maxPending / MiB).toFixed(1)} MiB (high-water ${HIGH_WATER / MiB}); collector RSS ${(rssAtKill / MiB).toFixed(0)} → max ${(maxRss / MiB).toFixed(0)} MiB during the outage; ` +
        `${errs} failed sends retried; the router finished ${((tSenderDone - tBack) / 1000).toFixed(1)} s after the broker was back (${((doneAt.tSent - doneAt.tFirstByte) / 1000).toFixed(1)} s in all)`,
    );
    printSamples(sender, collector.history, tKill);
    await until('the collector to publish every record', () => collector.stats?.producer?.pendingRecords === 0 && collector.stats.producer.acked === stream.updates + 5, 60_000, 100, () => JSON.stringify(collector.stats));
    await assertComplete(sc, writer, 'after the broker outage');
    sender.close();
    await collector.stop();
  });

  void it('kill -9 `ribwatch writer` mid-batch, restart it: nothing lost; rib and route_updates not duplicated', { skip: only !== undefined && only !== 'writer' }, async () => {
    const sc = await scenario('writer');
    const collector = await startCollector(sc);
    let writer = await startWriter(sc);
    const sender = await sendStream(stream.file, collector.port);
    senders.push(sender);
    let before: Map<string, number> | undefined;
    await until('the writer to have stored a few batches', async () => {
      before = await writer.metrics();
      return (before?.get('ribwatch_writer_route_update_rows_total') ?? 0) >= 20_000;
    }, 90_000, 50, () => writer.explain());
    // Batches follow each other back to back here (a 5,000-record batch takes ~0.5-1 s to store): the
    // kill lands inside one, or between its insert and its commit.
    writer.kill9();
    await writer.waitExit();
    assert.equal(writer.exitSignal, 'SIGKILL');
    await sender.done;
    await until('the collector to publish every record', () => collector.stats?.producer?.pendingRecords === 0 && collector.stats.producer.acked === stream.updates + 5, 60_000, 100, () => JSON.stringify(collector.stats));
    writer = await startWriter(sc, 'ribwatch writer (restarted)');
    let after: Map<string, number> | undefined;
    await until('the restarted writer to catch up', async () => {
      after = await writer.metrics();
      return groupAtEnd(sc);
    }, 120_000, 1000, () => writer.explain());
    await assertComplete(sc, writer, 'after the writer restart');
    const rows0 = before?.get('ribwatch_writer_route_update_rows_total') ?? 0;
    const recs1 = after?.get('ribwatch_writer_records_total') ?? 0;
    const rows1 = after?.get('ribwatch_writer_route_update_rows_total') ?? 0;
    console.error(
      `# ribwatch writer kill -9 after >= ${rows0} route_updates rows (${before?.get('ribwatch_writer_batches_total')} batches by its last scrape); ` +
        `the restarted writer consumed ${recs1} records from the last committed offset (of ${stream.updates + 5}) and inserted ${rows1} rows; route_updates and rib exact (${TOTAL})`,
    );
    sender.close();
    await collector.stop();
  });
});

/** The router's bytes and the collector's pending bytes around the outage, one line per second. */
function printSamples(sender: Sender, history: readonly RoleStats[], tKill: number): void {
  const t0 = sender.t0Wall;
  const lines: string[] = [];
  let next = 0;
  for (const s of sender.samples) {
    const at = t0 + s.ms;
    if (s.ms < next || at < tKill - 2000) continue;
    next = s.ms + 1000;
    const c = history.find((h) => h.t >= at);
    lines.push(`${((at - tKill) / 1000).toFixed(1).padStart(6)} s  router sent ${(s.sent / MiB).toFixed(1).padStart(5)} MiB  producer pending ${((c?.producer?.pendingBytes ?? 0) / MiB).toFixed(1).padStart(5)} MiB  collector RSS ${((c?.rss ?? 0) / MiB).toFixed(0)} MiB  paused ${c?.paused ?? '?'}`);
  }
  console.error(`# timeline (0 = broker killed):\n${lines.map((l) => `#   ${l}`).join('\n')}`);
}

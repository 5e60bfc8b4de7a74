/**
 * A test-only entry that runs one pipeline role from the library, as its own process, so that a
 * test can kill -9 it (the writer) or measure it alone (RSS, CPU): until `ribwatch writer` /
 * `ribwatch run` exist as commands (bin/commands), the pipeline tests and bench:pipeline start
 * the roles with this.
 *
 *   node dist/test/live/pipeline-role.js '<RoleConfig as JSON>'
 *
 * Roles:
 *   writer     Kafka consumer group → Writer → chDB (its own data dir)
 *   collector  BMP listener → Kafka producer
 *   run        collector → in-process bus → writer → chDB, one process (the embedded default)
 *
 * Protocol on stdout, one JSON object per line: {"ready":true,"port":N} once listening/consuming,
 * then {"stats":{...}} every statsMs. On stdin, one JSON object per line {"id":N,"sql":"..."}: a
 * SELECT against the store (writer, run), answered with {"id":N,"rows":[...]} or {"id":N,"error":".."}
 * — the store lives in this process (chDB binds one data dir per process), so this is how a test
 * reads it while the role runs. SIGTERM stops gracefully (commits what is gathered), exit 0.
 */
import { createInterface } from 'node:readline';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { startWriter } from '../../collector/writer/index.js';
import type { RunningWriter } from '../../collector/writer/index.js';
import { openBus } from '../../core/bus/index.js';
import type { Bus, BusProducer } from '../../core/bus/index.js';
import { createLogger } from '../../core/log.js';
import { createRegistry } from '../../core/metrics.js';
import { migrate } from '../../core/migrate.js';
import { parseCidr } from '../../core/net.js';
import type { Cidr } from '../../core/net.js';
import { openStore } from '../../core/store/index.js';
import type { Store } from '../../core/store/index.js';

export interface RoleConfig {
  readonly role: 'writer' | 'collector' | 'run';
  readonly kafka?: { readonly brokers: string[]; readonly topic: string; readonly partitions?: number; readonly compression?: 'none' | 'gzip' };
  readonly store?: { readonly dataDir: string; readonly database: string };
  readonly listen?: { readonly host: string; readonly port: number };
  readonly writer?: {
    readonly group?: string; readonly maxRecords?: number; readonly maxWaitMs?: number; readonly reconcileQuietMs?: number; readonly tickMs?: number; readonly format?: 'tsv' | 'json' };
  readonly collector?: { readonly dumpQuietSeconds?: number; readonly highWaterBytes?: number };
  readonly statsMs?: number;
  readonly logLevel?: 'warn' | 'info' | 'debug' | 'error';
}

function out(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as RoleConfig;
  const log = createLogger({ level: cfg.logLevel ?? 'warn', name: `ribwatch-${cfg.role}` });
  let bus: Bus;
  if (cfg.role === 'run') bus = await openBus({ kind: 'memory' });
  else {
    const k = cfg.kafka;
    if (!k) throw new Error('kafka config missing');
    bus = await openBus({ kind: 'kafka', brokers: k.brokers, topic: k.topic, partitions: k.partitions ?? 1, replicationFactor: 1, compression: k.compression ?? 'gzip', clientId: `ribwatch-${cfg.role}`, logger: log });
  }
  await bus.setup();

  let store: Store | undefined;
  let writer: RunningWriter | undefined;
  if (cfg.role !== 'collector') {
    if (!cfg.store) throw new Error('store config missing');
    store = await openStore({ kind: 'embedded', dataDir: cfg.store.dataDir, database: cfg.store.database });
    await migrate(store);
    const w = cfg.writer ?? {};
    writer = await startWriter(bus, store, {
      ...(w.group !== undefined ? { group: w.group } : {}),
      ...(w.maxRecords !== undefined ? { maxRecords: w.maxRecords } : {}),
      ...(w.maxWaitMs !== undefined ? { maxWaitMs: w.maxWaitMs } : {}),
      ...(w.reconcileQuietMs !== undefined ? { reconcileQuietMs: w.reconcileQuietMs } : {}),
      ...(w.tickMs !== undefined ? { tickMs: w.tickMs } : {}),
      ...(w.format !== undefined ? { format: w.format } : {}),
      countsIntervalMs: 0,
      log,
    });
  }

  let collector: BmpCollector | undefined;
  let producer: BusProducer | undefined;
  let port = 0;
  if (cfg.role !== 'writer') {
    producer = bus.producer({ ...(cfg.collector?.highWaterBytes !== undefined ? { highWaterBytes: cfg.collector.highWaterBytes } : {}), onError: (err, context) => log.warn({ err: err.message, context }, 'producer') });
    collector = new BmpCollector({
      listen: cfg.listen ?? { host: '127.0.0.1', port: 0 },
      maxSessions: 64,
      maxMessageBytes: 1 << 20,
      tcpKeepaliveSeconds: 0,
      allow: [parseCidr('127.0.0.0/8'), parseCidr('::1/128')].filter((c): c is Cidr => typeof c !== 'string'),
      dumpQuietSeconds: cfg.collector?.dumpQuietSeconds ?? 10,
      sink: producer,
      log,
      metrics: new CollectorMetrics(createRegistry()),
    });
    port = (await collector.start()).port;
  }

  const cpu0 = process.cpuUsage();
  let peakRss = 0;
  const stats = (): Record<string, unknown> => {
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    const c = process.cpuUsage(cpu0);
    const sessions = collector ? [...collector.sessions] : [];
    return {
      t: Date.now(),
      rss,
      peakRss,
      cpuMs: (c.user + c.system) / 1000,
      ...(producer ? { producer: producer.stats() } : {}),
      ...(collector ? { sessions: sessions.length, paused: sessions.filter((s) => s.paused).length, pauses: sessions.reduce((n, s) => n + s.pauses, 0), bytesIn: sessions.reduce((n, s) => n + s.bytes, 0) } : {}),
      ...(writer ? { writer: writer.writer.stats, pending: writer.writer.pendingRouters() } : {}),
    };
  };
  const timer = setInterval(() => out({ stats: stats() }), cfg.statsMs ?? 200);

  if (store) {
    const s = store;
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      let req: { id: number; sql: string };
      try {
        req = JSON.parse(line) as { id: number; sql: string };
      } catch {
        return;
      }
      s.query(req.sql).then(
        (rows) => out({ id: req.id, rows }),
        (e: unknown) => out({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
      );
    });
  }
  // Kafka metadata and migrations done, listener bound, consumer joined.
  out({ ready: true, port, pid: process.pid });

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  await collector?.stop('shutdown');
  await producer?.flush();
  await writer?.stop();
  await bus.close();
  await store?.close();
  out({ stats: stats(), stopped: true });
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`pipeline-role: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

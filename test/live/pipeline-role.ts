/**
 * A test-only entry that runs the collector role from the library as its own process, publishing
 * to Kafka, and reports what `ribwatch collector` has no metric for: its producer's pending bytes
 * (the high-water mark at work), paused router sockets, and its RSS, every statsMs. The fault
 * tests kill the broker under it and check that memory stays bounded while the router waits.
 *
 *   node dist/test/live/pipeline-role.js '<RoleConfig as JSON>'
 *
 * stdout, one JSON object per line: {"ready":true,"port":N} once listening, then {"stats":{...}}.
 * SIGTERM stops it (router_down for each session, producer flushed), exit 0.
 */
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { openBus } from '../../bus/index.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';

export interface RoleConfig {
  readonly role: 'collector';
  readonly kafka: { readonly brokers: string[]; readonly topic: string; readonly partitions?: number; readonly compression?: 'none' | 'gzip' };
  readonly listen?: { readonly host: string; readonly port: number };
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
  const k = cfg.kafka;
  const bus = await openBus({ kind: 'kafka', brokers: k.brokers, topic: k.topic, partitions: k.partitions ?? 1, replicationFactor: 1, compression: k.compression ?? 'gzip', clientId: 'ribwatch-collector', logger: log });
  await bus.setup();
  const producer = bus.producer({ ...(cfg.collector?.highWaterBytes !== undefined ? { highWaterBytes: cfg.collector.highWaterBytes } : {}), onError: (err, context) => log.warn({ err: err.message, context }, 'producer') });
  const collector = new BmpCollector({
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
  const port = (await collector.start()).port;

  const cpu0 = process.cpuUsage();
  let peakRss = 0;
  const stats = (): Record<string, unknown> => {
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    const c = process.cpuUsage(cpu0);
    const sessions = [...collector.sessions];
    return {
      t: Date.now(),
      rss,
      peakRss,
      cpuMs: (c.user + c.system) / 1000,
      producer: producer.stats(),
      sessions: sessions.length,
      paused: sessions.filter((s) => s.paused).length,
      pauses: sessions.reduce((n, s) => n + s.pauses, 0),
      bytesIn: sessions.reduce((n, s) => n + s.bytes, 0),
    };
  };
  const timer = setInterval(() => out({ stats: stats() }), cfg.statsMs ?? 200);
  out({ ready: true, port, pid: process.pid });

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  await collector.stop('shutdown');
  await producer.flush();
  await bus.close();
  out({ stats: stats(), stopped: true });
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`pipeline-role: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

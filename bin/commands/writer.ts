/**
 * `ribwatch writer`: the writer role on its own. A Kafka consumer group (writer.group) whose
 * batches become ClickHouse rows (writer/), offsets committed only after the insert
 * succeeded. The store is a ClickHouse server, or the embedded engine with a data directory for
 * a single host, development and tests (one process per data directory).
 *
 * It does not create tables: run `ribwatch migrate` first (several writers applying migrations
 * at once would race); a store with pending migrations is refused with that advice.
 */
import { parseArgs } from 'node:util';
import { registerWriterMetrics, startWriter } from '../../writer/index.js';
import type { RunningWriter } from '../../writer/index.js';
import type { Bus } from '../../bus/index.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry, startMetricsServer } from '../../telemetry/metrics.js';
import type { MetricsServer } from '../../telemetry/metrics.js';
import { formatHostPort } from '../../net/addresses.js';
import { connectKafka, kafkaOptions } from '../setup/bus.js';
import { StartupError } from '../../lifecycle/startup.js';
import { writerOptions } from '../../writer/options.js';
import type { Store } from '../../store/index.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';
import { configFile, loadRoleConfig, openMigratedStore, requireKafka, startupFailed, waitForSignal } from './role-setup.js';

const USAGE = `usage: ribwatch writer [--config FILE]

Consumes the records the collector publishes on Kafka (bus.brokers, bus.topic) as consumer group
writer.group and inserts them into ClickHouse (store.*), in batches of writer.maxRecords records
or writer.maxWaitMs; offsets are committed only after the insert succeeded, and a batch delivered
again inserts nothing twice. Run \`ribwatch migrate\` against the same store first.

options:
  --config FILE   YAML configuration (default: $RIBWATCH_CONFIG); bus.kind must be kafka
  -h, --help      this text

Logs are JSON lines on stderr; Prometheus metrics on writer.metricsListen (default
127.0.0.1:9109/metrics). Stop with SIGINT or SIGTERM: the batch in hand is written and
committed, then the writer leaves the group.`;

export const command: Command = {
  usage: USAGE,
  async run(argv, io: CliIo) {
    let values: { config?: string };
    try {
      ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' } }, strict: true, allowPositionals: false }));
    } catch (err) {
      return usageError(io, 'writer', err instanceof Error ? err.message : String(err));
    }
    const file = configFile(values.config);
    const config = loadRoleConfig('writer', io, file);
    if (typeof config === 'number') return config;
    const notKafka = requireKafka('writer', config, file, io);
    if (notKafka !== undefined) return notKafka;
    const log = createLogger({ level: config.log.level });
    let store: Store | undefined;
    let bus: Bus | undefined;
    let running: RunningWriter | undefined;
    let metricsServer: MetricsServer | undefined;
    try {
      const busOpts = kafkaOptions(config.bus, log);
      store = await openMigratedStore(config, file);
      bus = await connectKafka(busOpts);
      running = await startWriter(bus, store, { ...writerOptions(config.writer), log });
      if (config.writer.metricsListen !== null) {
        const registry = createRegistry();
        registerWriterMetrics(registry, running.writer);
        const listen = config.writer.metricsListen;
        metricsServer = await startMetricsServer(registry, listen).catch((err: unknown) => {
          throw new StartupError(`writer.metricsListen ${formatHostPort(listen)}: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    } catch (err) {
      await running?.stop().catch(() => undefined);
      await bus?.close().catch(() => undefined);
      await store?.close().catch(() => undefined);
      return startupFailed('writer', io, err);
    }
    const where = `${store.where} (database ${store.database})`;
    const metricsText = metricsServer ? `; metrics on http://${formatHostPort(metricsServer.address)}/metrics` : '';
    io.stdout.write(`ribwatch writer: consuming ${bus.topic} from ${config.bus.brokers.join(',')} as group ${config.writer.group} into ${where}${metricsText}\n`);
    log.info({ topic: bus.topic, brokers: config.bus.brokers, group: config.writer.group, store: store.where, database: store.database }, 'writer started');

    await waitForSignal(log);
    await running.stop();
    await bus.close();
    await metricsServer?.close();
    await store.close();
    const s = running.writer.stats;
    log.info({ batches: s.batches, records: s.records, route_update_rows: s.routeUpdateRows }, 'writer stopped');
    log.flush();
    return 0;
  },
};

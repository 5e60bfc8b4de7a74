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
import { start } from '../../writer/index.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';
import { configFile, loadRoleConfig, serveConsumerRole } from './role-setup.js';

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
    return serveConsumerRole({
      command: 'writer',
      io,
      file,
      config,
      metrics: { listen: config.writer.metricsListen, key: 'writer.metricsListen' },
      start: (deps) => start(deps, config.writer),
      banner: (_writer, { bus, store, log }, metricsText) => {
        log.info({ topic: bus.topic, brokers: config.bus.brokers, group: config.writer.group, store: store.where, database: store.database }, 'writer started');
        return `ribwatch writer: consuming ${bus.topic} from ${config.bus.brokers.join(',')} as group ${config.writer.group} into ${store.where} (database ${store.database})${metricsText}\n`;
      },
      stopped: (running, log) => {
        const s = running.writer.stats;
        log.info({ batches: s.batches, records: s.records, route_update_rows: s.routeUpdateRows }, 'writer stopped');
      },
    });
  },
};

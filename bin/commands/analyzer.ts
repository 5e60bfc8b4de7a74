/**
 * `ribwatch analyzer`: the analyzer role on its own. A Kafka consumer group (analyzer.group,
 * separate from the writers') whose records go through the stream detectors into the alert
 * lifecycle, alerts persisted in ClickHouse (store.*) and notified to Slack / the webhook; the
 * scheduled audits read the current RIB from the same store. One analyzer per group: its
 * detectors hold per-peer state, so two of them would each see half a router's story.
 *
 * Like the writer it does not create tables: run `ribwatch migrate` first (it needs the alerts
 * table, migration 0010); a store with pending migrations is refused with that advice.
 */
import { parseArgs } from 'node:util';
import { start } from '../../analyzer/index.js';
import { usageError } from './command.js';
import { kubeFlags } from './kube-flags.js';
import type { CliIo, Command } from './command.js';
import { configFile, loadRoleConfig, serveConsumerRole } from './role-setup.js';

const USAGE = `usage: ribwatch analyzer [--config FILE] [--inventory FILE] [--kubeconfig [NAME=]FILE]... [--kube-context NAME] [--kube-objects [CLUSTER=]FILE]...

Consumes the records the collector publishes on Kafka (bus.brokers, bus.topic) as consumer group
analyzer.group and runs the detectors (prefix and session flaps, route-flap dampening, pod CIDR
leaks against the inventory, prefix-limit pressure). Alerts are kept in ClickHouse (store.*) and
sent to Slack and/or a signed webhook (slack.*, webhook.*, or RIBWATCH_SLACK_WEBHOOK_URL,
RIBWATCH_WEBHOOK_URL); scheduled audits (analyzer.audit.*, cron in UTC) check the current RIB in
ClickHouse, apply retention and send a daily digest. Run \`ribwatch migrate\` against the store first.

options:
  --config FILE      YAML configuration (default: $RIBWATCH_CONFIG); bus.kind must be kafka
  --inventory FILE   analyzer.inventory: clusters, nodes, routers and peers (reloaded when it changes)
  --kubeconfig [NAME=]FILE       a live cluster to read (list+watch); repeatable; kubernetes.clusters
  --kube-context NAME            the kubeconfig context (default: its current-context)
  --kube-objects [CLUSTER=]FILE  objects from a file (kubectl get … -o yaml|json); repeatable
  -h, --help         this text

Logs are JSON lines on stderr; Prometheus metrics on analyzer.metricsListen (default
127.0.0.1:9110). Stop with SIGINT or SIGTERM: the batch in hand is analysed, notifications drain
(up to 5 s) and the alerts' state is written.`;

export const command: Command = {
  usage: USAGE,
  async run(argv, io: CliIo) {
    let values: { config?: string; inventory?: string; kubeconfig?: string[]; 'kube-context'?: string; 'kube-objects'?: string[] };
    try {
      ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, inventory: { type: 'string' }, kubeconfig: { type: 'string', multiple: true }, 'kube-context': { type: 'string' }, 'kube-objects': { type: 'string', multiple: true } }, strict: true, allowPositionals: false }));
    } catch (err) {
      return usageError(io, 'analyzer', err instanceof Error ? err.message : String(err));
    }
    const file = configFile(values.config);
    const config = loadRoleConfig('analyzer', io, file, values.inventory !== undefined ? { 'analyzer.inventory': values.inventory } : {});
    if (typeof config === 'number') return config;
    return serveConsumerRole({
      command: 'analyzer',
      io,
      file,
      config,
      metrics: { listen: config.analyzer.metricsListen, key: 'analyzer.metricsListen' },
      start: ({ bus, store, log, registry }) => start({ bus, store, log, registry, env: process.env }, { config, kubernetes: kubeFlags(values) }),
      banner: (analyzer, { bus, store }, metricsText) =>
        `ribwatch analyzer: consuming ${bus.topic} from ${config.bus.brokers.join(',')} as group ${config.analyzer.group}; alerts in ${store.where} (database ${store.database})${metricsText}\n${analyzer
          .describe()
          .map((l) => `  ${l}\n`)
          .join('')}`,
      stopped: (analyzer, log) => {
        const s = analyzer.pipeline.stats;
        log.info({ batches: s.batches, records: s.records, observations: s.observations, detector_errors: s.errors }, 'analyzer stopped');
      },
    });
  },
};

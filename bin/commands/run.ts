/**
 * `ribwatch run`: the single-machine default. Collector, writer, analyzer and REST API in one
 * process: the collector feeds the in-process bus, the writer (one consumer group) stores into the
 * embedded ClickHouse (chDB) under ./data, the analyzer (another group) turns records into alerts
 * kept in the same store, and the API reads it (chDB lets one process open a data directory, so
 * the API must live here to see it while it runs); the migrations are applied at start. Nothing
 * else to install. `--demo` adds a simulated fabric dialling this process's BMP listener.
 *
 * Start-up prints, for a person (stdout, plain lines, not logs): where routers connect, the FRR
 * line that points a router here, where the data lives, and how to look at it (the API, with its
 * token when one was generated now; `ribwatch sql` once stopped).
 *
 * SIGINT/SIGTERM: stop accepting, close every router session (router_down "shutdown"), let the
 * writer drain the bus into the store, stop the API, close the store, exit 0. A second signal
 * exits at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as analyzerRole from '../../analyzer/index.js';
import * as apiRole from '../../api/index.js';
import { bgpEnabled, start as startBgp } from '../../bgp/index.js';
import type { RunningBgp } from '../../bgp/index.js';
import { MemoryBus } from '../../bus/index.js';
import * as collectorRole from '../../collector/index.js';
import type { Config } from '../../config/config.js';
import { formatHostPort } from '../../net/addresses.js';
import type { HostPort } from '../../net/addresses.js';
import * as simulatorRole from '../../simulator/index.js';
import type { Store } from '../../store/index.js';
import { migrate } from '../../store/migrate.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import * as writerRole from '../../writer/index.js';
import { serveMetrics, Started } from '../setup/compose.js';
import { connectStore, storeOptions } from '../setup/store.js';
import { usageError } from './command.js';
import { kubeFlags, snapshotOf } from './kube-flags.js';
import type { CliIo, Command } from './command.js';
import { configFile, loadRoleConfig, shellWord, startupFailed, waitForSignal } from './role-setup.js';

const USAGE = `usage: ribwatch run [--config FILE] [--data DIR] [--bmp-listen HOST:PORT] [--api-listen HOST:PORT] [--inventory FILE] [--demo]
                   [--kubeconfig [NAME=]FILE]... [--kube-context NAME] [--kube-objects [CLUSTER=]FILE]...

Runs the collector, the writer, the analyzer and the REST API in one process: routers connect over
BMP, records go through an in-process bus into the embedded ClickHouse (chDB) under DIR and through
the analyzer's detectors into alerts (kept in the store, sent to Slack / a webhook when configured),
and the API (api.*) reads it. Migrations are applied at start. Nothing else to install; for Kafka
and a ClickHouse server run \`ribwatch collector\`, \`ribwatch writer\`, \`ribwatch analyzer\` and
\`ribwatch api\` instead.

options:
  --config FILE           YAML configuration (default: $RIBWATCH_CONFIG, else built-in defaults)
  --data DIR              store.dataDir: where the embedded store keeps its tables (default ./data)
  --bmp-listen HOST:PORT  collector.listen (default 127.0.0.1:11019; [::]:11019 for IPv6)
  --api-listen HOST:PORT  api.listen: where the REST API listens (default 127.0.0.1:8080)
  --inventory FILE        analyzer.inventory: clusters, nodes, routers and peers the analyzer checks
                          routes against (reloaded when it changes); see deploy/inventory.example.yaml
  --demo                  also start a simulated fabric (three routers over BMP to this process) with a
                          flap storm, a pod CIDR leak and prefix-limit pressure: real alerts within a
                          minute, no router needed; uses the fabric's inventory unless --inventory is given
  --kubeconfig [NAME=]FILE   read a live cluster (Nodes, Services, EndpointSlices, Cilium/MetalLB/Calico
                          BGP objects) with list+watch: what it should advertise replaces the inventory's
                          clusters; repeatable (several clusters); NAME defaults to the context's cluster
  --kube-context NAME     the kubeconfig context to use (default: its current-context)
  --kube-objects [CLUSTER=]FILE
                          the same objects from a file (kubectl get … -A -o yaml|json); repeatable
  -h, --help              this text

Every key can also be set by RIBWATCH_* variables (docs/configuration.md); flags win over the
environment, which wins over the file. Look at the data through the API while it runs, or with
\`ribwatch sql\` once it has stopped (chDB lets one process open a data directory). With no API
token configured, the first run on a data directory generates an admin token and prints it once.
Stop with SIGINT (Ctrl-C) or SIGTERM.`;

/** How long shutdown waits for the writer to store what is on the bus. */
const DRAIN_MS = 25_000;

const EXAMPLE_SQL = 'SELECT router, count() AS routes FROM rib FINAL WHERE NOT is_withdrawn GROUP BY router ORDER BY router';

interface Flags {
  config?: string;
  data?: string;
  'bmp-listen'?: string;
  'api-listen'?: string;
  inventory?: string;
  demo?: boolean;
  kubeconfig?: string[];
  'kube-context'?: string;
  'kube-objects'?: string[];
}

/** What `run` prints once it is up. */
export function startBanner(o: {
  config: Config;
  file: string | undefined;
  bmp: HostPort;
  store: Store;
  applied: number;
  metrics: HostPort | undefined;
  api: { url: string; token: string | undefined };
  /** More lines before the last one (the analyzer's, the demo's), already indented. */
  extra?: readonly string[];
}): string {
  const { config, store } = o;
  const listen = formatHostPort(o.bmp);
  const wildcard = o.bmp.host === '0.0.0.0' || o.bmp.host === '::';
  const target = wildcard ? '<this host\'s address>' : o.bmp.host;
  const sqlCmd = ['npx ribwatch sql', ...(o.file !== undefined ? [`--config ${shellWord(o.file)}`] : []), ...(store.kind === 'embedded' ? [`--data ${shellWord(store.where)}`] : []), `"${EXAMPLE_SQL}"`].join(' ');
  const lines = [
    `ribwatch run: collector, writer, analyzer and API in one process (in-process bus, ${store.kind === 'embedded' ? 'embedded ClickHouse' : 'ClickHouse server'})`,
    `  BMP      listening on ${listen}; routers may connect from ${config.collector.allow.map((c) => c.text).join(', ')} (collector.allow)`,
    `  FRR      router bgp <ASN> / bmp targets ribwatch / bmp connect ${target} port ${o.bmp.port} min-retry 1000 max-retry 10000`,
    store.kind === 'embedded'
      ? `  data     ${store.where} (chDB, database ${store.database}; ${o.applied} migration${o.applied === 1 ? '' : 's'} applied now)`
      : `  data     ${store.where}, database ${store.database} (${o.applied} migration${o.applied === 1 ? '' : 's'} applied now)`,
  ];
  const api = o.config.api;
  const auth = o.api.token !== undefined ? `-H "Authorization: Bearer ${o.api.token}" ` : api.allowUnauthenticated ? '' : '-H "Authorization: Bearer $TOKEN" ';
  lines.push(`  API      ${o.api.url}/api/v1 (OpenAPI: ${o.api.url}/docs)`);
  if (o.api.token !== undefined) {
    lines.push(`  token    ${o.api.token}`, `           an admin token, generated now and shown this once (its hash is kept in ${store.where}/api-token.sha256)`);
  } else if (!api.allowUnauthenticated && api.token === '' && api.tokens.length === 0) {
    lines.push(`  token    the admin token printed when ${store.where} was first used (or set RIBWATCH_API_TOKEN)`);
  }
  lines.push(`  look     curl ${auth}${o.api.url}/api/v1/routers`);
  if (store.kind === 'embedded') {
    lines.push(
      `           or stop this process (Ctrl-C), then: ${sqlCmd}`,
      `           (chDB lets one process open a data directory: \`ribwatch sql\` cannot read it while \`run\` holds it)`,
    );
  } else {
    lines.push(`           or: ${sqlCmd}`);
  }
  lines.push(`  metrics  ${o.metrics ? `http://${formatHostPort(o.metrics)}/metrics` : 'off (collector.metricsListen)'}`, ...(o.extra ?? []), 'Stop with Ctrl-C or SIGTERM: router sessions close, the bus drains into the store, then it exits.');
  return `${lines.join('\n')}\n`;
}

/** What the BGP speaker adds to the banner: where neighbors connect, and who may. */
export function bgpBanner(bgp: RunningBgp, config: Config): string[] {
  const b = config.bgp;
  const who = b.neighbors.map((n) => `${n.address.text} AS ${n.asn.kind === 'any' ? 'any' : n.asn.min === n.asn.max ? n.asn.min : `${n.asn.min}-${n.asn.max}`}${n.passive ? '' : ' (active)'}`).join(', ');
  const where = bgp.bound === null ? 'not listening (active neighbors only)' : `listening on ${formatHostPort(bgp.bound)}`;
  const target = bgp.bound === null || bgp.bound.host === '0.0.0.0' || bgp.bound.host === '::' ? '<this host\'s address>' : bgp.bound.host;
  return [
    `  BGP      ${where}, AS ${b.asn}, receive only; neighbors ${who} (bgp.neighbors)`,
    ...(bgp.bound !== null ? [`           FRR: router bgp <ASN> / neighbor ${target} remote-as ${b.asn} / neighbor ${target} port ${bgp.bound.port}`] : []),
  ];
}

/** What `run --demo` adds to the banner. */
export function demoBanner(apiUrl: string, store: Store, file: string | undefined): string[] {
  const sql = ['npx ribwatch sql', ...(file !== undefined ? [`--config ${shellWord(file)}`] : []), ...(store.kind === 'embedded' ? [`--data ${shellWord(store.where)}`] : []), '"SELECT kind, severity, status, summary FROM alerts FINAL"'].join(' ');
  return [
    '  demo     a simulated fabric is running: leaf1, leaf2 and border1 connect over BMP from 127.0.11.x',
    '           (a flap storm, a pod CIDR leak, prefix-limit pressure and a max-prefix teardown);',
    '           alerts appear within a minute, in Slack if configured (slack.webhookUrl / RIBWATCH_SLACK_WEBHOOK_URL)',
    `  alerts   curl -H "Authorization: Bearer $TOKEN" ${apiUrl}/api/v1/alerts`,
    `           or after Ctrl-C: ${sql}`,
  ];
}

export const command: Command = {
  usage: USAGE,
  async run(argv, io: CliIo) {
    let values: Flags;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: { config: { type: 'string' }, data: { type: 'string' }, 'bmp-listen': { type: 'string' }, 'api-listen': { type: 'string' }, inventory: { type: 'string' }, demo: { type: 'boolean' }, kubeconfig: { type: 'string', multiple: true }, 'kube-context': { type: 'string' }, 'kube-objects': { type: 'string', multiple: true } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      return usageError(io, 'run', err instanceof Error ? err.message : String(err));
    }
    const file = configFile(values.config);
    const overrides: Record<string, string> = {};
    if (values.data !== undefined) overrides['store.dataDir'] = values.data;
    if (values['bmp-listen'] !== undefined) overrides['collector.listen'] = values['bmp-listen'];
    if (values['api-listen'] !== undefined) overrides['api.listen'] = values['api-listen'];
    if (values.inventory !== undefined) overrides['analyzer.inventory'] = values.inventory;
    const config = loadRoleConfig('run', io, file, overrides);
    if (typeof config === 'number') return config;

    const log = createLogger({ level: config.log.level });
    let store: Store;
    let applied: number;
    try {
      store = await connectStore(storeOptions(config.store));
    } catch (err) {
      return startupFailed('run', io, err);
    }
    try {
      const cluster = store.kind === 'server' && config.store.cluster !== '' ? config.store.cluster : undefined;
      const r = await migrate(store, { cluster, retentionDays: config.store.retentionDays, log: (line) => log.info({ store: store.where }, `migrate: ${line}`) });
      applied = r.applied.length;
    } catch (err) {
      await store.close().catch(() => undefined);
      return startupFailed('run', io, new Error(`migrations: ${err instanceof Error ? err.message : String(err)}`));
    }

    // Started in this order so that shutdown, newest first, is: the demo routers, the BGP speaker,
    // the collector (every session ends with router_down "shutdown"), then the bus drains into the
    // store, then the API, metrics, analyzer (its channels drain, its alerts' state is written),
    // writer, bus and store.
    const started = new Started();
    started.onStop('store', () => store.close());
    const bus = new MemoryBus({ topic: config.bus.topic });
    started.onStop('bus', () => bus.close());
    const registry = createRegistry();
    let generatedToken: string | undefined;
    let drained = true;
    let writer: writerRole.RunningWriter;
    try {
      writer = started.add('writer', await writerRole.start({ bus, store, log, registry }, config.writer));
      // The analyzer is a second consumer group of the in-process bus; --demo without --inventory
      // (or analyzer.inventory) checks against the demo fabric's own inventory.
      const demoInv = values.demo === true && config.analyzer.inventory === '' ? simulatorRole.demoInventory() : undefined;
      const analyzer = started.add('analyzer', await analyzerRole.start({ bus, store, log, registry, env: process.env }, { config, kubernetes: kubeFlags(values), ...(demoInv && { inventory: demoInv, inventoryLabel: 'the demo fabric\'s (deploy/inventory.demo.yaml)' }) }));
      const api = started.add(
        'api',
        await apiRole
          .start(
            { store, log, registry, alerts: analyzer.alerting.manager, ...(config.api.inventory === '' ? { inventory: analyzer.inventory } : {}) },
            { config, ...(analyzer.kubernetes && { kubernetes: snapshotOf(analyzer.kubernetes) }), ...(store.kind === 'embedded' ? { firstRunDir: store.where } : {}), onGeneratedToken: (token) => (generatedToken = token) },
          )
          .catch((err: unknown) => {
            const m = err instanceof Error ? err.message : String(err);
            throw new Error(/^api[.:]/.test(m) ? m : `api.listen ${formatHostPort(config.api.listen)}: ${m}`);
          }),
      );
      const metricsServer = config.collector.metricsListen !== null ? await serveMetrics(registry, config.collector.metricsListen, 'collector.metricsListen') : undefined;
      if (metricsServer) started.onStop('metrics', () => metricsServer.close());
      // Between the collector's stop and the writer's: the writer stores what is on the bus (the
      // groups commit and the bus trims behind them).
      started.onStop('drain', async () => {
        const deadline = Date.now() + DRAIN_MS;
        while (bus.retainedBytes > 0 && Date.now() < deadline) await sleep(50);
        drained = bus.retainedBytes === 0;
      });
      const producer = bus.producer({ onError: (err, context) => log.error({ err: err.message, context }, 'bus producer error') });
      // The inventory's (address, sysName) pairs keep a shared address with the same router across restarts.
      const knownRouters = analyzer.inventory().routers.flatMap((r) => (r.address !== null && r.sysName !== null ? [{ address: r.address, sysName: r.sysName }] : []));
      const collector = started.add('collector', await collectorRole.start({ sink: producer, log, metrics: new collectorRole.CollectorMetrics(registry), knownRouters }, config.collector));
      const bound = collector.address;
      // The BGP speaker (bgp.listen, or active neighbors) publishes on the same bus.
      const bgp = bgpEnabled(config.bgp) ? started.add('bgp', await startBgp({ sink: producer, log, registry }, config.bgp)) : undefined;
      const extra = [...(bgp !== undefined ? bgpBanner(bgp, config) : []), ...analyzer.describe().map((l) => `  ${l}`)];
      if (values.demo === true) {
        const host = bound.host === '0.0.0.0' || bound.host === '::' ? '127.0.0.1' : bound.host;
        started.add('demo', await simulatorRole.start({ log: log.child({ component: 'demo' }) }, { bmp: { host, port: bound.port } }));
        extra.push(...demoBanner(api.url, store, file));
      }
      io.stdout.write(startBanner({ config, file, bmp: bound, store, applied, metrics: metricsServer?.address, api: { url: api.url, token: generatedToken }, extra }));
      log.info({ listen: formatHostPort(bound), store: store.where, database: store.database }, 'run started');
    } catch (err) {
      await started.stopAll();
      return startupFailed('run', io, err);
    }

    await waitForSignal(log);
    await started.stopAll(log);
    if (!drained) {
      io.stderr.write(`ribwatch run: the writer did not store every record within ${DRAIN_MS / 1000} s of shutdown (is the store failing? see the log); records still on the in-process bus are lost\n`);
      log.flush();
      return 1;
    }
    log.info({ records: writer.writer.stats.records, route_update_rows: writer.writer.stats.routeUpdateRows }, 'run stopped');
    log.flush();
    return 0;
  },
};


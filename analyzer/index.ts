/**
 * The analyzer role, put together for `ribwatch analyzer` (Kafka + ClickHouse server) and
 * `ribwatch run` (in-process bus + embedded store): the inventory (watched, a reload swapped into
 * every detector), the alert lifecycle from `alerts.*`/`slack.*`/`webhook.*` (persisted in the
 * store), the stream pipeline as its own consumer group, the detectors' tick, and the scheduled
 * audits over the store.
 *
 *   bus ──(group analyzer.group)──► AnalyzerPipeline ──► AlertManager ──► Slack / webhook
 *                                        ▲ tick                ▲               └► alerts table
 *                       inventory ──────┘ (reload)   audits (node-cron, UTC) over ClickHouse
 */
import type { Registry } from 'prom-client';
import type { Bus, BusConsumer } from '../bus/index.js';
import type { Config } from '../config/config.js';
import { Inventory, InventoryError, watchInventory } from '../inventory/inventory.js';
import type { InventoryWatcher } from '../inventory/inventory.js';
import type { Logger } from '../telemetry/log.js';
import type { RunningRole } from '../lifecycle/role.js';
import { StartupError } from '../lifecycle/startup.js';
import type { Store } from '../store/index.js';
import { startAlerting } from './alerts/run.js';
import type { Alerting } from './alerts/run.js';
import { startAudits } from './audits/index.js';
import type { RunningAudits } from './audits/index.js';
import { AnalyzerPipeline, detectorOptions } from './pipeline.js';
import { KubernetesIntent, kubernetesSources } from '../kubernetes/index.js';
import type { KubernetesFlags } from '../kubernetes/index.js';
import { KubernetesAnalysis } from './kubernetes/index.js';
import { IntentWriter } from '../kubernetes/store.js';

export { AnalyzerPipeline, detectorOptions } from './pipeline.js';
export type { ObservationSink, PipelineOptions, PipelineStats } from './pipeline.js';

export interface StartAnalyzerOptions {
  readonly bus: Bus;
  /** Alerts are persisted here and the audits read it; without it, alerts live in memory and no audit runs. */
  readonly store?: Store;
  readonly config: Config;
  readonly log?: Logger;
  readonly registry?: Registry;
  /** For RIBWATCH_SLACK_WEBHOOK_URL & co. (pass process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A fixed inventory (the demo fabric's), instead of the file analyzer.inventory names. */
  readonly inventory?: Inventory;
  /** Where `inventory` came from, for the start-up line ("the demo fabric"). */
  readonly inventoryLabel?: string;
  /** Consumer group; default analyzer.group. */
  readonly group?: string;
  /** --kubeconfig, --kube-context, --kube-objects (added to kubernetes.*). */
  readonly kubernetes?: KubernetesFlags;
}

export interface RunningAnalyzer extends RunningRole {
  readonly pipeline: AnalyzerPipeline;
  readonly alerting: Alerting;
  readonly audits: RunningAudits | undefined;
  /** The inventory in force (follows reloads); a plain function, safe to pass around. */
  readonly inventory: () => Inventory;
  /** The Kubernetes intent, when kubernetes.* or the flags name a source. */
  readonly kubernetes: KubernetesIntent | undefined;
  /** Lines for a person: the inventory, the detectors, one per notification channel, the audits. */
  describe(): string[];
  /** Stops consuming (the gathered batch is worked through), the tick and the audits, then lets the channels drain and writes the alerts' last state. */
  stop(drainMs?: number): Promise<void>;
}

export async function startAnalyzer(o: StartAnalyzerOptions): Promise<RunningAnalyzer> {
  const a = o.config.analyzer;
  const log = o.log;
  let detectors;
  try {
    detectors = detectorOptions(a);
  } catch (e) {
    throw new StartupError(e instanceof Error ? e.message : String(e), 2);
  }

  let pipeline: AnalyzerPipeline | undefined;
  let analysis: KubernetesAnalysis | undefined;
  let intentWriter: IntentWriter | undefined;
  let watcher: InventoryWatcher | undefined;
  let inventory: Inventory;
  let inventoryLabel: string;
  if (o.inventory) {
    inventory = o.inventory;
    inventoryLabel = o.inventoryLabel ?? 'given at start';
  } else if (a.inventory !== '') {
    try {
      watcher = watchInventory({
        file: a.inventory,
        ...(log && { log }),
        onChange: (next) => (analysis ? analysis.fileInventoryChanged() : pipeline?.setInventory(next)),
      });
    } catch (e) {
      const problems = e instanceof InventoryError ? e.problems : [e instanceof Error ? e.message : String(e)];
      throw new StartupError(`analyzer.inventory: ${problems.join('; ')}`, 2);
    }
    inventory = watcher.current;
    inventoryLabel = `${a.inventory} (reloaded when it changes)`;
  } else {
    inventory = Inventory.empty();
    inventoryLabel = 'none (analyzer.inventory or --inventory FILE): no leak checks, limits only from BMP stats';
  }
  const currentInventory = (): Inventory => pipeline?.inventory ?? inventory;
  const fileInventory = (): Inventory => watcher?.current ?? inventory;

  // The cluster as the source of truth (kubernetes/): its intent replaces the file's clusters.
  let intent: KubernetesIntent | undefined;
  try {
    const sources = kubernetesSources(o.config.kubernetes, o.kubernetes ?? {}, inventory, o.env ?? {});
    if (sources.files.length + sources.clusters.length > 0) {
      intent = new KubernetesIntent({ ...sources, fileInventory, syncTimeoutMs: 15_000, ...(log && { log: log.child({ component: 'kubernetes' }) }) });
      await intent.start();
    }
  } catch (e) {
    watcher?.close();
    await intent?.stop();
    throw new StartupError(`kubernetes: ${e instanceof Error ? e.message : String(e)}`, 2);
  }

  let alerting: Alerting | undefined;
  let consumer: BusConsumer | undefined;
  let tick: NodeJS.Timeout | undefined;
  let audits: RunningAudits | undefined;
  try {
    alerting = await startAlerting(o.config, { ...(o.store && { store: o.store }), ...(log && { log }), ...(o.registry && { registry: o.registry }), env: o.env ?? {} });
    const manager = alerting.manager;
    if (intent) {
      analysis = new KubernetesAnalysis({ intent, sink: manager, graceMs: o.config.kubernetes.graceSeconds * 1000, setInventory: (inv) => pipeline?.setInventory(inv), fileInventory, ...(o.registry && { registry: o.registry }) });
    }
    pipeline = new AnalyzerPipeline({ detectors, inventory, sink: analysis?.grace ?? manager, ...(log && { log }), ...(o.registry && { registry: o.registry }) });
    analysis?.applyCurrent();
    if (intent && o.store) {
      // Split mode: `ribwatch api` reads the intent from the store (kubernetes_intent).
      const w = new IntentWriter(o.store, (err) => log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'kubernetes: could not store the intent (the API may show an older one); retried on the next change'));
      const k8s = intent;
      const offer = () => w.offer({ intents: k8s.intents(), status: k8s.status() });
      k8s.onChange(offer);
      offer();
      intentWriter = w;
    }
    const p = pipeline;
    const k = analysis;
    consumer = o.bus.consumer({
      group: o.group ?? a.group,
      maxWaitMs: a.maxWaitMs,
      // A new group starts at the end: what is already in the RIB is the audits' business.
      fromBeginning: false,
      onError: (err, context) => log?.error({ err: err.message, context }, 'analyzer: bus error'),
    });
    await consumer.start(
      k
        ? async (batch) => {
            await p.handle(batch);
            k.onRecords(batch.records);
          }
        : p.handle,
    );
    tick = setInterval(() => {
      p.tick();
      k?.tick();
    }, a.tickSeconds * 1000);
    tick.unref();
    if (o.store) {
      audits = startAudits({
        store: o.store,
        config: o.config,
        inventory: currentInventory,
        sink: manager,
        alerts: () => manager.list().filter((x) => x.status !== 'resolved'),
        channels: alerting.options,
        ...(log && { log }),
        ...(o.registry && { registry: o.registry }),
      });
    }
  } catch (e) {
    if (tick) clearInterval(tick);
    await consumer?.stop().catch(() => undefined);
    await alerting?.stop(0).catch(() => undefined);
    watcher?.close();
    await intent?.stop();
    throw e;
  }
  const running = { pipeline, alerting, consumer, tick, audits };
  log?.info({ group: o.group ?? a.group, detectors: a.detectors, inventory: inventory.file || inventoryLabel, channels: running.alerting.notifiers.map((n) => n.name) }, 'analyzer started');

  return {
    pipeline: running.pipeline,
    alerting: running.alerting,
    audits: running.audits,
    inventory: currentInventory,
    kubernetes: intent,
    describe: () => [...describeAnalyzer(o.config, running.alerting, currentInventory(), inventoryLabel, running.audits), ...(intent ? describeKubernetes(intent) : [])],
    async stop(drainMs = 5000) {
      clearInterval(running.tick);
      await running.consumer.stop();
      running.pipeline.tick();
      await running.audits?.stop();
      watcher?.close();
      await intent?.stop();
      await intentWriter?.close();
      await running.alerting.stop(drainMs);
    },
  };
}

/** What the analyzer prints at start: never a URL, token or secret. */
export function describeAnalyzer(config: Config, alerting: Pick<Alerting, 'notifiers' | 'options'>, inv: Inventory, inventoryLabel: string, audits: RunningAudits | undefined): string[] {
  const lines: string[] = [];
  const counts = `${inv.clusters.length} cluster${inv.clusters.length === 1 ? '' : 's'}, ${inv.routers.length} router${inv.routers.length === 1 ? '' : 's'}`;
  lines.push(`inventory ${inventoryLabel}${inv.clusters.length + inv.routers.length > 0 ? `; ${counts}` : ''}`);
  lines.push(`detectors ${config.analyzer.detectors.join(', ') || 'none'}`);
  const o = alerting.options;
  for (const n of alerting.notifiers) {
    if (n.name === 'slack-webhook') lines.push(`notify    Slack incoming webhook (slack.webhookUrl): open, escalation, resolve; alerts from ${o.minSeverity} up`);
    else if (n.name === 'slack-api') lines.push(`notify    Slack Web API, channel ${o.slack.channel}: a thread per alert, root message kept current; alerts from ${o.minSeverity} up`);
    else if (n.name === 'webhook') lines.push(`notify    JSON webhook (webhook.url), ${o.webhook.secret !== '' ? 'signed HMAC-SHA256 (X-Ribwatch-Signature)' : 'unsigned (no webhook.secret)'}`);
    else lines.push(`notify    ${n.name}`);
  }
  if (alerting.notifiers.length === 0) lines.push('notify    no channel: set RIBWATCH_SLACK_WEBHOOK_URL (or slack.webhookUrl, webhook.url); alerts are kept in the store and the API');
  if (audits) {
    const s = audits.schedules;
    const parts = Object.entries(s).map(([job, cron]) => `${job} "${cron}"`);
    lines.push(`audits    ${parts.length > 0 ? parts.join(', ') : 'none scheduled'} (UTC)`);
  }
  return lines;
}

export type AnalyzerDeps = Pick<StartAnalyzerOptions, 'bus' | 'store' | 'log' | 'registry' | 'env'>;
export type AnalyzerStartOptions = Pick<StartAnalyzerOptions, 'config' | 'inventory' | 'inventoryLabel' | 'group' | 'kubernetes'>;

/** The role's entry: detectors, alert lifecycle and audits on `deps.bus`, alerts kept in `deps.store`. */
export function start(deps: AnalyzerDeps, options: AnalyzerStartOptions): Promise<RunningAnalyzer> {
  return startAnalyzer({ ...deps, ...options });
}

/** The start-up lines for the Kubernetes sources. */
export function describeKubernetes(intent: KubernetesIntent): string[] {
  return intent.status().map((c) => {
    const from = c.source === 'live' ? `API ${c.server ?? '?'}` : `file${c.files.length === 1 ? '' : 's'} ${c.files.join(', ')}`;
    const state = c.source === 'live' ? (c.stale ? ', stale (a source is failing; retrying)' : c.synced ? ', synced, watching' : ', listing') : '';
    return `kubernetes cluster ${c.name} from ${from}: ${c.nodes} node${c.nodes === 1 ? '' : 's'}, ${c.services} Service${c.services === 1 ? '' : 's'}${state}`;
  });
}

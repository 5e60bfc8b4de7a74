/**
 * The scheduled audits (node-cron, every schedule in UTC; "" turns a job off):
 *
 *   leaks         the current RIB against the inventory      → the alert lifecycle
 *   prefixLimit   each limited peer's current routes          → the alert lifecycle
 *   retention     old route_updates partitions, old resolved alerts
 *   digest        one message per channel: open alerts, top churn, prefix-limit headroom
 *
 * The two RIB audits also run once `startDelaySeconds` after start, so alerts open before a
 * restart are confirmed (or fade off) without waiting for the schedule. A job never overlaps
 * itself (a slow run makes the next tick skip), a failing run is logged and counted, never an
 * uncaught exception, and stop() waits for the runs in progress.
 */
import { schedule } from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/config.js';
import type { Inventory } from '../../inventory/inventory.js';
import type { Logger } from '../../telemetry/log.js';
import type { Store } from '../../store/index.js';
import type { AlertsOptions } from '../alerts/options.js';
import type { AlertView } from '../alert.js';
import type { ObservationSink } from '../pipeline.js';
import { buildDigest, sendDigest } from './digest.js';
import { LeakAudit } from './leaks.js';
import { PrefixLimitAudit } from './prefix-limit.js';
import { runRetention } from './retention.js';

export { LeakAudit, AUDIT_FAMILIES } from './leaks.js';
export type { AuditResult, LeakAuditOptions } from './leaks.js';
export { PrefixLimitAudit, peerCounts } from './prefix-limit.js';
export type { PeerCount, PrefixLimitAuditOptions } from './prefix-limit.js';
export { runRetention } from './retention.js';
export type { RetentionOptions, RetentionResult } from './retention.js';
export { buildDigest, digestSlackMessage, sendDigest } from './digest.js';
export type { Digest, DigestSendResult } from './digest.js';

export type AuditJob = 'leaks' | 'prefixLimit' | 'retention' | 'digest';

export interface AuditsOptions {
  readonly store: Store;
  readonly config: Config;
  readonly inventory: () => Inventory;
  readonly sink: ObservationSink;
  /** Open alerts for the digest. */
  readonly alerts: () => readonly AlertView[];
  /** Channels for the digest. */
  readonly channels: Pick<AlertsOptions, 'slack' | 'webhook' | 'delivery'>;
  readonly log?: Logger;
  readonly registry?: Registry;
}

export interface RunningAudits {
  /** Runs one job now (tests, the start-up run); resolves when it has finished (or failed, logged). */
  run(job: AuditJob): Promise<void>;
  /** The jobs scheduled, with their cron expressions. */
  readonly schedules: Readonly<Partial<Record<AuditJob, string>>>;
  stop(): Promise<void>;
}

export function startAudits(o: AuditsOptions): RunningAudits {
  const a = o.config.analyzer;
  const log = o.log?.child({ component: 'audit' });
  const leak = new LeakAudit({ store: o.store, inventory: o.inventory, maxRows: a.audit.maxRows, leakOptions: { maxKeys: a.maxPeerKeys } });
  const limits = new PrefixLimitAudit({ store: o.store, inventory: o.inventory, maxRows: a.audit.maxRows, warningRatio: a.prefixLimit.warningPercent / 100, criticalRatio: a.prefixLimit.criticalPercent / 100 });
  const m = o.registry ? makeMetrics(o.registry) : undefined;
  const running = new Map<AuditJob, Promise<void>>();
  let stopped = false;

  const work: Record<AuditJob, () => Promise<Record<string, unknown>>> = {
    leaks: async () => {
      const { observations, result } = await leak.run();
      o.sink.observeAll(observations);
      if (result.partial) log?.warn({ rows: result.rows, max: a.audit.maxRows }, 'leak audit read analyzer.audit.maxRows RIB rows: the RIB was audited in part');
      return { ...result };
    },
    prefixLimit: async () => {
      const { observations, result } = await limits.run();
      o.sink.observeAll(observations);
      return { ...result };
    },
    retention: async () => {
      const r = await runRetention({ store: o.store, retentionDays: o.config.store.retentionDays, resolvedAlertsDays: a.audit.resolvedAlertsDays, cluster: o.config.store.cluster });
      return { dropped_partitions: r.droppedPartitions, deleted_alerts: r.deletedAlerts };
    },
    digest: async () => {
      const d = await buildDigest({ store: o.store, inventory: o.inventory, alerts: o.alerts, maxRows: a.audit.maxRows });
      const sent = await sendDigest(d, o.channels);
      for (const s of sent) if (!s.ok) log?.warn({ channel: s.channel, err: s.error }, 'digest not delivered');
      return { channels: sent.map((s) => `${s.channel}:${s.ok ? 'sent' : 'failed'}`), open_alerts: d.openAlerts.reduce((n, e) => n + e.count, 0) };
    },
  };

  const run = (job: AuditJob): Promise<void> => {
    const busy = running.get(job);
    if (busy) return busy; // never two runs of one job at once
    if (stopped) return Promise.resolve();
    const t0 = Date.now();
    const p = work[job]()
      .then((r) => {
        m?.runs.inc({ job, outcome: 'ok' });
        log?.info({ job, ms: Date.now() - t0, ...r }, `audit ${job} done`);
      })
      .catch((e: unknown) => {
        m?.runs.inc({ job, outcome: 'failed' });
        log?.error({ job, err: e instanceof Error ? e.message : String(e) }, `audit ${job} failed; the next scheduled run tries again`);
      })
      .finally(() => {
        m?.duration.observe({ job }, (Date.now() - t0) / 1000);
        running.delete(job);
      });
    running.set(job, p);
    return p;
  };

  const schedules: Partial<Record<AuditJob, string>> = {};
  const tasks: ScheduledTask[] = [];
  const jobs: [AuditJob, string][] = [
    ['leaks', a.audit.leaks],
    ['prefixLimit', a.audit.prefixLimit],
    ['retention', a.audit.retention],
    ['digest', a.audit.digest],
  ];
  for (const [job, cron] of jobs) {
    if (cron === '') continue;
    schedules[job] = cron;
    tasks.push(schedule(cron, () => run(job), { timezone: 'UTC', name: `ribwatch-${job}`, noOverlap: true }));
  }
  let startTimer: NodeJS.Timeout | undefined;
  if (a.audit.startDelaySeconds > 0) {
    startTimer = setTimeout(() => {
      startTimer = undefined;
      void run('leaks').then(() => run('prefixLimit'));
    }, a.audit.startDelaySeconds * 1000);
    startTimer.unref();
  }
  log?.info({ schedules, start_delay_s: a.audit.startDelaySeconds, timezone: 'UTC' }, 'audits scheduled');

  return {
    run,
    schedules,
    async stop() {
      stopped = true;
      if (startTimer) clearTimeout(startTimer);
      for (const t of tasks) await t.destroy();
      await Promise.all([...running.values()]);
    },
  };
}

function makeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    runs: new Counter({ name: 'ribwatch_audit_runs_total', help: 'Scheduled audit runs by job (leaks, prefixLimit, retention, digest) and outcome (ok, failed).', labelNames: ['job', 'outcome'], registers }),
    duration: new Histogram({ name: 'ribwatch_audit_duration_seconds', help: 'Duration of audit runs by job.', labelNames: ['job'], buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300], registers }),
  };
}

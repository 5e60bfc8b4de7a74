/**
 * The analyzer's stream: bus batches → every enabled detector, record by record in bus order →
 * the alert lifecycle (`observeAll`), plus a periodic tick for the detectors' time-based work
 * (clearing after quiet periods, reuse, eviction). The analyzer is its own consumer group, apart
 * from the writer's, so it sees every record once whatever the writer does.
 *
 * Bounded: the detectors cap their per-key state (analyzer.maxPathKeys, maxPeerKeys); a batch is
 * worked through synchronously, so nothing queues here beyond the bus's own batch. A detector that
 * throws on one record is counted and logged (at most once a minute) and the record goes on to the
 * others: a poison record must not stop detection, nor be redelivered forever.
 *
 * Replays: the bus may deliver a batch again after a crash (offsets are committed after the
 * handler). The detectors then see a few records twice; they are idempotent for what matters
 * (presence sets, leak sightings), and a repeated withdraw/announce pair of one path is at most
 * one extra flap count. Alerts are keyed by (kind, subject), so a replay never opens a second one.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BusBatch } from '../bus/index.js';
import type { Config } from '../config/config.js';
import { Inventory } from '../inventory/inventory.js';
import type { Logger } from '../telemetry/log.js';
import type { BusRecord } from '../records/types.js';
import { DetectorSet } from './detectors/index.js';
import type { DetectorsOptions } from './detectors/index.js';
import type { Observation } from './types.js';

/** Where observations go: the AlertManager (or a test's list). */
export interface ObservationSink {
  observeAll(os: Iterable<Observation>): void;
}

export interface PipelineOptions {
  readonly detectors?: DetectorsOptions;
  readonly inventory?: Inventory;
  readonly sink: ObservationSink;
  readonly log?: Logger;
  readonly registry?: Registry;
  /** Wall clock for tick(); tests inject one. */
  readonly clock?: () => number;
}

export interface PipelineStats {
  records: number;
  batches: number;
  observations: number;
  errors: number;
  /** Arrival time (ms) of the last record seen, for the lag gauge. */
  lastRecordMs: number;
}

/** Detector options from `analyzer.*`; throws (naming the keys) when thresholds contradict. */
export function detectorOptions(a: Config['analyzer']): DetectorsOptions {
  const problems: string[] = [];
  if (a.prefixFlap.warning >= a.prefixFlap.critical) problems.push(`analyzer.prefixFlap.warning (${a.prefixFlap.warning}) must be below analyzer.prefixFlap.critical (${a.prefixFlap.critical})`);
  if (a.sessionFlap.warning >= a.sessionFlap.critical) problems.push(`analyzer.sessionFlap.warning (${a.sessionFlap.warning}) must be below analyzer.sessionFlap.critical (${a.sessionFlap.critical})`);
  if (a.prefixLimit.warningPercent >= a.prefixLimit.criticalPercent) {
    problems.push(`analyzer.prefixLimit.warningPercent (${a.prefixLimit.warningPercent}) must be below analyzer.prefixLimit.criticalPercent (${a.prefixLimit.criticalPercent})`);
  }
  if (a.dampening.views.length === 0 && a.detectors.includes('dampening')) problems.push('analyzer.dampening.views: empty, but the dampening detector is enabled (name at least one RIB view, e.g. adj-in-pre)');
  if (problems.length > 0) throw new Error(problems.join('; '));
  const on = new Set<string>(a.detectors);
  return {
    prefixFlap: { enabled: on.has('prefix-flap'), windowMs: a.prefixFlap.windowSeconds * 1000, warning: a.prefixFlap.warning, critical: a.prefixFlap.critical, maxKeys: a.maxPathKeys },
    sessionFlap: { enabled: on.has('session-flap'), windowMs: a.sessionFlap.windowSeconds * 1000, warning: a.sessionFlap.warning, critical: a.sessionFlap.critical, maxKeys: a.maxPeerKeys },
    dampening: { enabled: on.has('dampening'), views: a.dampening.views, defaultProfile: a.dampening.defaultProfile === 'none' ? null : a.dampening.defaultProfile, maxKeys: a.maxPathKeys },
    leaks: { enabled: on.has('leaks'), maxKeys: a.maxPeerKeys },
    prefixLimit: { enabled: on.has('prefix-limit'), warningRatio: a.prefixLimit.warningPercent / 100, criticalRatio: a.prefixLimit.criticalPercent / 100, maxKeys: a.maxPeerKeys },
  };
}

export class AnalyzerPipeline {
  readonly detectors: DetectorSet;
  readonly stats: PipelineStats = { records: 0, batches: 0, observations: 0, errors: 0, lastRecordMs: 0 };
  private inv: Inventory;
  private readonly sink: ObservationSink;
  private readonly log: Logger | undefined;
  private readonly clock: () => number;
  private lastErrorLog = -Infinity;
  private readonly m: ReturnType<typeof makeMetrics> | undefined;

  constructor(o: PipelineOptions) {
    this.inv = o.inventory ?? Inventory.empty();
    this.clock = o.clock ?? Date.now;
    this.detectors = new DetectorSet(this.inv, { ...o.detectors, clock: this.clock });
    this.sink = o.sink;
    this.log = o.log?.child({ component: 'analyzer' });
    this.m = o.registry ? makeMetrics(o.registry, this) : undefined;
  }

  get inventory(): Inventory {
    return this.inv;
  }

  /** A reloaded inventory, for every detector from the next record on. */
  setInventory(inv: Inventory): void {
    this.inv = inv;
    this.detectors.setInventory(inv);
    // Leak detection recomputes inventory overlaps at once; they come out with the next tick.
  }

  /** The bus handler: never throws for a detector's fault (see the module comment). */
  handle = (batch: BusBatch): Promise<void> => {
    this.onRecords(batch.records);
    this.stats.batches++;
    return Promise.resolve();
  };

  onRecords(records: readonly BusRecord[]): void {
    const out: Observation[] = [];
    for (const r of records) {
      for (const d of this.detectors.detectors) {
        try {
          const o = d.onRecord(r);
          if (o.length > 0) out.push(...o);
        } catch (e) {
          this.failed(d.name, e, r);
        }
      }
    }
    this.stats.records += records.length;
    const last = records.at(-1);
    if (last) this.stats.lastRecordMs = Date.parse(last.time);
    this.emit(out);
  }

  /** Time-based work of every detector at `now` (wall clock by default). */
  tick(now: number = this.clock()): void {
    const out: Observation[] = [];
    for (const d of this.detectors.detectors) {
      try {
        out.push(...d.tick(now));
      } catch (e) {
        this.failed(d.name, e);
      }
    }
    this.emit(out);
  }

  private emit(out: Observation[]): void {
    if (out.length === 0) return;
    this.stats.observations += out.length;
    if (this.m) for (const o of out) this.m.observations.inc({ kind: o.kind, detector: o.detector, active: String(o.active) });
    this.sink.observeAll(out);
  }

  private failed(detector: string, e: unknown, r?: BusRecord): void {
    this.stats.errors++;
    this.m?.errors.inc({ detector });
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    this.log?.error({ detector, err: e instanceof Error ? e.message : String(e), record: r ? { type: r.type, router: r.router, session: r.session, seq: r.seq } : undefined }, 'detector failed on a record; skipped (logged at most once a minute)');
  }
}

function makeMetrics(registry: Registry, p: AnalyzerPipeline) {
  const registers = [registry];
  return {
    observations: new Counter({ name: 'ribwatch_analyzer_observations_total', help: 'Observations the stream detectors reported, by kind, detector and active.', labelNames: ['kind', 'detector', 'active'], registers }),
    errors: new Counter({ name: 'ribwatch_analyzer_detector_errors_total', help: 'Records a detector failed on (skipped), by detector.', labelNames: ['detector'], registers }),
    records: new Gauge({
      name: 'ribwatch_analyzer_records',
      help: 'Records and batches the analyzer consumed since start.',
      labelNames: ['what'],
      registers,
      collect() {
        this.set({ what: 'records' }, p.stats.records);
        this.set({ what: 'batches' }, p.stats.batches);
      },
    }),
    state: new Gauge({
      name: 'ribwatch_analyzer_state_keys',
      help: 'Keys each detector tracks now (bounded by analyzer.maxPathKeys / maxPeerKeys).',
      labelNames: ['detector'],
      registers,
      collect() {
        for (const [name, n] of Object.entries(p.detectors.stateSizes())) this.set({ detector: name }, n);
      },
    }),
    lag: new Gauge({
      name: 'ribwatch_analyzer_lag_seconds',
      help: 'Now minus the arrival time of the last record the analyzer worked through (0 before the first).',
      registers,
      collect() {
        this.set(p.stats.lastRecordMs > 0 ? Math.max(0, (Date.now() - p.stats.lastRecordMs) / 1000) : 0);
      },
    }),
  };
}

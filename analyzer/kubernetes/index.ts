/**
 * The analyzer's side of the Kubernetes intent (kubernetes/): on every intent change, the leak
 * checks get the merged inventory (the file's routers, the clusters as Kubernetes says them), the
 * changed prefixes get a grace period (grace.ts), and the kubernetes detector (detector.ts) gets
 * the new expectations. It sits beside the stream pipeline: the same records, the same tick,
 * observations into the same alert lifecycle.
 *
 *   KubernetesIntent ──change──► setInventory(merged) on the pipeline
 *                     └────────► GraceSink.changedAt(prefixes), KubernetesDetector.setIntent()
 *   bus records ──► pipeline (leaks …) ──► GraceSink ──► alerts
 *               └─► KubernetesDetector ─────────────────► alerts
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Inventory } from '../../inventory/inventory.js';
import type { BusRecord } from '../../records/types.js';
import type { IntentChange, KubernetesIntent } from '../../kubernetes/index.js';
import type { ObservationSink } from '../pipeline.js';
import { KubernetesDetector } from './detector.js';
import { GraceSink } from './grace.js';

export { KubernetesDetector } from './detector.js';
export { GraceSink, GRACED_KINDS } from './grace.js';

export interface KubernetesAnalysisOptions {
  readonly intent: KubernetesIntent;
  /** The alert lifecycle. */
  readonly sink: ObservationSink;
  /** kubernetes.graceSeconds in ms. */
  readonly graceMs: number;
  /** Hands the merged inventory to the leak checks. */
  readonly setInventory: (inv: Inventory) => void;
  readonly fileInventory: () => Inventory;
  readonly registry?: Registry;
  readonly clock?: () => number;
}

export class KubernetesAnalysis {
  readonly detector: KubernetesDetector;
  /** Where the pipeline's observations go (the grace in front of the alert lifecycle). */
  readonly grace: GraceSink;
  /** ms since the epoch of the last intent change applied, and how long it took from the change. */
  lastApplied: { at: number; changed: number } | null = null;
  private readonly clock: () => number;

  constructor(private readonly o: KubernetesAnalysisOptions) {
    this.clock = o.clock ?? Date.now;
    this.detector = new KubernetesDetector(o.fileInventory(), { graceMs: o.graceMs, clock: this.clock });
    this.grace = new GraceSink(o.sink, o.graceMs, this.clock);
    o.intent.onChange((c) => this.apply(c));
    if (o.registry) this.metrics(o.registry);
  }

  /** Applies the intent in force now (at start, after the first complete list). */
  applyCurrent(): void {
    this.apply({ intents: this.o.intent.intents(), changed: new Map(), at: this.clock() });
  }

  /** The file inventory changed: merge again. */
  fileInventoryChanged(): void {
    this.applyInventory();
  }

  private applyInventory(): void {
    const merged = this.o.intent.inventory(this.o.fileInventory());
    this.o.setInventory(merged);
    this.detector.setInventory(merged);
  }

  private apply(c: IntentChange): void {
    for (const prefixes of c.changed.values()) this.grace.changedAt(prefixes, c.at);
    this.applyInventory();
    this.detector.setIntent(c.intents, c.changed, c.at);
    this.lastApplied = { at: this.clock(), changed: [...c.changed.values()].reduce((n, s) => n + s.size, 0) };
  }

  onRecords(records: readonly BusRecord[]): void {
    for (const r of records) this.detector.onRecord(r);
  }

  tick(now: number = this.clock()): void {
    this.grace.tick(now);
    const out = this.detector.tick(now);
    if (out.length > 0) this.o.sink.observeAll(out);
  }

  private metrics(registry: Registry): void {
    const intent = this.o.intent;
    new Gauge({
      name: 'ribwatch_kubernetes_cluster_stale',
      help: '1 while a Kubernetes source of the cluster is failing (its intent is the last good one), else 0.',
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        for (const s of intent.status()) this.set({ cluster: s.name }, s.stale ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ribwatch_kubernetes_objects',
      help: 'Kubernetes objects the intent is computed from, per cluster and kind.',
      labelNames: ['cluster', 'kind'],
      registers: [registry],
      collect() {
        for (const s of intent.status()) for (const [kind, n] of Object.entries(s.objects)) this.set({ cluster: s.name, kind }, n);
      },
    });
    const grace = this.grace;
    new Gauge({
      name: 'ribwatch_kubernetes_grace_held',
      help: 'Leak findings held back in the grace period after a cluster change.',
      registers: [registry],
      collect() {
        this.set(grace.holding);
      },
    });
  }
}

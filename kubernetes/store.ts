/**
 * The intent in the store, for split mode: the analyzer writes each cluster's intent when it
 * changes (at most once per `minIntervalMs`, the last one always), `ribwatch api` reads the newest
 * row per cluster (cached for `cacheMs`). Table `kubernetes_intent`, migration 0030.
 */
import type { Store } from '../store/index.js';
import type { ClusterStatus, IntentSnapshot } from './index.js';
import type { ClusterIntent } from './intent.js';

interface Row {
  cluster: string;
  intent: string;
  status: string;
}

function chNow(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export class IntentWriter {
  private timer: NodeJS.Timeout | undefined;
  private pending: IntentSnapshot | undefined;
  private last = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Rows written and failures, for tests and logs. */
  written = 0;
  failures = 0;

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
    private readonly minIntervalMs = 1000,
  ) {}

  /** The snapshot to persist (the newest replaces one not yet written). */
  offer(s: IntentSnapshot): void {
    this.pending = s;
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, wait);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    const s = this.pending;
    this.pending = undefined;
    if (!s) return;
    this.last = Date.now();
    const version = this.last;
    const rows = s.intents.map((ci) => ({ cluster: ci.name, version, updated_at: chNow(version), intent: JSON.stringify(ci), status: JSON.stringify(s.status.find((x) => x.name === ci.name) ?? null) }));
    try {
      await this.store.insert('kubernetes_intent', rows);
      this.written += rows.length;
    } catch (e) {
      this.failures++;
      this.onError(e);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}

export class IntentReader {
  private cached: { at: number; snap: IntentSnapshot } | undefined;

  constructor(
    private readonly store: Store,
    private readonly cacheMs = 2000,
  ) {}

  async snapshot(now = Date.now()): Promise<IntentSnapshot> {
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.snap;
    const rows = await this.store.query<Row>('SELECT cluster, intent, status FROM kubernetes_intent FINAL ORDER BY cluster', {});
    const intents: ClusterIntent[] = [];
    const status: ClusterStatus[] = [];
    for (const r of rows) {
      try {
        intents.push(JSON.parse(r.intent) as ClusterIntent);
        const st = JSON.parse(r.status) as ClusterStatus | null;
        if (st) status.push(st);
      } catch {
        // A row that does not parse is skipped: the next write replaces it.
      }
    }
    const snap = { intents, status };
    this.cached = { at: now, snap };
    return snap;
  }
}

/**
 * Write-behind of alert state: the lifecycle and dispatch mark an alert changed, flush() writes the
 * changed ones in one batch (each with its `version` incremented: the store keeps the newest) and
 * keeps them marked when the write fails, for the next flush. Nothing waits on the store.
 */
import type { Logger } from '../../telemetry/log.js';
import type { Alert } from '../alert.js';
import type { AlertStore } from './store.js';

export class AlertWriter {
  /** Ids of alerts changed since their last successful write. */
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | undefined;
  private lastErrorLog = 0;

  constructor(
    private readonly store: AlertStore | undefined,
    /** The alert with this id as held now; undefined once dropped from memory (not written). */
    private readonly current: (id: string) => Alert | undefined,
    private readonly now: () => number,
    private readonly log?: Logger,
    private readonly onError?: () => void,
  ) {}

  mark(id: string): void {
    this.dirty.add(id);
  }

  /** Forgets a change that will never be written (the alert was dropped from memory). */
  forget(id: string): void {
    this.dirty.delete(id);
  }

  isDirty(id: string): boolean {
    return this.dirty.has(id);
  }

  /** Writes changed alerts; failures keep them for the next flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.dirty.size > 0 ? this.flush() : undefined));
    if (!this.store || this.dirty.size === 0) {
      this.dirty.clear();
      return Promise.resolve();
    }
    const batch: Alert[] = [];
    for (const id of this.dirty) {
      const a = this.current(id);
      if (a) batch.push(a);
    }
    this.dirty.clear();
    for (const a of batch) a.version++;
    this.flushing = this.store
      .saveAlerts(batch)
      .catch((e: unknown) => {
        for (const a of batch) this.dirty.add(a.id);
        this.onError?.();
        const now = this.now();
        if (now - this.lastErrorLog > 60_000) {
          this.lastErrorLog = now;
          this.log?.warn({ err: (e as Error).message, alerts: batch.length }, 'alerts could not be written to the store; retrying');
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}

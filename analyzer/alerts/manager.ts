/**
 * The alert manager: Observations in, alerts out. It holds the alerts (open and acknowledged by
 * group key, resolved ones for a while by id) and composes the parts, each in its own module:
 *
 * - lifecycle.ts: what an event does to an alert (a pure function; the states and rules are there);
 * - dispatch.ts: what each notification channel must be told, and handing it over;
 * - silences.ts: the silences in force and which of them mute an alert;
 * - persistence.ts: write-behind of changed alerts to the store (store.ts), retried on failure;
 * - metrics.ts: the lifecycle's Prometheus metrics.
 *
 * observe() and tick() never wait on a channel or on the store: state is written behind, every
 * flushIntervalMs. What each channel was told is persisted with the alert, so after a restart the
 * manager sends exactly what is missing.
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import type { Observation } from '../types.js';
import type { Notifier } from '../notify/types.js';
import { GROUP_BY, groupKey, groupSubject, observerKey, subjectLine } from '../grouping.js';
import type { GroupBy } from '../grouping.js';
import { viewOf } from '../alert.js';
import type { Alert, AlertStatus, AlertView } from '../alert.js';
import { Dispatcher } from './dispatch.js';
import { step } from './lifecycle.js';
import type { LifecycleContext, LifecycleEvent, NewAlert } from './lifecycle.js';
import { alertMetrics } from './metrics.js';
import type { AlertCounts, AlertMetrics } from './metrics.js';
import { DEFAULT_ALERTS_OPTIONS } from './options.js';
import type { AlertsOptions } from './options.js';
import { AlertWriter } from './persistence.js';
import { SilenceBook, silenceFrom, silenceProblems } from './silences.js';
import type { Silence, SilenceInput } from './silences.js';
import type { AlertStore } from './store.js';

export { decide, fingerprint } from './dispatch.js';
export type { DecideOptions } from './dispatch.js';

export interface AlertManagerOptions {
  readonly options?: Partial<AlertsOptions>;
  readonly store?: AlertStore;
  readonly notifiers?: readonly Notifier[];
  /** ms since the epoch; tests pass a fake clock. */
  readonly now?: () => number;
  readonly log?: Logger;
  readonly registry?: Registry;
  /** Per-kind grouping keys (default GROUP_BY). */
  readonly groupBy?: GroupBy;
  /** Run tick() and the store flush on timers (default true); tests call tick()/flush() themselves. */
  readonly timers?: boolean;
  readonly tickMs?: number;
  readonly newId?: () => string;
}

export class AlertManager {
  readonly options: AlertsOptions;
  private readonly store: AlertStore | undefined;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly groupBy: GroupBy;
  private readonly newId: () => string;
  /** Open and acknowledged alerts by group key. */
  private readonly active = new Map<string, Alert>();
  /** Open and acknowledged alerts' keys by id. */
  private readonly keyOf = new Map<string, string>();
  /** Resolved alerts kept for the API and pending resolve notifications, by id. */
  private readonly resolved = new Map<string, Alert>();
  private readonly silences = new SilenceBook();
  private readonly dispatch: Dispatcher;
  private readonly writer: AlertWriter;
  private timers: NodeJS.Timeout[] = [];
  private readonly useTimers: boolean;
  private readonly tickMs: number;
  private lastDropLog = 0;
  private readonly m: AlertMetrics | undefined;

  constructor(o: AlertManagerOptions = {}) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...o.options };
    this.store = o.store;
    this.now = o.now ?? Date.now;
    this.log = o.log?.child({ component: 'alerts' });
    this.groupBy = o.groupBy ?? GROUP_BY;
    this.newId = o.newId ?? randomUUID;
    this.useTimers = o.timers ?? true;
    this.tickMs = o.tickMs ?? 1000;
    this.m = o.registry ? alertMetrics(o.registry, () => this.counts()) : undefined;
    const current = (id: string) => this.byId(id);
    this.writer = new AlertWriter(this.store, current, this.now, this.log, () => this.m?.storeErrors.inc());
    const opts = this.options;
    this.dispatch = new Dispatcher(
      o.notifiers ?? [],
      { minSeverity: opts.minSeverity, squashMs: opts.squashSeconds * 1000, intervalMs: opts.notifyIntervalSeconds * 1000, remind: opts.remind },
      { now: this.now, current, changed: (id) => this.writer.mark(id), log: this.log, notifications: this.m?.notifications },
    );
    const now = this.now();
    for (const [i, input] of this.options.silences.entries()) {
      const p = silenceProblems(input);
      if (p.length > 0) throw new Error(`alerts.silences item ${i + 1}: ${p.join('; ')}`);
      this.silences.add(silenceFrom(input, { id: `config-${i + 1}`, now, source: 'config' }));
    }
  }

  /** Loads open/acknowledged alerts and silences from the store, then starts the timers. */
  async start(): Promise<void> {
    const now = this.now();
    if (this.store) {
      for (const loaded of await this.store.loadActive()) {
        // Observers are not trusted across a restart until a detector reports them again: with
        // none reporting, the alert fades off after resolveAfterSeconds.
        const a = step(loaded, { type: 'restore', now }, this.context()).alert ?? loaded;
        Dispatcher.restore(a);
        this.hold(a);
      }
      for (const s of await this.store.loadSilences(now)) if (!this.silences.has(s.id)) this.silences.add(s);
      this.log?.info({ alerts: this.active.size, silences: this.silences.all.length }, 'alerts loaded from the store');
    }
    if (this.useTimers) {
      const t = setInterval(() => {
        try {
          this.tick();
        } catch (e) {
          this.log?.error({ err: (e as Error).message }, 'alert tick failed');
        }
      }, this.tickMs);
      const f = setInterval(() => void this.flush(), this.options.flushIntervalMs);
      t.unref();
      f.unref();
      this.timers = [t, f];
    }
  }

  /** Stops the timers, lets the channels finish for up to drainMs, and writes the last state. */
  async stop(drainMs = 5000): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.dispatch.drain(drainMs);
    await this.flush();
  }

  private context(open?: NewAlert): LifecycleContext {
    return {
      maxObserversPerAlert: this.options.maxObserversPerAlert,
      staleMs: this.options.staleAfterSeconds * 1000,
      resolveMs: this.options.resolveAfterSeconds * 1000,
      silences: this.silences.all,
      ...(open && { open }),
    };
  }

  private byId(id: string): Alert | undefined {
    const k = this.keyOf.get(id);
    return (k === undefined ? undefined : this.active.get(k)) ?? this.resolved.get(id);
  }

  /** Holds an alert where its status says (replacing the previous state of the same id). */
  private hold(a: Alert): void {
    if (a.status === 'resolved') {
      if (this.keyOf.get(a.id) === a.key) {
        this.active.delete(a.key);
        this.keyOf.delete(a.id);
      }
      this.resolved.set(a.id, a);
    } else {
      this.active.set(a.key, a);
      this.keyOf.set(a.id, a.key);
    }
  }

  /** Runs one lifecycle step and acts on its result: hold the new state, log, count, persist, notify. */
  private apply(state: Alert | null, e: LifecycleEvent, ctx: LifecycleContext): Alert | null {
    const { alert: a, actions } = step(state, e, ctx);
    if (a === null) return null;
    if (a !== state) this.hold(a);
    for (const act of actions) {
      switch (act.type) {
        case 'open':
          this.m?.transitions.inc({ kind: a.kind, transition: 'open' });
          this.log?.info({ alert: a.id, kind: a.kind, subject: a.subject, severity: a.severity, reopened_from: a.reopenedFrom ?? undefined }, `alert opened: ${a.kind} ${subjectLine(a.subject)}`);
          break;
        case 'escalate':
          this.m?.transitions.inc({ kind: a.kind, transition: 'escalate' });
          this.log?.info({ alert: a.id, kind: a.kind, from: act.from, to: a.severity }, `alert escalated: ${a.kind} ${subjectLine(a.subject)}`);
          break;
        case 'acknowledge':
          this.m?.transitions.inc({ kind: a.kind, transition: 'acknowledge' });
          this.log?.info({ alert: a.id, kind: a.kind, by: act.by }, `alert acknowledged: ${a.kind} ${subjectLine(a.subject)}`);
          break;
        case 'resolve':
          this.m?.transitions.inc({ kind: a.kind, transition: 'resolve' });
          this.log?.info({ alert: a.id, kind: a.kind, lasted_s: Math.round((e.now - a.openedAt) / 1000) }, `alert resolved: ${a.kind} ${subjectLine(a.subject)}`);
          break;
        case 'silence':
          this.log?.info({ alert: a.id, silenced_by: act.by }, act.by.length > 0 ? 'alert silenced' : 'alert no longer silenced');
          break;
        case 'save':
          this.writer.mark(a.id);
          break;
        case 'notify':
          this.dispatch.plan(a, e.now);
          break;
      }
    }
    return a;
  }

  // ---- observations ---------------------------------------------------------------------------

  observe(o: Observation): void {
    const now = this.now();
    const key = groupKey(o.kind, o.subject, this.groupBy);
    const a = this.active.get(key);
    this.m?.observations.inc({ kind: o.kind, active: String(o.active) });
    let open: NewAlert | undefined;
    if (!a) {
      if (!o.active) return; // clearing something that is not (or no longer) alerting
      if (this.active.size >= this.options.maxOpenAlerts) {
        this.m?.dropped.inc({ reason: 'max-open-alerts' });
        if (now - this.lastDropLog > 60_000) {
          this.lastDropLog = now;
          this.log?.warn({ max: this.options.maxOpenAlerts, kind: o.kind }, 'too many open alerts: observations opening new ones are dropped (alerts.maxOpenAlerts)');
        }
        return;
      }
      open = { id: this.newId(), key, subject: groupSubject(o.kind, o.subject, this.groupBy), reopenedFrom: this.lastResolved(key) };
    }
    this.apply(a ?? null, { type: 'observe', observation: o, observerKey: observerKey(o), now }, this.context(open));
  }

  observeAll(os: Iterable<Observation>): void {
    for (const o of os) this.observe(o);
  }

  /** The id of the latest resolved alert of this key, for `reopenedFrom`. */
  private lastResolved(key: string): string | null {
    let id: string | null = null;
    let latest = -Infinity;
    for (const r of this.resolved.values()) {
      if (r.key === key && (r.resolvedAt ?? 0) > latest) {
        latest = r.resolvedAt ?? 0;
        id = r.id;
      }
    }
    return id;
  }

  // ---- time -----------------------------------------------------------------------------------

  /** Squash ends, stale observers, fade-off resolves, silences starting/ending, reminders. */
  tick(now: number = this.now()): void {
    const ctx = this.context();
    for (const a of [...this.active.values()]) this.apply(a, { type: 'tick', now }, ctx);
    const keepMs = this.options.keepResolvedSeconds * 1000;
    for (const a of [...this.resolved.values()]) {
      this.dispatch.plan(a, now);
      if (now - (a.resolvedAt ?? now) >= keepMs && !this.writer.isDirty(a.id) && !this.dispatch.isPending(a.id)) this.resolved.delete(a.id);
    }
    // Bounded even when the store is down for long (dirty rows cannot be written): the oldest
    // resolved alerts go first, their last state unwritten.
    const excess = this.resolved.size - this.options.maxOpenAlerts;
    if (excess > 0) {
      let k = 0;
      for (const a of this.resolved.values()) {
        if (k++ >= excess) break;
        this.resolved.delete(a.id);
        this.writer.forget(a.id);
      }
      this.m?.dropped.inc({ reason: 'resolved-unwritten' }, excess);
      this.log?.warn({ dropped: excess }, 'resolved alerts dropped from memory before the store took them');
    }
    this.silences.prune(now);
  }

  // ---- acknowledgement, silences ------------------------------------------------------------------

  /** Acknowledges an open alert; returns the alert, or why not. */
  acknowledge(id: string, by: string): AlertView | string {
    const a = this.findActive(id);
    if (!a) return this.resolved.has(id) ? `alert ${id} is resolved` : `no open alert ${id}`;
    const next = this.apply(a, { type: 'acknowledge', by, now: this.now() }, this.context()) ?? a;
    return viewOf(next);
  }

  /** Adds a silence (validated; stored when a store is configured); returns it or the problems. */
  async addSilence(input: SilenceInput): Promise<Silence | string[]> {
    const p = silenceProblems(input);
    if (p.length > 0) return p;
    const now = this.now();
    const s = silenceFrom(input, { id: this.newId(), now, source: 'api' });
    if (this.silences.has(s.id)) return [`a silence ${s.id} exists`];
    await this.store?.saveSilence(s, this.silences.version(now));
    this.silences.add(s);
    this.log?.info({ silence: s.id, matchers: s.matchers, starts_at: new Date(s.startsAt).toISOString(), ends_at: new Date(s.endsAt).toISOString(), by: s.createdBy, reason: s.reason }, 'silence added');
    this.tick(now);
    return s;
  }

  /** Ends a silence now; false when there is no such (API) silence. */
  async expireSilence(id: string): Promise<boolean> {
    const s = this.silences.api(id);
    if (!s) return false;
    const now = this.now();
    const ended: Silence = { ...s, endsAt: Math.max(s.startsAt, now) };
    await this.store?.saveSilence(ended, this.silences.version(now));
    this.silences.remove(id);
    this.log?.info({ silence: id }, 'silence ended');
    this.tick(now);
    return true;
  }

  listSilences(): readonly Silence[] {
    return [...this.silences.all];
  }

  // ---- reading ----------------------------------------------------------------------------------

  private findActive(id: string): Alert | undefined {
    const k = this.keyOf.get(id);
    return k === undefined ? undefined : this.active.get(k);
  }

  get(id: string): AlertView | undefined {
    const a = this.byId(id);
    return a && viewOf(a);
  }

  list(filter: { status?: AlertStatus } = {}): AlertView[] {
    const all = [...this.active.values(), ...this.resolved.values()];
    return all.filter((a) => filter.status === undefined || a.status === filter.status).map(viewOf);
  }

  /** Counts by status, for metrics. */
  counts(): AlertCounts {
    let open = 0;
    let acknowledged = 0;
    let silenced = 0;
    for (const a of this.active.values()) {
      if (a.status === 'open') open++;
      else acknowledged++;
      if (a.silencedBy.length > 0) silenced++;
    }
    return { open, acknowledged, silenced };
  }

  // ---- persistence ------------------------------------------------------------------------------

  /** Writes changed alerts; failures keep them for the next flush. */
  flush(): Promise<void> {
    return this.writer.flush();
  }
}

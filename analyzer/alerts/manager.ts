/**
 * The alert lifecycle: Observations in, alerts out.
 *
 *   observe(active) ──► open ──► (update | escalate) ──► acknowledged ──► resolved
 *                         ▲                                   │ escalate reopens attention
 *                         └───────────────────────────────────┘ (status back to open)
 *
 * - One alert per (kind, group subject) (grouping.ts); each distinct full subject that reports it
 *   is an observer. Severity is the highest among active observers.
 * - Squash: the first notification waits `squashSeconds` after opening, gathering observers.
 * - Notification interval: an open alert's changes (observers added, severity falling) and
 *   reminders go to a channel at most every `notifyIntervalSeconds`; escalation (severity above
 *   what the channel was told), acknowledgement and resolve go at once.
 * - Fade-off: resolved after `resolveAfterSeconds` with no active observer. A later active
 *   observation opens a NEW alert (new id, `reopenedFrom` = the resolved one): a resolved alert
 *   is history and its Slack thread is closed.
 * - Silences mute notifications of matching alerts (`silencedBy`), never the alerts. A resolve
 *   is still sent to a channel that was told about the alert (maintenance often fixes things).
 *
 * What each channel was told is kept per alert (ChannelState) and persisted with it, so after a
 * restart the lifecycle sends exactly what is missing: nothing for an alert already announced,
 * the open for one still in its squash window. Delivery is asynchronous (../notify/); observe()
 * and tick() never wait on a channel or on the store (state is written behind, every
 * flushIntervalMs, and retried on failure).
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import { SEVERITY_RANK } from '../types.js';
import type { Observation, Severity } from '../types.js';
import type { Delivery, DeliveryOutcome, Notifier } from '../notify/types.js';
import { GROUP_BY, groupKey, groupSubject, observerKey, subjectLine } from '../grouping.js';
import type { GroupBy } from '../grouping.js';
import { DEFAULT_ALERTS_OPTIONS } from './options.js';
import type { AlertsOptions } from './options.js';
import { matches, silenceActive, silenceFrom, silenceProblems } from './silences.js';
import type { Silence, SilenceInput } from './silences.js';
import type { AlertStore } from './store.js';
import { viewOf } from '../alert.js';
import type { Alert, AlertStatus, AlertView, ChannelState, NotifyEvent } from '../alert.js';

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

const rank = (s: Severity | null): number => (s === null ? -1 : SEVERITY_RANK[s]);

export function fingerprint(a: Alert): string {
  return `${a.severity}|${a.status}|${a.observerCount}`;
}

export interface DecideOptions {
  /** Not announced below this severity (an announced alert is followed to its resolve). */
  readonly minSeverity?: Severity;
  readonly squashMs: number;
  readonly intervalMs: number;
  readonly remind: boolean;
}

/**
 * What a channel must be told next about an alert, given what it was told (st): the whole
 * notification policy in one pure function.
 */
export function decide(a: Alert, st: ChannelState, now: number, o: DecideOptions): NotifyEvent | null {
  if (a.status === 'resolved') return st.status !== null && st.status !== 'resolved' ? 'resolve' : null;
  if (now < a.openedAt + o.squashMs) return null;
  if (a.silencedBy.length > 0) return null;
  const fp = fingerprint(a);
  if (st.failedFingerprint === fp && st.failedAt !== undefined && now - st.failedAt < o.intervalMs) return null;
  if (st.status === null || st.status === 'resolved') return o.minSeverity !== undefined && rank(a.severity) < rank(o.minSeverity) ? null : 'open';
  if (rank(a.severity) > rank(st.severity)) return 'escalate';
  if (a.status === 'acknowledged') return st.status === 'open' ? 'acknowledge' : null;
  if (st.at !== null && now - st.at < o.intervalMs) return null;
  if (fp !== st.fingerprint) return 'update';
  return o.remind ? 'reminder' : null;
}

const emptyState = (): ChannelState => ({ status: null, severity: null, fingerprint: '', at: null });

export class AlertManager {
  readonly options: AlertsOptions;
  private readonly store: AlertStore | undefined;
  private readonly notifiers: readonly Notifier[];
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly groupBy: GroupBy;
  private readonly newId: () => string;
  /** Open and acknowledged alerts by group key. */
  private readonly active = new Map<string, Alert>();
  /** Resolved alerts kept for the API and pending resolve notifications, by id. */
  private readonly resolved = new Map<string, Alert>();
  private readonly dirty = new Set<Alert>();
  /** Per alert, the channels with a delivery under way (one at a time per alert and channel). */
  private readonly pending = new WeakMap<Alert, Set<Notifier>>();
  private silences: Silence[] = [];
  private silenceSeq = 0;
  private flushing: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly useTimers: boolean;
  private readonly tickMs: number;
  private lastDropLog = 0;
  private lastFlushErrorLog = 0;
  private readonly m: ReturnType<typeof makeMetrics> | undefined;

  constructor(o: AlertManagerOptions = {}) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...o.options };
    this.store = o.store;
    this.notifiers = o.notifiers ?? [];
    this.now = o.now ?? Date.now;
    this.log = o.log?.child({ component: 'alerts' });
    this.groupBy = o.groupBy ?? GROUP_BY;
    this.newId = o.newId ?? randomUUID;
    this.useTimers = o.timers ?? true;
    this.tickMs = o.tickMs ?? 1000;
    this.m = o.registry ? makeMetrics(o.registry, this) : undefined;
    const now = this.now();
    for (const [i, input] of this.options.silences.entries()) {
      const p = silenceProblems(input);
      if (p.length > 0) throw new Error(`alerts.silences item ${i + 1}: ${p.join('; ')}`);
      this.silences.push(silenceFrom(input, { id: `config-${i + 1}`, now, source: 'config' }));
    }
  }

  /** Loads open/acknowledged alerts and silences from the store, then starts the timers. */
  async start(): Promise<void> {
    const now = this.now();
    if (this.store) {
      for (const a of await this.store.loadActive()) {
        // Observers are not trusted across a restart until a detector reports them again: with
        // none reporting, the alert fades off after resolveAfterSeconds.
        for (const ob of a.observers.values()) {
          if (ob.active) {
            ob.active = false;
            ob.inactiveSince = now;
          }
        }
        for (const st of a.channels.values()) delete st.failedFingerprint;
        this.active.set(a.key, a);
      }
      for (const s of await this.store.loadSilences(now)) if (!this.silences.some((x) => x.id === s.id)) this.silences.push(s);
      this.log?.info({ alerts: this.active.size, silences: this.silences.length }, 'alerts loaded from the store');
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
    await Promise.all(this.notifiers.map((n) => n.drain(drainMs)));
    await this.flush();
  }

  // ---- observations ---------------------------------------------------------------------------

  observe(o: Observation): void {
    const now = this.now();
    const key = groupKey(o.kind, o.subject, this.groupBy);
    let a = this.active.get(key);
    this.m?.observations.inc({ kind: o.kind, active: String(o.active) });
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
      a = this.openAlert(o, key, now);
    }
    const oKey = observerKey(o);
    let ob = a.observers.get(oKey);
    if (!ob) {
      if (!o.active) return;
      a.observerCount++;
      if (a.observers.size < this.options.maxObserversPerAlert) {
        ob = { key: oKey, subject: { ...o.subject }, severity: o.severity, active: true, firstAt: now, lastAt: now, lastActiveAt: now, inactiveSince: null, count: 0, facts: o.facts };
        a.observers.set(oKey, ob);
      }
    }
    a.events++;
    a.updatedAt = now;
    if (ob) {
      ob.count++;
      ob.lastAt = now;
      ob.facts = o.facts;
      ob.summary = o.summary;
      if (o.active) {
        ob.severity = o.severity;
        ob.active = true;
        ob.lastActiveAt = now;
        ob.inactiveSince = null;
      } else if (ob.active) {
        ob.active = false;
        ob.inactiveSince = now;
      }
    }
    if (o.active) a.lastActiveAt = now;
    const before = a.severity;
    this.recomputeSeverity(a, o.active ? o.severity : undefined);
    if (o.active && rank(o.severity) >= rank(a.severity)) {
      a.summary = o.summary;
      a.nextStep = o.nextStep;
      a.facts = o.facts;
    }
    if (rank(a.severity) > rank(before)) this.escalated(a, before, now);
    this.updateSilenced(a, now);
    this.dirty.add(a);
    this.plan(a, now);
  }

  observeAll(os: Iterable<Observation>): void {
    for (const o of os) this.observe(o);
  }

  private openAlert(o: Observation, key: string, now: number): Alert {
    const at = Date.parse(o.at);
    let reopenedFrom: string | null = null;
    let latest = -Infinity;
    for (const r of this.resolved.values()) {
      if (r.key === key && (r.resolvedAt ?? 0) > latest) {
        latest = r.resolvedAt ?? 0;
        reopenedFrom = r.id;
      }
    }
    const a: Alert = {
      id: this.newId(),
      kind: o.kind,
      key,
      subject: groupSubject(o.kind, o.subject, this.groupBy),
      severity: o.severity,
      peakSeverity: o.severity,
      status: 'open',
      summary: o.summary,
      nextStep: o.nextStep,
      facts: o.facts,
      observers: new Map(),
      observerCount: 0,
      events: 0,
      openedAt: !Number.isNaN(at) && at <= now ? at : now,
      updatedAt: now,
      lastActiveAt: now,
      resolvedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      escalatedAt: null,
      silencedBy: [],
      reopenedFrom,
      channels: new Map(),
      lastNotifiedAt: null,
      version: 0,
    };
    this.active.set(key, a);
    this.m?.transitions.inc({ kind: a.kind, transition: 'open' });
    this.log?.info({ alert: a.id, kind: a.kind, subject: a.subject, severity: a.severity, reopened_from: reopenedFrom ?? undefined }, `alert opened: ${a.kind} ${subjectLine(a.subject)}`);
    return a;
  }

  private recomputeSeverity(a: Alert, floor: Severity | undefined): void {
    let best: Severity | null = floor ?? null;
    for (const ob of a.observers.values()) if (ob.active && rank(ob.severity) > rank(best)) best = ob.severity;
    if (best !== null) a.severity = best; // with nothing active the alert keeps the severity it had
    if (rank(a.severity) > rank(a.peakSeverity)) a.peakSeverity = a.severity;
  }

  private escalated(a: Alert, from: Severity, now: number): void {
    a.escalatedAt = now;
    if (a.status === 'acknowledged') {
      // The acknowledgement was for a lesser problem: it needs attention again.
      a.status = 'open';
      a.acknowledgedAt = null;
      a.acknowledgedBy = null;
    }
    this.m?.transitions.inc({ kind: a.kind, transition: 'escalate' });
    this.log?.info({ alert: a.id, kind: a.kind, from, to: a.severity }, `alert escalated: ${a.kind} ${subjectLine(a.subject)}`);
  }

  // ---- time -----------------------------------------------------------------------------------

  /** Squash ends, stale observers, fade-off resolves, silences starting/ending, reminders. */
  tick(now: number = this.now()): void {
    const staleMs = this.options.staleAfterSeconds * 1000;
    const resolveMs = this.options.resolveAfterSeconds * 1000;
    for (const a of [...this.active.values()]) {
      let quietSince: number | null = 0;
      for (const ob of a.observers.values()) {
        if (ob.active && staleMs > 0 && now - ob.lastActiveAt >= staleMs) {
          ob.active = false;
          ob.inactiveSince = ob.lastActiveAt + staleMs;
          this.dirty.add(a);
        }
        if (ob.active) quietSince = null;
        else if (quietSince !== null) quietSince = Math.max(quietSince, ob.inactiveSince ?? ob.lastAt);
      }
      if (a.observers.size === 0) quietSince = a.lastActiveAt; // observers past the bound only
      if (quietSince !== null && now - quietSince >= resolveMs) {
        this.resolve(a, now);
        continue;
      }
      if (this.updateSilenced(a, now)) this.dirty.add(a);
      this.plan(a, now);
    }
    const keepMs = this.options.keepResolvedSeconds * 1000;
    for (const a of [...this.resolved.values()]) {
      this.plan(a, now);
      if (now - (a.resolvedAt ?? now) >= keepMs && !this.dirty.has(a) && !this.isPending(a)) this.resolved.delete(a.id);
    }
    // Bounded even when the store is down for long (dirty rows cannot be written): the oldest
    // resolved alerts go first, their last state unwritten.
    const excess = this.resolved.size - this.options.maxOpenAlerts;
    if (excess > 0) {
      let k = 0;
      for (const a of this.resolved.values()) {
        if (k++ >= excess) break;
        this.resolved.delete(a.id);
        this.dirty.delete(a);
      }
      this.m?.dropped.inc({ reason: 'resolved-unwritten' }, excess);
      this.log?.warn({ dropped: excess }, 'resolved alerts dropped from memory before the store took them');
    }
    this.silences = this.silences.filter((s) => s.endsAt > now);
  }

  private resolve(a: Alert, now: number): void {
    a.status = 'resolved';
    a.resolvedAt = now;
    a.updatedAt = now;
    this.active.delete(a.key);
    this.resolved.set(a.id, a);
    this.dirty.add(a);
    this.m?.transitions.inc({ kind: a.kind, transition: 'resolve' });
    this.log?.info({ alert: a.id, kind: a.kind, lasted_s: Math.round((now - a.openedAt) / 1000) }, `alert resolved: ${a.kind} ${subjectLine(a.subject)}`);
    this.plan(a, now);
  }

  // ---- notifications --------------------------------------------------------------------------

  private isPending(a: Alert): boolean {
    return (this.pending.get(a)?.size ?? 0) > 0;
  }

  private plan(a: Alert, now: number): void {
    const o: DecideOptions = { minSeverity: this.options.minSeverity, squashMs: this.options.squashSeconds * 1000, intervalMs: this.options.notifyIntervalSeconds * 1000, remind: this.options.remind };
    for (const n of this.notifiers) {
      if (this.pending.get(a)?.has(n)) continue;
      let st = a.channels.get(n.name);
      const event = decide(a, st ?? emptyState(), now, o);
      if (event === null) continue;
      if (!st) {
        st = emptyState();
        a.channels.set(n.name, st);
      }
      const told = { status: a.status, severity: a.severity, fingerprint: fingerprint(a) };
      if (!n.wants(event)) {
        // Not this channel's kind of message: count it as told, so it is not asked again.
        Object.assign(st, told, { at: now });
        this.dirty.add(a);
        continue;
      }
      const channelState = st;
      const d: Delivery = {
        event,
        alert: viewOf(a),
        previousSeverity: st.severity,
        at: now,
        ...(st.ref !== undefined && { ref: st.ref }),
        ...(st.refChannel !== undefined && { refChannel: st.refChannel }),
      };
      let busy = this.pending.get(a);
      if (!busy) this.pending.set(a, (busy = new Set()));
      busy.add(n);
      try {
        n.send(d, (out) => this.delivered(n, a, channelState, event, told, out));
      } catch (e) {
        // A Notifier must not throw; if one does, the alert must not stay stuck "in flight".
        busy.delete(n);
        this.log?.error({ channel: n.name, err: (e as Error).message }, 'notifier failed to queue a delivery');
      }
    }
  }

  private delivered(n: Notifier, a: Alert, st: ChannelState, event: NotifyEvent, told: Pick<ChannelState, 'status' | 'severity' | 'fingerprint'>, out: DeliveryOutcome): void {
    this.pending.get(a)?.delete(n);
    const now = this.now();
    this.m?.notifications.inc({ channel: n.name, event, outcome: out.ok ? 'sent' : out.reason });
    if (out.ok) {
      Object.assign(st, told, { at: now });
      delete st.failedFingerprint;
      delete st.failedAt;
      if (out.ref !== undefined) st.ref = out.ref;
      if (out.refChannel !== undefined) st.refChannel = out.refChannel;
      a.lastNotifiedAt = now;
    } else {
      st.failedFingerprint = told.fingerprint;
      st.failedAt = now;
      if (out.reason !== 'closed') this.log?.warn({ alert: a.id, channel: n.name, event, reason: out.reason, err: out.error }, 'notification not delivered; the next change of the alert (or the notification interval) tries again');
    }
    this.dirty.add(a);
    if (out.ok || out.reason !== 'closed') this.plan(a, now);
  }

  // ---- acknowledgement, silences ------------------------------------------------------------------

  /** Acknowledges an open alert; returns the alert, or why not. */
  acknowledge(id: string, by: string): AlertView | string {
    const a = this.findActive(id);
    if (!a) return this.resolved.has(id) ? `alert ${id} is resolved` : `no open alert ${id}`;
    if (a.status === 'acknowledged') return viewOf(a);
    const now = this.now();
    a.status = 'acknowledged';
    a.acknowledgedAt = now;
    a.acknowledgedBy = by;
    a.updatedAt = now;
    this.dirty.add(a);
    this.m?.transitions.inc({ kind: a.kind, transition: 'acknowledge' });
    this.log?.info({ alert: a.id, kind: a.kind, by }, `alert acknowledged: ${a.kind} ${subjectLine(a.subject)}`);
    this.plan(a, now);
    return viewOf(a);
  }

  /** Adds a silence (validated; stored when a store is configured); returns it or the problems. */
  async addSilence(input: SilenceInput): Promise<Silence | string[]> {
    const p = silenceProblems(input);
    if (p.length > 0) return p;
    const now = this.now();
    const s = silenceFrom(input, { id: this.newId(), now, source: 'api' });
    if (this.silences.some((x) => x.id === s.id)) return [`a silence ${s.id} exists`];
    await this.store?.saveSilence(s, this.silenceVersion(now));
    this.silences.push(s);
    this.log?.info({ silence: s.id, matchers: s.matchers, starts_at: new Date(s.startsAt).toISOString(), ends_at: new Date(s.endsAt).toISOString(), by: s.createdBy, reason: s.reason }, 'silence added');
    this.tick(now);
    return s;
  }

  /** Ends a silence now; false when there is no such (API) silence. */
  async expireSilence(id: string): Promise<boolean> {
    const i = this.silences.findIndex((s) => s.id === id);
    const s = this.silences[i];
    if (!s || s.source !== 'api') return false;
    const now = this.now();
    const ended: Silence = { ...s, endsAt: Math.max(s.startsAt, now) };
    await this.store?.saveSilence(ended, this.silenceVersion(now));
    this.silences.splice(i, 1);
    this.log?.info({ silence: id }, 'silence ended');
    this.tick(now);
    return true;
  }

  private silenceVersion(now: number): number {
    this.silenceSeq = (this.silenceSeq + 1) % 1000;
    return now * 1000 + this.silenceSeq;
  }

  listSilences(): readonly Silence[] {
    return [...this.silences];
  }

  /** Recomputes which silences mute the alert; true when that changed. */
  private updateSilenced(a: Alert, now: number): boolean {
    if (this.silences.length === 0 && a.silencedBy.length === 0) return false;
    const live = this.silences.filter((s) => silenceActive(s, now));
    let by: string[] = [];
    if (live.length > 0) {
      let candidates = [...a.observers.values()].filter((ob) => ob.active);
      if (candidates.length === 0) candidates = [...a.observers.values()];
      const ids = new Set<string>();
      let all = candidates.length > 0;
      for (const ob of candidates) {
        const hit = live.filter((s) => matches(s.matchers, a.kind, ob.subject));
        if (hit.length === 0) {
          all = false;
          break;
        }
        for (const s of hit) ids.add(s.id);
      }
      if (candidates.length === 0) for (const s of live) if (matches(s.matchers, a.kind, a.subject)) ids.add(s.id);
      by = all || candidates.length === 0 ? [...ids].sort() : [];
    }
    const changed = by.join(',') !== a.silencedBy.join(',');
    if (changed) {
      a.silencedBy = by;
      this.log?.info({ alert: a.id, silenced_by: by }, by.length > 0 ? 'alert silenced' : 'alert no longer silenced');
    }
    return changed;
  }

  // ---- reading ----------------------------------------------------------------------------------

  private findActive(id: string): Alert | undefined {
    for (const a of this.active.values()) if (a.id === id) return a;
    return undefined;
  }

  get(id: string): AlertView | undefined {
    const a = this.findActive(id) ?? this.resolved.get(id);
    return a && viewOf(a);
  }

  list(filter: { status?: AlertStatus } = {}): AlertView[] {
    const all = [...this.active.values(), ...this.resolved.values()];
    return all.filter((a) => filter.status === undefined || a.status === filter.status).map(viewOf);
  }

  /** Counts by status, for metrics. */
  counts(): { open: number; acknowledged: number; silenced: number } {
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
    if (this.flushing) return this.flushing.then(() => (this.dirty.size > 0 ? this.flush() : undefined));
    if (!this.store || this.dirty.size === 0) {
      this.dirty.clear();
      return Promise.resolve();
    }
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const a of batch) a.version++;
    const store = this.store;
    this.flushing = store
      .saveAlerts(batch)
      .catch((e: unknown) => {
        for (const a of batch) this.dirty.add(a);
        this.m?.storeErrors.inc();
        const now = this.now();
        if (now - this.lastFlushErrorLog > 60_000) {
          this.lastFlushErrorLog = now;
          this.log?.warn({ err: (e as Error).message, alerts: batch.length }, 'alerts could not be written to the store; retrying');
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}

function makeMetrics(registry: Registry, mgr: AlertManager) {
  const registers = [registry];
  return {
    observations: new Counter({ name: 'ribwatch_alert_observations_total', help: 'Observations received by the alert lifecycle, by kind and active.', labelNames: ['kind', 'active'], registers }),
    transitions: new Counter({ name: 'ribwatch_alert_transitions_total', help: 'Alert lifecycle transitions: open, escalate, acknowledge, resolve.', labelNames: ['kind', 'transition'], registers }),
    notifications: new Counter({ name: 'ribwatch_alert_notifications_total', help: 'Notifications by channel, event and outcome (sent, gave-up, rejected, dropped, closed).', labelNames: ['channel', 'event', 'outcome'], registers }),
    dropped: new Counter({ name: 'ribwatch_alert_observations_dropped_total', help: 'Observations dropped by the alert lifecycle, by reason.', labelNames: ['reason'], registers }),
    storeErrors: new Counter({ name: 'ribwatch_alert_store_errors_total', help: 'Failed writes of alert state (retried).', registers }),
    open: new Gauge({
      name: 'ribwatch_alerts',
      help: 'Alerts held now, by status (open, acknowledged) and silenced.',
      labelNames: ['status'],
      registers,
      collect() {
        const c = mgr.counts();
        this.set({ status: 'open' }, c.open);
        this.set({ status: 'acknowledged' }, c.acknowledged);
        this.set({ status: 'silenced' }, c.silenced);
      },
    }),
  };
}

/**
 * The alert lifecycle as one pure decision function: an alert's state (or none) and an event in,
 * the next state and what happened out. No clock, no I/O, no mutation of its input: the manager
 * (manager.ts) feeds it, keeps the result, and acts on the actions (logs, metrics, persistence,
 * dispatch).
 *
 *   observe(active) ──► open ──► (update | escalate) ──► acknowledged ──► resolved
 *                         ▲                                   │ escalate reopens attention
 *                         └───────────────────────────────────┘ (status back to open)
 *
 * - One alert per (kind, group subject) (../grouping.ts); each distinct full subject that reports
 *   it is an observer. Severity is the highest among active observers (with none active it keeps
 *   the last); the alert's summary, next step and facts follow the worst active observation.
 * - Escalation (severity above what it was) reopens an acknowledged alert.
 * - Fade-off: resolved `resolveMs` after the last observer went inactive. An active observation
 *   not repeated for `staleMs` counts as inactive (0: never).
 * - Silences never change the alert, only `silencedBy` (which mutes its notifications).
 *
 * The lifecycle owns the lifecycle fields of an Alert. `channels` and `lastNotifiedAt` belong to
 * dispatch and `version` to persistence: they are carried over as they are.
 */
import { SEVERITY_RANK } from '../types.js';
import type { AlertSubject, Observation, Severity } from '../types.js';
import type { Alert, Observer } from '../alert.js';
import { silencedBy } from './silences.js';
import type { Silence } from './silences.js';

export type LifecycleEvent =
  /** A detector's observation of this alert's (kind, group subject). */
  | { readonly type: 'observe'; readonly observation: Observation; readonly observerKey: string; readonly now: number }
  /** Time passes: stale observers, fade-off, silences starting and ending. */
  | { readonly type: 'tick'; readonly now: number }
  | { readonly type: 'acknowledge'; readonly by: string; readonly now: number }
  /** Loaded from the store after a restart: observers are not trusted until reported again. */
  | { readonly type: 'restore'; readonly now: number };

/** Identity of the alert an active observation opens when there is none. */
export interface NewAlert {
  readonly id: string;
  readonly key: string;
  readonly subject: AlertSubject;
  /** The last resolved alert of the same key, if any. */
  readonly reopenedFrom: string | null;
}

export interface LifecycleContext {
  readonly maxObserversPerAlert: number;
  /** An active observer not repeated this long goes inactive (0: never). */
  readonly staleMs: number;
  /** Resolve this long after the last active observer. */
  readonly resolveMs: number;
  /** The silences in force (the lifecycle picks the ones active at the event's time). */
  readonly silences: readonly Silence[];
  /** For an observe without an alert: what to open. */
  readonly open?: NewAlert;
}

export type LifecycleAction =
  | { readonly type: 'open' }
  | { readonly type: 'escalate'; readonly from: Severity }
  | { readonly type: 'acknowledge'; readonly by: string }
  | { readonly type: 'resolve' }
  /** silencedBy changed (an empty list: no longer silenced). */
  | { readonly type: 'silence'; readonly by: readonly string[] }
  /** The state changed: persist it. */
  | { readonly type: 'save' }
  /** Ask dispatch what each channel must be told now. */
  | { readonly type: 'notify' };

export interface LifecycleResult {
  /** The next state: the same object when nothing changed, null when there is (still) no alert. */
  readonly alert: Alert | null;
  readonly actions: readonly LifecycleAction[];
}

const rank = (s: Severity | null): number => (s === null ? -1 : SEVERITY_RANK[s]);

const NOTHING: readonly LifecycleAction[] = [];

export function step(state: Alert | null, e: LifecycleEvent, ctx: LifecycleContext): LifecycleResult {
  switch (e.type) {
    case 'observe':
      return observe(state, e.observation, e.observerKey, e.now, ctx);
    case 'tick':
      return state === null ? { alert: null, actions: NOTHING } : tick(state, e.now, ctx);
    case 'acknowledge':
      return state === null ? { alert: null, actions: NOTHING } : acknowledge(state, e.by, e.now);
    case 'restore':
      return state === null ? { alert: null, actions: NOTHING } : restore(state, e.now);
  }
}

function opened(o: Observation, n: NewAlert, now: number): Alert {
  const at = Date.parse(o.at);
  return {
    id: n.id,
    kind: o.kind,
    key: n.key,
    subject: n.subject,
    severity: o.severity,
    peakSeverity: o.severity,
    status: 'open',
    summary: o.summary,
    nextStep: o.nextStep,
    facts: o.facts,
    observers: new Map(),
    observerCount: 0,
    events: 0,
    // The observation's event time when it is sane: the alert began then, not when it reached us.
    openedAt: !Number.isNaN(at) && at <= now ? at : now,
    updatedAt: now,
    lastActiveAt: now,
    resolvedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    escalatedAt: null,
    silencedBy: [],
    reopenedFrom: n.reopenedFrom,
    channels: new Map(),
    lastNotifiedAt: null,
    version: 0,
  };
}

function observe(state: Alert | null, o: Observation, oKey: string, now: number, ctx: LifecycleContext): LifecycleResult {
  const actions: LifecycleAction[] = [];
  let a: Alert;
  if (state === null) {
    // Clearing something that is not (or no longer) alerting opens nothing.
    if (!o.active || !ctx.open) return { alert: null, actions: NOTHING };
    a = opened(o, ctx.open, now);
    actions.push({ type: 'open' });
  } else {
    if (!o.active && !state.observers.has(oKey)) return { alert: state, actions: NOTHING };
    a = { ...state, observers: new Map(state.observers) };
  }
  const prev = a.observers.get(oKey);
  let ob: Observer | undefined;
  if (prev) ob = { ...prev };
  else {
    a.observerCount++;
    if (a.observers.size < ctx.maxObserversPerAlert) ob = { key: oKey, subject: { ...o.subject }, severity: o.severity, active: true, firstAt: now, lastAt: now, lastActiveAt: now, inactiveSince: null, count: 0, facts: o.facts };
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
    a.observers.set(oKey, ob);
  }
  if (o.active) a.lastActiveAt = now;
  const before = a.severity;
  recomputeSeverity(a, o.active ? o.severity : undefined);
  if (o.active && rank(o.severity) >= rank(a.severity)) {
    a.summary = o.summary;
    a.nextStep = o.nextStep;
    a.facts = o.facts;
  }
  if (rank(a.severity) > rank(before)) {
    escalate(a, now);
    actions.push({ type: 'escalate', from: before });
  }
  resilence(a, now, ctx.silences, actions);
  actions.push({ type: 'save' }, { type: 'notify' });
  return { alert: a, actions };
}

function recomputeSeverity(a: Alert, floor: Severity | undefined): void {
  let best: Severity | null = floor ?? null;
  for (const ob of a.observers.values()) if (ob.active && rank(ob.severity) > rank(best)) best = ob.severity;
  if (best !== null) a.severity = best; // with nothing active the alert keeps the severity it had
  if (rank(a.severity) > rank(a.peakSeverity)) a.peakSeverity = a.severity;
}

function escalate(a: Alert, now: number): void {
  a.escalatedAt = now;
  if (a.status === 'acknowledged') {
    // The acknowledgement was for a lesser problem: it needs attention again.
    a.status = 'open';
    a.acknowledgedAt = null;
    a.acknowledgedBy = null;
  }
}

/** Recomputes silencedBy on the (already copied) alert; records an action when it changed. */
function resilence(a: Alert, now: number, silences: readonly Silence[], actions: LifecycleAction[]): boolean {
  if (silences.length === 0 && a.silencedBy.length === 0) return false;
  const by = silencedBy(silences, a.kind, a.subject, [...a.observers.values()], now);
  if (by.join(',') === a.silencedBy.join(',')) return false;
  a.silencedBy = by;
  actions.push({ type: 'silence', by });
  return true;
}

function tick(state: Alert, now: number, ctx: LifecycleContext): LifecycleResult {
  if (state.status === 'resolved') return { alert: state, actions: [{ type: 'notify' }] };
  const actions: LifecycleAction[] = [];
  let a = state;
  let changed = false;
  let quietSince: number | null = 0;
  for (const ob of state.observers.values()) {
    let cur = ob;
    if (ob.active && ctx.staleMs > 0 && now - ob.lastActiveAt >= ctx.staleMs) {
      if (!changed) a = { ...state, observers: new Map(state.observers) };
      changed = true;
      cur = { ...ob, active: false, inactiveSince: ob.lastActiveAt + ctx.staleMs };
      a.observers.set(ob.key, cur);
    }
    if (cur.active) quietSince = null;
    else if (quietSince !== null) quietSince = Math.max(quietSince, cur.inactiveSince ?? cur.lastAt);
  }
  if (state.observers.size === 0) quietSince = state.lastActiveAt; // observers past the bound only
  if (quietSince !== null && now - quietSince >= ctx.resolveMs) {
    a = { ...a, status: 'resolved', resolvedAt: now, updatedAt: now };
    return { alert: a, actions: [{ type: 'resolve' }, { type: 'save' }, { type: 'notify' }] };
  }
  const silences = ctx.silences;
  if (silences.length > 0 || a.silencedBy.length > 0) {
    const by = silencedBy(silences, a.kind, a.subject, [...a.observers.values()], now);
    if (by.join(',') !== a.silencedBy.join(',')) {
      a = { ...a, silencedBy: by };
      actions.push({ type: 'silence', by });
      changed = true;
    }
  }
  if (changed) actions.push({ type: 'save' });
  actions.push({ type: 'notify' });
  return { alert: a, actions };
}

function acknowledge(state: Alert, by: string, now: number): LifecycleResult {
  if (state.status !== 'open') return { alert: state, actions: NOTHING };
  return {
    alert: { ...state, status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: by, updatedAt: now },
    actions: [{ type: 'acknowledge', by }, { type: 'save' }, { type: 'notify' }],
  };
}

function restore(state: Alert, now: number): LifecycleResult {
  const observers = new Map<string, Observer>();
  for (const [k, ob] of state.observers) observers.set(k, ob.active ? { ...ob, active: false, inactiveSince: now } : ob);
  return { alert: { ...state, observers }, actions: NOTHING };
}

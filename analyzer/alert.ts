/**
 * The alert: what the lifecycle (alerts/lifecycle.ts, held by alerts/manager.ts) keeps per (kind, group subject), what it persists
 * (store.ts) and what the notifiers render (../notify/). Observations come from the detectors
 * (../types.ts); several observations whose subjects differ only in "observer" keys (the router
 * and peer that saw a leak) are one alert with several observers (grouping.ts).
 */
import type { AlertKind, AlertSubject, FactValue, Severity } from './types.js';

export type { AlertKind, AlertSubject, FactValue, Observation, Severity } from './types.js';

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/** What a notification says happened to the alert. */
export type NotifyEvent = 'open' | 'update' | 'escalate' | 'acknowledge' | 'resolve' | 'reminder';

export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['open', 'update', 'escalate', 'acknowledge', 'resolve', 'reminder'];

/** One distinct full subject that reported the condition (e.g. one router seeing a leaked prefix). */
export interface Observer {
  /** The observation's full identity (analyzer/types.ts alertKey). */
  readonly key: string;
  readonly subject: AlertSubject;
  severity: Severity;
  /** Its last observation said active (and it has not gone stale, see staleAfterSeconds). */
  active: boolean;
  firstAt: number;
  lastAt: number;
  /** Last time it reported active, ms. */
  lastActiveAt: number;
  /** When it stopped being active (ms), null while active. */
  inactiveSince: number | null;
  /** Observations received from it. */
  count: number;
  facts: Readonly<Record<string, FactValue>>;
  /** Its last observation's summary (a clearing one says how it cleared). */
  summary?: string;
}

/**
 * What one notification channel was last told about an alert, successfully. The lifecycle
 * compares it with the alert to decide what (if anything) the channel must be told next; it is
 * persisted with the alert, so a restart neither re-sends nor forgets.
 */
export interface ChannelState {
  status: AlertStatus | null;
  severity: Severity | null;
  /** Fingerprint (severity, status, observer set) at the last delivery. */
  fingerprint: string;
  /** Last successful delivery, ms; null when never. */
  at: number | null;
  /** The channel's handle on its message: Slack Web API `ts` of the root message. */
  ref?: string;
  /** Where `ref` lives: the Slack channel ID chat.postMessage answered with. */
  refChannel?: string;
  /** A delivery of this fingerprint gave up at failedAt: wait for a change or the interval. */
  failedFingerprint?: string;
  failedAt?: number;
}

export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  /** kind + group subject: the identity alerts are merged by (grouping.ts groupKey). */
  readonly key: string;
  /** The group subject: only the keys that identify the alert for its kind. */
  readonly subject: AlertSubject;
  severity: Severity;
  /** Highest severity since it opened. */
  peakSeverity: Severity;
  status: AlertStatus;
  summary: string;
  nextStep: string;
  facts: Readonly<Record<string, FactValue>>;
  /** By observer key; bounded by maxObserversPerAlert (further ones are only counted). */
  observers: Map<string, Observer>;
  /** Distinct observers ever seen, including those past the bound. */
  observerCount: number;
  /** Observations received in total. */
  events: number;
  openedAt: number;
  updatedAt: number;
  /** Last active observation, ms. */
  lastActiveAt: number;
  resolvedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  escalatedAt: number | null;
  /** Matching silences (ids); non-empty: notifications muted, the alert still exists. */
  silencedBy: string[];
  /** The resolved alert this one follows (same kind and subject), when it reopened. */
  reopenedFrom: string | null;
  /** Per notification channel name. */
  channels: Map<string, ChannelState>;
  /** Last notification of any channel, ms. */
  lastNotifiedAt: number | null;
  /** Row version for the store (ReplacingMergeTree), incremented on every save. */
  version: number;
}

/** A read-only copy of an alert for notifiers and the API (plain data, JSON-able). */
export interface AlertView {
  readonly id: string;
  readonly kind: AlertKind;
  readonly key: string;
  readonly subject: AlertSubject;
  readonly severity: Severity;
  readonly peakSeverity: Severity;
  readonly status: AlertStatus;
  readonly summary: string;
  readonly nextStep: string;
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly observers: readonly ObserverView[];
  readonly observerCount: number;
  readonly events: number;
  /** RFC 3339 UTC. */
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly resolvedAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly silenced: boolean;
  readonly silencedBy: readonly string[];
  readonly reopenedFrom: string | null;
}

export interface ObserverView {
  readonly subject: AlertSubject;
  readonly severity: Severity;
  readonly active: boolean;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly count: number;
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly summary: string;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function viewOf(a: Alert): AlertView {
  return {
    id: a.id,
    kind: a.kind,
    key: a.key,
    subject: { ...a.subject },
    severity: a.severity,
    peakSeverity: a.peakSeverity,
    status: a.status,
    summary: a.summary,
    nextStep: a.nextStep,
    facts: { ...a.facts },
    observers: [...a.observers.values()].map((o) => ({
      subject: { ...o.subject },
      severity: o.severity,
      active: o.active,
      firstAt: iso(o.firstAt),
      lastAt: iso(o.lastAt),
      count: o.count,
      facts: { ...o.facts },
      summary: o.summary ?? '',
    })),
    observerCount: a.observerCount,
    events: a.events,
    openedAt: iso(a.openedAt),
    updatedAt: iso(a.updatedAt),
    resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
    acknowledgedAt: a.acknowledgedAt === null ? null : iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
    silenced: a.silencedBy.length > 0,
    silencedBy: [...a.silencedBy],
    reopenedFrom: a.reopenedFrom,
  };
}

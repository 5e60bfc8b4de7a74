/**
 * Dispatch: what each notification channel must be told about an alert, and handing it over.
 * decide() is the whole notification policy as a pure function of the alert and what the channel
 * was last told (ChannelState):
 *
 * - squash: the first notification waits `squashMs` after opening, gathering observers;
 * - an open alert's changes (observers added, severity falling) and reminders go to a channel at
 *   most every `intervalMs`; escalation (severity above what the channel was told),
 *   acknowledgement and resolve go at once;
 * - silenced alerts are not announced, but a resolve still goes to a channel that was told (maintenance
 *   often fixes things); a delivery that gave up waits for a change or the interval.
 *
 * The Dispatcher keeps one delivery in flight per alert and channel; the outcome updates the
 * channel's state (persisted with the alert, so a restart sends exactly what is missing). Delivery
 * is asynchronous (../notify/): planning never waits on a channel.
 */
import type { Counter } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import { SEVERITY_RANK } from '../types.js';
import type { Severity } from '../types.js';
import type { Delivery, DeliveryOutcome, Notifier } from '../notify/types.js';
import { viewOf } from '../alert.js';
import type { Alert, ChannelState, NotifyEvent } from '../alert.js';

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

/** What a channel must be told next about an alert, given what it was told (st). */
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

/** What dispatch needs from the manager: the clock, the alert as it is now, and "this changed". */
export interface DispatchHost {
  now(): number;
  /** The alert with this id as held now (undefined once dropped from memory). */
  current(id: string): Alert | undefined;
  /** The alert's channel state changed: persist it. */
  changed(id: string): void;
  readonly log?: Logger | undefined;
  readonly notifications?: Counter<'channel' | 'event' | 'outcome'> | undefined;
}

export class Dispatcher {
  /** Per alert id, the channels with a delivery under way (one at a time per alert and channel). */
  private readonly pending = new Map<string, Set<Notifier>>();

  constructor(
    private readonly notifiers: readonly Notifier[],
    private readonly policy: DecideOptions,
    private readonly host: DispatchHost,
  ) {}

  isPending(id: string): boolean {
    return (this.pending.get(id)?.size ?? 0) > 0;
  }

  /** Asks decide() for every channel not busy with this alert and hands over what is due. */
  plan(a: Alert, now: number): void {
    for (const n of this.notifiers) {
      if (this.pending.get(a.id)?.has(n)) continue;
      let st = a.channels.get(n.name);
      const event = decide(a, st ?? emptyState(), now, this.policy);
      if (event === null) continue;
      if (!st) {
        st = emptyState();
        a.channels.set(n.name, st);
      }
      const told = { status: a.status, severity: a.severity, fingerprint: fingerprint(a) };
      if (!n.wants(event)) {
        // Not this channel's kind of message: count it as told, so it is not asked again.
        Object.assign(st, told, { at: now });
        this.host.changed(a.id);
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
      let busy = this.pending.get(a.id);
      if (!busy) this.pending.set(a.id, (busy = new Set()));
      busy.add(n);
      try {
        n.send(d, (out) => this.delivered(n, a.id, channelState, event, told, out));
      } catch (e) {
        // A Notifier must not throw; if one does, the alert must not stay stuck "in flight".
        this.done(a.id, n);
        this.host.log?.error({ channel: n.name, err: (e as Error).message }, 'notifier failed to queue a delivery');
      }
    }
  }

  private done(id: string, n: Notifier): void {
    const busy = this.pending.get(id);
    busy?.delete(n);
    if (busy?.size === 0) this.pending.delete(id);
  }

  private delivered(n: Notifier, id: string, st: ChannelState, event: NotifyEvent, told: Pick<ChannelState, 'status' | 'severity' | 'fingerprint'>, out: DeliveryOutcome): void {
    this.done(id, n);
    const now = this.host.now();
    this.host.notifications?.inc({ channel: n.name, event, outcome: out.ok ? 'sent' : out.reason });
    const a = this.host.current(id);
    if (out.ok) {
      Object.assign(st, told, { at: now });
      delete st.failedFingerprint;
      delete st.failedAt;
      if (out.ref !== undefined) st.ref = out.ref;
      if (out.refChannel !== undefined) st.refChannel = out.refChannel;
      if (a) a.lastNotifiedAt = now;
    } else {
      st.failedFingerprint = told.fingerprint;
      st.failedAt = now;
      if (out.reason !== 'closed') this.host.log?.warn({ alert: id, channel: n.name, event, reason: out.reason, err: out.error }, 'notification not delivered; the next change of the alert (or the notification interval) tries again');
    }
    if (!a) return;
    this.host.changed(id);
    if (out.ok || out.reason !== 'closed') this.plan(a, now);
  }

  /** After a restart: a delivery that gave up before it may be tried again at once. */
  static restore(a: Alert): void {
    for (const st of a.channels.values()) delete st.failedFingerprint;
  }

  drain(ms: number): Promise<void> {
    return Promise.all(this.notifiers.map((n) => n.drain(ms))).then(() => undefined);
  }
}

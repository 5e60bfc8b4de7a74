/**
 * The contract between the alert lifecycle and the notification channels. The lifecycle decides
 * WHAT a channel must be told (per channel, from what it was last told); a Notifier only delivers,
 * asynchronously: `send` queues and returns at once, the outcome comes back through `done`.
 */
import type { AlertView, NotifyEvent } from '../alert.js';
import type { Severity } from '../types.js';

export interface Delivery {
  readonly event: NotifyEvent;
  readonly alert: AlertView;
  /** The severity the channel was told before (escalations show "from warning"). */
  readonly previousSeverity: Severity | null;
  /** The channel's handle on the alert's message from an earlier delivery (Slack ts). */
  readonly ref?: string;
  readonly refChannel?: string;
  /** When the lifecycle decided it, ms. */
  readonly at: number;
}

export type DeliveryOutcome =
  | { readonly ok: true; readonly ref?: string; readonly refChannel?: string }
  | { readonly ok: false; readonly reason: 'gave-up' | 'rejected' | 'dropped' | 'closed'; readonly error: string };

export interface Notifier {
  /** Stable channel name ("slack-webhook", "slack-api", "webhook"): the key of its bookkeeping. */
  readonly name: string;
  /** Events this channel sends; the others are recorded as told without a message. */
  wants(event: NotifyEvent): boolean;
  /** Queues a delivery; never blocks, never throws. `done` is called exactly once. */
  send(d: Delivery, done: (o: DeliveryOutcome) => void): void;
  /** Resolves when the queue is empty or after `ms`. */
  drain(ms: number): Promise<void>;
  /** Stops: waiting deliveries end with reason "closed". */
  close(): Promise<void>;
}

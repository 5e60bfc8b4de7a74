/**
 * The alerting options as one typed object with defaults, from the configuration's alerts, slack
 * and webhook sections (their schema: config/config.ts).
 */
import { ALERTS_DEFAULTS, DELIVERY_DEFAULTS, SECRET_ENV } from '../../config/config.js';
import type { AlertsConfig } from '../../config/config.js';
import type { DeliveryOptions, SlackOptions, WebhookOptions } from '../notify/options.js';
import type { Severity } from '../types.js';
import type { SilenceInput } from './silences.js';

export { alertsConfigSchema, SECRET_ENV } from '../../config/config.js';
export type { AlertsConfig } from '../../config/config.js';
export type { ChannelThrottle, DeliveryOptions, SlackOptions, WebhookOptions } from '../notify/options.js';

export interface AlertsOptions {
  /** Alerts below this severity are kept but never notified (until they rise to it). */
  readonly minSeverity: Severity;
  /** Gather observations this long after an alert opens before its first notification. */
  readonly squashSeconds: number;
  /** An open alert's changes (new observers, severity falling) and reminders go out at most this often; escalation and resolve go at once. */
  readonly notifyIntervalSeconds: number;
  /** Re-notify an unchanged open (unacknowledged) alert every notifyIntervalSeconds. */
  readonly remind: boolean;
  /** Fade-off: resolve after this long without an active observation. */
  readonly resolveAfterSeconds: number;
  /** An active observation not repeated for this long counts as cleared (0: active until a detector says otherwise). */
  readonly staleAfterSeconds: number;
  /** Open + acknowledged alerts kept at most; observations of further new alerts are dropped (counted, logged). */
  readonly maxOpenAlerts: number;
  /** Observers kept per alert (more are counted only). */
  readonly maxObserversPerAlert: number;
  /** Resolved alerts stay in memory (for the API) this long. */
  readonly keepResolvedSeconds: number;
  /** Write-behind interval of alert state to the store. */
  readonly flushIntervalMs: number;
  /** Silences and maintenance windows from configuration. */
  readonly silences: readonly SilenceInput[];
  readonly delivery: DeliveryOptions;
  readonly slack: SlackOptions;
  readonly webhook: WebhookOptions;
}

export const DEFAULT_DELIVERY: DeliveryOptions = DELIVERY_DEFAULTS;

export const DEFAULT_ALERTS_OPTIONS: AlertsOptions = ALERTS_DEFAULTS;

const d = DEFAULT_ALERTS_OPTIONS;
const dd = DEFAULT_DELIVERY;

/** Options from the loaded configuration sections (defaults where a section is absent). */
export function optionsFromConfig(c: Partial<AlertsConfig> = {}, env: Readonly<Record<string, string | undefined>> = {}): AlertsOptions {
  const a = c.alerts;
  const s = c.slack;
  const w = c.webhook;
  const fromEnv = (v: string | undefined, name: string): string => (v !== undefined && v !== '' ? v : (env[name] ?? '').trim());
  return {
    ...d,
    ...(a && {
      minSeverity: a.minSeverity,
      squashSeconds: a.squashSeconds,
      notifyIntervalSeconds: a.notifyIntervalSeconds,
      remind: a.remind,
      resolveAfterSeconds: a.resolveAfterSeconds,
      staleAfterSeconds: a.staleAfterSeconds,
      maxOpenAlerts: a.maxOpenAlerts,
      maxObserversPerAlert: a.maxObserversPerAlert,
      keepResolvedSeconds: a.keepResolvedSeconds,
      silences: a.silences,
      delivery: { ...dd, queueSize: a.queueSize, maxAttempts: a.maxAttempts, retryBaseMs: a.retryBaseMs, retryMaxMs: a.retryMaxMs, requestTimeoutMs: a.requestTimeoutMs },
    }),
    slack: {
      ...d.slack,
      ...(s && { channel: s.channel, apiUrl: s.apiUrl || d.slack.apiUrl, messagesPerSecond: s.messagesPerSecond, burst: s.burst }),
      webhookUrl: fromEnv(s?.webhookUrl, SECRET_ENV.slackWebhookUrl),
      botToken: fromEnv(s?.botToken, SECRET_ENV.slackBotToken),
    },
    webhook: {
      ...d.webhook,
      ...(w && { messagesPerSecond: w.messagesPerSecond, burst: w.burst }),
      url: fromEnv(w?.url, SECRET_ENV.webhookUrl),
      secret: fromEnv(w?.secret, SECRET_ENV.webhookSecret),
    },
  };
}

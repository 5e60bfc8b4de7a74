/**
 * The alerting sections of the configuration schema:
 *
 *   alerts:   lifecycle knobs (squash, notification interval, fade-off), bounds, silences
 *   slack:    incoming webhook and/or Web API (bot token + channel)
 *   webhook:  the generic signed JSON webhook
 *
 * The `slack` and `webhook` sections sit at the top level so the configuration's environment
 * naming yields exactly RIBWATCH_SLACK_WEBHOOK_URL, RIBWATCH_SLACK_BOT_TOKEN, RIBWATCH_WEBHOOK_URL
 * and RIBWATCH_WEBHOOK_SECRET; the analyzer's `optionsFromConfig` also reads those four from the
 * environment when the configuration leaves them empty.
 */
import type { Severity } from '../records/alerts.js';
import { ConfigKey } from './key.js';
import type { ConfigKind, ConfigOf, Parsed } from './key.js';
import { silenceProblems } from './silences.js';
import type { SilenceInput } from './silences.js';

/** The defaults of the alerting keys (also the analyzer's defaults when a section is absent). */
export const DELIVERY_DEFAULTS = {
  queueSize: 1000,
  maxAttempts: 6,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  maxRetryAfterMs: 300_000,
  requestTimeoutMs: 10_000,
} as const;

export const ALERTS_DEFAULTS = {
  minSeverity: 'warning' as Severity,
  squashSeconds: 30,
  notifyIntervalSeconds: 3600,
  remind: true,
  resolveAfterSeconds: 300,
  staleAfterSeconds: 0,
  maxOpenAlerts: 10_000,
  maxObserversPerAlert: 64,
  keepResolvedSeconds: 3600,
  flushIntervalMs: 1000,
  silences: [] as readonly SilenceInput[],
  delivery: DELIVERY_DEFAULTS,
  slack: { webhookUrl: '', botToken: '', channel: '', apiUrl: 'https://slack.com/api', messagesPerSecond: 1, burst: 3 },
  webhook: { url: '', secret: '', messagesPerSecond: 10, burst: 20 },
} as const;

// ---- configuration kinds (ConfigKind of ./key.ts) -----------------------------

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

function int(min: number, max: number): ConfigKind<number> {
  const what = `an integer from ${min} to ${max}`;
  const check = (n: number): Parsed<number> => (Number.isSafeInteger(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: `integer ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (t) => (/^\s*\d+\s*$/.test(t) ? check(Number(t)) : bad(what)),
    toYaml: (v) => v,
  };
}

function num(min: number, max: number): ConfigKind<number> {
  const what = `a number from ${min} to ${max}`;
  const check = (n: number): Parsed<number> => (Number.isFinite(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: `number ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (t) => (/^\s*\d+(\.\d+)?\s*$/.test(t) ? check(Number(t)) : bad(what)),
    toYaml: (v) => v,
  };
}

const bool: ConfigKind<boolean> = {
  type: 'true | false',
  fromYaml: (raw) => (typeof raw === 'boolean' ? good(raw) : bad('true or false')),
  fromText: (t) => (/^\s*(true|1|yes)\s*$/i.test(t) ? good(true) : /^\s*(false|0|no)\s*$/i.test(t) ? good(false) : bad('true or false')),
  toYaml: (v) => v,
};

function text(what: string, check?: (s: string) => boolean): ConfigKind<string> {
  const ok = (s: string): Parsed<string> => (s === '' || !check || check(s) ? good(s) : bad(what));
  return {
    type: 'string ("" = off)',
    fromYaml: (raw) => (typeof raw === 'string' ? ok(raw) : raw === null ? good('') : bad(what)),
    fromText: (t) => ok(t.trim()),
    toYaml: (v) => v,
  };
}

const severity: ConfigKind<Severity> = {
  type: 'info | warning | critical',
  fromYaml: (raw) => (raw === 'info' || raw === 'warning' || raw === 'critical' ? good(raw) : bad('one of info, warning, critical')),
  fromText: (t) => severity.fromYaml(t.trim()),
  toYaml: (v) => v,
};

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** Silences: a YAML list of mappings; in the environment, the same list as JSON. */
const silenceList: ConfigKind<readonly SilenceInput[]> = {
  type: 'list of {matchers, startsAt, endsAt, reason, createdBy} (env: JSON)',
  fromYaml: (raw) => {
    if (raw === null) return good([]);
    if (!Array.isArray(raw)) return bad('a list of silences ({matchers: {router: leaf1}, startsAt, endsAt, reason})');
    for (const [i, s] of (raw as unknown[]).entries()) {
      const p = silenceProblems(s);
      if (p.length > 0) return bad(`a list of silences; item ${i + 1}: ${p.join('; ')}`);
    }
    return good(raw as SilenceInput[]);
  },
  fromText: (t) => {
    if (t.trim() === '') return good([]);
    try {
      return silenceList.fromYaml(JSON.parse(t));
    } catch {
      return bad('a JSON list of silences');
    }
  },
  toYaml: (v) => v,
};

const d = ALERTS_DEFAULTS;
const dd = DELIVERY_DEFAULTS;

/** The schema fragment: three top-level sections of the configuration schema (config/config.ts). */
export const alertsConfigSchema = {
  alerts: {
    minSeverity: new ConfigKey(severity, d.minSeverity, 'Alerts below this severity are kept (API, store) but not notified, e.g. info for administrative session resets.'),
    squashSeconds: new ConfigKey(int(0, 3600), d.squashSeconds, 'Seconds to gather observations after an alert opens before its first notification (BGPalerter squash).'),
    notifyIntervalSeconds: new ConfigKey(
      int(1, 7 * 86_400),
      d.notifyIntervalSeconds,
      'Changes of an open alert (more routers seeing it, severity falling) and reminders are sent at most this often; escalation and resolve go out at once.',
    ),
    remind: new ConfigKey(bool, d.remind, 'Repeat an unchanged, unacknowledged open alert every notifyIntervalSeconds.'),
    resolveAfterSeconds: new ConfigKey(int(0, 7 * 86_400), d.resolveAfterSeconds, 'Fade-off: an alert resolves after this many seconds without an active observation.'),
    staleAfterSeconds: new ConfigKey(int(0, 7 * 86_400), d.staleAfterSeconds, 'An active observation not repeated for this long counts as cleared; 0 keeps it active until its detector clears it.'),
    maxOpenAlerts: new ConfigKey(int(1, 10_000_000), d.maxOpenAlerts, 'Most open and acknowledged alerts held; observations opening more are dropped, counted and logged.'),
    maxObserversPerAlert: new ConfigKey(int(1, 10_000), d.maxObserversPerAlert, 'Routers/peers listed per alert; more are counted only.'),
    keepResolvedSeconds: new ConfigKey(int(0, 30 * 86_400), d.keepResolvedSeconds, 'Resolved alerts stay in memory for the API this long (they stay in the store regardless).'),
    silences: new ConfigKey(silenceList, d.silences, 'Silences and maintenance windows: matchers on kind/router/peer/prefix/cluster/node with startsAt, endsAt and reason; they mute notifications, not alerts.'),
    queueSize: new ConfigKey(int(1, 1_000_000), dd.queueSize, 'Notifications waiting per channel; when full the oldest is dropped (counted and logged).'),
    maxAttempts: new ConfigKey(int(1, 100), dd.maxAttempts, 'Delivery attempts per notification before it is given up (a later change of the alert notifies again).'),
    retryBaseMs: new ConfigKey(int(1, 3_600_000), dd.retryBaseMs, 'First retry delay in ms, doubled per attempt with jitter; a 429 Retry-After takes precedence.'),
    retryMaxMs: new ConfigKey(int(1, 3_600_000), dd.retryMaxMs, 'Longest retry delay in ms.'),
    requestTimeoutMs: new ConfigKey(int(100, 600_000), dd.requestTimeoutMs, 'Timeout of one notification HTTP request in ms.'),
  },
  slack: {
    webhookUrl: new ConfigKey(text('an http(s) URL', isHttpUrl), d.slack.webhookUrl, 'Slack incoming webhook URL (a secret, never logged); "" disables it.'),
    botToken: new ConfigKey(text('a Slack bot token (xoxb-…)'), d.slack.botToken, 'Slack bot token for the Web API (with channel: threads and edited messages); a secret, never logged.'),
    channel: new ConfigKey(text('a Slack channel ID or name'), d.slack.channel, 'Slack channel for the Web API (an ID such as C0123456789).'),
    apiUrl: new ConfigKey(text('an http(s) URL', isHttpUrl), d.slack.apiUrl, 'Slack Web API base URL.'),
    messagesPerSecond: new ConfigKey(num(0.01, 100), d.slack.messagesPerSecond, 'Messages per second per Slack channel (Slack allows about 1).'),
    burst: new ConfigKey(int(1, 1000), d.slack.burst, 'Messages Slack may receive back to back before the rate applies.'),
  },
  webhook: {
    url: new ConfigKey(text('an http(s) URL', isHttpUrl), d.webhook.url, 'Generic JSON webhook URL (never logged); "" disables it.'),
    secret: new ConfigKey(text('a string'), d.webhook.secret, 'HMAC-SHA256 key: X-Ribwatch-Signature is sha256=hex(HMAC(secret, timestamp + "." + body)); never logged.'),
    messagesPerSecond: new ConfigKey(num(0.01, 1000), d.webhook.messagesPerSecond, 'Messages per second to the webhook.'),
    burst: new ConfigKey(int(1, 10_000), d.webhook.burst, 'Messages the webhook may receive back to back.'),
  },
};

export type AlertsConfig = ConfigOf<typeof alertsConfigSchema>;

/** Environment variables read directly when the configuration leaves the value empty. */
export const SECRET_ENV = {
  slackWebhookUrl: 'RIBWATCH_SLACK_WEBHOOK_URL',
  slackBotToken: 'RIBWATCH_SLACK_BOT_TOKEN',
  webhookUrl: 'RIBWATCH_WEBHOOK_URL',
  webhookSecret: 'RIBWATCH_WEBHOOK_SECRET',
} as const;

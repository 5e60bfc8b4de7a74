/**
 * The notification channels configured by NotifyOptions (options.ts): Slack incoming webhook, Slack Web API
 * (bot token + channel) and the signed JSON webhook, each behind its own bounded, throttled,
 * retrying queue (queue.ts). Nothing here logs a URL, token or secret.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import type { NotifyOptions } from './options.js';
import { QueuedNotifier } from './queue.js';
import { slackApiTransport, slackWebhookTransport } from './slack.js';
import type { Notifier } from './types.js';
import { webhookTransport } from './webhook.js';

export type { Delivery, DeliveryOutcome, Notifier } from './types.js';
export { QueuedNotifier, backoffMs, NOTIFY_REDACT } from './queue.js';
export type { Transport } from './queue.js';
export { renderSlackMessage } from './slack-blocks.js';
export { slackApiTransport, slackWebhookTransport } from './slack.js';
export { sign, verifySignature, webhookTransport } from './webhook.js';

export interface NotifierDeps {
  readonly log?: Logger;
  readonly registry?: Registry;
  readonly random?: () => number;
}

export function createNotifiers(o: NotifyOptions, deps: NotifierDeps = {}): Notifier[] {
  const out: Notifier[] = [];
  const timeoutMs = o.delivery.requestTimeoutMs;
  const q = { delivery: o.delivery, ...deps };
  if (o.slack.webhookUrl !== '') out.push(new QueuedNotifier(slackWebhookTransport({ url: o.slack.webhookUrl, timeoutMs }), { ...q, throttle: o.slack }));
  if (o.slack.botToken !== '' && o.slack.channel !== '') {
    out.push(new QueuedNotifier(slackApiTransport({ token: o.slack.botToken, channel: o.slack.channel, apiUrl: o.slack.apiUrl, timeoutMs }), { ...q, throttle: o.slack }));
  } else if (o.slack.botToken !== '') {
    deps.log?.warn('slack.botToken is set but slack.channel is not: the Slack Web API channel is off');
  }
  if (o.webhook.url !== '') out.push(new QueuedNotifier(webhookTransport({ url: o.webhook.url, secret: o.webhook.secret, timeoutMs }), { ...q, throttle: o.webhook }));
  deps.log?.info({ channels: out.map((n) => n.name) }, out.length > 0 ? 'alert notification channels' : 'no alert notification channel configured (slack.webhookUrl, slack.botToken + slack.channel, webhook.url)');
  return out;
}

/**
 * The generic JSON webhook: every lifecycle event as one JSON document, signed so the receiver
 * can tell it came from us and is fresh:
 *
 *   X-Ribwatch-Timestamp: <unix seconds>
 *   X-Ribwatch-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 *   X-Ribwatch-Event:     open | update | escalate | acknowledge | resolve | reminder
 *   X-Ribwatch-Delivery:  <alert id>:<event>:<decision ms>  (the same on every retry: dedupe on it)
 *
 * Each attempt is signed afresh (its own timestamp). `verifySignature` is what a receiver does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertView, NotifyEvent } from '../alert.js';
import type { Severity } from '../types.js';
import { checkResponse, postJson } from './http.js';
import type { Transport } from './queue.js';
import type { Delivery } from './types.js';

export const WEBHOOK_EVENTS: readonly NotifyEvent[] = ['open', 'update', 'escalate', 'acknowledge', 'resolve', 'reminder'];

export interface WebhookBody {
  readonly type: 'ribwatch.alert';
  readonly version: 1;
  readonly event: NotifyEvent;
  /** RFC 3339: when the lifecycle decided to send it. */
  readonly at: string;
  readonly previous_severity: Severity | null;
  readonly alert: AlertView;
}

export function webhookBody(d: Delivery): WebhookBody {
  return { type: 'ribwatch.alert', version: 1, event: d.event, at: new Date(d.at).toISOString(), previous_severity: d.previousSeverity, alert: d.alert };
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check: the signature matches and the timestamp is within `toleranceS` of now. */
export function verifySignature(secret: string, timestamp: string | undefined, signature: string | undefined, body: string, toleranceS = 300, nowS = Date.now() / 1000): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowS - Number(timestamp)) > toleranceS) return false;
  const want = Buffer.from(sign(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookConfig {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly nowS?: () => number;
}

export function webhookTransport(c: WebhookConfig): Transport {
  const nowS = c.nowS ?? ((): number => Math.floor(Date.now() / 1000));
  return {
    name: 'webhook',
    events: WEBHOOK_EVENTS,
    async deliver(d: Delivery) {
      const body = JSON.stringify(webhookBody(d));
      const ts = String(nowS());
      const headers: Record<string, string> = {
        'x-ribwatch-timestamp': ts,
        'x-ribwatch-event': d.event,
        'x-ribwatch-delivery': `${d.alert.id}:${d.event}:${d.at}`,
      };
      if (c.secret !== '') headers['x-ribwatch-signature'] = sign(c.secret, ts, body);
      checkResponse(await postJson(c.url, body, headers, c.timeoutMs), 'webhook');
      return undefined;
    },
  };
}

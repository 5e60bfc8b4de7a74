/**
 * Slack, two ways.
 *
 * - Incoming webhook (`slack.webhookUrl`): one Block Kit message per open, escalation, resolve
 *   and reminder; a webhook cannot edit or thread, so smaller updates are not sent there.
 * - Web API (`slack.botToken` + `slack.channel`): chat.postMessage opens a root message whose
 *   `ts` (and channel ID) is kept with the alert; later events are thread replies (escalation and
 *   resolve also broadcast to the channel), and the root message is edited with chat.update to
 *   show the current state. The edit goes before the reply because it is idempotent: a retry
 *   after a failed reply repeats the edit, harmlessly, and posts the reply once. A root that can
 *   no longer be edited (deleted, archived) is replaced by a new root message.
 *
 * Slack answers rate limits with HTTP 429 and Retry-After (the queue honours it); the Web API
 * reports other errors as HTTP 200 with `ok: false`.
 */
import type { NotifyEvent } from '../alert.js';
import { DeliveryError, checkResponse, postJson } from './http.js';
import type { Transport } from './queue.js';
import { renderSlackMessage } from './slack-blocks.js';
import type { Delivery } from './types.js';

export const SLACK_WEBHOOK_EVENTS: readonly NotifyEvent[] = ['open', 'escalate', 'resolve', 'reminder'];
export const SLACK_API_EVENTS: readonly NotifyEvent[] = ['open', 'update', 'escalate', 'acknowledge', 'resolve', 'reminder'];

export interface SlackWebhookConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

export function slackWebhookTransport(c: SlackWebhookConfig): Transport {
  const now = c.now ?? Date.now;
  return {
    name: 'slack-webhook',
    events: SLACK_WEBHOOK_EVENTS,
    async deliver(d: Delivery) {
      const body = JSON.stringify(renderSlackMessage(d.alert, d.event, now(), d.previousSeverity));
      checkResponse(await postJson(c.url, body, {}, c.timeoutMs), 'Slack webhook');
      return undefined;
    },
  };
}

export interface SlackApiConfig {
  readonly token: string;
  readonly channel: string;
  /** Default https://slack.com/api. */
  readonly apiUrl: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** Web API errors worth another attempt; every other `ok: false` is final. */
const RETRIABLE_API_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);
/** chat.update errors that mean "the root message is gone": post a new one. */
const ROOT_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'channel_not_found', 'is_archived']);

interface ApiAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

export function slackApiTransport(c: SlackApiConfig): Transport {
  const now = c.now ?? Date.now;
  const base = c.apiUrl.replace(/\/+$/, '');
  const call = async (method: string, payload: Record<string, unknown>): Promise<ApiAnswer> => {
    const r = await postJson(`${base}/${method}`, JSON.stringify(payload), { authorization: `Bearer ${c.token}` }, c.timeoutMs);
    checkResponse(r, `Slack ${method}`);
    let a: ApiAnswer;
    try {
      a = JSON.parse(r.body) as ApiAnswer;
    } catch {
      throw new DeliveryError(`Slack ${method}: answer is not JSON`, true);
    }
    if (a.ok !== true) {
      const err = a.error ?? 'unknown_error';
      throw Object.assign(new DeliveryError(`Slack ${method}: ${err}`, RETRIABLE_API_ERRORS.has(err)), { slackError: err });
    }
    return a;
  };
  const postRoot = async (d: Delivery): Promise<{ ref: string; refChannel: string }> => {
    const m = renderSlackMessage(d.alert, d.event, now(), d.previousSeverity);
    const a = await call('chat.postMessage', { channel: c.channel, text: m.text, blocks: m.blocks, unfurl_links: false });
    if (a.ts === undefined) throw new DeliveryError('Slack chat.postMessage: no ts in the answer', false);
    return { ref: a.ts, refChannel: a.channel ?? c.channel };
  };
  return {
    name: 'slack-api',
    events: SLACK_API_EVENTS,
    async deliver(d: Delivery) {
      if (d.ref === undefined || d.event === 'open') return postRoot(d);
      const channel = d.refChannel ?? c.channel;
      const t = now();
      if (d.event !== 'reminder') {
        // The root shows the current state (its header says "Resolved: ..." once resolved).
        const root = renderSlackMessage(d.alert, d.event === 'resolve' ? 'resolve' : 'open', t);
        try {
          await call('chat.update', { channel, ts: d.ref, text: root.text, blocks: root.blocks });
        } catch (e) {
          const code = (e as { slackError?: string }).slackError;
          if (code !== undefined && ROOT_GONE.has(code)) return postRoot(d);
          throw e;
        }
      }
      const reply = renderSlackMessage(d.alert, d.event, t, d.previousSeverity);
      await call('chat.postMessage', {
        channel,
        thread_ts: d.ref,
        reply_broadcast: d.event === 'escalate' || d.event === 'resolve',
        text: reply.text,
        blocks: reply.blocks,
        unfurl_links: false,
      });
      return { ref: d.ref, refChannel: channel };
    },
  };
}

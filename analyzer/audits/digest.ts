/**
 * The daily digest: one message per configured channel (Slack incoming webhook, Slack Web API,
 * the signed JSON webhook) with the fabric's state in one look — open alerts by kind and severity
 * (the most severe listed), the prefixes that churned most over the last 24 h (from the
 * prefix_churn_1m rollup, not the history table) and the peers closest to their max-prefix.
 *
 * It is not an alert: it bypasses the lifecycle and the channel queues, and is sent once, with
 * one retry after a few seconds on a retriable failure. URLs, tokens and secrets are never logged
 * or put in an error message (postJson names host and port at most).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Inventory } from '../../inventory/inventory.js';
import type { Store } from '../../store/index.js';
import type { AlertsOptions } from '../alerts/options.js';
import { subjectLine } from '../grouping.js';
import type { AlertView } from '../alert.js';
import { checkResponse, DeliveryError, postJson } from '../notify/http.js';
import { sign } from '../notify/webhook.js';
import { SEVERITY_RANK } from '../types.js';
import type { Severity } from '../types.js';
import { peerCounts } from './prefix-limit.js';
import type { PeerCount } from './prefix-limit.js';

export interface Digest {
  /** RFC 3339 UTC. */
  readonly at: string;
  readonly openAlerts: readonly { kind: string; severity: Severity; count: number }[];
  /** The most severe open alerts (up to 10). */
  readonly worst: readonly { id: string; kind: string; severity: Severity; subject: string; summary: string; openedAt: string }[];
  readonly topFlapping: readonly { prefix: string; router: string; peer: string; changes: number }[];
  readonly prefixLimits: readonly (PeerCount & { percent: number })[];
}

export interface DigestSources {
  readonly store: Store;
  readonly inventory: () => Inventory;
  /** Open and acknowledged alerts (the lifecycle's list). */
  readonly alerts: () => readonly AlertView[];
  readonly maxRows: number;
}

export async function buildDigest(s: DigestSources, now: number = Date.now()): Promise<Digest> {
  const open = s.alerts().filter((a) => a.status !== 'resolved');
  const by = new Map<string, { kind: string; severity: Severity; count: number }>();
  for (const a of open) {
    const k = `${a.kind}|${a.severity}`;
    const e = by.get(k) ?? { kind: a.kind, severity: a.severity, count: 0 };
    e.count++;
    by.set(k, e);
  }
  const openAlerts = [...by.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count || a.kind.localeCompare(b.kind));
  const worst = [...open]
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.openedAt.localeCompare(b.openedAt))
    .slice(0, 10)
    .map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, subject: subjectLine(a.subject), summary: a.summary, openedAt: a.openedAt }));
  const churn = await s.store.query<{ prefix: string; router: string; peer_address: string; changes: string | number }>(
    `SELECT prefix, router, peer_address, sum(announcements) + sum(withdrawals) AS changes
     FROM prefix_churn_1m WHERE minute >= toDateTime({since:UInt32}, 'UTC')
     GROUP BY prefix, router, peer_address ORDER BY changes DESC, prefix LIMIT 10`,
    { since: Math.floor(now / 1000) - 86_400 },
  );
  const { counts } = await peerCounts(s.store, s.inventory(), s.maxRows);
  const prefixLimits = counts
    .map((c) => ({ ...c, percent: Math.round((c.received / c.limit) * 1000) / 10 }))
    .sort((a, b) => b.percent - a.percent)
    .slice(0, 10);
  return {
    at: new Date(now).toISOString(),
    openAlerts,
    worst,
    topFlapping: churn.map((c) => ({ prefix: c.prefix, router: c.router, peer: c.peer_address, changes: Number(c.changes) })),
    prefixLimits,
  };
}

const EMOJI: Readonly<Record<Severity, string>> = { critical: '🔴', warning: '🟠', info: '🔵' };

/** One line of text and Block Kit blocks. */
export function digestSlackMessage(d: Digest): { text: string; blocks: unknown[] } {
  const total = d.openAlerts.reduce((n, e) => n + e.count, 0);
  const text = `ribwatch daily digest ${d.at.slice(0, 10)}: ${total} open alert${total === 1 ? '' : 's'}`;
  const cut = (s: string, n = 2900): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const section = (title: string, lines: string[], empty: string): unknown => ({
    type: 'section',
    text: { type: 'mrkdwn', text: cut(`*${title}*\n${lines.length > 0 ? lines.join('\n') : `_${empty}_`}`) },
  });
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `📋 ribwatch daily digest · ${d.at.slice(0, 10)}`, emoji: true } },
      section('Open alerts', d.openAlerts.map((e) => `${EMOJI[e.severity]} ${e.severity} \`${e.kind}\`: ${e.count}`), 'none'),
      section('Most severe', d.worst.map((w) => `${EMOJI[w.severity]} \`${w.kind}\` ${w.subject} since ${w.openedAt.slice(0, 16).replace('T', ' ')}Z — ${w.summary}`), 'none'),
      section('Top churning prefixes (24 h)', d.topFlapping.map((f) => `\`${f.prefix}\` at ${f.router} from ${f.peer}: ${f.changes} changes`), 'no churn recorded'),
      section('Prefix-limit headroom', d.prefixLimits.map((p) => `${p.peer} → ${p.routerName} ${p.afiSafi}: ${p.received} of ${p.limit} (${p.percent}%)`), 'no peer with a configured max-prefix has routes'),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `ribwatch · ${d.at}` }] },
    ],
  };
}

export interface DigestSendResult {
  readonly channel: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Sends the digest to every configured channel; never throws, one result per channel. */
export async function sendDigest(d: Digest, o: Pick<AlertsOptions, 'slack' | 'webhook' | 'delivery'>, retryDelayMs = 5000): Promise<DigestSendResult[]> {
  const timeoutMs = o.delivery.requestTimeoutMs;
  const jobs: { channel: string; send: () => Promise<void> }[] = [];
  const slack = digestSlackMessage(d);
  if (o.slack.webhookUrl !== '') {
    jobs.push({ channel: 'slack-webhook', send: async () => checkResponse(await postJson(o.slack.webhookUrl, JSON.stringify({ text: slack.text, blocks: slack.blocks }), {}, timeoutMs), 'Slack webhook') });
  }
  if (o.slack.botToken !== '' && o.slack.channel !== '') {
    const url = `${o.slack.apiUrl.replace(/\/+$/, '')}/chat.postMessage`;
    jobs.push({
      channel: 'slack-api',
      send: async () => {
        const r = await postJson(url, JSON.stringify({ channel: o.slack.channel, text: slack.text, blocks: slack.blocks, unfurl_links: false }), { authorization: `Bearer ${o.slack.botToken}` }, timeoutMs);
        checkResponse(r, 'Slack chat.postMessage');
        const a = JSON.parse(r.body) as { ok?: boolean; error?: string };
        if (a.ok !== true) throw new DeliveryError(`Slack chat.postMessage: ${a.error ?? 'unknown_error'}`, a.error === 'ratelimited');
      },
    });
  }
  if (o.webhook.url !== '') {
    jobs.push({
      channel: 'webhook',
      send: async () => {
        const body = JSON.stringify({ type: 'ribwatch.digest', version: 1, at: d.at, digest: d });
        const ts = String(Math.floor(Date.now() / 1000));
        const headers: Record<string, string> = { 'x-ribwatch-timestamp': ts, 'x-ribwatch-event': 'digest', 'x-ribwatch-delivery': `digest:${d.at}` };
        if (o.webhook.secret !== '') headers['x-ribwatch-signature'] = sign(o.webhook.secret, ts, body);
        checkResponse(await postJson(o.webhook.url, body, headers, timeoutMs), 'webhook');
      },
    });
  }
  return Promise.all(
    jobs.map(async (j): Promise<DigestSendResult> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await j.send();
          return { channel: j.channel, ok: true };
        } catch (e) {
          const retriable = !(e instanceof DeliveryError) || e.retriable;
          if (attempt >= 2 || !retriable) return { channel: j.channel, ok: false, error: e instanceof Error ? e.message : String(e) };
          const wait = e instanceof DeliveryError && e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, 60_000) : retryDelayMs;
          await sleep(wait);
        }
      }
    }),
  );
}

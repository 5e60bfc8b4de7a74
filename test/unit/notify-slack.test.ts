/**
 * Slack incoming webhook: the Block Kit message (what, where, since when, severity, evidence, next
 * step), delivered to a local server standing in for Slack, through the channel queue: 429 with
 * Retry-After honoured, 5xx and network errors retried with backoff, 4xx not retried, nothing
 * lost, throttled to the configured rate, and a bounded queue that drops the oldest.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_DELIVERY } from '../../analyzer/alerts/options.js';
import type { AlertView } from '../../analyzer/alert.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import { QueuedNotifier, backoffMs } from '../../analyzer/notify/queue.js';
import { renderSlackMessage } from '../../analyzer/notify/slack-blocks.js';
import type { Block, SlackMessage } from '../../analyzer/notify/slack-blocks.js';
import { slackWebhookTransport } from '../../analyzer/notify/slack.js';
import type { Delivery, DeliveryOutcome } from '../../analyzer/notify/types.js';
import { FakeClock, atRouter, observation } from './alerts-helpers.js';
import { Receiver } from './notify-receiver.js';

const receivers: Receiver[] = [];
async function receiver(): Promise<Receiver> {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
}
after(async () => {
  for (const r of receivers) await r.close();
});

const FAST = { ...DEFAULT_DELIVERY, retryBaseMs: 20, retryMaxMs: 200, maxAttempts: 5, requestTimeoutMs: 2000 };
const UNTHROTTLED = { messagesPerSecond: 1000, burst: 1000 };

/** Alert views made by the lifecycle itself (fake clock). */
function dampeningAlert(clock = new FakeClock()): AlertView {
  const m = new AlertManager({ now: clock.now, timers: false });
  m.observe(
    observation(clock, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast', prefix: '10.244.1.0/24' }, {
      kind: 'dampening',
      severity: 'critical',
      summary: '10.244.1.0/24 from 192.0.2.11 is suppressed (penalty 3421.7 ≥ 2000)',
      facts: { penalty: 3421.7149, suppress_threshold: 2000, reuse_threshold: 750, reuse_at: '2026-11-21T10:21:30Z', flaps: 5 },
      nextStep: 'show bgp ipv4 unicast dampening flap-statistics on leaf1; ask the node1 owner why the route flaps',
    }),
  );
  return m.list()[0]!;
}

function leakAlert(routers: string[], i = 1): AlertView {
  const clock = new FakeClock();
  const m = new AlertManager({ now: clock.now, timers: false });
  for (const r of routers) m.observe(observation(clock, atRouter(r, { peer: '192.0.2.11', prefix: `10.244.${i}.0/24` })));
  return m.list()[0]!;
}

const delivery = (alert: AlertView, event: Delivery['event'] = 'open'): Delivery => ({ event, alert, previousSeverity: null, at: Date.now() });

function texts(blocks: readonly Block[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) out.push(e.text);
  }
  return out;
}

void test('Block Kit: header with severity emoji, kind and subject; what, where, since, severity, status; evidence; next step; alert id', () => {
  const a = dampeningAlert();
  const now = Date.parse(a.openedAt) + 12 * 60_000;
  const m = renderSlackMessage(a, 'open', now);
  assert.equal(m.blocks[0]?.type, 'header');
  const header = m.blocks[0]?.type === 'header' ? m.blocks[0].text : undefined;
  assert.equal(header?.type, 'plain_text');
  assert.equal(header?.text, '🔴 CRITICAL dampening · router=leaf1 peer=192.0.2.11 afiSafi=ipv4-unicast prefix=10.244.1.0/24');
  const t = texts(m.blocks);
  assert.ok(t.includes('*What*\n10.244.1.0/24 from 192.0.2.11 is suppressed (penalty 3421.7 ≥ 2000)'));
  const fields = m.blocks[2]?.type === 'section' ? (m.blocks[2].fields ?? []).map((f) => f.text) : [];
  assert.equal(fields.length, 4);
  assert.match(fields[0]!, /^\*Where\*\nrouter: `leaf1`\npeer: `192\.0\.2\.11`\nafiSafi: `ipv4-unicast`\nprefix: `10\.244\.1\.0\/24`/);
  assert.equal(fields[1], `*Since*\n${a.openedAt}\n(12 min ago)`);
  assert.match(a.openedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'RFC 3339');
  assert.equal(fields[2], '*Severity*\n🔴 critical');
  assert.equal(fields[3], '*Status*\nopen · 1 observation');
  // Evidence: the facts, each as a field; times with their distance from now.
  assert.ok(t.includes('*Evidence*'));
  assert.ok(t.includes('*penalty*\n3421.715'));
  assert.ok(t.includes('*reuse_at*\n2026-11-21T10:21:30Z (in 9 min)'));
  assert.ok(t.includes('*suppress_threshold*\n2000'));
  assert.ok(t.includes('*Next step*\nshow bgp ipv4 unicast dampening flap-statistics on leaf1; ask the node1 owner why the route flaps'));
  assert.match(t[t.length - 1]!, new RegExp(`^alert \`${a.id}\` · open · ribwatch$`));
  assert.match(m.text, /^🔴 CRITICAL dampening .*: 10\.244\.1\.0\/24 from/);
});

void test('Block Kit: resolve, escalation and grouped observers are said so; Slack limits are kept', () => {
  const a = leakAlert(['leaf1', 'leaf2', 'leaf3', 'leaf4']);
  const m = renderSlackMessage(a, 'escalate', Date.now(), 'info');
  const t = texts(m.blocks);
  assert.match(t[0]!, /^🟠 Escalated: WARNING pod-cidr-leak · cluster=prod node=node1 prefix=10\.244\.1\.0\/24$/);
  assert.ok(t.some((x) => x === '*Severity*\n🟠 warning (was info)'));
  assert.ok(t.some((x) => x.includes('seen by 4: leaf1 (peer=192.0.2.11), leaf2 (peer=192.0.2.11), leaf3 (peer=192.0.2.11), leaf4 (peer=192.0.2.11)')));
  assert.ok(t.some((x) => x === '*Status*\nopen · 4 observations'));
  const r = renderSlackMessage({ ...a, status: 'resolved', resolvedAt: new Date(Date.parse(a.openedAt) + 3_720_000).toISOString() }, 'resolve', Date.now());
  assert.match(texts(r.blocks)[0]!, /^✅ Resolved: WARNING pod-cidr-leak/);
  assert.ok(texts(r.blocks).some((x) => x.includes('lasted 1 h 2 min')));
  // Limits: a long subject, many facts, a long summary.
  const big = { ...a, subject: { ...a.subject, prefix: `${'x'.repeat(300)}` }, facts: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`fact_${i}`, i])), summary: 'y'.repeat(5000) };
  const b = renderSlackMessage(big, 'open', Date.now());
  assert.ok(b.blocks.length <= 50);
  for (const blk of b.blocks) {
    if (blk.type === 'header') assert.ok(blk.text.text.length <= 150);
    if (blk.type === 'section') {
      assert.ok((blk.fields ?? []).length <= 10);
      if (blk.text) assert.ok(blk.text.text.length <= 3000);
      for (const f of blk.fields ?? []) assert.ok(f.text.length <= 2000);
    }
  }
  assert.ok(texts(b.blocks).some((x) => x.startsWith('*Evidence*\n• fact_0: 0\n')), 'more than 10 facts become one list');
});

/** Sends through a queue; resolves with each outcome. */
function sendAll(q: QueuedNotifier, ds: Delivery[]): Promise<DeliveryOutcome[]> {
  return Promise.all(ds.map((d) => new Promise<DeliveryOutcome>((resolve) => q.send(d, resolve))));
}

void test('the lifecycle to a Slack webhook: one Block Kit POST for a leak seen by 4 leafs', async () => {
  const slack = await receiver();
  const clock = new FakeClock();
  const [n] = createNotifiers({ slack: { webhookUrl: `${slack.url}/services/T000/B000/XXXX`, botToken: '', channel: '', apiUrl: '', ...UNTHROTTLED }, webhook: { url: '', secret: '', ...UNTHROTTLED }, delivery: FAST });
  assert.equal(n?.name, 'slack-webhook');
  const mgr = new AlertManager({ options: { squashSeconds: 30 }, notifiers: [n], now: clock.now, timers: false });
  for (const r of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) mgr.observe(observation(clock, atRouter(r)));
  clock.advance(30);
  mgr.tick();
  await n.drain(5000);
  assert.equal(slack.requests.length, 1);
  const req = slack.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/services/T000/B000/XXXX');
  assert.match(String(req.headers['content-type']), /^application\/json/);
  const body = slack.json<SlackMessage>(0);
  assert.deepEqual(body.blocks.map((b) => b.type), ['header', 'section', 'section', 'section', 'section', 'section', 'context']);
  assert.match(texts(body.blocks)[0]!, /^🟠 WARNING pod-cidr-leak · cluster=prod node=node1 prefix=10\.244\.1\.0\/24$/);
  assert.ok(texts(body.blocks).some((x) => x.includes('seen by 4: leaf1, leaf2, leaf3, leaf4')));
  await mgr.stop(1000);
});

void test('429 with Retry-After is honoured (the retry waits that long), then delivered once', async () => {
  const slack = await receiver();
  slack.script.push({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: UNTHROTTLED, delivery: FAST });
  const [out] = await sendAll(q, [delivery(leakAlert(['leaf1']))]);
  assert.deepEqual(out, { ok: true });
  assert.deepEqual(slack.requests.map((r) => r.status), [429, 200]);
  const gap = slack.requests[1]!.at - slack.requests[0]!.at;
  assert.ok(gap >= 950, `retried after ${gap} ms, Retry-After said 1 s`);
  assert.equal(slack.requests[0]!.body, slack.requests[1]!.body, 'the same message again');
  assert.deepEqual(q.stats, { sent: 1, retries: 1, rejected: 0, gaveUp: 0, dropped: 0 });
});

void test('5xx and network errors are retried with growing backoff; 4xx is final; attempts are bounded', async () => {
  const slack = await receiver();
  slack.script.push({ status: 500, body: 'rollup_error' }, { status: 503 }, { status: 502 });
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: UNTHROTTLED, delivery: FAST, random: () => 0.5 });
  const [ok] = await sendAll(q, [delivery(leakAlert(['leaf1']))]);
  assert.deepEqual(ok, { ok: true });
  assert.deepEqual(slack.requests.map((r) => r.status), [500, 503, 502, 200]);
  const gaps = slack.requests.slice(1).map((r, i) => r.at - slack.requests[i]!.at);
  assert.ok(gaps[0]! >= 14 && gaps[1]! >= 29 && gaps[2]! >= 59, `backoff 15, 30, 60 ms (half fixed, half jitter): ${gaps.join(', ')}`);

  slack.script.push({ status: 400, body: 'invalid_payload' });
  const [rejected] = await sendAll(q, [delivery(leakAlert(['leaf1']))]);
  assert.equal(rejected?.ok, false);
  assert.equal(!rejected?.ok && rejected?.reason, 'rejected');
  assert.equal(slack.requests.length, 5, '400 is not retried');

  // A receiver that is down: connection refused every time.
  const dead = await receiver();
  const deadUrl = dead.url;
  await dead.close();
  const q2 = new QueuedNotifier(slackWebhookTransport({ url: deadUrl, timeoutMs: 1000 }), { throttle: UNTHROTTLED, delivery: { ...FAST, maxAttempts: 3 } });
  const [gone] = await sendAll(q2, [delivery(leakAlert(['leaf1']))]);
  assert.equal(!gone?.ok && gone?.reason, 'gave-up');
  assert.match(!gone?.ok ? gone!.error : '', /ECONNREFUSED/);
  assert.deepEqual(q2.stats, { sent: 0, retries: 2, rejected: 0, gaveUp: 1, dropped: 0 });
  assert.equal(backoffMs(1, 1000, 60_000, () => 0), 500);
  assert.equal(backoffMs(3, 1000, 60_000, () => 0.999999), 3999.998);
  assert.equal(backoffMs(20, 1000, 60_000, () => 1), 60_000);
});

void test('nothing is lost through 429s and 500s: every alert arrives exactly once, in order', async () => {
  const slack = await receiver();
  let i = 0;
  slack.fallback = () => {
    i++;
    if (i % 3 === 1) return { status: 500 };
    if (i % 5 === 0) return { status: 429, headers: { 'retry-after': '0' } };
    return { status: 200, body: 'ok' };
  };
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: UNTHROTTLED, delivery: FAST });
  const alerts = Array.from({ length: 12 }, (_, k) => leakAlert(['leaf1'], k));
  const outs = await sendAll(q, alerts.map((a) => delivery(a)));
  assert.ok(outs.every((o) => o.ok));
  const got = slack.accepted.map((r) => (JSON.parse(r.body) as SlackMessage).text.match(/10\.244\.(\d+)\.0/)?.[1]);
  assert.deepEqual(got, alerts.map((_, k) => String(k)));
  assert.ok(slack.requests.length > 12, 'there were failures on the way');
  assert.equal(q.stats.sent, 12);
});

void test('throttled per channel: a token bucket of 5/s with a burst of 1 spreads 4 messages over ≥ 600 ms', async () => {
  const slack = await receiver();
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: { messagesPerSecond: 5, burst: 1 }, delivery: FAST });
  const t0 = Date.now();
  await sendAll(q, [1, 2, 3, 4].map((k) => delivery(leakAlert(['leaf1'], k))));
  const span = slack.requests[3]!.at - slack.requests[0]!.at;
  assert.ok(span >= 570, `4 messages at 5/s took ${span} ms`);
  assert.ok(Date.now() - t0 < 3000);
});

void test('a full queue drops the oldest waiting message, counted in a metric; send() never blocks', async () => {
  const slack = await receiver();
  slack.fallback = () => ({ status: 200, body: 'ok', delayMs: 300 });
  const registry = new Registry();
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: UNTHROTTLED, delivery: { ...FAST, queueSize: 2 }, registry });
  const outcomes: (DeliveryOutcome | undefined)[] = [];
  const t0 = Date.now();
  const all = [0, 1, 2, 3, 4].map((k) => new Promise<void>((resolve) => q.send(delivery(leakAlert(['leaf1'], k)), (o) => ((outcomes[k] = o), resolve()))));
  assert.ok(Date.now() - t0 < 200, 'send() returned at once');
  await Promise.all(all);
  // 0 was in flight; 1 and 2 waited; 3 pushed out 1, 4 pushed out 2.
  assert.deepEqual(outcomes.map((o) => (o?.ok ? 'sent' : o?.reason)), ['sent', 'dropped', 'dropped', 'sent', 'sent']);
  assert.equal(q.stats.dropped, 2);
  const metrics = await registry.getSingleMetricAsString('ribwatch_notify_dropped_total');
  assert.match(metrics, /ribwatch_notify_dropped_total\{channel="slack-webhook"\} 2/);
});

void test('through the lifecycle: open, escalation and resolve each arrive once, in order, across 500s and a 429', async () => {
  const slack = await receiver();
  slack.script.push({ status: 500 }, { status: 200, body: 'ok' }, { status: 429, headers: { 'retry-after': '0' } }, { status: 503 });
  const clock = new FakeClock();
  const [n] = createNotifiers({ slack: { webhookUrl: slack.url, botToken: '', channel: '', apiUrl: '', ...UNTHROTTLED }, webhook: { url: '', secret: '', ...UNTHROTTLED }, delivery: FAST });
  const mgr = new AlertManager({ options: { squashSeconds: 10, resolveAfterSeconds: 60 }, notifiers: [n!], now: clock.now, timers: false });
  const subject = { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast' };
  mgr.observe(observation(clock, subject, { kind: 'prefix-limit', summary: '80 of 100 prefixes', facts: { count: 80, limit: 100 } }));
  clock.advance(10);
  mgr.tick();
  mgr.observe(observation(clock, subject, { kind: 'prefix-limit', severity: 'critical', summary: '95 of 100 prefixes', facts: { count: 95, limit: 100, forecast_at: '2026-11-21T10:05:00Z' } }));
  // The escalation waits for the open to be delivered (one delivery per alert and channel at a
  // time), then goes at once.
  for (let i = 0; i < 50 && slack.accepted.length < 2; i++) await n!.drain(2000);
  mgr.observe(observation(clock, subject, { kind: 'prefix-limit', active: false, summary: 'leaf1 ← 192.0.2.11 ipv4-unicast back to 40 of 100 prefixes' }));
  clock.advance(60);
  mgr.tick();
  await n!.drain(2000);
  const heads = slack.accepted.map((r) => texts((JSON.parse(r.body) as SlackMessage).blocks)[0]);
  assert.deepEqual(heads, [
    '🟠 WARNING prefix-limit · router=leaf1 peer=192.0.2.11 afiSafi=ipv4-unicast',
    '🔴 Escalated: CRITICAL prefix-limit · router=leaf1 peer=192.0.2.11 afiSafi=ipv4-unicast',
    '✅ Resolved: CRITICAL prefix-limit · router=leaf1 peer=192.0.2.11 afiSafi=ipv4-unicast',
  ]);
  assert.deepEqual(slack.requests.map((r) => r.status), [500, 200, 429, 503, 200, 200], 'retries observed');
  const esc = texts((JSON.parse(slack.accepted[1]!.body) as SlackMessage).blocks);
  assert.ok(esc.includes('*count*\n95') && esc.includes('*limit*\n100'));
  assert.ok(esc.some((x) => x.startsWith('*forecast_at*\n2026-11-21T10:05:00Z (')));
  const res = texts((JSON.parse(slack.accepted[2]!.body) as SlackMessage).blocks);
  assert.ok(res.includes('*Cleared*\nleaf1 ← 192.0.2.11 ipv4-unicast back to 40 of 100 prefixes'), 'the resolve says how it cleared');
  assert.ok(!res.some((x) => x.startsWith('*Next step*')), 'and asks nothing more');
  await mgr.stop(1000);
});

void test('a channel that is behind is told the latest state: escalated and resolved while the open was retried → open, then resolve', async () => {
  const slack = await receiver();
  slack.script.push({ status: 500 }, { status: 500 });
  const clock = new FakeClock();
  const [n] = createNotifiers({ slack: { webhookUrl: slack.url, botToken: '', channel: '', apiUrl: '', ...UNTHROTTLED }, webhook: { url: '', secret: '', ...UNTHROTTLED }, delivery: FAST });
  const mgr = new AlertManager({ options: { squashSeconds: 0, resolveAfterSeconds: 0 }, notifiers: [n!], now: clock.now, timers: false });
  const subject = { router: 'leaf1', peer: '192.0.2.11' };
  mgr.observe(observation(clock, subject, { kind: 'session-flap' }));
  mgr.observe(observation(clock, subject, { kind: 'session-flap', severity: 'critical' }));
  mgr.observe(observation(clock, subject, { kind: 'session-flap', active: false }));
  mgr.tick();
  for (let i = 0; i < 50 && slack.accepted.length < 2; i++) await n!.drain(2000);
  const heads = slack.accepted.map((r) => texts((JSON.parse(r.body) as SlackMessage).blocks)[0]);
  assert.deepEqual(heads, ['🟠 WARNING session-flap · router=leaf1 peer=192.0.2.11', '✅ Resolved: CRITICAL session-flap · router=leaf1 peer=192.0.2.11']);
  await mgr.stop(1000);
});

void test('close(): waiting messages end as "closed" at once, a retry wait is cut short, later sends are refused', async () => {
  const slack = await receiver();
  slack.fallback = () => ({ status: 503, headers: { 'retry-after': '30' } });
  const q = new QueuedNotifier(slackWebhookTransport({ url: slack.url, timeoutMs: 2000 }), { throttle: UNTHROTTLED, delivery: FAST });
  const outs: DeliveryOutcome[] = [];
  const all = [1, 2, 3].map((k) => new Promise<void>((resolve) => q.send(delivery(leakAlert(['leaf1'], k)), (o) => (outs.push(o), resolve()))));
  await slack.waitFor(1);
  const t0 = Date.now();
  await q.close();
  await Promise.all(all);
  assert.ok(Date.now() - t0 < 1000, 'the 30 s Retry-After wait did not hold the shutdown');
  assert.deepEqual(outs.map((o) => (o.ok ? 'sent' : o.reason)), ['closed', 'closed', 'closed']);
  let late: DeliveryOutcome | undefined;
  q.send(delivery(leakAlert(['leaf1'], 4)), (o) => (late = o));
  assert.equal(late?.ok === false && late.reason, 'closed');
  assert.equal(slack.requests.length, 1);
});

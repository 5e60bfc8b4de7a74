/**
 * Slack Web API against a local stand-in: chat.postMessage opens the root message, its ts is kept
 * with the alert; escalation and resolve edit the root (chat.update) and reply in its thread
 * (broadcast), acknowledgement and updates reply in the thread; the bot token is sent as a
 * Bearer header; rate limits (HTTP 429 + Retry-After, or ok:false ratelimited) are retried; a
 * root message that is gone is replaced by a new one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_ALERTS_OPTIONS, DEFAULT_DELIVERY } from '../../analyzer/alerts/options.js';
import { MemoryAlertStore } from '../../analyzer/alerts/store.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import type { SlackMessage } from '../../analyzer/notify/slack-blocks.js';
import { FakeClock, atRouter, observation } from './alerts-helpers.js';
import { Receiver } from './notify-receiver.js';
import type { Answer, Received } from './notify-receiver.js';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

interface ApiCall extends Partial<SlackMessage> {
  channel?: string;
  ts?: string;
  thread_ts?: string;
  reply_broadcast?: boolean;
}

/** A Slack Web API stand-in: posts get increasing ts values in channel C42. */
async function slackApi(): Promise<Receiver & { calls: () => { method: string; body: ApiCall }[] }> {
  const r = await new Receiver().start();
  receivers.push(r);
  let seq = 0;
  r.fallback = (req: Received): Answer => {
    if (req.path === '/api/chat.postMessage') return { status: 200, body: JSON.stringify({ ok: true, channel: 'C42', ts: `1763719200.0000${++seq}` }) };
    if (req.path === '/api/chat.update') {
      const b = JSON.parse(req.body) as ApiCall;
      return { status: 200, body: JSON.stringify({ ok: true, channel: b.channel, ts: b.ts }) };
    }
    return { status: 404, body: 'unknown_method' };
  };
  return Object.assign(r, {
    calls: () => r.accepted.map((q) => ({ method: q.path.replace('/api/', ''), body: JSON.parse(q.body) as ApiCall })),
  });
}

function setup(apiUrl: string, clock: FakeClock, store = new MemoryAlertStore()) {
  const notifiers = createNotifiers({
    slack: { ...DEFAULT_ALERTS_OPTIONS.slack, botToken: 'xoxb-test-token', channel: '#fabric-alerts', apiUrl, messagesPerSecond: 1000, burst: 1000 },
    webhook: DEFAULT_ALERTS_OPTIONS.webhook,
    delivery: { ...DEFAULT_DELIVERY, retryBaseMs: 20, retryMaxMs: 100 },
  });
  assert.deepEqual(notifiers.map((n) => n.name), ['slack-api']);
  const mgr = new AlertManager({ options: { squashSeconds: 0, resolveAfterSeconds: 60, notifyIntervalSeconds: 600 }, store, notifiers, now: clock.now, timers: false });
  return { mgr, n: notifiers[0]!, store };
}

void test('open posts the root; escalate and resolve edit it and reply in its thread; acknowledge replies', async () => {
  const api = await slackApi();
  const clock = new FakeClock();
  const { mgr, n } = setup(`${api.url}/api`, clock);
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  await n.drain(3000);
  let calls = api.calls();
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.method, 'chat.postMessage');
  assert.equal(calls[0]!.body.channel, '#fabric-alerts');
  assert.equal(calls[0]!.body.thread_ts, undefined);
  assert.equal(calls[0]!.body.blocks?.[0]?.type, 'header');
  assert.equal(api.requests[0]!.headers.authorization, 'Bearer xoxb-test-token');
  const root = '1763719200.00001';

  mgr.observe(observation(clock, atRouter('leaf2'), { severity: 'critical' }));
  await n.drain(3000);
  calls = api.calls();
  assert.deepEqual(calls.slice(1).map((c) => c.method), ['chat.update', 'chat.postMessage']);
  assert.deepEqual({ channel: calls[1]!.body.channel, ts: calls[1]!.body.ts }, { channel: 'C42', ts: root }, 'the root is edited where Slack put it');
  assert.match(calls[1]!.body.text!, /^🔴 CRITICAL pod-cidr-leak/);
  assert.equal(calls[2]!.body.thread_ts, root);
  assert.equal(calls[2]!.body.reply_broadcast, true);
  assert.match(calls[2]!.body.text!, /^🔴 Escalated: CRITICAL pod-cidr-leak/);

  mgr.acknowledge(mgr.list()[0]!.id, 'dave');
  await n.drain(3000);
  calls = api.calls();
  assert.deepEqual(calls.slice(3).map((c) => c.method), ['chat.update', 'chat.postMessage']);
  assert.equal(calls[4]!.body.thread_ts, root);
  assert.equal(calls[4]!.body.reply_broadcast, false);
  assert.match(JSON.stringify(calls[4]!.body.blocks), /acknowledged by dave/);

  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  mgr.observe(observation(clock, atRouter('leaf2'), { active: false }));
  clock.advance(60);
  mgr.tick();
  await n.drain(3000);
  calls = api.calls();
  assert.deepEqual(calls.slice(5).map((c) => c.method), ['chat.update', 'chat.postMessage']);
  assert.match(calls[5]!.body.text!, /^✅ Resolved: CRITICAL pod-cidr-leak/, 'the root now says resolved');
  assert.equal(calls[6]!.body.thread_ts, root);
  assert.equal(calls[6]!.body.reply_broadcast, true);
  assert.equal(api.calls().filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === undefined).length, 1, 'one root message for the whole life of the alert');
  await mgr.stop(1000);
});

void test('the thread ts is persisted: after a restart the resolve replies in the same thread', async () => {
  const api = await slackApi();
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const first = setup(`${api.url}/api`, clock, store);
  first.mgr.observe(observation(clock, atRouter('leaf1')));
  first.mgr.tick();
  await first.mgr.stop(3000);
  await first.n.close();
  assert.equal([...store.alertRows.values()][0]!.channels.includes('"ref":"1763719200.00001"'), true);

  const second = setup(`${api.url}/api`, clock, store);
  await second.mgr.start();
  clock.advance(60);
  second.mgr.tick();
  await second.n.drain(3000);
  const calls = api.calls();
  assert.deepEqual(calls.map((c) => c.method), ['chat.postMessage', 'chat.update', 'chat.postMessage']);
  assert.equal(calls[2]!.body.thread_ts, '1763719200.00001');
  await second.mgr.stop(1000);
});

void test('rate limits are honoured (429 Retry-After, ok:false ratelimited); a deleted root is replaced by a new one; bad auth is final', async () => {
  const api = await slackApi();
  api.script.push({ status: 429, headers: { 'retry-after': '1' }, body: '' }, { status: 200, body: JSON.stringify({ ok: false, error: 'ratelimited' }) });
  const clock = new FakeClock();
  const { mgr, n } = setup(`${api.url}/api`, clock);
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  await n.drain(5000);
  assert.deepEqual(api.requests.map((r) => r.status), [429, 200, 200]);
  assert.ok(api.requests[1]!.at - api.requests[0]!.at >= 950);
  assert.equal(api.calls().length, 2, 'the ratelimited answer was retried');
  // The root message was deleted in Slack: chat.update answers message_not_found.
  api.script.push({ status: 200, body: JSON.stringify({ ok: false, error: 'message_not_found' }) });
  mgr.observe(observation(clock, atRouter('leaf1'), { severity: 'critical' }));
  await n.drain(3000);
  const last = api.calls().at(-1)!;
  assert.equal(last.method, 'chat.postMessage');
  assert.equal(last.body.thread_ts, undefined, 'a new root message');
  // invalid_auth is not retried.
  api.script.push({ status: 200, body: JSON.stringify({ ok: false, error: 'invalid_auth' }) });
  const before = api.requests.length;
  mgr.acknowledge(mgr.list()[0]!.id, 'erin');
  await n.drain(3000);
  assert.equal(api.requests.length, before + 1);
  await mgr.stop(1000);
});

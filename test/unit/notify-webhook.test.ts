/**
 * The generic JSON webhook: one signed JSON document per lifecycle event; the receiver's check
 * (HMAC-SHA256 over `${timestamp}.${body}`) passes, a tampered body or an old timestamp fails;
 * retries re-sign; without a secret nothing is signed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_ALERTS_OPTIONS, DEFAULT_DELIVERY } from '../../analyzer/alerts/options.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import { sign, verifySignature } from '../../analyzer/notify/webhook.js';
import type { WebhookBody } from '../../analyzer/notify/webhook.js';
import { FakeClock, atRouter, observation } from './alerts-helpers.js';
import { Receiver } from './notify-receiver.js';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

function setup(url: string, secret: string, clock: FakeClock) {
  const notifiers = createNotifiers({
    slack: DEFAULT_ALERTS_OPTIONS.slack,
    webhook: { url, secret, messagesPerSecond: 1000, burst: 1000 },
    delivery: { ...DEFAULT_DELIVERY, retryBaseMs: 20, retryMaxMs: 100 },
  });
  assert.deepEqual(notifiers.map((n) => n.name), ['webhook']);
  const mgr = new AlertManager({ options: { squashSeconds: 0, resolveAfterSeconds: 60 }, notifiers, now: clock.now, timers: false });
  return { mgr, n: notifiers[0]! };
}

void test('every event arrives as signed JSON; the signature verifies, the headers say what it is', async () => {
  const hook = await new Receiver().start();
  receivers.push(hook);
  hook.script.push({ status: 500 }); // the first attempt fails: the retry is signed afresh
  const clock = new FakeClock();
  const { mgr, n } = setup(`${hook.url}/hooks/ribwatch?x=1`, 'topsecret', clock);
  mgr.observe(observation(clock, atRouter('leaf1'), { kind: 'prefix-limit', subject: { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast' }, facts: { count: 80, limit: 100, forecast_at: '2026-11-21T11:00:00Z' } }));
  mgr.tick();
  await n.drain(3000);
  const id = mgr.list()[0]!.id;
  mgr.acknowledge(id, 'frank');
  await n.drain(3000);
  mgr.observe(observation(clock, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast' }, { kind: 'prefix-limit', active: false }));
  clock.advance(60);
  mgr.tick();
  await n.drain(3000);
  assert.deepEqual(hook.requests.map((r) => r.status), [500, 200, 200, 200]);
  for (const r of hook.requests) {
    assert.equal(r.path, '/hooks/ribwatch?x=1');
    const ts = String(r.headers['x-ribwatch-timestamp']);
    assert.match(ts, /^\d{10}$/);
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 10);
    const sig = String(r.headers['x-ribwatch-signature']);
    assert.equal(sig, `sha256=${createHmac('sha256', 'topsecret').update(`${ts}.${r.body}`).digest('hex')}`);
    assert.equal(verifySignature('topsecret', ts, sig, r.body), true);
    assert.equal(verifySignature('topsecret', ts, sig, r.body.replace('leaf1', 'leaf9')), false, 'a tampered body fails');
    assert.equal(verifySignature('wrong', ts, sig, r.body), false);
  }
  assert.equal(hook.requests[0]!.headers['x-ribwatch-delivery'], hook.requests[1]!.headers['x-ribwatch-delivery'], 'a retry carries the same delivery id');
  const bodies = hook.accepted.map((r) => JSON.parse(r.body) as WebhookBody);
  assert.deepEqual(bodies.map((b) => b.event), ['open', 'acknowledge', 'resolve']);
  assert.deepEqual(hook.accepted.map((r) => r.headers['x-ribwatch-event']), ['open', 'acknowledge', 'resolve']);
  const open = bodies[0]!;
  assert.equal(open.type, 'ribwatch.alert');
  assert.equal(open.version, 1);
  assert.equal(open.alert.id, id);
  assert.equal(open.alert.kind, 'prefix-limit');
  assert.deepEqual(open.alert.subject, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast' });
  assert.deepEqual(open.alert.facts, { count: 80, limit: 100, forecast_at: '2026-11-21T11:00:00Z' });
  assert.equal(open.alert.status, 'open');
  assert.equal(bodies[1]!.alert.acknowledgedBy, 'frank');
  assert.equal(bodies[2]!.alert.status, 'resolved');
  assert.notEqual(bodies[2]!.alert.resolvedAt, null);
  await mgr.stop(1000);
});

void test('signatures: the documented formula, and a stale timestamp is refused', () => {
  const body = '{"a":1}';
  assert.equal(sign('k', '1763719200', body), `sha256=${createHmac('sha256', 'k').update('1763719200.{"a":1}').digest('hex')}`);
  assert.equal(verifySignature('k', '1763719200', sign('k', '1763719200', body), body, 300, 1763719200 + 299), true);
  assert.equal(verifySignature('k', '1763719200', sign('k', '1763719200', body), body, 300, 1763719200 + 301), false);
  assert.equal(verifySignature('k', undefined, undefined, body), false);
});

void test('without a secret the webhook is sent unsigned', async () => {
  const hook = await new Receiver().start();
  receivers.push(hook);
  const clock = new FakeClock();
  const { mgr, n } = setup(hook.url, '', clock);
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  await n.drain(3000);
  assert.equal(hook.requests.length, 1);
  assert.equal(hook.requests[0]!.headers['x-ribwatch-signature'], undefined);
  assert.match(String(hook.requests[0]!.headers['x-ribwatch-timestamp']), /^\d+$/);
  await mgr.stop(1000);
});

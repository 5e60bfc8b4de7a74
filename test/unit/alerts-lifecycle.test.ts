/**
 * The alert lifecycle on a fake clock: one alert per (kind, group subject); squash, notification
 * interval and fade-off; escalation, acknowledgement, resolve and reopen; what each channel is
 * told and when.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertManager, decide } from '../../analyzer/alerts/manager.js';
import type { AlertsOptions } from '../../analyzer/alerts/options.js';
import { FakeClock, FakeNotifier, LEAK, atRouter, observation } from './alerts-helpers.js';

const KNOBS: Partial<AlertsOptions> = { minSeverity: 'info', squashSeconds: 30, notifyIntervalSeconds: 600, resolveAfterSeconds: 300, remind: true };

function setup(opts: Partial<AlertsOptions> = {}, notifiers = [new FakeNotifier()]) {
  const clock = new FakeClock();
  const mgr = new AlertManager({ options: { ...KNOBS, ...opts }, notifiers, now: clock.now, timers: false, newId: idGen() });
  return { clock, mgr, n: notifiers[0] as FakeNotifier };
}

function idGen(): () => string {
  let i = 0;
  return () => `a${++i}`;
}

void test('a pod CIDR leak seen by 4 leafs is one alert with 4 observations, notified once after the squash window', () => {
  const { clock, mgr, n } = setup();
  for (const [i, r] of ['leaf1', 'leaf2', 'leaf3', 'leaf4'].entries()) {
    mgr.observe(observation(clock, atRouter(r, { peer: `192.0.2.1${i}` })));
    clock.advance(5);
  }
  // The same leaf reporting again is the same observation source.
  mgr.observe(observation(clock, atRouter('leaf1', { peer: '192.0.2.10' })));
  const alerts = mgr.list();
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.deepEqual(a.subject, LEAK);
  assert.equal(a.observerCount, 4);
  assert.equal(a.observers.length, 4);
  assert.equal(a.events, 5);
  assert.deepEqual(a.observers.map((o) => o.subject.router).sort(), ['leaf1', 'leaf2', 'leaf3', 'leaf4']);
  mgr.tick();
  assert.equal(n.sent.length, 0, 'nothing before the squash window (30 s) has passed');
  clock.advance(10); // 30 s after the first observation
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  assert.equal(n.sent[0]!.alert.observerCount, 4, 'the one message carries all four routers');
  mgr.tick();
  assert.equal(n.sent.length, 1, 'open is sent once');
});

void test('different subjects are different alerts: another prefix, another kind, each session of a session flap', () => {
  const { clock, mgr } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.observe(observation(clock, { ...LEAK, prefix: '10.244.2.0/24', router: 'leaf1' }));
  mgr.observe(observation(clock, atRouter('leaf1'), { kind: 'missing-no-export' }));
  mgr.observe(observation(clock, { router: 'leaf1', peer: '192.0.2.11' }, { kind: 'session-flap' }));
  mgr.observe(observation(clock, { router: 'leaf2', peer: '192.0.2.11' }, { kind: 'session-flap' }));
  mgr.observe(observation(clock, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast' }, { kind: 'prefix-limit' }));
  mgr.observe(observation(clock, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv6-unicast' }, { kind: 'prefix-limit' }));
  assert.equal(mgr.list().length, 7);
  assert.deepEqual(
    mgr.list().map((a) => a.key).sort(),
    [
      'missing-no-export|cluster=prod|node=node1|prefix=10.244.1.0/24',
      'pod-cidr-leak|cluster=prod|node=node1|prefix=10.244.1.0/24',
      'pod-cidr-leak|cluster=prod|node=node1|prefix=10.244.2.0/24',
      'prefix-limit|router=leaf1|peer=192.0.2.11|afiSafi=ipv4-unicast',
      'prefix-limit|router=leaf1|peer=192.0.2.11|afiSafi=ipv6-unicast',
      'session-flap|router=leaf1|peer=192.0.2.11',
      'session-flap|router=leaf2|peer=192.0.2.11',
    ],
  );
});

void test('an observation that clears something never opened opens nothing', () => {
  const { clock, mgr } = setup();
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  assert.equal(mgr.list().length, 0);
});

void test('escalation is notified at once, with the severity it rose from; escalation inside the squash window is folded into the open', () => {
  const { clock, mgr, n } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(10);
  mgr.observe(observation(clock, atRouter('leaf2'), { severity: 'critical' }));
  clock.advance(20);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  assert.equal(n.sent[0]!.alert.severity, 'critical');

  const { clock: c2, mgr: m2, n: n2 } = setup();
  m2.observe(observation(c2, atRouter('leaf1')));
  c2.advance(31);
  m2.tick();
  c2.advance(1);
  m2.observe(observation(c2, atRouter('leaf1'), { severity: 'critical', summary: 'now critical', facts: { count: 95, limit: 100 } }));
  assert.deepEqual(n2.events_(), ['open', 'escalate'], 'no waiting for the notification interval');
  const esc = n2.sent[1]!;
  assert.equal(esc.previousSeverity, 'warning');
  assert.equal(esc.alert.severity, 'critical');
  assert.equal(esc.alert.summary, 'now critical');
  assert.deepEqual(esc.alert.facts, { count: 95, limit: 100 });
  assert.equal(esc.ref, 'ts-1', 'the channel gets its handle on the first message (Slack thread)');
  assert.equal(m2.get(esc.alert.id)?.peakSeverity, 'critical');
});

void test('changes and reminders go out at most once per notification interval', () => {
  const { clock, mgr, n } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  clock.advance(60);
  mgr.observe(observation(clock, atRouter('leaf2'))); // a second router: a change
  mgr.observe(observation(clock, atRouter('leaf3')));
  mgr.tick();
  assert.deepEqual(n.events_(), ['open'], 'held until the interval has passed since the open');
  clock.advance(540); // 600 s after the open
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'update']);
  assert.equal(n.sent[1]!.alert.observerCount, 3, 'one update carries both new routers');
  clock.advance(599);
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  assert.equal(n.sent.length, 2, 'unchanged and inside the interval: nothing');
  clock.advance(1);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'update', 'reminder'], 'unchanged, still open, interval passed: a reminder');

  const { clock: c2, mgr: m2, n: n2 } = setup({ remind: false });
  m2.observe(observation(c2, atRouter('leaf1')));
  c2.advance(30);
  m2.tick();
  c2.advance(3600);
  m2.tick();
  assert.deepEqual(n2.events_(), ['open'], 'remind: false sends no reminders');
});

void test('fade-off: resolved only after resolveAfter with no active observation; one active router keeps it open', () => {
  const { clock, mgr, n } = setup({ notifyIntervalSeconds: 7200 });
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.observe(observation(clock, atRouter('leaf2')));
  clock.advance(30);
  mgr.tick();
  const id = mgr.list()[0]!.id;
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  clock.advance(1000);
  mgr.tick();
  assert.equal(mgr.get(id)?.status, 'open', 'leaf2 still sees it');
  assert.equal(mgr.get(id)?.observers.find((o) => o.subject.router === 'leaf1')?.active, false);
  mgr.observe(observation(clock, atRouter('leaf2'), { active: false }));
  const clearedAt = clock.t;
  clock.advance(299);
  mgr.tick();
  assert.equal(mgr.get(id)?.status, 'open', 'the quiet period is not over');
  clock.advance(1);
  mgr.tick();
  const a = mgr.get(id)!;
  assert.equal(a.status, 'resolved');
  assert.equal(Date.parse(a.resolvedAt!), clearedAt + 300_000);
  assert.deepEqual(n.events_(), ['open', 'resolve']);
  assert.equal(n.sent[1]!.ref, 'ts-1');
});

void test('a new active observation during the quiet period keeps the alert; after resolve it opens a NEW alert naming the old one', () => {
  const { clock, mgr, n } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  const first = mgr.list()[0]!.id;
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  clock.advance(200);
  mgr.observe(observation(clock, atRouter('leaf1'))); // back before fade-off
  clock.advance(200);
  mgr.tick();
  assert.equal(mgr.get(first)?.status, 'open');
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  clock.advance(300);
  mgr.tick();
  assert.equal(mgr.get(first)?.status, 'resolved');
  clock.advance(60);
  mgr.observe(observation(clock, atRouter('leaf3'), { severity: 'critical' }));
  const open = mgr.list({ status: 'open' });
  assert.equal(open.length, 1);
  assert.notEqual(open[0]!.id, first);
  assert.equal(open[0]!.reopenedFrom, first);
  assert.equal(open[0]!.observerCount, 1, 'the new alert starts with its own observers');
  clock.advance(30);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'resolve', 'open']);
  assert.equal(n.sent[2]!.ref, undefined, 'a new alert starts a new Slack thread');
});

void test('an alert that resolves inside its squash window is never notified', () => {
  const { clock, mgr, n } = setup({ squashSeconds: 60, resolveAfterSeconds: 10 });
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(5);
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  clock.advance(10);
  mgr.tick();
  assert.equal(mgr.list()[0]!.status, 'resolved');
  clock.advance(100);
  mgr.tick();
  assert.deepEqual(n.sent, []);
});

void test('acknowledge: notified once, mutes updates and reminders; an escalation reopens attention', () => {
  const { clock, mgr, n } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  const id = mgr.list()[0]!.id;
  const v = mgr.acknowledge(id, 'alice');
  assert.equal(typeof v, 'object');
  assert.equal(mgr.get(id)?.status, 'acknowledged');
  assert.equal(mgr.get(id)?.acknowledgedBy, 'alice');
  assert.deepEqual(n.events_(), ['open', 'acknowledge']);
  mgr.observe(observation(clock, atRouter('leaf2')));
  clock.advance(3600);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'acknowledge'], 'no update, no reminder while acknowledged');
  mgr.observe(observation(clock, atRouter('leaf2'), { severity: 'critical' }));
  assert.deepEqual(n.events_(), ['open', 'acknowledge', 'escalate']);
  assert.equal(mgr.get(id)?.status, 'open');
  assert.equal(mgr.get(id)?.acknowledgedBy, null);
  assert.equal(mgr.acknowledge('nope', 'bob'), 'no open alert nope');
});

void test('a channel is told only the events it takes; the others count as told', () => {
  const webhookLike = new FakeNotifier('slack-webhook', ['open', 'escalate', 'resolve']);
  const { clock, mgr } = setup({}, [webhookLike]);
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  mgr.observe(observation(clock, atRouter('leaf2')));
  clock.advance(600);
  mgr.tick();
  mgr.acknowledge(mgr.list()[0]!.id, 'bob');
  mgr.observe(observation(clock, atRouter('leaf2'), { severity: 'critical' }));
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  mgr.observe(observation(clock, atRouter('leaf2'), { active: false }));
  clock.advance(300);
  mgr.tick();
  clock.advance(3600);
  mgr.tick();
  assert.deepEqual(webhookLike.events_(), ['open', 'escalate', 'resolve']);
});

void test('one delivery at a time per alert and channel: a resolve waits for the open to finish, then goes', () => {
  const { clock, mgr, n } = setup({ resolveAfterSeconds: 0 });
  n.answer = 'hold';
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  mgr.tick();
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  n.answer = 'ok';
  n.release();
  assert.deepEqual(n.events_(), ['open', 'resolve']);
  assert.equal(n.sent[1]!.ref, 'ts-1');
});

void test('a delivery given up is not retried in a loop; the alert changing (or the interval) notifies again', () => {
  const { clock, mgr, n } = setup();
  n.answer = 'gave-up';
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  mgr.tick();
  mgr.tick();
  clock.advance(10);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  n.answer = 'ok';
  mgr.observe(observation(clock, atRouter('leaf2'))); // a change
  assert.deepEqual(n.events_(), ['open', 'open'], 'still never told, so it is an open, with both routers');
  assert.equal(n.sent[1]!.alert.observerCount, 2);

  const { clock: c2, mgr: m2, n: n2 } = setup();
  n2.answer = 'gave-up';
  m2.observe(observation(c2, atRouter('leaf1')));
  c2.advance(30);
  m2.tick();
  n2.answer = 'ok';
  c2.advance(600);
  m2.tick();
  assert.deepEqual(n2.events_(), ['open', 'open'], 'unchanged: tried again after the notification interval');
});

void test('staleAfterSeconds: an active observation not repeated counts as cleared', () => {
  const { clock, mgr } = setup({ staleAfterSeconds: 120, resolveAfterSeconds: 60 });
  mgr.observe(observation(clock, atRouter('leaf1')));
  clock.advance(150);
  mgr.tick();
  assert.equal(mgr.list()[0]!.status, 'open');
  clock.advance(30); // stale at 120 s + 60 s quiet = 180 s
  mgr.tick();
  assert.equal(mgr.list()[0]!.status, 'resolved');
});

void test('maxOpenAlerts bounds the alerts held; observations of existing alerts still count', () => {
  const { clock, mgr } = setup({ maxOpenAlerts: 2, maxObserversPerAlert: 2 });
  for (let i = 0; i < 5; i++) mgr.observe(observation(clock, { ...LEAK, prefix: `10.244.${i}.0/24`, router: 'leaf1' }));
  assert.equal(mgr.list().length, 2);
  for (const r of ['leaf2', 'leaf3', 'leaf4']) mgr.observe(observation(clock, atRouter(r, { prefix: '10.244.0.0/24' })));
  const a = mgr.list().find((x) => x.subject.prefix === '10.244.0.0/24')!;
  assert.equal(a.observerCount, 4, 'counted past the bound');
  assert.equal(a.observers.length, 2, 'listed up to maxObserversPerAlert');
});

void test('decide(): the whole policy as a table', () => {
  const { clock, mgr } = setup();
  mgr.observe(observation(clock, atRouter('leaf1')));
  // A structural alert for decide(): reach it through the store-free internals via list()/get() is read-only,
  // so build one from the view's fields.
  const v = mgr.list()[0]!;
  const a = {
    ...v,
    observers: new Map(),
    openedAt: Date.parse(v.openedAt),
    updatedAt: 0,
    lastActiveAt: 0,
    resolvedAt: null,
    acknowledgedAt: null,
    escalatedAt: null,
    silencedBy: [] as string[],
    channels: new Map(),
    lastNotifiedAt: null,
    version: 0,
  };
  const o = { squashMs: 30_000, intervalMs: 600_000, remind: true };
  const told = { status: 'open' as const, severity: 'warning' as const, fingerprint: `warning|open|1`, at: clock.t + 30_000 };
  const none = { status: null, severity: null, fingerprint: '', at: null };
  assert.equal(decide(a, none, clock.t + 29_999, o), null);
  assert.equal(decide(a, none, clock.t + 30_000, o), 'open');
  assert.equal(decide({ ...a, silencedBy: ['s1'] }, none, clock.t + 30_000, o), null);
  assert.equal(decide(a, told, clock.t + 60_000, o), null);
  assert.equal(decide({ ...a, severity: 'critical' }, told, clock.t + 60_000, o), 'escalate');
  assert.equal(decide({ ...a, observerCount: 2 }, told, clock.t + 630_000, o), 'update');
  assert.equal(decide(a, told, clock.t + 630_000, o), 'reminder');
  assert.equal(decide({ ...a, status: 'resolved' }, told, clock.t + 60_000, o), 'resolve');
  assert.equal(decide({ ...a, status: 'resolved' }, none, clock.t + 60_000, o), null);
  assert.equal(decide({ ...a, status: 'resolved', silencedBy: ['s1'] }, told, clock.t + 60_000, o), 'resolve', 'a silence does not withhold the resolve of an announced alert');
  assert.equal(decide({ ...a, status: 'acknowledged' }, told, clock.t + 60_000, o), 'acknowledge');
});

void test('minSeverity: an info alert exists but is not announced until it rises to warning', () => {
  const { clock, mgr, n } = setup({ minSeverity: 'warning' });
  const subject = { router: 'leaf1', peer: '192.0.2.11' };
  mgr.observe(observation(clock, subject, { kind: 'session-flap', severity: 'info', summary: 'administrative resets' }));
  clock.advance(3600);
  mgr.tick();
  assert.equal(mgr.list().length, 1);
  assert.equal(n.sent.length, 0);
  mgr.observe(observation(clock, subject, { kind: 'session-flap', severity: 'warning', summary: 'hold timer expired' }));
  assert.deepEqual(n.events_(), ['open']);
  assert.equal(n.sent[0]!.alert.severity, 'warning');
});

/**
 * Persistence of the lifecycle through the store's row mapping (memory store here; the same rows
 * go to ClickHouse in test/live/alerts-chdb.test.ts): a restart neither forgets nor re-notifies,
 * and sends exactly what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { alertFromRow, alertToRow, chTime, MemoryAlertStore, parseChTime } from '../../analyzer/alerts/store.js';
import { FakeClock, FakeNotifier, atRouter, observation } from './alerts-helpers.js';

const knobs = { squashSeconds: 30, notifyIntervalSeconds: 600, resolveAfterSeconds: 300 };

void test('DateTime64 text round-trips to the millisecond, in UTC', () => {
  const ms = Date.parse('2026-11-21T10:00:00.125Z');
  assert.equal(chTime(ms), '2026-11-21 10:00:00.125');
  assert.equal(parseChTime(chTime(ms)), ms);
  assert.equal(parseChTime('2026-11-21T10:00:00.125Z'), ms);
});

void test('a restart loads open alerts with their channel bookkeeping: no second open, the Slack thread continues', async () => {
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const n1 = new FakeNotifier('slack-api');
  const m1 = new AlertManager({ options: knobs, store, notifiers: [n1], now: clock.now, timers: false });
  await m1.start();
  m1.observe(observation(clock, atRouter('leaf2')));
  m1.observe(observation(clock, atRouter('leaf1', { peer: '192.0.2.11' }), { facts: { penalty: 3021.5, reuse_at: '2026-11-21T10:20:00Z' } }));
  clock.advance(30);
  m1.tick();
  assert.deepEqual(n1.events_(), ['open']);
  const id = m1.list()[0]!.id;
  m1.acknowledge(id, 'carol');
  await m1.stop(0);
  const before = m1.get(id)!;

  // The restart.
  clock.advance(5);
  const n2 = new FakeNotifier('slack-api');
  const m2 = new AlertManager({ options: knobs, store, notifiers: [n2], now: clock.now, timers: false });
  await m2.start();
  const after = m2.get(id)!;
  assert.deepEqual(
    { ...after, observers: after.observers.map((o) => ({ ...o, active: true })) },
    { ...before, observers: before.observers.map((o) => ({ ...o, active: true })) },
    'state intact (observers await confirmation by the detectors)',
  );
  assert.equal(after.status, 'acknowledged');
  assert.equal(after.acknowledgedBy, 'carol');
  assert.deepEqual(after.facts, { penalty: 3021.5, reuse_at: '2026-11-21T10:20:00Z' });
  m2.tick();
  clock.advance(60);
  m2.observe(observation(clock, atRouter('leaf1', { peer: '192.0.2.11' })));
  m2.tick();
  assert.equal(n2.sent.length, 0, 'nothing is re-sent');
  // An escalation after the restart replies in the thread opened before it.
  m2.observe(observation(clock, atRouter('leaf1', { peer: '192.0.2.11' }), { severity: 'critical' }));
  assert.deepEqual(n2.events_(), ['escalate']);
  assert.equal(n2.sent[0]!.ref, 'ts-1');
  assert.equal(n2.sent[0]!.refChannel, 'C1');
  assert.equal(m2.list().length, 1, 'one alert, not two');
});

void test('after a restart, an alert no detector reports again fades off and its resolve is sent', async () => {
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const m1 = new AlertManager({ options: knobs, store, notifiers: [new FakeNotifier()], now: clock.now, timers: false });
  await m1.start();
  m1.observe(observation(clock, atRouter('leaf1')));
  clock.advance(30);
  m1.tick();
  await m1.stop(0);
  const n2 = new FakeNotifier();
  const m2 = new AlertManager({ options: knobs, store, notifiers: [n2], now: clock.now, timers: false });
  await m2.start();
  clock.advance(299);
  m2.tick();
  assert.equal(m2.list()[0]!.status, 'open');
  clock.advance(1);
  m2.tick();
  assert.equal(m2.list()[0]!.status, 'resolved');
  assert.deepEqual(n2.events_(), ['resolve']);
  await m2.stop(0);
  const m3 = new AlertManager({ options: knobs, store, now: clock.now, timers: false });
  await m3.start();
  assert.deepEqual(m3.list(), [], 'resolved alerts are not loaded');
});

void test('a restart inside the squash window still sends the open once the window has passed', async () => {
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const m1 = new AlertManager({ options: knobs, store, notifiers: [new FakeNotifier()], now: clock.now, timers: false });
  await m1.start();
  m1.observe(observation(clock, atRouter('leaf1')));
  clock.advance(10);
  m1.tick();
  await m1.stop(0);
  const n2 = new FakeNotifier();
  const m2 = new AlertManager({ options: knobs, store, notifiers: [n2], now: clock.now, timers: false });
  await m2.start();
  m2.observe(observation(clock, atRouter('leaf1')));
  clock.advance(20);
  m2.tick();
  assert.deepEqual(n2.events_(), ['open']);
});

void test('store writes are behind and retried: a failed flush keeps the changes for the next one', async () => {
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const m = new AlertManager({ options: knobs, store, now: clock.now, timers: false });
  await m.start();
  m.observe(observation(clock, atRouter('leaf1')));
  assert.equal(store.alertRows.size, 0, 'observe() does not wait for the store');
  store.failNext = 1;
  await m.flush();
  assert.equal(store.alertRows.size, 0);
  await m.flush();
  assert.equal(store.alertRows.size, 1);
  const row = [...store.alertRows.values()][0]!;
  assert.equal(row.status, 'open');
  assert.deepEqual(row.routers, ['leaf1']);
  assert.equal(row.cluster, 'prod');
  assert.equal(row.prefix, '10.244.1.0/24');
  assert.equal(row.router, '', 'the group subject has no router: the routers column lists them');
  assert.ok(Number(row.version) >= 2);
});

void test('row mapping round-trips an alert: subject with afiSafi and pathId, facts of every type, channel state', async () => {
  const clock = new FakeClock();
  const store = new MemoryAlertStore();
  const m = new AlertManager({ options: knobs, store, notifiers: [new FakeNotifier('slack-api')], now: clock.now, timers: false });
  m.observe(observation(clock, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast', prefix: '10.244.1.0/24', pathId: 7 }, { kind: 'dampening', facts: { a: 1.5, b: 'x', c: true, d: null } }));
  clock.advance(30);
  m.tick();
  await m.flush();
  const row = [...store.alertRows.values()][0]!;
  assert.deepEqual(row.subject, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast', prefix: '10.244.1.0/24' }, 'dampening groups by router, peer, family and prefix');
  const back = alertFromRow(row);
  assert.ok(typeof back !== 'string');
  assert.deepEqual(alertToRow(back), row);
  assert.equal([...back.observers.values()][0]!.subject.pathId, 7);
  assert.deepEqual(back.facts, { a: 1.5, b: 'x', c: true, d: null });
  assert.equal(back.channels.get('slack-api')?.ref, 'ts-1');
  assert.equal(alertFromRow({ ...row, kind: 'nope' }), `alert ${row.id}: unknown kind "nope"`);
});

void test('with timers, tick and flush run by themselves; stop() ends them and writes the last state', async () => {
  const store = new MemoryAlertStore();
  const n = new FakeNotifier();
  const m = new AlertManager({ options: { squashSeconds: 0, flushIntervalMs: 20 }, store, notifiers: [n], tickMs: 20 });
  await m.start();
  m.observe(observation(new FakeClock(), atRouter('leaf1')));
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(n.events_(), ['open']);
  assert.equal(store.alertRows.size, 1);
  assert.match([...store.alertRows.values()][0]!.channels, /"fake":\{"status":"open"/);
  m.acknowledge(m.list()[0]!.id, 'gina');
  await m.stop(100);
  assert.equal([...store.alertRows.values()][0]!.status, 'acknowledged');
  const saves = store.saves;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(store.saves, saves, 'no timer left running');
});

/**
 * analyzer/alerts/lifecycle: step(), the pure decision function, event by event and state by
 * state — observe (no alert, a known or a new observer, active or clearing, past the observer
 * bound), tick (stale observers, fade-off, silences), acknowledge and restore — and that it never
 * changes its input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../analyzer/alerts/lifecycle.js';
import type { LifecycleAction, LifecycleContext, LifecycleEvent, LifecycleResult } from '../../analyzer/alerts/lifecycle.js';
import type { Silence } from '../../analyzer/alerts/silences.js';
import type { Alert } from '../../analyzer/alert.js';
import { alertKey } from '../../analyzer/types.js';
import type { AlertSubject, Observation } from '../../analyzer/types.js';
import { FakeClock, LEAK, T0, atRouter, observation } from './alerts-helpers.js';

const KEY = 'pod-cidr-leak|cluster=prod|node=node1|prefix=10.244.1.0/24';
const ctx = (over: Partial<LifecycleContext> = {}): LifecycleContext => ({ maxObserversPerAlert: 3, staleMs: 0, resolveMs: 300_000, silences: [], open: { id: 'a1', key: KEY, subject: LEAK, reopenedFrom: null }, ...over });
const types = (r: LifecycleResult): string[] => r.actions.map((a) => a.type);
const obs = (o: Observation): LifecycleEvent => ({ type: 'observe', observation: o, observerKey: alertKey(o), now: Date.parse(o.at) });

/** Runs a step and checks the input came out as it went in. */
function run(state: Alert | null, e: LifecycleEvent, c: LifecycleContext = ctx()): LifecycleResult {
  const before = state && snapshot(state);
  const r = step(state, e, c);
  if (state && before) assert.deepEqual(snapshot(state), before, 'step() must not change its input');
  return r;
}
function snapshot(a: Alert): unknown {
  return JSON.parse(JSON.stringify({ ...a, observers: [...a.observers.values()], channels: [...a.channels] })) as unknown;
}
function opened(clock: FakeClock, subject: AlertSubject = atRouter('leaf1'), p: Partial<Observation> = {}): Alert {
  const r = run(null, obs(observation(clock, subject, p)));
  assert.ok(r.alert);
  return r.alert;
}

void test('no alert: a clearing observation opens nothing; an active one opens the alert with its first observer', () => {
  const clock = new FakeClock();
  assert.deepEqual(run(null, obs(observation(clock, atRouter('leaf1'), { active: false }))), { alert: null, actions: [] });
  const r = run(null, obs(observation(clock, atRouter('leaf1'), { severity: 'critical' })));
  assert.deepEqual(types(r), ['open', 'save', 'notify']);
  const a = r.alert as Alert;
  assert.equal(a.id, 'a1');
  assert.equal(a.key, KEY);
  assert.deepEqual(a.subject, LEAK);
  assert.equal(a.status, 'open');
  assert.equal(a.severity, 'critical');
  assert.equal(a.observerCount, 1);
  assert.equal(a.events, 1);
  assert.equal(a.openedAt, T0);
  assert.deepEqual([...a.observers.values()].map((o) => [o.subject.router, o.active, o.count]), [['leaf1', true, 1]]);
  assert.deepEqual(run(null, obs(observation(clock, atRouter('leaf1'))), ctx({ open: undefined })), { alert: null, actions: [] }, 'nothing to open without an identity');
});

void test("an alert opens at its observation's event time, unless that lies in the future", () => {
  const clock = new FakeClock();
  const early = run(null, { ...obs(observation(clock, atRouter('leaf1'), { at: new Date(T0 - 5000).toISOString() })), now: T0 });
  assert.equal(early.alert?.openedAt, T0 - 5000);
  const future = run(null, { ...obs(observation(clock, atRouter('leaf1'), { at: new Date(T0 + 5000).toISOString() })), now: T0 });
  assert.equal(future.alert?.openedAt, T0);
});

void test('a new observer is added and counted; past the bound it is counted only; a clearing one that was never active changes nothing', () => {
  const clock = new FakeClock();
  let a = opened(clock);
  for (const r of ['leaf2', 'leaf3', 'leaf4']) a = run(a, obs(observation(clock, atRouter(r)))).alert as Alert;
  assert.equal(a.observerCount, 4);
  assert.equal(a.observers.size, 3, 'maxObserversPerAlert');
  assert.equal(a.events, 4);
  const quiet = run(a, obs(observation(clock, atRouter('leaf9'), { active: false })));
  assert.equal(quiet.alert, a, 'the same state');
  assert.deepEqual(quiet.actions, []);
});

void test('a rising severity escalates (and reopens an acknowledged alert); a falling one keeps the worst active observer', () => {
  const clock = new FakeClock();
  const a = opened(clock);
  const acked = run(a, { type: 'acknowledge', by: 'ops', now: clock.advance(10) }).alert as Alert;
  const up = run(acked, obs(observation(clock, atRouter('leaf2'), { severity: 'critical', summary: 'worse' })));
  assert.deepEqual(up.actions.filter((x) => x.type === 'escalate'), [{ type: 'escalate', from: 'warning' }] satisfies LifecycleAction[]);
  const b = up.alert as Alert;
  assert.equal(b.severity, 'critical');
  assert.equal(b.peakSeverity, 'critical');
  assert.equal(b.status, 'open');
  assert.equal(b.acknowledgedBy, null);
  assert.equal(b.escalatedAt, clock.t);
  assert.equal(b.summary, 'worse', 'the alert says what the worst observation says');
  // leaf2 clears: leaf1 (warning) is the worst active one left.
  const down = run(b, obs(observation(clock, atRouter('leaf2'), { active: false, severity: 'critical', summary: 'cleared' })));
  assert.equal(down.alert?.severity, 'warning');
  assert.equal(down.alert?.summary, 'worse', 'a clearing observation does not rewrite the alert');
  assert.ok(!types(down).includes('escalate'));
  // leaf1 clears too: nothing active, the severity stays as it was.
  const none = run(down.alert, obs(observation(clock, atRouter('leaf1'), { active: false })));
  assert.equal(none.alert?.severity, 'warning');
  assert.deepEqual([...(none.alert).observers.values()].map((o) => [o.active, o.inactiveSince]), [[false, clock.t], [false, clock.t]]);
});

void test('tick: stale observers go inactive when they stopped at staleMs; resolve resolveMs after the last one went quiet', () => {
  const clock = new FakeClock();
  const a = opened(clock);
  const c = ctx({ staleMs: 60_000, resolveMs: 300_000 });
  assert.deepEqual(types(run(a, { type: 'tick', now: T0 + 59_999 }, c)), ['notify'], 'nothing changed: dispatch is still asked (squash ends, reminders)');
  const stale = run(a, { type: 'tick', now: T0 + 60_000 }, c);
  assert.deepEqual(types(stale), ['save', 'notify']);
  assert.deepEqual([...(stale.alert as Alert).observers.values()].map((o) => [o.active, o.inactiveSince]), [[false, T0 + 60_000]]);
  assert.equal(run(stale.alert, { type: 'tick', now: T0 + 359_999 }, c).alert?.status, 'open');
  const res = run(stale.alert, { type: 'tick', now: T0 + 360_000 }, c);
  assert.deepEqual(types(res), ['resolve', 'save', 'notify']);
  assert.equal(res.alert?.status, 'resolved');
  assert.equal(res.alert?.resolvedAt, T0 + 360_000);
  assert.deepEqual(types(run(res.alert, { type: 'tick', now: T0 + 400_000 }, c)), ['notify'], 'a resolved alert only waits for its resolve to be sent');
  // With staleMs 0 an active observer holds the alert forever.
  assert.equal(run(a, { type: 'tick', now: T0 + 86_400_000 }, ctx()).alert?.status, 'open');
});

void test('tick: an alert whose observers were all past the bound fades from its last active observation', () => {
  const clock = new FakeClock();
  const a = opened(clock, atRouter('leaf1'));
  const bare = run(a, obs(observation(clock, atRouter('leaf1'))), ctx({ maxObserversPerAlert: 0 })).alert as Alert;
  const none: Alert = { ...bare, observers: new Map() };
  assert.equal(run(none, { type: 'tick', now: clock.t + 299_999 }).alert?.status, 'open');
  assert.equal(run(none, { type: 'tick', now: clock.t + 300_000 }).alert?.status, 'resolved');
});

void test('silences: muted while every active observer matches one in force; the change is an action', () => {
  const clock = new FakeClock();
  const s: Silence = { id: 's1', matchers: { router: 'leaf1' }, startsAt: T0 + 1000, endsAt: T0 + 10_000, reason: 'work', createdBy: 'ops', createdAt: T0, source: 'api' };
  const c = ctx({ silences: [s] });
  const a = opened(clock);
  assert.deepEqual(a.silencedBy, [], 'not yet in force');
  const on = run(a, { type: 'tick', now: T0 + 1000 }, c);
  assert.deepEqual(on.actions, [{ type: 'silence', by: ['s1'] }, { type: 'save' }, { type: 'notify' }] satisfies LifecycleAction[]);
  const seenElsewhere = run(on.alert, { ...obs(observation(clock, atRouter('leaf2'))), now: T0 + 2000 }, c);
  assert.deepEqual(seenElsewhere.alert?.silencedBy, [], 'leaf2 is not in maintenance');
  assert.deepEqual(seenElsewhere.actions.find((x) => x.type === 'silence'), { type: 'silence', by: [] });
  const over = run(on.alert, { type: 'tick', now: T0 + 10_000 }, c);
  assert.deepEqual(over.alert?.silencedBy, [], 'ended');
});

void test('acknowledge: an open alert is acknowledged once; nothing happens to one already acknowledged; no alert, no acknowledgement', () => {
  const clock = new FakeClock();
  const a = opened(clock);
  const r = run(a, { type: 'acknowledge', by: 'ops', now: T0 + 5 });
  assert.deepEqual(r.actions, [{ type: 'acknowledge', by: 'ops' }, { type: 'save' }, { type: 'notify' }] satisfies LifecycleAction[]);
  assert.equal(r.alert?.status, 'acknowledged');
  assert.equal(r.alert?.acknowledgedAt, T0 + 5);
  const again = run(r.alert, { type: 'acknowledge', by: 'someone', now: T0 + 6 });
  assert.equal(again.alert, r.alert);
  assert.deepEqual(again.actions, []);
  assert.deepEqual(run(null, { type: 'acknowledge', by: 'ops', now: T0 }), { alert: null, actions: [] });
  assert.deepEqual(run(null, { type: 'tick', now: T0 }), { alert: null, actions: [] });
  assert.deepEqual(run(null, { type: 'restore', now: T0 }), { alert: null, actions: [] });
});

void test('restore: after a restart every observer is inactive from then on, until reported again', () => {
  const clock = new FakeClock();
  let a = opened(clock);
  a = run(a, obs(observation(clock, atRouter('leaf2')))).alert as Alert;
  a = run(a, { ...obs(observation(clock, atRouter('leaf2'), { active: false })), now: T0 + 5 }).alert as Alert;
  const r = run(a, { type: 'restore', now: T0 + 100 });
  assert.deepEqual(r.actions, []);
  assert.deepEqual([...(r.alert as Alert).observers.values()].map((o) => [o.subject.router, o.active, o.inactiveSince]), [['leaf1', false, T0 + 100], ['leaf2', false, T0 + 5]]);
  assert.equal(r.alert?.severity, a.severity);
});

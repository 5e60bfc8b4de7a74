/**
 * Silences and maintenance windows: matchers (exact, glob, CIDR cover, kind), time windows, and
 * their effect: notifications muted, alerts kept (`silenced: true`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { matches, silenceProblems } from '../../analyzer/alerts/silences.js';
import { MemoryAlertStore } from '../../analyzer/alerts/store.js';
import type { AlertsControl } from '../../api/context.js';
import { FakeClock, FakeNotifier, LEAK, T0, atRouter, observation } from './alerts-helpers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

void test('matchers: exact values, * globs, prefixes covered by a CIDR, kind; all given matchers must match', () => {
  const s = { ...LEAK, router: 'leaf1', peer: '192.0.2.11' };
  assert.equal(matches({ router: 'leaf1' }, 'pod-cidr-leak', s), true);
  assert.equal(matches({ router: 'leaf2' }, 'pod-cidr-leak', s), false);
  assert.equal(matches({ router: 'leaf*' }, 'pod-cidr-leak', s), true);
  assert.equal(matches({ router: 'spine*' }, 'pod-cidr-leak', s), false);
  assert.equal(matches({ prefix: '10.244.0.0/16' }, 'pod-cidr-leak', s), true);
  assert.equal(matches({ prefix: '10.244.1.0/25' }, 'pod-cidr-leak', s), false, 'a more-specific matcher does not cover its aggregate');
  assert.equal(matches({ prefix: '10.0.0.0/8', kind: 'pod-cidr-leak' }, 'pod-cidr-leak', s), true);
  assert.equal(matches({ prefix: '10.0.0.0/8', kind: 'session-flap' }, 'pod-cidr-leak', s), false);
  assert.equal(matches({ node: 'node1', cluster: 'prod' }, 'pod-cidr-leak', s), true);
  assert.equal(matches({ peer: '192.0.2.11' }, 'pod-cidr-leak', { router: 'leaf1' }), false, 'a key the subject lacks does not match');
  assert.equal(matches({}, 'pod-cidr-leak', s), false, 'no matchers match nothing');
});

void test('silence input is checked: matchers required and known, times in order, a reason', () => {
  assert.deepEqual(silenceProblems({ matchers: { router: 'leaf1' }, endsAt: '2026-11-21T23:00:00Z', reason: 'maintenance' }), []);
  const p = silenceProblems({ matchers: {}, startsAt: '2026-11-21T23:00:00Z', endsAt: '2026-11-21T22:00:00Z', reason: '', colour: 'red' });
  assert.ok(p.some((x) => /at least one matcher/.test(x)));
  assert.ok(p.some((x) => /endsAt must be after startsAt/.test(x)));
  assert.ok(p.some((x) => /reason/.test(x)));
  assert.ok(p.some((x) => /colour: unknown key/.test(x)));
  assert.ok(silenceProblems({ matchers: { kind: 'pod-leak' }, endsAt: 'x', reason: 'r' }).some((x) => /not an alert kind/.test(x)));
  assert.ok(silenceProblems({ matchers: { vrf: 'x' }, endsAt: '2026-11-21T23:00:00Z', reason: 'r' }).some((x) => /matchers.vrf: unknown/.test(x)));
});

void test('a maintenance window on leaf1 mutes an alert only leaf1 sees; the alert exists, silenced', () => {
  const clock = new FakeClock();
  const n = new FakeNotifier();
  const mgr = new AlertManager({
    options: { squashSeconds: 0, notifyIntervalSeconds: 86_400, silences: [{ matchers: { router: 'leaf1' }, startsAt: iso(T0), endsAt: iso(T0 + 3600_000), reason: 'leaf1 upgrade', createdBy: 'alice' }] },
    notifiers: [n],
    now: clock.now,
    timers: false,
  });
  mgr.observe(observation(clock, atRouter('leaf1'), { kind: 'session-flap', subject: { router: 'leaf1', peer: '192.0.2.11' } }));
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  assert.equal(mgr.list().length, 2, 'the alerts exist');
  assert.ok(mgr.list().every((a) => a.silenced && a.silencedBy[0] === 'config-1'));
  assert.equal(n.sent.length, 0, 'but nobody is told');
  // The leak is also seen at leaf2: not only planned work any more.
  mgr.observe(observation(clock, atRouter('leaf2')));
  const leak = mgr.list().find((a) => a.kind === 'pod-cidr-leak')!;
  assert.equal(leak.silenced, false);
  assert.deepEqual(n.events_(), ['open']);
  assert.equal(n.sent[0]!.alert.id, leak.id);
  // When the window ends, the session flap (still open) is announced.
  clock.advance(3600);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'open']);
  assert.equal(n.sent[1]!.alert.kind, 'session-flap');
  assert.equal(n.sent[1]!.alert.silenced, false);
});

void test('silences from the API: stored, mute at once, ended early; a resolve still reaches a channel that was told', async () => {
  const clock = new FakeClock();
  const n = new FakeNotifier();
  const store = new MemoryAlertStore();
  const mgr = new AlertManager({ options: { squashSeconds: 0, resolveAfterSeconds: 60 }, store, notifiers: [n], now: clock.now, timers: false });
  await mgr.start();
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
  const s = await mgr.addSilence({ matchers: { prefix: '10.244.0.0/16', kind: 'pod-cidr-leak' }, endsAt: iso(clock.t + 7200_000), reason: 'node1 drain', createdBy: 'bob' });
  assert.ok(!Array.isArray(s));
  assert.equal(store.silenceRows.size, 1);
  assert.equal(mgr.list()[0]!.silenced, true);
  mgr.observe(observation(clock, atRouter('leaf2'), { severity: 'critical' }));
  assert.deepEqual(n.events_(), ['open'], 'escalation muted: leaf2 is covered by the prefix matcher too');
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  mgr.observe(observation(clock, atRouter('leaf2'), { active: false }));
  clock.advance(60);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open', 'resolve'], 'the resolve is not withheld: the channel had been told it was open');
  assert.deepEqual(await mgr.addSilence({ matchers: {}, endsAt: iso(clock.t + 1), reason: 'x' }), ['matchers: at least one matcher is required (an empty silence would mute everything)']);
  // A restart finds the silence; ending it is stored.
  const again = new AlertManager({ store, now: clock.now, timers: false });
  await again.start();
  assert.deepEqual(again.listSilences().map((x) => x.id), [s.id]);
  assert.equal(await again.expireSilence(s.id), true);
  const third = new AlertManager({ store, now: clock.now, timers: false });
  clock.advance(1);
  await third.start();
  assert.deepEqual(third.listSilences(), []);
});

void test('a silence that starts later mutes from its start', () => {
  const clock = new FakeClock();
  const n = new FakeNotifier();
  const mgr = new AlertManager({
    options: { squashSeconds: 30, silences: [{ matchers: { node: 'node1' }, startsAt: iso(T0 + 10_000), endsAt: iso(T0 + 20_000), reason: 'reboot' }] },
    notifiers: [n],
    now: clock.now,
    timers: false,
  });
  mgr.observe(observation(clock, atRouter('leaf1')));
  assert.equal(mgr.list()[0]!.silenced, false);
  clock.advance(10);
  mgr.tick();
  assert.equal(mgr.list()[0]!.silenced, true);
  clock.advance(10);
  mgr.tick();
  assert.equal(mgr.list()[0]!.silenced, false);
  clock.advance(10);
  mgr.tick();
  assert.deepEqual(n.events_(), ['open']);
});

void test('the API drives the lifecycle through AlertsControl: acknowledge answers why not (resolved → conflict, unknown → not found); silences round-trip', async () => {
  const clock = new FakeClock();
  const mgr = new AlertManager({ options: { squashSeconds: 0, resolveAfterSeconds: 0 }, now: clock.now, timers: false });
  const control: AlertsControl = mgr; // the API's contract (api/context.ts), checked by the compiler
  mgr.observe(observation(clock, atRouter('leaf1')));
  const id = mgr.list()[0]!.id;
  mgr.observe(observation(clock, atRouter('leaf1'), { active: false }));
  mgr.tick();
  assert.match(String(control.acknowledge(id, 'api')), /resolved/);
  assert.doesNotMatch(String(control.acknowledge('x', 'api')), /resolved/);
  const s = await control.addSilence({ matchers: { cluster: 'prod' }, endsAt: iso(clock.t + 60_000), reason: 'drill' });
  assert.ok(!Array.isArray(s) && s.matchers['cluster'] === 'prod' && s.createdBy === 'api');
  assert.equal(await control.expireSilence(Array.isArray(s) ? '' : s.id), true);
  assert.equal(await control.expireSilence('config-1'), false);
});

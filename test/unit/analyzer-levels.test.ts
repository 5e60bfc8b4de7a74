/**
 * analyzer/detectors/levels: the level of a count, when a level is reported (at once when it
 * rises, at most every updateEveryMs while it holds), and the bounded sliding window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LevelEmitter, WindowThresholds, slideWindow, thresholdLevel, windowMinutes } from '../../analyzer/detectors/levels.js';
import type { Leveled } from '../../analyzer/detectors/levels.js';

void test('a count is level 0 below warning, 1 from warning, 2 from critical', () => {
  assert.deepEqual([0, 4, 5, 19, 20, 99].map((n) => thresholdLevel(n, 5, 20)), [0, 0, 1, 1, 2, 2]);
});

void test('rise: reported when the level goes up, repeated while it holds, never lowered', () => {
  const e = new LevelEmitter(60_000);
  const s: Leveled = { level: 0, lastEmitMs: -Infinity };
  assert.equal(e.rise(s, 0, 0), false, 'nothing to say at level 0');
  assert.equal(e.rise(s, 1, 1000), true);
  assert.deepEqual(s, { level: 1, lastEmitMs: 1000 });
  assert.equal(e.rise(s, 1, 60_999), false, 'a repeat waits updateEveryMs');
  assert.equal(e.rise(s, 2, 2000), true, 'a rise goes at once');
  assert.equal(e.rise(s, 1, 3000), false);
  assert.equal(s.level, 2, 'a lower count does not lower the level');
  assert.equal(e.rise(s, 0, 62_000), true, 'repeated while it holds, whatever the count');
  assert.deepEqual(s, { level: 2, lastEmitMs: 62_000 });
});

void test('follow: reported on any change of level, and repeated while it holds', () => {
  const e = new LevelEmitter(60_000);
  const s: Leveled = { level: 0, lastEmitMs: -Infinity };
  assert.equal(e.follow(s, 2, 0), true);
  assert.equal(e.follow(s, 2, 59_999), false);
  assert.equal(e.follow(s, 1, 60_000 - 2), true, 'a fall is a change too');
  assert.deepEqual(s, { level: 1, lastEmitMs: 59_998 });
  assert.equal(e.follow(s, 1, 119_998), true, 'the repeat');
});

void test('the window drops events at or before its start, then the oldest beyond the bound', () => {
  const ev = [1, 2, 3, 4, 5].map((t) => ({ t }));
  slideWindow(ev, 2, 10);
  assert.deepEqual(ev.map((e) => e.t), [3, 4, 5]);
  slideWindow(ev, 0, 2);
  assert.deepEqual(ev.map((e) => e.t), [4, 5]);
  slideWindow(ev, 9, Infinity);
  assert.deepEqual(ev, []);
});

void test('window thresholds fill in their defaults; quiet defaults to the window', () => {
  const w = new WindowThresholds({ warning: 3 }, { windowMs: 600_000, warning: 5, critical: 20 });
  assert.equal(w.warning, 3);
  assert.equal(w.critical, 20);
  assert.equal(w.quietMs, 600_000);
  assert.equal(w.emitter.updateEveryMs, 60_000);
  assert.equal(w.level(3), 1);
  assert.equal(w.quiet(0, 599_999), false);
  assert.equal(w.quiet(0, 600_000), true);
  assert.equal(w.windowMin, 10);
  assert.equal(windowMinutes(90_000), 1.5);
});

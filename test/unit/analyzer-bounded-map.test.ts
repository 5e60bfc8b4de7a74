// BoundedMap, the per-key state store of every detector: a size cap with least-recently-used
// eviction (in batches, so a detector at its cap stays linear), reordering only for entries idle
// longer than reorderAfterMs, and idle eviction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../analyzer/detectors/common.js';

interface E {
  lastMs: number;
  n: number;
}

test('below 64 entries the cap is exact: each overflow evicts the least recently set entry', () => {
  const evicted: string[] = [];
  const m = new BoundedMap<string, E>(3, (k) => evicted.push(k));
  for (let i = 0; i < 5; i++) m.set(`k${i}`, { lastMs: i, n: i });
  assert.equal(m.size, 3);
  assert.deepEqual(evicted, ['k0', 'k1']);
  assert.equal(m.evicted, 2);
  assert.equal(m.get('k0'), undefined);
  assert.equal(m.get('k4')?.n, 4);
});

test('at a large cap an overflow evicts the oldest 1/64 in one pass, oldest first, each reported once', () => {
  const evicted: string[] = [];
  const cap = 6400;
  const m = new BoundedMap<string, E>(cap, (k) => evicted.push(k));
  for (let i = 0; i < cap; i++) m.set(`k${i}`, { lastMs: 0, n: i });
  assert.equal(evicted.length, 0);
  m.set('new', { lastMs: 1, n: -1 });
  // Down to cap − cap/64 = 6300 entries: the 101 oldest went, in insertion order.
  assert.equal(m.size, cap - cap / 64);
  assert.deepEqual(evicted, Array.from({ length: 101 }, (_, i) => `k${i}`));
  assert.equal(m.evicted, 101);
  assert.ok(m.get('new'));
  // A long run at the cap keeps the size bounded and evicts every key at most once.
  for (let i = 0; i < 50_000; i++) m.set(`x${i}`, { lastMs: 2, n: i });
  assert.ok(m.size <= cap);
  assert.equal(new Set(evicted).size, evicted.length);
  assert.equal(m.evicted, evicted.length);
});

test('touch reorders an entry only when it was idle longer than reorderAfterMs, so it survives eviction', () => {
  const m = new BoundedMap<string, E>(3, undefined, 1000);
  m.set('a', { lastMs: 0, n: 1 });
  m.set('b', { lastMs: 0, n: 2 });
  m.set('c', { lastMs: 0, n: 3 });
  // Touched soon after: order unchanged, 'a' is still the oldest.
  const a = m.touch('a', 500);
  assert.ok(a);
  m.set('d', { lastMs: 600, n: 4 });
  assert.equal(m.get('a'), undefined);
  // Touched after being idle for more than a second: moved to the newest end, 'c' goes next.
  const b = m.touch('b', 2000);
  assert.ok(b);
  b.lastMs = 2000;
  m.set('e', { lastMs: 2000, n: 5 });
  assert.ok(m.get('b'));
  assert.equal(m.get('c'), undefined);
});

test('evictIdle drops entries not touched since the cut, unless kept', () => {
  const gone: string[] = [];
  const m = new BoundedMap<string, E>(100, (k) => gone.push(k), 1000);
  m.set('old', { lastMs: 0, n: 1 });
  m.set('pinned', { lastMs: 0, n: 2 });
  m.set('fresh', { lastMs: 10_000, n: 3 });
  const n = m.evictIdle(5_000, (v) => v.n === 2);
  assert.equal(n, 1);
  assert.deepEqual(gone, ['old']);
  assert.ok(m.get('pinned'));
  assert.ok(m.get('fresh'));
});

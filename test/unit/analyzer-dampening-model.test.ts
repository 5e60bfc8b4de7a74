/**
 * analyzer/detectors/dampening-model: the RFC 2439 figure of merit's arithmetic against numbers
 * worked out by hand (docs/dampening.md): half-life decay, the time a penalty decays to a level,
 * the steady state of a periodic flap and the cycles until it suppresses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAMPENING_PROFILES } from '../../inventory/dampening.js';
import { cyclesToReach, decayFactor, decaysToAt, penaltyAt, reuseAt, steadyStatePenalty } from '../../analyzer/detectors/dampening-model.js';

const cisco = DAMPENING_PROFILES.cisco; // H 15 min, R 750, S 2000
const MIN = 60_000;
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-6, `${msg ?? ''} ${a} ≉ ${b}`);

void test('a penalty halves every half-life and never grows backwards in time', () => {
  close(penaltyAt({ p: 3000, tMs: 0 }, cisco, 15 * MIN), 1500);
  close(penaltyAt({ p: 3000, tMs: 0 }, cisco, 45 * MIN), 375);
  assert.equal(penaltyAt({ p: 3000, tMs: 10 * MIN }, cisco, 0), 3000);
  close(decayFactor(cisco, 30 * MIN), 0.25);
});

void test('reuse is when the penalty decays to R: 3000 is reusable two half-lives later', () => {
  close(reuseAt({ p: 3000, tMs: 1000 }, cisco), 1000 + 30 * MIN);
  close(decaysToAt({ p: 3000, tMs: 0 }, cisco, 375), 45 * MIN, 'R/2, where the history is forgotten');
  assert.ok(reuseAt({ p: 500, tMs: 0 }, cisco) < 0, 'already below R: in the past');
});

void test('a withdrawal every half-life tends to 2000 = S; faster flapping passes it after a few cycles', () => {
  close(steadyStatePenalty(cisco, 1000, 15 * MIN), 2000);
  assert.equal(steadyStatePenalty(cisco, 1000, 0), Infinity);
  // Every 5 min: q = 2^(−1/3), P∞ = 1000/(1−q) ≈ 4847.
  const steady = steadyStatePenalty(cisco, 1000, 5 * MIN);
  close(steady, 1000 / (1 - 2 ** (-1 / 3)));
  // Peaks 1000, 1794, 2424: the third flap suppresses, two cycles after the first.
  assert.equal(cyclesToReach(cisco, 1000, steady, 5 * MIN, 2000), 2);
  assert.equal(cyclesToReach(cisco, 1000, 2000, 15 * MIN, 2000), Infinity, 'P∞ = S is reached only in the limit');
});

/**
 * The figure of merit a damping router keeps for one path (RFC 2439 §4.8), replayed from the
 * prefix's history with the parameters the analyzer reported in its dampening alert, to draw
 * the penalty against the suppress and reuse thresholds. The analyzer's own model
 * (analyzer/detectors/rfd.ts) decides alerts; this only draws.
 */
import type { HistoryEvent } from './types.js';

export interface DampeningParams {
  readonly profile: string;
  readonly suppress: number;
  readonly reuse: number;
  readonly halfLifeSeconds: number;
  readonly ceiling: number;
  readonly withdrawal: number;
  readonly attributeChange: number;
  readonly readvertisement: number;
}

function numberFact(facts: Record<string, unknown>, key: string): number | undefined {
  const v = facts[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The parameters a dampening alert carries; undefined when it lacks the thresholds. */
export function paramsFromFacts(facts: Record<string, unknown>): DampeningParams | undefined {
  const suppress = numberFact(facts, 'suppress_threshold');
  const reuse = numberFact(facts, 'reuse_threshold');
  const half = numberFact(facts, 'half_life_min');
  if (suppress === undefined || reuse === undefined || half === undefined) return undefined;
  return {
    profile: typeof facts['profile'] === 'string' ? facts['profile'] : 'unknown',
    suppress,
    reuse,
    halfLifeSeconds: half * 60,
    ceiling: numberFact(facts, 'ceiling') ?? Infinity,
    // RFC 2439's defaults where the alert does not say.
    withdrawal: numberFact(facts, 'withdrawal_penalty') ?? 1000,
    attributeChange: numberFact(facts, 'attribute_change_penalty') ?? 500,
    readvertisement: numberFact(facts, 'readvertisement_penalty') ?? 0,
  };
}

function sameAttributes(a: HistoryEvent['attributes'], b: HistoryEvent['attributes']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Penalty samples from the first live event to `until` (s): each withdrawal, attribute change and
 * re-advertisement adds its increment, capped at the ceiling; in between it decays by half every
 * half-life. Dump events (a table transfer) add nothing, as on the router.
 */
export function penaltySeries(events: readonly HistoryEvent[], p: DampeningParams, until: number, samples = 240): { xs: number[]; ys: number[] } {
  const live = events.filter((e) => !e.dump).map((e) => ({ t: Date.parse(e.time) / 1000, e }));
  const steps: { t: number; add: number }[] = [];
  let announced = false;
  let last: HistoryEvent['attributes'] = null;
  for (const e of events) {
    const t = Date.parse(e.time) / 1000;
    if (e.action === 'withdraw') {
      if (announced && !e.dump) steps.push({ t, add: p.withdrawal });
      announced = false;
    } else {
      if (!e.dump) {
        if (!announced && last !== null) steps.push({ t, add: p.readvertisement });
        else if (announced && !sameAttributes(last, e.attributes)) steps.push({ t, add: p.attributeChange });
      }
      announced = true;
      last = e.attributes;
    }
  }
  const first = live[0]?.t;
  if (first === undefined) return { xs: [], ys: [] };
  const end = Math.max(until, first + 60);
  const decay = (v: number, dt: number): number => v * Math.pow(2, -dt / p.halfLifeSeconds);
  const xs = new Set<number>();
  for (let i = 0; i <= samples; i++) xs.add(first + ((end - first) * i) / samples);
  for (const s of steps) {
    xs.add(s.t - 0.001);
    xs.add(s.t);
  }
  const sorted = [...xs].filter((x) => x >= first && x <= end).sort((a, b) => a - b);
  const ys: number[] = [];
  let value = 0;
  let at = first;
  let j = 0;
  for (const x of sorted) {
    while (j < steps.length && (steps[j]?.t ?? Infinity) <= x) {
      const s = steps[j++] as { t: number; add: number };
      value = Math.min(p.ceiling, decay(value, s.t - at) + s.add);
      at = s.t;
    }
    ys.push(Math.round(decay(value, x - at) * 10) / 10);
  }
  return { xs: sorted, ys };
}

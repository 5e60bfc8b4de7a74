/**
 * The RFC 2439 figure of merit as continuous arithmetic, for the dampening detector: a penalty P
 * held as of a time decays exponentially with half-life H, P(t) = P·2^(−Δt/H); it reaches a level
 * L (the reuse threshold R, or R/2 where routers forget the history) at t + H·log2(P/L); a path
 * flapping every Δ adding I per cycle tends to the steady state P∞ = I/(1−2^(−Δ/H)).
 * docs/dampening.md has the derivations and the profiles' numbers.
 */
import type { DampeningParams } from '../../inventory/dampening.js';

/** A penalty as of a time: what the detector stores per path. */
export interface Penalty {
  /** P, in vendor units (1000 per withdrawal with the common profiles). */
  readonly p: number;
  /** When P held, ms. */
  readonly tMs: number;
}

export function halfLifeMs(params: DampeningParams): number {
  return params.halfLifeSeconds * 1000;
}

/** 2^(−Δt/H): what is left of a penalty after `dtMs`. */
export function decayFactor(params: DampeningParams, dtMs: number): number {
  return 2 ** (-dtMs / halfLifeMs(params));
}

/** The penalty at `atMs`, decayed from when it held (never grown: a time before that is that time). */
export function penaltyAt(s: Penalty, params: DampeningParams, atMs: number): number {
  return s.p * decayFactor(params, Math.max(0, atMs - s.tMs));
}

/** When the penalty decays to `level` (in the past when it already has): t + H·log2(P/level). */
export function decaysToAt(s: Penalty, params: DampeningParams, level: number): number {
  return s.tMs + halfLifeMs(params) * Math.log2(s.p / level);
}

/** When a suppressed path becomes usable again: the penalty decays to the reuse threshold. */
export function reuseAt(s: Penalty, params: DampeningParams): number {
  return decaysToAt(s, params, params.reuse);
}

/**
 * The steady-state penalty P∞ = I/(1−2^(−Δ/H)) just after each flap of a path flapping every
 * `periodMs` and adding `increment` per cycle (Infinity for a period of zero).
 */
export function steadyStatePenalty(params: DampeningParams, increment: number, periodMs: number): number {
  const q = decayFactor(params, periodMs);
  return q >= 1 ? Infinity : increment / (1 - q);
}

/**
 * Cycles until the peak penalty reaches `threshold`, from peak `p` now, tending to `steady` (P∞ >
 * threshold): after n more cycles the peak is P∞ + (P − P∞)·q^n; the first n ≥ 1 with a peak ≥ the
 * threshold. Infinity when P∞ equals the threshold (reached only in the limit).
 */
export function cyclesToReach(params: DampeningParams, p: number, steady: number, periodMs: number, threshold: number): number {
  const q = decayFactor(params, periodMs);
  return Math.max(1, Math.ceil(Math.log((steady - threshold) / (steady - p)) / Math.log(q)));
}

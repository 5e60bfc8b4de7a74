/**
 * Alert levels as the stream detectors hold them, and when they report: the level of a count
 * against warning/critical thresholds, the rule that decides whether a level is reported now
 * (raised at once, repeated at most every `updateEveryMs` while it holds), and the sliding window
 * of timestamped events the flap detectors count.
 */
import type { Severity } from '../types.js';

/** 0: nothing to report, 1: warning, 2: critical (or the detector's own top level). */
export type Level = 0 | 1 | 2;

export const LEVEL_SEVERITY: readonly Severity[] = ['info', 'warning', 'critical'];

/** The level of a count: critical from `critical` on, warning from `warning` on. */
export function thresholdLevel(n: number, warning: number, critical: number): Level {
  return n >= critical ? 2 : n >= warning ? 1 : 0;
}

/** What a detector keeps per alerting key so that the emitter can decide. */
export interface Leveled {
  level: Level;
  /** Event time of the last report, −Infinity before the first. */
  lastEmitMs: number;
}

/**
 * Decides when a level is reported, and records the report in the state. Two policies:
 * - `rise`: counting in a window, the level only goes up while the alert holds (the detector clears
 *   it after a quiet period); reported when it rises, repeated while it holds;
 * - `follow`: a model's state (dampening), reported whenever the level changes either way, and
 *   repeated while it holds. Level 0 is the detector's clear, not handled here.
 */
export class LevelEmitter {
  constructor(readonly updateEveryMs: number) {}

  /** True when an observation is due; then `s` holds the new level and `t` as its last report. */
  rise(s: Leveled, level: Level, t: number): boolean {
    if (level > s.level || (s.level > 0 && t - s.lastEmitMs >= this.updateEveryMs)) {
      if (level > s.level) s.level = level;
      s.lastEmitMs = t;
      return true;
    }
    return false;
  }

  /** True when an observation is due for a non-zero `level`; then `s` holds it and `t`. */
  follow(s: Leveled, level: Level, t: number): boolean {
    if (level !== s.level || t - s.lastEmitMs >= this.updateEveryMs) {
      s.level = level;
      s.lastEmitMs = t;
      return true;
    }
    return false;
  }
}

/**
 * Drops the events at or before `fromMs` (oldest first), then the oldest beyond `maxLength`:
 * counting far past the critical threshold changes nothing, and the array stays bounded.
 */
export function slideWindow(events: { readonly t: number }[], fromMs: number, maxLength: number): void {
  let i = 0;
  while (i < events.length && (events[i]?.t ?? 0) <= fromMs) i++;
  if (events.length - i > maxLength) i = events.length - maxLength;
  if (i > 0) events.splice(0, i);
}

/** A window length in minutes with one decimal, as facts and summaries show it. */
export function windowMinutes(windowMs: number): number {
  return Math.round(windowMs / 6000) / 10;
}

/** The thresholds both flap detectors take (`analyzer.flap`, `analyzer.sessionFlap`). */
export interface WindowOptions {
  readonly windowMs?: number;
  /** Events in the window for a warning / a critical alert. */
  readonly warning?: number;
  readonly critical?: number;
  /** Clear after this long without an event. Default: the window. */
  readonly quietMs?: number;
  /** While an alert holds, repeat it (with the new count) at most this often. Default 60 s. */
  readonly updateEveryMs?: number;
}

/** WindowOptions with every default filled in. */
export class WindowThresholds {
  readonly windowMs: number;
  readonly warning: number;
  readonly critical: number;
  readonly quietMs: number;
  readonly emitter: LevelEmitter;

  constructor(o: WindowOptions, defaults: { readonly windowMs: number; readonly warning: number; readonly critical: number }) {
    this.windowMs = o.windowMs ?? defaults.windowMs;
    this.warning = o.warning ?? defaults.warning;
    this.critical = o.critical ?? defaults.critical;
    this.quietMs = o.quietMs ?? this.windowMs;
    this.emitter = new LevelEmitter(o.updateEveryMs ?? 60_000);
  }

  level(n: number): Level {
    return thresholdLevel(n, this.warning, this.critical);
  }

  /** Quiet long enough since the last event to clear. */
  quiet(lastEventMs: number, nowMs: number): boolean {
    return nowMs - lastEventMs >= this.quietMs;
  }

  get windowMin(): number {
    return windowMinutes(this.windowMs);
  }
}

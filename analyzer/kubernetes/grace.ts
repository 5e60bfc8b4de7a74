/**
 * The grace period for the leak checks while the cluster and the routers are out of step. When the
 * intent changes (a new node, a reallocated PodCIDR, a moved LB IP, a deleted Service), the routers
 * follow a moment later: for `graceMs` after a change touching a prefix, a leak finding about that
 * prefix (or one overlapping it) is held back; it is passed on when the grace ends and it still
 * holds, and dropped if it cleared meanwhile. Nothing else is delayed.
 */
import { PrefixTrie, parsePrefix, prefixesOverlap } from '../../inventory/prefix-trie.js';
import type { ObservationSink } from '../pipeline.js';
import { alertKey } from '../types.js';
import type { AlertKind, Observation } from '../types.js';

/** The findings that judge routes against the inventory (analyzer/detectors/leaks.ts). */
export const GRACED_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>(['pod-cidr-leak', 'service-cidr-leak', 'lb-ip-leak', 'foreign-overlap', 'missing-no-export']);

export class GraceSink implements ObservationSink {
  /** Changed prefixes → until when (ms) their findings wait. */
  private changed = new PrefixTrie<number>();
  private changedCount = 0;
  private readonly held = new Map<string, { o: Observation; until: number }>();
  /** Held findings that cleared within the grace, never passed on (for metrics and tests). */
  absorbed = 0;

  constructor(
    private readonly inner: ObservationSink,
    private readonly graceMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Prefixes whose expectation changed at `atMs`. */
  changedAt(prefixes: Iterable<string>, atMs: number = this.clock()): void {
    const until = atMs + this.graceMs;
    for (const p of prefixes) {
      if (!parsePrefix(p)) continue;
      if ((this.changed.get(p) ?? 0) < until) {
        if (this.changed.get(p) === undefined) this.changedCount++;
        this.changed.set(p, until);
      }
    }
  }

  private graceUntil(prefix: string, now: number): number {
    if (this.changedCount === 0) return 0;
    const k = parsePrefix(prefix);
    if (!k) return 0;
    let until = 0;
    for (const e of this.changed.covering(k)) if (e.value > now) until = Math.max(until, e.value);
    for (const e of this.changed.covered(k, 128)) if (e.value > now && prefixesOverlap(k, e.key)) until = Math.max(until, e.value);
    return until;
  }

  observeAll(os: Iterable<Observation>): void {
    const now = this.clock();
    const pass: Observation[] = [];
    for (const o of os) {
      const k = alertKey(o);
      const held = this.held.get(k);
      if (held) {
        if (o.active) held.o = o;
        else {
          this.held.delete(k);
          this.absorbed++;
        }
        continue;
      }
      if (o.active && GRACED_KINDS.has(o.kind) && o.subject.prefix !== undefined) {
        const until = this.graceUntil(o.subject.prefix, now);
        if (until > now) {
          this.held.set(k, { o, until });
          continue;
        }
      }
      pass.push(o);
    }
    if (pass.length > 0) this.inner.observeAll(pass);
  }

  /** Passes on what is still true when its grace ends; forgets expired changes. */
  tick(now: number = this.clock()): void {
    const out: Observation[] = [];
    for (const [k, h] of this.held) {
      if (h.until > now) continue;
      this.held.delete(k);
      out.push(h.o);
    }
    if (out.length > 0) this.inner.observeAll(out);
    if (this.changedCount > 0 && this.held.size === 0) {
      let live = 0;
      for (const e of this.changed.entries()) if (e.value > now) live++;
      if (live === 0) {
        this.changed = new PrefixTrie<number>();
        this.changedCount = 0;
      }
    }
  }

  get holding(): number {
    return this.held.size;
  }
}

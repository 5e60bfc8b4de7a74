/**
 * Silences and maintenance windows: matchers on kind and subject keys with a start and an end,
 * a reason and who created it. A matching alert still exists (the API lists it, `silenced: true`);
 * only its notifications are muted. Planned work on leaf1 is declared as
 * `{ router: "leaf1" }` from 22:00 to 23:00; an alert is muted when every observer that is
 * active (or, with none active, every observer) matches: a leak seen at leaf1 only is muted, the
 * same leak also seen at leaf2 is not.
 *
 * Matcher values: exact text; `*` as a wildcard (`leaf*`); for `prefix`, a CIDR also matches
 * every prefix inside it (`10.244.0.0/16` covers `10.244.1.0/24`).
 */
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import type { AlertKind, AlertSubject } from '../types.js';
import { MATCHER_KEYS } from '../../config/silences.js';
import type { MatcherKey, Matchers, SilenceInput } from '../../config/silences.js';

export { MATCHER_KEYS, silenceProblems } from '../../config/silences.js';
export type { MatcherKey, Matchers, SilenceInput } from '../../config/silences.js';

export interface Silence {
  readonly id: string;
  /** All given matchers must match; at least one is required. */
  readonly matchers: Matchers;
  /** ms since the epoch. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
  /** "config" (from the configuration file, not stored) or "api". */
  readonly source: 'config' | 'api';
}

/** Builds a Silence from checked input. */
export function silenceFrom(input: SilenceInput, o: { id: string; now: number; source: Silence['source'] }): Silence {
  return {
    id: input.id ?? o.id,
    matchers: { ...input.matchers },
    startsAt: input.startsAt === undefined ? o.now : Date.parse(input.startsAt),
    endsAt: Date.parse(input.endsAt),
    reason: input.reason,
    createdBy: input.createdBy ?? (o.source === 'config' ? 'config' : 'api'),
    createdAt: o.now,
    source: o.source,
  };
}

export function silenceActive(s: Silence, now: number): boolean {
  return s.startsAt <= now && now < s.endsAt;
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

function prefixCovers(pattern: string, prefix: string): boolean {
  const outer = parseCidr(pattern);
  const inner = parseCidr(prefix);
  if (typeof outer === 'string' || typeof inner === 'string') return false;
  return covers(outer, inner);
}

function covers(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.length < outer.length) return false;
  const shift = BigInt((outer.family === 4 ? 32 : 128) - outer.length);
  return (inner.network >> shift) << shift === outer.network;
}

function valueMatches(key: MatcherKey, pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === value) return true;
  if (pattern.includes('*')) return glob(pattern).test(value);
  if (key === 'prefix' && pattern.includes('/')) return prefixCovers(pattern, value);
  return false;
}

/** Whether a silence's matchers all match one (kind, full subject). */
export function matches(m: Matchers, kind: AlertKind, subject: AlertSubject): boolean {
  let any = false;
  for (const k of MATCHER_KEYS) {
    const pattern = m[k];
    if (pattern === undefined) continue;
    any = true;
    const value = k === 'kind' ? kind : subject[k];
    if (!valueMatches(k, pattern, value)) return false;
  }
  return any;
}

/**
 * The silences (ids, sorted) that mute an alert at `now`: those in force that match every active
 * observer (or, with none active, every observer); with no observer kept, those matching the
 * alert's own subject. Empty when any observer in question matches none.
 */
export function silencedBy(silences: readonly Silence[], kind: AlertKind, subject: AlertSubject, observers: readonly { readonly active: boolean; readonly subject: AlertSubject }[], now: number): string[] {
  const live = silences.filter((s) => silenceActive(s, now));
  if (live.length === 0) return [];
  let candidates = observers.filter((ob) => ob.active);
  if (candidates.length === 0) candidates = [...observers];
  const ids = new Set<string>();
  if (candidates.length === 0) {
    for (const s of live) if (matches(s.matchers, kind, subject)) ids.add(s.id);
    return [...ids].sort();
  }
  for (const ob of candidates) {
    const hit = live.filter((s) => matches(s.matchers, kind, ob.subject));
    if (hit.length === 0) return [];
    for (const s of hit) ids.add(s.id);
  }
  return [...ids].sort();
}

/**
 * The silences in force: from configuration (fixed) and the API (stored, versioned). Expired ones
 * are dropped on prune().
 */
export class SilenceBook {
  private list: Silence[] = [];
  private seq = 0;

  get all(): readonly Silence[] {
    return this.list;
  }

  has(id: string): boolean {
    return this.list.some((s) => s.id === id);
  }

  add(s: Silence): void {
    this.list.push(s);
  }

  /** An API silence by id (config silences cannot be ended through the API). */
  api(id: string): Silence | undefined {
    return this.list.find((s) => s.id === id && s.source === 'api');
  }

  remove(id: string): void {
    this.list = this.list.filter((s) => s.id !== id);
  }

  prune(now: number): void {
    this.list = this.list.filter((s) => s.endsAt > now);
  }

  /** A row version for the store: ms·1000 plus a sequence, so two saves in one ms still order. */
  version(now: number): number {
    this.seq = (this.seq + 1) % 1000;
    return now * 1000 + this.seq;
  }
}

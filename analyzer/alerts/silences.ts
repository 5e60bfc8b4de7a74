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
import { ALERT_KINDS } from '../types.js';
import type { AlertKind, AlertSubject } from '../types.js';

export const MATCHER_KEYS = ['kind', 'router', 'peer', 'prefix', 'cluster', 'node', 'afiSafi'] as const;
export type MatcherKey = (typeof MATCHER_KEYS)[number];
export type Matchers = Readonly<Partial<Record<MatcherKey, string>>>;

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

/** A silence as configuration/API input: times as RFC 3339 text. */
export interface SilenceInput {
  readonly id?: string;
  readonly matchers: Matchers;
  readonly startsAt?: string;
  readonly endsAt: string;
  readonly reason: string;
  readonly createdBy?: string;
}

/** Checks a silence's input; returns the problems (empty when good). */
export function silenceProblems(s: unknown): string[] {
  const p: string[] = [];
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return ['a silence is a mapping with matchers, endsAt and reason'];
  const o = s as Record<string, unknown>;
  const m = o['matchers'];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) p.push(`matchers: expected a mapping of ${MATCHER_KEYS.join(', ')}`);
  else {
    const entries = Object.entries(m as Record<string, unknown>);
    if (entries.length === 0) p.push('matchers: at least one matcher is required (an empty silence would mute everything)');
    for (const [k, v] of entries) {
      if (!(MATCHER_KEYS as readonly string[]).includes(k)) p.push(`matchers.${k}: unknown (known: ${MATCHER_KEYS.join(', ')})`);
      else if (typeof v !== 'string' || v === '') p.push(`matchers.${k}: expected a non-empty string`);
      else if (k === 'kind' && !v.includes('*') && !(ALERT_KINDS as readonly string[]).includes(v)) p.push(`matchers.kind: ${JSON.stringify(v)} is not an alert kind (${ALERT_KINDS.join(', ')})`);
    }
  }
  for (const k of ['startsAt', 'endsAt'] as const) {
    const v = o[k];
    if (v === undefined && k === 'startsAt') continue;
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) p.push(`${k}: expected an RFC 3339 time such as "2026-11-21T22:00:00Z"`);
  }
  if (typeof o['startsAt'] === 'string' && typeof o['endsAt'] === 'string' && Date.parse(o['endsAt']) <= Date.parse(o['startsAt'])) p.push('endsAt must be after startsAt');
  if (typeof o['reason'] !== 'string' || o['reason'].trim() === '') p.push('reason: say why (it is shown with the muted alerts)');
  for (const k of ['id', 'createdBy'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') p.push(`${k}: expected a string`);
  for (const k of Object.keys(o)) if (!['id', 'matchers', 'startsAt', 'endsAt', 'reason', 'createdBy'].includes(k)) p.push(`${k}: unknown key`);
  return p;
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

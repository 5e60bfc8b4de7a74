/**
 * Silences as configuration (and the API) give them: matchers on the alert kind and subject keys,
 * a start, an end and a reason. Checked here so a bad silence in the file is a configuration error
 * naming the key; the analyzer's lifecycle (analyzer/alerts/silences.ts) applies them.
 */
import { ALERT_KINDS } from '../records/alerts.js';

export const MATCHER_KEYS = ['kind', 'router', 'peer', 'prefix', 'cluster', 'node', 'afiSafi'] as const;
export type MatcherKey = (typeof MATCHER_KEYS)[number];
export type Matchers = Readonly<Partial<Record<MatcherKey, string>>>;

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

/**
 * An alert as a Slack Block Kit message: header (severity emoji, what happened, kind, subject),
 * What (the summary), Where (subject keys and the routers/peers that saw it), Since (RFC 3339
 * and relative), Severity, Status, Evidence (the facts: penalty and reuse time for dampening,
 * count/limit/forecast for prefix-limit, ...), Next step, and a context line with the alert id.
 * Slack's limits are kept: header ≤ 150 characters, ≤ 10 fields per section, ≤ 2000 characters
 * per field, ≤ 3000 per text, ≤ 50 blocks; `text` is the notification fallback.
 */
import { SUBJECT_KEYS } from '../types.js';
import type { AlertSubject, FactValue, Severity } from '../types.js';
import { subjectLine } from '../grouping.js';
import type { AlertView, NotifyEvent } from '../alert.js';

export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = { critical: '🔴', warning: '🟠', info: '🔵' };
export const RESOLVED_EMOJI = '✅';

const EVENT_WORD: Readonly<Record<NotifyEvent, string>> = {
  open: '',
  update: 'Updated: ',
  escalate: 'Escalated: ',
  acknowledge: 'Acknowledged: ',
  resolve: 'Resolved: ',
  reminder: 'Still open: ',
};

export interface TextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export type Block =
  | { readonly type: 'header'; readonly text: TextObject }
  | { readonly type: 'section'; readonly text?: TextObject; readonly fields?: readonly TextObject[] }
  | { readonly type: 'context'; readonly elements: readonly TextObject[] }
  | { readonly type: 'divider' };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Block[];
}

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
/** Slack mrkdwn escaping: &, <, > (the rest is literal). */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const md = (text: string, n = 2000): TextObject => ({ type: 'mrkdwn', text: clip(text, n) });

/** "12 min ago", "3 h 5 min ago", "in 4 min". */
export function relative(ms: number, now: number): string {
  const d = now - ms;
  const a = Math.abs(d);
  let s: string;
  if (a < 60_000) s = `${Math.round(a / 1000)} s`;
  else if (a < 3_600_000) s = `${Math.floor(a / 60_000)} min`;
  else if (a < 86_400_000) s = `${Math.floor(a / 3_600_000)} h ${Math.floor((a % 3_600_000) / 60_000)} min`;
  else s = `${Math.floor(a / 86_400_000)} d ${Math.floor((a % 86_400_000) / 3_600_000)} h`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

function factText(v: FactValue, now: number): string {
  if (v === null) return '—';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v)) return `${v} (${relative(Date.parse(v), now)})`;
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Math.round(v * 1000) / 1000);
  return String(v);
}

function subjectBullets(s: AlertSubject): string[] {
  const out: string[] = [];
  for (const k of SUBJECT_KEYS) {
    const v = s[k];
    if (v !== undefined) out.push(`${k}: \`${esc(String(v))}\``);
  }
  return out;
}

/** Where: the alert's subject, then each observer's extra keys ("seen by leaf1 (peer 192.0.2.11)"). */
export function whereText(a: AlertView, max = 8): string {
  const lines = subjectBullets(a.subject);
  const seen: string[] = [];
  for (const ob of a.observers) {
    const extra: AlertSubject = Object.fromEntries(Object.entries(ob.subject).filter(([k]) => !(k in a.subject)));
    const r = extra.router;
    const rest = subjectLine({ ...extra, router: undefined });
    const label = r !== undefined ? `${esc(r)}${rest ? ` (${esc(rest)})` : ''}` : esc(rest);
    if (label !== '') seen.push(`${ob.active ? '' : '~'}${label}${ob.active ? '' : '~'}`);
  }
  if (seen.length > 0) {
    const more = a.observerCount - Math.min(seen.length, max);
    lines.push(`seen by ${a.observerCount}: ${seen.slice(0, max).join(', ')}${more > 0 ? `, +${more} more` : ''}`);
  }
  return lines.join('\n') || '—';
}

export function headerText(a: AlertView, event: NotifyEvent): string {
  const emoji = event === 'resolve' ? RESOLVED_EMOJI : SEVERITY_EMOJI[a.severity];
  return clip(`${emoji} ${EVENT_WORD[event]}${a.severity.toUpperCase()} ${a.kind} · ${subjectLine(a.subject)}`, 150);
}

/** The message for one event of one alert, rendered at `now` (relative times). */
export function renderSlackMessage(a: AlertView, event: NotifyEvent, now: number, previousSeverity: Severity | null = null): SlackMessage {
  const opened = Date.parse(a.openedAt);
  let since = `${a.openedAt}\n(${relative(opened, now)})`;
  if (a.resolvedAt !== null) since += `\nresolved ${a.resolvedAt}, lasted ${relative(opened, Date.parse(a.resolvedAt)).replace(' ago', '')}`;
  let sev = `${SEVERITY_EMOJI[a.severity]} ${a.severity}`;
  if (event === 'escalate' && previousSeverity !== null && previousSeverity !== a.severity) sev += ` (was ${previousSeverity})`;
  else if (a.peakSeverity !== a.severity) sev += ` (peak ${a.peakSeverity})`;
  let status: string = a.status;
  if (a.status === 'acknowledged' && a.acknowledgedBy !== null) status += ` by ${esc(a.acknowledgedBy)}`;
  if (a.silenced) status += ' · silenced';
  status += ` · ${a.observerCount} observation${a.observerCount === 1 ? '' : 's'}`;

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: headerText(a, event), emoji: true } },
    { type: 'section', text: md(`*What*\n${esc(a.summary)}`, 3000) },
    { type: 'section', fields: [md(`*Where*\n${whereText(a)}`), md(`*Since*\n${since}`), md(`*Severity*\n${sev}`), md(`*Status*\n${status}`)] },
  ];
  const facts = Object.entries(a.facts);
  if (facts.length > 0) {
    if (facts.length <= 10) {
      blocks.push({ type: 'section', text: md('*Evidence*') });
      blocks.push({ type: 'section', fields: facts.map(([k, v]) => md(`*${esc(k)}*\n${esc(factText(v, now))}`)) });
    } else {
      blocks.push({ type: 'section', text: md(`*Evidence*\n${facts.map(([k, v]) => `• ${esc(k)}: ${esc(factText(v, now))}`).join('\n')}`, 3000) });
    }
  }
  if (event === 'resolve') {
    // How it cleared, in the detector's words: the last observer to stop reporting it.
    let last: { at: number; summary: string } | undefined;
    for (const ob of a.observers) if (!ob.active && ob.summary !== '' && (!last || Date.parse(ob.lastAt) >= last.at)) last = { at: Date.parse(ob.lastAt), summary: ob.summary };
    if (last) blocks.push({ type: 'section', text: md(`*Cleared*\n${esc(last.summary)}`, 3000) });
  } else if (a.nextStep !== '') blocks.push({ type: 'section', text: md(`*Next step*\n${esc(a.nextStep)}`, 3000) });
  const ctx = [`alert \`${a.id}\``, event];
  if (a.reopenedFrom !== null) ctx.push(`reopened (previous \`${a.reopenedFrom}\`)`);
  ctx.push('ribwatch');
  blocks.push({ type: 'context', elements: [md(ctx.join(' · '))] });
  const text = clip(`${headerText(a, event)}: ${a.summary}`, 3000);
  return { text, blocks };
}

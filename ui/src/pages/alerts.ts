/**
 * Alerts: open, acknowledged or resolved, grouped as the analyzer groups them (under a root-cause
 * alert where it names one, else by kind), each with the facts and next step its Slack message
 * carries; acknowledge and silence from the page (the API refuses both to a read-scope token).
 */
import { ApiFailure, getAll, post, q } from '../api.js';
import { badge, fill, h, prefixLink, timeCell, utc } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { Alert } from '../types.js';

const STATUSES = ['open', 'acknowledged', 'resolved'] as const;
const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

let list: HTMLElement;
let notice: HTMLElement;

function factValue(k: string, v: unknown): Node | string {
  if (typeof v === 'string' && /prefix/.test(k) && /^[0-9a-f:.]+\/\d+$/i.test(v)) return prefixLink(v);
  if (typeof v === 'string' && /_at$|_eta$|since$/.test(k)) return utc(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

async function act(ctx: PageContext, what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
    fill(notice, h('p', { class: 'ok', role: 'status' }, `${what}: done`));
    await alertsPage.refresh(ctx);
  } catch (err) {
    const msg = err instanceof ApiFailure && err.status === 403 ? `${what}: refused — this needs an admin token (${err.message})` : `${what}: ${err instanceof Error ? err.message : String(err)}`;
    fill(notice, h('p', { class: 'error', role: 'alert' }, msg));
  }
}

function card(ctx: PageContext, a: Alert, children: Alert[]): HTMLElement {
  const subject = Object.entries(a.subject).map(([k, v]) => h('span', { class: 'kv' }, `${k} `, k === 'prefix' ? prefixLink(v) : h('b', {}, v)));
  const facts = Object.entries(a.facts).filter(([, v]) => v !== null && v !== '');
  const matchers: Record<string, string> = { kind: a.kind };
  for (const k of ['router', 'peer', 'prefix', 'cluster', 'node', 'afiSafi']) {
    const v = a.subject[k];
    if (v) matchers[k] = v;
  }
  return h(
    'article',
    { class: `alert sev-${a.severity}`, 'data-id': a.id, 'aria-label': `${a.kind} alert` },
    h('header', {}, badge(a.severity), ' ', h('strong', {}, a.kind), ' ', badge(a.status), a.silenced ? badge('silenced') : null, h('span', { class: 'sub' }, ' opened ', timeCell(a.opened_at), ', updated ', timeCell(a.updated_at))),
    h('p', { class: 'summary-line' }, a.summary),
    h('p', { class: 'subject' }, subject),
    h('p', { class: 'next' }, h('b', {}, 'Next step: '), a.next_step),
    facts.length ? h('details', {}, h('summary', {}, 'Facts'), h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, factValue(k, v))]))) : null,
    children.length ? h('details', { class: 'related' }, h('summary', {}, `${children.length} related alerts`), h('ul', {}, children.map((c) => h('li', {}, badge(c.severity), ' ', c.kind, ': ', c.summary)))) : null,
    a.status === 'resolved'
      ? null
      : h(
          'div',
          { class: 'actions' },
          a.status === 'open' ? h('button', { type: 'button', class: 'ack', onclick: () => void act(ctx, `Acknowledge ${a.kind}`, () => post(`/alerts/${encodeURIComponent(a.id)}/acknowledge`, {})) }, 'Acknowledge') : null,
          h(
            'button',
            {
              type: 'button',
              class: 'silence',
              onclick: () =>
                void act(ctx, `Silence ${a.kind} for 1 h`, () => post('/silences', { matchers, ends_at: new Date(Date.now() + 3600_000).toISOString(), reason: `silenced from the web UI (alert ${a.id})` })),
            },
            'Silence 1 h',
          ),
        ),
  );
}

export const alertsPage: Page = {
  title: 'Alerts',
  pollMs: 10_000,
  mount(root, ctx) {
    const status = ctx.params.get('status') ?? 'open';
    list = h('div', { class: 'alerts' });
    notice = h('div', { class: 'notice' });
    fill(
      root,
      h('h1', {}, 'Alerts'),
      h('nav', { class: 'tabs', 'aria-label': 'Alert status' }, STATUSES.map((s) => h('a', { href: q('/alerts', { status: s }), 'data-nav': true, 'aria-current': s === status ? 'page' : false }, s))),
      notice,
      list,
    );
  },
  async refresh(ctx) {
    const status = ctx.params.get('status') ?? 'open';
    const alerts = await getAll<Alert>(q('/alerts', { status, limit: 500 }), 'alerts', 4);
    if (!ctx.isCurrent()) return;
    // Children listed under their root cause (parent) when the analyzer rolled them up.
    const byId = new Map(alerts.map((a) => [a.id, a]));
    const children = new Map<string, Alert[]>();
    for (const a of alerts) {
      if (a.parent && byId.has(a.parent)) {
        const l = children.get(a.parent) ?? [];
        l.push(a);
        children.set(a.parent, l);
      }
    }
    const roots = alerts.filter((a) => !(a.parent && byId.has(a.parent)));
    const groups = new Map<string, Alert[]>();
    for (const a of roots.sort((x, y) => (SEVERITY_ORDER[x.severity] ?? 9) - (SEVERITY_ORDER[y.severity] ?? 9) || y.updated_at.localeCompare(x.updated_at))) {
      const l = groups.get(a.kind) ?? [];
      l.push(a);
      groups.set(a.kind, l);
    }
    fill(
      list,
      alerts.length === 0 ? h('p', { class: 'empty' }, `No ${status} alert.`) : null,
      [...groups.entries()].map(([kind, l]) => h('section', { class: 'group', 'aria-label': `${kind} alerts` }, h('h2', {}, `${kind} (${l.length})`), l.map((a) => card(ctx, a, children.get(a.id) ?? [])))),
    );
  },
};

/**
 * Prefix: any prefix or address (exact, longest match, more-specifics) — who announces it at each
 * router, the path attributes side by side, the Kubernetes owner where known, its history as a
 * timeline, and the modelled dampening penalty against the thresholds when the analyzer has one.
 * Its address is /prefix?q=P[&match=M], linked from every page that shows a prefix.
 */
import { ApiFailure, get, getAll, q } from '../api.js';
import { penaltyChart, timeline } from '../charts.js';
import type { Lane } from '../charts.js';
import { paramsFromFacts, penaltySeries } from '../dampening.js';
import { badge, fill, h, num, prefixLink, timeCell, utc } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { Alert, Attributes, HistoryEvent, Route, Router } from '../types.js';

const MATCHES = ['exact', 'longest', 'more-specific'] as const;
const MAX_COLUMNS = 12;

let out: HTMLElement;
let lastKey = '';

function asPath(a: Attributes | null): string {
  if (!a) return '';
  return a.as_path.map((x) => (Array.isArray(x) ? `{${x.join(',')}}` : String(x))).join(' ');
}

function communities(a: Attributes | null): string {
  if (!a) return '';
  return [...a.communities, ...a.large_communities, ...a.ext_communities].join(' ');
}

const ATTRS: [string, (r: Route) => string][] = [
  ['prefix', (r) => r.prefix + (r.path_id === null ? '' : ` (path ${r.path_id})`)],
  ['AS path', (r) => asPath(r.attributes)],
  ['next hop', (r) => r.attributes.next_hop ?? ''],
  ['communities', (r) => communities(r.attributes)],
  ['local pref', (r) => (r.attributes.local_pref === null ? '' : String(r.attributes.local_pref))],
  ['MED', (r) => (r.attributes.med === null ? '' : String(r.attributes.med))],
  ['origin', (r) => r.attributes.origin ?? ''],
  ['owner', (r) => [r.service ? `Service ${r.service}` : '', r.node ? `node ${r.node}` : '', r.cluster ? `cluster ${r.cluster}` : ''].filter((x) => x).join(', ')],
];

/** Attributes side by side: one column per announcer, differing values marked. */
function sideBySide(routes: Route[], names: Map<string, string>): HTMLElement {
  const cols = routes.slice(0, MAX_COLUMNS);
  const head = cols.map((r) => h('th', { scope: 'col' }, names.get(r.router) ?? r.router, h('div', { class: 'sub mono' }, `${r.peer} · ${r.view}`)));
  const rows = ATTRS.map(([label, get]) => {
    const values = cols.map(get);
    const differ = new Set(values).size > 1;
    return h('tr', { class: differ ? 'differs' : '' }, h('th', { scope: 'row' }, label), values.map((v) => h('td', { class: 'mono' }, v)));
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'side' }, h('caption', {}, `Path attributes side by side${routes.length > MAX_COLUMNS ? ` (first ${MAX_COLUMNS} of ${routes.length})` : ''}; rows that differ are marked`), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'attribute'), head)), h('tbody', {}, rows)),
  );
}

function routeTable(routes: Route[], names: Map<string, string>): HTMLElement {
  const rows = routes.map((r) =>
    h(
      'tr',
      {},
      h('td', {}, names.get(r.router) ?? r.router),
      h('td', { class: 'mono' }, r.peer, r.peer_asn === null ? '' : h('div', { class: 'sub' }, `AS ${r.peer_asn}`)),
      h('td', {}, r.view),
      h('td', {}, prefixLink(r.prefix)),
      h('td', { class: 'mono' }, asPath(r.attributes)),
      h('td', { class: 'mono' }, r.attributes.next_hop ?? ''),
      h('td', { class: 'mono' }, communities(r.attributes)),
      h('td', {}, [r.service, r.node, r.cluster].filter((x) => x).join(' · ')),
      h('td', {}, timeCell(r.since), r.stale ? badge('stale') : null),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'routes' }, h('caption', {}, `${routes.length} routes`), h('thead', {}, h('tr', {}, ['Router', 'Peer', 'View', 'Prefix', 'AS path', 'Next hop', 'Communities', 'Owner', 'Since'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
  );
}

function lanesOf(events: HistoryEvent[], names: Map<string, string>): Lane[] {
  const by = new Map<string, [number, 0 | 1][]>();
  for (const e of events) {
    const key = `${names.get(e.router) ?? e.router} ${e.peer} ${e.view}${e.path_id === null ? '' : ` #${e.path_id}`}`;
    let pts = by.get(key);
    if (!pts) by.set(key, (pts = []));
    pts.push([Date.parse(e.time) / 1000, e.action === 'withdraw' ? 0 : 1]);
  }
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, points]) => ({ label, points }));
}

function eventTable(events: HistoryEvent[], names: Map<string, string>): HTMLElement {
  const prev = new Map<string, HistoryEvent>();
  const rows = events.map((e) => {
    const key = `${e.router}|${e.peer}|${e.view}|${e.path_id ?? ''}`;
    const p = prev.get(key);
    prev.set(key, e);
    const what = e.action === 'withdraw' ? (e.synthetic ? 'withdraw (peer down)' : 'withdraw') : p && p.action !== 'withdraw' && JSON.stringify(p.attributes) !== JSON.stringify(e.attributes) ? 'attribute change' : 'announce';
    return [utc(e.time), names.get(e.router) ?? e.router, e.peer, e.view, what + (e.dump ? ' (dump)' : ''), asPath(e.attributes), communities(e.attributes)];
  });
  return h(
    'details',
    {},
    h('summary', {}, `${events.length} events`),
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, 'History, oldest first'), h('thead', {}, h('tr', {}, ['Time', 'Router', 'Peer', 'View', 'Change', 'AS path', 'Communities'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))),
  );
}

async function draw(ctx: PageContext, query: string, match: string): Promise<void> {
  fill(out, h('p', { class: 'loading' }, `Looking up ${query}…`));
  let routes: Route[];
  try {
    routes = await getAll<Route>(q('/rib', { prefix: query, match, limit: 1000 }), 'routes', 5);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 400) {
      fill(out, h('p', { class: 'error', role: 'alert' }, err.message));
      return;
    }
    throw err;
  }
  const routers = await getAll<Router>('/routers?limit=1000', 'routers');
  if (!ctx.isCurrent()) return;
  const names = new Map(routers.map((r) => [r.router, r.sys_name ?? r.router]));
  // History and dampening follow one prefix: the one asked for, or the most specific found.
  const exact = routes.map((r) => r.prefix).sort((a, b) => Number(b.split('/')[1]) - Number(a.split('/')[1]))[0] ?? (query.includes('/') ? query : undefined);
  const sections: HTMLElement[] = [];
  const owners = [...new Set(routes.flatMap((r) => [r.service ? `Service ${r.service}` : '', r.node ? `node ${r.node}` : '', r.cluster ? `cluster ${r.cluster}` : '']).filter((x) => x))];
  sections.push(
    h(
      'section',
      { 'aria-label': 'announcers' },
      h('h2', {}, `Who announces ${query} (${match})`),
      owners.length ? h('p', {}, 'Kubernetes owner: ', owners.join('; ')) : null,
      routes.length === 0 ? h('p', { class: 'empty' }, 'No router has a route for it now.') : [sideBySide(routes, names), routeTable(routes, names)],
    ),
  );
  fill(out, ...sections);
  if (exact === undefined) return;

  const [history, damp] = await Promise.all([
    get<{ events: HistoryEvent[] }>(q('/history', { prefix: exact, limit: 1000 })).catch(() => ({ events: [] as HistoryEvent[] })),
    get<{ alerts: Alert[] }>(q('/alerts', { prefix: exact, kind: 'dampening', limit: 20 })).catch(() => ({ alerts: [] as Alert[] })),
  ]);
  if (!ctx.isCurrent()) return;
  const hist = h('section', { 'aria-label': 'history' }, h('h2', {}, 'History of ', prefixLink(exact), ' (last 24 h)'));
  out.append(hist);
  const now = Date.now() / 1000;
  if (history.events.length === 0) hist.append(h('p', { class: 'empty' }, 'No change in the last 24 hours.'));
  else {
    timeline(hist, 'Announced (up) and withdrawn (down) per router, peer and view', lanesOf(history.events, names), now);
    hist.append(eventTable(history.events, names));
  }
  const alert = damp.alerts[0];
  const params = alert ? paramsFromFacts(alert.facts) : undefined;
  if (alert && params) {
    const router = alert.subject['router'] ?? '';
    const peer = alert.subject['peer'] ?? '';
    const view = typeof alert.facts['rib'] === 'string' ? alert.facts['rib'] : undefined;
    const mine = history.events.filter((e) => (names.get(e.router) === router || e.router === router) && e.peer === peer && (view === undefined || e.view === view));
    const reuseAt = typeof alert.facts['reuse_at'] === 'string' ? Date.parse(alert.facts['reuse_at']) / 1000 : now;
    const series = penaltySeries(mine, params, Math.max(now, Number.isNaN(reuseAt) ? now : reuseAt));
    const sec = h('section', { 'aria-label': 'dampening' }, h('h2', {}, 'Dampening penalty'), h('p', {}, badge(alert.severity), ' ', alert.summary));
    out.append(sec);
    if (series.xs.length > 0) penaltyChart(sec, `Penalty of ${exact} from ${peer} on ${router} (${params.profile}: half-life ${params.halfLifeSeconds / 60} min, suppress ${num(params.suppress)}, reuse ${num(params.reuse)})`, series.xs, series.ys, params.suppress, params.reuse);
  }
}

export const prefixPage: Page = {
  title: 'Prefix',
  pollMs: 0,
  mount(root, ctx) {
    const query = ctx.params.get('q') ?? '';
    const match = ctx.params.get('match') ?? (query !== '' && !query.includes('/') ? 'longest' : 'exact');
    const input = h('input', { id: 'q', name: 'q', value: query, placeholder: '10.244.3.0/24 or 172.16.0.10', required: true, autocomplete: 'off', spellcheck: 'false' });
    const sel = h('select', { id: 'match', name: 'match' }, MATCHES.map((m) => h('option', { value: m, selected: m === match }, m)));
    out = h('div', { class: 'prefix-out' });
    lastKey = '';
    fill(
      root,
      h('h1', {}, 'Prefix'),
      h(
        'form',
        {
          class: 'lookup',
          role: 'search',
          onsubmit: (e: Event) => {
            e.preventDefault();
            ctx.navigate(q('/prefix', { q: input.value.trim(), match: sel.value }));
          },
        },
        h('label', { for: 'q' }, 'Prefix or address'),
        input,
        h('label', { for: 'match' }, 'Match'),
        sel,
        h('button', { type: 'submit' }, 'Look up'),
      ),
      out,
    );
    if (query === '') fill(out, h('p', { class: 'hint' }, 'Exact: the prefix itself. Longest: the most specific route covering an address. More-specific: the prefix and everything inside it.'));
  },
  async refresh(ctx) {
    const query = ctx.params.get('q') ?? '';
    if (query === '') return;
    const match = ctx.params.get('match') ?? (query.includes('/') ? 'exact' : 'longest');
    const key = `${query}|${match}`;
    if (key === lastKey) return;
    lastKey = key;
    await draw(ctx, query, match);
  },
};

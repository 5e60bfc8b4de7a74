/**
 * Fabric: every router (state, since when, sysName/sysDescr, how its last session ended) and its
 * peers (node and cluster where known, ASN, state, uptime, prefixes per RIB view and AFI against
 * the max-prefix), flapping peers marked; filters by cluster, role and state.
 */
import { get, getAll } from '../api.js';
import { ago, badge, duration, fill, h, num, timeCell, utc } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { Alert, Peer, PeerFlap, Router } from '../types.js';

const FLAP_KINDS = new Set(['session-flap', 'prefix-flap', 'dampening']);
/** Session downs in the last hour that mark a peer as flapping even before an alert. */
const FLAP_DOWNS = 2;

let body: HTMLElement;
const filter = { cluster: '', role: '', state: '' };

/** Why a peer went down: the BMP reason and the NOTIFICATION by name. */
export function downText(d: Peer['down_reason']): string {
  if (!d) return '';
  const reason = d.reason_name ?? (d.reason === undefined ? '' : `reason ${d.reason}`);
  const n = d.notification;
  const note = n ? (n.name ?? `NOTIFICATION ${n.code}/${n.subcode}`) : '';
  return [reason, note].filter((x) => x !== '').join(': ');
}

function lastDown(r: Router): string {
  const d = r.last_down;
  if (!d) return '';
  const why = d.cause ?? (d.termination ? `termination: ${d.termination}` : 'session ended');
  return `${why}${d.at ? ` (${utc(d.at)})` : ''}`;
}

/** One bar per view and AFI/SAFI: received prefixes against the max-prefix when one is known. */
function prefixBars(p: Peer): HTMLElement {
  const rows: HTMLElement[] = [];
  for (const [view, byAfi] of Object.entries(p.prefixes ?? {}).sort()) {
    for (const [afi, n] of Object.entries(byAfi).sort()) {
      const lim = p.limits?.[afi];
      const ratio = lim && lim.max > 0 ? Math.min(1, n / lim.max) : undefined;
      const level = ratio === undefined ? 'none' : ratio >= 0.9 ? 'crit' : ratio >= 0.75 ? 'warn' : 'ok';
      rows.push(
        h(
          'div',
          { class: 'bar-row' },
          h('span', { class: 'bar-label' }, `${view} ${afi}`),
          h(
            'span',
            { class: `bar bar-${level}`, role: 'meter', 'aria-label': `${view} ${afi} prefixes`, 'aria-valuenow': n, 'aria-valuemin': 0, 'aria-valuemax': lim?.max ?? n },
            h('span', { class: 'bar-fill', style: `width:${ratio === undefined ? 100 : Math.max(2, Math.round(ratio * 100))}%` }),
          ),
          h('span', { class: 'bar-num' }, lim ? `${num(n)} / ${num(lim.max)}` : num(n)),
        ),
      );
    }
  }
  return h('div', { class: 'bars' }, rows.length ? rows : h('span', { class: 'muted' }, 'none'));
}

function selectFor(label: string, key: keyof typeof filter, values: string[], redraw: () => void): HTMLElement {
  const id = `filter-${key}`;
  const sel = h('select', { id, onchange: (e: Event) => ((filter[key] = (e.target as HTMLSelectElement).value), redraw()) }, h('option', { value: '' }, 'all'), values.map((v) => h('option', { value: v, selected: filter[key] === v }, v)));
  return h('span', { class: 'filter' }, h('label', { for: id }, label), sel);
}

export const fabricPage: Page = {
  title: 'Fabric',
  pollMs: 5000,
  mount(root) {
    body = h('div', { class: 'fabric' });
    fill(root, h('h1', {}, 'Fabric'), body);
  },
  async refresh(ctx: PageContext) {
    const [routers, peers, flaps, alerts] = await Promise.all([
      getAll<Router>('/routers?limit=1000', 'routers'),
      getAll<Peer>('/peers?limit=1000', 'peers'),
      get<{ peers: PeerFlap[] }>('/flaps/peers?window=1h&limit=200').catch(() => ({ peers: [] as PeerFlap[] })),
      getAll<Alert>('/alerts?status=open&limit=500', 'alerts', 4).catch(() => [] as Alert[]),
    ]);
    if (!ctx.isCurrent()) return;
    const names = new Map(routers.map((r) => [r.router, r.sys_name ?? r.router]));
    const flapping = new Set<string>();
    for (const f of flaps.peers) if (f.session_downs >= FLAP_DOWNS) flapping.add(`${f.router}|${f.peer}`);
    for (const a of alerts) {
      if (!FLAP_KINDS.has(a.kind)) continue;
      for (const r of a.routers) for (const p of a.peers) flapping.add(`${r}|${p}`);
    }
    const isFlapping = (p: Peer): boolean => flapping.has(`${p.router}|${p.address}`) || flapping.has(`${names.get(p.router) ?? ''}|${p.address}`);

    const draw = (): void => {
      const clusters = [...new Set(peers.map((p) => p.cluster).filter((c): c is string => !!c))].sort();
      const roles = [...new Set(routers.map((r) => r.role).filter((c): c is string => !!c))].sort();
      const states = [...new Set([...routers.map((r) => r.state), ...peers.map((p) => p.state)])].sort();
      const up = peers.filter((p) => p.state === 'up').length;
      const shownRouters = routers.filter((r) => (!filter.role || r.role === filter.role));
      const cards = shownRouters.map((r) => {
        const mine = peers
          .filter((p) => p.router === r.router)
          .filter((p) => (!filter.cluster || p.cluster === filter.cluster) && (!filter.state || p.state === filter.state || r.state === filter.state));
        if ((filter.cluster || filter.state) && mine.length === 0 && r.state !== filter.state) return null;
        const rows = mine.map((p) => {
          const flap = isFlapping(p);
          return h(
            'tr',
            { class: flap ? 'flapping' : '' },
            h('td', {}, h('span', { class: 'mono' }, p.address), p.node ? h('div', { class: 'sub' }, `node ${p.node}${p.cluster ? ` · ${p.cluster}` : ''}`) : null),
            h('td', {}, p.asn === null ? '' : `AS ${p.asn}`),
            h('td', {}, badge(p.state), flap ? badge('flapping') : null, p.state !== 'up' && p.down_reason ? h('div', { class: 'sub' }, downText(p.down_reason)) : null),
            h('td', {}, p.state === 'up' && p.since ? h('span', { title: utc(p.since) }, duration(Date.now() - Date.parse(p.since))) : p.since ? h('span', { title: utc(p.since) }, `down ${ago(p.since)}`) : ''),
            h('td', {}, prefixBars(p)),
          );
        });
        return h(
          'section',
          { class: `router r-${r.state}`, 'aria-label': `router ${r.sys_name ?? r.router}` },
          h(
            'header',
            {},
            h('h2', {}, r.sys_name ?? r.router, ' ', h('span', { class: 'mono sub' }, r.router)),
            badge(r.state),
            r.role ? badge(r.role, 'role') : null,
            h('span', { class: 'sub' }, r.state === 'connected' ? 'since ' : 'last seen ', timeCell(r.state === 'connected' ? r.since : r.last_seen)),
          ),
          r.sys_descr ? h('p', { class: 'descr' }, r.sys_descr) : null,
          r.last_down ? h('p', { class: 'sub' }, 'last session end: ', lastDown(r)) : null,
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'peers' },
              h('caption', {}, `Peers of ${r.sys_name ?? r.router} (${mine.length})`),
              h('thead', {}, h('tr', {}, ['Peer', 'ASN', 'State', 'Uptime', 'Prefixes (received / max)'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, rows),
            ),
          ),
        );
      });
      fill(
        body,
        h(
          'div',
          { class: 'summary' },
          h('span', {}, `${routers.length} routers (${routers.filter((r) => r.state === 'connected').length} connected)`),
          h('span', {}, `${peers.length} peers (${up} up)`),
          h('span', {}, `${flapping.size} flapping`),
          h('span', { class: 'filters' }, clusters.length ? selectFor('Cluster', 'cluster', clusters, draw) : null, roles.length ? selectFor('Role', 'role', roles, draw) : null, selectFor('State', 'state', states, draw)),
        ),
        routers.length === 0 ? h('p', { class: 'empty' }, 'No router has connected yet. Point a router at the BMP listener (README: Point a router at it).') : cards,
      );
    };
    draw();
  },
};

/** Churn: the most changing prefixes and peers over a chosen window, as charts and tables. */
import { get, getAll, q } from '../api.js';
import { bars } from '../charts.js';
import { fill, h, num, prefixLink } from '../dom.js';
import type { Page } from '../page.js';
import type { PeerFlap, PrefixFlap, Router } from '../types.js';

const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
const TOP = 20;

let out: HTMLElement;

export const churnPage: Page = {
  title: 'Churn',
  pollMs: 15_000,
  mount(root, ctx) {
    const window = ctx.params.get('window') ?? '1h';
    out = h('div', { class: 'churn' });
    fill(
      root,
      h('h1', {}, 'Churn'),
      h('nav', { class: 'tabs', 'aria-label': 'Window' }, WINDOWS.map((w) => h('a', { href: q('/churn', { window: w }), 'data-nav': true, 'aria-current': w === window ? 'page' : false }, `last ${w}`))),
      out,
    );
  },
  async refresh(ctx) {
    const window = ctx.params.get('window') ?? '1h';
    const [prefixes, peers, routers] = await Promise.all([
      get<{ prefixes: PrefixFlap[] }>(q('/flaps/prefixes', { window, limit: TOP })),
      get<{ peers: PeerFlap[] }>(q('/flaps/peers', { window, limit: TOP })),
      getAll<Router>('/routers?limit=1000', 'routers'),
    ]);
    if (!ctx.isCurrent()) return;
    const names = new Map(routers.map((r) => [r.router, r.sys_name ?? r.router]));
    const router = (a: string): string => names.get(a) ?? a;
    const pSec = h('section', { 'aria-label': 'churning prefixes' }, h('h2', {}, `Top churning prefixes, last ${window}`));
    const peerSec = h('section', { 'aria-label': 'churning peers' }, h('h2', {}, `Top churning peers, last ${window}`));
    fill(out, pSec, peerSec);
    if (prefixes.prefixes.length === 0) pSec.append(h('p', { class: 'empty' }, 'No live change in this window (a table dump is not churn).'));
    else {
      bars(pSec, 'Changes per prefix (router, peer, view), numbered as in the table', prefixes.prefixes.map((p) => p.prefix), prefixes.prefixes.map((p) => p.changes));
      pSec.append(
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('caption', {}, 'Churning prefixes'),
            h('thead', {}, h('tr', {}, ['#', 'Prefix', 'Router', 'Peer', 'View', 'Changes', 'Announce', 'Withdraw'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, prefixes.prefixes.map((p, i) => h('tr', {}, h('td', {}, i + 1), h('td', {}, prefixLink(p.prefix)), h('td', {}, router(p.router)), h('td', { class: 'mono' }, p.peer), h('td', {}, p.view), h('td', {}, num(p.changes)), h('td', {}, num(p.announcements)), h('td', {}, num(p.withdrawals))))),
          ),
        ),
      );
    }
    if (peers.peers.length === 0) peerSec.append(h('p', { class: 'empty' }, 'No peer changed in this window.'));
    else {
      bars(peerSec, 'Changes per peer, numbered as in the table', peers.peers.map((p) => `${router(p.router)} ${p.peer}`), peers.peers.map((p) => p.changes));
      peerSec.append(
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('caption', {}, 'Churning peers'),
            h('thead', {}, h('tr', {}, ['#', 'Router', 'Peer', 'Changes', 'Prefixes', 'Session downs'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, peers.peers.map((p, i) => h('tr', {}, h('td', {}, i + 1), h('td', {}, router(p.router)), h('td', { class: 'mono' }, p.peer), h('td', {}, num(p.changes)), h('td', {}, num(p.prefixes)), h('td', {}, num(p.session_downs))))),
          ),
        ),
      );
    }
  },
};

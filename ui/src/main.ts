/**
 * The fabric view: one page per path, drawn by its module, refreshed by polling while the tab is
 * visible (a held-open stream would stall headless browsers and proxies; a poll every few seconds
 * is a handful of small queries). Links inside the app change the page without a reload.
 */
import { ApiFailure, adoptFragmentToken, forgetToken, setToken, token } from './api.js';
import { fill, h } from './dom.js';
import type { Page, PageContext } from './page.js';
import { alertsPage } from './pages/alerts.js';
import { churnPage } from './pages/churn.js';
import { fabricPage } from './pages/fabric.js';
import { kubernetesPage } from './pages/kubernetes.js';
import { prefixPage } from './pages/prefix.js';

const PAGES: Record<string, Page> = {
  '/': fabricPage,
  '/prefix': prefixPage,
  '/alerts': alertsPage,
  '/kubernetes': kubernetesPage,
  '/churn': churnPage,
};

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;

let timer: number | undefined;
let generation = 0;

function navigate(url: string, push = true): void {
  if (push) history.pushState(null, '', url);
  void show();
}

/** Same-origin links marked data-nav change the page in place. */
document.addEventListener('click', (ev) => {
  const a = (ev.target as Element | null)?.closest('a[data-nav]');
  if (!(a instanceof HTMLAnchorElement) || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
});
window.addEventListener('popstate', () => void show());
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void show(false);
});

function drawNav(path: string): void {
  fill(
    nav,
    Object.entries(PAGES).map(([p, page]) => h('a', { href: p, 'data-nav': true, 'aria-current': p === path ? 'page' : false }, page.title)),
    h('a', { href: '#', class: 'signout', onclick: (e: Event) => (e.preventDefault(), forgetToken(), void show()) }, 'Change token'),
  );
}

function tokenForm(message: string): void {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, placeholder: 'rw_…', size: 40 });
  fill(
    main,
    h('h1', {}, 'Sign in'),
    h('p', {}, message),
    h(
      'form',
      {
        class: 'token-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          setToken(input.value);
          void show();
        },
      },
      h('label', { for: 'token' }, 'API token'),
      input,
      h('button', { type: 'submit' }, 'Open'),
    ),
    h('p', { class: 'hint' }, 'The token `ribwatch run` printed at its first start, or one from api.tokens. It is kept in this tab only (session storage). A link may carry it as #token=… (never sent to the server).'),
  );
  input.focus();
}

async function show(redraw = true): Promise<void> {
  window.clearTimeout(timer);
  const gen = ++generation;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = PAGES[path] ?? fabricPage;
  drawNav(path);
  document.title = `${page.title} · ribwatch`;
  if (!token()) {
    tokenForm('This page reads the ribwatch API, which needs a token.');
    return;
  }
  const ctx: PageContext = { params: new URLSearchParams(location.search), navigate, isCurrent: () => gen === generation, setStatus: (s) => (status.textContent = s) };
  if (redraw) {
    fill(main, h('p', { class: 'loading' }, 'Loading…'));
    page.mount(main, ctx);
  }
  const tick = async (): Promise<void> => {
    if (!ctx.isCurrent()) return;
    try {
      await page.refresh(ctx);
      if (ctx.isCurrent()) ctx.setStatus(`updated ${new Date().toISOString().slice(11, 19)} UTC`);
    } catch (err) {
      if (!ctx.isCurrent()) return;
      if (err instanceof ApiFailure && err.status === 401) {
        forgetToken();
        tokenForm(`The API refused the token: ${err.message}`);
        return;
      }
      ctx.setStatus(`update failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (ctx.isCurrent() && !document.hidden && page.pollMs > 0) timer = window.setTimeout(() => void tick(), page.pollMs);
  };
  await tick();
}

adoptFragmentToken();
void show();

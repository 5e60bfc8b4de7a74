/**
 * Kubernetes: per node and per Service, the announcements the cluster asks for against what each
 * leaf sees, mismatches first. Drawn from /api/v1/kubernetes/{nodes,services} when a cluster
 * source is configured; without one the page says how to add it.
 */
import { ApiFailure, getAll } from '../api.js';
import { badge, fill, h, prefixLink } from '../dom.js';
import type { Page } from '../page.js';

type Item = Record<string, unknown>;

let out: HTMLElement;

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(text).join(', ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${text(x)}`)
    .join('; ');
}

function isMismatch(i: Item): boolean {
  const v = i['verdict'];
  return typeof v === 'string' && v !== 'ok' && v !== 'match';
}

function name(i: Item): string {
  const ns = i['namespace'];
  const n = i['name'] ?? i['node'] ?? i['service'];
  return `${typeof ns === 'string' && ns ? `${ns}/` : ''}${text(n)}`;
}

function section(title: string, items: Item[]): HTMLElement {
  const sorted = [...items].sort((a, b) => Number(isMismatch(b)) - Number(isMismatch(a)) || name(a).localeCompare(name(b)));
  const rows = sorted.map((i) =>
    h(
      'tr',
      { class: isMismatch(i) ? 'mismatch' : '' },
      h('td', {}, name(i), i['cluster'] ? h('div', { class: 'sub' }, text(i['cluster'])) : null),
      h('td', {}, badge(text(i['verdict']) || 'unknown')),
      h('td', {}, (Array.isArray(i['prefixes']) ? (i['prefixes'] as unknown[]) : []).map((p) => h('div', {}, prefixLink(text(p))))),
      h('td', { class: 'mono' }, text(i['expected'] ?? i['expected_announcers'])),
      h('td', { class: 'mono' }, text(i['seen'] ?? i['seen_at'])),
    ),
  );
  return h(
    'section',
    { 'aria-label': title },
    h('h2', {}, `${title} (${items.length}, ${items.filter(isMismatch).length} mismatched)`),
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, `${title}: expected against seen, mismatches first`), h('thead', {}, h('tr', {}, ['Object', 'Verdict', 'Prefixes', 'Expected', 'Seen'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))),
  );
}

export const kubernetesPage: Page = {
  title: 'Kubernetes',
  pollMs: 10_000,
  mount(root) {
    out = h('div', { class: 'kubernetes' });
    fill(root, h('h1', {}, 'Kubernetes'), out);
  },
  async refresh(ctx) {
    let nodes: Item[];
    let services: Item[];
    try {
      [nodes, services] = await Promise.all([getAll<Item>('/kubernetes/nodes?limit=1000', 'nodes'), getAll<Item>('/kubernetes/services?limit=1000', 'services')]);
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 404 || err.status === 503)) {
        if (ctx.isCurrent()) fill(out, h('p', { class: 'empty' }, 'No cluster source is configured: start ribwatch with --kubeconfig FILE or --kube-objects FILE (kubernetes.clusters, kubernetes.objectFiles) to compare what the cluster asks for with what the routers see.'));
        return;
      }
      throw err;
    }
    if (!ctx.isCurrent()) return;
    fill(out, section('Nodes', nodes), section('Services', services));
  },
};

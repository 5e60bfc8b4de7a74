/**
 * Kubernetes: per node and per Service, the announcements the cluster asks for against what each
 * router sees, mismatches first (/api/v1/kubernetes/{clusters,nodes,services}). Without a cluster
 * source the page says how to add one.
 */
import { get, getAll } from '../api.js';
import { badge, fill, h, prefixLink, timeCell } from '../dom.js';
import type { Page } from '../page.js';

interface Cluster {
  name: string;
  source: string;
  stale: boolean;
  synced: boolean;
  updated_at: string | null;
  nodes: number;
  services: number;
  problems?: string[];
}

interface KubeNode {
  cluster: string;
  name: string;
  addresses: string[];
  asn: number | null;
  routers: string[];
  expected: { prefix: string; kind: string; service: string | null; seen_at: string[] }[];
  unexpected: { prefix: string; routers: string[] }[];
  verdict: string;
}

interface KubeService {
  cluster: string;
  namespace: string;
  name: string;
  type?: string;
  external_traffic_policy?: string;
  addresses: { prefix: string; kind: string }[];
  expected_announcers: string[];
  seen: { router: string; prefix: string; announcers: string[] }[];
  verdict: string;
}

const OK = new Set(['ok', 'no-bgp']);

let out: HTMLElement;

function byVerdict<T extends { verdict: string }>(items: T[], key: (x: T) => string): T[] {
  return [...items].sort((a, b) => Number(OK.has(a.verdict)) - Number(OK.has(b.verdict)) || key(a).localeCompare(key(b)));
}

function nodesTable(nodes: KubeNode[]): HTMLElement {
  const rows = byVerdict(nodes, (n) => `${n.cluster}/${n.name}`).map((n) =>
    h(
      'tr',
      { class: OK.has(n.verdict) ? '' : 'mismatch' },
      h('td', {}, n.name, h('div', { class: 'sub' }, `${n.cluster}${n.asn === null ? '' : ` · AS ${n.asn}`}`), h('div', { class: 'sub mono' }, n.addresses.join(' '))),
      h('td', {}, badge(n.verdict)),
      h(
        'td',
        {},
        n.expected.map((e) => h('div', {}, prefixLink(e.prefix), ` ${e.kind}${e.service ? ` (${e.service})` : ''} `, e.seen_at.length ? h('span', { class: 'sub' }, `seen at ${e.seen_at.join(', ')}`) : badge('missing'))),
      ),
      h('td', {}, n.unexpected.map((u) => h('div', {}, prefixLink(u.prefix), h('span', { class: 'sub' }, ` at ${u.routers.join(', ')}`)))),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('caption', {}, 'Nodes: what each should announce and where it is seen, mismatches first'), h('thead', {}, h('tr', {}, ['Node', 'Verdict', 'Expected (seen at)', 'Unexpected'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
  );
}

function servicesTable(services: KubeService[]): HTMLElement {
  const rows = byVerdict(services, (s) => `${s.cluster}/${s.namespace}/${s.name}`).map((s) =>
    h(
      'tr',
      { class: OK.has(s.verdict) ? '' : 'mismatch' },
      h('td', {}, `${s.namespace}/${s.name}`, h('div', { class: 'sub' }, [s.cluster, s.type, s.external_traffic_policy ? `externalTrafficPolicy ${s.external_traffic_policy}` : ''].filter((x) => x).join(' · '))),
      h('td', {}, badge(s.verdict)),
      h('td', {}, s.addresses.map((a) => h('div', {}, prefixLink(a.prefix), ` ${a.kind}`))),
      h('td', {}, s.expected_announcers.join(', ')),
      h('td', {}, s.seen.map((x) => h('div', {}, `${x.router}: `, h('span', { class: 'mono' }, x.prefix), ` from ${x.announcers.join(', ')}`))),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('caption', {}, 'Services: expected announcers against those seen at each router, mismatches first'), h('thead', {}, h('tr', {}, ['Service', 'Verdict', 'Addresses', 'Expected announcers', 'Seen'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
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
    const { clusters } = await get<{ clusters: Cluster[] }>('/kubernetes/clusters');
    if (clusters.length === 0) {
      if (ctx.isCurrent()) fill(out, h('p', { class: 'empty' }, 'No cluster source is configured: start ribwatch with --kubeconfig FILE or --kube-objects FILE (kubernetes.clusters, kubernetes.objectFiles) to compare what the cluster asks for with what the routers see.'));
      return;
    }
    const [nodes, services] = await Promise.all([getAll<KubeNode>('/kubernetes/nodes?limit=1000', 'nodes'), getAll<KubeService>('/kubernetes/services?limit=1000', 'services')]);
    if (!ctx.isCurrent()) return;
    fill(
      out,
      h(
        'ul',
        { class: 'clusters' },
        clusters.map((c) => h('li', {}, h('b', {}, c.name), ` (${c.source}) ${c.nodes} nodes, ${c.services} services `, c.stale ? badge('stale') : null, c.synced ? null : badge('syncing'), c.updated_at ? h('span', { class: 'sub' }, 'updated ', timeCell(c.updated_at)) : null, (c.problems ?? []).map((p) => h('div', { class: 'error' }, p)))),
      ),
      h('section', { 'aria-label': 'nodes' }, h('h2', {}, `Nodes (${nodes.length}, ${nodes.filter((n) => !OK.has(n.verdict)).length} mismatched)`), nodesTable(nodes)),
      h('section', { 'aria-label': 'services' }, h('h2', {}, `Services (${services.length}, ${services.filter((s) => !OK.has(s.verdict)).length} mismatched)`), servicesTable(services)),
    );
  },
};

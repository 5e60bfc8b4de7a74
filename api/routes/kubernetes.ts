/**
 * The cluster side: what Kubernetes says should be advertised, next to what the routers see.
 *
 * - GET /api/v1/kubernetes/clusters: each cluster, its source (live API server or files), whether
 *   it is synced or stale, objects per kind, resources and their errors.
 * - GET /api/v1/kubernetes/nodes: per Node, the routes it should announce (and to whom, with which
 *   communities), the routers where each is received from it, the routes it sends that nothing
 *   asks for, and a verdict.
 * - GET /api/v1/kubernetes/services: per Service, its routed addresses, the nodes expected to
 *   announce them, the nodes each router receives them from, and a verdict.
 *
 * "Seen" is the current RIB (rib FINAL, Adj-RIB-In pre or post policy), the peer address matched
 * to a Node's InternalIP. Pagination by name, like the other lists.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ClusterIntent, IntentSnapshot, NodeIntent, ServiceIntent } from '../../kubernetes/index.js';
import { RouteLabels } from '../../kubernetes/index.js';
import type { ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../parse.js';
import { Q, withErrors } from '../schemas.js';

interface SeenRow {
  router: string;
  peer_address: string;
  prefix: string;
}

const strings = { type: 'array', items: { type: 'string' } } as const;
const nullableString = { type: 'string', nullable: true } as const;
const name = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;

export const KUBERNETES_SCHEMAS = [
  {
    $id: 'KubernetesCluster',
    type: 'object',
    required: ['name', 'source', 'stale', 'synced', 'nodes', 'services'],
    properties: {
      name: { type: 'string' },
      source: { type: 'string', enum: ['live', 'files'] },
      server: nullableString,
      files: strings,
      stale: { type: 'boolean', description: 'a live source is failing: the intent is the last good one' },
      synced: { type: 'boolean', description: 'every resource has listed at least once' },
      updated_at: { type: 'string', format: 'date-time', nullable: true },
      nodes: { type: 'integer' },
      services: { type: 'integer' },
      objects: { type: 'object', additionalProperties: { type: 'integer' } },
      resources: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { type: 'string' },
            resource: { type: 'string' },
            version: nullableString,
            state: { type: 'string', enum: ['starting', 'synced', 'absent', 'forbidden', 'failing'] },
            objects: { type: 'integer' },
            error: nullableString,
            listed_at: { type: 'string', format: 'date-time', nullable: true },
          },
        },
      },
      notes: strings,
      problems: strings,
    },
  },
  {
    $id: 'KubernetesNode',
    type: 'object',
    required: ['cluster', 'name', 'addresses', 'asn', 'expected', 'unexpected', 'routers', 'verdict'],
    properties: {
      cluster: { type: 'string' },
      name: { type: 'string' },
      addresses: strings,
      asn: { type: 'integer', nullable: true },
      pod_cidrs: strings,
      speakers: strings,
      routers: { ...strings, description: 'routers receiving any route from this node now' },
      expected: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            prefix: { type: 'string' },
            kind: { type: 'string' },
            service: nullableString,
            source: { type: 'string' },
            communities: strings,
            local_pref: { type: 'integer', nullable: true },
            peers: { type: 'array', nullable: true, items: { type: 'string' } },
            seen_at: strings,
          },
        },
      },
      unexpected: { type: 'array', items: { type: 'object', properties: { prefix: { type: 'string' }, routers: strings } } },
      verdict: { type: 'string', enum: ['ok', 'missing', 'unexpected', 'not-peered', 'no-bgp'], description: 'ok: every expected route at every router the node peers with; missing: some absent; unexpected: it sends routes nothing asks for; not-peered: no router receives anything from it; no-bgp: nothing is expected of it' },
    },
  },
  {
    $id: 'KubernetesService',
    type: 'object',
    required: ['cluster', 'namespace', 'name', 'addresses', 'expected_announcers', 'seen', 'verdict'],
    properties: {
      cluster: { type: 'string' },
      namespace: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string' },
      external_traffic_policy: { type: 'string', enum: ['Cluster', 'Local'] },
      addresses: { type: 'array', items: { type: 'object', properties: { prefix: { type: 'string' }, kind: { type: 'string' } } } },
      ready_nodes: strings,
      expected_announcers: strings,
      sources: strings,
      seen: { type: 'array', items: { type: 'object', properties: { router: { type: 'string' }, prefix: { type: 'string' }, announcers: strings } }, description: 'per router and address: the nodes (or peer addresses) it is received from' },
      verdict: { type: 'string', enum: ['ok', 'missing', 'unexpected', 'not-advertised'], description: 'missing: an expected announcer is seen at no router; unexpected: a router receives it from a node not expected (a Local Service without a ready endpoint there) or from a peer that is no node' },
    },
  },
] as const;

async function seen(ctx: ApiContext, column: 'prefix' | 'peer_address', values: readonly string[]): Promise<SeenRow[]> {
  if (values.length === 0) return [];
  return ctx.query<SeenRow>(`SELECT DISTINCT router, peer_address, prefix FROM rib FINAL WHERE is_withdrawn = 0 AND rib IN ('adj-in-pre', 'adj-in-post') AND ${column} IN {vs:Array(String)} ORDER BY router, peer_address, prefix`, { vs: values });
}

function page<T>(items: readonly T[], key: (x: T) => string, limit: number, cursor: string | undefined, tag: string): { items: T[]; next: string | null } {
  const after = cursor !== undefined ? String(decodeCursor(cursor, tag, ['s'])[0]) : undefined;
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const from = after === undefined ? sorted : sorted.filter((x) => key(x) > after);
  const out = from.slice(0, limit);
  const last = out.at(-1);
  return { items: out, next: from.length > limit && last !== undefined ? encodeCursor(tag, [key(last)]) : null };
}

async function snapshot(ctx: ApiContext): Promise<IntentSnapshot> {
  return (await ctx.kubernetes()) ?? { intents: [], status: [] };
}

function clustersOf(s: IntentSnapshot, cluster: string | undefined): ClusterIntent[] {
  return cluster === undefined ? [...s.intents] : s.intents.filter((c) => c.name === cluster);
}

function nodeVerdict(n: NodeIntent, routers: ReadonlySet<string>, expected: { seen_at: string[] }[], unexpected: unknown[]): string {
  if (n.advertisements.length === 0 && unexpected.length === 0) return 'no-bgp';
  if (routers.size === 0) return 'not-peered';
  if (expected.some((e) => e.seen_at.length < routers.size)) return 'missing';
  return unexpected.length > 0 ? 'unexpected' : 'ok';
}

function serviceVerdict(s: ServiceIntent, seenBy: Map<string, Set<string>>, expected: ReadonlySet<string>): string {
  const all = new Set<string>();
  for (const set of seenBy.values()) for (const n of set) all.add(n);
  if (expected.size === 0 && all.size === 0) return 'not-advertised';
  if ([...all].some((n) => !expected.has(n))) return 'unexpected';
  if ([...expected].some((n) => !all.has(n))) return 'missing';
  return 'ok';
}

export const kubernetesRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: { cluster?: string } }>(
    '/kubernetes/clusters',
    {
      schema: {
        summary: 'Kubernetes clusters ribwatch reads: source, sync state, objects, resource errors',
        tags: ['kubernetes'],
        querystring: { type: 'object', additionalProperties: false, properties: { cluster: name } },
        response: withErrors({ 200: { type: 'object', required: ['clusters'], properties: { clusters: { type: 'array', items: { $ref: 'KubernetesCluster#' } } } } }),
      },
    },
    async (req) => {
      const s = await snapshot(ctx);
      const clusters = s.status
        .filter((c) => req.query.cluster === undefined || c.name === req.query.cluster)
        .map((c) => ({
          name: c.name,
          source: c.source,
          server: c.server,
          files: c.files,
          stale: c.stale,
          synced: c.synced,
          updated_at: c.updatedAt,
          nodes: c.nodes,
          services: c.services,
          objects: c.objects,
          resources: c.resources.map((r) => ({ kind: r.kind, resource: r.resource, version: r.version, state: r.state, objects: r.objects, error: r.error, listed_at: r.listedAt })),
          notes: c.notes,
          problems: c.problems,
        }));
      return { clusters };
    },
  );

  app.get<{ Querystring: { cluster?: string; node?: string; limit: number; cursor?: string } }>(
    '/kubernetes/nodes',
    {
      schema: {
        summary: 'Per Node: the routes it should announce, where each is seen, what it sends that nothing asks for, a verdict',
        tags: ['kubernetes'],
        querystring: { type: 'object', additionalProperties: false, properties: { cluster: name, node: name, limit: Q.limit(Math.min(ctx.maxResults, 1000), 100), cursor: Q.cursor } },
        response: withErrors({ 200: { type: 'object', required: ['nodes', 'next'], properties: { nodes: { type: 'array', items: { $ref: 'KubernetesNode#' } }, next: { type: 'string', nullable: true } } } }),
      },
    },
    async (req) => {
      const q = req.query;
      const s = await snapshot(ctx);
      const all = clustersOf(s, q.cluster).flatMap((c) => c.nodes.filter((n) => q.node === undefined || n.name === q.node));
      const p = page(all, (n) => `${n.cluster}/${n.name}`, q.limit, q.cursor, 'k8s-nodes');
      const rows = await seen(ctx, 'peer_address', p.items.flatMap((n) => [...n.addresses]));
      const labels = new RouteLabels(s.intents);
      const nodes = p.items.map((n) => {
        const mine = rows.filter((r) => labels.peer(r.peer_address)?.node === n.name && labels.peer(r.peer_address)?.cluster === n.cluster);
        const routers = new Set(mine.map((r) => r.router));
        const expectedPrefixes = new Set(n.advertisements.map((a) => a.prefix));
        const expected = n.advertisements.map((a) => ({
          prefix: a.prefix,
          kind: a.kind,
          service: a.service,
          source: a.source,
          communities: [...a.communities],
          local_pref: a.localPref,
          peers: a.peers === null ? null : [...a.peers],
          seen_at: [...new Set(mine.filter((r) => r.prefix === a.prefix).map((r) => r.router))].sort(),
        }));
        const unexpectedBy = new Map<string, Set<string>>();
        for (const r of mine) if (!expectedPrefixes.has(r.prefix)) (unexpectedBy.get(r.prefix) ?? unexpectedBy.set(r.prefix, new Set()).get(r.prefix))?.add(r.router);
        const unexpected = [...unexpectedBy].map(([prefix, rs]) => ({ prefix, routers: [...rs].sort() }));
        return { cluster: n.cluster, name: n.name, addresses: [...n.addresses], asn: n.asn, pod_cidrs: [...n.podCIDRs], speakers: [...n.speakers], routers: [...routers].sort(), expected, unexpected, verdict: nodeVerdict(n, routers, expected, unexpected) };
      });
      return { nodes, next: p.next };
    },
  );

  app.get<{ Querystring: { cluster?: string; namespace?: string; limit: number; cursor?: string } }>(
    '/kubernetes/services',
    {
      schema: {
        summary: 'Per Service: routed addresses, expected announcers, the announcers each router receives them from, a verdict',
        tags: ['kubernetes'],
        querystring: { type: 'object', additionalProperties: false, properties: { cluster: name, namespace: name, limit: Q.limit(Math.min(ctx.maxResults, 1000), 100), cursor: Q.cursor } },
        response: withErrors({ 200: { type: 'object', required: ['services', 'next'], properties: { services: { type: 'array', items: { $ref: 'KubernetesService#' } }, next: { type: 'string', nullable: true } } } }),
      },
    },
    async (req) => {
      const q = req.query;
      const s = await snapshot(ctx);
      const all = clustersOf(s, q.cluster).flatMap((c) => c.services.filter((x) => q.namespace === undefined || x.namespace === q.namespace));
      const p = page(all, (x) => `${x.cluster}/${x.namespace}/${x.name}`, q.limit, q.cursor, 'k8s-services');
      const rows = await seen(ctx, 'prefix', [...new Set(p.items.flatMap((x) => x.addresses.map((a) => a.prefix)))]);
      const labels = new RouteLabels(s.intents);
      const services = p.items.map((x) => {
        const prefixes = new Set(x.addresses.map((a) => a.prefix));
        const seenBy = new Map<string, Set<string>>();
        for (const r of rows) {
          if (!prefixes.has(r.prefix)) continue;
          const who = labels.peer(r.peer_address);
          // Another cluster's node, or a peer that is no node, counts as an unexpected announcer by address.
          const announcer = who && who.cluster === x.cluster ? who.node : r.peer_address;
          const k = `${r.router}|${r.prefix}`;
          (seenBy.get(k) ?? seenBy.set(k, new Set()).get(k))?.add(announcer);
        }
        const expected = new Set(x.announcers);
        return {
          cluster: x.cluster,
          namespace: x.namespace,
          name: x.name,
          type: x.type,
          external_traffic_policy: x.externalTrafficPolicy,
          addresses: x.addresses.map((a) => ({ prefix: a.prefix, kind: a.kind })),
          ready_nodes: [...x.readyNodes],
          expected_announcers: [...x.announcers],
          sources: [...x.sources],
          seen: [...seenBy].map(([k, set]) => ({ router: k.slice(0, k.indexOf('|')), prefix: k.slice(k.indexOf('|') + 1), announcers: [...set].sort() })),
          verdict: serviceVerdict(x, seenBy, expected),
        };
      });
      return { services, next: p.next };
    },
  );
  done();
};

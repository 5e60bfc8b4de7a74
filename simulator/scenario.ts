/**
 * What the demo fabric carries and the trouble it runs into, as data: the initial tables per
 * router and peer, and a timeline of changes in scenario seconds (divided by `speed` when run).
 * The seed picks addresses and small timing jitter; the topology and the shape of the story are
 * fixed, so the detections are the same for every seed:
 *
 *   t =  5 s  flap storm: node1 withdraws and re-announces one LoadBalancer /32 every 2 s, 24 times
 *             (prefix-flap warning at 5 flaps, critical at 20; Cisco dampening suppresses at the 3rd)
 *   t = 15 s  node2 announces node1's PodCIDR (mis-origin) and a /32 pod IP (more-specific)
 *   t = 20 s  leaf1 lets the pod supernet through to border1, which sends it to the upstream
 *   t = 25 s  node6 (max-prefix 100) grows from 60 to 80 prefixes (prefix-limit warning, 75 %)
 *   t = 35 s  node6 grows to 95 (critical, 90 %)
 *   t = 45 s  node6 sends its 101st prefix; leaf2 tears it down: Peer Down, NOTIFICATION Cease /
 *             Maximum Number of Prefixes Reached
 *   then      steady state: Statistics Reports every 15 s, nothing else
 */
import { community } from './messages.js';
import type { Attrs, Route, View } from './messages.js';
import { DEMO_NODES, LB_POOL, NODE_MAX_PREFIX, POD_SUPERNET, UPSTREAM_ASN, demoRouters } from './topology.js';
import type { DemoNode, DemoRouter } from './topology.js';

/** Deterministic PRNG (mulberry32): same seed, same fabric. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One change on one router, at a scenario time. */
export type Step =
  | { readonly atS: number; readonly router: string; readonly op: 'announce'; readonly peer: string; readonly routes: readonly Route[]; readonly views: readonly View[]; readonly note?: string }
  | { readonly atS: number; readonly router: string; readonly op: 'withdraw'; readonly peer: string; readonly routes: readonly Route[]; readonly views: readonly View[]; readonly note?: string }
  | { readonly atS: number; readonly router: string; readonly op: 'stats'; readonly peer: string; readonly note?: string }
  | { readonly atS: number; readonly router: string; readonly op: 'max-prefix-teardown'; readonly peer: string; readonly afi: number; readonly limit: number; readonly note?: string };

/** What happens, with the exact prefixes, for logs, the `run --demo` banner and tests. */
export interface DemoStory {
  readonly flap: { readonly router: string; readonly peer: string; readonly node: string; readonly prefix: string; readonly cycles: number; readonly startS: number; readonly periodS: number };
  readonly leak: {
    readonly router: string;
    readonly peer: string;
    readonly node: string;
    /** node1's PodCIDR, announced by node2. */
    readonly misOrigin: string;
    readonly owner: string;
    /** A single pod IP inside node2's PodCIDR. */
    readonly podIp: string;
    readonly atS: number;
    readonly border: { readonly router: string; readonly fromPeer: string; readonly toPeer: string; readonly prefix: string; readonly atS: number };
  };
  readonly pressure: {
    readonly router: string;
    readonly peer: string;
    readonly node: string;
    readonly limit: number;
    /** IPv4 counts at the dump and after each growth step. */
    readonly counts: readonly number[];
    readonly atS: readonly number[];
    /** The count that crosses the limit, announced just before the teardown. */
    readonly overflow: number;
    readonly teardownAtS: number;
  };
  /** Scenario time of the last scripted change; after it only Statistics Reports. */
  readonly endS: number;
  /** Statistics Report period, scenario seconds. */
  readonly statsEveryS: number;
}

export interface DemoPlan {
  readonly routers: readonly DemoRouter[];
  /** Initial tables: router -> peer -> view -> routes. */
  readonly initial: ReadonlyMap<string, ReadonlyMap<string, Readonly<Partial<Record<View, readonly Route[]>>>>>;
  readonly steps: readonly Step[];
  readonly story: DemoStory;
}

const FLAP_START_S = 5;
const FLAP_PERIOD_S = 2;
const FLAP_CYCLES = 24;
const LEAK_AT_S = 15;
const BORDER_LEAK_AT_S = 20;
const PRESSURE_AT_S = [25, 35] as const;
const TEARDOWN_AT_S = 45;
const STATS_EVERY_S = 15;
/** node6's IPv4 count: its PodCIDR plus LoadBalancer /32s. */
const PRESSURE_COUNTS = [60, 80, 95] as const;
/** The count whose UPDATE crosses the limit and gets the session torn down. */
const OVERFLOW_COUNT = NODE_MAX_PREFIX + 1;
/** LoadBalancer /32s per ordinary node. */
const LB_PER_NODE = 2;
/** The leafs' community on LoadBalancer routes (what the Cilium advertisement sets). */
const LB_COMMUNITY = community(65000, 300);

/** The leafs' and the border's inbound policy: what post-policy Adj-RIB-In shows. */
export const postPolicy = (a: Attrs): Attrs => ({ ...a, localPref: 100 });

function v4(prefix: string, attrs: Attrs, pathId: number | null = null): Route {
  return { afi: 1, prefix, pathId, attrs };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

function nodeRoutes(n: DemoNode, lbs: readonly string[]): Route[] {
  const base: Attrs = { asPath: [n.asn], nextHop: n.address };
  return [
    v4(n.podV4, base),
    { afi: 2, prefix: n.podV6, pathId: null, attrs: { asPath: [n.asn], nextHop: n.nextHopV6 } },
    ...lbs.map((p) => v4(p, { ...base, communities: [LB_COMMUNITY] })),
  ];
}

function both(routes: readonly Route[]): Partial<Record<View, readonly Route[]>> {
  return { pre: routes, post: routes.map((r) => ({ ...r, attrs: postPolicy(r.attrs) })) };
}

/** The whole plan for one seed; `sources` overrides BMP source addresses by router name. */
export function demoPlan(seed = 1, sources: Readonly<Record<string, string>> = {}): DemoPlan {
  const rand = rng(seed);
  const routers = demoRouters(sources);
  const byName = new Map(routers.map((r) => [r.name, r]));
  const leafAsn = (name: string): number => byName.get(name)?.asn ?? 0;
  const node = (name: string): DemoNode => DEMO_NODES.find((n) => n.name === name) as DemoNode;

  // LoadBalancer IPs from the pool, in a seeded order.
  const hosts = shuffle(
    Array.from({ length: 241 }, (_, i) => i + 10),
    rand,
  );
  const pool = LB_POOL.split('/')[0]?.split('.').slice(0, 3).join('.') ?? '172.16.0';
  let next = 0;
  const take = (n: number): string[] =>
    hosts
      .slice(next, (next += n))
      .sort((a, b) => a - b)
      .map((h) => `${pool}.${h}/32`);
  const lbs = new Map<string, string[]>();
  const pressureNode = 'node6';
  for (const n of DEMO_NODES) lbs.set(n.name, take(n.name === pressureNode ? (PRESSURE_COUNTS[0] ?? 60) - 1 : LB_PER_NODE));
  const growth = [take((PRESSURE_COUNTS[1] ?? 80) - (PRESSURE_COUNTS[0] ?? 60)), take((PRESSURE_COUNTS[2] ?? 95) - (PRESSURE_COUNTS[1] ?? 80))];
  const overflow = take(OVERFLOW_COUNT - (PRESSURE_COUNTS[2] ?? 95));

  const initial = new Map<string, Map<string, Partial<Record<View, readonly Route[]>>>>();
  for (const r of routers) {
    const peers = new Map<string, Partial<Record<View, readonly Route[]>>>();
    initial.set(r.name, peers);
    for (const p of r.peers) {
      if (p.kind === 'node' && p.node) peers.set(p.name, both(nodeRoutes(p.node, lbs.get(p.node.name) ?? [])));
      else if (p.kind === 'fabric' && r.role === 'leaf') {
        // The border gives the leafs a default route.
        peers.set(p.name, both([v4('0.0.0.0/0', { asPath: [65000, UPSTREAM_ASN], nextHop: p.address })]));
      } else if (p.kind === 'fabric') {
        // Each leaf aggregates the LoadBalancer pool towards the border (summary-only).
        const asn = leafAsn(p.name);
        peers.set(p.name, both([v4(LB_POOL, { asPath: [asn], nextHop: p.address, aggregator: { asn, address: p.bgpId } })]));
      } else {
        // The upstream: a default route over two paths (ADD-PATH) and a few Internet prefixes.
        const up = (path: number[], nh = p.address): Attrs => ({ asPath: [UPSTREAM_ASN, ...path], nextHop: nh, med: 0 });
        const routes = [v4('0.0.0.0/0', up([]), 1), v4('0.0.0.0/0', up([], '203.0.113.5'), 2), v4('198.51.100.0/24', up([64499]), 1), v4('192.0.2.0/24', up([64500, 64501]), 1)];
        const leaf1 = byName.get('leaf1');
        peers.set(p.name, {
          ...both(routes),
          out: [v4(LB_POOL, { asPath: [r.asn, leaf1?.asn ?? 65101], nextHop: p.localAddress, aggregator: { asn: leaf1?.asn ?? 65101, address: leaf1?.routerId ?? '10.255.0.1' } })],
        });
      }
    }
  }

  const steps: Step[] = [];
  const jitter = (): number => Math.round((rand() - 0.5) * 300) / 1000; // ±0.15 s, in ms steps

  // (a) Flap storm: node1's first LoadBalancer /32.
  const n1 = node('node1');
  const flapRoute = nodeRoutes(n1, [lbs.get('node1')?.[0] ?? '172.16.0.10/32'])[2] as Route;
  for (let i = 0; i < FLAP_CYCLES; i++) {
    const t = FLAP_START_S + i * FLAP_PERIOD_S;
    steps.push({ atS: t + jitter(), router: n1.leaf, op: 'withdraw', peer: n1.name, routes: [flapRoute], views: ['pre', 'post'], note: i === 0 ? `flap storm: ${n1.name} withdraws and re-announces ${flapRoute.prefix} every ${FLAP_PERIOD_S} s` : undefined });
    steps.push({ atS: t + FLAP_PERIOD_S / 2 + jitter(), router: n1.leaf, op: 'announce', peer: n1.name, routes: [flapRoute], views: ['pre', 'post'] });
  }

  // (b) Pod CIDR leak: node2 announces node1's PodCIDR and one of its own pod IPs as a /32.
  const n2 = node('node2');
  const podIp = `${n2.podV4.split('.').slice(0, 3).join('.')}.${2 + Math.floor(rand() * 250)}/32`;
  steps.push({
    atS: LEAK_AT_S,
    router: n2.leaf,
    op: 'announce',
    peer: n2.name,
    routes: [v4(n1.podV4, { asPath: [n2.asn], nextHop: n2.address }), v4(podIp, { asPath: [n2.asn], nextHop: n2.address })],
    views: ['pre', 'post'],
    note: `pod CIDR leak: ${n2.name} announces ${n1.name}'s PodCIDR ${n1.podV4} and the pod IP ${podIp}`,
  });
  const border = byName.get('border1') as DemoRouter;
  const leaf1 = byName.get('leaf1') as DemoRouter;
  const fromLeaf1 = border.peers.find((p) => p.name === 'leaf1');
  const upstream = border.peers.find((p) => p.kind === 'upstream');
  steps.push({
    atS: BORDER_LEAK_AT_S,
    router: border.name,
    op: 'announce',
    peer: 'leaf1',
    routes: [v4(POD_SUPERNET, { asPath: [leaf1.asn], nextHop: fromLeaf1?.address ?? '172.31.0.1', aggregator: { asn: leaf1.asn, address: leaf1.routerId } })],
    views: ['pre', 'post'],
    note: `pod range at the border: leaf1 sends ${POD_SUPERNET} to border1, which passes it to the upstream`,
  });
  steps.push({
    atS: BORDER_LEAK_AT_S,
    router: border.name,
    op: 'announce',
    peer: 'upstream',
    routes: [v4(POD_SUPERNET, { asPath: [border.asn, leaf1.asn], nextHop: upstream?.localAddress ?? '203.0.113.2', aggregator: { asn: leaf1.asn, address: leaf1.routerId } })],
    views: ['out'],
  });

  // (c) Prefix-limit pressure on node6, then the teardown.
  const n6 = node(pressureNode);
  growth.forEach((g, i) => {
    const atS = PRESSURE_AT_S[i] ?? 0;
    steps.push({ atS, router: n6.leaf, op: 'announce', peer: n6.name, routes: nodeRoutes(n6, g).slice(2), views: ['pre', 'post'], note: `prefix-limit pressure: ${n6.name} now sends ${PRESSURE_COUNTS[i + 1]} IPv4 prefixes (max-prefix ${NODE_MAX_PREFIX})` });
    steps.push({ atS, router: n6.leaf, op: 'stats', peer: n6.name });
  });
  steps.push({ atS: TEARDOWN_AT_S, router: n6.leaf, op: 'announce', peer: n6.name, routes: nodeRoutes(n6, overflow).slice(2), views: ['pre', 'post'] });
  steps.push({ atS: TEARDOWN_AT_S, router: n6.leaf, op: 'max-prefix-teardown', peer: n6.name, afi: 1, limit: NODE_MAX_PREFIX, note: `${n6.name} sends its ${OVERFLOW_COUNT}th prefix; ${n6.leaf} tears it down: Cease / Maximum Number of Prefixes Reached` });

  steps.sort((a, b) => a.atS - b.atS);
  const story: DemoStory = {
    flap: { router: n1.leaf, peer: n1.address, node: n1.name, prefix: flapRoute.prefix, cycles: FLAP_CYCLES, startS: FLAP_START_S, periodS: FLAP_PERIOD_S },
    leak: {
      router: n2.leaf,
      peer: n2.address,
      node: n2.name,
      misOrigin: n1.podV4,
      owner: n1.name,
      podIp,
      atS: LEAK_AT_S,
      border: { router: border.name, fromPeer: fromLeaf1?.address ?? '', toPeer: upstream?.address ?? '', prefix: POD_SUPERNET, atS: BORDER_LEAK_AT_S },
    },
    pressure: { router: n6.leaf, peer: n6.address, node: n6.name, limit: NODE_MAX_PREFIX, counts: PRESSURE_COUNTS, atS: PRESSURE_AT_S, overflow: OVERFLOW_COUNT, teardownAtS: TEARDOWN_AT_S },
    endS: TEARDOWN_AT_S,
    statsEveryS: STATS_EVERY_S,
  };
  return { routers, initial, steps, story };
}

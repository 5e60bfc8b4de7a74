/**
 * Leaks against the inventory. Every announced path, in every RIB view, is checked against the
 * address space the inventory assigns (inventory/inventory.ts); a leak is a state, so dump records are
 * checked too (a leak in the table is a leak), and it holds until the path is withdrawn, its
 * session goes down, or its router's session is gone for longer than `staleGraceMs` without
 * re-announcing it (a router reconnect with a re-dump neither clears nor re-opens anything).
 *
 * Findings for a path P seen at router R from peer X:
 * - foreign-overlap: P is (inside) a cluster range but originated outside the fabric (origin AS
 *   neither a node of that cluster nor an inventory router, and X not one of its nodes). Covering
 *   less-specifics (a default route, 10/8 from upstream) only with `coveringForeign`.
 * - pod-cidr-leak: a pod range where the cluster policy forbids advertising pods
 *   (advertisePodCIDRs false); at a border router or to/from an external peer (always); a node's
 *   PodCIDR announced by another node (X or the next hop is another node) or another AS (origin
 *   AS ≠ the node's ASN); a more-specific of a node's PodCIDR (a /32 pod IP); a pod range
 *   allocated to no node, announced by a node.
 * - service-cidr-leak: a service range in BGP while advertiseServiceCIDRs is false (warning), or at
 *   the border / an external peer (critical).
 * - lb-ip-leak: a LoadBalancer or egress IP announced by another cluster's node or AS. LB pools and
 *   egress IPs are meant to leave the fabric: seen at the border is fine, and an LB IP moving
 *   between the cluster's own nodes (externalTrafficPolicy: Local) is normal.
 * - missing-no-export: a LoadBalancer route received straight from one of the cluster's nodes
 *   without NO_EXPORT while the cluster's policy.noExportOnLoadBalancer requires it (further
 *   downstream, routers may legitimately rewrite communities).
 * - cluster-overlap: two clusters' ranges (or two nodes' PodCIDRs) overlap in the inventory;
 *   reported at load and on every reload, cleared when fixed.
 *
 * The router's own routes (FRR's peer 0.0.0.0 / AS 0) are not a node and are not checked.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { Inventory } from '../../inventory/inventory.js';
import type { InventoryNode, OwnedRange, RangeOverlap } from '../../inventory/inventory.js';
import { parsePrefix } from '../../inventory/prefix-trie.js';
import type { BusRecord, RouteAttributes, RouteRecord } from '../../records/types.js';
import { SEVERITY_RANK, alertKey } from '../types.js';
import type { AlertKind, AlertSubject, Detector, FactValue, Observation, Severity } from '../types.js';
import { RouterDirectory, eventMs, isSelfPeer, iso, originAs } from './common.js';
import type { CommonOptions } from './common.js';

export interface LeakOptions extends CommonOptions {
  /** RIB views checked. Default: all (adj-out views show what is sent to a peer). */
  readonly views?: readonly RibView[];
  /** A router's leak sightings survive a lost BMP session this long, waiting for its re-dump. Default 5 min. */
  readonly staleGraceMs?: number;
  /** Also flag foreign less-specifics covering cluster ranges (default routes excepted). Default false. */
  readonly coveringForeign?: boolean;
}

interface Finding {
  kind: AlertKind;
  severity: Severity;
  cluster: string;
  node: string | null;
  summary: string;
  facts: Record<string, FactValue>;
  nextStep: string;
}

interface Sighting {
  lastMs: number;
  session: string;
  obsKeys: string[];
  /** The record that announced it, to check it again against a reloaded inventory. */
  rec: RouteRecord;
}

interface Observer {
  sightings: Set<string>;
  last: Observation;
}

export class LeakDetector implements Detector {
  readonly name = 'leaks';
  private readonly dir: RouterDirectory;
  private readonly views: ReadonlySet<RibView>;
  private readonly sightings = new Map<string, Sighting>();
  private readonly byPeer = new Map<string, Set<string>>();
  private readonly observers = new Map<string, Observer>();
  private readonly routerSessions = new Map<string, { session: string | null; sinceMs: number }>();
  private readonly overlapObs = new Map<string, Observation>();
  private pending: Observation[] = [];
  private readonly staleGraceMs: number;
  private readonly coveringForeign: boolean;
  private readonly maxKeys: number;
  private readonly clock: () => number;
  private asnCache: { clusters: Map<string, Set<number>>; routers: Set<number> } | null = null;
  /** Sightings refused because of the cap, for metrics. */
  dropped = 0;

  constructor(inventory: Inventory = Inventory.empty(), opts: LeakOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.views = new Set(opts.views ?? ['adj-in-pre', 'adj-in-post', 'loc-rib', 'adj-out-pre', 'adj-out-post']);
    this.staleGraceMs = opts.staleGraceMs ?? 300_000;
    this.coveringForeign = opts.coveringForeign ?? false;
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.clock = opts.clock ?? Date.now;
    this.pending = this.overlaps(inventory, this.clock());
  }

  /**
   * A reloaded inventory: overlap alerts are recomputed and every current leak is checked again
   * (a policy fixed in the inventory clears its alerts); emitted with the next onRecord/tick.
   * Paths that were fine before and leak under the new inventory are found when next announced.
   */
  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
    this.asnCache = null;
    const now = this.clock();
    this.pending.push(...this.overlaps(inv, now));
    for (const [k, s] of [...this.sightings]) {
      const prefix = k.split('|')[5] ?? '';
      const findings = this.check(s.rec, prefix, s.rec.attributes);
      if (findings.length === 0) this.unsee(k, now, this.pending);
      else this.see(k, s.rec, prefix, findings, now, this.pending);
    }
  }

  stateSize(): number {
    return this.sightings.size;
  }

  private overlaps(inv: Inventory, now: number): Observation[] {
    const out: Observation[] = [];
    const seen = new Set<string>();
    for (const o of inv.overlaps) {
      const obs = overlapObservation(o, now, inv.file);
      const k = alertKey(obs);
      if (seen.has(k)) continue;
      seen.add(k);
      if (!this.overlapObs.has(k)) out.push(obs);
      this.overlapObs.set(k, obs);
    }
    for (const [k, obs] of this.overlapObs) {
      if (seen.has(k)) continue;
      this.overlapObs.delete(k);
      out.push({ ...obs, summary: `Fixed in the inventory: ${obs.summary}`, active: false, at: iso(now), nextStep: 'Nothing: cleared.' });
    }
    return out;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    const out = this.pending.length > 0 ? this.pending.splice(0) : [];
    switch (r.type) {
      case 'route':
        this.onRoute(r, out);
        break;
      case 'peer_down':
        this.dropPeer(r.router, r.peer.address, eventMs(r), out);
        break;
      case 'peer_up':
        // A reset without Peer Down: the new session re-sends what it has.
        if (r.reset) this.dropPeer(r.router, r.peer.address, eventMs(r), out);
        break;
      case 'router_up':
        this.routerSessions.set(r.router, { session: r.session, sinceMs: eventMs(r) });
        break;
      case 'router_down':
        this.routerSessions.set(r.router, { session: null, sinceMs: eventMs(r) });
        break;
      case 'router_init':
      case 'end_of_rib':
      case 'stats':
      case 'mirror':
        break;
    }
    return out;
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out = this.pending.splice(0);
    // Sightings from a router session that ended and were not re-announced within the grace.
    for (const [k, s] of this.sightings) {
      const router = k.slice(0, k.indexOf('|'));
      const rs = this.routerSessions.get(router);
      if (rs && rs.session !== s.session && nowMs - rs.sinceMs >= this.staleGraceMs) this.unsee(k, nowMs, out);
    }
    return out;
  }

  private dropPeer(router: string, peer: string, t: number, out: Observation[]): void {
    const set = this.byPeer.get(`${router}|${peer}`);
    if (!set) return;
    for (const k of [...set]) this.unsee(k, t, out);
  }

  private onRoute(r: RouteRecord, out: Observation[]): void {
    if (isSelfPeer(r.peer) || !this.views.has(r.rib)) return;
    const t = eventMs(r);
    const base = `${r.router}|${r.peer.address}|${r.peer.rd ?? ''}|${r.rib}|${r.afi_safi}|`;
    for (const w of r.withdrawn) {
      const k = `${base}${w.prefix}|${w.path_id ?? ''}`;
      if (this.sightings.has(k)) this.unsee(k, t, out);
    }
    for (const a of r.announced) {
      const findings = this.check(r, a.prefix, r.attributes);
      const k = `${base}${a.prefix}|${a.path_id ?? ''}`;
      if (findings.length === 0) {
        if (this.sightings.has(k)) this.unsee(k, t, out);
        continue;
      }
      this.see(k, r, a.prefix, findings, t, out);
    }
  }

  private see(k: string, r: RouteRecord, prefix: string, findings: Finding[], t: number, out: Observation[]): void {
    let s = this.sightings.get(k);
    if (!s) {
      if (this.sightings.size >= this.maxKeys) {
        this.dropped++;
        return;
      }
      s = { lastMs: t, session: r.session, obsKeys: [], rec: r };
      this.sightings.set(k, s);
      const pk = `${r.router}|${r.peer.address}`;
      let set = this.byPeer.get(pk);
      if (!set) this.byPeer.set(pk, (set = new Set()));
      set.add(k);
    }
    s.lastMs = t;
    s.session = r.session;
    s.rec = r;
    const routerName = this.dir.name(r.router);
    const next: string[] = [];
    for (const f of findings) {
      const subject: AlertSubject = { router: routerName, peer: r.peer.address, cluster: f.cluster, ...(f.node ? { node: f.node } : {}), prefix };
      const obs: Observation = {
        kind: f.kind,
        severity: f.severity,
        subject,
        summary: f.summary,
        facts: { ...f.facts, rib: r.rib, afi_safi: r.afi_safi, peer_asn: r.peer.asn, as_path: r.attributes ? JSON.stringify(r.attributes.as_path) : null, next_hop: r.attributes?.next_hop ?? null },
        nextStep: f.nextStep,
        at: iso(t),
        active: true,
        detector: this.name,
      };
      const ok = alertKey(obs);
      next.push(ok);
      const o = this.observers.get(ok);
      if (!o) {
        this.observers.set(ok, { sightings: new Set([k]), last: obs });
        out.push(obs);
      } else {
        o.sightings.add(k);
        if (o.last.severity !== obs.severity || o.last.summary !== obs.summary) {
          o.last = obs;
          out.push(obs);
        }
      }
    }
    for (const ok of s.obsKeys) if (!next.includes(ok)) this.release(ok, k, t, out);
    s.obsKeys = next;
  }

  private unsee(k: string, t: number, out: Observation[]): void {
    const s = this.sightings.get(k);
    if (!s) return;
    this.sightings.delete(k);
    const parts = k.split('|');
    const pk = `${parts[0]}|${parts[1]}`;
    const set = this.byPeer.get(pk);
    set?.delete(k);
    if (set?.size === 0) this.byPeer.delete(pk);
    for (const ok of s.obsKeys) this.release(ok, k, t, out);
  }

  private release(ok: string, k: string, t: number, out: Observation[]): void {
    const o = this.observers.get(ok);
    if (!o) return;
    o.sightings.delete(k);
    if (o.sightings.size > 0) return;
    this.observers.delete(ok);
    out.push({ ...o.last, summary: `No longer seen: ${o.last.summary}`, active: false, at: iso(t), nextStep: 'Nothing: cleared.' });
  }

  private asns(): { clusters: Map<string, Set<number>>; routers: Set<number> } {
    if (!this.asnCache) {
      const inv = this.dir.inventory;
      const clusters = new Map<string, Set<number>>();
      for (const c of inv.clusters) clusters.set(c.name, new Set(c.nodes.map((n) => n.asn)));
      const routers = new Set<number>();
      for (const r of inv.routers) if (r.asn !== null) routers.add(r.asn);
      this.asnCache = { clusters, routers };
    }
    return this.asnCache;
  }

  /** The checks, for one announced path. */
  private check(r: RouteRecord, prefix: string, attrs: RouteAttributes | null): Finding[] {
    const inv = this.dir.inventory;
    const key = parsePrefix(prefix);
    if (!key) return [];
    const owners = inv.owners(key);
    if (owners.length === 0) {
      if (!this.coveringForeign || key.length === 0) return [];
      return this.coveringCheck(r, prefix, attrs, inv.inside(key));
    }
    const { clusters: clusterAsns, routers: routerAsns } = this.asns();
    const origin = originAs(attrs);
    const adjOut = r.rib === 'adj-out-pre' || r.rib === 'adj-out-post';
    // In Adj-RIB-Out the peer is the receiver, not the announcer.
    const peerNode = adjOut ? undefined : inv.nodeByAddress(r.peer.address);
    const nhNode = !adjOut && attrs?.next_hop ? inv.nodeByAddress(attrs.next_hop) : undefined;
    const announcer: InventoryNode | undefined = peerNode ?? nhNode;
    const invRouter = this.dir.inventoryRouter(r.router);
    const routerName = this.dir.name(r.router);
    const invPeer = this.dir.inventoryPeer(r.router, r.peer.address);
    const external = invPeer?.external === true;
    const border = invRouter?.role === 'border';
    const where = external ? (adjOut ? `advertised by ${routerName} to external peer ${r.peer.address}` : `received by ${routerName} from external peer ${r.peer.address}`) : border ? `visible at border router ${routerName}` : `at ${routerName} from ${r.peer.address}`;
    const findings: Finding[] = [];
    const clusterName = (owners.at(-1) as OwnedRange).cluster;
    const cluster = inv.cluster(clusterName);
    const ours = clusterAsns.get(clusterName) ?? new Set<number>();

    // Someone outside the fabric announces our space.
    const foreignOrigin = origin !== null && !ours.has(origin) && !routerAsns.has(origin) && !(announcer && announcer.cluster === clusterName);
    if (foreignOrigin && !adjOut) {
      const nodeOwner = owners.find((o) => o.kind === 'node-pod');
      const otherCluster = [...clusterAsns].find(([, set]) => set.has(origin))?.[0];
      if (otherCluster === undefined) {
        return [
          {
            kind: 'foreign-overlap',
            severity: 'critical',
            cluster: clusterName,
            node: nodeOwner?.node?.name ?? null,
            summary: `${prefix} (${describeOwners(owners)}) is originated by AS ${origin}, outside cluster ${clusterName}, ${where}`,
            facts: { origin_as: origin, owned_as: owners.map((o) => `${o.kind}:${o.prefix}`).join(', ') },
            nextStep: `Find who AS ${origin} is (the AS path shows how it got here); filter ${prefix} inbound on ${routerName} and fix the inventory if that space was reassigned.`,
          },
        ];
      }
    }

    const podOwner = owners.find((o) => o.kind === 'pod' || o.kind === 'node-pod');
    const nodeOwner = [...owners].reverse().find((o) => o.kind === 'node-pod');
    const svcOwner = owners.find((o) => o.kind === 'service');
    const lbOwner = owners.find((o) => o.kind === 'lb' || o.kind === 'egress');
    const exposed = border || external;
    const ownerNode = nodeOwner?.node ?? null;
    const base = { cluster: clusterName, node: ownerNode?.name ?? null };

    if (podOwner) {
      const reasons: string[] = [];
      let severity: Severity = 'warning';
      if (exposed) {
        reasons.push(`pod range ${where}`);
        severity = 'critical';
      } else if (cluster && !cluster.policy.advertisePodCIDRs) {
        reasons.push(`pod range advertised while cluster ${clusterName} policy forbids it (advertisePodCIDRs: false), ${where}`);
        severity = 'critical';
      }
      if (nodeOwner && ownerNode) {
        const own = parsePrefix(nodeOwner.prefix);
        if (own && key.length > own.length) reasons.push(`more-specific of node ${ownerNode.name}'s PodCIDR ${nodeOwner.prefix}${key.length === (key.family === 4 ? 32 : 128) ? ' (a single pod IP)' : ''}`);
        if (announcer && announcer !== ownerNode && !adjOut) {
          reasons.push(`node ${ownerNode.name}'s PodCIDR ${nodeOwner.prefix} is announced by node ${announcer.name} (${announcer.address})`);
          severity = 'critical';
        } else if (origin !== null && origin !== ownerNode.asn && !routerAsns.has(origin) && !foreignOrigin) {
          reasons.push(`node ${ownerNode.name}'s PodCIDR ${nodeOwner.prefix} is originated by AS ${origin}, not the node's AS ${ownerNode.asn}`);
          severity = 'critical';
        }
      } else if (podOwner.kind === 'pod' && announcer && cluster && cluster.nodes.length > 0 && key.length > (parsePrefix(podOwner.prefix)?.length ?? 0)) {
        reasons.push(`pod range allocated to no node, announced by node ${announcer.name}`);
      }
      if (foreignOrigin && reasons.length === 0) reasons.push(`pod range originated by AS ${origin}, a node of another cluster`);
      if (reasons.length > 0) {
        findings.push({
          kind: 'pod-cidr-leak',
          severity: foreignOrigin ? 'critical' : severity,
          ...base,
          summary: `${prefix}: ${reasons.join('; ')}`,
          facts: { reasons: reasons.join('; '), owner: `${podOwner.kind}:${podOwner.prefix}`, owner_node: ownerNode?.name ?? null, announced_by_node: announcer?.name ?? null, origin_as: origin, router_role: invRouter?.role ?? null, external_peer: external },
          nextStep: exposed
            ? `Pod ranges must stay inside the fabric: check the export policy on ${routerName} towards ${r.peer.address} and what the node speakers advertise.`
            : announcer && ownerNode && announcer !== ownerNode
              ? `Check the BGP config of node ${announcer.name} (CiliumBGPAdvertisement / BIRD export): it advertises ${ownerNode.name}'s PodCIDR; compare with "kubectl get node ${ownerNode.name} -o jsonpath='{.spec.podCIDRs}'".`
              : `Check the node speakers' advertisements (Cilium BGP advertisements, BIRD export filters) for ${prefix}.`,
        });
      }
    }

    if (svcOwner) {
      const forbidden = cluster ? !cluster.policy.advertiseServiceCIDRs : true;
      if (exposed || forbidden) {
        findings.push({
          kind: 'service-cidr-leak',
          severity: exposed ? 'critical' : 'warning',
          cluster: clusterName,
          node: announcer && announcer.cluster === clusterName ? announcer.name : null,
          summary: `${prefix}: service range ${svcOwner.prefix} of cluster ${clusterName} ${exposed ? where : `advertised while policy forbids it (advertiseServiceCIDRs: false), ${where}`}`,
          facts: { owner: `service:${svcOwner.prefix}`, announced_by_node: announcer?.name ?? null, origin_as: origin, router_role: invRouter?.role ?? null, external_peer: external },
          nextStep: `Service ClusterIPs are not routable outside the cluster: find the speaker advertising ${prefix} (Cilium service advertisement, kube-router) and its policy.`,
        });
      }
    }

    if (lbOwner && !adjOut) {
      const otherClusterNode = announcer && announcer.cluster !== clusterName ? announcer : undefined;
      const otherClusterAs = origin !== null && !ours.has(origin) && !routerAsns.has(origin) ? [...clusterAsns].find(([name, set]) => name !== clusterName && set.has(origin))?.[0] : undefined;
      if (otherClusterNode || otherClusterAs !== undefined) {
        findings.push({
          kind: 'lb-ip-leak',
          severity: 'critical',
          cluster: clusterName,
          node: null,
          summary: `${prefix}: ${lbOwner.kind === 'lb' ? 'LoadBalancer' : 'egress'} address of cluster ${clusterName} (${lbOwner.prefix}) announced by ${otherClusterNode ? `node ${otherClusterNode.name} of cluster ${otherClusterNode.cluster}` : `AS ${origin} (cluster ${otherClusterAs})`}, ${where}`,
          facts: { owner: `${lbOwner.kind}:${lbOwner.prefix}`, announced_by_node: announcer?.name ?? null, announced_by_cluster: otherClusterNode?.cluster ?? otherClusterAs ?? null, origin_as: origin },
          nextStep: `Two clusters claim ${prefix}: check both clusters' LB IP pools (CiliumLoadBalancerIPPool / MetalLB IPAddressPool) for the overlap.`,
        });
      }
      const lbRoute = lbOwner.kind === 'lb';
      // Checked where the node hands the route over: downstream routers may rewrite communities.
      const fromOwnNode = peerNode !== undefined && peerNode.cluster === clusterName && (r.rib === 'adj-in-pre' || r.rib === 'adj-in-post');
      if (lbRoute && fromOwnNode && cluster?.policy.noExportOnLoadBalancer && attrs && !attrs.communities.includes('NO_EXPORT')) {
        findings.push({
          kind: 'missing-no-export',
          severity: 'warning',
          cluster: clusterName,
          node: peerNode.name,
          summary: `${prefix}: LoadBalancer route from node ${peerNode.name} without NO_EXPORT (cluster ${clusterName} policy requires it), at ${routerName}`,
          facts: { owner: `lb:${lbOwner.prefix}`, communities: attrs.communities.join(' ') || null, announced_by_node: peerNode.name },
          nextStep: `Add NO_EXPORT to the LB advertisement (Cilium: CiliumBGPAdvertisement attributes.communities.wellKnown: [no-export]; MetalLB: BGPAdvertisement communities).`,
        });
      }
    }
    return mergeFindings(findings);
  }

  private coveringCheck(r: RouteRecord, prefix: string, attrs: RouteAttributes | null, inside: OwnedRange[]): Finding[] {
    if (inside.length === 0) return [];
    const origin = originAs(attrs);
    const { clusters, routers } = this.asns();
    if (origin === null || routers.has(origin)) return [];
    const first = inside[0] as OwnedRange;
    if (clusters.get(first.cluster)?.has(origin)) return [];
    return [
      {
        kind: 'foreign-overlap',
        severity: 'warning',
        cluster: first.cluster,
        node: null,
        summary: `${prefix} from AS ${origin} covers cluster ${first.cluster}'s ${describeOwners(inside.slice(0, 3))}: if the cluster's routes are withdrawn, traffic follows it out (at ${this.dir.name(r.router)} from ${r.peer.address})`,
        facts: { origin_as: origin, covers: inside.map((o) => `${o.kind}:${o.prefix}`).slice(0, 10).join(', ') },
        nextStep: `Check whether ${prefix} from AS ${origin} is expected (an upstream aggregate) or overlaps space the cluster uses.`,
      },
    ];
  }
}

function describeOwners(owners: readonly OwnedRange[]): string {
  const names: Record<string, string> = { pod: 'pod range', 'node-pod': 'PodCIDR', service: 'service range', lb: 'LB pool', egress: 'egress IP' };
  return owners.map((o) => `${o.cluster} ${names[o.kind] ?? o.kind} ${o.prefix}${o.node ? ` of ${o.node.name}` : ''}`).join(', ');
}

/** One finding per kind: the worst severity, reasons joined. */
function mergeFindings(fs: Finding[]): Finding[] {
  const by = new Map<AlertKind, Finding>();
  for (const f of fs) {
    const prev = by.get(f.kind);
    if (!prev) by.set(f.kind, f);
    else {
      prev.severity = SEVERITY_RANK[f.severity] > SEVERITY_RANK[prev.severity] ? f.severity : prev.severity;
      prev.summary = `${prev.summary}; ${f.summary}`;
    }
  }
  return [...by.values()];
}

function overlapObservation(o: RangeOverlap, now: number, file: string): Observation {
  const same = o.a.cluster === o.b.cluster;
  const what = (r: OwnedRange) => `${r.cluster}${r.node ? `/${r.node.name}` : ''} ${r.kind} ${r.prefix}`;
  return {
    kind: 'cluster-overlap',
    severity: o.a.kind === 'node-pod' || o.b.kind === 'node-pod' || o.a.kind === 'pod' || o.b.kind === 'pod' ? 'critical' : 'warning',
    subject: { cluster: o.a.cluster, ...(o.a.node ? { node: o.a.node.name } : {}), prefix: o.a.prefix },
    summary: `${same ? 'Two nodes' : 'Two clusters'} claim overlapping space: ${what(o.a)} and ${what(o.b)}`,
    facts: { cluster_a: o.a.cluster, range_a: o.a.prefix, kind_a: o.a.kind, cluster_b: o.b.cluster, range_b: o.b.prefix, kind_b: o.b.kind, node_b: o.b.node?.name ?? null, inventory: file || null },
    nextStep: same ? 'Two nodes cannot own overlapping PodCIDRs: check the node allocations (kubectl get nodes -o custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDRs).' : 'Overlapping clusters make routing ambiguous: renumber one, or fix the inventory if it is wrong.',
    at: iso(now),
    active: true,
    detector: 'leaks',
  };
}

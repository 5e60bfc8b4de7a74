/**
 * What the routers see, judged against what Kubernetes says should be advertised
 * (kubernetes/intent.ts). Nodes are matched to BMP peers by address (a Node's InternalIP equals
 * the peer address the router reports). Four findings, each raised only after `graceMs` — from
 * the later of the expectation's last change and the session's Peer Up — because routers follow
 * the cluster a moment later:
 *
 * - missing-advertisement: a node should announce P (its PodCIDR, a Service's LB/external/cluster
 *   IP, an egress IP) and a router where the node is a BGP peer does not receive it. Resolves when
 *   the route appears or the expectation goes (the object is deleted or no longer selects it).
 *   For an egress IP, one of the candidate gateway nodes is enough.
 * - unexpected-announcer: a node announces the address of an `externalTrafficPolicy: Local`
 *   Service without a ready endpoint on it: traffic sent there is dropped (a blackhole).
 * - community-mismatch: a node's route lacks communities its advertisement asks for, or carries a
 *   local preference other than asked (iBGP); or a route carrying NO_EXPORT is sent to an external
 *   peer. (NO_EXPORT missing on an LB route stays `missing-no-export`, from the leak checks.)
 * - bgp-status-mismatch: the node's CiliumBGPNodeConfig status says it advertises N routes of a
 *   family to a peer, and that router receives M ≠ N from it.
 *
 * Only Adj-RIB-In views (pre and post policy) are read: they are what the node sent.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, RouteAttributes, RouteRecord } from '../../records/types.js';
import type { ClusterIntent, ExpectedAdvertisement, NodeIntent } from '../../kubernetes/index.js';
import { RouterDirectory, eventMs, isSelfPeer, iso } from '../detectors/common.js';
import { alertKey } from '../types.js';
import type { AlertKind, AlertSubject, Detector, FactValue, Observation, Severity } from '../types.js';

export interface KubernetesDetectorOptions {
  /** kubernetes.graceSeconds in ms. Default 60 s. */
  readonly graceMs?: number;
  /** Cap on tracked node routes. Default 200,000. */
  readonly maxKeys?: number;
  readonly clock?: () => number;
}

const ADJ_IN: ReadonlySet<RibView> = new Set(['adj-in-pre', 'adj-in-post']);

interface NodeRef {
  readonly cluster: string;
  readonly node: NodeIntent;
}

interface SeenRoute {
  readonly communities: readonly string[];
  readonly large: readonly string[];
  readonly localPref: number | null;
  readonly firstMs: number;
}

interface PeerSession {
  up: boolean;
  sinceMs: number;
  /** The router's own address on this session: which of the node's peers it is. */
  local: string | null;
  /** prefix|view → what was received. */
  routes: Map<string, SeenRoute>;
}

interface Finding {
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly subject: AlertSubject;
  readonly summary: string;
  readonly facts: Record<string, FactValue>;
  readonly nextStep: string;
}

function afiOf(prefix: string): string {
  return prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}

export class KubernetesDetector implements Detector {
  readonly name = 'kubernetes';
  private readonly dir: RouterDirectory;
  private readonly graceMs: number;
  private readonly maxKeys: number;
  private readonly clock: () => number;
  private intents: readonly ClusterIntent[] = [];
  private byAddress = new Map<string, NodeRef>();
  /** cluster|prefix → Local Service: its name and the nodes that may announce it. */
  private localServices = new Map<string, { service: string; announcers: ReadonlySet<string>; cluster: string }>();
  /** When each expectation (cluster|node|prefix) last changed. */
  private readonly since = new Map<string, number>();
  /** router|peer → the BGP session as BMP reports it. */
  private readonly sessions = new Map<string, PeerSession>();
  /** alert key → the observation last emitted while active. */
  private readonly open = new Map<string, Observation>();
  /** router|peer|prefix → a Kubernetes route with NO_EXPORT sent to an external peer. */
  private readonly noExportOut = new Map<string, { router: string; peer: string; prefix: string; firstMs: number }>();
  private routeCount = 0;
  /** Routes not tracked because of the cap, for metrics. */
  dropped = 0;

  constructor(inventory: Inventory = Inventory.empty(), opts: KubernetesDetectorOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.graceMs = opts.graceMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 200_000;
    this.clock = opts.clock ?? Date.now;
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
  }

  /** A new intent; `changed` (cluster → prefixes) restarts the grace for those expectations. */
  setIntent(intents: readonly ClusterIntent[], changed: ReadonlyMap<string, ReadonlySet<string>>, atMs: number = this.clock()): void {
    const first = this.intents.length === 0;
    this.intents = intents;
    const byAddress = new Map<string, NodeRef>();
    const local = new Map<string, { service: string; announcers: ReadonlySet<string>; cluster: string }>();
    const live = new Set<string>();
    for (const ci of intents) {
      for (const n of ci.nodes) {
        for (const a of n.addresses) byAddress.set(a, { cluster: ci.name, node: n });
        for (const ad of n.advertisements) {
          const k = `${ci.name}|${n.name}|${ad.prefix}`;
          live.add(k);
          if (!this.since.has(k) || changed.get(ci.name)?.has(ad.prefix)) this.since.set(k, first ? atMs : atMs);
        }
      }
      for (const s of ci.services) {
        if (s.externalTrafficPolicy !== 'Local') continue;
        for (const a of s.addresses) if (a.kind === 'lb-ip' || a.kind === 'external-ip') local.set(`${ci.name}|${a.prefix}`, { service: `${s.namespace}/${s.name}`, announcers: new Set(s.announcers), cluster: ci.name });
      }
      // Unexpected announcers are judged from the change too.
      for (const p of changed.get(ci.name) ?? []) this.since.set(`${ci.name}|*|${p}`, atMs);
    }
    for (const k of [...this.since.keys()]) if (!live.has(k) && !k.includes('|*|')) this.since.delete(k);
    this.byAddress = byAddress;
    this.localServices = local;
  }

  stateSize(): number {
    return this.routeCount;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    switch (r.type) {
      case 'peer_up': {
        const k = `${r.router}|${r.peer.address}`;
        const prev = this.sessions.get(k);
        if (prev) this.routeCount -= prev.routes.size;
        this.sessions.set(k, { up: true, sinceMs: eventMs(r), local: r.local_address, routes: new Map() });
        break;
      }
      case 'peer_down': {
        const s = this.sessions.get(`${r.router}|${r.peer.address}`);
        if (s) {
          this.routeCount -= s.routes.size;
          s.routes.clear();
          s.up = false;
          s.sinceMs = eventMs(r);
        }
        break;
      }
      case 'router_down':
        for (const [k, s] of this.sessions) {
          if (!k.startsWith(`${r.router}|`)) continue;
          this.routeCount -= s.routes.size;
          s.routes.clear();
          s.up = false;
          s.sinceMs = eventMs(r);
        }
        break;
      case 'route':
        this.onRoute(r);
        break;
      case 'router_up':
      case 'router_init':
      case 'end_of_rib':
      case 'stats':
      case 'mirror':
        break;
    }
    return [];
  }

  private onRoute(r: RouteRecord): void {
    if (r.rib === 'adj-out-pre' || r.rib === 'adj-out-post') {
      this.onAdjOut(r);
      return;
    }
    if (!ADJ_IN.has(r.rib) || isSelfPeer(r.peer)) return;
    const k = `${r.router}|${r.peer.address}`;
    let s = this.sessions.get(k);
    if (!s) {
      // Routes before (or without) a Peer Up: the session is up since now.
      s = { up: true, sinceMs: eventMs(r), local: null, routes: new Map() };
      this.sessions.set(k, s);
    }
    for (const w of r.withdrawn) {
      if (s.routes.delete(`${w.prefix}|${r.rib}`)) this.routeCount--;
    }
    if (r.announced.length === 0) return;
    const a: RouteAttributes | null = r.attributes;
    const t = eventMs(r);
    for (const p of r.announced) {
      const rk = `${p.prefix}|${r.rib}`;
      const prev = s.routes.get(rk);
      if (!prev) {
        if (this.routeCount >= this.maxKeys) {
          this.dropped++;
          continue;
        }
        this.routeCount++;
      }
      s.routes.set(rk, { communities: a?.communities ?? [], large: a?.large_communities ?? [], localPref: a?.local_pref ?? null, firstMs: prev?.firstMs ?? t });
    }
  }

  /** NO_EXPORT must not cross an AS boundary: a cluster's route carrying it, sent to an external peer. */
  private onAdjOut(r: RouteRecord): void {
    if (this.dir.inventoryPeer(r.router, r.peer.address)?.external !== true) return;
    for (const w of r.withdrawn) this.noExportOut.delete(`${r.router}|${r.peer.address}|${w.prefix}`);
    if (!r.attributes?.communities.includes('NO_EXPORT')) {
      for (const p of r.announced) this.noExportOut.delete(`${r.router}|${r.peer.address}|${p.prefix}`);
      return;
    }
    const inv = this.dir.inventory;
    for (const p of r.announced) {
      if (inv.owners(p.prefix).length === 0) continue;
      const k = `${r.router}|${r.peer.address}|${p.prefix}`;
      if (!this.noExportOut.has(k) && this.noExportOut.size < this.maxKeys) this.noExportOut.set(k, { router: r.router, peer: r.peer.address, prefix: p.prefix, firstMs: eventMs(r) });
    }
  }

  private seen(s: PeerSession, prefix: string): SeenRoute | undefined {
    return s.routes.get(`${prefix}|adj-in-pre`) ?? s.routes.get(`${prefix}|adj-in-post`);
  }

  /** The grace has passed for an expectation since `fromMs`. */
  private ripe(key: string, fromMs: number, now: number): boolean {
    return now - Math.max(this.since.get(key) ?? 0, fromMs) >= this.graceMs;
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const findings: Finding[] = [];
    const routerSessions = new Map<string, { router: string; peer: string; s: PeerSession }[]>();
    for (const [k, s] of this.sessions) {
      if (!s.up) continue;
      const bar = k.indexOf('|');
      const peer = k.slice(bar + 1);
      let list = routerSessions.get(peer);
      if (!list) routerSessions.set(peer, (list = []));
      list.push({ router: k.slice(0, bar), peer, s });
    }
    /** 'any' expectations (egress IPs): per router, whether a candidate announces it and since when the sessions are up. */
    const anyHolders = new Map<string, { ad: ExpectedAdvertisement; cluster: string; nodes: string[]; routers: Map<string, { got: boolean; sinceMs: number }> }>();

    for (const ci of this.intents) {
      for (const n of ci.nodes) {
        const sessions = n.addresses.flatMap((a) => routerSessions.get(a) ?? []);
        if (sessions.length === 0) continue;
        for (const ad of n.advertisements) {
          const key = `${ci.name}|${n.name}|${ad.prefix}`;
          for (const { router, peer, s } of sessions) {
            // Sent only to some peers: this router is one of them when its session address is.
            if (ad.peers !== null && s.local !== null && !ad.peers.includes(s.local)) continue;
            const got = this.seen(s, ad.prefix);
            if (ad.mode === 'any') {
              const h = anyHolders.get(`${ci.name}|${ad.prefix}`) ?? { ad, cluster: ci.name, nodes: [], routers: new Map<string, { got: boolean; sinceMs: number }>() };
              anyHolders.set(`${ci.name}|${ad.prefix}`, h);
              if (!h.nodes.includes(n.name)) h.nodes.push(n.name);
              const prev = h.routers.get(router);
              h.routers.set(router, { got: (prev?.got ?? false) || got !== undefined, sinceMs: Math.max(prev?.sinceMs ?? 0, s.sinceMs) });
              continue;
            }
            if (!got) {
              if (this.ripe(key, s.sinceMs, nowMs)) findings.push(this.missing(ci.name, n, ad, router, peer));
              continue;
            }
            const mismatch = this.attributeMismatch(ad, got);
            if (mismatch && this.ripe(key, got.firstMs, nowMs)) findings.push(this.communityMismatch(ci.name, n, ad, router, peer, got, mismatch));
          }
        }
        findings.push(...this.statusMismatch(ci.name, n, sessions, nowMs));
      }
    }
    for (const h of anyHolders.values()) {
      for (const [router, r] of h.routers) {
        const key = `${h.cluster}|${h.nodes[0] ?? ''}|${h.ad.prefix}`;
        if (r.got || !this.ripe(key, r.sinceMs, nowMs)) continue;
        findings.push({
          kind: 'missing-advertisement',
          severity: 'warning',
          subject: { cluster: h.cluster, router: this.dir.name(router), prefix: h.ad.prefix },
          summary: `${h.ad.prefix} (${h.ad.kind}, asked by ${h.ad.source}) is announced by none of its candidate nodes ${h.nodes.join(', ')} at ${this.dir.name(router)}`,
          facts: { expected_kind: h.ad.kind, source: h.ad.source, candidates: h.nodes.join(', '), grace_seconds: this.graceMs / 1000 },
          nextStep: `Check which node holds the egress IP (kubectl get ciliumegressgatewaypolicies -o yaml) and that node's BGP advertisements.`,
        });
      }
    }
    // Unexpected announcers: every node route that is a Local Service's address.
    for (const [k, s] of this.sessions) {
      if (!s.up || this.localServices.size === 0) continue;
      const bar = k.indexOf('|');
      const router = k.slice(0, bar);
      const peer = k.slice(bar + 1);
      const ref = this.byAddress.get(peer);
      if (!ref) continue;
      for (const [rk, got] of s.routes) {
        const prefix = rk.slice(0, rk.indexOf('|'));
        const svc = this.localServices.get(`${ref.cluster}|${prefix}`);
        if (!svc || svc.announcers.has(ref.node.name)) continue;
        if (!this.ripe(`${ref.cluster}|*|${prefix}`, got.firstMs, nowMs)) continue;
        findings.push({
          kind: 'unexpected-announcer',
          severity: 'critical',
          subject: { cluster: ref.cluster, node: ref.node.name, service: svc.service, router: this.dir.name(router), peer, prefix },
          summary: `${prefix} of Service ${svc.service} (externalTrafficPolicy: Local) is announced by node ${ref.node.name}, which has no ready endpoint: traffic it attracts is dropped (at ${this.dir.name(router)})`,
          facts: { service: svc.service, announced_by_node: ref.node.name, ready_nodes: [...svc.announcers].join(', ') || null, external_traffic_policy: 'Local' },
          nextStep: `kubectl get endpointslices -n ${svc.service.split('/')[0] ?? ''} -l kubernetes.io/service-name=${svc.service.split('/')[1] ?? ''} -o wide: the speaker on ${ref.node.name} should withdraw ${prefix}; check its agent (cilium bgp routes / metallb speaker logs).`,
        });
      }
    }
    for (const x of this.noExportOut.values()) {
      const owner = this.dir.inventory.owners(x.prefix).at(-1);
      findings.push({
        kind: 'community-mismatch',
        severity: 'critical',
        subject: { ...(owner && { cluster: owner.cluster }), ...(owner?.node && { node: owner.node.name }), router: this.dir.name(x.router), peer: x.peer, prefix: x.prefix },
        summary: `${x.prefix} carries NO_EXPORT but ${this.dir.name(x.router)} sends it to external peer ${x.peer}: the community is not honoured at the AS boundary`,
        facts: { direction: 'adj-out', external_peer: x.peer, community: 'NO_EXPORT' },
        nextStep: `Check the export policy on ${this.dir.name(x.router)} towards ${x.peer}: routes with NO_EXPORT must not be advertised to eBGP peers (a route-map that sets "additive" communities, or a confederation misconfigured).`,
      });
    }
    return this.reconcile(findings, nowMs);
  }

  private attributeMismatch(ad: ExpectedAdvertisement, got: SeenRoute): { missing: string[]; localPref: number | null } | null {
    const missing = ad.communities.filter((c) => {
      // NO_EXPORT missing on an LB route is the leak checks' missing-no-export.
      if (c === 'NO_EXPORT' && ad.kind === 'lb-ip') return false;
      return /^\d+:\d+:\d+$/.test(c) ? !got.large.includes(c) : !got.communities.includes(c);
    });
    const lp = ad.localPref !== null && got.localPref !== null && got.localPref !== ad.localPref ? got.localPref : null;
    return missing.length > 0 || lp !== null ? { missing, localPref: lp } : null;
  }

  private missing(cluster: string, n: NodeIntent, ad: ExpectedAdvertisement, router: string, peer: string): Finding {
    const what = ad.service !== null ? `Service ${ad.service}'s ${ad.kind}` : ad.kind === 'pod-cidr' ? 'PodCIDR' : ad.kind;
    return {
      kind: 'missing-advertisement',
      severity: 'warning',
      subject: { cluster, node: n.name, ...(ad.service !== null && { service: ad.service }), router: this.dir.name(router), peer, prefix: ad.prefix },
      summary: `Node ${n.name} (cluster ${cluster}) should announce ${ad.prefix} (${what}, asked by ${ad.source}) but ${this.dir.name(router)} does not receive it from ${peer}`,
      facts: { expected_kind: ad.kind, source: ad.source, service: ad.service, expected_communities: ad.communities.join(' ') || null, node_asn: n.asn, grace_seconds: this.graceMs / 1000 },
      nextStep: n.speakers.includes('cilium')
        ? `On ${n.name}: cilium bgp routes advertised ipv4 unicast; check that a CiliumBGPAdvertisement selected by the peer config's families[].advertisements matches ${ad.service ?? 'the PodCIDR'}.`
        : `Check the speaker on ${n.name} (its advertisement config and logs) and the import policy on ${this.dir.name(router)} for ${ad.prefix}.`,
    };
  }

  private communityMismatch(cluster: string, n: NodeIntent, ad: ExpectedAdvertisement, router: string, peer: string, got: SeenRoute, m: { missing: string[]; localPref: number | null }): Finding {
    const parts: string[] = [];
    if (m.missing.length > 0) parts.push(`missing communities ${m.missing.join(' ')}`);
    if (m.localPref !== null) parts.push(`local-pref ${m.localPref}, expected ${ad.localPref}`);
    return {
      kind: 'community-mismatch',
      severity: 'warning',
      subject: { cluster, node: n.name, ...(ad.service !== null && { service: ad.service }), router: this.dir.name(router), peer, prefix: ad.prefix },
      summary: `${ad.prefix} from node ${n.name}${ad.service !== null ? ` (Service ${ad.service})` : ''} at ${this.dir.name(router)}: ${parts.join('; ')} (asked by ${ad.source})`,
      facts: { source: ad.source, expected_communities: ad.communities.join(' ') || null, received_communities: [...got.communities, ...got.large].join(' ') || null, missing: m.missing.join(' ') || null, expected_local_pref: ad.localPref, received_local_pref: got.localPref },
      nextStep: `Compare the advertisement's attributes (${ad.source}) with what ${n.name} sends (cilium bgp routes advertised / the speaker's config); a route-map on ${this.dir.name(router)} may also strip communities.`,
    };
  }

  private statusMismatch(cluster: string, n: NodeIntent, sessions: readonly { router: string; peer: string; s: PeerSession }[], nowMs: number): Finding[] {
    const out: Finding[] = [];
    for (const st of n.bgpStatus) {
      // The status names the peer by the router's address on the session.
      const match = sessions.filter((x) => x.s.local === st.peerAddress);
      const chosen = match.length > 0 ? match : sessions.length === 1 ? sessions : [];
      for (const { router, peer, s } of chosen) {
        for (const rc of st.routeCount) {
          if (rc.advertised === null) continue;
          const afiSafi = `${rc.afi}-${rc.safi}`;
          const key = `${cluster}|${n.name}|status:${st.peerAddress}`;
          const prefixes = new Set<string>();
          const pre = [...s.routes.keys()].some((k) => k.endsWith('|adj-in-pre'));
          for (const rk of s.routes.keys()) {
            const [p, view] = rk.split('|');
            if (p !== undefined && view === (pre ? 'adj-in-pre' : 'adj-in-post') && afiOf(p) === afiSafi) prefixes.add(p);
          }
          const m = prefixes.size;
          if (m === rc.advertised || !this.ripe(key, s.sinceMs, nowMs)) continue;
          out.push({
            kind: 'bgp-status-mismatch',
            severity: 'warning',
            subject: { cluster, node: n.name, router: this.dir.name(router), peer, afiSafi },
            summary: `CiliumBGPNodeConfig ${n.name} says ${rc.advertised} ${afiSafi} route${rc.advertised === 1 ? '' : 's'} advertised to ${st.peerAddress} (${st.peeringState ?? 'state unknown'}); ${this.dir.name(router)} receives ${m} from ${peer}`,
            facts: { status_advertised: rc.advertised, received: m, peer_status_address: st.peerAddress, peering_state: st.peeringState, instance: st.instance },
            nextStep: `cilium bgp routes advertised ${rc.afi} ${rc.safi} on ${n.name} vs "show bgp neighbor ${peer} received-routes" on ${this.dir.name(router)}: an import policy or max-prefix on the router, or a stale status.`,
          });
        }
      }
    }
    return out;
  }

  /** Findings now vs the alerts open: opens, updates and resolves. */
  private reconcile(findings: Finding[], nowMs: number): Observation[] {
    const out: Observation[] = [];
    const now = new Set<string>();
    for (const f of findings) {
      const obs: Observation = { kind: f.kind, severity: f.severity, subject: f.subject, summary: f.summary, facts: f.facts, nextStep: f.nextStep, at: iso(nowMs), active: true, detector: this.name };
      const k = alertKey(obs);
      if (now.has(k)) continue;
      now.add(k);
      const prev = this.open.get(k);
      if (!prev || prev.summary !== obs.summary || prev.severity !== obs.severity) {
        this.open.set(k, obs);
        out.push(obs);
      }
    }
    for (const [k, prev] of this.open) {
      if (now.has(k)) continue;
      this.open.delete(k);
      out.push({ ...prev, active: false, at: iso(nowMs), summary: `Resolved: ${prev.summary}`, nextStep: 'Nothing: cleared.' });
    }
    return out;
  }
}

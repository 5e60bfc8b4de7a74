/**
 * Intent: from one cluster's objects, what each node should announce and to whom. It follows the
 * speakers' own rules (docs/kubernetes.md has the table):
 *
 * - Cilium BGP control plane v2: CiliumBGPClusterConfig.nodeSelector picks the nodes; each
 *   bgpInstances[].peers[].peerConfigRef names a CiliumBGPPeerConfig, whose families[].advertisements
 *   label selector picks CiliumBGPAdvertisements; each advertisement (PodCIDR, CiliumPodIPPool,
 *   Service with LoadBalancerIP/ClusterIP/ExternalIP) becomes routes with its attributes. No
 *   matching advertisement: nothing is advertised. CiliumBGPNodeConfig gives each node's local
 *   ASN and, in its status, what the agent says it advertises per peer.
 * - Cilium's legacy CiliumBGPPeeringPolicy: virtualRouters[] with exportPodCIDR, serviceSelector,
 *   serviceAdvertisements and per-neighbor advertisedPathAttributes.
 * - CiliumEgressGatewayPolicy: the egress IP as a host route from one of the gateway nodes.
 * - MetalLB (BGP mode): each BGPAdvertisement's pools (ipAddressPools, ipAddressPoolSelectors, all
 *   when neither), nodeSelectors, peers, communities (names resolved through Community objects),
 *   localPref and aggregationLength, for every LoadBalancer Service whose address is in the pool.
 * - Calico: BGPConfiguration service ranges and IPPools (cluster ranges and policy; Calico's
 *   per-node blocks are not objects ribwatch reads, so no per-node pod route is expected).
 *
 * A Service address with `externalTrafficPolicy: Local` is expected only from nodes with a ready
 * endpoint (EndpointSlices); with `Cluster` from every selected node.
 *
 * Pure: objects in, intent out; no I/O.
 */
import { isIP } from 'node:net';
import type { ClusterPolicy, InventoryCluster, InventoryNode } from '../inventory/inventory.js';
import { formatPrefix, parsePrefix, prefixContains } from '../inventory/prefix-trie.js';
import type { ClusterObjects } from './cluster-objects.js';
import { SELECT_ALL, objectName, selects, standardCommunity } from './objects.js';
import type { BgpPeerStatus, KNode, KService, LabelSelector, PathAttributes, ServiceAddressType } from './objects.js';

export type AdvertisementKind = 'pod-cidr' | 'pod-pool' | 'lb-ip' | 'external-ip' | 'cluster-ip' | 'service-range' | 'egress-ip';

/** One route a node should announce. */
export interface ExpectedAdvertisement {
  readonly prefix: string;
  readonly kind: AdvertisementKind;
  /** "namespace/name" for a Service's address. */
  readonly service: string | null;
  /** The object that asked for it ("CiliumBGPAdvertisement bgp-lb", "BGPAdvertisement metallb-system/ext"). */
  readonly source: string;
  /** Expected communities as records spell them ("65000:100", "NO_EXPORT"). */
  readonly communities: readonly string[];
  readonly localPref: number | null;
  /** The BGP peers it goes to; null: every peer of the node. */
  readonly peers: readonly string[] | null;
  /** 'any': one of the candidate nodes announces it (an egress gateway); 'all': each of them. */
  readonly mode: 'all' | 'any';
}

export interface NodeIntent {
  readonly cluster: string;
  readonly name: string;
  /** InternalIP addresses: how BMP peers are matched to the node. */
  readonly addresses: readonly string[];
  readonly asn: number | null;
  readonly podCIDRs: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Which speaker configuration selects it ("cilium", "cilium-legacy", "metallb", "calico"). */
  readonly speakers: readonly string[];
  readonly advertisements: readonly ExpectedAdvertisement[];
  /** CiliumBGPNodeConfig status: per peer, what the agent says it advertises. */
  readonly bgpStatus: readonly BgpPeerStatus[];
}

export interface ServiceIntent {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  /** The addresses routed for it, as prefixes, with their kind. */
  readonly addresses: readonly { readonly prefix: string; readonly kind: AdvertisementKind }[];
  /** Nodes with a ready endpoint. */
  readonly readyNodes: readonly string[];
  /** Nodes expected to announce it (any address). */
  readonly announcers: readonly string[];
  /** The objects that asked for its routes. */
  readonly sources: readonly string[];
}

export interface ClusterRanges {
  readonly podCIDRs: readonly string[];
  readonly serviceCIDRs: readonly string[];
  readonly loadBalancerPools: readonly string[];
  readonly egressIPs: readonly string[];
}

export interface ClusterIntent {
  readonly name: string;
  readonly nodes: readonly NodeIntent[];
  readonly services: readonly ServiceIntent[];
  readonly ranges: ClusterRanges;
  readonly policy: ClusterPolicy;
  /** Objects per kind behind it. */
  readonly objects: Readonly<Record<string, number>>;
  /** Things that computed but are probably wrong (a peerConfigRef to nothing, a node without ASN). */
  readonly notes: readonly string[];
}

export interface IntentOptions {
  /** Service ranges when no ServiceCIDR object is served (kube-apiserver --service-cluster-ip-range). */
  readonly serviceCIDRs?: readonly string[];
  /** The same cluster in the hand-written inventory: its policy and node ASNs fill gaps. */
  readonly fileCluster?: InventoryCluster;
}

const CILIUM_LB_CLASS = 'io.cilium/bgp-control-plane';

interface Acc {
  readonly node: KNode;
  podCIDRs: string[];
  pools: { pool: string; cidrs: readonly string[] }[];
  asn: number | null;
  speakers: Set<string>;
  ads: Map<string, ExpectedAdvertisement>;
  status: BgpPeerStatus[];
}

function family(prefix: string): 'ipv4' | 'ipv6' {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

function hostRoute(ip: string): string {
  return isIP(ip) === 6 ? formatPrefix(parsePrefix(`${ip}/128`) as NonNullable<ReturnType<typeof parsePrefix>>) : `${ip}/32`;
}

function mergeAttrs(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

export function computeIntent(objs: ClusterObjects, opts: IntentOptions = {}): ClusterIntent {
  const cluster = objs.cluster;
  const notes: string[] = [];
  const file = opts.fileCluster;
  const accs = new Map<string, Acc>();
  const ciliumNodes = new Map(objs.list('CiliumNode').map((c) => [c.name, c]));
  for (const n of objs.list('Node')) {
    const cn = ciliumNodes.get(n.name);
    // Cilium's cluster-pool IPAM writes PodCIDRs into the CiliumNode, not the Node.
    const podCIDRs = n.podCIDRs.length > 0 ? [...n.podCIDRs] : [...(cn?.podCIDRs ?? [])];
    const fileAsn = file?.nodes.find((x) => x.name === n.name)?.asn ?? null;
    accs.set(n.name, { node: n, podCIDRs, pools: [...(cn?.poolCIDRs ?? [])], asn: fileAsn, speakers: new Set(), ads: new Map(), status: [] });
  }
  const nodesSelected = (sel: LabelSelector | null): Acc[] => [...accs.values()].filter((a) => selects(sel ?? SELECT_ALL, a.node.labels));

  // Ready endpoints per Service.
  const ready = new Map<string, Set<string>>();
  for (const s of objs.list('EndpointSlice')) {
    if (s.service === null) continue;
    const key = `${s.namespace}/${s.service}`;
    let set = ready.get(key);
    if (!set) ready.set(key, (set = new Set()));
    for (const e of s.endpoints) if (e.ready && e.nodeName !== null) set.add(e.nodeName);
  }
  const services = objs.list('Service');
  const svcAnnouncers = new Map<string, { sources: Set<string>; nodes: Set<string>; addresses: Map<string, AdvertisementKind> }>();

  const add = (acc: Acc, ad: ExpectedAdvertisement): void => {
    const k = `${ad.prefix}|${ad.service ?? ''}`;
    const prev = acc.ads.get(k);
    if (prev) {
      acc.ads.set(k, {
        ...prev,
        communities: mergeAttrs(prev.communities, ad.communities),
        localPref: prev.localPref ?? ad.localPref,
        peers: prev.peers === null || ad.peers === null ? null : [...new Set([...prev.peers, ...ad.peers])],
        source: prev.source.includes(ad.source) ? prev.source : `${prev.source}, ${ad.source}`,
      });
    } else acc.ads.set(k, ad);
    if (ad.service !== null) {
      let s = svcAnnouncers.get(ad.service);
      if (!s) svcAnnouncers.set(ad.service, (s = { sources: new Set(), nodes: new Set(), addresses: new Map() }));
      s.sources.add(ad.source);
      s.nodes.add(acc.node.name);
      s.addresses.set(ad.prefix, ad.kind);
    }
  };

  /**
   * The routes one Service asks of the selected nodes. Local: only nodes with a ready endpoint
   * (walked from the endpoints, so 20,000 Local Services cost their endpoints, not nodes × Services).
   */
  const serviceRoutes = (selected: readonly Acc[], selectedSet: ReadonlySet<string>, svc: KService, types: readonly ServiceAddressType[], attrs: PathAttributes, source: string, peers: string[] | null, fam: string | null, speaker: 'cilium' | 'metallb'): void => {
    const id = `${svc.namespace}/${svc.name}`;
    const local = svc.externalTrafficPolicy === 'Local';
    let readyAccs: Acc[] | undefined;
    for (const t of types) {
      let ips: readonly string[] = [];
      let kind: AdvertisementKind = 'lb-ip';
      if (t === 'LoadBalancerIP') {
        if (svc.type !== 'LoadBalancer') continue;
        if (speaker === 'cilium' && svc.loadBalancerClass !== null && svc.loadBalancerClass !== CILIUM_LB_CLASS) continue;
        ips = svc.loadBalancerIPs;
      } else if (t === 'ExternalIP') {
        ips = svc.externalIPs;
        kind = 'external-ip';
      } else {
        ips = svc.clusterIPs;
        kind = 'cluster-ip';
      }
      if (ips.length === 0) continue;
      // ClusterIPs follow internalTrafficPolicy, which ribwatch does not read: every node.
      let targets: readonly Acc[] = selected;
      if (local && t !== 'ClusterIP') {
        readyAccs ??= [...(ready.get(id) ?? [])].filter((n) => selectedSet.has(n)).map((n) => accs.get(n) as Acc);
        targets = readyAccs;
      }
      for (const ip of ips) {
        const prefix = hostRoute(ip);
        if (fam !== null && family(prefix) !== fam) continue;
        for (const acc of targets) add(acc, { prefix, kind, service: id, source, communities: attrs.communities, localPref: attrs.localPreference, peers, mode: 'all' });
      }
    }
  };

  // ---- Cilium BGP control plane v2 -------------------------------------------------------------
  const peerConfigs = new Map(objs.list('CiliumBGPPeerConfig').map((p) => [p.name, p]));
  const advertisements = objs.list('CiliumBGPAdvertisement');
  const podPools = objs.list('CiliumPodIPPool');
  for (const cc of objs.list('CiliumBGPClusterConfig')) {
    const source = objectName(cc);
    const selected = nodesSelected(cc.nodeSelector);
    const selectedSet = new Set(selected.map((a) => a.node.name));
    for (const inst of cc.instances) {
      for (const a of selected) {
        a.speakers.add('cilium');
        if (inst.localASN !== null) a.asn = a.asn ?? inst.localASN;
      }
      for (const peer of inst.peers) {
        const peers = peer.peerAddress !== null ? [peer.peerAddress] : null;
        if (peer.peerConfigRef === null) continue;
        const pc = peerConfigs.get(peer.peerConfigRef);
        if (!pc) {
          notes.push(`${source}: peer ${peer.name} names CiliumBGPPeerConfig ${peer.peerConfigRef}, which does not exist: nothing is advertised to it`);
          continue;
        }
        for (const fam of pc.families) {
          if (fam.advertisements === null) continue;
          const famSel = fam.advertisements;
          for (const adv of advertisements) {
            if (!selects(famSel, adv.labels)) continue;
            const advSource = objectName(adv);
            for (const item of adv.advertisements) {
              if (item.type === 'Service') {
                // No selector: no Service (Cilium's rule); `{}` selects every Service.
                if (item.selector === null) continue;
                for (const svc of services) if (selects(item.selector, svc.labels)) serviceRoutes(selected, selectedSet, svc, item.addresses, item.attributes, advSource, peers, fam.afi, 'cilium');
                continue;
              }
              for (const acc of selected) {
                if (item.type === 'PodCIDR') {
                  for (const p of acc.podCIDRs) if (family(p) === fam.afi) add(acc, { prefix: p, kind: 'pod-cidr', service: null, source: advSource, communities: item.attributes.communities, localPref: item.attributes.localPreference, peers, mode: 'all' });
                } else if (item.type === 'CiliumPodIPPool') {
                  const chosen = new Set(podPools.filter((pp) => item.selector !== null && selects(item.selector, pp.labels)).map((pp) => pp.name));
                  for (const pool of acc.pools) {
                    if (!chosen.has(pool.pool)) continue;
                    for (const p of pool.cidrs) if (family(p) === fam.afi) add(acc, { prefix: p, kind: 'pod-pool', service: null, source: advSource, communities: item.attributes.communities, localPref: item.attributes.localPreference, peers, mode: 'all' });
                  }
                }
                // Interface: the node's interface addresses are not in any object ribwatch reads.
              }
            }
          }
        }
      }
    }
  }
  for (const nc of objs.list('CiliumBGPNodeConfig')) {
    const acc = accs.get(nc.name);
    if (!acc) continue;
    acc.speakers.add('cilium');
    const asn = nc.instances.find((i) => i.localASN !== null)?.localASN ?? null;
    // The node's own config is the most specific statement of its ASN.
    if (asn !== null) acc.asn = asn;
    acc.status = [...nc.status];
  }

  // ---- Cilium legacy CiliumBGPPeeringPolicy -----------------------------------------------------
  for (const pol of objs.list('CiliumBGPPeeringPolicy')) {
    const source = objectName(pol);
    const selected = nodesSelected(pol.nodeSelector);
    const selectedSet = new Set(selected.map((a) => a.node.name));
    for (const acc of selected) {
      acc.speakers.add('cilium-legacy');
      for (const vr of pol.virtualRouters) if (vr.localASN !== null) acc.asn = acc.asn ?? vr.localASN;
    }
    for (const vr of pol.virtualRouters) {
      for (const nb of vr.neighbors) {
        const attrsFor = (type: string): PathAttributes => {
          let communities: string[] = [];
          let localPreference: number | null = null;
          for (const a of nb.advertisedPathAttributes) {
            if (a.selectorType !== type) continue;
            communities = mergeAttrs(communities, a.attributes.communities);
            localPreference = localPreference ?? a.attributes.localPreference;
          }
          return { communities, localPreference };
        };
        const peers = [nb.peerAddress];
        if (vr.exportPodCIDR) {
          const attrs = attrsFor('PodCIDR');
          for (const acc of selected) for (const p of acc.podCIDRs) add(acc, { prefix: p, kind: 'pod-cidr', service: null, source, communities: attrs.communities, localPref: attrs.localPreference, peers, mode: 'all' });
        }
        if (vr.serviceSelector !== null) {
          const sel = vr.serviceSelector;
          for (const svc of services) if (selects(sel, svc.labels)) serviceRoutes(selected, selectedSet, svc, vr.serviceAdvertisements, attrsFor('CiliumLoadBalancerIPPool'), source, peers, null, 'cilium');
        }
      }
    }
  }

  // ---- Cilium egress gateway ----------------------------------------------------------------------
  const egressIPs: string[] = [];
  for (const eg of objs.list('CiliumEgressGatewayPolicy')) {
    if (eg.egressIP === null) continue;
    const prefix = hostRoute(eg.egressIP);
    egressIPs.push(prefix);
    for (const acc of nodesSelected(eg.nodeSelector)) add(acc, { prefix, kind: 'egress-ip', service: null, source: objectName(eg), communities: [], localPref: null, peers: null, mode: 'any' });
  }

  // ---- MetalLB ------------------------------------------------------------------------------------
  const mlbPools = objs.list('IPAddressPool');
  const mlbPeers = objs.list('BGPPeer');
  const mlbCommunities = new Map<string, string>();
  for (const c of objs.list('Community')) for (const e of c.communities) mlbCommunities.set(`${c.namespace}/${e.name}`, e.value);
  for (const peer of mlbPeers) {
    for (const acc of [...accs.values()].filter((a) => peer.nodeSelectors.length === 0 || peer.nodeSelectors.some((s) => selects(s, a.node.labels)))) {
      acc.speakers.add('metallb');
      if (peer.myASN !== null) acc.asn = acc.asn ?? peer.myASN;
    }
  }
  for (const adv of objs.list('BGPAdvertisement')) {
    const source = objectName(adv);
    const pools = mlbPools.filter((p) => p.namespace === adv.namespace && ((adv.ipAddressPools.length === 0 && adv.ipAddressPoolSelectors.length === 0) || adv.ipAddressPools.includes(p.name) || adv.ipAddressPoolSelectors.some((s) => selects(s, p.labels))));
    const communities: string[] = [];
    for (const c of adv.communities) {
      const resolved = standardCommunity(c) ?? standardCommunity(mlbCommunities.get(`${adv.namespace}/${c}`) ?? '');
      if (resolved === null) notes.push(`${source}: community "${c}" is neither a value nor a Community entry`);
      else communities.push(resolved);
    }
    const peerAddrs = adv.peers.length === 0 ? null : mlbPeers.filter((p) => adv.peers.includes(p.name) && p.peerAddress !== null).map((p) => p.peerAddress as string);
    const selected = [...accs.values()].filter((a) => adv.nodeSelectors.length === 0 || adv.nodeSelectors.some((s) => selects(s, a.node.labels)));
    for (const svc of services) {
      if (svc.type !== 'LoadBalancer') continue;
      const id = `${svc.namespace}/${svc.name}`;
      for (const ip of svc.loadBalancerIPs) {
        const host = parsePrefix(ip);
        if (!host || !pools.some((p) => p.cidrs.some((c) => { const k = parsePrefix(c); return k !== undefined && prefixContains(k, host); }))) continue;
        const agg = host.family === 4 ? (adv.aggregationLength ?? 32) : (adv.aggregationLengthV6 ?? 128);
        const prefix = formatPrefix(parsePrefix(`${ip}/${agg}`) as NonNullable<ReturnType<typeof parsePrefix>>);
        const local = svc.externalTrafficPolicy === 'Local';
        for (const acc of selected) {
          if (local && ready.get(id)?.has(acc.node.name) !== true) continue;
          add(acc, { prefix, kind: 'lb-ip', service: id, source, communities, localPref: adv.localPref, peers: peerAddrs, mode: 'all' });
        }
      }
    }
  }

  // ---- Calico -------------------------------------------------------------------------------------
  const calicoPools = objs.list('CalicoIPPool').filter((p) => !p.disabled);
  const bgpConf = objs.list('BGPConfiguration').find((b) => b.name === 'default') ?? objs.list('BGPConfiguration')[0];
  if (bgpConf) {
    const source = objectName(bgpConf);
    for (const acc of accs.values()) {
      acc.speakers.add('calico');
      const asnAnn = acc.node.annotations['projectcalico.org/ASNumber'];
      acc.asn = acc.asn ?? (asnAnn !== undefined && /^\d+$/.test(asnAnn) ? Number(asnAnn) : bgpConf.asNumber);
      const commFor = (prefix: string): string[] => {
        const k = parsePrefix(prefix);
        const out: string[] = [];
        for (const pa of bgpConf.prefixAdvertisements) {
          const pk = parsePrefix(pa.cidr);
          if (!k || !pk || !prefixContains(pk, k)) continue;
          for (const c of pa.communities) {
            const v = standardCommunity(c) ?? standardCommunity(bgpConf.communities.find((x) => x.name === c)?.value ?? '');
            if (v !== null) out.push(v);
          }
        }
        return out;
      };
      for (const r of bgpConf.serviceClusterIPs) add(acc, { prefix: r, kind: 'service-range', service: null, source, communities: commFor(r), localPref: null, peers: null, mode: 'all' });
      for (const r of bgpConf.serviceExternalIPs) add(acc, { prefix: r, kind: 'service-range', service: null, source, communities: commFor(r), localPref: null, peers: null, mode: 'all' });
      for (const r of bgpConf.serviceLoadBalancerIPs) add(acc, { prefix: r, kind: 'service-range', service: null, source, communities: commFor(r), localPref: null, peers: null, mode: 'all' });
      // Local Services: the /32 from nodes with a ready endpoint (Calico's rule).
      for (const svc of services) {
        if (svc.type !== 'LoadBalancer' || svc.externalTrafficPolicy !== 'Local' || ready.get(`${svc.namespace}/${svc.name}`)?.has(acc.node.name) !== true) continue;
        for (const ip of svc.loadBalancerIPs) {
          const host = parsePrefix(ip);
          if (!host || !bgpConf.serviceLoadBalancerIPs.some((c) => { const k = parsePrefix(c); return k !== undefined && prefixContains(k, host); })) continue;
          add(acc, { prefix: hostRoute(ip), kind: 'lb-ip', service: `${svc.namespace}/${svc.name}`, source, communities: commFor(hostRoute(ip)), localPref: null, peers: null, mode: 'all' });
        }
      }
    }
  }

  // ---- cluster ranges and policy ------------------------------------------------------------------
  const uniq = (xs: Iterable<string>) => [...new Set(xs)].sort();
  const serviceCIDRs = uniq([...objs.list('ServiceCIDR').flatMap((s) => s.cidrs), ...(objs.list('ServiceCIDR').length === 0 ? [...(opts.serviceCIDRs ?? []), ...(file?.serviceCIDRs ?? [])] : [])]);
  const lbPools = uniq([
    ...objs.list('CiliumLoadBalancerIPPool').filter((p) => !p.disabled).flatMap((p) => p.cidrs),
    ...mlbPools.flatMap((p) => p.cidrs),
    ...(bgpConf?.serviceLoadBalancerIPs ?? []),
  ]);
  const podCIDRs = uniq([...podPools.flatMap((p) => p.cidrs), ...calicoPools.map((p) => p.cidr)]);
  const allAds = [...accs.values()].flatMap((a) => [...a.ads.values()]);
  const policy: ClusterPolicy = {
    advertisePodCIDRs: allAds.some((a) => a.kind === 'pod-cidr' || a.kind === 'pod-pool') || calicoPools.some((p) => !p.disableBGPExport) || (file?.policy.advertisePodCIDRs ?? false),
    advertiseServiceCIDRs: allAds.some((a) => a.kind === 'cluster-ip' || a.kind === 'service-range') || (file?.policy.advertiseServiceCIDRs ?? false),
    noExportOnLoadBalancer: file?.policy.noExportOnLoadBalancer ?? false,
  };

  const nodes: NodeIntent[] = [];
  for (const acc of accs.values()) {
    if (acc.asn === null && acc.speakers.size > 0) notes.push(`Node ${acc.node.name}: no local ASN in any BGP object; leak checks use none for it`);
    nodes.push({
      cluster,
      name: acc.node.name,
      addresses: acc.node.internalIPs,
      asn: acc.asn,
      podCIDRs: acc.podCIDRs,
      labels: acc.node.labels,
      speakers: [...acc.speakers].sort(),
      advertisements: [...acc.ads.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0)),
      bgpStatus: acc.status,
    });
  }
  nodes.sort((a, b) => (a.name < b.name ? -1 : 1));

  const svcIntents: ServiceIntent[] = services.map((svc) => {
    const id = `${svc.namespace}/${svc.name}`;
    const a = svcAnnouncers.get(id);
    return {
      cluster,
      namespace: svc.namespace,
      name: svc.name,
      type: svc.type,
      externalTrafficPolicy: svc.externalTrafficPolicy,
      addresses: a ? [...a.addresses].map(([prefix, kind]) => ({ prefix, kind })) : [],
      readyNodes: [...(ready.get(id) ?? [])].sort(),
      announcers: a ? [...a.nodes].sort() : [],
      sources: a ? [...a.sources].sort() : [],
    };
  });
  svcIntents.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));

  return { name: cluster, nodes, services: svcIntents, ranges: { podCIDRs, serviceCIDRs, loadBalancerPools: lbPools, egressIPs: uniq(egressIPs) }, policy, objects: objs.counts(), notes };
}

/**
 * The intent as the inventory's cluster section, for the leak checks (inventory/inventory.ts): nodes
 * with an InternalIP, their ASN (0 when no object says it: then only address-based checks apply)
 * and PodCIDRs; the cluster's ranges and policy.
 */
export function toInventoryCluster(ci: ClusterIntent): InventoryCluster {
  const nodes: InventoryNode[] = [];
  for (const n of ci.nodes) {
    const address = n.addresses.find((a) => isIP(a) === 4) ?? n.addresses[0];
    if (address === undefined) continue;
    nodes.push({ name: n.name, cluster: ci.name, address, asn: n.asn ?? 0, podCIDRs: n.podCIDRs });
  }
  return { name: ci.name, podCIDRs: ci.ranges.podCIDRs, serviceCIDRs: ci.ranges.serviceCIDRs, loadBalancerPools: ci.ranges.loadBalancerPools, egressIPs: ci.ranges.egressIPs, policy: ci.policy, nodes };
}

/**
 * What changed between two intents of one cluster, as prefixes: anything whose expected
 * announcers, attributes or ownership differ. The analyzer gives these a grace period, since the
 * routers follow the cluster a moment later.
 */
export function changedPrefixes(before: ClusterIntent | undefined, after: ClusterIntent | undefined): Set<string> {
  const print = (ci: ClusterIntent | undefined): Map<string, string> => {
    const m = new Map<string, string>();
    const put = (p: string, s: string) => m.set(p, `${m.get(p) ?? ''}|${s}`);
    if (!ci) return m;
    for (const n of ci.nodes) {
      for (const p of n.podCIDRs) put(p, `own:${n.name}:${n.addresses.join(',')}:${n.asn ?? ''}`);
      for (const a of n.advertisements) put(a.prefix, `ad:${n.name}:${a.service ?? ''}:${a.communities.join(',')}:${a.localPref ?? ''}:${(a.peers ?? []).join(',')}`);
      // A node's address moving changes who its routes come from.
      for (const a of n.addresses) put(hostRoute(a), `addr:${n.name}`);
    }
    for (const [k, list] of Object.entries(ci.ranges)) for (const p of list as readonly string[]) put(p, `range:${k}`);
    for (const s of ci.services) for (const a of s.addresses) put(a.prefix, `svc:${s.namespace}/${s.name}:${s.announcers.join(',')}`);
    return m;
  };
  const a = print(before);
  const b = print(after);
  const out = new Set<string>();
  for (const [p, v] of a) if (b.get(p) !== v) out.add(p);
  for (const [p, v] of b) if (a.get(p) !== v) out.add(p);
  return out;
}

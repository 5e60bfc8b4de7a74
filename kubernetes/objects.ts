/**
 * The Kubernetes objects ribwatch reads, as plain typed values: only the fields that say what a
 * node should advertise (docs/kubernetes.md lists them). Whatever the source (the API server's
 * list/watch, or a `kubectl get -o yaml|json` dump) an object goes through `parseObject`, which
 * never throws: a malformed object comes back as `{ ok: false, problem }` naming it
 * ("Service shop/web: spec.clusterIPs[1]: expected an IP address, got \"x\""), and the caller
 * skips it with one log line. Unknown fields are ignored (the API adds fields every release).
 *
 * Kinds are identified by `group/kind` ("cilium.io/CiliumNode"); where a kind is served in two
 * versions (Cilium's v2alpha1 and v2 BGP resources) both parse to the same value.
 */
import { isIP } from 'node:net';
import { formatPrefix, parsePrefix } from '../inventory/prefix-trie.js';

// ---- label selectors ---------------------------------------------------------------------------

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/** A metav1.LabelSelector. `{}` selects everything; a null selector (field absent) is decided by the caller. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

export const SELECT_ALL: LabelSelector = Object.freeze({ matchLabels: {}, matchExpressions: [] });

export function selects(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || v === undefined || !e.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (has && v !== undefined && e.values.includes(v)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

// ---- the objects -------------------------------------------------------------------------------

interface Meta {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface KNode extends Meta {
  readonly kind: 'Node';
  readonly podCIDRs: readonly string[];
  /** InternalIP addresses, v4 then v6 as listed. */
  readonly internalIPs: readonly string[];
}

export interface KService extends Meta {
  readonly kind: 'Service';
  readonly type: string;
  readonly loadBalancerClass: string | null;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly clusterIPs: readonly string[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
}

export interface KEndpointSlice extends Meta {
  readonly kind: 'EndpointSlice';
  /** The Service it belongs to (label kubernetes.io/service-name); null when unlabelled. */
  readonly service: string | null;
  readonly endpoints: readonly { readonly nodeName: string | null; readonly ready: boolean }[];
}

export interface KServiceCIDR extends Meta {
  readonly kind: 'ServiceCIDR';
  readonly cidrs: readonly string[];
}

export interface CiliumNode extends Meta {
  readonly kind: 'CiliumNode';
  readonly podCIDRs: readonly string[];
  /** spec.ipam.pools.allocated[]: multi-pool IPAM CIDRs per pool. */
  readonly poolCIDRs: readonly { readonly pool: string; readonly cidrs: readonly string[] }[];
}

export interface CiliumPodIPPool extends Meta {
  readonly kind: 'CiliumPodIPPool';
  readonly cidrs: readonly string[];
}

export interface CiliumLoadBalancerIPPool extends Meta {
  readonly kind: 'CiliumLoadBalancerIPPool';
  /** Blocks as prefixes (a start/stop range becomes the prefixes that cover it exactly). */
  readonly cidrs: readonly string[];
  readonly disabled: boolean;
  readonly serviceSelector: LabelSelector | null;
}

export interface BgpPeerRef {
  readonly name: string;
  readonly peerAddress: string | null;
  readonly peerASN: number | null;
  readonly peerConfigRef: string | null;
}

export interface BgpInstance {
  readonly name: string;
  readonly localASN: number | null;
  readonly peers: readonly BgpPeerRef[];
}

export interface CiliumBGPClusterConfig extends Meta {
  readonly kind: 'CiliumBGPClusterConfig';
  /** Absent: every node. */
  readonly nodeSelector: LabelSelector | null;
  readonly instances: readonly BgpInstance[];
}

export interface CiliumBGPPeerConfig extends Meta {
  readonly kind: 'CiliumBGPPeerConfig';
  readonly families: readonly { readonly afi: string; readonly safi: string; readonly advertisements: LabelSelector | null }[];
}

export type AdvertisementType = 'PodCIDR' | 'CiliumPodIPPool' | 'Service' | 'Interface';
export type ServiceAddressType = 'LoadBalancerIP' | 'ClusterIP' | 'ExternalIP';

export interface PathAttributes {
  /** Communities as ribwatch's records spell them: "65000:100", "NO_EXPORT", "65000:1:2" (large). */
  readonly communities: readonly string[];
  readonly localPreference: number | null;
}

export interface CiliumBGPAdvertisement extends Meta {
  readonly kind: 'CiliumBGPAdvertisement';
  readonly advertisements: readonly {
    readonly type: AdvertisementType;
    readonly addresses: readonly ServiceAddressType[];
    readonly selector: LabelSelector | null;
    readonly attributes: PathAttributes;
  }[];
}

export interface BgpPeerStatus {
  readonly instance: string;
  readonly name: string;
  readonly peerAddress: string;
  readonly peeringState: string | null;
  readonly routeCount: readonly { readonly afi: string; readonly safi: string; readonly advertised: number | null; readonly received: number | null }[];
}

export interface CiliumBGPNodeConfig extends Meta {
  readonly kind: 'CiliumBGPNodeConfig';
  readonly instances: readonly BgpInstance[];
  readonly status: readonly BgpPeerStatus[];
}

export interface CiliumBGPPeeringPolicy extends Meta {
  readonly kind: 'CiliumBGPPeeringPolicy';
  readonly nodeSelector: LabelSelector | null;
  readonly virtualRouters: readonly {
    readonly localASN: number | null;
    readonly exportPodCIDR: boolean;
    readonly serviceSelector: LabelSelector | null;
    readonly serviceAdvertisements: readonly ServiceAddressType[];
    readonly neighbors: readonly {
      readonly peerAddress: string;
      readonly peerASN: number | null;
      readonly advertisedPathAttributes: readonly { readonly selectorType: string; readonly selector: LabelSelector | null; readonly attributes: PathAttributes }[];
    }[];
  }[];
}

export interface CiliumEgressGatewayPolicy extends Meta {
  readonly kind: 'CiliumEgressGatewayPolicy';
  readonly nodeSelector: LabelSelector | null;
  readonly egressIP: string | null;
}

export interface MetalLBIPAddressPool extends Meta {
  readonly kind: 'IPAddressPool';
  readonly cidrs: readonly string[];
}

export interface MetalLBBGPAdvertisement extends Meta {
  readonly kind: 'BGPAdvertisement';
  readonly aggregationLength: number | null;
  readonly aggregationLengthV6: number | null;
  /** As written: "65000:100", "no-export", or the name of a Community object's entry. */
  readonly communities: readonly string[];
  readonly localPref: number | null;
  readonly ipAddressPools: readonly string[];
  readonly ipAddressPoolSelectors: readonly LabelSelector[];
  readonly nodeSelectors: readonly LabelSelector[];
  readonly peers: readonly string[];
}

export interface MetalLBBGPPeer extends Meta {
  readonly kind: 'BGPPeer';
  readonly myASN: number | null;
  readonly peerASN: number | null;
  readonly peerAddress: string | null;
  readonly nodeSelectors: readonly LabelSelector[];
}

export interface MetalLBCommunity extends Meta {
  readonly kind: 'Community';
  readonly communities: readonly { readonly name: string; readonly value: string }[];
}

export interface CalicoIPPool extends Meta {
  readonly kind: 'CalicoIPPool';
  readonly cidr: string;
  readonly blockSize: number | null;
  readonly disableBGPExport: boolean;
  readonly disabled: boolean;
}

export interface CalicoBGPConfiguration extends Meta {
  readonly kind: 'BGPConfiguration';
  readonly asNumber: number | null;
  readonly serviceClusterIPs: readonly string[];
  readonly serviceExternalIPs: readonly string[];
  readonly serviceLoadBalancerIPs: readonly string[];
  readonly communities: readonly { readonly name: string; readonly value: string }[];
  readonly prefixAdvertisements: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
}

export type KubeObject =
  | KNode
  | KService
  | KEndpointSlice
  | KServiceCIDR
  | CiliumNode
  | CiliumPodIPPool
  | CiliumLoadBalancerIPPool
  | CiliumBGPClusterConfig
  | CiliumBGPPeerConfig
  | CiliumBGPAdvertisement
  | CiliumBGPNodeConfig
  | CiliumBGPPeeringPolicy
  | CiliumEgressGatewayPolicy
  | MetalLBIPAddressPool
  | MetalLBBGPAdvertisement
  | MetalLBBGPPeer
  | MetalLBCommunity
  | CalicoIPPool
  | CalicoBGPConfiguration;

export type ObjectKind = KubeObject['kind'];

/** "Service shop/web", "Node node1": how logs and alerts name an object. */
export function objectName(o: { readonly kind: string; readonly namespace: string; readonly name: string }): string {
  return `${o.kind} ${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}`;
}

/** The identity of an object within a cluster. */
export function objectKey(o: { readonly kind: string; readonly namespace: string; readonly name: string }): string {
  return `${o.kind}|${o.namespace}|${o.name}`;
}

// ---- the resources: group, kind, versions, plural ----------------------------------------------

export interface Resource {
  readonly kind: ObjectKind;
  /** "" for the core group. */
  readonly group: string;
  /** The kind as the API spells it (Calico's IPPool is our CalicoIPPool). */
  readonly apiKind: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
}

export const RESOURCES: readonly Resource[] = [
  { kind: 'Node', group: '', apiKind: 'Node', versions: ['v1'], plural: 'nodes', namespaced: false },
  { kind: 'Service', group: '', apiKind: 'Service', versions: ['v1'], plural: 'services', namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', apiKind: 'EndpointSlice', versions: ['v1'], plural: 'endpointslices', namespaced: true },
  { kind: 'ServiceCIDR', group: 'networking.k8s.io', apiKind: 'ServiceCIDR', versions: ['v1', 'v1beta1'], plural: 'servicecidrs', namespaced: false },
  { kind: 'CiliumNode', group: 'cilium.io', apiKind: 'CiliumNode', versions: ['v2'], plural: 'ciliumnodes', namespaced: false },
  { kind: 'CiliumPodIPPool', group: 'cilium.io', apiKind: 'CiliumPodIPPool', versions: ['v2alpha1', 'v2'], plural: 'ciliumpodippools', namespaced: false },
  { kind: 'CiliumLoadBalancerIPPool', group: 'cilium.io', apiKind: 'CiliumLoadBalancerIPPool', versions: ['v2', 'v2alpha1'], plural: 'ciliumloadbalancerippools', namespaced: false },
  { kind: 'CiliumBGPClusterConfig', group: 'cilium.io', apiKind: 'CiliumBGPClusterConfig', versions: ['v2', 'v2alpha1'], plural: 'ciliumbgpclusterconfigs', namespaced: false },
  { kind: 'CiliumBGPPeerConfig', group: 'cilium.io', apiKind: 'CiliumBGPPeerConfig', versions: ['v2', 'v2alpha1'], plural: 'ciliumbgppeerconfigs', namespaced: false },
  { kind: 'CiliumBGPAdvertisement', group: 'cilium.io', apiKind: 'CiliumBGPAdvertisement', versions: ['v2', 'v2alpha1'], plural: 'ciliumbgpadvertisements', namespaced: false },
  { kind: 'CiliumBGPNodeConfig', group: 'cilium.io', apiKind: 'CiliumBGPNodeConfig', versions: ['v2', 'v2alpha1'], plural: 'ciliumbgpnodeconfigs', namespaced: false },
  { kind: 'CiliumBGPPeeringPolicy', group: 'cilium.io', apiKind: 'CiliumBGPPeeringPolicy', versions: ['v2alpha1'], plural: 'ciliumbgppeeringpolicies', namespaced: false },
  { kind: 'CiliumEgressGatewayPolicy', group: 'cilium.io', apiKind: 'CiliumEgressGatewayPolicy', versions: ['v2'], plural: 'ciliumegressgatewaypolicies', namespaced: false },
  { kind: 'IPAddressPool', group: 'metallb.io', apiKind: 'IPAddressPool', versions: ['v1beta1'], plural: 'ipaddresspools', namespaced: true },
  { kind: 'BGPAdvertisement', group: 'metallb.io', apiKind: 'BGPAdvertisement', versions: ['v1beta1'], plural: 'bgpadvertisements', namespaced: true },
  { kind: 'BGPPeer', group: 'metallb.io', apiKind: 'BGPPeer', versions: ['v1beta2', 'v1beta1'], plural: 'bgppeers', namespaced: true },
  { kind: 'Community', group: 'metallb.io', apiKind: 'Community', versions: ['v1beta1'], plural: 'communities', namespaced: true },
  { kind: 'CalicoIPPool', group: 'crd.projectcalico.org', apiKind: 'IPPool', versions: ['v1'], plural: 'ippools', namespaced: false },
  { kind: 'BGPConfiguration', group: 'crd.projectcalico.org', apiKind: 'BGPConfiguration', versions: ['v1'], plural: 'bgpconfigurations', namespaced: false },
];

/** "cilium.io/CiliumNode" (also "projectcalico.org/IPPool" for Calico's aggregated API) → resource. */
const BY_GROUP_KIND = new Map<string, Resource>();
for (const r of RESOURCES) {
  BY_GROUP_KIND.set(`${r.group}/${r.apiKind}`, r);
  if (r.group === 'crd.projectcalico.org') BY_GROUP_KIND.set(`projectcalico.org/${r.apiKind}`, r);
}

export function resourceFor(apiVersion: string, kind: string): Resource | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return BY_GROUP_KIND.get(`${group}/${kind}`);
}

// ---- parsing -----------------------------------------------------------------------------------

export type ParseResult = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly problem: string } | { readonly ok: 'ignored' };

class Malformed extends Error {}

type Json = Record<string, unknown>;

/** A cursor over one object: every read names its path when it fails. */
class Reader {
  constructor(private readonly label: string) {}

  fail(path: string, expected: string, got: unknown): never {
    const text = got === undefined ? '' : `, got ${JSON.stringify(got)?.slice(0, 80)}`;
    throw new Malformed(`${this.label}: ${path}: ${expected}${text}`);
  }

  map(v: unknown, path: string): Json | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'expected a mapping', v);
    return v as Json;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, 'expected a list', v);
    return v as unknown[];
  }

  str(v: unknown, path: string): string | null {
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') this.fail(path, 'expected a string', v);
    return v;
  }

  strs(v: unknown, path: string): string[] {
    return this.list(v, path).map((x, i) => this.str(x, `${path}[${i}]`) ?? this.fail(`${path}[${i}]`, 'expected a non-empty string', x));
  }

  bool(v: unknown, path: string): boolean {
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.fail(path, 'expected true or false', v);
    return v;
  }

  int(v: unknown, path: string, min: number, max: number): number | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(path, `expected an integer ${min}..${max}`, v);
    return v;
  }

  asn(v: unknown, path: string): number | null {
    return this.int(v, path, 1, 4294967295);
  }

  ip(v: unknown, path: string): string | null {
    const s = this.str(v, path);
    if (s === null) return null;
    if (isIP(s) === 0) this.fail(path, 'expected an IP address', s);
    return s;
  }

  ips(v: unknown, path: string): string[] {
    return this.list(v, path)
      .map((x, i) => this.ip(x, `${path}[${i}]`))
      .filter((x): x is string => x !== null);
  }

  /** A CIDR (or, with hostOk, a bare address as a host route), canonical. */
  cidr(v: unknown, path: string, hostOk = false): string | null {
    const s = this.str(v, path);
    if (s === null) return null;
    const k = (hostOk || s.includes('/')) && parsePrefix(s);
    if (!k) this.fail(path, hostOk ? 'expected an address or CIDR' : 'expected a CIDR', s);
    return formatPrefix(k);
  }

  cidrs(v: unknown, path: string, hostOk = false): string[] {
    return this.list(v, path)
      .map((x, i) => this.cidr(x, `${path}[${i}]`, hostOk))
      .filter((x): x is string => x !== null);
  }

  selector(v: unknown, path: string): LabelSelector | null {
    const m = this.map(v, path);
    if (!m) return null;
    const ml = this.map(m['matchLabels'], `${path}.matchLabels`) ?? {};
    const matchLabels: Record<string, string> = {};
    for (const [k, x] of Object.entries(ml)) matchLabels[k] = this.str(x, `${path}.matchLabels.${k}`) ?? '';
    const matchExpressions = this.list(m['matchExpressions'], `${path}.matchExpressions`).map((e, i): SelectorRequirement => {
      const p = `${path}.matchExpressions[${i}]`;
      const em = this.map(e, p) ?? this.fail(p, 'expected a mapping', e);
      const op = em['operator'];
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') this.fail(`${p}.operator`, 'expected In, NotIn, Exists or DoesNotExist', op);
      return { key: this.str(em['key'], `${p}.key`) ?? this.fail(`${p}.key`, 'is required', undefined), operator: op, values: this.strs(em['values'], `${p}.values`) };
    });
    return { matchLabels, matchExpressions };
  }

  labels(v: unknown, path: string): Record<string, string> {
    const m = this.map(v, path) ?? {};
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(m)) out[k] = typeof x === 'string' ? x : String(x);
    return out;
  }

  /** Cilium attributes: communities standard/wellKnown/large, localPreference. */
  attributes(v: unknown, path: string): PathAttributes {
    const m = this.map(v, path);
    if (!m) return { communities: [], localPreference: null };
    const c = this.map(m['communities'], `${path}.communities`) ?? {};
    const communities = [
      ...this.strs(c['standard'], `${path}.communities.standard`).map((s) => standardCommunity(s) ?? this.fail(`${path}.communities.standard`, 'expected "ASN:value" or a well-known name', s)),
      ...this.strs(c['wellKnown'], `${path}.communities.wellKnown`).map((s) => WELL_KNOWN[s.toLowerCase()] ?? this.fail(`${path}.communities.wellKnown`, `expected one of ${Object.keys(WELL_KNOWN).join(', ')}`, s)),
      ...this.strs(c['large'], `${path}.communities.large`).map((s) => (/^\d+:\d+:\d+$/.test(s) ? s : this.fail(`${path}.communities.large`, 'expected "a:b:c"', s))),
    ];
    return { communities, localPreference: this.int(m['localPreference'], `${path}.localPreference`, 0, 4294967295) };
  }
}

/** Well-known communities (RFC 1997, RFC 8326, RFC 7999) as Cilium and MetalLB write them → as ribwatch's records name them. */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  'no-export': 'NO_EXPORT',
  'no-advertise': 'NO_ADVERTISE',
  'no-export-subconfed': 'NO_EXPORT_SUBCONFED',
  'local-as': 'NO_EXPORT_SUBCONFED',
  'graceful-shutdown': 'GRACEFUL_SHUTDOWN',
  blackhole: 'BLACKHOLE',
  'no-peer': 'NO_PEER',
  'internet': '0:0',
  'accept-own': 'ACCEPT_OWN',
  'llgr-stale': 'LLGR_STALE',
  'no-llgr': 'NO_LLGR',
};

/** "65000:100" → itself, "no-export" → "NO_EXPORT", a large "a:b:c" → itself; null when neither. */
export function standardCommunity(s: string): string | null {
  const wk = WELL_KNOWN[s.toLowerCase()];
  if (wk !== undefined) return wk;
  const m = /^(\d+):(\d+)$/.exec(s);
  if (m && Number(m[1]) <= 65535 && Number(m[2]) <= 65535) return s;
  if (/^large:\d+:\d+:\d+$/.test(s)) return s.slice(6);
  if (/^\d+:\d+:\d+$/.test(s)) return s;
  return null;
}

/** The prefixes covering exactly [start, stop] (an LB pool's start/stop block, a MetalLB "a-b" range). */
export function rangeToPrefixes(start: string, stop: string): string[] | null {
  const fam = isIP(start);
  if (fam === 0 || fam !== isIP(stop)) return null;
  const bits = fam === 4 ? 32 : 128;
  const a = toBig(start, fam);
  const b = toBig(stop, fam);
  if (a === null || b === null || a > b) return null;
  const out: string[] = [];
  let cur = a;
  // At most 2·bits prefixes; a bound in case of a bug is cheaper than a hang.
  while (cur <= b && out.length < 2 * bits + 2) {
    let size = 0;
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (cur % block !== 0n || cur + block - 1n > b) break;
      size++;
    }
    out.push(`${fromBig(cur, fam)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

function toBig(addr: string, fam: number): bigint | null {
  const k = parsePrefix(addr);
  if (!k) return null;
  let v = 0n;
  for (const w of k.words) v = (v << 32n) | BigInt(w);
  return fam === 4 || k.family === 6 ? v : null;
}

function fromBig(v: bigint, fam: number): string {
  if (fam === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return formatPrefix(parsePrefix(`${groups.join(':')}/128`) as NonNullable<ReturnType<typeof parsePrefix>>).split('/')[0] ?? '';
}

/**
 * One object (already JSON: a list item, a watch event's object, a YAML document) → its typed
 * value, `{ ok: false }` with the reason when malformed, `{ ok: 'ignored' }` for kinds not read.
 */
export function parseObject(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: `an object must be a mapping, got ${JSON.stringify(raw)?.slice(0, 60)}` };
  const o = raw as Json;
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  const apiKind = typeof o['kind'] === 'string' ? o['kind'] : '';
  const res = resourceFor(apiVersion, apiKind);
  if (!res) return { ok: 'ignored' };
  return parseObjectAs(res, o);
}

/** An object known to be of `res` (a list's items carry no apiVersion and kind). */
export function parseObjectAs(res: Resource, raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: `a ${res.kind} must be a mapping, got ${JSON.stringify(raw)?.slice(0, 60)}` };
  const o = raw as Json;
  const md = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Json;
  const name = typeof md['name'] === 'string' ? md['name'] : '';
  const namespace = typeof md['namespace'] === 'string' ? md['namespace'] : '';
  const label = `${res.kind} ${namespace === '' ? '' : `${namespace}/`}${name || '(no name)'}`;
  const r = new Reader(label);
  try {
    if (name === '') r.fail('metadata.name', 'is required', md['name']);
    if (res.namespaced && namespace === '') r.fail('metadata.namespace', 'is required for a namespaced kind', md['namespace']);
    const meta: Meta = { namespace: res.namespaced ? namespace : '', name, labels: r.labels(md['labels'], 'metadata.labels'), annotations: r.labels(md['annotations'], 'metadata.annotations') };
    const spec = r.map(o['spec'], 'spec') ?? {};
    const status = r.map(o['status'], 'status') ?? {};
    return { ok: true, object: parseKind(res.kind, meta, spec, status, o, r) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, problem: e.message };
    return { ok: false, problem: `${label}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function instances(r: Reader, v: unknown, path: string): BgpInstance[] {
  return r.list(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const m = r.map(x, p) ?? {};
    return {
      name: r.str(m['name'], `${p}.name`) ?? String(i),
      localASN: r.asn(m['localASN'], `${p}.localASN`),
      peers: r.list(m['peers'], `${p}.peers`).map((y, j) => {
        const pp = `${p}.peers[${j}]`;
        const pm = r.map(y, pp) ?? {};
        const ref = r.map(pm['peerConfigRef'], `${pp}.peerConfigRef`);
        return {
          name: r.str(pm['name'], `${pp}.name`) ?? String(j),
          peerAddress: r.ip(pm['peerAddress'], `${pp}.peerAddress`),
          peerASN: r.asn(pm['peerASN'], `${pp}.peerASN`),
          peerConfigRef: ref ? r.str(ref['name'], `${pp}.peerConfigRef.name`) : null,
        };
      }),
    };
  });
}

const SERVICE_ADDRESS_TYPES: readonly ServiceAddressType[] = ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'];

function serviceAddresses(r: Reader, v: unknown, path: string): ServiceAddressType[] {
  return r.strs(v, path).map((s) => ((SERVICE_ADDRESS_TYPES as readonly string[]).includes(s) ? (s as ServiceAddressType) : r.fail(path, `expected ${SERVICE_ADDRESS_TYPES.join(', ')}`, s)));
}

function nameValues(r: Reader, v: unknown, path: string): { name: string; value: string }[] {
  return r.list(v, path).map((x, i) => {
    const m = r.map(x, `${path}[${i}]`) ?? {};
    return { name: r.str(m['name'], `${path}[${i}].name`) ?? '', value: r.str(m['value'], `${path}[${i}].value`) ?? '' };
  });
}

function parseKind(kind: ObjectKind, meta: Meta, spec: Json, status: Json, o: Json, r: Reader): KubeObject {
  switch (kind) {
    case 'Node': {
      const podCIDRs = r.cidrs(spec['podCIDRs'], 'spec.podCIDRs');
      const single = r.cidr(spec['podCIDR'], 'spec.podCIDR');
      if (single !== null && !podCIDRs.includes(single)) podCIDRs.unshift(single);
      const internalIPs: string[] = [];
      r.list(status['addresses'], 'status.addresses').forEach((a, i) => {
        const m = r.map(a, `status.addresses[${i}]`) ?? {};
        if (m['type'] === 'InternalIP') {
          const ip = r.ip(m['address'], `status.addresses[${i}].address`);
          if (ip !== null) internalIPs.push(ip);
        }
      });
      return { kind, ...meta, podCIDRs, internalIPs };
    }
    case 'Service': {
      const etp = r.str(spec['externalTrafficPolicy'], 'spec.externalTrafficPolicy') ?? 'Cluster';
      if (etp !== 'Cluster' && etp !== 'Local') r.fail('spec.externalTrafficPolicy', 'expected Cluster or Local', etp);
      const clusterIPs = r.list(spec['clusterIPs'], 'spec.clusterIPs').length > 0 ? r.strs(spec['clusterIPs'], 'spec.clusterIPs') : [r.str(spec['clusterIP'], 'spec.clusterIP') ?? ''].filter((s) => s !== '');
      const lb = r.map(status['loadBalancer'], 'status.loadBalancer') ?? {};
      const loadBalancerIPs = r
        .list(lb['ingress'], 'status.loadBalancer.ingress')
        .map((x, i) => r.ip((r.map(x, `status.loadBalancer.ingress[${i}]`) ?? {})['ip'], `status.loadBalancer.ingress[${i}].ip`))
        .filter((x): x is string => x !== null);
      return {
        kind,
        ...meta,
        type: r.str(spec['type'], 'spec.type') ?? 'ClusterIP',
        loadBalancerClass: r.str(spec['loadBalancerClass'], 'spec.loadBalancerClass'),
        externalTrafficPolicy: etp,
        // "None" (headless) is not an address.
        clusterIPs: clusterIPs.filter((s) => s !== 'None').map((s, i) => (isIP(s) !== 0 ? s : r.fail(`spec.clusterIPs[${i}]`, 'expected an IP address', s))),
        externalIPs: r.ips(spec['externalIPs'], 'spec.externalIPs'),
        loadBalancerIPs,
      };
    }
    case 'EndpointSlice':
      return {
        kind,
        ...meta,
        service: meta.labels['kubernetes.io/service-name'] ?? null,
        endpoints: r.list(o['endpoints'], 'endpoints').map((e, i) => {
          const m = r.map(e, `endpoints[${i}]`) ?? {};
          const cond = r.map(m['conditions'], `endpoints[${i}].conditions`) ?? {};
          // An absent `ready` is "unknown", which consumers treat as ready (discovery/v1 docs).
          return { nodeName: r.str(m['nodeName'], `endpoints[${i}].nodeName`), ready: cond['ready'] === undefined || cond['ready'] === null ? true : r.bool(cond['ready'], `endpoints[${i}].conditions.ready`) };
        }),
      };
    case 'ServiceCIDR':
      return { kind, ...meta, cidrs: r.cidrs(spec['cidrs'], 'spec.cidrs') };
    case 'CiliumNode': {
      const ipam = r.map(spec['ipam'], 'spec.ipam') ?? {};
      const pools = r.map(ipam['pools'], 'spec.ipam.pools') ?? {};
      return {
        kind,
        ...meta,
        podCIDRs: r.cidrs(ipam['podCIDRs'], 'spec.ipam.podCIDRs'),
        poolCIDRs: r.list(pools['allocated'], 'spec.ipam.pools.allocated').map((x, i) => {
          const m = r.map(x, `spec.ipam.pools.allocated[${i}]`) ?? {};
          return { pool: r.str(m['pool'], `spec.ipam.pools.allocated[${i}].pool`) ?? '', cidrs: r.cidrs(m['cidrs'], `spec.ipam.pools.allocated[${i}].cidrs`) };
        }),
      };
    }
    case 'CiliumPodIPPool': {
      const v4 = r.map(spec['ipv4'], 'spec.ipv4') ?? {};
      const v6 = r.map(spec['ipv6'], 'spec.ipv6') ?? {};
      return { kind, ...meta, cidrs: [...r.cidrs(v4['cidrs'], 'spec.ipv4.cidrs'), ...r.cidrs(v6['cidrs'], 'spec.ipv6.cidrs')] };
    }
    case 'CiliumLoadBalancerIPPool': {
      const cidrs: string[] = [];
      // v2alpha1 called them cidrs, v2 blocks.
      const blocks = r.list(spec['blocks'], 'spec.blocks').length > 0 ? 'blocks' : 'cidrs';
      r.list(spec[blocks], `spec.${blocks}`).forEach((b, i) => {
        const p = `spec.${blocks}[${i}]`;
        const m = r.map(b, p) ?? {};
        const cidr = r.cidr(m['cidr'], `${p}.cidr`);
        if (cidr !== null) cidrs.push(cidr);
        else {
          const start = r.ip(m['start'], `${p}.start`);
          const stop = r.ip(m['stop'], `${p}.stop`) ?? start;
          if (start === null || stop === null) r.fail(p, 'expected cidr or start/stop', b);
          cidrs.push(...(rangeToPrefixes(start, stop) ?? r.fail(p, 'expected start ≤ stop of one family', b)));
        }
      });
      return { kind, ...meta, cidrs, disabled: r.bool(spec['disabled'], 'spec.disabled'), serviceSelector: r.selector(spec['serviceSelector'], 'spec.serviceSelector') };
    }
    case 'CiliumBGPClusterConfig':
      return { kind, ...meta, nodeSelector: r.selector(spec['nodeSelector'], 'spec.nodeSelector'), instances: instances(r, spec['bgpInstances'], 'spec.bgpInstances') };
    case 'CiliumBGPPeerConfig':
      return {
        kind,
        ...meta,
        families: r.list(spec['families'], 'spec.families').map((f, i) => {
          const m = r.map(f, `spec.families[${i}]`) ?? {};
          return { afi: r.str(m['afi'], `spec.families[${i}].afi`) ?? 'ipv4', safi: r.str(m['safi'], `spec.families[${i}].safi`) ?? 'unicast', advertisements: r.selector(m['advertisements'], `spec.families[${i}].advertisements`) };
        }),
      };
    case 'CiliumBGPAdvertisement':
      return {
        kind,
        ...meta,
        advertisements: r.list(spec['advertisements'], 'spec.advertisements').map((a, i) => {
          const p = `spec.advertisements[${i}]`;
          const m = r.map(a, p) ?? {};
          const t = m['advertisementType'];
          if (t !== 'PodCIDR' && t !== 'CiliumPodIPPool' && t !== 'Service' && t !== 'Interface') r.fail(`${p}.advertisementType`, 'expected PodCIDR, CiliumPodIPPool, Service or Interface', t);
          const svc = r.map(m['service'], `${p}.service`) ?? {};
          return { type: t, addresses: serviceAddresses(r, svc['addresses'], `${p}.service.addresses`), selector: r.selector(m['selector'], `${p}.selector`), attributes: r.attributes(m['attributes'], `${p}.attributes`) };
        }),
      };
    case 'CiliumBGPNodeConfig': {
      const st: BgpPeerStatus[] = [];
      r.list(status['bgpInstances'], 'status.bgpInstances').forEach((x, i) => {
        const m = r.map(x, `status.bgpInstances[${i}]`) ?? {};
        r.list(m['peers'], `status.bgpInstances[${i}].peers`).forEach((y, j) => {
          const p = `status.bgpInstances[${i}].peers[${j}]`;
          const pm = r.map(y, p) ?? {};
          const addr = r.ip(pm['peerAddress'], `${p}.peerAddress`);
          if (addr === null) return;
          st.push({
            instance: r.str(m['name'], `status.bgpInstances[${i}].name`) ?? String(i),
            name: r.str(pm['name'], `${p}.name`) ?? String(j),
            peerAddress: addr,
            peeringState: r.str(pm['peeringState'], `${p}.peeringState`),
            routeCount: r.list(pm['routeCount'], `${p}.routeCount`).map((c, k) => {
              const cm = r.map(c, `${p}.routeCount[${k}]`) ?? {};
              return { afi: r.str(cm['afi'], `${p}.routeCount[${k}].afi`) ?? 'ipv4', safi: r.str(cm['safi'], `${p}.routeCount[${k}].safi`) ?? 'unicast', advertised: r.int(cm['advertised'], `${p}.routeCount[${k}].advertised`, 0, 2 ** 32), received: r.int(cm['received'], `${p}.routeCount[${k}].received`, 0, 2 ** 32) };
            }),
          });
        });
      });
      return { kind, ...meta, instances: instances(r, spec['bgpInstances'], 'spec.bgpInstances'), status: st };
    }
    case 'CiliumBGPPeeringPolicy':
      return {
        kind,
        ...meta,
        nodeSelector: r.selector(spec['nodeSelector'], 'spec.nodeSelector'),
        virtualRouters: r.list(spec['virtualRouters'], 'spec.virtualRouters').map((v, i) => {
          const p = `spec.virtualRouters[${i}]`;
          const m = r.map(v, p) ?? {};
          return {
            localASN: r.asn(m['localASN'], `${p}.localASN`),
            exportPodCIDR: r.bool(m['exportPodCIDR'], `${p}.exportPodCIDR`),
            serviceSelector: r.selector(m['serviceSelector'], `${p}.serviceSelector`),
            serviceAdvertisements: m['serviceAdvertisements'] === undefined ? ['LoadBalancerIP'] : serviceAddresses(r, m['serviceAdvertisements'], `${p}.serviceAdvertisements`),
            neighbors: r.list(m['neighbors'], `${p}.neighbors`).map((n, j) => {
              const np = `${p}.neighbors[${j}]`;
              const nm = r.map(n, np) ?? {};
              const addr = r.cidr(nm['peerAddress'], `${np}.peerAddress`, true) ?? r.fail(`${np}.peerAddress`, 'is required', undefined);
              return {
                peerAddress: addr.split('/')[0] ?? addr,
                peerASN: r.asn(nm['peerASN'], `${np}.peerASN`),
                advertisedPathAttributes: r.list(nm['advertisedPathAttributes'], `${np}.advertisedPathAttributes`).map((a, k) => {
                  const ap = `${np}.advertisedPathAttributes[${k}]`;
                  const am = r.map(a, ap) ?? {};
                  return { selectorType: r.str(am['selectorType'], `${ap}.selectorType`) ?? '', selector: r.selector(am['selector'], `${ap}.selector`), attributes: r.attributes(am, ap) };
                }),
              };
            }),
          };
        }),
      };
    case 'CiliumEgressGatewayPolicy': {
      const gw = r.map(spec['egressGateway'], 'spec.egressGateway') ?? {};
      return { kind, ...meta, nodeSelector: r.selector(gw['nodeSelector'], 'spec.egressGateway.nodeSelector'), egressIP: r.ip(gw['egressIP'], 'spec.egressGateway.egressIP') };
    }
    case 'IPAddressPool': {
      const cidrs: string[] = [];
      r.strs(spec['addresses'], 'spec.addresses').forEach((a, i) => {
        const dash = a.indexOf('-');
        if (dash > 0 && !a.includes('/')) {
          const ps = rangeToPrefixes(a.slice(0, dash).trim(), a.slice(dash + 1).trim());
          cidrs.push(...(ps ?? r.fail(`spec.addresses[${i}]`, 'expected a CIDR or "first-last" range', a)));
        } else cidrs.push(r.cidr(a, `spec.addresses[${i}]`) ?? '');
      });
      return { kind, ...meta, cidrs };
    }
    case 'BGPAdvertisement': {
      const selList = (v: unknown, path: string) => r.list(v, path).map((x, i) => r.selector(x, `${path}[${i}]`) ?? SELECT_ALL);
      return {
        kind,
        ...meta,
        aggregationLength: r.int(spec['aggregationLength'], 'spec.aggregationLength', 0, 32),
        aggregationLengthV6: r.int(spec['aggregationLengthV6'], 'spec.aggregationLengthV6', 0, 128),
        communities: r.strs(spec['communities'], 'spec.communities'),
        localPref: r.int(spec['localPref'], 'spec.localPref', 0, 4294967295),
        ipAddressPools: r.strs(spec['ipAddressPools'], 'spec.ipAddressPools'),
        ipAddressPoolSelectors: selList(spec['ipAddressPoolSelectors'], 'spec.ipAddressPoolSelectors'),
        nodeSelectors: selList(spec['nodeSelectors'], 'spec.nodeSelectors'),
        peers: r.strs(spec['peers'], 'spec.peers'),
      };
    }
    case 'BGPPeer':
      return {
        kind,
        ...meta,
        myASN: r.asn(spec['myASN'], 'spec.myASN'),
        peerASN: r.asn(spec['peerASN'], 'spec.peerASN'),
        peerAddress: r.ip(spec['peerAddress'], 'spec.peerAddress'),
        nodeSelectors: r.list(spec['nodeSelectors'], 'spec.nodeSelectors').map((x, i) => r.selector(x, `spec.nodeSelectors[${i}]`) ?? SELECT_ALL),
      };
    case 'Community':
      return { kind, ...meta, communities: nameValues(r, spec['communities'], 'spec.communities') };
    case 'CalicoIPPool':
      return {
        kind,
        ...meta,
        cidr: r.cidr(spec['cidr'], 'spec.cidr') ?? r.fail('spec.cidr', 'is required', undefined),
        blockSize: r.int(spec['blockSize'], 'spec.blockSize', 0, 128),
        disableBGPExport: r.bool(spec['disableBGPExport'], 'spec.disableBGPExport'),
        disabled: r.bool(spec['disabled'], 'spec.disabled'),
      };
    case 'BGPConfiguration': {
      const cidrList = (v: unknown, path: string) =>
        r
          .list(v, path)
          .map((x, i) => r.cidr((r.map(x, `${path}[${i}]`) ?? {})['cidr'], `${path}[${i}].cidr`, true))
          .filter((x): x is string => x !== null);
      return {
        kind,
        ...meta,
        asNumber: r.asn(spec['asNumber'], 'spec.asNumber'),
        serviceClusterIPs: cidrList(spec['serviceClusterIPs'], 'spec.serviceClusterIPs'),
        serviceExternalIPs: cidrList(spec['serviceExternalIPs'], 'spec.serviceExternalIPs'),
        serviceLoadBalancerIPs: cidrList(spec['serviceLoadBalancerIPs'], 'spec.serviceLoadBalancerIPs'),
        communities: nameValues(r, spec['communities'], 'spec.communities'),
        prefixAdvertisements: r.list(spec['prefixAdvertisements'], 'spec.prefixAdvertisements').map((x, i) => {
          const m = r.map(x, `spec.prefixAdvertisements[${i}]`) ?? {};
          return { cidr: r.cidr(m['cidr'], `spec.prefixAdvertisements[${i}].cidr`) ?? '', communities: r.strs(m['communities'], `spec.prefixAdvertisements[${i}].communities`) };
        }),
      };
    }
  }
}

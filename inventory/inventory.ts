/**
 * The inventory: which address ranges belong to which Kubernetes cluster and node, which router is
 * a leaf, spine or border, and what each BGP peer is allowed (max-prefix, dampening profile,
 * external or not). It is data, not configuration, so it is its own YAML file; later it may come
 * from the Kubernetes API (Node, CiliumNode, LB IP pools, BGP peer configs), which is why keys
 * follow Kubernetes/Cilium spelling (podCIDRs, serviceCIDRs, loadBalancerPools, egressIPs).
 *
 * Loading checks the whole file and reports every problem at once, each naming the file, the key
 * path and the line ("inventory.yaml: clusters[0].nodes[1].asn: expected an AS number 1..4294967295,
 * got \"x\" (line 9)"). Unknown keys are errors: a misspelt `podCidrs` silently ignored would turn
 * the leak detector off for that cluster.
 *
 * `watchInventory` reloads the file when it changes (debounced; a bad edit keeps the last good
 * inventory and logs why). The analyzer and the API both read it, hence a shared layer.
 */
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { PrefixTrie, formatPrefix, parsePrefix, prefixesOverlap } from './prefix-trie.js';
import type { PrefixKey } from './prefix-trie.js';
import { DAMPENING_PROFILE_NAMES, DAMPENING_PROFILES, NO_DAMPENING, dampeningCeiling } from './dampening.js';
import type { DampeningParams, DampeningProfileName } from './dampening.js';

export { DAMPENING_PROFILE_NAMES, DAMPENING_PROFILES, NO_DAMPENING, dampeningCeiling } from './dampening.js';
export type { DampeningParams, DampeningProfileName } from './dampening.js';

/** Seconds in a minute: the inventory gives dampening times in minutes. */
const MIN = 60;

// ---- the inventory's shape ---------------------------------------------------------------------

export const ROUTER_ROLES = ['leaf', 'spine', 'border'] as const;
export type RouterRole = (typeof ROUTER_ROLES)[number];

export interface ClusterPolicy {
  /** Pod CIDRs may be advertised into the fabric (Cilium `advertisePodCIDRs`-style). */
  readonly advertisePodCIDRs: boolean;
  readonly advertiseServiceCIDRs: boolean;
  /** LoadBalancer routes must carry NO_EXPORT. */
  readonly noExportOnLoadBalancer: boolean;
}

export interface InventoryNode {
  readonly name: string;
  readonly cluster: string;
  readonly address: string;
  readonly asn: number;
  /** Canonical prefixes ("10.244.1.0/24"). */
  readonly podCIDRs: readonly string[];
}

export interface InventoryCluster {
  readonly name: string;
  readonly podCIDRs: readonly string[];
  readonly serviceCIDRs: readonly string[];
  readonly loadBalancerPools: readonly string[];
  /** Egress IPs as host prefixes (a bare address becomes /32 or /128), or ranges. */
  readonly egressIPs: readonly string[];
  readonly policy: ClusterPolicy;
  readonly nodes: readonly InventoryNode[];
}

export interface InventoryPeer {
  readonly address: string;
  readonly name: string | null;
  readonly asn: number | null;
  /** Configured maximum per AFI/SAFI ("ipv4-unicast": 100). */
  readonly maxPrefix: Readonly<Record<string, number>>;
  /** The damping this router applies to the peer; null: unspecified; NO_DAMPENING: none. */
  readonly dampening: DampeningParams | null;
  /** Upstream/transit: pod and service ranges must never be seen towards or from it. */
  readonly external: boolean;
}

export interface InventoryRouter {
  readonly name: string;
  readonly sysName: string | null;
  /** The BMP source address. */
  readonly address: string | null;
  readonly role: RouterRole;
  /** The router's own AS (iBGP detection when Peer Up is missing). */
  readonly asn: number | null;
  /** Default dampening for peers that do not name one (null: none). */
  readonly dampening: DampeningParams | null;
  readonly peers: readonly InventoryPeer[];
}

export type RangeKind = 'pod' | 'node-pod' | 'service' | 'lb' | 'egress';

/** One owned range, as indexed in the trie. */
export interface OwnedRange {
  readonly cluster: string;
  readonly kind: RangeKind;
  readonly prefix: string;
  /** For `node-pod`: the node the PodCIDR is allocated to. */
  readonly node: InventoryNode | null;
}

/** Two clusters (or two nodes of one cluster) claiming overlapping space. */
export interface RangeOverlap {
  readonly a: OwnedRange;
  readonly b: OwnedRange;
}

export class InventoryError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'InventoryError';
  }
}

// ---- the loaded inventory with its indexes -----------------------------------------------------

export class Inventory {
  /** Owned ranges by prefix; several entries where ranges coincide (an egress IP inside an LB pool). */
  private readonly trie = new PrefixTrie<OwnedRange[]>();
  private readonly nodesByAddress = new Map<string, InventoryNode>();
  private readonly routersBySysName = new Map<string, InventoryRouter>();
  private readonly routersByAddress = new Map<string, InventoryRouter>();
  private readonly routersByName = new Map<string, InventoryRouter>();
  private readonly peersByRouter = new Map<InventoryRouter, Map<string, InventoryPeer>>();
  /** Inventory-level overlaps, found at load. */
  readonly overlaps: readonly RangeOverlap[];

  constructor(
    readonly clusters: readonly InventoryCluster[],
    readonly routers: readonly InventoryRouter[],
    /** The file it came from ("" when built in code). */
    readonly file = '',
    /** Things that load but are probably wrong (a suppress threshold above the ceiling). */
    readonly warnings: readonly string[] = [],
  ) {
    const all: OwnedRange[] = [];
    const add = (r: OwnedRange) => {
      all.push(r);
      const list = this.trie.get(r.prefix);
      if (list) list.push(r);
      else this.trie.set(r.prefix, [r]);
    };
    for (const c of clusters) {
      for (const p of c.podCIDRs) add({ cluster: c.name, kind: 'pod', prefix: p, node: null });
      for (const p of c.serviceCIDRs) add({ cluster: c.name, kind: 'service', prefix: p, node: null });
      for (const p of c.loadBalancerPools) add({ cluster: c.name, kind: 'lb', prefix: p, node: null });
      for (const p of c.egressIPs) add({ cluster: c.name, kind: 'egress', prefix: p, node: null });
      for (const n of c.nodes) {
        this.nodesByAddress.set(n.address, n);
        for (const p of n.podCIDRs) add({ cluster: c.name, kind: 'node-pod', prefix: p, node: n });
      }
    }
    for (const r of routers) {
      if (r.sysName !== null) this.routersBySysName.set(r.sysName, r);
      if (r.address !== null) this.routersByAddress.set(r.address, r);
      this.routersByName.set(r.name, r);
      this.peersByRouter.set(r, new Map(r.peers.map((p) => [p.address, p])));
    }
    this.overlaps = findOverlaps(all);
  }

  static empty(): Inventory {
    return new Inventory([], []);
  }

  /** Every owned range containing (or equal to) the prefix, least specific first. */
  owners(prefix: string | PrefixKey): OwnedRange[] {
    return this.trie.covering(prefix).flatMap((e) => e.value);
  }

  /** Owned ranges strictly inside the prefix (a less-specific announcement covering them). */
  inside(prefix: string | PrefixKey): OwnedRange[] {
    const k = typeof prefix === 'string' ? parsePrefix(prefix) : prefix;
    if (!k) return [];
    return this.trie.covered(k, 64).filter((e) => e.key.length > k.length).flatMap((e) => e.value);
  }

  nodeByAddress(address: string): InventoryNode | undefined {
    return this.nodesByAddress.get(address);
  }

  /**
   * The router for a BMP session: by sysName (Initiation) or by source address, else by name
   * against the sysName.
   */
  router(address: string, sysName?: string | null): InventoryRouter | undefined {
    if (sysName) {
      const bySys = this.routersBySysName.get(sysName);
      if (bySys) return bySys;
    }
    const byAddr = this.routersByAddress.get(address);
    if (byAddr) return byAddr;
    return sysName ? this.routersByName.get(sysName) : undefined;
  }

  peer(router: InventoryRouter | undefined, peerAddress: string): InventoryPeer | undefined {
    return router ? this.peersByRouter.get(router)?.get(peerAddress) : undefined;
  }

  cluster(name: string): InventoryCluster | undefined {
    return this.clusters.find((c) => c.name === name);
  }
}

function findOverlaps(all: readonly OwnedRange[]): RangeOverlap[] {
  // Inventories are small (hundreds of ranges): a pairwise scan is clear and fast enough.
  const keys = all.map((r) => parsePrefix(r.prefix) as PrefixKey);
  const out: RangeOverlap[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i] as OwnedRange;
      const b = all[j] as OwnedRange;
      if (!prefixesOverlap(keys[i] as PrefixKey, keys[j] as PrefixKey)) continue;
      if (a.cluster !== b.cluster) out.push({ a, b });
      // Within a cluster only two nodes' PodCIDRs colliding is wrong; the rest nests by design.
      else if (a.kind === 'node-pod' && b.kind === 'node-pod' && a.node !== b.node) out.push({ a, b });
    }
  }
  return out;
}

// ---- parsing and validation --------------------------------------------------------------------

type Path = (string | number)[];

class Checker {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  constructor(
    private readonly fileLabel: string,
    private readonly where: (path: Path) => string,
  ) {}

  static pathText(path: Path): string {
    let s = '';
    for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
    return s;
  }

  fail(path: Path, expected: string, got?: unknown): void {
    const gotText = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
    this.problems.push(`${this.fileLabel}: ${Checker.pathText(path) || '(top level)'}: ${expected}${gotText}${this.where(path)}`);
  }

  warn(path: Path, text: string): void {
    this.warnings.push(`${this.fileLabel}: ${Checker.pathText(path)}: ${text}${this.where(path)}`);
  }

  /** A mapping; `allowed` undefined: any keys (the caller checks them). */
  map(v: unknown, path: Path, allowed?: readonly string[]): Record<string, unknown> | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(path, 'expected a mapping', v);
      return undefined;
    }
    const m = v as Record<string, unknown>;
    if (allowed) for (const k of Object.keys(m)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key (expected one of ${allowed.join(', ')})`);
    }
    return m;
  }

  list(v: unknown, path: Path, optional = true): unknown[] {
    if (v === undefined || v === null) {
      if (!optional) this.fail(path, 'is required (a list)');
      return [];
    }
    if (!Array.isArray(v)) {
      this.fail(path, 'expected a list', v);
      return [];
    }
    return v as unknown[];
  }

  string(v: unknown, path: Path, required: boolean): string | null {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required (a string)');
      return null;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.fail(path, 'expected a non-empty string', v);
      return null;
    }
    return v;
  }

  bool(v: unknown, path: Path, dflt: boolean): boolean {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') {
      this.fail(path, 'expected true or false', v);
      return dflt;
    }
    return v;
  }

  asn(v: unknown, path: Path, required: boolean): number | null {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required (an AS number 1..4294967295)');
      return null;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 4294967295) {
      this.fail(path, 'expected an AS number 1..4294967295', v);
      return null;
    }
    return v;
  }

  address(v: unknown, path: Path, required: boolean): string | null {
    const s = this.string(v, path, required);
    if (s === null) return null;
    if (isIP(s) === 0) {
      this.fail(path, 'expected an IPv4 or IPv6 address', s);
      return null;
    }
    return s;
  }

  /** A list of prefixes, canonicalised; `hostOk` lets a bare address stand for a host route. */
  prefixes(v: unknown, path: Path, hostOk = false): string[] {
    const out: string[] = [];
    this.list(v, path).forEach((item, i) => {
      if (typeof item !== 'string' || (!hostOk && !item.includes('/'))) {
        this.fail([...path, i], hostOk ? 'expected an address or CIDR' : 'expected a CIDR ("10.244.0.0/16")', item);
        return;
      }
      const k = parsePrefix(item);
      if (!k) {
        this.fail([...path, i], 'expected an IPv4 or IPv6 CIDR', item);
        return;
      }
      const canon = formatPrefix(k);
      const host = parsePrefix(item.split('/')[0] ?? '');
      if (host && formatPrefix(host).split('/')[0] !== canon.split('/')[0]) this.warn([...path, i], `host bits set in "${item}"; using ${canon}`);
      out.push(canon);
    });
    return out;
  }

  positive(v: unknown, path: Path, what: string, allowZero = false): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      this.fail(path, `expected ${what}`, v);
      return undefined;
    }
    return v;
  }
}

const EXPLICIT_KEYS = ['profile', 'halfLife', 'reuse', 'suppress', 'maxSuppress', 'withdrawal', 'readvertisement', 'attributeChange', 'maxPenalty'] as const;

function dampening(c: Checker, v: unknown, path: Path): DampeningParams | null {
  if (v === undefined || v === null) return null;
  if (v === false || v === 'none') return NO_DAMPENING;
  if (typeof v === 'string') {
    if ((DAMPENING_PROFILE_NAMES as readonly string[]).includes(v)) return DAMPENING_PROFILES[v as DampeningProfileName];
    c.fail(path, `expected a profile (${DAMPENING_PROFILE_NAMES.join(', ')}, none) or explicit parameters`, v);
    return null;
  }
  const m = c.map(v, path, EXPLICIT_KEYS);
  if (!m) return null;
  let base: DampeningParams = DAMPENING_PROFILES.cisco;
  let baseName = 'cisco';
  if (m['profile'] !== undefined) {
    if (typeof m['profile'] === 'string' && (DAMPENING_PROFILE_NAMES as readonly string[]).includes(m['profile'])) {
      baseName = m['profile'];
      base = DAMPENING_PROFILES[baseName as DampeningProfileName];
    } else c.fail([...path, 'profile'], `expected a base profile (${DAMPENING_PROFILE_NAMES.join(', ')})`, m['profile']);
  }
  const halfLifeMin = c.positive(m['halfLife'], [...path, 'halfLife'], 'a half-life in minutes > 0');
  const maxSuppressMin = c.positive(m['maxSuppress'], [...path, 'maxSuppress'], 'a max-suppress time in minutes > 0');
  const p: DampeningParams = {
    profile: `explicit(${baseName})`,
    halfLifeSeconds: halfLifeMin !== undefined ? halfLifeMin * MIN : base.halfLifeSeconds,
    reuse: c.positive(m['reuse'], [...path, 'reuse'], 'a reuse threshold > 0') ?? base.reuse,
    suppress: c.positive(m['suppress'], [...path, 'suppress'], 'a suppress threshold > 0') ?? base.suppress,
    maxSuppressSeconds: maxSuppressMin !== undefined ? maxSuppressMin * MIN : base.maxSuppressSeconds,
    withdrawal: c.positive(m['withdrawal'], [...path, 'withdrawal'], 'a penalty ≥ 0', true) ?? base.withdrawal,
    readvertisement: c.positive(m['readvertisement'], [...path, 'readvertisement'], 'a penalty ≥ 0', true) ?? base.readvertisement,
    attributeChange: c.positive(m['attributeChange'], [...path, 'attributeChange'], 'a penalty ≥ 0', true) ?? base.attributeChange,
    maxPenalty: c.positive(m['maxPenalty'], [...path, 'maxPenalty'], 'a max penalty > 0') ?? base.maxPenalty,
  };
  if (p.reuse >= p.suppress) c.fail([...path, 'reuse'], `must be below suppress (${p.suppress})`, p.reuse);
  else if (p.suppress > dampeningCeiling(p)) {
    c.warn(path, `suppress ${p.suppress} is above the ceiling ${Math.round(dampeningCeiling(p))} (reuse·2^(maxSuppress/halfLife)): nothing will ever be suppressed`);
  }
  return p;
}

const FAMILY = /^[a-z0-9]+(-[a-z0-9]+)+$/;

function buildInventory(c: Checker, doc: unknown, file: string): Inventory {
  if (doc === null || doc === undefined) return new Inventory([], [], file, c.warnings);
  const top = c.map(doc, [], ['clusters', 'routers']);
  if (!top) return new Inventory([], [], file, c.warnings);

  const clusters: InventoryCluster[] = [];
  const clusterNames = new Set<string>();
  const nodeAddresses = new Map<string, string>();
  c.list(top['clusters'], ['clusters']).forEach((raw, ci) => {
    const path: Path = ['clusters', ci];
    const m = c.map(raw, path, ['name', 'podCIDRs', 'serviceCIDRs', 'loadBalancerPools', 'egressIPs', 'policy', 'nodes']);
    if (!m) return;
    const name = c.string(m['name'], [...path, 'name'], true) ?? `#${ci}`;
    if (clusterNames.has(name)) c.fail([...path, 'name'], 'duplicate cluster name', name);
    clusterNames.add(name);
    const pm = m['policy'] === undefined ? {} : c.map(m['policy'], [...path, 'policy'], ['advertisePodCIDRs', 'advertiseServiceCIDRs', 'noExportOnLoadBalancer']);
    const policy: ClusterPolicy = {
      advertisePodCIDRs: c.bool(pm?.['advertisePodCIDRs'], [...path, 'policy', 'advertisePodCIDRs'], false),
      advertiseServiceCIDRs: c.bool(pm?.['advertiseServiceCIDRs'], [...path, 'policy', 'advertiseServiceCIDRs'], false),
      noExportOnLoadBalancer: c.bool(pm?.['noExportOnLoadBalancer'], [...path, 'policy', 'noExportOnLoadBalancer'], false),
    };
    const nodes: InventoryNode[] = [];
    const nodeNames = new Set<string>();
    c.list(m['nodes'], [...path, 'nodes']).forEach((rawNode, ni) => {
      const np: Path = [...path, 'nodes', ni];
      const n = c.map(rawNode, np, ['name', 'address', 'asn', 'podCIDRs']);
      if (!n) return;
      const nodeName = c.string(n['name'], [...np, 'name'], true) ?? `#${ni}`;
      if (nodeNames.has(nodeName)) c.fail([...np, 'name'], 'duplicate node name in this cluster', nodeName);
      nodeNames.add(nodeName);
      const address = c.address(n['address'], [...np, 'address'], true) ?? '';
      const other = nodeAddresses.get(address);
      if (address !== '' && other !== undefined) c.fail([...np, 'address'], `address already used by node ${other}`, address);
      nodeAddresses.set(address, `${name}/${nodeName}`);
      nodes.push({ name: nodeName, cluster: name, address, asn: c.asn(n['asn'], [...np, 'asn'], true) ?? 0, podCIDRs: c.prefixes(n['podCIDRs'], [...np, 'podCIDRs']) });
    });
    clusters.push({
      name,
      podCIDRs: c.prefixes(m['podCIDRs'], [...path, 'podCIDRs']),
      serviceCIDRs: c.prefixes(m['serviceCIDRs'], [...path, 'serviceCIDRs']),
      loadBalancerPools: c.prefixes(m['loadBalancerPools'], [...path, 'loadBalancerPools']),
      egressIPs: c.prefixes(m['egressIPs'], [...path, 'egressIPs'], true),
      policy,
      nodes,
    });
  });

  const routers: InventoryRouter[] = [];
  const routerNames = new Set<string>();
  c.list(top['routers'], ['routers']).forEach((raw, ri) => {
    const path: Path = ['routers', ri];
    const m = c.map(raw, path, ['name', 'sysName', 'address', 'role', 'asn', 'dampening', 'peers']);
    if (!m) return;
    const name = c.string(m['name'], [...path, 'name'], true) ?? `#${ri}`;
    if (routerNames.has(name)) c.fail([...path, 'name'], 'duplicate router name', name);
    routerNames.add(name);
    let role: RouterRole = 'leaf';
    if (typeof m['role'] === 'string' && (ROUTER_ROLES as readonly string[]).includes(m['role'])) role = m['role'] as RouterRole;
    else c.fail([...path, 'role'], `expected one of ${ROUTER_ROLES.join(', ')}`, m['role']);
    const routerDamp = dampening(c, m['dampening'], [...path, 'dampening']);
    const peers: InventoryPeer[] = [];
    const peerAddrs = new Set<string>();
    c.list(m['peers'], [...path, 'peers']).forEach((rawPeer, pi) => {
      const pp: Path = [...path, 'peers', pi];
      const p = c.map(rawPeer, pp, ['address', 'name', 'asn', 'maxPrefix', 'dampening', 'external']);
      if (!p) return;
      const address = c.address(p['address'], [...pp, 'address'], true) ?? '';
      if (peerAddrs.has(address)) c.fail([...pp, 'address'], 'duplicate peer on this router', address);
      peerAddrs.add(address);
      const maxPrefix: Record<string, number> = {};
      if (p['maxPrefix'] !== undefined) {
        const mp = c.map(p['maxPrefix'], [...pp, 'maxPrefix']);
        if (mp) {
          for (const [fam, n] of Object.entries(mp)) {
            if (!FAMILY.test(fam)) c.fail([...pp, 'maxPrefix', fam], 'expected an AFI/SAFI name such as ipv4-unicast');
            else if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) c.fail([...pp, 'maxPrefix', fam], 'expected a positive integer', n);
            else maxPrefix[fam] = n;
          }
        }
      }
      peers.push({
        address,
        name: c.string(p['name'], [...pp, 'name'], false),
        asn: c.asn(p['asn'], [...pp, 'asn'], false),
        maxPrefix,
        dampening: p['dampening'] === undefined ? routerDamp : dampening(c, p['dampening'], [...pp, 'dampening']),
        external: c.bool(p['external'], [...pp, 'external'], false),
      });
    });
    const sysName = c.string(m['sysName'], [...path, 'sysName'], false);
    const address = c.address(m['address'], [...path, 'address'], false);
    routers.push({ name, sysName, address, role, asn: c.asn(m['asn'], [...path, 'asn'], false), dampening: routerDamp, peers });
  });

  return new Inventory(clusters, routers, file, c.warnings);
}

/** Parses inventory text; throws InventoryError listing every problem. */
export function parseInventory(text: string, file = 'inventory.yaml'): Inventory {
  const label = basename(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InventoryError(doc.errors.map((e) => `${label}: ${e.message.split('\n')[0] ?? ''} (line ${lines.linePos(e.pos[0]).line})`));
  }
  const where = (path: Path): string => {
    // The nearest node that exists along the path gives the line.
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return ` (line ${lines.linePos(range[0]).line})`;
    }
    return '';
  };
  const c = new Checker(label, where);
  const inv = buildInventory(c, doc.toJS(), file);
  if (c.problems.length > 0) throw new InventoryError(c.problems);
  return inv;
}

export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError([`${basename(file)}: cannot read: ${(err as Error).message}`]);
  }
  return parseInventory(text, file);
}

// ---- live reload -------------------------------------------------------------------------------

/** The little a watcher needs of a logger (pino's Logger fits). */
export interface InventoryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface WatchOptions {
  readonly file: string;
  /** Wait this long after the last change event before reading (editors write in bursts). */
  readonly debounceMs?: number;
  readonly log?: InventoryLog;
  /** Called with the new inventory after a good reload. */
  readonly onChange?: (next: Inventory, previous: Inventory) => void;
}

export class InventoryWatcher {
  private inv: Inventory;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;
  /** Reloads attempted and failed, for tests and metrics. */
  reloads = 0;
  failures = 0;

  constructor(private readonly opts: WatchOptions) {
    this.file = resolve(opts.file);
    this.inv = loadInventory(this.file);
    for (const w of this.inv.warnings) opts.log?.warn({ file: this.file }, w);
    // Watch the directory: editors and ConfigMap mounts replace the file (rename), which ends a
    // watch on the file itself.
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name || changed === '..data') this.schedule();
    });
    this.watcher.on('error', (err) => opts.log?.warn({ file: this.file, err: err.message }, 'inventory watch failed; keeping the current inventory'));
  }

  get current(): Inventory {
    return this.inv;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload();
    }, this.opts.debounceMs ?? 250);
    this.timer.unref();
  }

  /** Reads the file now; on error keeps the last good inventory. True when it was replaced. */
  reload(): boolean {
    this.reloads++;
    let next: Inventory;
    try {
      next = loadInventory(this.file);
    } catch (err) {
      this.failures++;
      const problems = err instanceof InventoryError ? err.problems : [(err as Error).message];
      this.opts.log?.warn({ file: this.file, problems }, 'inventory not reloaded: keeping the last good one');
      return false;
    }
    const previous = this.inv;
    this.inv = next;
    for (const w of next.warnings) this.opts.log?.warn({ file: this.file }, w);
    this.opts.log?.info({ file: this.file, clusters: next.clusters.length, routers: next.routers.length }, 'inventory reloaded');
    this.opts.onChange?.(next, previous);
    return true;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

export function watchInventory(opts: WatchOptions): InventoryWatcher {
  return new InventoryWatcher(opts);
}

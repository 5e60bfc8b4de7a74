/**
 * What the detectors share: bounded keyed state (LRU with a cap and idle eviction), the routers'
 * names and local ASNs as the records reveal them, the self-peer rule, attribute fingerprints,
 * the primary RIB view per peer, and Peer Down classification.
 *
 * Event time is the record's `time` (arrival at the collector); router timestamps are never used.
 */
import type { BusRecord, PeerDownRecord, PeerRef, RouteAttributes } from '../../records/types.js';
import type { Inventory, InventoryPeer, InventoryRouter } from '../../inventory/inventory.js';
import type { RibView } from '@ribwatch/bmp-parser';

let lastTime = '';
let lastTimeMs = 0;

/** Milliseconds since the epoch of a record's arrival time (each record passes every detector: parse once). */
export function eventMs(r: { readonly time: string }): number {
  if (r.time !== lastTime) {
    lastTime = r.time;
    lastTimeMs = Date.parse(r.time);
  }
  return lastTimeMs;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A Map with a size cap, least recently used first out, and idle eviction. Touching re-inserts the
 * key so Map order is LRU order — but only when the entry was last touched more than
 * `reorderAfterMs` before (event time): a Map delete+insert per touch is the hot path's main cost,
 * and LRU order at one-minute granularity is all the cap and idle eviction need.
 */
export class BoundedMap<K, V extends { lastMs: number }> {
  private readonly m = new Map<K, V>();
  /** Entries dropped by the cap or for idleness, for metrics. */
  evicted = 0;

  constructor(
    readonly cap: number,
    /** Called for each evicted entry (a detector may need to clear an alert it was holding). */
    private readonly onEvict?: (key: K, value: V) => void,
    private readonly reorderAfterMs = 60_000,
  ) {}

  get size(): number {
    return this.m.size;
  }

  get(key: K): V | undefined {
    return this.m.get(key);
  }

  /** Get and mark as most recently used at `nowMs` (the caller then sets `lastMs`). */
  touch(key: K, nowMs: number): V | undefined {
    const v = this.m.get(key);
    if (v !== undefined && nowMs - v.lastMs > this.reorderAfterMs) {
      this.m.delete(key);
      this.m.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.m.delete(key);
    this.m.set(key, value);
    if (this.m.size > this.cap) this.evictOverflow();
  }

  /**
   * Evicts the least recently used entries down to 1/64 below the cap, in one pass. A Map iterator
   * starts by walking every slot deleted since the table was last compacted, so evicting one entry
   * per set() with a fresh iterator each time is quadratic once a detector sits at its cap.
   */
  private evictOverflow(): void {
    const target = this.cap - Math.floor(this.cap / 64);
    for (const [k, v] of this.m) {
      if (this.m.size <= target) break;
      this.m.delete(k);
      this.evicted++;
      this.onEvict?.(k, v);
    }
  }

  delete(key: K): boolean {
    return this.m.delete(key);
  }

  /** Drops entries not touched since `beforeMs` (oldest first; stops at the first recent one). */
  evictIdle(beforeMs: number, keep?: (v: V) => boolean): number {
    let n = 0;
    // Order is LRU to within reorderAfterMs: stop only well past the cut.
    const stop = beforeMs + this.reorderAfterMs;
    for (const [k, v] of this.m) {
      if (v.lastMs >= stop) break;
      if (v.lastMs >= beforeMs) continue;
      if (keep?.(v)) continue;
      this.m.delete(k);
      this.evicted++;
      this.onEvict?.(k, v);
      n++;
    }
    return n;
  }

  values(): IterableIterator<V> {
    return this.m.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.m.entries();
  }
}

/**
 * FRR reports its locally originated routes from a global peer 0.0.0.0 / AS 0 (GoBGP's late-join
 * dump from `::`); that is the router itself, not a node or a peer. A Loc-RIB instance peer
 * (RFC 9069) is different: it carries the router's best paths, and GoBGP sends some of its
 * withdrawals with AS 0, so it is never "self".
 */
export function isSelfPeer(p: PeerRef): boolean {
  return p.type !== 'loc-rib' && p.asn === 0 && (p.address === '0.0.0.0' || p.address === '::');
}

/** 32-bit FNV-1a over text: a small fingerprint of an attribute set. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The attributes that make a path "different" for RFC 2439 (an implicit withdraw replaced by
 * different attributes). All of them, as the router received them.
 */
let lastAttrs: RouteAttributes | null = null;
let lastFingerprint = 0;

export function attributesFingerprint(a: RouteAttributes | null): number {
  if (a === null) return 0;
  // Several detectors ask for the same record's attributes in a row.
  if (a !== lastAttrs) {
    lastAttrs = a;
    lastFingerprint = fnv1a(JSON.stringify(a));
  }
  return lastFingerprint;
}

/** The origin AS: the last AS of the path when it is a plain AS (not an AS_SET); null when none. */
export function originAs(a: RouteAttributes | null): number | null {
  if (!a || a.as_path.length === 0) return null;
  const last = a.as_path[a.as_path.length - 1];
  return typeof last === 'number' ? last : null;
}

/**
 * An LoadBalancer or egress IP moving between nodes of its cluster (externalTrafficPolicy: Local
 * moves the /32 with its pods): the path's origin AS changed from one of the owning cluster's
 * nodes to another. Such an attribute change is a move, not churn (detector option `lbMoves`).
 */
export function isLbMove(inv: Inventory, prefix: string, oldOrigin: number, newOrigin: number): boolean {
  if (oldOrigin < 0 || newOrigin < 0 || oldOrigin === newOrigin) return false;
  for (const o of inv.owners(prefix)) {
    if (o.kind !== 'lb' && o.kind !== 'egress') continue;
    const nodes = inv.cluster(o.cluster)?.nodes ?? [];
    if (nodes.some((n) => n.asn === oldOrigin) && nodes.some((n) => n.asn === newOrigin)) return true;
  }
  return false;
}

/**
 * Routers as the records reveal them: the sysName from Initiation, the session in progress, each
 * peer's local ASN from Peer Up's sent OPEN; and the inventory's view of router and peer.
 */
export class RouterDirectory {
  private readonly sysNames = new Map<string, string>();
  private readonly localAsn = new Map<string, number>();
  private readonly sessions = new Map<string, string>();
  private readonly cache = new Map<string, InventoryRouter | null>();

  constructor(private inv: Inventory) {}

  get inventory(): Inventory {
    return this.inv;
  }

  setInventory(inv: Inventory): void {
    this.inv = inv;
    this.cache.clear();
  }

  /** Learn from a record; call for every record, before the detector's own work. */
  observe(r: BusRecord): void {
    if (r.type === 'router_init' && r.sys_name) {
      this.sysNames.set(r.router, r.sys_name);
      this.cache.delete(r.router);
    } else if (r.type === 'router_up') {
      this.sessions.set(r.router, r.session);
    } else if (r.type === 'peer_up') {
      this.localAsn.set(`${r.router}|${r.peer.address}`, r.sent_open.asn);
    }
  }

  session(router: string): string | undefined {
    return this.sessions.get(router);
  }

  inventoryRouter(router: string): InventoryRouter | undefined {
    let v = this.cache.get(router);
    if (v === undefined) {
      v = this.inv.router(router, this.sysNames.get(router)) ?? null;
      this.cache.set(router, v);
    }
    return v ?? undefined;
  }

  inventoryPeer(router: string, peer: string): InventoryPeer | undefined {
    return this.inv.peer(this.inventoryRouter(router), peer);
  }

  /** The name alerts use: the inventory's, else the sysName, else the BMP source address. */
  name(router: string): string {
    return this.inventoryRouter(router)?.name ?? this.sysNames.get(router) ?? router;
  }

  /** The router's own AS towards this peer: Peer Up's sent OPEN, else the inventory. */
  routerAsn(router: string, peer: string): number | null {
    return this.localAsn.get(`${router}|${peer}`) ?? this.inventoryRouter(router)?.asn ?? null;
  }

  /** iBGP: the peer is in the router's own AS. Unknown local AS counts as eBGP. */
  isIbgp(router: string, peer: PeerRef): boolean {
    const local = this.routerAsn(router, peer.address);
    return local !== null && local === peer.asn;
  }
}

/**
 * The RIB view a detector follows per (router, peer): the first of `preference` in which the peer
 * has announced something. Pre-policy Adj-RIB-In is what the router's damping sees; a peer with no
 * pre-policy feed (a router monitoring post-policy only) falls back to post-policy. A view counts
 * only once it announces: FRR 8.4 without soft-reconfiguration sends every pre-policy announcement
 * as a withdrawal (docs/router-quirks.md §3.2), and such a feed must not hide the post-policy one.
 */
export class ViewSelector {
  private readonly seen = new Map<string, number>();

  constructor(readonly preference: readonly RibView[]) {}

  /** True when this record (announcing something or not) should be followed for this peer. */
  follow(router: string, peer: string, rib: RibView, announces: boolean): boolean {
    const rank = this.preference.indexOf(rib);
    if (rank < 0) return false;
    const k = `${router}|${peer}`;
    const best = this.seen.get(k);
    if (announces && (best === undefined || rank < best)) {
      this.seen.set(k, rank);
      return true;
    }
    // Withdrawals in a view not (yet) followed touch nothing the detector knows: skip them.
    return rank === best;
  }

  forgetRouter(router: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${router}|`)) this.seen.delete(k);
  }
}

export type DownClass = 'administrative' | 'failure' | 'local-unknown' | 'max-prefix';

/**
 * Peer Down, classified for flap analytics (docs/router-quirks.md §2 has what FRR sends when):
 * - administrative: NOTIFICATION Cease/Administrative Shutdown (6/2), Peer De-configured (6/3),
 *   Administrative Reset (6/4); reason 5 (peer de-configured);
 * - max-prefix: Cease/Maximum Number of Prefixes Reached (6/1), named on its own;
 * - failure: hold timer expired (4/0) and every other NOTIFICATION; reason 4 (remote closed
 *   without one); reason 2 with FSM event 10 (HoldTimer_Expires) or 18 (TcpConnectionFails);
 * - local-unknown: reason 2 with no detail (FSM event 0 or absent): FRR reports everything it does
 *   itself this way (shutdown, clear, hold timer, max-prefix), so it cannot be told apart here.
 */
export function classifyPeerDown(r: Pick<PeerDownRecord, 'reason' | 'notification' | 'fsm_event'>): DownClass {
  const n = r.notification;
  if (n) {
    if (n.code === 6 && n.subcode === 1) return 'max-prefix';
    if (n.code === 6 && (n.subcode === 2 || n.subcode === 3 || n.subcode === 4)) return 'administrative';
    return 'failure';
  }
  switch (r.reason) {
    case 5:
      return 'administrative';
    case 4:
      return 'failure';
    case 2:
      return r.fsm_event === 10 || r.fsm_event === 18 ? 'failure' : 'local-unknown';
    default:
      return 'local-unknown';
  }
}

/** "Cease/Administrative Reset (6/4), sent by the router" and the like, for summaries and facts. */
export function describePeerDown(r: Pick<PeerDownRecord, 'reason' | 'reason_name' | 'notification' | 'fsm_event'>): string {
  const n = r.notification;
  if (n) {
    const who = r.reason === 1 ? 'sent by the router' : 'received from the peer';
    return `${n.code_name}/${n.subcode_name} (${n.code}/${n.subcode}), ${who}`;
  }
  if (r.reason === 2) return `closed locally without NOTIFICATION (FSM event ${r.fsm_event ?? 'none'})`;
  if (r.reason === 4) return 'closed by the peer without NOTIFICATION (TCP reset, remote hold timer)';
  if (r.reason === 5) return 'peer de-configured';
  return r.reason_name;
}

/** Options every detector takes. */
export interface CommonOptions {
  /** Cap on tracked keys (LRU beyond it). */
  readonly maxKeys?: number;
  /** Keys untouched this long are dropped by tick() (unless holding an active alert). */
  readonly idleMs?: number;
  /** The clock for tick() without an argument; tests inject one. */
  readonly clock?: () => number;
}

/**
 * Flapping, per path and per session.
 *
 * Prefix flaps: per (router, peer, RIB view, AFI/SAFI, prefix, path ID), a flap is a withdrawal of
 * an announced path or a change of its attributes; a re-advertisement after a withdrawal closes
 * the cycle and is counted beside them. Flaps are counted in a sliding window (default ≥ 5 in
 * 10 min warning, ≥ 20 critical) and the alert clears after a quiet period with none. One view
 * per peer is followed (pre-policy Adj-RIB-In when the peer has it, else post-policy, else
 * Loc-RIB), so a flap seen pre and post counts once. Dump records (a router's or a peer's
 * re-dump) change what is known but are never churn; withdrawals of paths the current session
 * never announced (FRR flushes the old session's after the new Peer Up) are no-ops; the router's
 * own routes (FRR peer 0.0.0.0 / AS 0) are ignored.
 *
 * Session flaps: per (router, peer), each Peer Down of an established session (`was_up`) and each
 * reset (Peer Up for a peer already up) in a sliding window (default ≥ 2 in 15 min warning, ≥ 5
 * critical), with the reasons classified (common.ts classifyPeerDown). A window holding only
 * administrative downs (Cease 6/2, 6/3, 6/4, reason 5: someone did it on purpose) is info. A Peer
 * Down for a peer never up is not a flap.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, PeerDownRecord, PeerUpRecord, RouteRecord } from '../../records/types.js';
import type { AlertSubject, Detector, Observation, Severity } from '../types.js';
import { BoundedMap, RouterDirectory, ViewSelector, attributesFingerprint, classifyPeerDown, isLbMove, originAs, describePeerDown, eventMs, isSelfPeer, iso } from './common.js';
import type { CommonOptions, DownClass } from './common.js';
// Path keys live as long as their state: flat strings take a third of a rope's memory.
import { flat } from '../../records/flat-string.js';

export interface PrefixFlapOptions extends CommonOptions {
  readonly windowMs?: number;
  /** Flaps in the window for a warning / a critical alert. */
  readonly warning?: number;
  readonly critical?: number;
  /** Clear after this long without a flap. Default: the window. */
  readonly quietMs?: number;
  readonly views?: readonly RibView[];
  /** While an alert holds, repeat it (with the new count) at most this often. */
  readonly updateEveryMs?: number;
  /** Count an LB or egress IP's origin moving between its cluster's nodes as a flap. Default false. */
  readonly countLbMoves?: boolean;
}

interface PathState {
  lastMs: number;
  announced: boolean;
  attr: number;
  /** Origin AS of the announcement (−1: none), to tell an LB IP's move from churn. */
  origin: number;
  gen: number;
  /** Changes inside the window (bounded): w withdrawal, a attribute change (flaps), r re-advertisement. */
  events: PathEvent[];
  level: 0 | 1 | 2;
  openedMs: number;
  lastFlapMs: number;
  lastEmitMs: number;
  rib: RibView;
}

const LEVEL_SEVERITY: readonly Severity[] = ['info', 'warning', 'critical'];

type PathEvent = { t: number; k: 'w' | 'a' | 'r' };
/** Shared by every path that never changed (most of them): replaced by an own array at the first change. */
const NO_EVENTS: PathEvent[] = [];

/** Generation per (router, peer): a new BGP or BMP session makes the old presence unknown. */
class Generations {
  private readonly m = new Map<string, number>();
  private next = 1;

  get(router: string, peer: string): number {
    const k = `${router}|${peer}`;
    let g = this.m.get(k);
    if (g === undefined) {
      g = this.next++;
      this.m.set(k, g);
    }
    return g;
  }

  bump(router: string, peer?: string): void {
    if (peer !== undefined) this.m.set(`${router}|${peer}`, this.next++);
    else for (const k of this.m.keys()) if (k.startsWith(`${router}|`)) this.m.set(k, this.next++);
  }
}

export class PrefixFlapDetector implements Detector {
  readonly name = 'flap';
  private readonly dir: RouterDirectory;
  private readonly views: ViewSelector;
  private readonly paths: BoundedMap<string, PathState>;
  private readonly active = new Set<string>();
  private readonly gens = new Generations();
  private readonly windowMs: number;
  private readonly warning: number;
  private readonly critical: number;
  private readonly quietMs: number;
  private readonly updateEveryMs: number;
  private readonly idleMs: number;
  private readonly clock: () => number;
  private readonly lbMovesQuiet: boolean;
  /** Observations owed for alerts dropped by the cap (cleared so they do not hang open). */
  private readonly owed: Observation[] = [];

  constructor(inventory: Inventory = Inventory.empty(), opts: PrefixFlapOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.views = new ViewSelector(opts.views ?? ['adj-in-pre', 'adj-in-post', 'loc-rib']);
    this.windowMs = opts.windowMs ?? 600_000;
    this.warning = opts.warning ?? 5;
    this.critical = opts.critical ?? 20;
    this.quietMs = opts.quietMs ?? this.windowMs;
    this.updateEveryMs = opts.updateEveryMs ?? 60_000;
    this.idleMs = opts.idleMs ?? Infinity;
    this.clock = opts.clock ?? Date.now;
    this.lbMovesQuiet = !(opts.countLbMoves ?? false);
    this.paths = new BoundedMap(opts.maxKeys ?? 2_000_000, (k, s) => {
      if (this.active.delete(k) && s.level > 0) this.owed.push(this.observation(k, s, s.lastMs, false));
    });
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
  }

  stateSize(): number {
    return this.paths.size;
  }

  get evicted(): number {
    return this.paths.evicted;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    let out: Observation[] = [];
    switch (r.type) {
      case 'route':
        out = this.onRoute(r);
        break;
      case 'peer_down':
      case 'peer_up':
        this.gens.bump(r.router, r.peer.address);
        break;
      case 'router_up':
      case 'router_down':
        this.gens.bump(r.router);
        this.views.forgetRouter(r.router);
        break;
      case 'router_init':
      case 'end_of_rib':
      case 'stats':
      case 'mirror':
        break;
    }
    if (this.owed.length > 0) out.push(...this.owed.splice(0));
    return out;
  }

  private onRoute(r: RouteRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    if (!this.views.follow(r.router, r.peer.address, r.rib, r.announced.length > 0)) return [];
    const t = eventMs(r);
    const gen = this.gens.get(r.router, r.peer.address);
    const base = `${r.router}|${r.peer.address}|${r.peer.rd ?? ''}|${r.afi_safi}|`;
    const out: Observation[] = [];
    for (const w of r.withdrawn) {
      const key = flat(`${base}${w.prefix}|${w.path_id ?? ''}`);
      const s = this.paths.touch(key, t);
      if (!s) continue;
      s.lastMs = t;
      if (s.gen !== gen || !s.announced) continue; // stale: not announced in this session
      s.announced = false;
      if (r.dump) continue;
      this.change(key, s, t, 'w', r.rib, out);
    }
    if (r.announced.length > 0) {
      const attr = attributesFingerprint(r.attributes);
      const origin = originAs(r.attributes) ?? -1;
      for (const a of r.announced) {
        const key = flat(`${base}${a.prefix}|${a.path_id ?? ''}`);
        const s = this.paths.touch(key, t);
        if (!s) {
          this.paths.set(key, newPath(t, attr, gen, origin, r.rib));
          continue;
        }
        s.lastMs = t;
        const known = s.gen === gen;
        const wasAnnounced = known && s.announced;
        const changed = s.attr !== attr && !(this.lbMovesQuiet && isLbMove(this.dir.inventory, a.prefix, s.origin, origin));
        s.announced = true;
        s.attr = attr;
        s.origin = origin;
        s.gen = gen;
        if (r.dump || !known) continue;
        if (!wasAnnounced) this.change(key, s, t, 'r', r.rib, out);
        else if (changed) this.change(key, s, t, 'a', r.rib, out);
      }
    }
    return out;
  }

  private prune(s: PathState, t: number): void {
    const from = t - this.windowMs;
    let i = 0;
    while (i < s.events.length && (s.events[i]?.t ?? 0) <= from) i++;
    if (i > 0) s.events.splice(0, i);
    if (s.events.length === 0) s.events = NO_EVENTS;
  }

  private change(key: string, s: PathState, t: number, k: 'w' | 'a' | 'r', rib: RibView, out: Observation[]): void {
    s.rib = rib;
    if (s.events === NO_EVENTS) s.events = [];
    s.events.push({ t, k });
    this.prune(s, t);
    // Counting far past the critical threshold changes nothing: keep the array bounded.
    if (s.events.length > this.critical * 3) s.events.splice(0, s.events.length - this.critical * 3);
    if (k === 'r') return;
    s.lastFlapMs = t;
    const n = flapCount(s);
    const level = n >= this.critical ? 2 : n >= this.warning ? 1 : 0;
    if (level > s.level || (s.level > 0 && t - s.lastEmitMs >= this.updateEveryMs)) {
      if (s.level === 0) {
        s.openedMs = t;
        this.active.add(key);
      }
      s.level = Math.max(s.level, level) as 0 | 1 | 2;
      s.lastEmitMs = t;
      out.push(this.observation(key, s, t, true));
    }
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = this.owed.splice(0);
    for (const key of this.active) {
      const s = this.paths.get(key);
      if (!s) {
        this.active.delete(key);
        continue;
      }
      if (nowMs - s.lastFlapMs >= this.quietMs) {
        this.prune(s, nowMs);
        out.push(this.observation(key, s, nowMs, false));
        s.level = 0;
        if (s.events.length === 0) s.events = NO_EVENTS;
        this.active.delete(key);
      }
    }
    if (Number.isFinite(this.idleMs)) this.paths.evictIdle(nowMs - this.idleMs, (s) => s.level > 0);
    return out;
  }

  private observation(key: string, s: PathState, t: number, active: boolean): Observation {
    const [router = '', peer = '', , afi = '', prefix = '', pid = ''] = key.split('|');
    const routerName = this.dir.name(router);
    const owner = this.dir.inventory.owners(prefix).at(-1);
    const subject: AlertSubject = {
      router: routerName,
      peer,
      afiSafi: afi,
      prefix,
      ...(pid === '' ? {} : { pathId: Number(pid) }),
      ...(owner ? { cluster: owner.cluster } : {}),
      ...(owner?.node ? { node: owner.node.name } : {}),
    };
    const n = flapCount(s);
    const withdrawals = s.events.filter((e) => e.k === 'w').length;
    const attributeChanges = n - withdrawals;
    const windowMin = Math.round(this.windowMs / 6000) / 10;
    return {
      kind: 'prefix-flap',
      severity: LEVEL_SEVERITY[s.level] ?? 'warning',
      subject,
      summary: active
        ? `${prefix} from ${peer} flapped ${n} times in ${windowMin} min on ${routerName} (${withdrawals} withdrawals, ${attributeChanges} attribute changes)`
        : `${prefix} from ${peer} on ${routerName} stopped flapping (quiet since ${iso(s.lastFlapMs)})`,
      facts: {
        flaps_in_window: n,
        window_min: windowMin,
        withdrawals,
        attribute_changes: attributeChanges,
        readvertisements: s.events.length - n,
        warning_threshold: this.warning,
        critical_threshold: this.critical,
        first_flap_at: iso(s.openedMs),
        last_flap_at: iso(s.lastFlapMs),
        rib: s.rib,
        announced: s.announced,
      },
      nextStep: active
        ? `Check the speaker at ${peer}${subject.node ? ` (node ${subject.node})` : ''}: agent or pod restarts, BGP session resets, or a service whose endpoints come and go; on ${routerName}: "show bgp ${prefix}".`
        : 'Nothing: cleared.',
      at: iso(t),
      active,
      detector: this.name,
    };
  }
}

function newPath(t: number, attr: number, gen: number, origin: number, rib: RibView): PathState {
  return { lastMs: t, announced: true, attr, gen, origin, events: NO_EVENTS, level: 0, openedMs: 0, lastFlapMs: 0, lastEmitMs: -Infinity, rib };
}

function flapCount(s: PathState): number {
  let n = 0;
  for (const e of s.events) if (e.k !== 'r') n++;
  return n;
}

// ---- session flaps -----------------------------------------------------------------------------

export interface SessionFlapOptions extends CommonOptions {
  readonly windowMs?: number;
  readonly warning?: number;
  readonly critical?: number;
  readonly quietMs?: number;
  readonly updateEveryMs?: number;
}

type FlapClass = DownClass | 'reset';

interface SessionState {
  lastMs: number;
  events: { t: number; cls: FlapClass }[];
  level: 0 | 1 | 2;
  lastEmitMs: number;
  lastFlapMs: number;
  lastReason: string;
  up: boolean;
  peerAsn: number;
}

export class SessionFlapDetector implements Detector {
  readonly name = 'session-flap';
  private readonly dir: RouterDirectory;
  private readonly sessions: BoundedMap<string, SessionState>;
  private readonly windowMs: number;
  private readonly warning: number;
  private readonly critical: number;
  private readonly quietMs: number;
  private readonly updateEveryMs: number;
  private readonly idleMs: number;
  private readonly clock: () => number;

  constructor(inventory: Inventory = Inventory.empty(), opts: SessionFlapOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.windowMs = opts.windowMs ?? 900_000;
    this.warning = opts.warning ?? 2;
    this.critical = opts.critical ?? 5;
    this.quietMs = opts.quietMs ?? this.windowMs;
    this.updateEveryMs = opts.updateEveryMs ?? 60_000;
    this.idleMs = opts.idleMs ?? 7 * 86_400_000;
    this.clock = opts.clock ?? Date.now;
    this.sessions = new BoundedMap(opts.maxKeys ?? 100_000);
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
  }

  stateSize(): number {
    return this.sessions.size;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    if (r.type === 'peer_down') return this.onDown(r);
    if (r.type === 'peer_up') return this.onUp(r);
    return [];
  }

  private state(router: string, peer: string, t: number, asn: number): SessionState {
    const k = `${router}|${peer}`;
    let s = this.sessions.touch(k, t);
    if (!s) {
      s = { lastMs: t, events: [], level: 0, lastEmitMs: -Infinity, lastFlapMs: 0, lastReason: '', up: false, peerAsn: asn };
      this.sessions.set(k, s);
    }
    s.lastMs = t;
    s.peerAsn = asn;
    return s;
  }

  private onDown(r: PeerDownRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    const t = eventMs(r);
    const s = this.state(r.router, r.peer.address, t, r.peer.asn);
    s.up = false;
    // FRR sends Peer Down for configured peers that never came up, and duplicates: not flaps.
    if (!r.was_up) return [];
    s.lastReason = describePeerDown(r);
    return this.event(r.router, r.peer.address, s, t, classifyPeerDown(r));
  }

  private onUp(r: PeerUpRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    const t = eventMs(r);
    const s = this.state(r.router, r.peer.address, t, r.peer.asn);
    s.up = true;
    if (!r.reset) return [];
    s.lastReason = 'session reset (Peer Up without Peer Down)';
    return this.event(r.router, r.peer.address, s, t, 'reset');
  }

  private event(router: string, peer: string, s: SessionState, t: number, cls: FlapClass): Observation[] {
    s.events.push({ t, cls });
    const from = t - this.windowMs;
    while (s.events.length > 0 && (s.events[0]?.t ?? 0) <= from) s.events.shift();
    if (s.events.length > this.critical * 4) s.events.splice(0, s.events.length - this.critical * 4);
    s.lastFlapMs = t;
    const n = s.events.length;
    const level = n >= this.critical ? 2 : n >= this.warning ? 1 : 0;
    if (level > s.level || (s.level > 0 && t - s.lastEmitMs >= this.updateEveryMs)) {
      s.level = Math.max(s.level, level) as 0 | 1 | 2;
      s.lastEmitMs = t;
      return [this.observation(router, peer, s, t, true)];
    }
    return [];
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = [];
    for (const [k, s] of this.sessions.entries()) {
      if (s.level > 0 && nowMs - s.lastFlapMs >= this.quietMs) {
        const [router = '', peer = ''] = k.split('|');
        out.push(this.observation(router, peer, s, nowMs, false));
        s.level = 0;
        s.events = [];
      }
    }
    this.sessions.evictIdle(nowMs - this.idleMs, (s) => s.level > 0);
    return out;
  }

  private observation(router: string, peer: string, s: SessionState, t: number, active: boolean): Observation {
    const count = (c: FlapClass) => s.events.filter((e) => e.cls === c).length;
    const n = s.events.length;
    const admin = count('administrative');
    const allAdmin = n > 0 && admin === n;
    const severity: Severity = allAdmin ? 'info' : (LEVEL_SEVERITY[s.level] ?? 'warning');
    const routerName = this.dir.name(router);
    const node = this.dir.inventory.nodeByAddress(peer);
    const subject: AlertSubject = { router: routerName, peer, ...(node ? { cluster: node.cluster, node: node.name } : {}) };
    const windowMin = Math.round(this.windowMs / 6000) / 10;
    const failure = count('failure');
    const localUnknown = count('local-unknown');
    return {
      kind: 'session-flap',
      severity,
      subject,
      summary: active
        ? `BGP session ${routerName} ↔ ${peer} (AS ${s.peerAsn}) went down or reset ${n} times in ${windowMin} min; last: ${s.lastReason}`
        : `BGP session ${routerName} ↔ ${peer} stable again (no flap since ${iso(s.lastFlapMs)})`,
      facts: {
        flaps_in_window: n,
        window_min: windowMin,
        administrative: admin,
        failure,
        local_unknown: localUnknown,
        max_prefix: count('max-prefix'),
        resets: count('reset'),
        last_reason: s.lastReason,
        last_flap_at: iso(s.lastFlapMs),
        peer_asn: s.peerAsn,
        up: s.up,
      },
      nextStep: !active
        ? 'Nothing: cleared.'
        : allAdmin
          ? `Administrative (Cease shutdown/reset/de-configured): confirm it was planned work on ${node ? `node ${node.name}` : peer}.`
          : localUnknown > 0 && failure === 0
            ? `${routerName} closed the session itself without saying why (FRR reports hold-timer expiry, clear and max-prefix this way): check its log for ${peer}, the link, and the speaker's CPU (hold timer).`
            : `Check the link and the speaker at ${peer}${node ? ` (node ${node.name}: agent restarts, node pressure)` : ''}; on ${routerName}: "show bgp neighbor ${peer}" (last reset reason).`,
      at: iso(t),
      active,
      detector: this.name,
    };
  }
}

/**
 * Prefix flaps (alert kind `prefix-flap`): per (router, peer, RD, AFI/SAFI, prefix, path ID), a
 * flap is a withdrawal of an announced path or a change of its attributes; a re-advertisement
 * after a withdrawal closes the cycle and is counted beside them (path-presence.ts says what each
 * record did). Flaps are counted in a sliding window (default ≥ 5 in 10 min warning, ≥ 20
 * critical) and the alert clears after a quiet period with none. One view per peer is followed
 * (pre-policy Adj-RIB-In when the peer has it, else post-policy, else Loc-RIB), so a flap seen pre
 * and post counts once. Dump records are never churn, and the router's own routes (FRR peer
 * 0.0.0.0 / AS 0) are ignored.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import type { AlertSubject, Detector, Observation } from '../types.js';
import { RouterDirectory, ViewSelector, isSelfPeer, iso } from './common.js';
import type { CommonOptions } from './common.js';
import { LEVEL_SEVERITY, WindowThresholds, slideWindow } from './levels.js';
import type { Level, WindowOptions } from './levels.js';
import { PathPresence, pathKeyParts } from './path-presence.js';
import type { PathChange, Presence, PresenceHandler } from './path-presence.js';

export interface PrefixFlapOptions extends CommonOptions, WindowOptions {
  readonly views?: readonly RibView[];
  /** Count an LB or egress IP's origin moving between its cluster's nodes as a flap. Default false. */
  readonly countLbMoves?: boolean;
}

interface PathState extends Presence {
  /** Changes inside the window (bounded): w withdrawal, a attribute change (flaps), r re-advertisement. */
  events: PathEvent[];
  level: Level;
  openedMs: number;
  lastFlapMs: number;
  lastEmitMs: number;
  rib: RibView;
}

type PathEvent = { t: number; k: 'w' | 'a' | 'r' };
/** Shared by every path that never changed (most of them): replaced by an own array at the first change. */
const NO_EVENTS: PathEvent[] = [];
const EVENT_OF: Readonly<Record<PathChange, PathEvent['k']>> = { withdrawal: 'w', 'attribute-change': 'a', readvertisement: 'r' };

export class PrefixFlapDetector implements Detector, PresenceHandler<PathState> {
  /** Observation.detector and the metrics' `detector` label: kept as users' dashboards know it. */
  readonly name = 'flap';
  private readonly dir: RouterDirectory;
  private readonly views: ViewSelector;
  private readonly presence: PathPresence<PathState>;
  /** Keys holding an alert: the only ones tick() looks at. */
  private readonly active = new Set<string>();
  private readonly w: WindowThresholds;
  private readonly idleMs: number;
  private readonly clock: () => number;
  /** Observations owed for alerts dropped by the cap (cleared so they do not hang open). */
  private readonly owed: Observation[] = [];

  constructor(inventory: Inventory = Inventory.empty(), opts: PrefixFlapOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.views = new ViewSelector(opts.views ?? ['adj-in-pre', 'adj-in-post', 'loc-rib']);
    this.w = new WindowThresholds(opts, { windowMs: 600_000, warning: 5, critical: 20 });
    this.idleMs = opts.idleMs ?? Infinity;
    this.clock = opts.clock ?? Date.now;
    this.presence = new PathPresence<PathState>(this.dir, this, {
      maxKeys: opts.maxKeys ?? 2_000_000,
      countLbMoves: opts.countLbMoves ?? false,
      onEvict: (k, s) => {
        if (this.active.delete(k) && s.level > 0) this.owed.push(this.observation(k, s, s.lastMs, false));
      },
    });
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
  }

  stateSize(): number {
    return this.presence.paths.size;
  }

  get evicted(): number {
    return this.presence.paths.evicted;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    this.presence.onSessionRecord(r);
    const out: Observation[] = [];
    if (r.type === 'route') this.onRoute(r, out);
    else if (r.type === 'router_up' || r.type === 'router_down') this.views.forgetRouter(r.router);
    if (this.owed.length > 0) out.push(...this.owed.splice(0));
    return out;
  }

  private onRoute(r: RouteRecord, out: Observation[]): void {
    if (isSelfPeer(r.peer)) return;
    if (!this.views.follow(r.router, r.peer.address, r.rib, r.announced.length > 0)) return;
    this.presence.route(r, out);
  }

  newPath(t: number, attr: number, gen: number, origin: number, rib: RibView): PathState {
    return { lastMs: t, announced: true, attr, gen, origin, events: NO_EVENTS, level: 0, openedMs: 0, lastFlapMs: 0, lastEmitMs: -Infinity, rib };
  }

  onChange(key: string, s: PathState, change: PathChange, r: RouteRecord, t: number, out: Observation[]): void {
    s.rib = r.rib;
    if (s.events === NO_EVENTS) s.events = [];
    s.events.push({ t, k: EVENT_OF[change] });
    slideWindow(s.events, t - this.w.windowMs, this.w.critical * 3);
    if (change === 'readvertisement') return;
    s.lastFlapMs = t;
    const opening = s.level === 0;
    if (this.w.emitter.rise(s, this.w.level(flapCount(s)), t)) {
      if (opening) {
        s.openedMs = t;
        this.active.add(key);
      }
      out.push(this.observation(key, s, t, true));
    }
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = this.owed.splice(0);
    for (const key of this.active) {
      const s = this.presence.paths.get(key);
      if (!s) {
        this.active.delete(key);
        continue;
      }
      if (this.w.quiet(s.lastFlapMs, nowMs)) {
        slideWindow(s.events, nowMs - this.w.windowMs, Infinity);
        out.push(this.observation(key, s, nowMs, false));
        s.level = 0;
        if (s.events.length === 0) s.events = NO_EVENTS;
        this.active.delete(key);
      }
    }
    if (Number.isFinite(this.idleMs)) this.presence.paths.evictIdle(nowMs - this.idleMs, (s) => s.level > 0);
    return out;
  }

  private observation(key: string, s: PathState, t: number, active: boolean): Observation {
    const { router, peer, afiSafi, prefix, pathId } = pathKeyParts(key);
    const routerName = this.dir.name(router);
    const owner = this.dir.inventory.owners(prefix).at(-1);
    const subject: AlertSubject = {
      router: routerName,
      peer,
      afiSafi,
      prefix,
      ...(pathId === undefined ? {} : { pathId }),
      ...(owner ? { cluster: owner.cluster } : {}),
      ...(owner?.node ? { node: owner.node.name } : {}),
    };
    const n = flapCount(s);
    const withdrawals = s.events.filter((e) => e.k === 'w').length;
    const attributeChanges = n - withdrawals;
    const windowMin = this.w.windowMin;
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
        warning_threshold: this.w.warning,
        critical_threshold: this.w.critical,
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

function flapCount(s: PathState): number {
  let n = 0;
  for (const e of s.events) if (e.k !== 'r') n++;
  return n;
}

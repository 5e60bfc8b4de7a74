/**
 * Route flap dampening (alert kind `dampening`), modelled from the collector side (RFC 7196's
 * "test mode"): the exact RFC 2439 figure of merit per (router, peer, RD, AFI/SAFI, prefix, path
 * ID), event by event, with continuous decay — the penalty a router would hold, not an
 * approximation on vendor ticks. dampening-model.ts has the arithmetic; docs/dampening.md the
 * formulas, the profiles and the numbers the tests pin.
 *
 * - Fed from pre-policy Adj-RIB-In (what the router's damping sees); a peer with no pre-policy
 *   feed falls back to post-policy (`views`).
 * - On each change of a path (path-presence.ts): decay P to the event time, then add W
 *   (withdrawal), A (attribute change) or Radv (re-advertisement after a withdrawal); clip at the
 *   ceiling min(maxPenalty, R·2^(Tmax/H)). First announcements and identical re-announcements add
 *   nothing.
 * - Suppressed when P ≥ S (a penalty landing exactly on S suppresses); reusable once P decays
 *   below R, at t + H·log2(P/R); the state is forgotten below R/2 (Cisco, FRR).
 * - Never for iBGP (the peer's AS is the router's own, from Peer Up's sent OPEN or the inventory),
 *   never for dump records (a re-dump after a reset adds no penalty), never for the router's own
 *   routes (FRR's peer 0.0.0.0 / AS 0). A Peer Down adds nothing (FRR, Cisco); the penalty
 *   survives the session, but the peer's announced paths are forgotten, so withdrawals FRR flushes
 *   after the session returns for prefixes the new session never announced are no-ops.
 *
 * Reports: critical "suppressed" (with the reuse time), warning "will be suppressed at this rate"
 * (the steady state P∞ of the observed flap period and increment per cycle reaches S), and clears
 * when the path is reusable (at the exact reuse time) or the danger passed (P below R).
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { DAMPENING_PROFILES, dampeningCeiling } from '../../inventory/dampening.js';
import type { DampeningParams, DampeningProfileName } from '../../inventory/dampening.js';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import type { AlertSubject, Detector, Observation } from '../types.js';
import { RouterDirectory, ViewSelector, eventMs, isSelfPeer, iso } from './common.js';
import type { CommonOptions } from './common.js';
import { cyclesToReach, decaysToAt, penaltyAt, reuseAt, steadyStatePenalty } from './dampening-model.js';
import { LevelEmitter } from './levels.js';
import { PathPresence, pathKey, pathKeyParts } from './path-presence.js';
import type { PathChange, Presence, PresenceHandler } from './path-presence.js';

export interface DampeningOptions extends CommonOptions {
  /** RIB views followed, in order of preference per peer. Default pre-policy, then post-policy Adj-RIB-In. */
  readonly views?: readonly RibView[];
  /** Profile for peers the inventory gives none; null: model only peers the inventory names. Default cisco. */
  readonly defaultProfile?: DampeningProfileName | DampeningParams | null;
  /** While an alert holds, repeat it at most this often (penalty and reuse time move). Default 60 s. */
  readonly updateEveryMs?: number;
  /**
   * Count a Peer Down of an established session as a withdrawal of each path the peer had
   * announced. Off by default: FRR and Cisco add no penalty for a session reset (docs/dampening.md §4).
   * Costs a scan of the tracked paths per Peer Down.
   */
  readonly peerDownPenalty?: boolean;
  /**
   * Flap periods observed before projecting "will be suppressed at this rate". Default 2: one
   * period is not a rate (an LB IP moved to another node and back is two withdrawals in seconds).
   */
  readonly minCycles?: number;
  /**
   * Count an LB or egress IP's origin moving between its cluster's nodes as an attribute change.
   * Default false: externalTrafficPolicy: Local moves the /32 with its pods, and that is normal.
   */
  readonly countLbMoves?: boolean;
}

/** The dampening detector's levels: 1 heading for suppression, 2 suppressed. */
const enum Level {
  None = 0,
  Warning = 1,
  Suppressed = 2,
}

/** What every tracked path costs: presence, and damping state once it has a penalty. */
interface PathPresenceState extends Presence {
  /** Damping state, from the first penalty until forgotten (most paths never flap). */
  d: PathState | null;
}

interface PathState {
  /** Penalty P as of tMs. */
  p: number;
  tMs: number;
  flaps: number;
  suppressed: boolean;
  suppressedAtMs: number;
  /** Flap-cycle estimate for the steady-state projection. */
  cycleStartMs: number;
  cycleInc: number;
  periodMs: number;
  inc: number;
  cycles: number;
  level: Level;
  lastEmitMs: number;
  params: DampeningParams | null;
  profileSource: ProfileSource;
  rib: RibView;
}

type ProfileSource = 'inventory' | 'default';

interface PeerProfile {
  readonly params: DampeningParams | null;
  readonly source: ProfileSource;
}

/** What the model holds for one path, for tests and the API. */
export interface PenaltyView {
  readonly penalty: number;
  readonly suppressed: boolean;
  readonly flaps: number;
  readonly reuseAtMs: number | null;
  readonly params: DampeningParams;
}

export class DampeningDetector implements Detector, PresenceHandler<PathPresenceState> {
  /** Observation.detector and the metrics' `detector` label: kept as users' dashboards know it. */
  readonly name = 'rfd';
  private readonly dir: RouterDirectory;
  private readonly views: ViewSelector;
  private readonly presence: PathPresence<PathPresenceState>;
  /** Keys with a penalty > 0 or an alert: the only ones tick() looks at. */
  private readonly live = new Set<string>();
  /** Clears owed for alerts whose state the cap evicted; emitted with the next onRecord/tick. */
  private readonly owed: Observation[] = [];
  private readonly profiles = new Map<string, PeerProfile>();
  /** The profile of the peer whose route record is being worked through. */
  private current: PeerProfile = { params: null, source: 'default' };
  private readonly defaultParams: DampeningParams | null;
  private readonly emitter: LevelEmitter;
  private readonly peerDownPenalty: boolean;
  private readonly minCycles: number;
  private readonly idleMs: number;
  private readonly clock: () => number;

  constructor(inventory: Inventory = Inventory.empty(), opts: DampeningOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.views = new ViewSelector(opts.views ?? ['adj-in-pre', 'adj-in-post']);
    this.presence = new PathPresence<PathPresenceState>(this.dir, this, {
      maxKeys: opts.maxKeys ?? 2_000_000,
      countLbMoves: opts.countLbMoves ?? false,
      onEvict: (k, s) => {
        this.live.delete(k);
        // An alert must not hang open because its state was pushed out by the cap.
        if (s.d && s.d.level !== Level.None && s.d.params) this.owed.push(this.clear(k, s.d, s.lastMs, 'decayed'));
      },
    });
    const d = opts.defaultProfile === undefined ? 'cisco' : opts.defaultProfile;
    this.defaultParams = d === null ? null : typeof d === 'string' ? DAMPENING_PROFILES[d] : d;
    this.emitter = new LevelEmitter(opts.updateEveryMs ?? 60_000);
    this.peerDownPenalty = opts.peerDownPenalty ?? false;
    this.minCycles = Math.max(1, opts.minCycles ?? 2);
    this.idleMs = opts.idleMs ?? Infinity;
    this.clock = opts.clock ?? Date.now;
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
    this.profiles.clear();
  }

  stateSize(): number {
    return this.presence.paths.size;
  }

  get evicted(): number {
    return this.presence.paths.evicted;
  }

  private profile(router: string, peer: string): PeerProfile {
    const k = `${router}|${peer}`;
    let v = this.profiles.get(k);
    if (!v) {
      const fromInv = this.dir.inventoryPeer(router, peer)?.dampening ?? this.dir.inventoryRouter(router)?.dampening ?? null;
      v = fromInv ? { params: fromInv.profile === 'none' ? null : fromInv, source: 'inventory' } : { params: this.defaultParams, source: 'default' };
      this.profiles.set(k, v);
    }
    return v;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    if (this.owed.length > 0) return [...this.owed.splice(0), ...this.handle(r)];
    return this.handle(r);
  }

  private handle(r: BusRecord): Observation[] {
    const out: Observation[] = [];
    switch (r.type) {
      case 'route':
        this.onRoute(r, out);
        break;
      case 'peer_down':
        // Before the new generation: the paths the session had announced.
        if (this.peerDownPenalty && r.was_up && !isSelfPeer(r.peer) && !this.dir.isIbgp(r.router, r.peer)) this.penalizePeer(r.router, r.peer.address, eventMs(r), out);
        break;
      case 'peer_up':
        this.profiles.delete(`${r.router}|${r.peer.address}`);
        break;
      case 'router_up':
      case 'router_down':
        this.views.forgetRouter(r.router);
        break;
      case 'router_init':
        for (const k of this.profiles.keys()) if (k.startsWith(`${r.router}|`)) this.profiles.delete(k);
        break;
      case 'end_of_rib':
      case 'stats':
      case 'mirror':
        break;
    }
    this.presence.onSessionRecord(r);
    return out;
  }

  private onRoute(r: RouteRecord, out: Observation[]): void {
    if (isSelfPeer(r.peer)) return;
    if (!this.views.follow(r.router, r.peer.address, r.rib, r.announced.length > 0)) return;
    // RFC 2439: damping must never apply to iBGP.
    if (this.dir.isIbgp(r.router, r.peer)) return;
    const prof = this.profile(r.router, r.peer.address);
    if (!prof.params) return;
    this.current = prof;
    this.presence.route(r, out);
  }

  newPath(t: number, attr: number, gen: number, origin: number): PathPresenceState {
    return { lastMs: t, announced: true, attr, gen, origin, d: null };
  }

  onChange(key: string, s: PathPresenceState, change: PathChange, r: RouteRecord, t: number, out: Observation[]): void {
    const { params, source } = this.current;
    if (!params) return;
    const d = this.damp(s, t, params, source, r.rib);
    switch (change) {
      case 'withdrawal':
        this.penalize(key, d, t, params.withdrawal, true, out);
        break;
      case 'readvertisement':
        this.penalize(key, d, t, params.readvertisement, false, out);
        break;
      case 'attribute-change':
        this.penalize(key, d, t, params.attributeChange, true, out);
        break;
    }
  }

  /** Peer Down as a withdrawal of everything the session had announced (option peerDownPenalty). */
  private penalizePeer(router: string, peer: string, t: number, out: Observation[]): void {
    const prof = this.profile(router, peer);
    if (!prof.params) return;
    for (const [key, s] of this.presence.announcedOf(router, peer)) {
      s.announced = false;
      s.lastMs = t;
      this.penalize(key, this.damp(s, t, prof.params, prof.source, s.d?.rib ?? 'adj-in-pre'), t, prof.params.withdrawal, true, out);
    }
  }

  /** The path's damping state, created at its first penalty, with the peer's current profile. */
  private damp(pres: PathPresenceState, t: number, params: DampeningParams, source: ProfileSource, rib: RibView): PathState {
    const d = (pres.d ??= newState(t, params, source, rib));
    d.params = params;
    d.profileSource = source;
    d.rib = rib;
    return d;
  }

  /**
   * A suppressed path whose penalty `p` (decayed to now) fell below R: reusable, reported at the
   * exact reuse time. True when it was.
   */
  private reuseIfDue(key: string, s: PathState, params: DampeningParams, p: number, out: Observation[]): boolean {
    if (!s.suppressed || p >= params.reuse) return false;
    const at = reuseAt(s, params);
    s.suppressed = false;
    if (s.level !== Level.None) out.push(this.clear(key, s, at, 'reusable'));
    s.level = Level.None;
    return true;
  }

  /** Decay to t, forget or reuse as due, add the increment, clip, check suppression, report. */
  private penalize(key: string, s: PathState, t: number, inc: number, cycleStart: boolean, out: Observation[]): void {
    const params = s.params;
    if (!params) return;
    let p = penaltyAt(s, params, t);
    // Reusable before this event.
    this.reuseIfDue(key, s, params, p, out);
    if (!s.suppressed && p < params.reuse / 2 && s.p > 0) {
      // Forgotten (R/2): history starts again from zero.
      p = 0;
      s.flaps = 0;
      s.cycles = 0;
      s.cycleStartMs = NaN;
      s.cycleInc = 0;
    }
    if (cycleStart) {
      if (!Number.isNaN(s.cycleStartMs)) {
        const period = t - s.cycleStartMs;
        if (s.cycles === 0) {
          s.periodMs = period;
          s.inc = s.cycleInc;
        } else {
          // Smooth over cycles; a strictly periodic flap gives its exact period and increment.
          s.periodMs = (s.periodMs + period) / 2;
          s.inc = (s.inc + s.cycleInc) / 2;
        }
        s.cycles++;
      }
      s.cycleStartMs = t;
      s.cycleInc = 0;
      s.flaps++;
    }
    s.cycleInc += inc;
    p = Math.min(p + inc, dampeningCeiling(params));
    s.p = p;
    s.tMs = t;
    if (p > 0) this.live.add(key);
    if (!s.suppressed && p >= params.suppress) {
      s.suppressed = true;
      s.suppressedAtMs = t;
    }
    this.report(key, s, t, out);
  }

  /** P∞ for the observed cycle, or null before `minCycles` periods were observed. */
  private projection(s: PathState): number | null {
    const params = s.params;
    if (!params || s.cycles < this.minCycles) return null;
    return steadyStatePenalty(params, s.inc, s.periodMs);
  }

  private report(key: string, s: PathState, t: number, out: Observation[]): void {
    const params = s.params;
    if (!params) return;
    let level = Level.None;
    if (s.suppressed) level = Level.Suppressed;
    else {
      const proj = this.projection(s);
      if (proj !== null && proj >= params.suppress) level = Level.Warning;
    }
    if (level === Level.None) {
      if (s.level !== Level.None) out.push(this.clear(key, s, t, 'slowed'));
      s.level = Level.None;
      return;
    }
    if (this.emitter.follow(s, level, t)) out.push(this.observation(key, s, t, true));
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = this.owed.splice(0);
    for (const key of this.live) {
      const pres = this.presence.paths.get(key);
      const s = pres?.d;
      if (!pres || !s?.params) {
        this.live.delete(key);
        continue;
      }
      const params = s.params;
      const p = penaltyAt(s, params, nowMs);
      if (!this.reuseIfDue(key, s, params, p, out) && s.level === Level.Warning && p < params.reuse) {
        out.push(this.clear(key, s, nowMs, 'decayed'));
        s.level = Level.None;
      }
      if (!s.suppressed && p < params.reuse / 2) {
        // Forgotten (R/2): only presence remains.
        pres.d = null;
        this.live.delete(key);
      }
    }
    if (Number.isFinite(this.idleMs)) this.presence.paths.evictIdle(nowMs - this.idleMs, (s) => s.d !== null && (s.d.level !== Level.None || s.d.p > 0));
    return out;
  }

  /** The model's state of one path at `atMs` (decayed), or undefined when it holds none. */
  inspect(router: string, peer: string, afiSafi: string, prefix: string, pathId: number | null = null, atMs?: number, rd: string | null = null): PenaltyView | undefined {
    const pres = this.presence.paths.get(pathKey(router, peer, rd, afiSafi, prefix, pathId));
    if (!pres) return undefined;
    const s = pres.d;
    if (!s?.params) {
      const params = this.profile(router, peer).params;
      return params ? { penalty: 0, suppressed: false, flaps: 0, reuseAtMs: null, params } : undefined;
    }
    const params = s.params;
    const penalty = penaltyAt(s, params, atMs ?? s.tMs);
    const suppressed = s.suppressed && penalty >= params.reuse;
    return { penalty, suppressed, flaps: s.flaps, reuseAtMs: s.suppressed ? reuseAt(s, params) : null, params };
  }

  private subject(key: string): { subject: AlertSubject; router: string; peer: string; prefix: string } {
    const { router, peer, afiSafi, prefix, pathId } = pathKeyParts(key);
    const name = this.dir.name(router);
    const subject: AlertSubject = { router: name, peer, afiSafi, prefix, ...(pathId === undefined ? {} : { pathId }) };
    return { subject, router: name, peer, prefix };
  }

  private facts(s: PathState, t: number): Record<string, string | number | boolean | null> {
    const params = s.params as DampeningParams;
    const proj = this.projection(s);
    let eta: string | null = null;
    if (!s.suppressed && proj !== null && proj >= params.suppress) {
      if (proj === Infinity) eta = iso(t);
      else {
        const n = cyclesToReach(params, s.p, proj, s.periodMs, params.suppress);
        // P∞ = S exactly: reached only in the limit.
        eta = Number.isFinite(n) ? iso(t + n * s.periodMs) : null;
      }
    }
    return {
      penalty: Math.round(s.p * 10) / 10,
      suppressed: s.suppressed,
      flaps: s.flaps,
      profile: params.profile,
      profile_source: s.profileSource,
      suppress_threshold: params.suppress,
      reuse_threshold: params.reuse,
      half_life_min: params.halfLifeSeconds / 60,
      ceiling: Math.round(dampeningCeiling(params)),
      suppressed_since: s.suppressed ? iso(s.suppressedAtMs) : null,
      reuse_at: s.suppressed ? iso(reuseAt(s, params)) : null,
      forget_at: s.p > params.reuse / 2 ? iso(decaysToAt(s, params, params.reuse / 2)) : null,
      flap_period_s: s.cycles > 0 ? Math.round(s.periodMs / 100) / 10 : null,
      increment_per_cycle: s.cycles > 0 ? s.inc : null,
      // The penalty never exceeds the ceiling: P∞ above it is shown as the ceiling (the ETA above uses P∞ itself,
      // which is exact while the peaks stay below the ceiling, and S ≤ ceiling whenever a warning is possible).
      projected_penalty: proj === null ? null : Math.round(Math.min(proj, dampeningCeiling(params))),
      suppress_eta: eta,
      rib: s.rib,
      ebgp: true,
    };
  }

  private observation(key: string, s: PathState, t: number, active: boolean): Observation {
    const { subject, router, peer, prefix } = this.subject(key);
    const params = s.params as DampeningParams;
    const facts = this.facts(s, t);
    const by = s.profileSource === 'inventory' ? params.profile : `${params.profile} (default profile; set the router's in the inventory)`;
    if (s.suppressed) {
      return {
        kind: 'dampening',
        severity: 'critical',
        subject,
        summary: `${prefix} from ${peer} is suppressed by dampening on ${router}: penalty ${facts['penalty']} ≥ ${params.suppress} (${by}), reusable at ${facts['reuse_at']}`,
        facts,
        nextStep: `On ${router}: "show bgp ${prefix}" should show the path from ${peer} as damped; find why ${peer} keeps flapping it. It stays unusable until ${facts['reuse_at']} unless cleared ("clear bgp dampening ${prefix}").`,
        at: iso(t),
        active,
        detector: this.name,
      };
    }
    return {
      kind: 'dampening',
      severity: 'warning',
      subject,
      summary: `${prefix} from ${peer} will be suppressed by dampening on ${router} at this rate: a flap every ${facts['flap_period_s']} s tends to penalty ${facts['projected_penalty']} ≥ ${params.suppress} (${by}); now ${facts['penalty']}`,
      facts,
      nextStep: `Find why ${peer} flaps ${prefix} (node or agent restarts, route churn in the speaker); at this rate the path is suppressed around ${facts['suppress_eta']}.`,
      at: iso(t),
      active,
      detector: this.name,
    };
  }

  private clear(key: string, s: PathState, at: number, why: 'reusable' | 'slowed' | 'decayed'): Observation {
    const { subject, peer, prefix, router } = this.subject(key);
    const facts = { ...this.facts(s, at), suppressed: false, reuse_at: why === 'reusable' ? iso(at) : null, cleared_because: why };
    const summary =
      why === 'reusable'
        ? `${prefix} from ${peer} is reusable on ${router} since ${iso(at)} (penalty decayed below ${s.params?.reuse})`
        : `${prefix} from ${peer} is no longer heading for suppression on ${router}`;
    return { kind: 'dampening', severity: s.level === Level.Suppressed ? 'critical' : 'warning', subject, summary, facts, nextStep: 'Nothing: cleared.', at: iso(at), active: false, detector: this.name };
  }
}

function newState(t: number, params: DampeningParams, source: ProfileSource, rib: RibView): PathState {
  return {
    p: 0,
    tMs: t,
    flaps: 0,
    suppressed: false,
    suppressedAtMs: 0,
    cycleStartMs: NaN,
    cycleInc: 0,
    periodMs: 0,
    inc: 0,
    cycles: 0,
    level: Level.None,
    lastEmitMs: -Infinity,
    params,
    profileSource: source,
    rib,
  };
}

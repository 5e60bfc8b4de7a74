/**
 * Session flaps (alert kind `session-flap`): per (router, peer), each Peer Down of an established
 * session (`was_up`) and each reset (Peer Up for a peer already up) in a sliding window (default
 * ≥ 2 in 15 min warning, ≥ 5 critical), with the reasons classified (common.ts classifyPeerDown).
 * A window holding only administrative downs (Cease 6/2, 6/3, 6/4, reason 5: someone did it on
 * purpose) is info. A Peer Down for a peer never up is not a flap.
 */
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, PeerDownRecord, PeerUpRecord } from '../../records/types.js';
import type { AlertSubject, Detector, Observation, Severity } from '../types.js';
import { BoundedMap, RouterDirectory, classifyPeerDown, describePeerDown, eventMs, isSelfPeer, iso } from './common.js';
import type { CommonOptions, DownClass } from './common.js';
import { LEVEL_SEVERITY, WindowThresholds, slideWindow } from './levels.js';
import type { Level, WindowOptions } from './levels.js';

export interface SessionFlapOptions extends CommonOptions, WindowOptions {}

type FlapClass = DownClass | 'reset';

interface SessionState {
  lastMs: number;
  events: { t: number; cls: FlapClass }[];
  level: Level;
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
  private readonly w: WindowThresholds;
  private readonly idleMs: number;
  private readonly clock: () => number;

  constructor(inventory: Inventory = Inventory.empty(), opts: SessionFlapOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.w = new WindowThresholds(opts, { windowMs: 900_000, warning: 2, critical: 5 });
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
    slideWindow(s.events, t - this.w.windowMs, this.w.critical * 4);
    s.lastFlapMs = t;
    return this.w.emitter.rise(s, this.w.level(s.events.length), t) ? [this.observation(router, peer, s, t, true)] : [];
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = [];
    for (const [k, s] of this.sessions.entries()) {
      if (s.level > 0 && this.w.quiet(s.lastFlapMs, nowMs)) {
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
    const windowMin = this.w.windowMin;
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

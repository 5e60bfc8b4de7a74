/**
 * Prefix-limit pressure per (router, peer, AFI/SAFI): received prefixes against the configured
 * maximum (inventory `maxPrefix`, the router's `neighbor X maximum-prefix N` or Cilium's
 * prefixLimit), warning at 75 % and critical at 90 % (configurable), with a forecast of when the
 * limit is hit at the current growth rate (least squares over a window of live changes; a dump's
 * growth is not a trend). A Peer Down whose NOTIFICATION is Cease / Maximum Number of Prefixes
 * Reached (6/1) is a `max-prefix-teardown`, critical.
 *
 * Counts come from the post-policy Adj-RIB-In route records (pre-policy for peers without a
 * post-policy feed): the set of announced prefixes (and path IDs) per peer and family, bounded in
 * total. BMP stats stand in when there are no route records: type 9 (per-AFI/SAFI Adj-RIB-In),
 * type 7 (Adj-RIBs-In, for a peer with one limited family); RFC 9972 types 30/29 give the headroom
 * the router itself reports, which sets the limit when the inventory has none.
 *
 * FRR 8.4 reports its own max-prefix teardown as Peer Down reason 2, FSM event 0, with no
 * NOTIFICATION (docs/router-quirks.md §2): when the peer's count had reached its limit shortly before
 * (`teardownLookbackMs`), that Peer Down is named a max-prefix teardown too. The second Peer Down
 * FRR adds after `clear bgp` on the idle peer (was_up false) is not counted again.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord, PeerDownRecord, RouteRecord, StatsRecord } from '../../records/types.js';
import type { AlertSubject, Detector, FactValue, Observation, Severity } from '../types.js';
import { BoundedMap, RouterDirectory, ViewSelector, describePeerDown, eventMs, isSelfPeer, iso } from './common.js';
import type { CommonOptions } from './common.js';

export interface PrefixLimitOptions extends CommonOptions {
  /** Fractions of the limit. Defaults 0.75 and 0.9. */
  readonly warningRatio?: number;
  readonly criticalRatio?: number;
  /** A level is left only this far below its threshold (no alert flapping at the edge). Default 0.05. */
  readonly hysteresis?: number;
  /** Growth is measured over this window of live changes. Default 10 min. */
  readonly forecastWindowMs?: number;
  /** Warn when the forecast hits the limit within this long (and the count is past half of it). Default 30 min. */
  readonly forecastWarnMs?: number;
  /** FRR quirk: a reason-2 Peer Down this soon after the count reached the limit is a teardown. Default 2 min. */
  readonly teardownLookbackMs?: number;
  /** A teardown alert clears after the session has been up this long. Default 10 min. */
  readonly teardownClearMs?: number;
  /** Prefixes tracked over all peers; beyond it counts fall back to BMP stats. Default 5M. */
  readonly maxPrefixes?: number;
  readonly views?: readonly RibView[];
  readonly updateEveryMs?: number;
}

interface FamilyState {
  lastMs: number;
  prefixes: Set<string>;
  /** Route records seen for this family (the set is authoritative). */
  ribSeen: boolean;
  /** The set hit the global cap: the count is a lower bound. */
  capped: boolean;
  statsCount: number | null;
  headroom: number | null;
  level: 0 | 1 | 2;
  forecastWarned: boolean;
  lastEmitMs: number;
  lastEmitCount: number;
  samples: { t: number; n: number }[];
  /** Last time the count was at or above the limit. */
  reachedMs: number;
  dumping: boolean;
}

interface PeerState {
  lastMs: number;
  up: boolean;
  upSinceMs: number;
  teardown: boolean;
  teardownMs: number;
  /** Stats type 7 (all families), for a peer with one limited family. */
  totalCount: number | null;
  totalHeadroom: number | null;
}

export class PrefixLimitDetector implements Detector {
  readonly name = 'prefix-limit';
  private readonly dir: RouterDirectory;
  private readonly views: ViewSelector;
  private readonly families: BoundedMap<string, FamilyState>;
  private readonly peers: BoundedMap<string, PeerState>;
  private tracked = 0;
  private readonly o: Required<Omit<PrefixLimitOptions, 'maxKeys' | 'idleMs' | 'clock' | 'views'>>;
  private readonly clock: () => number;
  private readonly idleMs: number;

  constructor(inventory: Inventory = Inventory.empty(), opts: PrefixLimitOptions = {}) {
    this.dir = new RouterDirectory(inventory);
    this.views = new ViewSelector(opts.views ?? ['adj-in-post', 'adj-in-pre']);
    this.families = new BoundedMap(opts.maxKeys ?? 100_000, (_k, s) => {
      this.tracked -= s.prefixes.size;
    });
    this.peers = new BoundedMap(opts.maxKeys ?? 100_000);
    this.o = {
      warningRatio: opts.warningRatio ?? 0.75,
      criticalRatio: opts.criticalRatio ?? 0.9,
      hysteresis: opts.hysteresis ?? 0.05,
      forecastWindowMs: opts.forecastWindowMs ?? 600_000,
      forecastWarnMs: opts.forecastWarnMs ?? 1_800_000,
      teardownLookbackMs: opts.teardownLookbackMs ?? 120_000,
      teardownClearMs: opts.teardownClearMs ?? 600_000,
      maxPrefixes: opts.maxPrefixes ?? 5_000_000,
      updateEveryMs: opts.updateEveryMs ?? 60_000,
    };
    this.clock = opts.clock ?? Date.now;
    this.idleMs = opts.idleMs ?? 7 * 86_400_000;
  }

  setInventory(inv: Inventory): void {
    this.dir.setInventory(inv);
  }

  stateSize(): number {
    return this.families.size + this.peers.size;
  }

  /** Prefixes held in the per-peer sets. */
  get trackedPrefixes(): number {
    return this.tracked;
  }

  /** The count this detector holds for a peer and family (RIB-derived, else stats), for tests and the API. */
  count(router: string, peer: string, afiSafi: string): number | null {
    const s = this.families.get(`${router}|${peer}|${afiSafi}`);
    return s ? this.effectiveCount(router, peer, afiSafi, s) : null;
  }

  private peer(router: string, peer: string, t: number): PeerState {
    const k = `${router}|${peer}`;
    let s = this.peers.touch(k, t);
    if (!s) {
      s = { lastMs: t, up: true, upSinceMs: t, teardown: false, teardownMs: 0, totalCount: null, totalHeadroom: null };
      this.peers.set(k, s);
    }
    s.lastMs = t;
    return s;
  }

  private family(router: string, peer: string, afi: string, t: number): FamilyState {
    const k = `${router}|${peer}|${afi}`;
    let s = this.families.touch(k, t);
    if (!s) {
      s = { lastMs: t, prefixes: new Set(), ribSeen: false, capped: false, statsCount: null, headroom: null, level: 0, forecastWarned: false, lastEmitMs: -Infinity, lastEmitCount: -1, samples: [], reachedMs: -Infinity, dumping: false };
      this.families.set(k, s);
    }
    s.lastMs = t;
    return s;
  }

  onRecord(r: BusRecord): Observation[] {
    this.dir.observe(r);
    switch (r.type) {
      case 'route':
        return this.onRoute(r);
      case 'stats':
        return this.onStats(r);
      case 'peer_down':
        return this.onPeerDown(r);
      case 'peer_up': {
        if (isSelfPeer(r.peer)) return [];
        const p = this.peer(r.router, r.peer.address, eventMs(r));
        p.up = true;
        p.upSinceMs = eventMs(r);
        // A new session re-sends its table: counts restart (a reset without Peer Down too).
        this.resetPeer(r.router, r.peer.address);
        return [];
      }
      case 'end_of_rib': {
        const s = this.families.get(`${r.router}|${r.peer.address}|${r.afi_safi}`);
        if (!s?.dumping) return [];
        s.dumping = false;
        return this.evaluate(r.router, r.peer.address, r.afi_safi, s, eventMs(r));
      }
      case 'router_up':
        // A new BMP session re-dumps everything: rebuild the sets from it.
        for (const [k, s] of this.families.entries()) {
          if (!k.startsWith(`${r.router}|`)) continue;
          this.tracked -= s.prefixes.size;
          s.prefixes.clear();
          s.samples = [];
          s.dumping = true;
        }
        this.views.forgetRouter(r.router);
        return [];
      case 'router_init':
      case 'router_down':
      case 'mirror':
        return [];
    }
  }

  private resetPeer(router: string, peer: string): void {
    for (const afi of this.familiesOf(router, peer)) {
      const s = this.families.get(`${router}|${peer}|${afi}`);
      if (!s) continue;
      this.tracked -= s.prefixes.size;
      s.prefixes.clear();
      s.samples = [];
      s.statsCount = null;
      s.headroom = null;
      s.capped = false;
      // The table comes again: until it has (End-of-RIB or the first live change), levels only rise.
      s.dumping = true;
    }
  }

  private familiesOf(router: string, peer: string): string[] {
    const prefix = `${router}|${peer}|`;
    const out: string[] = [];
    for (const k of this.families.entries()) if (k[0].startsWith(prefix)) out.push(k[0].slice(prefix.length));
    return out;
  }

  private onRoute(r: RouteRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    if (!this.views.follow(r.router, r.peer.address, r.rib, r.announced.length > 0)) return [];
    const t = eventMs(r);
    const s = this.family(r.router, r.peer.address, r.afi_safi, t);
    s.ribSeen = true;
    for (const w of r.withdrawn) if (s.prefixes.delete(`${w.prefix}|${w.path_id ?? ''}`)) this.tracked--;
    for (const a of r.announced) {
      const k = `${a.prefix}|${a.path_id ?? ''}`;
      if (s.prefixes.has(k)) continue;
      if (this.tracked >= this.o.maxPrefixes) {
        s.capped = true;
        continue;
      }
      s.prefixes.add(k);
      this.tracked++;
    }
    if (r.dump) {
      // A (re-)dump's growth says nothing about the trend.
      s.dumping = true;
      s.samples = [];
    } else {
      s.dumping = false;
      this.sample(s, t, s.prefixes.size);
    }
    return this.evaluate(r.router, r.peer.address, r.afi_safi, s, t);
  }

  private sample(s: FamilyState, t: number, n: number): void {
    const spacing = this.o.forecastWindowMs / 60;
    const last = s.samples.at(-1);
    if (last && t - last.t < spacing && s.samples.length > 1) last.n = n;
    else s.samples.push({ t, n });
    const from = t - this.o.forecastWindowMs;
    while (s.samples.length > 0 && (s.samples[0]?.t ?? 0) < from) s.samples.shift();
  }

  private onStats(r: StatsRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    const t = eventMs(r);
    const out: Observation[] = [];
    const p = this.peer(r.router, r.peer.address, t);
    const touched = new Set<string>();
    for (const c of r.counters) {
      const v = typeof c.value === 'number' ? c.value : c.value === null ? null : Number(c.value);
      if (v === null || !Number.isFinite(v)) continue;
      if (c.type === 7) p.totalCount = v;
      else if (c.type === 29) p.totalHeadroom = v;
      else if ((c.type === 9 || c.type === 30) && c.afi_safi) {
        const s = this.family(r.router, r.peer.address, c.afi_safi, t);
        if (c.type === 9) {
          s.statsCount = v;
          if (!s.ribSeen) this.sample(s, t, v);
        } else s.headroom = v;
        touched.add(c.afi_safi);
      }
    }
    // Type 7/29 stand for the one family the inventory limits, when there is exactly one.
    const limits = this.dir.inventoryPeer(r.router, r.peer.address)?.maxPrefix ?? {};
    const only = Object.keys(limits).length === 1 ? Object.keys(limits)[0] : undefined;
    if (only !== undefined && (p.totalCount !== null || p.totalHeadroom !== null)) {
      const s = this.family(r.router, r.peer.address, only, t);
      if (!s.ribSeen && s.statsCount === null && p.totalCount !== null) this.sample(s, t, p.totalCount);
      touched.add(only);
    }
    for (const afi of touched) {
      const s = this.families.get(`${r.router}|${r.peer.address}|${afi}`);
      if (s) out.push(...this.evaluate(r.router, r.peer.address, afi, s, t));
    }
    return out;
  }

  private effectiveCount(router: string, peer: string, afi: string, s: FamilyState): number | null {
    if (s.ribSeen && !s.capped) return s.prefixes.size;
    if (s.statsCount !== null) return s.capped ? Math.max(s.statsCount, s.prefixes.size) : s.statsCount;
    const p = this.peers.get(`${router}|${peer}`);
    const limits = this.dir.inventoryPeer(router, peer)?.maxPrefix ?? {};
    if (p?.totalCount != null && Object.keys(limits).length === 1 && limits[afi] !== undefined) return p.totalCount;
    return s.ribSeen ? s.prefixes.size : null;
  }

  private limit(router: string, peer: string, afi: string, s: FamilyState, count: number): { limit: number; source: string } | null {
    const configured = this.dir.inventoryPeer(router, peer)?.maxPrefix[afi];
    if (configured !== undefined) return { limit: configured, source: 'inventory' };
    if (s.headroom !== null) return { limit: count + s.headroom, source: 'router (BMP stat 30)' };
    const p = this.peers.get(`${router}|${peer}`);
    if (p?.totalHeadroom != null) return { limit: count + p.totalHeadroom, source: 'router (BMP stat 29)' };
    return null;
  }

  /** Least-squares growth in prefixes per ms over the samples; null with fewer than 3. */
  private slope(s: FamilyState): number | null {
    const n = s.samples.length;
    if (n < 3) return null;
    const t0 = s.samples[0]?.t ?? 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (const { t, n: y } of s.samples) {
      const x = t - t0;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const den = n * sxx - sx * sx;
    return den === 0 ? null : (n * sxy - sx * sy) / den;
  }

  private evaluate(router: string, peer: string, afi: string, s: FamilyState, t: number): Observation[] {
    const count = this.effectiveCount(router, peer, afi, s);
    if (count === null) return [];
    const lim = this.limit(router, peer, afi, s, count);
    if (!lim) return [];
    if (count >= lim.limit) s.reachedMs = t;
    const ratio = count / lim.limit;
    const slope = this.slope(s);
    // A forecast needs growth now, not just over the window (a burst then a clean-up is not a trend).
    const last = s.samples.at(-1);
    const before = s.samples.at(-2);
    const growing = last !== undefined && before !== undefined && last.n > before.n;
    const etaMs = slope !== null && slope > 0 && growing && count < lim.limit ? t + (lim.limit - count) / slope : null;
    const { warningRatio: w, criticalRatio: c, hysteresis: h } = this.o;
    let level: 0 | 1 | 2;
    if (ratio >= c || (s.level === 2 && ratio >= c - h)) level = 2;
    else if (ratio >= w || (s.level >= 1 && ratio >= w - h && !s.forecastWarned)) level = 1;
    else level = 0;
    const forecastSoon = etaMs !== null && etaMs - t <= this.o.forecastWarnMs && ratio >= 0.5;
    let byForecast = false;
    if (level === 0 && forecastSoon) {
      level = 1;
      byForecast = true;
    }
    // During a dump the count only grows from nothing: never let it lower a level.
    if (s.dumping && level < s.level) return [];
    const out: Observation[] = [];
    if (level === 0) {
      if (s.level > 0) out.push(this.observation(router, peer, afi, s, t, count, lim, etaMs, false));
      s.level = 0;
      s.forecastWarned = false;
      return out;
    }
    const changed = level !== s.level;
    const moved = count !== s.lastEmitCount && t - s.lastEmitMs >= this.o.updateEveryMs;
    s.level = level;
    s.forecastWarned = byForecast;
    if (changed || moved) {
      s.lastEmitMs = t;
      s.lastEmitCount = count;
      out.push(this.observation(router, peer, afi, s, t, count, lim, etaMs, true));
    }
    return out;
  }

  private subject(router: string, peer: string, afi?: string): AlertSubject {
    const node = this.dir.inventory.nodeByAddress(peer);
    return { router: this.dir.name(router), peer, ...(afi ? { afiSafi: afi } : {}), ...(node ? { cluster: node.cluster, node: node.name } : {}) };
  }

  private observation(router: string, peer: string, afi: string, s: FamilyState, t: number, count: number, lim: { limit: number; source: string }, etaMs: number | null, active: boolean): Observation {
    const pct = Math.round((count / lim.limit) * 1000) / 10;
    const severity: Severity = s.level === 2 ? 'critical' : 'warning';
    const slope = this.slope(s);
    const facts: Record<string, FactValue> = {
      received: count,
      limit: lim.limit,
      limit_source: lim.source,
      percent: pct,
      warning_percent: this.o.warningRatio * 100,
      critical_percent: this.o.criticalRatio * 100,
      growth_per_min: slope === null ? null : Math.round(slope * 60_000 * 100) / 100,
      limit_eta: etaMs === null ? null : iso(etaMs),
      count_source: s.ribSeen && !s.capped ? 'rib' : 'bmp-stats',
      rib_count: s.ribSeen ? s.prefixes.size : null,
      stats_count: s.statsCount,
      router_headroom: s.headroom,
      by_forecast: s.forecastWarned,
    };
    const routerName = this.dir.name(router);
    const eta = etaMs === null ? '' : `; at the current rate the limit is hit at ${iso(etaMs)}`;
    return {
      kind: 'prefix-limit',
      severity,
      subject: this.subject(router, peer, afi),
      summary: active
        ? `${peer} sends ${count} ${afi} prefixes to ${routerName}: ${pct}% of its limit ${lim.limit}${eta}`
        : `${peer} → ${routerName} ${afi} back to ${count} of ${lim.limit} prefixes (${pct}%)`,
      facts,
      nextStep: active
        ? `Find what ${peer} started announcing ("show bgp neighbor ${peer} received-routes" on ${routerName}): new LoadBalancer IPs, /32 pod routes, a leak from upstream. Raise maximum-prefix only if the growth is expected; at 100% the session is torn down.`
        : 'Nothing: cleared.',
      at: iso(t),
      active,
      detector: this.name,
    };
  }

  private onPeerDown(r: PeerDownRecord): Observation[] {
    if (isSelfPeer(r.peer)) return [];
    const t = eventMs(r);
    const p = this.peer(r.router, r.peer.address, t);
    const wasUp = r.was_up && p.up;
    p.up = false;
    const out: Observation[] = [];
    const n = r.notification;
    let teardown: { how: string; inferred: boolean; afi: string | null; count: number | null; limit: number | null } | null = null;
    const families = this.familiesOf(r.router, r.peer.address);
    if (n && n.code === 6 && n.subcode === 1) {
      teardown = { how: r.reason === 1 ? 'router' : 'peer', inferred: false, afi: null, count: null, limit: null };
    } else if (r.was_up && r.reason === 2 && !n && (r.fsm_event === 0 || r.fsm_event === null)) {
      // FRR 8.4: its own max-prefix teardown looks like any local close; the count tells.
      for (const afi of families) {
        const s = this.families.get(`${r.router}|${r.peer.address}|${afi}`);
        if (s && t - s.reachedMs <= this.o.teardownLookbackMs) {
          const count = this.effectiveCount(r.router, r.peer.address, afi, s);
          teardown = { how: 'router', inferred: true, afi, count, limit: count === null ? null : (this.limit(r.router, r.peer.address, afi, s, count)?.limit ?? null) };
          break;
        }
      }
    }
    if (teardown && wasUp) {
      p.teardown = true;
      p.teardownMs = t;
      if (!teardown.afi) {
        for (const afi of families) {
          const s = this.families.get(`${r.router}|${r.peer.address}|${afi}`);
          const count = s ? this.effectiveCount(r.router, r.peer.address, afi, s) : null;
          const lim = s && count !== null ? this.limit(r.router, r.peer.address, afi, s, count) : null;
          if (count !== null && lim && (teardown.count === null || count / lim.limit > teardown.count / (teardown.limit ?? Infinity))) {
            teardown.afi = afi;
            teardown.count = count;
            teardown.limit = lim.limit;
          }
        }
      }
      out.push(this.teardownObservation(r, t, teardown, true));
    }
    // The session's routes are gone: counts restart, pressure clears.
    for (const afi of families) {
      const s = this.families.get(`${r.router}|${r.peer.address}|${afi}`);
      if (!s) continue;
      if (s.level > 0) {
        const count = this.effectiveCount(r.router, r.peer.address, afi, s) ?? 0;
        const lim = this.limit(r.router, r.peer.address, afi, s, count) ?? { limit: count || 1, source: 'inventory' };
        out.push(this.observation(r.router, r.peer.address, afi, s, t, 0, lim, null, false));
        s.level = 0;
        s.forecastWarned = false;
      }
    }
    this.resetPeer(r.router, r.peer.address);
    return out;
  }

  private teardownObservation(r: { router: string; peer: { address: string; asn: number } } & Partial<Pick<PeerDownRecord, 'reason' | 'reason_name' | 'notification' | 'fsm_event'>>, t: number, td: { how: string; inferred: boolean; afi: string | null; count: number | null; limit: number | null }, active: boolean): Observation {
    const routerName = this.dir.name(r.router);
    const peer = r.peer.address;
    const how =
      td.how === 'peer'
        ? `${peer} closed the session: what ${routerName} sends exceeded ${peer}'s maximum-prefix`
        : `${routerName} closed the session: ${peer} exceeded its maximum-prefix${td.limit !== null ? ` (${td.count} of ${td.limit} ${td.afi})` : ''}`;
    return {
      kind: 'max-prefix-teardown',
      severity: 'critical',
      subject: this.subject(r.router, peer),
      summary: active ? `Max-prefix teardown: ${how}${td.inferred ? ' (FRR reports it as a local close without NOTIFICATION; inferred from the count at the limit)' : ''}` : `Session ${routerName} ↔ ${peer} re-established and stable after the max-prefix teardown`,
      facts: {
        direction: td.how === 'peer' ? 'peer-enforced' : 'router-enforced',
        inferred: td.inferred,
        afi_safi: td.afi,
        received: td.count,
        limit: td.limit,
        reason: r.reason !== undefined ? describePeerDown({ reason: r.reason, reason_name: r.reason_name ?? '', notification: r.notification ?? null, fsm_event: r.fsm_event ?? null }) : null,
        peer_asn: r.peer.asn,
      },
      nextStep: active
        ? td.how === 'peer'
          ? `Check what ${routerName} advertises to ${peer} and ${peer}'s prefix limit (Cilium prefixLimit); the session stays down until cleared or its restart timer fires.`
          : `Find what ${peer} started announcing before the teardown; the session stays down until "clear bgp ${peer}" or the restart timer (maximum-prefix … restart N).`
        : 'Nothing: cleared.',
      at: iso(t),
      active,
      detector: this.name,
    };
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = [];
    for (const [k, p] of this.peers.entries()) {
      if (p.teardown && p.up && nowMs - p.upSinceMs >= this.o.teardownClearMs) {
        const [router = '', peer = ''] = k.split('|');
        p.teardown = false;
        out.push(this.teardownObservation({ router, peer: { address: peer, asn: 0 } }, nowMs, { how: 'router', inferred: false, afi: null, count: null, limit: null }, false));
      }
    }
    this.families.evictIdle(nowMs - this.idleMs, (s) => s.level > 0 || s.prefixes.size > 0);
    this.peers.evictIdle(nowMs - this.idleMs, (p) => p.teardown);
    return out;
  }
}

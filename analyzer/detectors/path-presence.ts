/**
 * Path presence, shared by the detectors that count churn per path (prefix-flap, dampening): per
 * (router, peer, RD, AFI/SAFI, prefix, path ID), whether the path is announced in the current
 * session and with which attributes, and what each live route record did to it:
 *
 * - `withdrawal`: an announced path withdrawn;
 * - `readvertisement`: a withdrawn path announced again;
 * - `attribute-change`: an announced path announced again with other attributes (an LB or egress
 *   IP moving between its own cluster's nodes is not one unless `countLbMoves`).
 *
 * A first announcement, an identical re-announcement and a withdrawal of a path not announced are
 * no change. Presence is valid only for the session it was seen in: a Peer Up or Peer Down, or a
 * new BMP session of the router, starts a new generation, after which the old paths are unknown —
 * FRR flushes withdrawals for the old session's paths after the new Peer Up, and those must be
 * no-ops. Dump records (a router's or a peer's re-dump) update presence but are never a change.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import type { Observation } from '../types.js';
import { BoundedMap, attributesFingerprint, eventMs, isLbMove, originAs } from './common.js';
import type { RouterDirectory } from './common.js';
// Path keys live as long as their state: flat strings take a third of a rope's memory.
import { flat } from '../../records/flat-string.js';

export type PathChange = 'withdrawal' | 'readvertisement' | 'attribute-change';

/** What every tracked path holds; a detector's path state extends it. */
export interface Presence {
  lastMs: number;
  announced: boolean;
  /** Fingerprint of the announced attributes. */
  attr: number;
  /** Origin AS of the announcement (−1: none), to tell an LB IP's move from churn. */
  origin: number;
  /** The (router, peer) generation it was seen in. */
  gen: number;
}

/** The detector's side: a new path's state, and what to do on a change. */
export interface PresenceHandler<S extends Presence> {
  /** State for a path first announced at `t`, with these presence fields. */
  newPath(t: number, attr: number, gen: number, origin: number, rib: RibView): S;
  /** A live change of a path of `r`, at its event time `t`; observations go to `out`. */
  onChange(key: string, s: S, change: PathChange, r: RouteRecord, t: number, out: Observation[]): void;
}

/** A path key's parts, in the order pathKey() joins them. */
export interface PathKeyParts {
  readonly router: string;
  readonly peer: string;
  readonly rd: string;
  readonly afiSafi: string;
  readonly prefix: string;
  /** Absent when the path has no ADD-PATH identifier. */
  readonly pathId?: number;
}

/** "router|peer|rd|afi_safi|prefix|pathId", the key of one path (empty fields for no RD / path ID). */
export function pathKey(router: string, peer: string, rd: string | null, afiSafi: string, prefix: string, pathId: number | null): string {
  return `${router}|${peer}|${rd ?? ''}|${afiSafi}|${prefix}|${pathId ?? ''}`;
}

export function pathKeyParts(key: string): PathKeyParts {
  const [router = '', peer = '', rd = '', afiSafi = '', prefix = '', pid = ''] = key.split('|');
  return { router, peer, rd, afiSafi, prefix, ...(pid === '' ? {} : { pathId: Number(pid) }) };
}

/** Generation per (router, peer): a new BGP or BMP session makes the old presence unknown. */
export class Generations {
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

  /** A new session of one peer, or (no peer) of the whole router. */
  bump(router: string, peer?: string): void {
    if (peer !== undefined) this.m.set(`${router}|${peer}`, this.next++);
    else for (const k of this.m.keys()) if (k.startsWith(`${router}|`)) this.m.set(k, this.next++);
  }
}

export interface PathPresenceOptions<S extends Presence> {
  readonly maxKeys: number;
  /** Count an LB or egress IP's origin moving between its cluster's nodes as an attribute change. */
  readonly countLbMoves: boolean;
  /** Called for each path the cap or idleness evicts. */
  readonly onEvict?: (key: string, s: S) => void;
}

export class PathPresence<S extends Presence> {
  readonly paths: BoundedMap<string, S>;
  readonly generations = new Generations();
  private readonly lbMovesQuiet: boolean;

  constructor(
    private readonly dir: RouterDirectory,
    private readonly handler: PresenceHandler<S>,
    o: PathPresenceOptions<S>,
  ) {
    this.paths = new BoundedMap<string, S>(o.maxKeys, o.onEvict);
    this.lbMovesQuiet = !o.countLbMoves;
  }

  /** Follows the session records: Peer Up/Down and a router's session up/down start a new generation. */
  onSessionRecord(r: BusRecord): void {
    switch (r.type) {
      case 'peer_down':
      case 'peer_up':
        this.generations.bump(r.router, r.peer.address);
        break;
      case 'router_up':
      case 'router_down':
        this.generations.bump(r.router);
        break;
      case 'route':
      case 'router_init':
      case 'end_of_rib':
      case 'stats':
      case 'mirror':
        break;
    }
  }

  /** Updates presence from a route record and hands each live change to the handler. */
  route(r: RouteRecord, out: Observation[]): void {
    const t = eventMs(r);
    const gen = this.generations.get(r.router, r.peer.address);
    const base = `${r.router}|${r.peer.address}|${r.peer.rd ?? ''}|${r.afi_safi}|`;
    for (const w of r.withdrawn) {
      const key = flat(`${base}${w.prefix}|${w.path_id ?? ''}`);
      const s = this.paths.touch(key, t);
      if (!s) continue; // never announced: a stale withdrawal, a no-op
      s.lastMs = t;
      // Not announced in this session: a no-op that leaves the state as it was.
      if (s.gen !== gen || !s.announced) continue;
      s.announced = false;
      if (r.dump) continue;
      this.handler.onChange(key, s, 'withdrawal', r, t, out);
    }
    if (r.announced.length === 0) return;
    const attr = attributesFingerprint(r.attributes);
    const origin = originAs(r.attributes) ?? -1;
    for (const a of r.announced) {
      const key = flat(`${base}${a.prefix}|${a.path_id ?? ''}`);
      const s = this.paths.touch(key, t);
      if (!s) {
        this.paths.set(key, this.handler.newPath(t, attr, gen, origin, r.rib));
        continue; // a first announcement is no change
      }
      s.lastMs = t;
      const known = s.gen === gen;
      const wasAnnounced = known && s.announced;
      const changed = s.attr !== attr && !(this.lbMovesQuiet && isLbMove(this.dir.inventory, a.prefix, s.origin, origin));
      s.announced = true;
      s.attr = attr;
      s.origin = origin;
      s.gen = gen;
      if (r.dump || !known) continue; // a (re-)dump: no churn
      if (!wasAnnounced) this.handler.onChange(key, s, 'readvertisement', r, t, out);
      else if (changed) this.handler.onChange(key, s, 'attribute-change', r, t, out);
    }
  }

  /** The announced paths of a peer's current session, for a Peer Down counted as their withdrawal. */
  *announcedOf(router: string, peer: string): IterableIterator<[string, S]> {
    const gen = this.generations.get(router, peer);
    const prefix = `${router}|${peer}|`;
    for (const e of this.paths.entries()) if (e[0].startsWith(prefix) && e[1].gen === gen && e[1].announced) yield e;
  }
}

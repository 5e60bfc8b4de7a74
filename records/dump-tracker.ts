/**
 * Which route records belong to a (re-)dump (docs/architecture.md, "Sessions, resets and time").
 *
 * A dump starts for every peer when the BMP session starts, and again for one peer at its Peer
 * Up. It ends per (peer, RIB view, AFI/SAFI) at that key's End-of-RIB, or for the whole peer when
 * `quietMs` pass without a route record from it: FRR sends End-of-RIB only in the initial dump,
 * some routers never. The analyzer counts no churn for dump records, so erring towards "dump"
 * hides flaps and erring the other way invents them; the quiet period is the knob.
 *
 * Time comes in as arguments (milliseconds), so tests drive it without sleeping.
 */
import type { RibView } from '@ribwatch/bmp-parser';

interface PeerDump {
  /** When this peer's dump began: session start, or its latest Peer Up. */
  startMs: number;
  /** Last route record from this peer; the quiet period counts from here (or from startMs). */
  lastRouteMs: number;
  /** The whole peer's dump ended by quiet period; sticky until the next Peer Up. */
  quietEnded: boolean;
  /** "rib|afi_safi" keys whose End-of-RIB arrived. */
  readonly ended: Set<string>;
}

export class DumpTracker {
  private readonly peers = new Map<string, PeerDump>();

  constructor(
    private readonly sessionStartMs: number,
    private readonly quietMs: number,
  ) {}

  /** A Peer Up: this peer re-dumps from now, whatever ended before. */
  peerUp(peer: string, nowMs: number): void {
    this.peers.set(peer, { startMs: nowMs, lastRouteMs: nowMs, quietEnded: false, ended: new Set() });
  }

  /** A Peer Down: forget the peer; routes without a new Peer Up count from the session start (long over). */
  peerDown(peer: string): void {
    this.peers.delete(peer);
  }

  /** Called for each route record; says whether it is part of a dump, and notes the activity. */
  route(peer: string, rib: RibView, afiSafi: string, nowMs: number): boolean {
    let p = this.peers.get(peer);
    if (p === undefined) {
      // First sight without a Peer Up (FRR's self-originated 0.0.0.0 peer, GoBGP's Loc-RIB): its
      // dump began with the session.
      p = { startMs: this.sessionStartMs, lastRouteMs: this.sessionStartMs, quietEnded: false, ended: new Set() };
      this.peers.set(peer, p);
    }
    if (!p.quietEnded && nowMs - p.lastRouteMs >= this.quietMs) p.quietEnded = true;
    p.lastRouteMs = nowMs;
    if (p.quietEnded) return false;
    return p.ended.size === 0 || !p.ended.has(`${rib}|${afiSafi}`);
  }

  /** End-of-RIB for one key: later routes for it are live. */
  endOfRib(peer: string, rib: RibView, afiSafi: string, nowMs: number): void {
    let p = this.peers.get(peer);
    if (p === undefined) {
      p = { startMs: this.sessionStartMs, lastRouteMs: nowMs, quietEnded: false, ended: new Set() };
      this.peers.set(peer, p);
    }
    p.ended.add(`${rib}|${afiSafi}`);
  }

  /** Whether a route for this key would be a dump record right now (no side effects; for tests and the API). */
  inDump(peer: string, rib: RibView, afiSafi: string, nowMs: number): boolean {
    const p = this.peers.get(peer);
    const last = p?.lastRouteMs ?? this.sessionStartMs;
    if (p?.quietEnded || nowMs - last >= this.quietMs) return false;
    return !(p?.ended.has(`${rib}|${afiSafi}`) ?? false);
  }
}

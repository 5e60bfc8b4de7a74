/**
 * One router's BMP session state (RFC 7854 §4.10-4.9): the monitored peers known from Peer Up,
 * their OPENs (capabilities merged across repeated Peer Ups for the same peer, as Huawei sends
 * one Loc-RIB Peer Up per AFI/SAFI), and the SessionConfig each direction's UPDATEs use, cached
 * per peer. A peer is keyed by peer type, distinguisher and address; the flags (V, L, A, O) are
 * views of the same peer. Peer Down forgets the peer; a Route Monitoring for an unknown peer
 * still decodes with the stateless defaults.
 */
import type { Result } from '../errors.js';
import type { BgpOpen } from '../bgp/types.js';
import type { SessionConfig } from '../session.js';
import { addOpen, configFromOpens, directionOf, emptySummary, statelessConfigFor } from './config.js';
import type { OpenSummary } from './config.js';
import { peerKey } from './header.js';
import { decodeBmpMessage } from './message.js';
import { BmpMessageType } from './types.js';
import type { BmpMessage, PeerUp, PerPeerHeader } from './types.js';

/** Cap on OPENs remembered per peer and side (the merged capabilities keep growing regardless). */
export const MAX_OPENS_PER_PEER = 64;

/** What the router state knows about one monitored peer. */
export interface PeerState {
  readonly key: string;
  /** The per-peer header of the latest Peer Up. */
  peer: PerPeerHeader;
  /** Number of Peer Ups seen since the peer was last down. */
  peerUps: number;
  /** The monitored router's OPENs (Sent OPEN), oldest first. */
  readonly sentOpens: BgpOpen[];
  /** The peer's OPENs (Received OPEN), oldest first. */
  readonly receivedOpens: BgpOpen[];
  readonly sent: OpenSummary;
  readonly received: OpenSummary;
  /** Cached configs per direction; dropped when a Peer Up changes the capabilities. */
  cfgIn?: SessionConfig;
  cfgOut?: SessionConfig;
  cfgLocRib?: SessionConfig;
}

export class BmpRouterState {
  private readonly peers = new Map<string, PeerState>();

  /** Decode one frame (from BmpFramer) and update the state from Peer Up / Peer Down. */
  decode(frame: Uint8Array): Result<BmpMessage> {
    // A Peer Up is kept (OPENs, header views): decode a copy so the state does not pin the caller's whole TCP chunk.
    const r = decodeBmpMessage(frame[5] === BmpMessageType.PeerUp ? frame.slice() : frame, this);
    if (r.ok) {
      const m = r.value;
      if (m.type === BmpMessageType.PeerUp) this.peerUp(m);
      else if (m.type === BmpMessageType.PeerDown) this.peerDown(m.peer);
    }
    return r;
  }

  /**
   * The answer for the last peer header asked about: consecutive messages are nearly always for
   * the same peer and view, and the header decoder reuses its text fields, so this check is a few
   * pointer compares instead of a key string and a Map lookup per message.
   */
  private last: { peerType: number; flags: number; rdType: number; distinguisher: string; address: string; cfg: SessionConfig } | undefined;

  /** The SessionConfig that applies to UPDATEs carried for this peer header. */
  sessionConfigFor(peer: PerPeerHeader): SessionConfig {
    const l = this.last;
    // The RD type takes part as in peerKey: type 0 "1:2" and type 2 "1:2" print alike but are different peers.
    const rd = peer.distinguisherRaw;
    const rdType = rd.length === 8 ? (rd[0]! << 8) | rd[1]! : -1;
    if (
      l !== undefined &&
      l.peerType === peer.peerType &&
      l.flags === peer.flags &&
      l.rdType === rdType &&
      l.distinguisher === peer.distinguisher &&
      l.address === peer.address
    ) {
      return l.cfg;
    }
    const cfg = this.lookupConfig(peer);
    this.last = { peerType: peer.peerType, flags: peer.flags, rdType, distinguisher: peer.distinguisher, address: peer.address, cfg };
    return cfg;
  }

  private lookupConfig(peer: PerPeerHeader): SessionConfig {
    if (this.peers.size === 0) return statelessConfigFor(peer);
    const st = this.peers.get(peerKey(peer));
    if (!st) return statelessConfigFor(peer);
    const dir = directionOf(peer);
    switch (dir) {
      case 'in':
        return (st.cfgIn ??= configFromOpens(st.sent, st.received, dir));
      case 'out':
        return (st.cfgOut ??= configFromOpens(st.sent, st.received, dir));
      case 'loc-rib':
        return (st.cfgLocRib ??= configFromOpens(st.sent, st.received, dir));
    }
  }

  /** Records a Peer Up: a new peer, or capabilities merged into the known one. */
  peerUp(m: PeerUp): PeerState {
    this.last = undefined;
    const key = peerKey(m.peer);
    let st = this.peers.get(key);
    if (!st) {
      st = { key, peer: m.peer, peerUps: 0, sentOpens: [], receivedOpens: [], sent: emptySummary(), received: emptySummary() };
      this.peers.set(key, st);
    }
    st.peer = m.peer;
    st.peerUps++;
    if (st.sentOpens.length < MAX_OPENS_PER_PEER) st.sentOpens.push(m.sentOpen);
    if (st.receivedOpens.length < MAX_OPENS_PER_PEER) st.receivedOpens.push(m.receivedOpen);
    addOpen(st.sent, m.sentOpen);
    addOpen(st.received, m.receivedOpen);
    delete st.cfgIn;
    delete st.cfgOut;
    delete st.cfgLocRib;
    return st;
  }

  /** Forgets a peer (Peer Down). Returns whether it was known. */
  peerDown(peer: PerPeerHeader): boolean {
    this.last = undefined;
    return this.peers.delete(peerKey(peer));
  }

  /** What is known about a peer, or undefined before its Peer Up / after its Peer Down. */
  peerState(peer: PerPeerHeader): Readonly<PeerState> | undefined {
    return this.peers.get(peerKey(peer));
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** All known peers. */
  knownPeers(): IterableIterator<Readonly<PeerState>> {
    return this.peers.values();
  }

  /** Forgets everything (a new BMP session from the router). */
  clear(): void {
    this.last = undefined;
    this.peers.clear();
  }
}

/**
 * How a peer's two Peer Up OPENs become the SessionConfig its UPDATEs are decoded with
 * (RFC 7854 §4.10, RFC 7911 §4, RFC 6793, RFC 8671, RFC 9069 §5.2).
 *
 * - 4-octet AS: both OPENs advertise capability 65 (Loc-RIB: the fabricated OPEN, either copy).
 *   Without a Peer Up: true unless the per-peer header's A flag says 2-octet.
 * - ADD-PATH, per AFI/SAFI and per direction:
 *   Adj-RIB-In (O clear): the peer's (received) OPEN says send (2|3) and the monitored router's
 *   (sent) OPEN says receive (1|3). Adj-RIB-Out (O set): the reverse. Loc-RIB: the fabricated
 *   OPEN (either copy) says send (2|3). Without a Peer Up: none.
 * - trialParse: always on (router bugs: Huawei path IDs on labeled unicast without ADD-PATH,
 *   GoBGP Loc-RIB before gobgp PR #3500).
 */
import type { BgpOpen } from '../bgp/types.js';
import { afiSafiKey } from '../session.js';
import type { SessionConfig } from '../session.js';
import { PeerFlag, PeerType } from './types.js';
import type { PerPeerHeader } from './types.js';

/** The capabilities of one side, merged over repeated Peer Ups (Huawei sends one per AFI/SAFI). */
export interface OpenSummary {
  fourOctetAs: boolean;
  /** afiSafiKey -> OR of the Send/Receive values advertised (1 receive, 2 send, 3 both). */
  readonly addPath: Map<number, number>;
}

export const ADD_PATH_RECEIVE = 1;
export const ADD_PATH_SEND = 2;

export function emptySummary(): OpenSummary {
  return { fourOctetAs: false, addPath: new Map() };
}

/** Adds one OPEN's capabilities to a summary (merge = OR). */
export function addOpen(s: OpenSummary, open: BgpOpen): void {
  if (open.capabilities.fourOctetAs !== undefined) s.fourOctetAs = true;
  for (const ap of open.capabilities.addPath) {
    const k = afiSafiKey(ap.afi, ap.safi);
    s.addPath.set(k, (s.addPath.get(k) ?? 0) | (ap.sendReceive & 3));
  }
}

const STATELESS_FOUR: SessionConfig = Object.freeze({ fourOctetAs: true, addPath: new Set<number>(), trialParse: true });
const STATELESS_TWO: SessionConfig = Object.freeze({ fourOctetAs: false, addPath: new Set<number>(), trialParse: true });

/** The config without any Peer Up: 4-octet AS unless the A flag (peer types 0-2), no ADD-PATH, trial parsing. */
export function statelessConfigFor(peer: PerPeerHeader): SessionConfig {
  if (peer.peerType !== PeerType.LocRib && (peer.flags & PeerFlag.A) !== 0) return STATELESS_TWO;
  return STATELESS_FOUR;
}

/** True for Adj-RIB-Out views (O flag, peer types 0-2). */
export function isAdjRibOut(peer: PerPeerHeader): boolean {
  return peer.peerType !== PeerType.LocRib && (peer.flags & PeerFlag.O) !== 0;
}

export type Direction = 'in' | 'out' | 'loc-rib';

export function directionOf(peer: PerPeerHeader): Direction {
  if (peer.peerType === PeerType.LocRib) return 'loc-rib';
  return (peer.flags & PeerFlag.O) !== 0 ? 'out' : 'in';
}

/** The SessionConfig for one direction from the merged sent (monitored router) and received (peer) OPENs. */
export function configFromOpens(sent: OpenSummary, received: OpenSummary, dir: Direction): SessionConfig {
  const addPath = new Set<number>();
  if (dir === 'loc-rib') {
    for (const [k, v] of sent.addPath) if (v & ADD_PATH_SEND) addPath.add(k);
    for (const [k, v] of received.addPath) if (v & ADD_PATH_SEND) addPath.add(k);
    return Object.freeze({ fourOctetAs: sent.fourOctetAs || received.fourOctetAs, addPath, trialParse: true });
  }
  // Adj-RIB-In: the peer sends, the router receives. Adj-RIB-Out: the router sends, the peer receives.
  const sender = dir === 'in' ? received : sent;
  const receiver = dir === 'in' ? sent : received;
  for (const [k, v] of sender.addPath) {
    if ((v & ADD_PATH_SEND) !== 0 && ((receiver.addPath.get(k) ?? 0) & ADD_PATH_RECEIVE) !== 0) addPath.add(k);
  }
  return Object.freeze({ fourOctetAs: sent.fourOctetAs && received.fourOctetAs, addPath, trialParse: true });
}

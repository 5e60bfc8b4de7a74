/**
 * OPEN messages of the receive-only speaker: the one it sends, and the checks on the one it
 * receives (RFC 4271 §6.2 OPEN Message Error subcodes), giving the session's negotiated facts.
 *
 * ribwatch asks for everything a neighbor can send it: every address family bmp-parser decodes
 * (RFC 4760), ADD-PATH receive for each (RFC 7911) so a neighbor that can send all paths does, the
 * 4-octet AS (RFC 6793), route refresh and enhanced route refresh (RFC 2918, RFC 7313), extended
 * messages (RFC 8654), extended next hop for IPv4 over IPv6 (RFC 8950), and graceful restart and
 * long-lived graceful restart (RFC 4724, RFC 9494) as a receiver: restart time 0 and no forwarding
 * state of its own, so that a restarting neighbor's routes are kept as stale rather than withdrawn.
 */
import { AS_TRANS, afiSafiKey, afiSafiName, OPEN_PARAM_CAPABILITIES } from '@ribwatch/bmp-parser';
import type { BgpOpen, OpenInput, SessionConfig } from '@ribwatch/bmp-parser';
import type { BgpPeerAs } from '../config/config.js';

type Family = { readonly afi: number; readonly safi: number };

/** The families asked for: those bmp-parser decodes NLRI of. */
export const FAMILIES: readonly Family[] = [
  { afi: 1, safi: 1 },
  { afi: 2, safi: 1 },
  { afi: 1, safi: 2 },
  { afi: 2, safi: 2 },
  { afi: 1, safi: 4 },
  { afi: 2, safi: 4 },
  { afi: 1, safi: 128 },
  { afi: 2, safi: 128 },
  { afi: 25, safi: 70 },
  { afi: 25, safi: 65 },
];

/** ADD-PATH Send/Receive field (RFC 7911 §4). */
const ADD_PATH_RECEIVE = 1;
const ADD_PATH_SEND = 2;
/** RFC 8538 §2: the Graceful Restart capability's N bit (Graceful Notification). */
export const GR_FLAG_NOTIFICATION = 0x4;

export interface LocalOpen {
  readonly asn: number;
  readonly bgpId: string;
  readonly holdTime: number;
  readonly hostname: string;
}

/** The OPEN ribwatch sends. */
export function localOpen(l: LocalOpen): OpenInput {
  return {
    version: 4,
    myAs: l.asn <= 0xffff ? l.asn : AS_TRANS,
    holdTime: l.holdTime,
    bgpId: l.bgpId,
    capabilities: {
      multiprotocol: FAMILIES,
      routeRefresh: true,
      enhancedRouteRefresh: true,
      extendedMessage: true,
      extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
      fourOctetAs: l.asn,
      addPath: FAMILIES.map((f) => ({ ...f, sendReceive: ADD_PATH_RECEIVE })),
      // Receiver only: restart time 0, no family with preserved forwarding state; N bit set so a
      // neighbor's NOTIFICATION (other than Hard Reset) keeps its routes too (RFC 8538).
      gracefulRestart: { flags: GR_FLAG_NOTIFICATION, time: 0, families: [] },
      longLivedGracefulRestart: { families: FAMILIES.map((f) => ({ ...f, flags: 0, staleTime: 0 })) },
      fqdn: { hostname: l.hostname, domain: '' },
    },
  };
}

/** What both OPENs agree on. */
export interface Negotiated {
  readonly holdTime: number;
  readonly keepaliveMs: number;
  /** Families both sides advertised (ipv4-unicast alone when the neighbor sent no Multiprotocol capability). */
  readonly families: readonly Family[];
  /** How to decode the neighbor's UPDATEs: 4-octet AS and ADD-PATH per family, exactly as negotiated. */
  readonly session: SessionConfig;
  readonly extendedMessage: boolean;
  readonly enhancedRouteRefresh: boolean;
  /**
   * Graceful restart as the neighbor asked for it (RFC 4724): its restart time and, per family
   * key, the long-lived stale time (RFC 9494); null when it did not advertise the capability.
   */
  readonly gracefulRestart: { readonly restartSeconds: number; readonly notification: boolean; readonly longLivedSeconds: number } | null;
}

/** An OPEN Message Error (RFC 4271 §6.2) to send in a NOTIFICATION (code 2). */
export interface OpenRejection {
  readonly subcode: number;
  readonly data: Uint8Array;
  readonly message: string;
}

function asAllowed(asn: number, expected: BgpPeerAs): boolean {
  return expected.kind === 'any' || (asn >= expected.min && asn <= expected.max);
}

function asText(expected: BgpPeerAs): string {
  return expected.kind === 'any' ? 'any' : expected.min === expected.max ? `${expected.min}` : `${expected.min}-${expected.max}`;
}

/** Checks the neighbor's OPEN against what is configured and what ribwatch sent. */
export function negotiate(peer: BgpOpen, expected: BgpPeerAs, local: LocalOpen): Negotiated | OpenRejection {
  if (peer.version !== 4) return { subcode: 1, data: Uint8Array.of(0, 4), message: `BGP version ${peer.version} is not 4` };
  const unsupported = (peer.parameters ?? []).find((p) => p.type !== OPEN_PARAM_CAPABILITIES);
  if (unsupported !== undefined) return { subcode: 4, data: new Uint8Array(0), message: `optional parameter type ${unsupported.type} is not supported` };
  const c = peer.capabilities;
  // RFC 6793 §4.2: with the capability, its ASN is the peer's; My AS must then be it or AS_TRANS.
  if (!asAllowed(peer.asn, expected)) {
    return { subcode: 2, data: Uint8Array.of(peer.myAs >>> 8, peer.myAs & 255), message: `peer AS ${peer.asn} is not the expected ${asText(expected)}` };
  }
  if (peer.asn === 0) return { subcode: 2, data: Uint8Array.of(0, 0), message: 'peer AS 0 is not allowed (RFC 7607)' };
  if (peer.holdTime === 1 || peer.holdTime === 2) return { subcode: 6, data: new Uint8Array(0), message: `hold time ${peer.holdTime} s is below 3 s` };
  // RFC 6286 §2.2: a zero identifier is never valid; an equal one only between different ASes.
  if (peer.bgpId === '0.0.0.0' || (peer.bgpId === local.bgpId && peer.asn === local.asn)) {
    return { subcode: 3, data: new Uint8Array(0), message: `BGP identifier ${peer.bgpId} is not acceptable` };
  }
  const theirs = c.multiprotocol.length === 0 ? [{ afi: 1, safi: 1 }] : c.multiprotocol;
  const families = FAMILIES.filter((f) => theirs.some((t) => t.afi === f.afi && t.safi === f.safi));
  const addPath = new Set<number>();
  for (const e of c.addPath) {
    if ((e.sendReceive & ADD_PATH_SEND) !== 0 && FAMILIES.some((f) => f.afi === e.afi && f.safi === e.safi)) addPath.add(afiSafiKey(e.afi, e.safi));
  }
  const holdTime = Math.min(peer.holdTime, local.holdTime);
  let gracefulRestart: Negotiated['gracefulRestart'] = null;
  if (c.gracefulRestart !== undefined) {
    let longLived = 0;
    for (const f of c.longLivedGracefulRestart?.families ?? []) longLived = Math.max(longLived, f.staleTime);
    gracefulRestart = { restartSeconds: c.gracefulRestart.time, notification: (c.gracefulRestart.flags & GR_FLAG_NOTIFICATION) !== 0, longLivedSeconds: longLived };
  }
  return {
    holdTime,
    keepaliveMs: holdTime === 0 ? 0 : Math.max(1000, Math.floor((holdTime * 1000) / 3)),
    families,
    session: { fourOctetAs: c.fourOctetAs !== undefined, addPath, trialParse: false },
    extendedMessage: c.extendedMessage,
    enhancedRouteRefresh: c.enhancedRouteRefresh === true,
    gracefulRestart,
  };
}

export function isRejection(n: Negotiated | OpenRejection): n is OpenRejection {
  return 'subcode' in n;
}

/** "ipv4-unicast, ipv6-unicast (add-path)" for logs. */
export function familiesText(n: Negotiated): string {
  return n.families.map((f) => `${afiSafiName(f.afi, f.safi)}${n.session.addPath.has(afiSafiKey(f.afi, f.safi)) ? ' (add-path)' : ''}`).join(', ');
}


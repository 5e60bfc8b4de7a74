/**
 * BGP/MPLS IP VPN NLRI: VPN-IPv4 (RFC 4364 §4.3.4) and VPN-IPv6 (RFC 4659 §3.2), SAFI 128 (and
 * 129, which uses the same encoding): [path id] length, label stack (RFC 8277), 8-octet route
 * distinguisher (rd.ts), prefix. The length counts labels, RD and prefix bits.
 */
import type { Writer } from '../../cursor.js';
import type { Nlri } from '../types.js';
import { decodeLabeledPrefixes, encodeLabeledPrefixes } from './labeled.js';

/** Returns -1 when the field is consumed exactly, else the offset where it went wrong. */
export function decodeVpnPrefixes(b: Uint8Array, pos: number, end: number, addPath: boolean, v6: boolean, out: Nlri[]): number {
  return decodeLabeledPrefixes(b, pos, end, addPath, v6, true, out);
}

export function encodeVpnPrefixes(w: Writer, nlri: readonly Nlri[], v6: boolean, addPath: boolean): void {
  encodeLabeledPrefixes(w, nlri, v6, true, addPath);
}

/**
 * NLRI by address family (RFC 4760 §5: the AFI/SAFI of MP_REACH/MP_UNREACH says how to read the
 * field), with ADD-PATH (RFC 7911) path identifiers per AFI/SAFI from the session, and trial
 * parsing for sessions whose OPENs are unknown or wrong: when the configured mode does not consume
 * the field exactly, the other mode is tried, and the result says it was guessed. The configured
 * mode wins whenever it parses: `00000000 20 c0000200f` is both "path 0, 192.0.2.15/32" and
 * "four 0.0.0.0/0 plus 192.0.2.15/32".
 */
import type { Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { DecodeError, Result } from '../../errors.js';
import type { SessionConfig } from '../../session.js';
import { afiSafiKey, afiSafiName } from '../../session.js';
import type { Nlri } from '../types.js';
import { decodeEvpnRoutes, encodeEvpnRoutes } from './evpn.js';
import { decodeLabeledPrefixes, encodeLabeledPrefixes } from './labeled.js';
import { decodePrefixes, encodePrefixes } from './prefix.js';
import { VPLS_NLRI_LENGTH, decodeVplsRoutes, encodeVplsRoutes } from './vpls.js';
import { decodeVpnPrefixes, encodeVpnPrefixes } from './vpn.js';

/** How a family's NLRI are laid out. */
export const NlriKind = { Unknown: 0, IPv4: 1, IPv6: 2, LabeledIPv4: 3, LabeledIPv6: 4, VpnIPv4: 5, VpnIPv6: 6, Evpn: 7, Vpls: 8 } as const;
export type NlriKind = (typeof NlriKind)[keyof typeof NlriKind];

export function nlriKind(afi: number, safi: number): NlriKind {
  if (afi === 1 || afi === 2) {
    const v6 = afi === 2;
    switch (safi) {
      case 1:
      case 2:
        return v6 ? NlriKind.IPv6 : NlriKind.IPv4;
      case 4:
        return v6 ? NlriKind.LabeledIPv6 : NlriKind.LabeledIPv4;
      case 128:
      case 129:
        return v6 ? NlriKind.VpnIPv6 : NlriKind.VpnIPv4;
      default:
        return NlriKind.Unknown;
    }
  }
  if (afi === 25 && safi === 70) return NlriKind.Evpn;
  if (afi === 25 && safi === 65) return NlriKind.Vpls;
  return NlriKind.Unknown;
}

/** Decodes a field of one kind into `out`; -1 when consumed exactly, else the failing offset. */
export function decodeNlriList(kind: NlriKind, b: Uint8Array, pos: number, end: number, addPath: boolean, out: Nlri[]): number {
  switch (kind) {
    case NlriKind.IPv4:
      return decodePrefixes(b, pos, end, addPath, false, out);
    case NlriKind.IPv6:
      return decodePrefixes(b, pos, end, addPath, true, out);
    case NlriKind.LabeledIPv4:
      return decodeLabeledPrefixes(b, pos, end, addPath, false, false, out);
    case NlriKind.LabeledIPv6:
      return decodeLabeledPrefixes(b, pos, end, addPath, true, false, out);
    case NlriKind.VpnIPv4:
      return decodeVpnPrefixes(b, pos, end, addPath, false, out);
    case NlriKind.VpnIPv6:
      return decodeVpnPrefixes(b, pos, end, addPath, true, out);
    case NlriKind.Evpn:
      return decodeEvpnRoutes(b, pos, end, addPath, out);
    case NlriKind.Vpls:
      return decodeVplsRoutes(b, pos, end, addPath, out);
    case NlriKind.Unknown:
      return pos;
  }
}

export interface NlriField {
  readonly nlri: Nlri[];
  /** The ADD-PATH mode was not the configured one. */
  readonly guessed: boolean;
  /** Set when the field ended inside its last NLRI: `nlri` holds the ones before it. */
  readonly truncated?: DecodeError;
}

/**
 * Whether the NLRI starting at `at` is merely cut short by the end of the field (its own length
 * octet is plausible), as opposed to being malformed.
 */
function cutShort(kind: NlriKind, b: Uint8Array, at: number, end: number, addPath: boolean): boolean {
  const p = at + (addPath ? 4 : 0);
  if (p >= end) return true;
  if (kind === NlriKind.Evpn) return p + 1 >= end || p + 2 + b[p + 1]! > end;
  if (kind === NlriKind.Vpls) return p + 1 >= end || (((b[p]! << 8) | b[p + 1]!) === VPLS_NLRI_LENGTH && p + 2 + VPLS_NLRI_LENGTH > end);
  const bits = b[p]!;
  if ((kind === NlriKind.IPv4 && bits > 32) || (kind === NlriKind.IPv6 && bits > 128)) return false;
  return p + 1 + ((bits + 7) >>> 3) > end;
}

/**
 * Decodes an NLRI field `b[start..end)` of a known family (check {@link nlriKind} first). Fails
 * with RW_ERR_NLRI when it parses in neither mode (or, without trial parsing, in the configured one).
 */
export function decodeNlriField(b: Uint8Array, start: number, end: number, afi: number, safi: number, cfg: SessionConfig): Result<NlriField> {
  const kind = nlriKind(afi, safi);
  const addPath = cfg.addPath.size > 0 && cfg.addPath.has(afiSafiKey(afi, safi));
  const out: Nlri[] = [];
  if (start === end) return ok({ nlri: out, guessed: false });
  const at = decodeNlriList(kind, b, start, end, addPath, out);
  if (at < 0) return ok({ nlri: out, guessed: false });
  if (cfg.trialParse !== false && kind !== NlriKind.Unknown) {
    const other: Nlri[] = [];
    if (decodeNlriList(kind, b, start, end, !addPath, other) < 0) return ok({ nlri: other, guessed: true });
  }
  // A field whose last NLRI is cut short (bgpdump's updates.nlri_mask_trailing_bits, AS7018 in
  // 2010: one /13, then a lone length octet) keeps the NLRI before it, flagged, as bgpdump does.
  // RFC 7606 §5.3 would reset the session; a collector keeps what it can read.
  if (out.length > 0 && cutShort(kind, b, at, end, addPath)) {
    const truncated: DecodeError = { code: ErrorCode.Short, message: `${afiSafiName(afi, safi)} NLRI field ends inside an NLRI; ${out.length} before it kept`, offset: at };
    return ok({ nlri: out, guessed: false, truncated });
  }
  return fail(ErrorCode.Nlri, `${afiSafiName(afi, safi)} NLRI do not parse ${addPath ? 'with' : 'without'} path identifiers${cfg.trialParse !== false ? ' nor the other way' : ''}`, at, 'session-reset');
}

/** Whether a field of Nlri needs path identifiers: configured for the family, or any Nlri has one. */
export function needsPathIds(nlri: readonly Nlri[], afi: number, safi: number, cfg: SessionConfig): boolean {
  if (cfg.addPath.has(afiSafiKey(afi, safi))) return true;
  for (const n of nlri) if (n.pathId !== null) return true;
  return false;
}

/** Encodes Nlri of a known family; throws RangeError for an unknown family or bad Nlri text. */
export function encodeNlriList(w: Writer, afi: number, safi: number, nlri: readonly Nlri[], cfg: SessionConfig): void {
  encodeNlriListMode(w, afi, safi, nlri, needsPathIds(nlri, afi, safi, cfg));
}

/** As {@link encodeNlriList} with the ADD-PATH mode given. */
export function encodeNlriListMode(w: Writer, afi: number, safi: number, nlri: readonly Nlri[], addPath: boolean): void {
  const kind = nlriKind(afi, safi);
  switch (kind) {
    case NlriKind.IPv4:
      return encodePrefixes(w, nlri, false, addPath);
    case NlriKind.IPv6:
      return encodePrefixes(w, nlri, true, addPath);
    case NlriKind.LabeledIPv4:
      return encodeLabeledPrefixes(w, nlri, false, false, addPath);
    case NlriKind.LabeledIPv6:
      return encodeLabeledPrefixes(w, nlri, true, false, addPath);
    case NlriKind.VpnIPv4:
      return encodeVpnPrefixes(w, nlri, false, addPath);
    case NlriKind.VpnIPv6:
      return encodeVpnPrefixes(w, nlri, true, addPath);
    case NlriKind.Evpn:
      return encodeEvpnRoutes(w, nlri, addPath);
    case NlriKind.Vpls:
      return encodeVplsRoutes(w, nlri, addPath);
    case NlriKind.Unknown:
      if (nlri.length > 0) throw new RangeError(`cannot encode NLRI of ${afiSafiName(afi, safi)}; give rawNlri`);
  }
}

export { decodePrefixes, encodePrefixes } from './prefix.js';
export { decodeLabeledPrefixes, encodeLabeledPrefixes, WITHDRAWAL_LABEL } from './labeled.js';
export { decodeVpnPrefixes, encodeVpnPrefixes } from './vpn.js';
export { decodeEvpnRoutes, encodeEvpnRoutes, decodeEvpnRoute, evpnKey, EvpnRouteType } from './evpn.js';
export { decodeVplsRoutes, encodeVplsRoutes, vplsKey, VPLS_NLRI_LENGTH } from './vpls.js';
export { formatRd, parseRd } from './rd.js';

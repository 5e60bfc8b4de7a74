/**
 * Multiprotocol Extensions, RFC 4760: MP_REACH_NLRI (type code 14, §3) and MP_UNREACH_NLRI (type
 * code 15, §4). MP_REACH: AFI (2), SAFI (1), next hop length (1), next hop, reserved (1), NLRI.
 * MP_UNREACH: AFI, SAFI, withdrawn routes.
 *
 * Next hops are read by their length, whatever the family: 4 (IPv4), 16 (IPv6, also for IPv4
 * NLRI per RFC 8950, and Juniper's bare VPNv4 next hop), 32 (IPv6 global + link-local, RFC 2545
 * §3), 12/24/48 (VPN: each address after an 8-octet RD, normally zero, RFC 4364 §4.3.2, RFC 4659
 * §3.2.1). `rawNextHop` keeps the bytes so encode reproduces them.
 */
import { Writer } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { DecodeError, Result } from '../errors.js';
import type { SessionConfig } from '../session.js';
import { formatIPv4, formatIPv6, parseIp } from '../address.js';
import { NlriKind, decodeNlriField, encodeNlriList, nlriKind } from './nlri/index.js';
import type { MpReach, MpUnreach } from './types.js';

/** Next hop addresses as text, by the next hop field's length; [] for a length that is none of the known ones. */
export function nextHopsText(nh: Uint8Array): string[] {
  switch (nh.length) {
    case 4:
      return [formatIPv4(nh, 0)];
    case 16:
      return [formatIPv6(nh, 0)];
    case 32:
      return [formatIPv6(nh, 0), formatIPv6(nh, 16)];
    case 12:
      return [formatIPv4(nh, 8)];
    case 24:
      return [formatIPv6(nh, 8)];
    case 48:
      return [formatIPv6(nh, 8), formatIPv6(nh, 32)];
    default:
      return [];
  }
}

/** Next hop bytes for text addresses; VPN families (SAFI 128/129) get a zero RD before each. */
export function encodeNextHops(safi: number, hops: readonly string[]): Uint8Array {
  const vpn = safi === 128 || safi === 129;
  const w = new Writer(48);
  for (const h of hops) {
    const b = parseIp(h);
    if (b === undefined) throw new RangeError(`next hop "${h}" is not an IP address`);
    if (vpn) w.u32(0).u32(0);
    w.bytes(b);
  }
  return w.finish();
}

export interface MpDecoded<T> {
  readonly value: T;
  readonly guessed: boolean;
  /** The NLRI field ended inside its last NLRI (see decodeNlriField). */
  readonly truncated?: DecodeError;
}

/** MP_REACH_NLRI value; `base` is the value's offset in the message, for error positions. */
export function decodeMpReach(v: Uint8Array, cfg: SessionConfig, base = 0): Result<MpDecoded<MpReach>> {
  if (v.length < 5) return fail(ErrorCode.Attribute, `MP_REACH_NLRI of ${v.length} bytes is too short`, base, 'session-reset');
  const afi = (v[0]! << 8) | v[1]!;
  const safi = v[2]!;
  const nhLen = v[3]!;
  if (5 + nhLen > v.length) return fail(ErrorCode.Attribute, `MP_REACH_NLRI next hop length ${nhLen} exceeds the attribute`, base + 3, 'session-reset');
  const rawNextHop = v.subarray(4, 4 + nhLen);
  const nextHops = nextHopsText(rawNextHop);
  const reserved = v[4 + nhLen]!;
  const start = 5 + nhLen;
  let mp: MpReach;
  let guessed = false;
  let truncated: DecodeError | undefined;
  if (nlriKind(afi, safi) === NlriKind.Unknown) {
    mp = { afi, safi, nextHops, nlri: [], rawNlri: v.subarray(start), rawNextHop };
  } else {
    const r = decodeNlriField(v, start, v.length, afi, safi, cfg);
    if (!r.ok) return fail(r.error.code, `MP_REACH_NLRI: ${r.error.message}`, base + (r.error.offset ?? start), 'session-reset');
    guessed = r.value.guessed;
    truncated = r.value.truncated;
    mp = { afi, safi, nextHops, nlri: r.value.nlri, rawNextHop };
  }
  if (reserved !== 0) mp = { ...mp, reserved };
  return ok(truncated === undefined ? { value: mp, guessed } : { value: mp, guessed, truncated });
}

/** MP_UNREACH_NLRI value. */
export function decodeMpUnreach(v: Uint8Array, cfg: SessionConfig, base = 0): Result<MpDecoded<MpUnreach>> {
  if (v.length < 3) return fail(ErrorCode.Attribute, `MP_UNREACH_NLRI of ${v.length} bytes is too short`, base, 'session-reset');
  const afi = (v[0]! << 8) | v[1]!;
  const safi = v[2]!;
  if (nlriKind(afi, safi) === NlriKind.Unknown) return ok({ value: { afi, safi, withdrawn: [], rawNlri: v.subarray(3) }, guessed: false });
  const r = decodeNlriField(v, 3, v.length, afi, safi, cfg);
  if (!r.ok) return fail(r.error.code, `MP_UNREACH_NLRI: ${r.error.message}`, base + (r.error.offset ?? 3), 'session-reset');
  const value: MpUnreach = { afi, safi, withdrawn: r.value.nlri };
  return ok(r.value.truncated === undefined ? { value, guessed: r.value.guessed } : { value, guessed: r.value.guessed, truncated: r.value.truncated });
}

export function encodeMpReach(w: Writer, mp: MpReach, cfg: SessionConfig): void {
  w.u16(mp.afi).u8(mp.safi);
  const nh = mp.rawNextHop ?? encodeNextHops(mp.safi, mp.nextHops);
  if (nh.length > 255) throw new RangeError(`next hop of ${nh.length} bytes exceeds 255`);
  w.u8(nh.length).bytes(nh).u8(mp.reserved ?? 0);
  if (mp.rawNlri !== undefined && mp.nlri.length === 0) w.bytes(mp.rawNlri);
  else encodeNlriList(w, mp.afi, mp.safi, mp.nlri, cfg);
}

export function encodeMpUnreach(w: Writer, mp: MpUnreach, cfg: SessionConfig): void {
  w.u16(mp.afi).u8(mp.safi);
  if (mp.rawNlri !== undefined && mp.withdrawn.length === 0) w.bytes(mp.rawNlri);
  else encodeNlriList(w, mp.afi, mp.safi, mp.withdrawn, cfg);
}

/**
 * The BMP common header (RFC 7854 §4.1) and per-peer header (RFC 7854 §4.2, RFC 8671 §4,
 * RFC 9069 §4.1).
 *
 *  0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    Version    |               Message Length                  |
 *  |               |    Msg. Type  |
 *
 *  Peer Type (1) | Peer Flags (1) | Peer Distinguisher (8) | Peer Address (16) |
 *  Peer AS (4) | Peer BGP ID (4) | Timestamp seconds (4) | Timestamp microseconds (4)
 */
import type { Cursor, Writer } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import { BmpMessageType, PeerFlag, PeerType } from './types.js';
import type { PerPeerHeader, RibView } from './types.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../address.js';
import { allZero, hex } from '../bytes.js';

export const BMP_VERSION = 3;
/** draft-ietf-grow-bmp-tlv ("BMP v4"). */
export const BMP_VERSION_4 = 4;
export const COMMON_HEADER_LENGTH = 6;
export const PER_PEER_HEADER_LENGTH = 42;
/** BGP header: marker (16), length (2), type (1). */
export const BGP_HEADER_LENGTH = 19;
export const BGP_OPEN_MIN_LENGTH = 29;
/** Default cap on one BMP message (the framer's maxMessageLength). */
export const DEFAULT_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

export interface CommonHeader {
  readonly version: number;
  readonly length: number;
  readonly type: number;
}

/**
 * The smallest Message Length a well-formed message of this version and type can have; used by
 * the framer and findBmpHeader to tell a real header from noise. Unknown types: the common header.
 */
export function minMessageLength(version: number, type: number): number {
  const perPeer = COMMON_HEADER_LENGTH + PER_PEER_HEADER_LENGTH;
  switch (type) {
    case BmpMessageType.RouteMonitoring:
      // v3: the BGP PDU follows the per-peer header; v4 carries it in a TLV after it.
      return version === 3 ? perPeer + BGP_HEADER_LENGTH : perPeer;
    case BmpMessageType.StatisticsReport:
      return version === 3 ? perPeer + 4 : perPeer;
    case BmpMessageType.PeerDown:
      return perPeer + 1;
    case BmpMessageType.PeerUp:
      return version === 3 ? perPeer + 20 + 2 * BGP_OPEN_MIN_LENGTH : perPeer;
    case BmpMessageType.RouteMirroring:
      return perPeer;
    default:
      // Initiation and Termination (no per-peer header), and unknown types.
      return COMMON_HEADER_LENGTH;
  }
}

/** Reads the 6-byte common header at `at`; undefined when fewer than 6 bytes are there. */
export function readCommonHeader(buf: Uint8Array, at = 0): CommonHeader | undefined {
  if (at < 0 || buf.length - at < COMMON_HEADER_LENGTH) return undefined;
  const length = ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
  return { version: buf[at]!, length, type: buf[at + 5]! };
}

export function writeCommonHeader(w: Writer, type: number, version: number = BMP_VERSION): number {
  const start = w.pos;
  w.u8(version).u32(0).u8(type);
  return start;
}

/** Back-patches the Message Length of a message started at `start`. */
export function finishMessage(w: Writer, start: number): void {
  w.patch32(start + 1, w.pos - start);
}

/**
 * Peer Distinguisher as text. Route distinguisher formats (RFC 4364 §4.2): type 0 "asn2:num",
 * type 1 "ipv4:num", type 2 "asn4:num"; all zero is "0:0"; any other type is "0x" + 16 hex digits.
 */
export function distinguisherText(raw: Uint8Array): string {
  if (raw.length !== 8) return `0x${hex(raw)}`;
  const rdType = (raw[0]! << 8) | raw[1]!;
  const u16 = (i: number): number => (raw[i]! << 8) | raw[i + 1]!;
  const u32 = (i: number): number => ((raw[i]! << 24) >>> 0) + ((raw[i + 1]! << 16) | (raw[i + 2]! << 8) | raw[i + 3]!);
  switch (rdType) {
    case 0:
      return `${u16(2)}:${u32(4)}`;
    case 1:
      return `${formatIPv4(raw, 2)}:${u16(6)}`;
    case 2:
      return `${u32(2)}:${u16(6)}`;
    default:
      return `0x${hex(raw)}`;
  }
}

/** The 8 distinguisher bytes from text made by {@link distinguisherText} (type 0 unless the ASN needs 4 bytes). */
export function distinguisherBytes(text: string): Uint8Array {
  const out = new Uint8Array(8);
  if (/^0x[0-9a-fA-F]{16}$/.test(text)) {
    for (let i = 0; i < 8; i++) out[i] = parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
    return out;
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return out;
  const admin = text.slice(0, colon);
  const num = Number(text.slice(colon + 1));
  if (!Number.isInteger(num) || num < 0) return out;
  const v4 = parseIPv4(admin);
  const dv = new DataView(out.buffer);
  if (v4) {
    dv.setUint16(0, 1);
    out.set(v4, 2);
    dv.setUint16(6, num & 0xffff);
    return out;
  }
  const a = Number(admin);
  if (!Number.isInteger(a) || a < 0) return out;
  if (a > 0xffff) {
    dv.setUint16(0, 2);
    dv.setUint32(2, a >>> 0);
    dv.setUint16(6, num & 0xffff);
  } else {
    dv.setUint16(2, a);
    dv.setUint32(4, num >>> 0);
  }
  return out;
}

/**
 * Peer Address text: IPv6 when V is set (peer types 0-2); IPv4 from the low 4 bytes otherwise.
 * Loc-RIB (type 3) has no V flag (0x80 is F): the address is normally zero ("0.0.0.0"); a
 * non-zero value is IPv4 when the high 12 bytes are zero, else IPv6.
 */
export function peerAddressText(raw: Uint8Array, at: number, peerType: number, flags: number): string {
  if (peerType === PeerType.LocRib) return allZero(raw, at, at + 12) ? formatIPv4(raw, at + 12) : formatIPv6(raw, at);
  return (flags & PeerFlag.V) !== 0 ? formatIPv6(raw, at) : formatIPv4(raw, at + 12);
}

/**
 * The identifying bytes (type, flags, distinguisher, address, AS, BGP ID: the first 34) of the
 * last per-peer header decoded, with its text fields. Routers send long runs of messages for one
 * peer (FRR: one prefix per message), so the text is usually reused rather than formatted again;
 * reused strings also make the identity checks downstream (BmpRouterState) cheap.
 */
const IDENTITY_LENGTH = 34;
const lastIdentity = new Uint8Array(IDENTITY_LENGTH);
let lastText: { distinguisher: string; address: string; bgpId: string } | undefined;

function sameIdentity(b: Uint8Array, start: number): boolean {
  for (let i = 0; i < IDENTITY_LENGTH; i++) if (b[start + i] !== lastIdentity[i]) return false;
  return true;
}

/** Decodes the 42-byte per-peer header at the cursor. */
export function decodePerPeerHeader(c: Cursor): Result<PerPeerHeader> {
  const start = c.pos;
  if (!c.has(PER_PEER_HEADER_LENGTH)) return fail(ErrorCode.Short, 'per-peer header: fewer than 42 bytes', start);
  const b = c.buf;
  const peerType = b[start]!;
  const flags = b[start + 1]!;
  const distinguisherRaw = b.subarray(start + 2, start + 10);
  const addressRaw = b.subarray(start + 10, start + 26);
  if (lastText === undefined || !sameIdentity(b, start)) {
    lastIdentity.set(b.subarray(start, start + IDENTITY_LENGTH));
    lastText = {
      distinguisher: distinguisherText(distinguisherRaw),
      address: peerAddressText(b, start + 10, peerType, flags),
      bgpId: formatIPv4(b, start + 30),
    };
  }
  const text = lastText;
  c.pos = start + 26;
  const asn = c.u32();
  const bgpId = text.bgpId;
  c.pos += 4;
  const timestampSec = c.u32();
  const timestampUsec = c.u32();
  return ok({
    peerType,
    flags,
    distinguisher: text.distinguisher,
    distinguisherRaw,
    address: text.address,
    addressRaw,
    asn,
    bgpId,
    timestampSec,
    timestampUsec,
  });
}

/**
 * The 16-byte BMP address field from text: IPv6 as is, IPv4 as 12 zero bytes + the address
 * (RFC 7854 §4.2). Unparseable text gives all zeros.
 */
export function addressField(text: string): Uint8Array {
  if (text.includes(':')) return parseIPv6(text) ?? new Uint8Array(16);
  const out = new Uint8Array(16);
  const v4 = parseIPv4(text);
  if (v4) out.set(v4, 12);
  return out;
}

/** The 16-byte address field for `text`, reusing `raw` when it still reads as `text`. */
export function addressBytes(text: string, raw: Uint8Array | undefined, peerType: number, flags: number): Uint8Array {
  if (raw && raw.length === 16 && peerAddressText(raw, 0, peerType, flags) === text) return raw;
  return addressField(text);
}

export function encodePerPeerHeader(w: Writer, p: PerPeerHeader): void {
  w.u8(p.peerType).u8(p.flags);
  const rd = p.distinguisherRaw.length === 8 ? p.distinguisherRaw : distinguisherBytes(p.distinguisher);
  w.bytes(rd);
  w.bytes(addressBytes(p.address, p.addressRaw, p.peerType, p.flags));
  w.u32(p.asn >>> 0);
  w.bytes(parseIPv4(p.bgpId) ?? new Uint8Array(4));
  w.u32(p.timestampSec >>> 0).u32(p.timestampUsec >>> 0);
}

/** Which RIB a peer header's routes belong to (peer type 3 -> loc-rib; O flag -> adj-out; L flag -> post). */
export function ribView(peer: PerPeerHeader): RibView {
  if (peer.peerType === PeerType.LocRib) return 'loc-rib';
  const post = (peer.flags & PeerFlag.L) !== 0;
  if ((peer.flags & PeerFlag.O) !== 0) return post ? 'adj-out-post' : 'adj-out-pre';
  return post ? 'adj-in-post' : 'adj-in-pre';
}

/**
 * The key that identifies a monitored peer within one router: peer type, distinguisher (with its
 * type field, so "1:2" as type 0 and type 2 differ) and address. The flags (V, L, A, O) do not
 * make a new peer: pre/post policy and Adj-RIB-In/Out are views of the same session.
 */
export function peerKey(peer: PerPeerHeader): string {
  const rd = peer.distinguisherRaw;
  const rdType = rd.length === 8 ? (rd[0]! << 8) | rd[1]! : -1;
  return `${peer.peerType}|${rdType}|${peer.distinguisher}|${peer.address}`;
}

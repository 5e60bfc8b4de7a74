/**
 * IP prefixes as NLRI: RFC 4271 §4.3 (IPv4 unicast, the UPDATE's own NLRI and Withdrawn Routes
 * fields) and RFC 4760 §5 / RFC 2545 (IPv4/IPv6 unicast and multicast in MP_REACH/MP_UNREACH):
 * a length in bits, then the fewest octets that hold it. With ADD-PATH (RFC 7911 §3) each prefix
 * is preceded by a 4-octet path identifier.
 *
 * Bits past the prefix length are cleared: routers differ on them (a real capture carries
 * 11.13.0.0/13, which is 11.8.0.0/13).
 *
 * These loops are the decoder's hot path: they read the Uint8Array directly (bounds checked by
 * hand) and allocate only the Nlri object and its text.
 */
import type { Writer } from '../../cursor.js';
import { DEC, DEC_DOT, SLASH, formatIPv6, parseIPv4Into, parseIPv6Into } from '../address.js';
import type { Nlri } from '../types.js';

/** Text of an IPv4 prefix of `len` bits whose ceil(len/8) octets start at `pos` (bounds checked by the caller). */
export function ipv4PrefixText(b: Uint8Array, pos: number, len: number): string {
  const n = (len + 7) >>> 3;
  let v = 0;
  if (n > 0) {
    v = b[pos]! << 24;
    if (n > 1) {
      v |= b[pos + 1]! << 16;
      if (n > 2) {
        v |= b[pos + 2]! << 8;
        if (n > 3) v |= b[pos + 3]!;
      }
    }
    if (len < 32) v &= ~(0xffffffff >>> len);
  }
  return DEC_DOT[v >>> 24]! + DEC_DOT[(v >>> 16) & 255]! + DEC_DOT[(v >>> 8) & 255]! + DEC[v & 255]! + SLASH[len]!;
}

const scratch6 = new Uint8Array(16);

/** Text of an IPv6 prefix of `len` bits whose ceil(len/8) octets start at `pos` (bounds checked by the caller). */
export function ipv6PrefixText(b: Uint8Array, pos: number, len: number): string {
  const n = (len + 7) >>> 3;
  for (let i = 0; i < 16; i++) scratch6[i] = i < n ? b[pos + i]! : 0;
  const r = len & 7;
  if (r !== 0) scratch6[n - 1] = scratch6[n - 1]! & (0xff << (8 - r));
  return formatIPv6(scratch6, 0) + SLASH[len]!;
}

/**
 * Decodes IPv4 prefixes from `b[pos..end)` into `out`. Returns -1 when the field is consumed
 * exactly, else the offset where it went wrong (short, or a length above 32).
 */
export function decodeIPv4Prefixes(b: Uint8Array, pos: number, end: number, addPath: boolean, out: Nlri[]): number {
  while (pos < end) {
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 5) return pos;
      pathId = b[pos]! * 0x1000000 + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += 4;
    }
    const len = b[pos]!;
    if (len > 32) return pos;
    const n = (len + 7) >>> 3;
    if (end - pos - 1 < n) return pos;
    out.push({ prefix: ipv4PrefixText(b, pos + 1, len), pathId });
    pos += 1 + n;
  }
  return -1;
}

/** As {@link decodeIPv4Prefixes} for IPv6 (lengths up to 128). */
export function decodeIPv6Prefixes(b: Uint8Array, pos: number, end: number, addPath: boolean, out: Nlri[]): number {
  while (pos < end) {
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 5) return pos;
      pathId = b[pos]! * 0x1000000 + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += 4;
    }
    const len = b[pos]!;
    if (len > 128) return pos;
    const n = (len + 7) >>> 3;
    if (end - pos - 1 < n) return pos;
    out.push({ prefix: ipv6PrefixText(b, pos + 1, len), pathId });
    pos += 1 + n;
  }
  return -1;
}

/** A prefix text parsed for encoding: the address bytes (4 or 16) and the length. */
export interface ParsedPrefix {
  readonly bytes: Uint8Array;
  readonly len: number;
}

/** Parses "a.b.c.d/len" or "x::/len" (a bare address gets the full length); undefined when invalid. */
export function parsePrefix(text: string): ParsedPrefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v6 = addr.includes(':');
  const bytes = new Uint8Array(v6 ? 16 : 4);
  if (!(v6 ? parseIPv6Into(addr, bytes) : parseIPv4Into(addr, bytes))) return undefined;
  const max = v6 ? 128 : 32;
  let len = max;
  if (slash >= 0) {
    const t = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(t)) return undefined;
    len = Number(t);
    if (len > max) return undefined;
  }
  return { bytes, len };
}

/** Parses a prefix of the wanted family; throws RangeError (encoder input error) when it is not one. */
export function requirePrefix(text: string, v6: boolean): ParsedPrefix {
  const p = parsePrefix(text);
  if (p === undefined || (p.bytes.length === 16) !== v6) throw new RangeError(`"${text}" is not an ${v6 ? 'IPv6' : 'IPv4'} prefix`);
  return p;
}

/** Writes the prefix octets (not the length octet), host bits cleared. */
export function writePrefixBits(w: Writer, p: ParsedPrefix): void {
  const n = (p.len + 7) >>> 3;
  for (let i = 0; i < n; i++) {
    let x = p.bytes[i]!;
    if (i === n - 1 && (p.len & 7) !== 0) x &= 0xff << (8 - (p.len & 7));
    w.u8(x);
  }
}

/** Writes the path identifier when `addPath` (0 when the Nlri has none). */
export function writePathId(w: Writer, n: Nlri, addPath: boolean): void {
  if (addPath) w.u32(n.pathId ?? 0);
}

/** Encodes IP prefixes (RFC 4271 §4.3 / RFC 4760 §5). */
export function encodePrefixes(w: Writer, nlri: readonly Nlri[], v6: boolean, addPath: boolean): void {
  for (const n of nlri) {
    const p = requirePrefix(n.prefix, v6);
    writePathId(w, n, addPath);
    w.u8(p.len);
    writePrefixBits(w, p);
  }
}

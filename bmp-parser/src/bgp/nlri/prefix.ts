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
import { ipv4PrefixText, ipv6PrefixText, parsePrefix } from '../../address.js';
import type { IpPrefix } from '../../address.js';
import type { Nlri } from '../types.js';

/**
 * Decodes IPv4 or IPv6 prefixes from `b[pos..end)` into `out`. Returns -1 when the field is
 * consumed exactly, else the offset where it went wrong (short, or a length above 32 or 128).
 */
export function decodePrefixes(b: Uint8Array, pos: number, end: number, addPath: boolean, v6: boolean, out: Nlri[]): number {
  const maxBits = v6 ? 128 : 32;
  while (pos < end) {
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 5) return pos;
      pathId = b[pos]! * 0x1000000 + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += 4;
    }
    const len = b[pos]!;
    if (len > maxBits) return pos;
    const n = (len + 7) >>> 3;
    if (end - pos - 1 < n) return pos;
    out.push({ prefix: v6 ? ipv6PrefixText(b, pos + 1, len) : ipv4PrefixText(b, pos + 1, len), pathId });
    pos += 1 + n;
  }
  return -1;
}

/** Parses a prefix of the wanted family; throws RangeError (encoder input error) when it is not one. */
export function requirePrefix(text: string, v6: boolean): IpPrefix {
  // Host bits are kept as written: writePrefixBits clears them, EVPN type 5 writes the address whole.
  const p = parsePrefix(text, true);
  if (p === undefined || (p.family === 6) !== v6) throw new RangeError(`"${text}" is not an ${v6 ? 'IPv6' : 'IPv4'} prefix`);
  return p;
}

/** Writes the prefix octets (not the length octet), host bits cleared. */
export function writePrefixBits(w: Writer, p: IpPrefix): void {
  const n = (p.length + 7) >>> 3;
  for (let i = 0; i < n; i++) {
    let x = p.bytes[i]!;
    if (i === n - 1 && (p.length & 7) !== 0) x &= 0xff << (8 - (p.length & 7));
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
    w.u8(p.length);
    writePrefixBits(w, p);
  }
}

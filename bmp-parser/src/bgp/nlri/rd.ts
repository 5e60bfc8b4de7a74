/**
 * Route Distinguisher, RFC 4364 §4.2: a 2-octet type and a 6-octet value.
 *   type 0: 2-octet ASN : 4-octet number   -> "65000:100"
 *   type 1: IPv4 address : 2-octet number  -> "192.0.2.1:5"
 *   type 2: 4-octet ASN : 2-octet number   -> "4200000000:7", or "65000L:7" when the ASN would
 *           fit in 2 octets (so the text alone says which type it was)
 *   other types keep all 8 octets as "0x" + 16 hex digits.
 */
import type { Writer } from '../../cursor.js';
import { formatIPv4, parseIPv4Into } from '../../address.js';
import { hex, parseHex } from '../../bytes.js';

/** RD text of the 8 octets at `pos` (bounds checked by the caller). */
export function formatRd(b: Uint8Array, pos: number): string {
  const type = (b[pos]! << 8) | b[pos + 1]!;
  switch (type) {
    case 0:
      return `${(b[pos + 2]! << 8) | b[pos + 3]!}:${b[pos + 4]! * 0x1000000 + ((b[pos + 5]! << 16) | (b[pos + 6]! << 8) | b[pos + 7]!)}`;
    case 1:
      return `${formatIPv4(b, pos + 2)}:${(b[pos + 6]! << 8) | b[pos + 7]!}`;
    case 2: {
      const asn = b[pos + 2]! * 0x1000000 + ((b[pos + 3]! << 16) | (b[pos + 4]! << 8) | b[pos + 5]!);
      return `${asn}${asn <= 0xffff ? 'L' : ''}:${(b[pos + 6]! << 8) | b[pos + 7]!}`;
    }
    default:
      return '0x' + hex(b.subarray(pos, pos + 8));
  }
}

/** The 8 octets of an RD text as produced by {@link formatRd}; undefined when it is not one. */
export function parseRd(text: string): Uint8Array | undefined {
  if (text.startsWith('0x')) {
    const raw = parseHex(text.slice(2));
    return raw !== undefined && raw.length === 8 ? raw : undefined;
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const admin = text.slice(0, colon);
  const numText = text.slice(colon + 1);
  if (!/^\d+$/.test(numText)) return undefined;
  const num = Number(numText);
  const out = new Uint8Array(8);
  if (admin.includes('.')) {
    if (num > 0xffff || !parseIPv4Into(admin, out, 2)) return undefined;
    out[1] = 1;
    out[6] = num >>> 8;
    out[7] = num & 255;
    return out;
  }
  const long = admin.endsWith('L');
  const asText = long ? admin.slice(0, -1) : admin;
  if (!/^\d+$/.test(asText)) return undefined;
  const asn = Number(asText);
  if (asn > 0xffffffff) return undefined;
  if (!long && asn <= 0xffff) {
    if (num > 0xffffffff) return undefined;
    out[2] = asn >>> 8;
    out[3] = asn & 255;
    out[4] = num >>> 24;
    out[5] = (num >>> 16) & 255;
    out[6] = (num >>> 8) & 255;
    out[7] = num & 255;
    return out;
  }
  if (num > 0xffff) return undefined;
  out[1] = 2;
  out[2] = asn >>> 24;
  out[3] = (asn >>> 16) & 255;
  out[4] = (asn >>> 8) & 255;
  out[5] = asn & 255;
  out[6] = num >>> 8;
  out[7] = num & 255;
  return out;
}

/** Writes an RD; throws RangeError (encoder input error) when the text is not one. */
export function writeRd(w: Writer, text: string): void {
  const rd = parseRd(text);
  if (rd === undefined) throw new RangeError(`"${text}" is not a route distinguisher`);
  w.bytes(rd);
}

/**
 * AS_PATH (RFC 4271 §4.3 type code 2, §5.1.2) and AS4_PATH (RFC 6793 §3, type code 17): segments
 * of type (1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET per RFC 5065), count,
 * then `count` ASNs of 2 octets (old speakers) or 4 octets (RFC 6793 sessions; AS4_PATH always).
 */
import type { Writer } from '../cursor.js';
import type { AsPathSegment } from './types.js';

/**
 * Segments of a path attribute value `v[start..end)`, or undefined when the value does not parse
 * exactly (the range avoids a subarray view per attribute on the hot path).
 */
export function decodeAsPath(v: Uint8Array, asnSize: 2 | 4, start = 0, end = v.length): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  let p = start;
  const n = end;
  while (p < n) {
    if (n - p < 2) return undefined;
    const type = v[p]!;
    const count = v[p + 1]!;
    p += 2;
    if (type < 1 || type > 4 || count === 0) return undefined;
    if (n - p < count * asnSize) return undefined;
    const asns = new Array<number>(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, p += 4) asns[i] = v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!);
    } else {
      for (let i = 0; i < count; i++, p += 2) asns[i] = (v[p]! << 8) | v[p + 1]!;
    }
    segments.push({ type, asns });
  }
  return segments;
}

/** Writes segments (segments longer than 255 ASNs are split, RFC 4271 §9.2.2.1 style). Throws RangeError for an ASN that does not fit. */
export function encodeAsPath(w: Writer, segments: readonly AsPathSegment[], asnSize: 2 | 4): void {
  for (const s of segments) {
    for (let start = 0; start < s.asns.length || start === 0; start += 255) {
      const part = s.asns.slice(start, start + 255);
      if (part.length === 0) break;
      w.u8(s.type).u8(part.length);
      for (const a of part) {
        if (asnSize === 2) {
          if (a > 0xffff) throw new RangeError(`ASN ${a} does not fit a 2-octet AS_PATH (use AS_TRANS and AS4_PATH)`);
          w.u16(a);
        } else {
          w.u32(a);
        }
      }
    }
  }
}

/** RFC 4271 §9.1.2.2 path length: an AS_SET counts 1, confederation segments 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 2) n += s.asns.length;
    else if (s.type === 1) n += 1;
  }
  return n;
}

/** "65001 65002 {65003,65004} (65010 65011) [65020]": sets in braces, confed sequences in parentheses, confed sets in brackets. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  const parts: string[] = [];
  for (const s of segments) {
    switch (s.type) {
      case 1:
        parts.push(`{${s.asns.join(',')}}`);
        break;
      case 3:
        parts.push(`(${s.asns.join(' ')})`);
        break;
      case 4:
        parts.push(`[${s.asns.join(',')}]`);
        break;
      default:
        parts.push(s.asns.join(' '));
    }
  }
  return parts.join(' ');
}

/**
 * VPLS NLRI, RFC 4761 §3.2.2 (AFI 25 L2VPN, SAFI 65 VPLS): with ADD-PATH a path identifier
 * first, then
 *
 *   Length (2 octets, in octets: 17) | Route Distinguisher (8) | VE ID (2) | VE Block Offset (2) |
 *   VE Block Size (2) | Label Base (3: 20-bit label, 3 bits, bottom-of-stack bit)
 *
 * `Nlri.prefix` is the route's key "[RD]:[VE ID]:[VE Block Offset]" (a PE advertises one label
 * block per offset); `rd` and `labels` ([Label Base]) are filled as for VPN routes, and `vpls`
 * holds the four numbers. A Label Base field that is not "label << 4 | 1" keeps its 3 octets in
 * `rawLabels` so encode reproduces it. A length other than 17 does not parse (the field is then
 * kept raw by the caller).
 */
import type { Writer } from '../../cursor.js';
import type { Nlri } from '../types.js';
import { writePathId } from './prefix.js';
import { formatRd, writeRd } from './rd.js';

/** The NLRI length RFC 4761 §3.2.2 gives: RD 8 + VE ID 2 + offset 2 + size 2 + label base 3. */
export const VPLS_NLRI_LENGTH = 17;

/** The route key used as `Nlri.prefix`. */
export function vplsKey(rd: string, veId: number, veBlockOffset: number): string {
  return `[${rd}]:[${veId}]:[${veBlockOffset}]`;
}

/** Returns -1 when the field is consumed exactly, else the offset where it went wrong. */
export function decodeVplsRoutes(b: Uint8Array, pos: number, end: number, addPath: boolean, out: Nlri[]): number {
  while (pos < end) {
    const start = pos;
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 4) return start;
      pathId = b[pos]! * 0x1000000 + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += 4;
    }
    if (end - pos < 2 + VPLS_NLRI_LENGTH) return start;
    if (((b[pos]! << 8) | b[pos + 1]!) !== VPLS_NLRI_LENGTH) return start;
    pos += 2;
    const rd = formatRd(b, pos);
    const veId = (b[pos + 8]! << 8) | b[pos + 9]!;
    const veBlockOffset = (b[pos + 10]! << 8) | b[pos + 11]!;
    const veBlockSize = (b[pos + 12]! << 8) | b[pos + 13]!;
    const field = (b[pos + 14]! << 16) | (b[pos + 15]! << 8) | b[pos + 16]!;
    pos += VPLS_NLRI_LENGTH;
    const labelBase = field >>> 4;
    const vpls = { veId, veBlockOffset, veBlockSize, labelBase };
    const n: Nlri = { prefix: vplsKey(rd, veId, veBlockOffset), pathId, rd, labels: [labelBase], vpls };
    out.push(field === ((labelBase << 4) | 1) ? n : { ...n, rawLabels: [field] });
  }
  return -1;
}

export function encodeVplsRoutes(w: Writer, nlri: readonly Nlri[], addPath: boolean): void {
  for (const n of nlri) {
    const v = n.vpls;
    if (v === undefined) throw new RangeError(`VPLS NLRI ${n.prefix} has no vpls fields`);
    if (n.rd === undefined) throw new RangeError(`VPLS NLRI ${n.prefix} has no route distinguisher`);
    writePathId(w, n, addPath);
    w.u16(VPLS_NLRI_LENGTH);
    writeRd(w, n.rd);
    w.u16(v.veId & 0xffff).u16(v.veBlockOffset & 0xffff).u16(v.veBlockSize & 0xffff);
    const field = n.rawLabels?.[0] ?? (((v.labelBase & 0xfffff) << 4) | 1);
    w.u8((field >>> 16) & 255).u8((field >>> 8) & 255).u8(field & 255);
  }
}

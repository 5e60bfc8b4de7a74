/**
 * Labeled unicast NLRI, RFC 8277 §2: [path id] length, one or more 3-octet label fields (label 20
 * bits, TC 3 bits, bottom-of-stack 1 bit), prefix. The length counts the label bits too. In a
 * withdrawal the label field is 0x800000 (RFC 8277 §2.4), or 0x000000 from older speakers (RFC
 * 3107); either ends the stack. VPN NLRI (vpn.ts) share this layout with an RD before the prefix.
 */
import type { Writer } from '../../cursor.js';
import type { Nlri } from '../types.js';
import { ipv4PrefixText, ipv6PrefixText } from '../../address.js';
import { requirePrefix, writePathId, writePrefixBits } from './prefix.js';
import { formatRd, writeRd } from './rd.js';

/** RFC 8277 §2.4 withdrawal label field. */
export const WITHDRAWAL_LABEL = 0x800000;
/** Labels per NLRI at most; a stack this deep means the framing is wrong. */
const MAX_LABELS = 16;

/**
 * Decodes labeled (and, with `withRd`, VPN) prefixes. Returns -1 when the field is consumed
 * exactly, else the offset where it went wrong.
 */
export function decodeLabeledPrefixes(b: Uint8Array, pos: number, end: number, addPath: boolean, v6: boolean, withRd: boolean, out: Nlri[]): number {
  const maxBits = v6 ? 128 : 32;
  while (pos < end) {
    const start = pos;
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 5) return start;
      pathId = b[pos]! * 0x1000000 + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += 4;
    }
    let bits = b[pos++]!;
    const total = (bits + 7) >>> 3;
    if (end - pos < total) return start;
    const labels: number[] = [];
    let raw: number[] | undefined;
    for (;;) {
      if (bits < 24 || labels.length >= MAX_LABELS) return start;
      const v = (b[pos]! << 16) | (b[pos + 1]! << 8) | b[pos + 2]!;
      pos += 3;
      bits -= 24;
      labels.push(v >>> 4);
      const stop = (v & 1) === 1 || v === WITHDRAWAL_LABEL || v === 0;
      const canonical = stop ? v === ((v >>> 4) << 4 | 1) || v === WITHDRAWAL_LABEL : v === (v >>> 4) << 4;
      if (!canonical && raw === undefined) {
        raw = [];
        for (let i = 0; i < labels.length - 1; i++) raw.push(labels[i]! << 4);
      }
      if (raw !== undefined) raw.push(v);
      if (stop) break;
    }
    let rd: string | undefined;
    if (withRd) {
      if (bits < 64) return start;
      rd = formatRd(b, pos);
      pos += 8;
      bits -= 64;
    }
    if (bits > maxBits) return start;
    const prefix = v6 ? ipv6PrefixText(b, pos, bits) : ipv4PrefixText(b, pos, bits);
    pos += (bits + 7) >>> 3;
    if (rd === undefined) out.push(raw === undefined ? { prefix, pathId, labels } : { prefix, pathId, labels, rawLabels: raw });
    else out.push(raw === undefined ? { prefix, pathId, labels, rd } : { prefix, pathId, labels, rd, rawLabels: raw });
  }
  return -1;
}

/** Encodes labeled (and, with `withRd`, VPN) prefixes. Without labels, the withdrawal label is written. */
export function encodeLabeledPrefixes(w: Writer, nlri: readonly Nlri[], v6: boolean, withRd: boolean, addPath: boolean): void {
  for (const n of nlri) {
    const p = requirePrefix(n.prefix, v6);
    writePathId(w, n, addPath);
    const fields = labelFields(n);
    const bits = fields.length * 24 + (withRd ? 64 : 0) + p.length;
    if (bits > 255) throw new RangeError(`NLRI ${n.prefix} is ${bits} bits long, over 255`);
    w.u8(bits);
    for (const f of fields) w.u8(f >>> 16).u8((f >>> 8) & 255).u8(f & 255);
    if (withRd) {
      if (n.rd === undefined) throw new RangeError(`VPN NLRI ${n.prefix} has no route distinguisher`);
      writeRd(w, n.rd);
    }
    writePrefixBits(w, p);
  }
}

/** The 3-octet label fields to write for an Nlri. */
function labelFields(n: Nlri): number[] {
  if (n.rawLabels !== undefined && n.rawLabels.length > 0) return [...n.rawLabels];
  const labels = n.labels ?? [];
  if (labels.length === 0) return [WITHDRAWAL_LABEL];
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const v = (labels[i]! & 0xfffff) << 4;
    out.push(i === labels.length - 1 ? (v === WITHDRAWAL_LABEL ? v : v | 1) : v);
  }
  return out;
}

/**
 * Mutations of BMP messages for the fuzzers: bit flips, boundary bytes, truncations, absurd values
 * in the length fields (found by walking the message: BMP common header, TLVs, stats counters,
 * BGP header, OPEN parameters and capabilities, UPDATE lengths, attribute lengths, AS_PATH segment
 * counts, MP_REACH next-hop length, NLRI prefix lengths, EVPN route lengths), insertions,
 * deletions, splices, and random bytes.
 *
 * The field walker trusts nothing: it stops where a length runs past its container.
 */
import type { Prng } from './prng.js';

export interface LengthField {
  /** Byte offset in the message. */
  readonly at: number;
  /** Field width in bytes. */
  readonly size: 1 | 2 | 4;
  readonly kind: string;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

/** Type(2) Length(2) Value TLVs in b[pos..end). */
function tlvFields(b: Uint8Array, pos: number, end: number, out: LengthField[], kind: string, onValue?: (type: number, at: number, len: number) => void): void {
  while (pos + 4 <= end) {
    const type = u16(b, pos);
    const len = u16(b, pos + 2);
    out.push({ at: pos + 2, size: 2, kind });
    if (pos + 4 + len > end) return;
    onValue?.(type, pos + 4, len);
    pos += 4 + len;
  }
}

/** Whether an NLRI list of prefixes (length in bits, then the bytes) consumes [pos, end) exactly. */
function walksExactly(b: Uint8Array, pos: number, end: number, addPath: boolean): boolean {
  while (pos < end) {
    if (addPath) pos += 4;
    if (pos >= end) return false;
    pos += 1 + ((b[pos]! + 7) >>> 3);
  }
  return pos === end;
}

function nlriFields(b: Uint8Array, pos: number, end: number, afi: number, safi: number, out: LengthField[]): void {
  if (afi === 25) {
    const addPath = !evpnWalks(b, pos, end, false) && evpnWalks(b, pos, end, true);
    while (pos + 2 <= end) {
      if (addPath) pos += 4;
      if (pos + 2 > end) return;
      out.push({ at: pos + 1, size: 1, kind: 'evpn-route-length' });
      pos += 2 + b[pos + 1]!;
    }
    return;
  }
  const addPath = !walksExactly(b, pos, end, false) && walksExactly(b, pos, end, true);
  while (pos < end) {
    if (addPath) pos += 4;
    if (pos >= end) return;
    out.push({ at: pos, size: 1, kind: safi === 1 || safi === 2 ? 'nlri-prefix-length' : 'nlri-labeled-length' });
    pos += 1 + ((b[pos]! + 7) >>> 3);
  }
}

function evpnWalks(b: Uint8Array, pos: number, end: number, addPath: boolean): boolean {
  while (pos < end) {
    if (addPath) pos += 4;
    if (pos + 2 > end) return false;
    pos += 2 + b[pos + 1]!;
  }
  return pos === end;
}

/** AS_PATH segment counts, with the ASN size that walks the value exactly (4, else 2). */
function asPathFields(b: Uint8Array, pos: number, end: number, out: LengthField[]): void {
  const walks = (size: number): boolean => {
    let p = pos;
    while (p + 2 <= end) p += 2 + b[p + 1]! * size;
    return p === end;
  };
  const size = walks(4) ? 4 : walks(2) ? 2 : 0;
  if (size === 0) return;
  let p = pos;
  while (p + 2 <= end) {
    out.push({ at: p + 1, size: 1, kind: 'as-path-segment-count' });
    p += 2 + b[p + 1]! * size;
  }
}

function attributeFields(b: Uint8Array, pos: number, end: number, out: LengthField[]): void {
  while (pos + 3 <= end) {
    const flags = b[pos]!;
    const code = b[pos + 1]!;
    const ext = (flags & 0x10) !== 0;
    const hdr = ext ? 4 : 3;
    if (pos + hdr > end) return;
    const len = ext ? u16(b, pos + 2) : b[pos + 2]!;
    out.push({ at: pos + 2, size: ext ? 2 : 1, kind: `attribute-${code}-length` });
    const v = pos + hdr;
    const vend = v + len;
    if (vend > end) return;
    if (code === 2 || code === 17) asPathFields(b, v, vend, out);
    else if (code === 14 && len >= 5) {
      const afi = u16(b, v);
      const safi = b[v + 2]!;
      out.push({ at: v + 3, size: 1, kind: 'mp-reach-next-hop-length' });
      const nl = v + 4 + b[v + 3]! + 1;
      if (nl <= vend) nlriFields(b, nl, vend, afi, safi, out);
    } else if (code === 15 && len >= 3) {
      nlriFields(b, v + 3, vend, u16(b, v), b[v + 2]!, out);
    }
    pos = vend;
  }
}

function openFields(b: Uint8Array, at: number, end: number, out: LengthField[]): void {
  const body = at + 19;
  if (body + 10 > end) return;
  out.push({ at: body + 9, size: 1, kind: 'open-optional-parameters-length' });
  let optLen = b[body + 9]!;
  let pos = body + 10;
  let extended = false;
  if (optLen === 255 && pos + 3 <= end && b[pos] === 255) {
    extended = true;
    out.push({ at: pos + 1, size: 2, kind: 'open-extended-parameters-length' });
    optLen = u16(b, pos + 1);
    pos += 3;
  }
  const pend = Math.min(end, pos + optLen);
  while (pos + (extended ? 3 : 2) <= pend) {
    const type = b[pos]!;
    const len = extended ? u16(b, pos + 1) : b[pos + 1]!;
    out.push({ at: pos + 1, size: extended ? 2 : 1, kind: 'open-parameter-length' });
    pos += extended ? 3 : 2;
    if (pos + len > pend) return;
    if (type === 2) {
      let p = pos;
      while (p + 2 <= pos + len) {
        out.push({ at: p + 1, size: 1, kind: `capability-${b[p]}-length` });
        p += 2 + b[p + 1]!;
      }
    }
    pos += len;
  }
}

/** Length fields of the BGP message at b[at..end). */
export function bgpFields(b: Uint8Array, at: number, end: number, out: LengthField[]): void {
  if (at + 19 > end) return;
  out.push({ at: at + 16, size: 2, kind: 'bgp-length' });
  const len = u16(b, at + 16);
  const mend = Math.min(end, at + len);
  const type = b[at + 18]!;
  if (type === 1) openFields(b, at, mend, out);
  if (type !== 2) return;
  const body = at + 19;
  if (body + 4 > mend) return;
  out.push({ at: body, size: 2, kind: 'withdrawn-routes-length' });
  const wd = u16(b, body);
  if (body + 2 + wd + 2 > mend) return;
  nlriFields(b, body + 2, body + 2 + wd, 1, 1, out);
  const ap = body + 2 + wd;
  out.push({ at: ap, size: 2, kind: 'total-path-attribute-length' });
  const alen = u16(b, ap);
  const aend = ap + 2 + alen;
  if (aend > mend) return;
  attributeFields(b, ap + 2, aend, out);
  nlriFields(b, aend, mend, 1, 1, out);
}

/** Every length field of a BMP v3 message, outermost first. */
export function lengthFields(b: Uint8Array): LengthField[] {
  const out: LengthField[] = [];
  if (b.length < 6) return out;
  out.push({ at: 1, size: 4, kind: 'bmp-length' });
  const end = Math.min(b.length, u32(b, 1));
  const type = b[5]!;
  if (type === 4 || type === 5) {
    tlvFields(b, 6, end, out, type === 4 ? 'initiation-tlv-length' : 'termination-tlv-length');
    return out;
  }
  const body = 48;
  if (end < body) return out;
  switch (type) {
    case 0:
      bgpFields(b, body, end, out);
      break;
    case 1: {
      if (body + 4 > end) break;
      out.push({ at: body, size: 4, kind: 'stats-count' });
      tlvFields(b, body + 4, end, out, 'stat-length');
      break;
    }
    case 2: {
      const reason = b[body];
      if ((reason === 1 || reason === 3) && body + 1 + 19 <= end) bgpFields(b, body + 1, end, out);
      else if (reason === 6) tlvFields(b, body + 1, end, out, 'peer-down-tlv-length');
      break;
    }
    case 3: {
      let pos = body + 20;
      for (let i = 0; i < 2 && pos + 19 <= end; i++) {
        const len = u16(b, pos + 16);
        bgpFields(b, pos, end, out);
        if (len < 19) return out;
        pos += len;
      }
      if (pos <= end) tlvFields(b, pos, end, out, 'peer-up-tlv-length');
      break;
    }
    case 6:
      tlvFields(b, body, end, out, 'mirroring-tlv-length', (t, at, len) => {
        if (t === 0) bgpFields(b, at, at + len, out);
      });
      break;
    default:
      break;
  }
  return out;
}

const BOUNDARY = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

function readField(b: Uint8Array, f: LengthField): number {
  return f.size === 1 ? b[f.at]! : f.size === 2 ? u16(b, f.at) : u32(b, f.at);
}

function writeField(b: Uint8Array, f: LengthField, v: number): void {
  if (f.size === 1) b[f.at] = v & 0xff;
  else if (f.size === 2) {
    b[f.at] = (v >>> 8) & 0xff;
    b[f.at + 1] = v & 0xff;
  } else {
    b[f.at] = (v >>> 24) & 0xff;
    b[f.at + 1] = (v >>> 16) & 0xff;
    b[f.at + 2] = (v >>> 8) & 0xff;
    b[f.at + 3] = v & 0xff;
  }
}

/** An absurd value for a length field: 0, 1, max, max-1, the high bit, off by one, doubled, the rest of the message. */
export function absurdValue(r: Prng, b: Uint8Array, f: LengthField): number {
  const max = f.size === 1 ? 0xff : f.size === 2 ? 0xffff : 0xffffffff;
  const cur = readField(b, f);
  const rest = b.length - f.at;
  const choices = [0, 1, max, max - 1, f.size === 1 ? 0x80 : f.size === 2 ? 0x8000 : 0x80000000, cur + 1, cur - 1, cur * 2, cur + r.range(2, 300), rest, rest - f.size, r.int(max + 1)];
  if (f.size === 4) choices.push(16 * 1024 * 1024, 16 * 1024 * 1024 + 1, 0x7fffffff, 48, 47, 6, 5);
  if (f.kind.endsWith('prefix-length')) choices.push(32, 33, 64, 128, 129, 255);
  return (r.pick(choices) >>> 0) % (max + 1);
}

/** Rewrites the BMP common header's Message Length to the buffer's size (so inner decoders see the mutation). */
export function fixBmpLength(b: Uint8Array): void {
  if (b.length < 6) return;
  writeField(b, { at: 1, size: 4, kind: 'bmp-length' }, b.length);
}

export type MutationKind = 'bitflip' | 'boundary' | 'truncate' | 'length' | 'insert' | 'delete' | 'duplicate' | 'splice' | 'random';

export const MUTATION_KINDS: readonly MutationKind[] = ['bitflip', 'boundary', 'truncate', 'length', 'length', 'length', 'insert', 'delete', 'duplicate', 'splice', 'random'];

/** Offset to mutate: mostly past the common header (so the frame is still taken), sometimes anywhere. */
function where(r: Prng, n: number): number {
  if (n <= 6 || r.chance(0.1)) return r.int(Math.max(1, n));
  return r.range(6, n - 1);
}

/** One mutation of a copy of msg. `donor` gives bytes for splices. */
export function mutateOnce(r: Prng, msg: Uint8Array, kind: MutationKind, donor: Uint8Array): Uint8Array {
  let b = msg.slice();
  switch (kind) {
    case 'bitflip': {
      const n = r.range(1, 8);
      for (let i = 0; i < n && b.length > 0; i++) {
        const at = where(r, b.length);
        b[at] = b[at]! ^ (1 << r.int(8));
      }
      break;
    }
    case 'boundary': {
      const n = r.range(1, 4);
      for (let i = 0; i < n && b.length > 0; i++) b[where(r, b.length)] = r.pick(BOUNDARY);
      break;
    }
    case 'truncate':
      b = b.slice(0, r.int(b.length + 1));
      break;
    case 'length': {
      const fields = lengthFields(b);
      if (fields.length === 0) return mutateOnce(r, msg, 'boundary', donor);
      // The common header length is one field among many; inner fields are where decoders hide bugs.
      const f = fields.length > 1 && r.chance(0.85) ? fields[r.range(1, fields.length - 1)]! : r.pick(fields);
      writeField(b, f, absurdValue(r, b, f));
      break;
    }
    case 'insert': {
      const at = where(r, b.length + 1);
      const ins = r.chance(0.5) ? r.bytes(r.range(1, 16)) : new Uint8Array(r.range(1, 64)).fill(r.pick(BOUNDARY));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at), 0);
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      b = out;
      break;
    }
    case 'delete': {
      if (b.length < 2) break;
      const at = where(r, b.length);
      const n = Math.min(b.length - at, r.range(1, 32));
      const out = new Uint8Array(b.length - n);
      out.set(b.subarray(0, at), 0);
      out.set(b.subarray(at + n), at);
      b = out;
      break;
    }
    case 'duplicate': {
      if (b.length < 2) break;
      const at = where(r, b.length);
      const n = Math.min(b.length - at, r.range(1, 64));
      const piece = b.slice(at, at + n);
      const times = r.range(1, 4);
      const out = new Uint8Array(b.length + n * times);
      out.set(b.subarray(0, at + n), 0);
      for (let i = 1; i <= times; i++) out.set(piece, at + n * i);
      out.set(b.subarray(at + n), at + n * (times + 1));
      b = out;
      break;
    }
    case 'splice': {
      if (donor.length === 0 || b.length === 0) break;
      const from = r.int(donor.length);
      const n = Math.min(donor.length - from, r.range(1, 128));
      const at = where(r, b.length);
      const out = new Uint8Array(Math.max(b.length, at + n));
      out.set(b, 0);
      out.set(donor.subarray(from, from + n), at);
      b = out;
      break;
    }
    case 'random': {
      const keep = r.chance(0.7) ? Math.min(b.length, r.pick([6, 48, 67, 68])) : 0;
      const out = new Uint8Array(keep + r.int(r.chance(0.9) ? 200 : 5000));
      out.set(b.subarray(0, keep), 0);
      out.set(r.bytes(out.length - keep), keep);
      b = out;
      break;
    }
  }
  return b;
}

export interface Mutated {
  readonly bytes: Uint8Array;
  readonly kinds: readonly MutationKind[];
}

/**
 * 1-3 stacked mutations. With probability `fix` the BMP Message Length is rewritten to the new
 * size afterwards (unless a mutation aimed at it), so the frame reaches the inner decoders.
 */
export function mutate(r: Prng, msg: Uint8Array, donor: Uint8Array, fix = 0.85): Mutated {
  const n = r.chance(0.6) ? 1 : r.range(2, 3);
  const kinds: MutationKind[] = [];
  let b = msg;
  for (let i = 0; i < n; i++) {
    const k = r.pick(MUTATION_KINDS);
    kinds.push(k);
    b = mutateOnce(r, b, k, donor);
  }
  if (b.length >= 6 && r.chance(fix)) {
    const aimedAtHeader = kinds.includes('length') && u32(b, 1) !== u32(msg, 1) && b.length === msg.length;
    if (!aimedAtHeader) fixBmpLength(b);
  }
  return { bytes: b, kinds };
}

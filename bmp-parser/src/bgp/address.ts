/**
 * IP address text, both ways. IPv4 in dotted decimal; IPv6 in the RFC 5952 canonical form
 * (lower case, no leading zeros, the longest run of two or more zero groups as "::", the first
 * such run on a tie, IPv4-mapped addresses as ::ffff:a.b.c.d per RFC 5952 §5).
 *
 * These sit on the decoder's hot path (every prefix of a full table passes through them), so the
 * text is built from precomputed tables and a scratch buffer, never from per-call arrays.
 */

/** "0." .. "255." */
export const DEC_DOT: readonly string[] = Array.from({ length: 256 }, (_, i) => `${i}.`);
/** "0" .. "255" */
export const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => `${i}`);
/** "/0" .. "/128" */
export const SLASH: readonly string[] = Array.from({ length: 129 }, (_, i) => `/${i}`);

let hexGroups: string[] | undefined;
let hexGroupsColon: string[] | undefined;
/** "0" .. "ffff", built on first IPv6 use (64 Ki short strings). */
function hexTable(): string[] {
  if (hexGroups === undefined) {
    hexGroups = new Array<string>(65536);
    hexGroupsColon = new Array<string>(65536);
    for (let i = 0; i < 65536; i++) {
      hexGroups[i] = i.toString(16);
      hexGroupsColon[i] = hexGroups[i] + ':';
    }
  }
  return hexGroups;
}

/** Dotted decimal text of an unsigned 32-bit address. */
export function ipv4FromNumber(v: number): string {
  return DEC_DOT[v >>> 24]! + DEC_DOT[(v >>> 16) & 255]! + DEC_DOT[(v >>> 8) & 255]! + DEC[v & 255]!;
}

/** Dotted decimal text of the 4 bytes at `off` (the caller has checked the bounds). */
export function formatIPv4(b: Uint8Array, off = 0): string {
  return DEC_DOT[b[off]!]! + DEC_DOT[b[off + 1]!]! + DEC_DOT[b[off + 2]!]! + DEC[b[off + 3]!]!;
}

const groups = new Int32Array(8);

/** RFC 5952 text of the 16 bytes at `off` (the caller has checked the bounds). */
export function formatIPv6(b: Uint8Array, off = 0): string {
  for (let i = 0; i < 8; i++) groups[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  return formatGroups();
}

/** Formats the module scratch `groups`. */
function formatGroups(): string {
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const hi = groups[6]!;
    const lo = groups[7]!;
    return '::ffff:' + DEC_DOT[hi >>> 8]! + DEC_DOT[hi & 255]! + DEC_DOT[lo >>> 8]! + DEC[lo & 255]!;
  }
  // RFC 5952 §4.2: the longest run of at least two zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] === 0) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  const hex = hexTable();
  const hexc = hexGroupsColon!;
  let s = '';
  if (bestStart < 0) {
    for (let i = 0; i < 7; i++) s += hexc[groups[i]!]!;
    return s + hex[groups[7]!]!;
  }
  // "a:b:" + ":" + "c:d" — each group before the run carries its colon.
  for (let i = 0; i < bestStart; i++) s += hexc[groups[i]!]!;
  s += bestStart === 0 ? '::' : ':';
  const after = bestStart + bestLen;
  if (after === 8) return s;
  for (let i = after; i < 7; i++) s += hexc[groups[i]!]!;
  return s + hex[groups[7]!]!;
}

/** Parses dotted decimal into 4 bytes at `out[off]`; false when the text is not an IPv4 address. */
export function parseIPv4Into(text: string, out: Uint8Array, off = 0): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[off + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Parses IPv6 text (any valid form, including an embedded dotted quad) into 16 bytes at `out[off]`. */
export function parseIPv6Into(text: string, out: Uint8Array, off = 0): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const words: number[] = [];
  let gap = -1;
  let i = 0;
  if (text.startsWith('::')) {
    gap = 0;
    i = 2;
    if (text.length === 2) {
      out.fill(0, off, off + 16);
      return true;
    }
  } else if (text.charCodeAt(0) === 58) {
    return false;
  }
  while (i < text.length) {
    let j = i;
    while (j < text.length && text.charCodeAt(j) !== 58) j++;
    const part = text.slice(i, j);
    if (part.includes('.')) {
      if (j !== text.length || words.length > 6) return false;
      const q = new Uint8Array(4);
      if (!parseIPv4Into(part, q)) return false;
      words.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
    } else {
      if (part.length === 0 || part.length > 4 || !/^[0-9a-fA-F]+$/.test(part)) return false;
      words.push(parseInt(part, 16));
    }
    if (j === text.length) break;
    // j is at ':'
    if (text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = words.length;
      i = j + 2;
      if (i === text.length) break;
    } else {
      i = j + 1;
      if (i === text.length) return false;
    }
  }
  if (words.length > 8 || (gap < 0 && words.length !== 8) || (gap >= 0 && words.length > 7)) return false;
  const full = new Array<number>(8).fill(0);
  if (gap < 0) {
    for (let k = 0; k < 8; k++) full[k] = words[k]!;
  } else {
    for (let k = 0; k < gap; k++) full[k] = words[k]!;
    const tail = words.length - gap;
    for (let k = 0; k < tail; k++) full[8 - tail + k] = words[gap + k]!;
  }
  for (let k = 0; k < 8; k++) {
    out[off + 2 * k] = full[k]! >>> 8;
    out[off + 2 * k + 1] = full[k]! & 255;
  }
  return true;
}

/** 4 or 16 bytes for an IPv4 or IPv6 address text; undefined when it is neither. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(':')) {
    const b = new Uint8Array(16);
    return parseIPv6Into(text, b) ? b : undefined;
  }
  const b = new Uint8Array(4);
  return parseIPv4Into(text, b) ? b : undefined;
}

/** Text of a 4- or 16-byte address; undefined for other lengths. */
export function formatIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return formatIPv4(b);
  if (b.length === 16) return formatIPv6(b);
  return undefined;
}

/** Lower-case hex of bytes, joined by `sep` ("" for none). */
export function hex(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    s += (i > 0 ? sep : '') + (x < 16 ? '0' : '') + x.toString(16);
  }
  return s;
}

/** Bytes of a hex text, with optional ":" / "-" / "." separators; undefined when not hex. */
export function parseHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/[:.-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * IP addresses and prefixes, text both ways, and the prefix arithmetic built on them: the one
 * place in ribwatch that writes or reads an address.
 *
 * Text: IPv4 in dotted decimal; IPv6 in the RFC 5952 canonical form (lower case, no leading
 * zeros, the longest run of two or more zero groups as "::", the first such run on a tie, and
 * IPv4-mapped addresses as ::ffff:a.b.c.d per §5). Parsers accept any valid form (upper case,
 * leading zeros in a group, an embedded dotted quad) and return undefined or false for anything
 * else, never throwing.
 *
 * Formatting sits on the decoder's hot path (every prefix of a full table passes through it), so
 * the text is built from precomputed tables and a scratch buffer, never from per-call arrays.
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

/** Text of a 4- or 16-byte address; undefined for other lengths. */
export function formatIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return formatIPv4(b);
  if (b.length === 16) return formatIPv6(b);
  return undefined;
}

/** True when the 16 bytes at `off` are an IPv4-mapped IPv6 address, ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
export function isIPv4Mapped(b: Uint8Array, off = 0): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
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

/** 4 bytes of a dotted decimal text; undefined when it is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const b = new Uint8Array(4);
  return parseIPv4Into(text, b) ? b : undefined;
}

/** 16 bytes of an IPv6 text; undefined when it is not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const b = new Uint8Array(16);
  return parseIPv6Into(text, b) ? b : undefined;
}

/** 4 or 16 bytes for an IPv4 or IPv6 address text; undefined when it is neither. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/**
 * An IP prefix: the network address as 4 (IPv4) or 16 (IPv6) bytes, with the bits past `length`
 * cleared unless parsed with `keepHostBits`.
 */
export interface IpPrefix {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** Clears the bits of `bytes` past `length`, in place. */
export function clearHostBits(bytes: Uint8Array, length: number): void {
  const whole = length >>> 3;
  if (whole >= bytes.length) return;
  const r = length & 7;
  bytes[whole] = r === 0 ? 0 : bytes[whole]! & (0xff << (8 - r));
  bytes.fill(0, whole + 1);
}

/**
 * "10.0.0.0/8", "2001:db8::/32", or a bare address (its host route: /32, /128). Host bits are
 * cleared (10.1.2.3/8 is 10.0.0.0/8) unless `keepHostBits`. IPv4-mapped IPv6 stays IPv6: a route
 * announced as ::ffff:0:0/96 is an IPv6 route. Undefined when the text is not a prefix.
 */
export function parsePrefix(text: string, keepHostBits = false): IpPrefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (bytes === undefined) return undefined;
  const max = bytes.length * 8;
  let length = max;
  if (slash >= 0) {
    const t = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(t)) return undefined;
    length = Number(t);
    if (length > max) return undefined;
  }
  if (!keepHostBits) clearHostBits(bytes, length);
  return { family: bytes.length === 4 ? 4 : 6, bytes, length };
}

/** Text of an IPv4 prefix of `len` bits whose ceil(len/8) octets start at `pos` (bounds checked by the caller); host bits cleared. */
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

/** Text of an IPv6 prefix of `len` bits whose ceil(len/8) octets start at `pos` (bounds checked by the caller); host bits cleared. */
export function ipv6PrefixText(b: Uint8Array, pos: number, len: number): string {
  const n = (len + 7) >>> 3;
  for (let i = 0; i < 16; i++) scratch6[i] = i < n ? b[pos + i]! : 0;
  const r = len & 7;
  if (r !== 0) scratch6[n - 1] = scratch6[n - 1]! & (0xff << (8 - r));
  return formatIPv6(scratch6, 0) + SLASH[len]!;
}

/** The canonical text of a prefix ("10.0.0.0/8", "2001:db8::/32"); bits past the length are not shown. */
export function formatPrefix(p: IpPrefix): string {
  return p.family === 4 ? ipv4PrefixText(p.bytes, 0, p.length) : ipv6PrefixText(p.bytes, 0, p.length);
}

/** Bit `i` of the prefix's address, 0 the most significant. */
export function prefixBit(p: IpPrefix, i: number): 0 | 1 {
  return ((p.bytes[i >>> 3]! >>> (7 - (i & 7))) & 1) as 0 | 1;
}

/** a contains b: same family, a no longer than b, and b's first a.length bits equal a's. */
export function prefixContains(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family || a.length > b.length) return false;
  const whole = a.length >>> 3;
  for (let i = 0; i < whole; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  const r = a.length & 7;
  if (r === 0) return true;
  return ((a.bytes[whole]! ^ b.bytes[whole]!) & (0xff << (8 - r)) & 0xff) === 0;
}

/** Two prefixes overlap when one contains the other. */
export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

/** The prefix of `length` bits (at most p.length) that covers p, host bits cleared. */
export function truncatePrefix(p: IpPrefix, length: number): IpPrefix {
  const bytes = p.bytes.slice();
  clearHostBits(bytes, length);
  return { family: p.family, bytes, length };
}

/** The last address inside the prefix: its host bits all set. */
export function lastAddress(p: IpPrefix): Uint8Array {
  const bytes = p.bytes.slice();
  const whole = p.length >>> 3;
  if (whole < bytes.length) {
    const r = p.length & 7;
    bytes[whole] = bytes[whole]! | (0xff >>> r);
    bytes.fill(0xff, whole + 1);
  }
  return bytes;
}

/**
 * A binary prefix trie for IPv4 and IPv6 (one root per family): exact, longest-match, covering
 * (less-or-equally specific) and covered (more-or-equally specific) queries. The inventory uses it
 * to say whom a prefix belongs to, and the leak detector asks it once per announced prefix, so the
 * hot path avoids bigint: a prefix is parsed into 32-bit words and walked bit by bit.
 *
 * Uncompressed on purpose: inventories hold hundreds to thousands of ranges, a walk is at most
 * 32 or 128 steps, and the code stays obviously right.
 */

/** A parsed prefix: family, network address as 32-bit words (1 for IPv4, 4 for IPv6), length. */
export interface PrefixKey {
  readonly family: 4 | 6;
  readonly words: Uint32Array;
  readonly length: number;
}

function parseV4(s: string): Uint32Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return Uint32Array.of(v >>> 0);
}

function parseV6(s: string): Uint32Array | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    if (!v4) return undefined;
    const n = v4[0] ?? 0;
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const rest = halves[1];
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  let groups: string[];
  if (rest === undefined) groups = head;
  else {
    const fill = 8 - head.length - tailGroups.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<string>(fill).fill('0'), ...tailGroups];
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint32Array(4);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? '';
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    const w = i >> 1;
    out[w] = (i & 1) === 0 ? (n << 16) >>> 0 : ((out[w] ?? 0) | n) >>> 0;
  }
  return out;
}

/** Clears host bits in place. */
function mask(words: Uint32Array, length: number): void {
  for (let w = 0; w < words.length; w++) {
    const bitsHere = Math.max(0, Math.min(32, length - w * 32));
    if (bitsHere === 32) continue;
    words[w] = bitsHere === 0 ? 0 : ((words[w] ?? 0) & (0xffffffff << (32 - bitsHere))) >>> 0;
  }
}

/**
 * "10.0.0.0/8", "2001:db8::/32", or a bare address (a host route). Host bits are cleared.
 * Undefined when the text is not a prefix.
 */
export function parsePrefix(text: string): PrefixKey | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  let family: 4 | 6;
  let words: Uint32Array | undefined;
  if (addr.includes(':')) {
    family = 6;
    words = parseV6(addr);
    // IPv4-mapped IPv6 stays IPv6 here: a prefix announced as ::ffff:0:0/96 is an IPv6 route.
  } else {
    family = 4;
    words = parseV4(addr);
  }
  if (!words) return undefined;
  const max = family === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lt = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lt)) return undefined;
    length = Number(lt);
    if (length > max) return undefined;
  }
  mask(words, length);
  return { family, words, length };
}

/** The canonical text of a key: IPv4 dotted, IPv6 compressed (RFC 5952), with the length. */
export function formatPrefix(k: PrefixKey): string {
  if (k.family === 4) {
    const n = k.words[0] ?? 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${k.length}`;
  }
  const groups: number[] = [];
  for (let w = 0; w < 4; w++) {
    const n = k.words[w] ?? 0;
    groups.push(n >>> 16, n & 0xffff);
  }
  // Longest run of zero groups (length ≥ 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  const text =
    bestStart < 0 ? hex.join(':') : `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
  return `${text}/${k.length}`;
}

function bit(k: PrefixKey, i: number): 0 | 1 {
  return (((k.words[i >>> 5] ?? 0) >>> (31 - (i & 31))) & 1) as 0 | 1;
}

/** a contains b: same family, a no longer than b, and b's first a.length bits equal a's. */
export function prefixContains(a: PrefixKey, b: PrefixKey): boolean {
  if (a.family !== b.family || a.length > b.length) return false;
  for (let w = 0; w * 32 < a.length; w++) {
    const bitsHere = Math.min(32, a.length - w * 32);
    const m = bitsHere === 32 ? 0xffffffff : (0xffffffff << (32 - bitsHere)) >>> 0;
    if ((((a.words[w] ?? 0) ^ (b.words[w] ?? 0)) & m) >>> 0 !== 0) return false;
  }
  return true;
}

/** Two prefixes overlap when one contains the other. */
export function prefixesOverlap(a: PrefixKey, b: PrefixKey): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

interface Node<T> {
  zero: Node<T> | undefined;
  one: Node<T> | undefined;
  has: boolean;
  value: T | undefined;
  key: PrefixKey | undefined;
}

const newNode = <T>(): Node<T> => ({ zero: undefined, one: undefined, has: false, value: undefined, key: undefined });

export interface TrieEntry<T> {
  /** Canonical text ("10.244.1.0/24"). */
  readonly prefix: string;
  readonly key: PrefixKey;
  readonly value: T;
}

function toKey(p: string | PrefixKey): PrefixKey {
  if (typeof p !== 'string') return p;
  const k = parsePrefix(p);
  if (!k) throw new RangeError(`"${p}" is not an IPv4 or IPv6 prefix`);
  return k;
}

export class PrefixTrie<T> {
  private readonly v4: Node<T> = newNode();
  private readonly v6: Node<T> = newNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  private root(k: PrefixKey): Node<T> {
    return k.family === 4 ? this.v4 : this.v6;
  }

  /** Sets the value stored at exactly this prefix (replacing any). */
  set(prefix: string | PrefixKey, value: T): void {
    const k = toKey(prefix);
    let n = this.root(k);
    for (let i = 0; i < k.length; i++) {
      if (bit(k, i) === 0) n = n.zero ??= newNode();
      else n = n.one ??= newNode();
    }
    if (!n.has) this.count++;
    n.has = true;
    n.value = value;
    n.key = k;
  }

  private find(k: PrefixKey): Node<T> | undefined {
    let n: Node<T> | undefined = this.root(k);
    for (let i = 0; i < k.length && n; i++) n = bit(k, i) === 0 ? n.zero : n.one;
    return n;
  }

  /** The value at exactly this prefix. */
  get(prefix: string | PrefixKey): T | undefined {
    const n = this.find(toKey(prefix));
    return n?.has ? n.value : undefined;
  }

  has(prefix: string | PrefixKey): boolean {
    return this.find(toKey(prefix))?.has ?? false;
  }

  /** Removes exactly this prefix; empty branches are left (tries here are rebuilt, not churned). */
  delete(prefix: string | PrefixKey): boolean {
    const n = this.find(toKey(prefix));
    if (!n?.has) return false;
    n.has = false;
    n.value = undefined;
    n.key = undefined;
    this.count--;
    return true;
  }

  /** The most specific stored prefix that contains (or equals) the query. */
  longestMatch(prefix: string | PrefixKey): TrieEntry<T> | undefined {
    const k = toKey(prefix);
    let best: Node<T> | undefined;
    let n: Node<T> | undefined = this.root(k);
    for (let i = 0; n; i++) {
      if (n.has) best = n;
      if (i >= k.length) break;
      n = bit(k, i) === 0 ? n.zero : n.one;
    }
    return best ? entry(best) : undefined;
  }

  /** Every stored prefix that contains (or equals) the query, least specific first. */
  covering(prefix: string | PrefixKey): TrieEntry<T>[] {
    const k = toKey(prefix);
    const out: TrieEntry<T>[] = [];
    let n: Node<T> | undefined = this.root(k);
    for (let i = 0; n; i++) {
      if (n.has) out.push(entry(n));
      if (i >= k.length) break;
      n = bit(k, i) === 0 ? n.zero : n.one;
    }
    return out;
  }

  /** Every stored prefix inside (or equal to) the query, pre-order (a prefix before its more-specifics, lower addresses first). */
  covered(prefix: string | PrefixKey, limit = Infinity): TrieEntry<T>[] {
    const start = this.find(toKey(prefix));
    const out: TrieEntry<T>[] = [];
    if (!start) return out;
    const stack: Node<T>[] = [start];
    while (stack.length > 0 && out.length < limit) {
      const n = stack.pop() as Node<T>;
      if (n.has) out.push(entry(n));
      if (n.one) stack.push(n.one);
      if (n.zero) stack.push(n.zero);
    }
    return out;
  }

  /** Every entry of both families. */
  entries(): TrieEntry<T>[] {
    return [...this.covered({ family: 4, words: new Uint32Array(1), length: 0 }), ...this.covered({ family: 6, words: new Uint32Array(4), length: 0 })];
  }
}

function entry<T>(n: Node<T>): TrieEntry<T> {
  const key = n.key as PrefixKey;
  return { prefix: formatPrefix(key), key, value: n.value as T };
}

/**
 * Input parsing for the values network engineers type: prefixes and addresses, AS numbers,
 * communities, times and windows, and the opaque `next` cursors. Each parser returns the value in
 * the store's canonical form or throws an ApiError (400) whose message says which parameter was
 * wrong and why, so "?prefix=10.0.0.256/24" answers `prefix: octet 256 of "10.0.0.256" is over 255`.
 *
 * Nothing parsed here is ever pasted into SQL: values go to ClickHouse as typed query parameters.
 * Parsing is the contract (what is accepted) and the first line against nonsense; it is not what
 * keeps SQL safe.
 */
import { parseCommunity, WELL_KNOWN_COMMUNITIES } from '@ribwatch/bmp-parser';
import { formatPrefix, parsePrefix } from '../inventory/prefix-trie.js';
import type { PrefixKey } from '../inventory/prefix-trie.js';
import { ApiError, bad } from './errors.js';

const MAX_TEXT = 64;

function show(s: string): string {
  const t = s.length > 48 ? `${s.slice(0, 45)}...` : s;
  return JSON.stringify(t);
}

/** Why an address text is not one, as precisely as we can tell. */
function addressProblem(addr: string): string {
  if (addr === '') return 'the address is empty';
  if (addr.includes(':')) {
    if (!/^[0-9a-fA-F:.]+$/.test(addr)) return `${show(addr)} has characters an IPv6 address cannot have`;
    if ((addr.match(/::/g) ?? []).length > 1) return `${show(addr)} has "::" more than once`;
    return `${show(addr)} is not an IPv6 address (eight groups of up to 4 hex digits, "::" once)`;
  }
  if (!/^[0-9.]+$/.test(addr)) return `${show(addr)} is not an IPv4 or IPv6 address`;
  const parts = addr.split('.');
  if (parts.length !== 4) return `${show(addr)} has ${parts.length} parts; an IPv4 address has 4 ("10.1.2.3")`;
  for (const p of parts) {
    if (p === '') return `${show(addr)} has an empty octet`;
    if (Number(p) > 255) return `octet ${p} of ${show(addr)} is over 255`;
    if (p.length > 3) return `octet ${show(p)} of ${show(addr)} is too long`;
  }
  return `${show(addr)} is not an IPv4 address`;
}

export interface ParsedPrefix {
  readonly key: PrefixKey;
  /** Canonical text, as stored ("10.1.0.0/16", "2001:db8::/32"); host bits cleared. */
  readonly text: string;
  /** True when the input was a bare address (a host route). */
  readonly bareAddress: boolean;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128 host route). Host bits are cleared. */
export function parsePrefixParam(input: string, param = 'prefix'): ParsedPrefix {
  const s = input.trim();
  if (s.length === 0) throw bad('RW_API_BAD_PREFIX', param, 'is empty; expected a prefix ("10.0.0.0/8", "2001:db8::/32") or an address');
  if (s.length > MAX_TEXT) throw bad('RW_API_BAD_PREFIX', param, `is ${s.length} characters long; no prefix is longer than ${MAX_TEXT}`);
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  if (slash >= 0) {
    const len = s.slice(slash + 1);
    const max = addr.includes(':') ? 128 : 32;
    if (!/^\d{1,3}$/.test(len)) throw bad('RW_API_BAD_PREFIX', param, `the length after "/" in ${show(s)} is not a number from 0 to ${max}`);
    if (Number(len) > max) throw bad('RW_API_BAD_PREFIX', param, `length /${len} in ${show(s)} is over /${max}`);
  }
  const key = parsePrefix(s);
  if (!key) throw bad('RW_API_BAD_PREFIX', param, addressProblem(addr));
  return { key, text: formatPrefix(key), bareAddress: slash < 0 };
}

/** An IPv4 or IPv6 address, in canonical text (as the collector writes peer and router addresses). */
export function parseAddressParam(input: string, param: string): string {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_TEXT) throw bad('RW_API_BAD_ADDRESS', param, s.length === 0 ? 'is empty' : `is ${s.length} characters long; no address is`);
  if (s.includes('/')) throw bad('RW_API_BAD_ADDRESS', param, `${show(s)} is a prefix; give an address`);
  const key = parsePrefix(s);
  if (!key) throw bad('RW_API_BAD_ADDRESS', param, addressProblem(s));
  const text = formatPrefix(key);
  return text.slice(0, text.indexOf('/'));
}

/**
 * A router as records name it: a BMP router's address, or `bgp:<address>` for a neighbor of the
 * BGP speaker (docs/bgp.md); the address part in canonical text either way.
 */
export function parseRouterParam(input: string, param = 'router'): string {
  const s = input.trim();
  return /^bgp:/i.test(s) ? `bgp:${parseAddressParam(s.slice(4), param)}` : parseAddressParam(s, param);
}

/** An AS number: "65001", "AS65001" or asdot "1.10" (RFC 5396); 0..4294967295. */
export function parseAsnParam(input: string, param = 'origin_as'): number {
  const s = input.trim();
  const plain = /^(?:AS)?(\d{1,10})$/i.exec(s);
  if (plain) {
    const n = Number(plain[1]);
    if (n > 0xffffffff) throw bad('RW_API_BAD_ASN', param, `${show(s)} is over 4294967295, the largest 4-octet AS number`);
    return n;
  }
  const dot = /^(?:AS)?(\d{1,5})\.(\d{1,5})$/i.exec(s);
  if (dot) {
    const hi = Number(dot[1]);
    const lo = Number(dot[2]);
    if (hi > 65535 || lo > 65535) throw bad('RW_API_BAD_ASN', param, `both halves of asdot ${show(s)} must be 0..65535`);
    return hi * 65536 + lo;
  }
  if (/^-\d+$/.test(s)) throw bad('RW_API_BAD_ASN', param, `${show(s)} is negative; AS numbers are 0..4294967295`);
  throw bad('RW_API_BAD_ASN', param, `${show(s)} is not an AS number ("65001", "AS65001" or asdot "1.10")`);
}

export type CommunityFilter = { readonly kind: 'standard' | 'large' | 'extended'; readonly text: string };

const WELL_KNOWN_NAMES = new Map(Object.values(WELL_KNOWN_COMMUNITIES).map((n) => [n.toUpperCase(), n]));

/**
 * A community as stored: "65001:100" (a well-known value becomes its name, "65535:65281" is
 * "NO_EXPORT"), a well-known name in any case, a large community "a:b:c", or an extended one as
 * the collector writes it ("rt:65000:100", "soo:10.0.0.1:5").
 */
export function parseCommunityParam(input: string, param = 'community'): CommunityFilter {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_TEXT) throw bad('RW_API_BAD_COMMUNITY', param, s.length === 0 ? 'is empty' : `is ${s.length} characters long`);
  const name = WELL_KNOWN_NAMES.get(s.toUpperCase());
  if (name !== undefined) return { kind: 'standard', text: name };
  const std = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (std) {
    const v = parseCommunity(s);
    if (v === undefined) throw bad('RW_API_BAD_COMMUNITY', param, `both halves of ${show(s)} must be 0..65535`);
    return { kind: 'standard', text: WELL_KNOWN_COMMUNITIES[v] ?? `${Number(std[1])}:${Number(std[2])}` };
  }
  const large = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (large) {
    const parts = [large[1], large[2], large[3]].map(Number);
    if (parts.some((n) => n > 0xffffffff)) throw bad('RW_API_BAD_COMMUNITY', param, `each part of the large community ${show(s)} must be 0..4294967295`);
    return { kind: 'large', text: parts.join(':') };
  }
  if (/^[a-z][a-z0-9-]{0,15}:[0-9a-fA-F.:]{1,40}$/.test(s)) return { kind: 'extended', text: s };
  throw bad('RW_API_BAD_COMMUNITY', param, `${show(s)} is not a community ("65001:100", "NO_EXPORT", large "64512:1:2", extended "rt:65000:100")`);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time ("2026-11-21T10:00:00Z"), as ms since the epoch. */
export function parseTimeParam(input: string, param: string): number {
  const s = input.trim();
  const m = RFC3339.exec(s);
  const ms = m ? Date.parse(s.replace(' ', 'T')) : NaN;
  if (!m || Number.isNaN(ms)) throw bad('RW_API_BAD_TIME', param, `${show(s)} is not an RFC 3339 time ("2026-11-21T10:00:00Z")`);
  const [, , mo, d, h, mi, se] = m.map(Number);
  if ((mo ?? 0) < 1 || (mo ?? 0) > 12 || (d ?? 0) < 1 || (d ?? 0) > 31 || (h ?? 0) > 23 || (mi ?? 0) > 59 || (se ?? 0) > 60) {
    throw bad('RW_API_BAD_TIME', param, `${show(s)} has a field out of range`);
  }
  if (ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(2200, 0, 1)) throw bad('RW_API_BAD_TIME', param, `${show(s)} is outside 2000..2200`);
  return ms;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A window such as "90s", "15m", "1h", "7d", as ms. */
export function parseDurationParam(input: string, param: string): number {
  const s = input.trim();
  const m = /^(\d{1,6})([smhd])$/.exec(s);
  if (!m) throw bad('RW_API_BAD_TIME', param, `${show(s)} is not a duration ("15m", "1h", "7d")`);
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  if (ms <= 0) throw bad('RW_API_BAD_TIME', param, 'must be longer than 0');
  return ms;
}

/** Checks a [from, to) range against the cap; the message names both bounds. */
export function checkRange(fromMs: number, toMs: number, maxHours: number, what = 'from/to'): void {
  if (fromMs >= toMs) throw bad('RW_API_BAD_TIME', what, `from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`);
  if (toMs - fromMs > maxHours * 3_600_000) throw new ApiError('RW_API_RANGE_TOO_WIDE', `${what}: ${((toMs - fromMs) / 3_600_000).toFixed(1)} h is wider than the ${maxHours} h this API allows (api.maxRangeHours); page through narrower ranges`);
}

// ---- cursors -------------------------------------------------------------------------------

/**
 * `next` cursors: base64url of JSON [list tag, ...values]. Opaque to clients; decoded strictly
 * (the tag must be this list's, every value of the expected type) so a forged cursor is a 400,
 * never a query. The values are keys of the last item returned (keyset pagination).
 */
export type CursorValue = string | number;
export type CursorShape = readonly ('s' | 'n')[];

export function encodeCursor(tag: string, values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([tag, ...values])).toString('base64url');
}

export function decodeCursor(text: string, tag: string, shape: CursorShape): CursorValue[] {
  const fail = (): ApiError => bad('RW_API_BAD_CURSOR', 'cursor', 'is not a `next` value this list handed out (pass it back unchanged)');
  if (text.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(text)) throw fail();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (!Array.isArray(v) || v.length !== shape.length + 1 || v[0] !== tag) throw fail();
  const out: CursorValue[] = [];
  for (let i = 0; i < shape.length; i++) {
    const x: unknown = v[i + 1];
    if (shape[i] === 's' ? typeof x !== 'string' || x.length > 512 : typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw fail();
    out.push(x as CursorValue);
  }
  return out;
}

/** The query parameters every route-row list filters on (rib, history, flaps). */
export interface RouteFilterQuery {
  readonly router?: string;
  readonly peer?: string;
  readonly view?: string;
  readonly afi_safi?: string;
}

/**
 * Adds the router/peer/view/afi_safi filters present in `q` as parameterised conditions on the
 * columns rib, route_updates and the churn rollup share (router, peer_address, rib, afi_safi).
 */
export function routeFilters(q: RouteFilterQuery, params: Record<string, unknown>, where: string[]): void {
  if (q.router !== undefined) {
    params['router'] = parseRouterParam(q.router, 'router');
    where.push('router = {router:String}');
  }
  if (q.peer !== undefined) {
    params['peer'] = parseAddressParam(q.peer, 'peer');
    where.push('peer_address = {peer:String}');
  }
  if (q.view !== undefined) {
    params['view'] = q.view;
    where.push('rib = {view:String}');
  }
  if (q.afi_safi !== undefined) {
    params['afi'] = q.afi_safi;
    where.push('afi_safi = {afi:String}');
  }
}

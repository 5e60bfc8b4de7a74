/**
 * Text for the values people read: communities (RFC 1997, with the IANA well-known names),
 * extended communities (RFC 4360 and the registries that define route targets, origins, EVPN
 * and flowspec actions), large communities (RFC 8092), and the effective AS path (RFC 6793
 * §4.2.3). Address text is in ../address.ts.
 */
import { formatIPv4 } from '../address.js';
import { hex } from '../bytes.js';
import { asPathLength } from './as-path.js';
import type { Aggregator, AsPathSegment, PathAttributes } from './types.js';

export { formatAsPath, asPathLength } from './as-path.js';

/** IANA "BGP Well-known Communities". */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<number, string>> = {
  0xffff0000: 'GRACEFUL_SHUTDOWN', // RFC 8326
  0xffff0001: 'ACCEPT_OWN', // RFC 7611
  0xffff0002: 'ROUTE_FILTER_TRANSLATED_v4',
  0xffff0003: 'ROUTE_FILTER_v4',
  0xffff0004: 'ROUTE_FILTER_TRANSLATED_v6',
  0xffff0005: 'ROUTE_FILTER_v6',
  0xffff0006: 'LLGR_STALE', // RFC 9494
  0xffff0007: 'NO_LLGR', // RFC 9494
  0xffff0008: 'ACCEPT_OWN_NEXTHOP',
  0xffff0009: 'STANDBY_PE',
  0xffff029a: 'BLACKHOLE', // RFC 7999
  0xffffff01: 'NO_EXPORT', // RFC 1997
  0xffffff02: 'NO_ADVERTISE', // RFC 1997
  0xffffff03: 'NO_EXPORT_SUBCONFED', // RFC 1997
  0xffffff04: 'NOPEER', // RFC 3765
};

const WELL_KNOWN_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(WELL_KNOWN_COMMUNITIES).map(([k, v]) => [v, Number(k)]));

/** "65001:100", or the well-known name ("NO_EXPORT"). */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_COMMUNITIES[c] ?? `${c >>> 16}:${c & 0xffff}`;
}

/** The 32-bit value of "65001:100" or a well-known name; undefined when it is neither. */
export function parseCommunity(text: string): number | undefined {
  const wk = WELL_KNOWN_BY_NAME.get(text);
  if (wk !== undefined) return wk;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return undefined;
  return hi * 0x10000 + lo;
}

/** "a:b:c" (RFC 8092 §3). */
export function formatLargeCommunity(c: readonly [number, number, number]): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}
function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/**
 * Text of an 8-octet extended community:
 *  - route target / route origin (RFC 4360 §4, RFC 5668): "rt:65000:100", "soo:192.0.2.1:7", "rt:4200000000:7"
 *  - "ospf-domain:", "src-as:" (RFC 6514), "vrf-import:" (RFC 6514)
 *  - "color:<flags>:<color>" (RFC 9012 §4.3), "encap:<tunnel type>" (RFC 9012 §4.1)
 *  - EVPN (RFC 7432 §7.5-7.7, RFC 9135): "mac-mobility:<seq>[:sticky]", "esi-label:<flags>:<label>",
 *    "es-import:<mac>", "router-mac:<mac>"
 *  - flowspec actions (RFC 8955 §7): "traffic-rate:<asn>:<bytes/s>", "redirect:<asn>:<n>", "dscp:<n>"
 *  - link bandwidth (draft-ietf-idr-link-bandwidth): "lb:<asn>:<bytes/s>"
 * and otherwise "0x" + 16 hex digits.
 */
export function formatExtendedCommunity(b: Uint8Array): string {
  if (b.length !== 8) return '0x' + hex(b);
  const type = b[0]!;
  const sub = b[1]!;
  if (type === 0x40 && sub === 0x04) return `lb:${u16(b, 2)}:${new DataView(b.buffer, b.byteOffset + 4, 4).getFloat32(0)}`;
  // Transitive two-octet AS (0x00), IPv4 address (0x01) and four-octet AS (0x02) specific.
  if (type === 0x00 || type === 0x01 || type === 0x02) {
    const admin = type === 0x00 ? `${u16(b, 2)}` : type === 0x01 ? formatIPv4(b, 2) : `${u32(b, 2)}`;
    const local = type === 0x00 ? u32(b, 4) : u16(b, 6);
    switch (sub) {
      case 0x02:
        return `rt:${admin}:${local}`;
      case 0x03:
        return `soo:${admin}:${local}`;
      case 0x05:
        return `ospf-domain:${admin}:${local}`;
      case 0x09:
        return `src-as:${admin}:${local}`;
      case 0x0b:
        return `vrf-import:${admin}:${local}`;
      default:
        break;
    }
  }
  if (type === 0x03 && sub === 0x0b) return `color:${u16(b, 2)}:${u32(b, 4)}`;
  if (type === 0x03 && sub === 0x0c) return `encap:${u16(b, 6)}`;
  if (type === 0x06) {
    switch (sub) {
      case 0x00:
        return `mac-mobility:${u32(b, 4)}${b[2]! & 1 ? ':sticky' : ''}`;
      case 0x01:
        return `esi-label:${b[2]!}:${((b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 4}`;
      case 0x02:
        return `es-import:${hex(b.subarray(2, 8), ':')}`;
      case 0x03:
        return `router-mac:${hex(b.subarray(2, 8), ':')}`;
      default:
        break;
    }
  }
  if (type === 0x80) {
    switch (sub) {
      case 0x06:
        return `traffic-rate:${u16(b, 2)}:${new DataView(b.buffer, b.byteOffset + 4, 4).getFloat32(0)}`;
      case 0x08:
        return `redirect:${u16(b, 2)}:${u32(b, 4)}`;
      case 0x09:
        return `dscp:${b[7]! & 0x3f}`;
      default:
        break;
    }
  }
  return '0x' + hex(b);
}

/** Route target / origin bytes for "rt:65000:100"-style text (types 0, 1 and 2); undefined otherwise. */
export function parseExtendedCommunity(text: string): Uint8Array | undefined {
  if (text.startsWith('0x')) {
    const t = text.slice(2);
    if (!/^[0-9a-fA-F]{16}$/.test(t)) return undefined;
    const out = new Uint8Array(8);
    for (let i = 0; i < 8; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  const m = /^(rt|soo):(.+):(\d+)$/.exec(text);
  if (!m) return undefined;
  const sub = m[1] === 'rt' ? 0x02 : 0x03;
  const admin = m[2]!;
  const local = Number(m[3]);
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  out[1] = sub;
  if (admin.includes('.')) {
    const parts = admin.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || local > 0xffff) return undefined;
    out[0] = 0x01;
    for (let i = 0; i < 4; i++) out[2 + i] = parts[i]!;
    dv.setUint16(6, local);
    return out;
  }
  const asn = Number(admin);
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) return undefined;
  if (asn <= 0xffff && local <= 0xffffffff) {
    dv.setUint16(2, asn);
    dv.setUint32(4, local);
    return out;
  }
  if (local > 0xffff) return undefined;
  out[0] = 0x02;
  dv.setUint32(2, asn);
  dv.setUint16(6, local);
  return out;
}

/** RFC 6793 §9: AS_TRANS. */
const AS_TRANS = 23456;

/**
 * The AS path to use, RFC 6793 §4.2.3. On a 4-octet session AS4_PATH is ignored (§4.1). On a
 * 2-octet one (`twoOctetAs`), AS4_PATH replaces the tail of AS_PATH: when AS_PATH is shorter
 * than AS4_PATH, AS4_PATH is ignored; when AGGREGATOR carries a real (non AS_TRANS) ASN next to
 * an AS4_AGGREGATOR, both AS4 attributes are ignored; confederation segments in AS4_PATH are
 * dropped.
 */
export function effectiveAsPath(attrs: Pick<PathAttributes, 'asPath' | 'as4Path' | 'twoOctetAs' | 'aggregator' | 'as4Aggregator'>): AsPathSegment[] {
  const asPath = attrs.asPath ?? [];
  if (attrs.twoOctetAs !== true || attrs.as4Path === undefined) return asPath.slice();
  if (attrs.aggregator !== undefined && attrs.as4Aggregator !== undefined && attrs.aggregator.asn !== AS_TRANS) return asPath.slice();
  const as4 = attrs.as4Path.filter((s) => s.type === 1 || s.type === 2);
  const n = asPathLength(asPath);
  const n4 = asPathLength(as4);
  if (n < n4) return asPath.slice();
  // Keep the leading n - n4 ASes of AS_PATH, with the confederation segments that lead or sit
  // among them (RFC 6793 §4.2.3 says to prepend those), then AS4_PATH.
  let keep = n - n4;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (s.type === 3 || s.type === 4) {
      out.push(s);
      continue;
    }
    if (keep === 0) break;
    if (s.type === 1) {
      out.push(s);
      keep -= 1;
    } else if (s.asns.length <= keep) {
      out.push(s);
      keep -= s.asns.length;
    } else {
      out.push({ type: s.type, asns: s.asns.slice(0, keep) });
      keep = 0;
    }
  }
  for (const s of as4) out.push(s);
  return out;
}

/** The aggregator to use, RFC 6793 §4.2.3: AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS on a 2-octet session. */
export function effectiveAggregator(attrs: Pick<PathAttributes, 'aggregator' | 'as4Aggregator' | 'twoOctetAs'>): Aggregator | undefined {
  if (attrs.twoOctetAs === true && attrs.aggregator?.asn === AS_TRANS && attrs.as4Aggregator !== undefined) return attrs.as4Aggregator;
  return attrs.aggregator;
}

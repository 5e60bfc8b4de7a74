/**
 * Capabilities Advertisement, RFC 5492: capability code, length, value, carried in OPEN optional
 * parameter type 2 (RFC 9494 long-lived graceful restart included). Each known capability is decoded next to its encoder; a capability whose value
 * is malformed stays in `all` and is simply not interpreted (an OPEN is never failed for it).
 */
import { Writer } from '../cursor.js';
import type { Capability, OpenCapabilities } from './types.js';

/** IANA "Capability Codes" used by name. */
export const CapabilityCode = {
  /** RFC 4760 §8 */
  Multiprotocol: 1,
  /** RFC 2918 */
  RouteRefresh: 2,
  /** RFC 8950 */
  ExtendedNextHop: 5,
  /** RFC 8654 */
  ExtendedMessage: 6,
  /** RFC 4724 §3 */
  GracefulRestart: 64,
  /** RFC 6793 */
  FourOctetAs: 65,
  /** RFC 7911 §4 */
  AddPath: 69,
  /** RFC 7313 */
  EnhancedRouteRefresh: 70,
  /** RFC 9494 */
  LongLivedGracefulRestart: 71,
  /** draft-walton-bgp-hostname-capability */
  Fqdn: 73,
  /** Cisco's pre-standard route refresh. */
  RouteRefreshCisco: 128,
} as const;

/** IANA "Capability Codes" names for the codes seen in practice; others are "unknown". */
export const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  1: 'Multiprotocol Extensions',
  2: 'Route Refresh',
  3: 'Outbound Route Filtering',
  5: 'Extended Next Hop Encoding',
  6: 'Extended Message',
  7: 'BGPsec',
  8: 'Multiple Labels',
  9: 'BGP Role',
  64: 'Graceful Restart',
  65: '4-octet AS Number',
  67: 'Dynamic Capability',
  69: 'ADD-PATH',
  70: 'Enhanced Route Refresh',
  71: 'Long-Lived Graceful Restart',
  73: 'FQDN',
  74: 'Software Version',
  128: 'Route Refresh (Cisco)',
};

export function capabilityName(code: number): string {
  return CAPABILITY_NAMES[code] ?? 'unknown';
}

type Family = { readonly afi: number; readonly safi: number };

/** RFC 4760 §8: AFI (2), reserved (1), SAFI (1). */
export function decodeMultiprotocol(v: Uint8Array): Family | undefined {
  if (v.length !== 4) return undefined;
  return { afi: (v[0]! << 8) | v[1]!, safi: v[3]! };
}
export function encodeMultiprotocol(f: Family): Uint8Array {
  return Uint8Array.of(f.afi >>> 8, f.afi & 255, 0, f.safi);
}

/** RFC 6793 §3: the 4-octet AS number. */
export function decodeFourOctetAs(v: Uint8Array): number | undefined {
  if (v.length !== 4) return undefined;
  return v[0]! * 0x1000000 + ((v[1]! << 16) | (v[2]! << 8) | v[3]!);
}
export function encodeFourOctetAs(asn: number): Uint8Array {
  return Uint8Array.of(asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
}

type AddPathEntry = { readonly afi: number; readonly safi: number; readonly sendReceive: number };
/** RFC 7911 §4: repeated AFI (2), SAFI (1), Send/Receive (1). */
export function decodeAddPath(v: Uint8Array): AddPathEntry[] | undefined {
  if (v.length % 4 !== 0) return undefined;
  const out: AddPathEntry[] = [];
  for (let i = 0; i < v.length; i += 4) out.push({ afi: (v[i]! << 8) | v[i + 1]!, safi: v[i + 2]!, sendReceive: v[i + 3]! });
  return out;
}
export function encodeAddPath(entries: readonly AddPathEntry[]): Uint8Array {
  const w = new Writer(entries.length * 4 + 1);
  for (const e of entries) w.u16(e.afi).u8(e.safi).u8(e.sendReceive);
  return w.finish();
}

type GracefulRestart = NonNullable<OpenCapabilities['gracefulRestart']>;
/** RFC 4724 §3: restart flags (4 bits) and time (12 bits), then AFI (2), SAFI (1), flags (1) per family. */
export function decodeGracefulRestart(v: Uint8Array): GracefulRestart | undefined {
  if (v.length < 2 || (v.length - 2) % 4 !== 0) return undefined;
  const families: { afi: number; safi: number; flags: number }[] = [];
  for (let i = 2; i < v.length; i += 4) families.push({ afi: (v[i]! << 8) | v[i + 1]!, safi: v[i + 2]!, flags: v[i + 3]! });
  return { flags: v[0]! >>> 4, time: ((v[0]! & 0x0f) << 8) | v[1]!, families };
}
export function encodeGracefulRestart(g: GracefulRestart): Uint8Array {
  const w = new Writer(2 + g.families.length * 4);
  w.u16(((g.flags & 0x0f) << 12) | (g.time & 0x0fff));
  for (const f of g.families) w.u16(f.afi).u8(f.safi).u8(f.flags);
  return w.finish();
}

type LongLivedGracefulRestart = NonNullable<OpenCapabilities['longLivedGracefulRestart']>;
/** RFC 9494 §3: per family AFI (2), SAFI (1), flags (1; bit 0x80 = forwarding state preserved), Long-lived Stale Time (3, seconds). */
export function decodeLongLivedGracefulRestart(v: Uint8Array): LongLivedGracefulRestart | undefined {
  if (v.length % 7 !== 0) return undefined;
  const families: { afi: number; safi: number; flags: number; staleTime: number }[] = [];
  for (let i = 0; i < v.length; i += 7) {
    families.push({ afi: (v[i]! << 8) | v[i + 1]!, safi: v[i + 2]!, flags: v[i + 3]!, staleTime: (v[i + 4]! << 16) | (v[i + 5]! << 8) | v[i + 6]! });
  }
  return { families };
}
export function encodeLongLivedGracefulRestart(g: LongLivedGracefulRestart): Uint8Array {
  const w = new Writer(g.families.length * 7 + 1);
  for (const f of g.families) {
    if (!Number.isInteger(f.staleTime) || f.staleTime < 0 || f.staleTime > 0xffffff) throw new RangeError(`long-lived stale time ${f.staleTime} is not 0..16777215`);
    w.u16(f.afi).u8(f.safi).u8(f.flags).u8(f.staleTime >>> 16).u16(f.staleTime & 0xffff);
  }
  return w.finish();
}

type ExtendedNextHop = { readonly afi: number; readonly safi: number; readonly nextHopAfi: number };
/** RFC 8950 §4: repeated NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2). */
export function decodeExtendedNextHop(v: Uint8Array): ExtendedNextHop[] | undefined {
  if (v.length % 6 !== 0) return undefined;
  const out: ExtendedNextHop[] = [];
  for (let i = 0; i < v.length; i += 6) out.push({ afi: (v[i]! << 8) | v[i + 1]!, safi: (v[i + 2]! << 8) | v[i + 3]!, nextHopAfi: (v[i + 4]! << 8) | v[i + 5]! });
  return out;
}
export function encodeExtendedNextHop(entries: readonly ExtendedNextHop[]): Uint8Array {
  const w = new Writer(entries.length * 6 + 1);
  for (const e of entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
  return w.finish();
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
/** Hostname capability: hostname length (1), hostname, domain length (1), domain. */
export function decodeFqdn(v: Uint8Array): { hostname: string; domain: string } | undefined {
  if (v.length < 1) return undefined;
  const hl = v[0]!;
  if (1 + hl > v.length) return undefined;
  const hostname = utf8.decode(v.subarray(1, 1 + hl));
  // Some speakers omit the domain part entirely.
  if (1 + hl === v.length) return { hostname, domain: '' };
  const dl = v[1 + hl]!;
  if (2 + hl + dl !== v.length) return undefined;
  return { hostname, domain: utf8.decode(v.subarray(2 + hl, 2 + hl + dl)) };
}
export function encodeFqdn(f: { readonly hostname: string; readonly domain: string }): Uint8Array {
  const te = new TextEncoder();
  const h = te.encode(f.hostname).subarray(0, 255);
  const d = te.encode(f.domain).subarray(0, 255);
  const w = new Writer(2 + h.length + d.length);
  w.u8(h.length).bytes(h).u8(d.length).bytes(d);
  return w.finish();
}

/** Interprets a list of capabilities (in wire order) into {@link OpenCapabilities}. */
export function interpretCapabilities(all: readonly Capability[]): OpenCapabilities {
  const multiprotocol: Family[] = [];
  const addPath: AddPathEntry[] = [];
  let routeRefresh = false;
  let extendedMessage = false;
  let fourOctetAs: number | undefined;
  let gracefulRestart: GracefulRestart | undefined;
  let fqdn: { hostname: string; domain: string } | undefined;
  let extendedNextHop: ExtendedNextHop[] | undefined;
  let enhancedRouteRefresh = false;
  let longLivedGracefulRestart: LongLivedGracefulRestart | undefined;
  for (const c of all) {
    switch (c.code) {
      case CapabilityCode.Multiprotocol: {
        const f = decodeMultiprotocol(c.value);
        if (f) multiprotocol.push(f);
        break;
      }
      case CapabilityCode.RouteRefresh:
      case CapabilityCode.RouteRefreshCisco:
        routeRefresh = true;
        break;
      case CapabilityCode.ExtendedMessage:
        extendedMessage = true;
        break;
      case CapabilityCode.GracefulRestart:
        gracefulRestart ??= decodeGracefulRestart(c.value);
        break;
      case CapabilityCode.FourOctetAs:
        fourOctetAs ??= decodeFourOctetAs(c.value);
        break;
      case CapabilityCode.AddPath: {
        const e = decodeAddPath(c.value);
        if (e) addPath.push(...e);
        break;
      }
      case CapabilityCode.Fqdn:
        fqdn ??= decodeFqdn(c.value);
        break;
      case CapabilityCode.ExtendedNextHop: {
        const e = decodeExtendedNextHop(c.value);
        if (e) extendedNextHop = [...(extendedNextHop ?? []), ...e];
        break;
      }
      case CapabilityCode.EnhancedRouteRefresh:
        enhancedRouteRefresh = true;
        break;
      case CapabilityCode.LongLivedGracefulRestart:
        longLivedGracefulRestart ??= decodeLongLivedGracefulRestart(c.value);
        break;
      default:
        break;
    }
  }
  const caps: {
    multiprotocol: Family[];
    routeRefresh: boolean;
    fourOctetAs?: number;
    addPath: AddPathEntry[];
    gracefulRestart?: GracefulRestart;
    extendedMessage: boolean;
    fqdn?: { hostname: string; domain: string };
    extendedNextHop?: ExtendedNextHop[];
    enhancedRouteRefresh?: boolean;
    longLivedGracefulRestart?: LongLivedGracefulRestart;
    all: readonly Capability[];
  } = { multiprotocol, routeRefresh, addPath, extendedMessage, all };
  if (fourOctetAs !== undefined) caps.fourOctetAs = fourOctetAs;
  if (gracefulRestart !== undefined) caps.gracefulRestart = gracefulRestart;
  if (fqdn !== undefined) caps.fqdn = fqdn;
  if (extendedNextHop !== undefined) caps.extendedNextHop = extendedNextHop;
  if (enhancedRouteRefresh) caps.enhancedRouteRefresh = true;
  if (longLivedGracefulRestart !== undefined) caps.longLivedGracefulRestart = longLivedGracefulRestart;
  return caps;
}

/**
 * The capability list for an {@link OpenCapabilities} built by hand: `all` when it is non-empty
 * (it is what a decoded OPEN carries), otherwise one capability per decoded field.
 */
export function capabilityList(c: Partial<OpenCapabilities>): Capability[] {
  if (c.all !== undefined && c.all.length > 0) return [...c.all];
  const out: Capability[] = [];
  for (const f of c.multiprotocol ?? []) out.push({ code: CapabilityCode.Multiprotocol, value: encodeMultiprotocol(f) });
  if (c.routeRefresh) out.push({ code: CapabilityCode.RouteRefresh, value: new Uint8Array(0) });
  if (c.enhancedRouteRefresh) out.push({ code: CapabilityCode.EnhancedRouteRefresh, value: new Uint8Array(0) });
  if (c.extendedNextHop && c.extendedNextHop.length > 0) out.push({ code: CapabilityCode.ExtendedNextHop, value: encodeExtendedNextHop(c.extendedNextHop) });
  if (c.extendedMessage) out.push({ code: CapabilityCode.ExtendedMessage, value: new Uint8Array(0) });
  if (c.gracefulRestart) out.push({ code: CapabilityCode.GracefulRestart, value: encodeGracefulRestart(c.gracefulRestart) });
  if (c.longLivedGracefulRestart) out.push({ code: CapabilityCode.LongLivedGracefulRestart, value: encodeLongLivedGracefulRestart(c.longLivedGracefulRestart) });
  if (c.fourOctetAs !== undefined) out.push({ code: CapabilityCode.FourOctetAs, value: encodeFourOctetAs(c.fourOctetAs) });
  if (c.addPath && c.addPath.length > 0) out.push({ code: CapabilityCode.AddPath, value: encodeAddPath(c.addPath) });
  if (c.fqdn) out.push({ code: CapabilityCode.Fqdn, value: encodeFqdn(c.fqdn) });
  return out;
}

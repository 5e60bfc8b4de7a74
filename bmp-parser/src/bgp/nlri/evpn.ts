/**
 * EVPN NLRI, RFC 7432 §7: route type (1), length (1), route-type-specific value; with ADD-PATH a
 * path identifier comes first. Known types:
 *   1 Ethernet Auto-Discovery (§7.1): RD, ESI, Ethernet Tag, MPLS label
 *   2 MAC/IP Advertisement (§7.2): RD, ESI, Ethernet Tag, MAC length+MAC, IP length+IP, label 1 [, label 2]
 *   3 Inclusive Multicast Ethernet Tag (§7.3): RD, Ethernet Tag, IP length+originating router IP
 *   4 Ethernet Segment (§7.4): RD, ESI, IP length+originating router IP
 *   5 IP Prefix (RFC 9136 §3.1): RD, ESI, Ethernet Tag, prefix length, prefix, gateway IP, label
 * The value is always kept (`raw`) so the route re-encodes byte for byte; a known type whose value
 * does not fit its layout keeps only `raw`, and so does an unknown type.
 *
 * `Nlri.prefix` is the route's key, the fields RFC 7432 says identify it, e.g.
 * "[2]:[65000:1]:[0]:[00:11:22:33:44:55]:[10.0.0.1]" or "[5]:[65000:1]:[0]:[10.1.0.0/16]".
 */
import type { Writer } from '../../cursor.js';
import { formatIPv4, formatIPv6, ipv4PrefixText, ipv6PrefixText, parseIp } from '../../address.js';
import { hex, parseHex } from '../../bytes.js';
import type { EvpnRoute, Nlri } from '../types.js';
import { requirePrefix } from './prefix.js';
import { formatRd, writeRd } from './rd.js';

export const EvpnRouteType = {
  EthernetAutoDiscovery: 1,
  MacIpAdvertisement: 2,
  InclusiveMulticastEthernetTag: 3,
  EthernetSegment: 4,
  IpPrefix: 5,
} as const;

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}
function u24(b: Uint8Array, p: number): number {
  return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
}
/** An IP of 0, 4 or 16 octets; null for other lengths. */
function ipAt(b: Uint8Array, p: number, len: number): string | null {
  if (len === 4) return formatIPv4(b, p);
  if (len === 16) return formatIPv6(b, p);
  return null;
}

/** Decodes one route-type value; the fields are added only when the value fits the type's layout. */
export function decodeEvpnRoute(routeType: number, v: Uint8Array): EvpnRoute {
  const r = decodeKnown(routeType, v);
  return r ?? { routeType, raw: v };
}

function decodeKnown(t: number, v: Uint8Array): EvpnRoute | undefined {
  const n = v.length;
  switch (t) {
    case 1:
      if (n !== 25) return undefined;
      return { routeType: t, rd: formatRd(v, 0), esi: hex(v.subarray(8, 18), ':'), ethernetTagId: u32(v, 18), labels: [u24(v, 22)], raw: v };
    case 2: {
      if (n < 33 || v[22] !== 48) return undefined;
      const ipBits = v[29]!;
      if (ipBits !== 0 && ipBits !== 32 && ipBits !== 128) return undefined;
      const ipLen = ipBits >>> 3;
      const after = 30 + ipLen;
      if (n !== after + 3 && n !== after + 6) return undefined;
      const labels = n === after + 3 ? [u24(v, after)] : [u24(v, after), u24(v, after + 3)];
      const route: EvpnRoute = { routeType: t, rd: formatRd(v, 0), esi: hex(v.subarray(8, 18), ':'), ethernetTagId: u32(v, 18), mac: hex(v.subarray(23, 29), ':'), labels, raw: v };
      const ip = ipAt(v, 30, ipLen);
      return ip === null ? route : { ...route, ip };
    }
    case 3: {
      if (n < 13) return undefined;
      const ipLen = v[12]! >>> 3;
      if ((v[12]! !== 32 && v[12]! !== 128) || n !== 13 + ipLen) return undefined;
      return { routeType: t, rd: formatRd(v, 0), ethernetTagId: u32(v, 8), originatorIp: ipAt(v, 13, ipLen)!, raw: v };
    }
    case 4: {
      if (n < 19) return undefined;
      const ipLen = v[18]! >>> 3;
      if ((v[18]! !== 32 && v[18]! !== 128) || n !== 19 + ipLen) return undefined;
      return { routeType: t, rd: formatRd(v, 0), esi: hex(v.subarray(8, 18), ':'), originatorIp: ipAt(v, 19, ipLen)!, raw: v };
    }
    case 5: {
      if (n !== 34 && n !== 58) return undefined;
      const v6 = n === 58;
      const plen = v[22]!;
      if (plen > (v6 ? 128 : 32)) return undefined;
      const alen = v6 ? 16 : 4;
      return {
        routeType: t,
        rd: formatRd(v, 0),
        esi: hex(v.subarray(8, 18), ':'),
        ethernetTagId: u32(v, 18),
        ipPrefix: v6 ? ipv6PrefixText(v, 23, plen) : ipv4PrefixText(v, 23, plen),
        gatewayIp: ipAt(v, 23 + alen, alen)!,
        labels: [u24(v, 23 + 2 * alen)],
        raw: v,
      };
    }
    default:
      return undefined;
  }
}

/** The route key used as `Nlri.prefix`. */
export function evpnKey(r: EvpnRoute): string {
  if (r.rd === undefined) return `[${r.routeType}]:[${hex(r.raw)}]`;
  switch (r.routeType) {
    case 1:
      return `[1]:[${r.rd}]:[${r.esi ?? ''}]:[${r.ethernetTagId ?? 0}]`;
    case 2:
      return `[2]:[${r.rd}]:[${r.ethernetTagId ?? 0}]:[${r.mac ?? ''}]:[${r.ip ?? ''}]`;
    case 3:
      return `[3]:[${r.rd}]:[${r.ethernetTagId ?? 0}]:[${r.originatorIp ?? ''}]`;
    case 4:
      return `[4]:[${r.rd}]:[${r.esi ?? ''}]:[${r.originatorIp ?? ''}]`;
    case 5:
      return `[5]:[${r.rd}]:[${r.ethernetTagId ?? 0}]:[${r.ipPrefix ?? ''}]`;
    default:
      return `[${r.routeType}]:[${hex(r.raw)}]`;
  }
}

/** Returns -1 when the field is consumed exactly, else the offset where it went wrong. */
export function decodeEvpnRoutes(b: Uint8Array, pos: number, end: number, addPath: boolean, out: Nlri[]): number {
  while (pos < end) {
    const start = pos;
    let pathId: number | null = null;
    if (addPath) {
      if (end - pos < 6) return start;
      pathId = u32(b, pos);
      pos += 4;
    }
    if (end - pos < 2) return start;
    const type = b[pos]!;
    const len = b[pos + 1]!;
    // Route type 0 is reserved (IANA): seeing it means the field is misread (path IDs the
    // session did not announce, or the reverse), so trial parsing gets to try the other way.
    if (type === 0) return start;
    pos += 2;
    if (end - pos < len) return start;
    const evpn = decodeEvpnRoute(type, b.subarray(pos, pos + len));
    pos += len;
    out.push({ prefix: evpnKey(evpn), pathId, evpn });
  }
  return -1;
}

function esiBytes(esi: string | undefined): Uint8Array {
  if (esi === undefined) return new Uint8Array(10);
  const b = parseHex(esi);
  if (b === undefined || b.length !== 10) throw new RangeError(`ESI "${esi}" is not 10 octets of hex`);
  return b;
}
function ipBytes(ip: string | undefined, what: string): Uint8Array {
  if (ip === undefined) return new Uint8Array(0);
  const b = parseIp(ip);
  if (b === undefined) throw new RangeError(`EVPN ${what} "${ip}" is not an IP address`);
  return b;
}
function label(w: Writer, v: number | undefined): void {
  const x = v ?? 0;
  w.u8((x >>> 16) & 255).u8((x >>> 8) & 255).u8(x & 255);
}

/** The route-type value: `raw` when it has bytes, else computed from the fields. */
export function encodeEvpnValue(r: EvpnRoute, w: Writer): void {
  if (r.raw.length > 0) {
    w.bytes(r.raw);
    return;
  }
  const rd = r.rd ?? '0:0';
  switch (r.routeType) {
    case 1:
      writeRd(w, rd);
      w.bytes(esiBytes(r.esi)).u32(r.ethernetTagId ?? 0);
      label(w, r.labels?.[0]);
      return;
    case 2: {
      writeRd(w, rd);
      w.bytes(esiBytes(r.esi)).u32(r.ethernetTagId ?? 0);
      const mac = parseHex(r.mac ?? '00:00:00:00:00:00');
      if (mac === undefined || mac.length !== 6) throw new RangeError(`MAC "${r.mac}" is not 6 octets`);
      w.u8(48).bytes(mac);
      const ip = ipBytes(r.ip, 'IP');
      w.u8(ip.length * 8).bytes(ip);
      const labels = r.labels ?? [0];
      for (const l of labels.slice(0, 2)) label(w, l);
      return;
    }
    case 3: {
      writeRd(w, rd);
      w.u32(r.ethernetTagId ?? 0);
      const ip = ipBytes(r.originatorIp ?? '0.0.0.0', 'originator');
      w.u8(ip.length * 8).bytes(ip);
      return;
    }
    case 4: {
      writeRd(w, rd);
      w.bytes(esiBytes(r.esi));
      const ip = ipBytes(r.originatorIp ?? '0.0.0.0', 'originator');
      w.u8(ip.length * 8).bytes(ip);
      return;
    }
    case 5: {
      const p = requirePrefix(r.ipPrefix ?? '0.0.0.0/0', (r.ipPrefix ?? '').includes(':'));
      writeRd(w, rd);
      w.bytes(esiBytes(r.esi)).u32(r.ethernetTagId ?? 0).u8(p.length).bytes(p.bytes);
      const gw = ipBytes(r.gatewayIp ?? (p.bytes.length === 16 ? '::' : '0.0.0.0'), 'gateway');
      if (gw.length !== p.bytes.length) throw new RangeError('EVPN type 5 gateway and prefix families differ');
      w.bytes(gw);
      label(w, r.labels?.[0]);
      return;
    }
    default:
      // An unknown route type is its raw value, which may be empty (kept, RFC 7432 §7 allows any length).
      w.bytes(r.raw);
      return;
  }
}

export function encodeEvpnRoutes(w: Writer, nlri: readonly Nlri[], addPath: boolean): void {
  for (const n of nlri) {
    if (n.evpn === undefined) throw new RangeError(`EVPN NLRI ${n.prefix} has no evpn route`);
    if (addPath) w.u32(n.pathId ?? 0);
    w.u8(n.evpn.routeType);
    const lenAt = w.pos;
    w.u8(0);
    encodeEvpnValue(n.evpn, w);
    const len = w.pos - lenAt - 1;
    if (len > 255) throw new RangeError(`EVPN route of ${len} octets exceeds 255`);
    w.patch16(lenAt - 1, (n.evpn.routeType << 8) | len);
  }
}

/**
 * From a link-layer frame to a TCP segment: Ethernet (with 802.1Q/802.1ad VLAN tags), Linux
 * cooked capture v1/v2, raw IP, BSD null/loopback; IPv4 (RFC 791) and IPv6 (RFC 8200, extension
 * headers skipped); TCP (RFC 9293). Anything else (UDP, ARP, fragments) is reported as skipped
 * with a reason, never thrown.
 */
import { formatIPv4, formatIPv6 } from '@ribwatch/bmp-parser';
import { LinkType } from './types.js';

export interface TcpSegment {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number (unsigned 32-bit). */
  readonly seq: number;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly ack: boolean;
  readonly payload: Uint8Array;
}

export type PacketDecode =
  | { readonly kind: 'tcp'; readonly segment: TcpSegment }
  | { readonly kind: 'skip'; readonly reason: string };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const IPPROTO_TCP = 6;

function skip(reason: string): PacketDecode {
  return { kind: 'skip', reason };
}

export function decodePacket(linkType: number, frame: Uint8Array): PacketDecode {
  switch (linkType) {
    case LinkType.Ethernet:
      return decodeEthernet(frame);
    case LinkType.LinuxSll:
      // 16-byte header; the protocol type (ethertype) is the last 2 bytes.
      if (frame.length < 16) return skip('short Linux SLL header');
      return decodeByEthertype(((frame[14] ?? 0) << 8) | (frame[15] ?? 0), frame.subarray(16));
    case LinkType.LinuxSll2:
      // 20-byte header; the protocol type comes first.
      if (frame.length < 20) return skip('short Linux SLL2 header');
      return decodeByEthertype(((frame[0] ?? 0) << 8) | (frame[1] ?? 0), frame.subarray(20));
    case LinkType.Raw:
    case LinkType.RawDlt12:
    case LinkType.RawDlt14:
      return decodeIp(frame);
    case LinkType.Ipv4:
      return decodeIpv4(frame);
    case LinkType.Ipv6:
      return decodeIpv6(frame);
    case LinkType.Null:
    case LinkType.Loop:
      return decodeNull(linkType, frame);
    default:
      return skip(`unsupported link type ${linkType}`);
  }
}

function decodeEthernet(frame: Uint8Array): PacketDecode {
  let off = 12;
  if (frame.length < 14) return skip('short Ethernet header');
  let type = ((frame[off] ?? 0) << 8) | (frame[off + 1] ?? 0);
  off += 2;
  while (VLAN_TAGS.has(type)) {
    if (frame.length < off + 4) return skip('short VLAN tag');
    type = ((frame[off + 2] ?? 0) << 8) | (frame[off + 3] ?? 0);
    off += 4;
  }
  return decodeByEthertype(type, frame.subarray(off));
}

function decodeByEthertype(type: number, payload: Uint8Array): PacketDecode {
  if (type === ETHERTYPE_IPV4) return decodeIpv4(payload);
  if (type === ETHERTYPE_IPV6) return decodeIpv6(payload);
  return skip(`ethertype 0x${type.toString(16).padStart(4, '0')} is not IP`);
}

/** BSD loopback: a 4-byte address family, host byte order for LINKTYPE_NULL, network order for LINKTYPE_LOOP. */
function decodeNull(linkType: number, frame: Uint8Array): PacketDecode {
  if (frame.length < 4) return skip('short loopback header');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const family = linkType === LinkType.Loop ? dv.getUint32(0, false) : dv.getUint32(0, true) > 0xffff ? dv.getUint32(0, false) : dv.getUint32(0, true);
  if (family === 2) return decodeIpv4(frame.subarray(4));
  // AF_INET6 differs per OS: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
  if (family === 24 || family === 28 || family === 30 || family === 10) return decodeIpv6(frame.subarray(4));
  return skip(`loopback address family ${family} is not IP`);
}

function decodeIp(frame: Uint8Array): PacketDecode {
  const v = (frame[0] ?? 0) >> 4;
  if (v === 4) return decodeIpv4(frame);
  if (v === 6) return decodeIpv6(frame);
  return skip(`raw IP version ${v}`);
}

function decodeIpv4(p: Uint8Array): PacketDecode {
  if (p.length < 20 || (p[0] ?? 0) >> 4 !== 4) return skip('short or invalid IPv4 header');
  const ihl = ((p[0] ?? 0) & 0x0f) * 4;
  let total = ((p[2] ?? 0) << 8) | (p[3] ?? 0);
  // Total length 0 happens with TCP segmentation offload captures: trust the captured bytes.
  if (total === 0 || total > p.length) total = p.length;
  if (ihl < 20 || ihl > total) return skip('invalid IPv4 header length');
  const fragField = ((p[6] ?? 0) << 8) | (p[7] ?? 0);
  if ((fragField & 0x2000) !== 0 || (fragField & 0x1fff) !== 0) return skip('IPv4 fragment (reassembly not supported)');
  const proto = p[9] ?? 0;
  if (proto !== IPPROTO_TCP) return skip(`IP protocol ${proto} is not TCP`);
  return decodeTcp(formatIPv4(p, 12), formatIPv4(p, 16), p.subarray(ihl, total));
}

/** Extension headers that share the generic (next header, length in 8-octet units) layout. */
const IPV6_EXT = new Set([0, 43, 60, 135, 139, 140]);

function decodeIpv6(p: Uint8Array): PacketDecode {
  if (p.length < 40 || (p[0] ?? 0) >> 4 !== 6) return skip('short or invalid IPv6 header');
  const payloadLen = ((p[4] ?? 0) << 8) | (p[5] ?? 0);
  // Payload length 0 is a jumbogram (RFC 2675) or a TSO capture: trust the captured bytes.
  const end = payloadLen === 0 || 40 + payloadLen > p.length ? p.length : 40 + payloadLen;
  let next = p[6] ?? 0;
  let off = 40;
  for (let hops = 0; hops < 16; hops++) {
    if (next === IPPROTO_TCP) return decodeTcp(formatIPv6(p, 8), formatIPv6(p, 24), p.subarray(off, end));
    if (off + 8 > end) return skip('short IPv6 extension header');
    if (IPV6_EXT.has(next)) {
      const len = ((p[off + 1] ?? 0) + 1) * 8;
      next = p[off] ?? 0;
      off += len;
    } else if (next === 44) {
      const fragField = ((p[off + 2] ?? 0) << 8) | (p[off + 3] ?? 0);
      if ((fragField & 0xfff9) !== 0) return skip('IPv6 fragment (reassembly not supported)');
      // An atomic fragment (offset 0, M clear) is a whole packet.
      next = p[off] ?? 0;
      off += 8;
    } else if (next === 51) {
      // Authentication Header: length in 4-octet units, minus 2.
      const len = ((p[off + 1] ?? 0) + 2) * 4;
      next = p[off] ?? 0;
      off += len;
    } else if (next === 59) {
      return skip('IPv6 no next header');
    } else {
      return skip(`IP protocol ${next} is not TCP`);
    }
  }
  return skip('too many IPv6 extension headers');
}

function decodeTcp(src: string, dst: string, t: Uint8Array): PacketDecode {
  if (t.length < 20) return skip('short TCP header');
  const dataOff = ((t[12] ?? 0) >> 4) * 4;
  if (dataOff < 20 || dataOff > t.length) return skip('invalid TCP data offset');
  const flags = t[13] ?? 0;
  const seq = (((t[4] ?? 0) << 24) | ((t[5] ?? 0) << 16) | ((t[6] ?? 0) << 8) | (t[7] ?? 0)) >>> 0;
  return {
    kind: 'tcp',
    segment: {
      src,
      dst,
      srcPort: ((t[0] ?? 0) << 8) | (t[1] ?? 0),
      dstPort: ((t[2] ?? 0) << 8) | (t[3] ?? 0),
      seq,
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      ack: (flags & 0x10) !== 0,
      payload: t.subarray(dataOff),
    },
  };
}

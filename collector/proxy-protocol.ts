/**
 * The PROXY protocol header (HAProxy's "PROXY protocol" specification, versions 1 and 2) that a
 * load balancer puts in front of a TCP stream so the receiver learns the client's address: the
 * router behind a Kubernetes Service or an HAProxy that would otherwise all look like one source.
 *
 *   v1: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" (or TCP6, or "PROXY UNKNOWN…\r\n"), at most
 *       107 bytes, ASCII.
 *   v2: 12-byte signature, version/command byte (0x20 LOCAL, 0x21 PROXY), family/transport byte,
 *       16-bit length, then the addresses (and TLVs, skipped) — at most 16 + 65535 bytes.
 *
 * A BMP stream starts with its version byte (3, RFC 7854 §4.1), which is neither 'P' nor '\r',
 * so the first byte tells a header from a router speaking BMP directly ("optional" mode).
 *
 * Pure and total: parseProxyHeader never throws and reads only the bytes it is given; it says
 * "need more" until the header is whole, so the caller bounds waiting and size.
 */
import { isIP } from 'node:net';

/** The v2 signature: \r\n\r\n\0\r\nQUIT\n. */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a);
const V1_PREFIX = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20); // "PROXY "
/** The longest v1 line, CRLF included (the specification's figure). */
export const PROXY_V1_MAX_LENGTH = 107;
export const PROXY_V2_HEADER_LENGTH = 16;

export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

export type ProxyHeaderResult =
  /** The bytes so far are a prefix of a header: read more. */
  | { readonly kind: 'incomplete' }
  /** The stream does not start with a header (a router speaking BMP directly). */
  | { readonly kind: 'absent' }
  /**
   * A whole header of `length` bytes. `source` is the client (the router) for a proxied TCP
   * connection; undefined for LOCAL (v2: the proxy's own connection, e.g. a health check) and
   * UNKNOWN (v1) or an unspecified family, where the connection's own addresses stand.
   */
  | { readonly kind: 'header'; readonly version: 1 | 2; readonly length: number; readonly source?: ProxyEndpoint; readonly destination?: ProxyEndpoint }
  | { readonly kind: 'malformed'; readonly reason: string };

function isPrefixOf(buf: Uint8Array, sig: Uint8Array): boolean {
  const n = Math.min(buf.length, sig.length);
  for (let i = 0; i < n; i++) if (buf[i] !== sig[i]) return false;
  return true;
}

/** Reads a PROXY protocol header at the start of `buf`. */
export function parseProxyHeader(buf: Uint8Array): ProxyHeaderResult {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (buf[0] === PROXY_V2_SIGNATURE[0]) {
    if (!isPrefixOf(buf, PROXY_V2_SIGNATURE)) return { kind: 'malformed', reason: 'bytes that are neither BMP nor a PROXY v2 signature' };
    return parseV2(buf);
  }
  if (buf[0] === V1_PREFIX[0]) {
    if (!isPrefixOf(buf, V1_PREFIX)) return { kind: 'malformed', reason: 'bytes that are neither BMP nor a PROXY v1 header' };
    return parseV1(buf);
  }
  return { kind: 'absent' };
}

function parseV2(buf: Uint8Array): ProxyHeaderResult {
  if (buf.length < PROXY_V2_HEADER_LENGTH) return { kind: 'incomplete' };
  const verCmd = buf[12]!;
  const famProto = buf[13]!;
  const len = (buf[14]! << 8) | buf[15]!;
  const version = verCmd >> 4;
  const command = verCmd & 0x0f;
  if (version !== 2) return { kind: 'malformed', reason: `PROXY v2 version nibble ${version}, expected 2` };
  if (command > 1) return { kind: 'malformed', reason: `PROXY v2 command ${command}, expected 0 (LOCAL) or 1 (PROXY)` };
  const total = PROXY_V2_HEADER_LENGTH + len;
  if (buf.length < total) return { kind: 'incomplete' };
  // LOCAL: the proxy speaks for itself; the address block (if any) is to be ignored.
  if (command === 0) return { kind: 'header', version: 2, length: total };
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  // UNSPEC family: "the receiver should ignore the address information".
  if (family === 0) return { kind: 'header', version: 2, length: total };
  if (transport !== 1) return { kind: 'malformed', reason: `PROXY v2 transport ${transport}: BMP runs over TCP (STREAM, 1)` };
  const a = buf.subarray(PROXY_V2_HEADER_LENGTH, total);
  if (family === 1 || family === 2) {
    // Source address, destination address, source port, destination port (TLVs may follow).
    const n = family === 1 ? 4 : 16;
    const text = (at: number): string => (family === 1 ? `${a[at]}.${a[at + 1]}.${a[at + 2]}.${a[at + 3]}` : ipv6Text(a.subarray(at, at + 16)));
    if (len < 2 * n + 4) return { kind: 'malformed', reason: `PROXY v2 TCP over ${family === 1 ? 'IPv4' : 'IPv6'} with ${len} address bytes, expected at least ${2 * n + 4}` };
    return {
      kind: 'header',
      version: 2,
      length: total,
      source: { address: text(0), port: (a[2 * n]! << 8) | a[2 * n + 1]! },
      destination: { address: text(n), port: (a[2 * n + 2]! << 8) | a[2 * n + 3]! },
    };
  }
  if (family === 3) return { kind: 'malformed', reason: 'PROXY v2 AF_UNIX addresses: a router has an IP address' };
  return { kind: 'malformed', reason: `PROXY v2 address family ${family}` };
}

/**
 * RFC 5952 text (lower case, longest zero run compressed), as Node reports socket addresses; an
 * IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address it is, as canonicalAddress treats sockets.
 * The WHATWG URL parser does the compression (its IPv6 serializer is RFC 5952's).
 */
function ipv6Canonical(text: string): string {
  const h = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (m === null) return h;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return ipv6Canonical(groups.join(':'));
}

function parseV1(buf: Uint8Array): ProxyHeaderResult {
  const limit = Math.min(buf.length, PROXY_V1_MAX_LENGTH);
  let cr = -1;
  for (let i = V1_PREFIX.length; i < limit; i++) {
    const c = buf[i]!;
    if (c === 0x0d) {
      cr = i;
      break;
    }
    if (c < 0x20 || c > 0x7e) return { kind: 'malformed', reason: `PROXY v1 header with a non-ASCII byte at ${i}` };
  }
  if (cr < 0) return buf.length >= PROXY_V1_MAX_LENGTH ? { kind: 'malformed', reason: `PROXY v1 header without CRLF in ${PROXY_V1_MAX_LENGTH} bytes` } : { kind: 'incomplete' };
  if (cr + 1 >= buf.length) return { kind: 'incomplete' };
  if (buf[cr + 1] !== 0x0a) return { kind: 'malformed', reason: 'PROXY v1 header: CR not followed by LF' };
  const line = String.fromCharCode(...buf.subarray(0, cr));
  const length = cr + 2;
  const f = line.split(' ');
  if (f[1] === 'UNKNOWN') return { kind: 'header', version: 1, length };
  if (f.length !== 6) return { kind: 'malformed', reason: `PROXY v1 header with ${f.length} fields, expected 6: "${line}"` };
  const [, proto, src, dst, sport, dport] = f as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (family === 0) return { kind: 'malformed', reason: `PROXY v1 protocol "${proto}", expected TCP4, TCP6 or UNKNOWN` };
  for (const [what, addr] of [['source', src], ['destination', dst]] as const) {
    if (isIP(addr) !== family) return { kind: 'malformed', reason: `PROXY v1 ${what} address "${addr}" is not ${proto === 'TCP4' ? 'IPv4' : 'IPv6'}` };
  }
  const ports: number[] = [];
  for (const p of [sport, dport]) {
    // Decimal without leading zeros, 0-65535, as the specification writes them.
    if (!/^(0|[1-9]\d{0,4})$/.test(p) || Number(p) > 65535) return { kind: 'malformed', reason: `PROXY v1 port "${p}" is not 0-65535` };
    ports.push(Number(p));
  }
  const address = (s: string): string => (family === 6 ? ipv6Canonical(s) : s);
  return { kind: 'header', version: 1, length, source: { address: address(src), port: ports[0]! }, destination: { address: address(dst), port: ports[1]! } };
}

/**
 * Address helpers shared by the roles: HOST:PORT listen specs ("127.0.0.1:11019", "[::1]:11019")
 * and CIDR allowlists. Node reports IPv4 peers on a dual-stack socket as "::ffff:a.b.c.d"; they are
 * matched as the IPv4 address they are, so "127.0.0.0/8" allows them.
 */
import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port" or "[v6]:port"; returns an error text instead of throwing. */
export function parseHostPort(s: string): HostPort | string {
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return 'expected [IPv6]:PORT';
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon <= 0) return 'expected HOST:PORT';
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    // A bare IPv6 address without brackets is ambiguous ("::1:11019"): insist on brackets.
    if (host.includes(':')) return 'IPv6 addresses need brackets: [IPv6]:PORT';
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number`;
  const port = Number(portText);
  if (port > 65535) return `port ${port} is out of range`;
  return { host, port };
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/** An IPv4 or IPv6 network; `bits` as a bigint so one comparison covers both families. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly length: number;
  readonly text: string;
}

function ipv4Value(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function ipv6Value(s: string): bigint | undefined {
  if (isIP(s) !== 6) return undefined;
  let text = s;
  // An embedded dotted quad ("::ffff:1.2.3.4") becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/** An address as (family, value), with IPv4-mapped IPv6 ("::ffff:a.b.c.d") folded to IPv4. */
export function addressValue(addr: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = ipv4Value(addr);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = ipv6Value(addr);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** "::ffff:127.0.0.1" → "127.0.0.1": the router is named by the address it really has. */
export function canonicalAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

export function parseCidr(s: string): Cidr | string {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const a = addressValue(addrText);
  if (!a || (a.family === 4 && addrText.includes(':'))) return `"${s}" is not an IPv4 or IPv6 network`;
  const max = a.family === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lt = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lt) || Number(lt) > max) return `prefix length in "${s}" must be 0..${max}`;
    length = Number(lt);
  }
  const shift = BigInt(max - length);
  const network = (a.value >> shift) << shift;
  return { family: a.family, network, length, text: s };
}

export function cidrContains(c: Cidr, addr: string): boolean {
  const a = addressValue(addr);
  if (!a || a.family !== c.family) return false;
  const shift = BigInt((c.family === 4 ? 32 : 128) - c.length);
  return (a.value >> shift) << shift === c.network;
}

export function anyCidrContains(list: readonly Cidr[], addr: string): boolean {
  for (const c of list) if (cidrContains(c, addr)) return true;
  return false;
}

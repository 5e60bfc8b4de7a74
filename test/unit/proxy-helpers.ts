/**
 * PROXY protocol headers as load balancers write them, for the tests: v1 text lines and v2 binary
 * headers (IPv4, IPv6, LOCAL, with TLVs), built from the specification's layout.
 */
import { isIP } from 'node:net';
import { PROXY_V2_SIGNATURE } from '../../collector/proxy-protocol.js';

export function proxyV1(src: string, dst: string, sport: number, dport: number): Buffer {
  return Buffer.from(`PROXY ${isIP(src) === 6 ? 'TCP6' : 'TCP4'} ${src} ${dst} ${sport} ${dport}\r\n`, 'latin1');
}

function ipBytes(a: string): Buffer {
  if (isIP(a) === 4) return Buffer.from(a.split('.').map(Number));
  const [head = '', tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** A v2 header: PROXY command over TCP (or LOCAL), optional TLV bytes after the addresses. */
export function proxyV2(src: string, dst: string, sport: number, dport: number, opts: { local?: boolean; tlvs?: Buffer } = {}): Buffer {
  const six = isIP(src) === 6;
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sport, 0);
  ports.writeUInt16BE(dport, 2);
  const body = Buffer.concat([ipBytes(src), ipBytes(dst), ports, opts.tlvs ?? Buffer.alloc(0)]);
  const head = Buffer.alloc(4);
  head[0] = opts.local === true ? 0x20 : 0x21;
  head[1] = six ? 0x21 : 0x11;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([Buffer.from(PROXY_V2_SIGNATURE), head, body]);
}

/**
 * The OpenBMP raw feed format ("OBMP" binary header v1.7, object type 12 = BMP_RAW): one BMP
 * message per Kafka record behind a binary header that says which collector and router it came
 * from and when the collector received it. OpenBMP's `openbmp.bmp_raw` topic, GoBMP in raw mode
 * and BGPStream read it; publishing it as an option lets those consumers read ribwatch.
 *
 * Header, all integers big-endian:
 *   magic "OBMP" | major 1 | minor 7 | header length u16 | BMP message length u32 |
 *   flags u8 (0x80 router message, 0x40 router address is IPv6) | object type u8 (12) |
 *   collector time seconds u32 | microseconds u32 | collector hash 16 | admin id length u16 |
 *   admin id | router hash 16 | router address 16 (IPv4 in the first 4, zero padded) |
 *   router group length u16 | router group | row count u32 (1)
 *
 * Hashes are MD5, as OpenBMP's: the collector hash over the admin id, the router hash over the
 * router address and the collector hash. Consumers use them as opaque ids.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export const OBMP_MAGIC = 0x4f424d50;
export const OBMP_VERSION = [1, 7] as const;
export const OBMP_TYPE_BMP_RAW = 12;
const FLAG_ROUTER = 0x80;
const FLAG_V6 = 0x40;

export interface ObmpRawMeta {
  /** The collector's name (OpenBMP admin id), e.g. the host name. At most 255 bytes are kept. */
  readonly adminId: string;
  /** The router's address (the BMP session's source). */
  readonly router: string;
  readonly routerGroup?: string;
  /** Arrival time at the collector, ms since the epoch (UTC); µs precision when `micros` is given. */
  readonly timeMs: number;
  readonly micros?: number;
}

export interface ObmpRawMessage extends Required<Omit<ObmpRawMeta, 'micros'>> {
  readonly micros: number;
  readonly collectorHash: string;
  readonly routerHash: string;
  /** The BMP message, as the router sent it. */
  readonly bmp: Buffer;
}

const md5 = (...parts: (string | Buffer)[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function ipBytes(addr: string): { bytes: Buffer; v6: boolean } {
  const out = Buffer.alloc(16);
  if (isIPv4(addr)) {
    addr.split('.').forEach((o, i) => out.writeUInt8(Number(o), i));
    return { bytes: out, v6: false };
  }
  if (!isIPv6(addr)) throw new Error(`OBMP: router address ${JSON.stringify(addr)} is not an IP address`);
  // Expand "::" and an embedded IPv4 tail into 8 groups.
  let text = addr.split('%')[0] as string;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const o = (v4tail[1] as string).split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -(v4tail[1] as string).length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return { bytes: out, v6: true };
}

function ipText(b: Buffer, v6: boolean): string {
  if (!v6) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > len && j - i > 1) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + len).join(':')}`;
}

/** Wraps one BMP message in the OBMP v1.7 raw header. */
export function encodeObmpRaw(bmp: Uint8Array, meta: ObmpRawMeta): Buffer {
  const admin = Buffer.from(meta.adminId, 'utf8').subarray(0, 255);
  const group = Buffer.from(meta.routerGroup ?? '', 'utf8').subarray(0, 255);
  const { bytes: ip, v6 } = ipBytes(meta.router);
  const collectorHash = md5(admin);
  const routerHash = md5(meta.router, collectorHash.toString('hex'));
  const headerLen = 4 + 1 + 1 + 2 + 4 + 1 + 1 + 4 + 4 + 16 + 2 + admin.length + 16 + 16 + 2 + group.length + 4;
  const out = Buffer.alloc(headerLen + bmp.length);
  let o = 0;
  o = out.writeUInt32BE(OBMP_MAGIC, o);
  o = out.writeUInt8(OBMP_VERSION[0], o);
  o = out.writeUInt8(OBMP_VERSION[1], o);
  o = out.writeUInt16BE(headerLen, o);
  o = out.writeUInt32BE(bmp.length, o);
  o = out.writeUInt8(FLAG_ROUTER | (v6 ? FLAG_V6 : 0), o);
  o = out.writeUInt8(OBMP_TYPE_BMP_RAW, o);
  const secs = Math.floor(meta.timeMs / 1000);
  const micros = meta.micros ?? (meta.timeMs - secs * 1000) * 1000;
  o = out.writeUInt32BE(secs >>> 0, o);
  o = out.writeUInt32BE(Math.floor(micros) >>> 0, o);
  o += collectorHash.copy(out, o);
  o = out.writeUInt16BE(admin.length, o);
  o += admin.copy(out, o);
  o += routerHash.copy(out, o);
  o += ip.copy(out, o);
  o = out.writeUInt16BE(group.length, o);
  o += group.copy(out, o);
  o = out.writeUInt32BE(1, o);
  out.set(bmp, o);
  return out;
}

/** Reads an OBMP v1.7 BMP_RAW record; throws with the reason when it is not one. */
export function decodeObmpRaw(buf: Buffer): ObmpRawMessage {
  const need = (n: number, at: number, what: string): void => {
    if (at + n > buf.length) throw new Error(`OBMP: truncated at ${what} (offset ${at}, ${buf.length} bytes)`);
  };
  need(14, 0, 'fixed header');
  if (buf.readUInt32BE(0) !== OBMP_MAGIC) throw new Error('OBMP: bad magic (not an OBMP raw record)');
  const [maj, min] = [buf.readUInt8(4), buf.readUInt8(5)];
  if (maj !== 1 || min !== 7) throw new Error(`OBMP: version ${maj}.${min} (this reads 1.7)`);
  const headerLen = buf.readUInt16BE(6);
  const msgLen = buf.readUInt32BE(8);
  const flags = buf.readUInt8(12);
  const type = buf.readUInt8(13);
  if (type !== OBMP_TYPE_BMP_RAW) throw new Error(`OBMP: object type ${type} (this reads 12, BMP_RAW)`);
  if (!(flags & FLAG_ROUTER)) throw new Error('OBMP: not a router message');
  let o = 14;
  need(8 + 16 + 2, o, 'timestamp and collector');
  const secs = buf.readUInt32BE(o);
  const micros = buf.readUInt32BE(o + 4);
  o += 8;
  const collectorHash = buf.subarray(o, o + 16).toString('hex');
  o += 16;
  const adminLen = buf.readUInt16BE(o);
  o += 2;
  need(adminLen + 32 + 2, o, 'admin id and router');
  const adminId = buf.subarray(o, o + adminLen).toString('utf8');
  o += adminLen;
  const routerHash = buf.subarray(o, o + 16).toString('hex');
  o += 16;
  const router = ipText(buf.subarray(o, o + 16), (flags & FLAG_V6) !== 0);
  o += 16;
  const groupLen = buf.readUInt16BE(o);
  o += 2;
  need(groupLen + 4, o, 'router group and row count');
  const routerGroup = buf.subarray(o, o + groupLen).toString('utf8');
  o += groupLen + 4;
  if (o !== headerLen) throw new Error(`OBMP: header length says ${headerLen}, fields end at ${o}`);
  need(msgLen, o, 'BMP message');
  return { adminId, router, routerGroup, timeMs: secs * 1000 + Math.floor(micros / 1000), micros, collectorHash, routerHash, bmp: buf.subarray(o, o + msgLen) };
}

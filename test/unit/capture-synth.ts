/**
 * Builders for synthetic captures used by the capture tests: BMP-shaped messages, IPv4/IPv6 TCP
 * packets, link-layer framing and pcap/pcapng files. Only what the tests need, written from the
 * file format specifications.
 */

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A BMP common header (RFC 7854 §4.1) followed by `bodyLen` filler bytes (value = `fill`). */
export function bmpMessage(type: number, bodyLen: number, fill = 0, version = 3): Uint8Array {
  const len = 6 + bodyLen;
  const m = new Uint8Array(len).fill(fill);
  m[0] = version;
  new DataView(m.buffer).setUint32(1, len);
  m[5] = type;
  return m;
}

/** An Initiation message with a sysName TLV (type 2). */
export function bmpInitiation(name: string): Uint8Array {
  const v = new TextEncoder().encode(name);
  const tlv = new Uint8Array(4 + v.length);
  new DataView(tlv.buffer).setUint16(0, 2);
  new DataView(tlv.buffer).setUint16(2, v.length);
  tlv.set(v, 4);
  const h = bmpMessage(4, 0);
  const m = concat([h, tlv]);
  new DataView(m.buffer).setUint32(1, m.length);
  return m;
}

function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

function ipv6Bytes(a: string): number[] {
  const [head = '', tail = ''] = a.includes('::') ? a.split('::') : [a, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

export interface TcpOpts {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly syn?: boolean;
  readonly ack?: boolean;
  readonly payload?: Uint8Array;
}

function tcpHeader(o: TcpOpts): Uint8Array {
  const t = new Uint8Array(20);
  const dv = new DataView(t.buffer);
  dv.setUint16(0, o.sport);
  dv.setUint16(2, o.dport);
  dv.setUint32(4, o.seq >>> 0);
  dv.setUint32(8, 0);
  t[12] = 5 << 4;
  t[13] = (o.syn ? 0x02 : 0) | (o.ack !== false ? 0x10 : 0) | ((o.payload?.length ?? 0) > 0 ? 0x08 : 0);
  dv.setUint16(14, 65535);
  return concat([t, o.payload ?? new Uint8Array(0)]);
}

/** IPv4 + TCP (checksums left zero: nothing here verifies them). */
export function ipv4Tcp(o: TcpOpts): Uint8Array {
  const tcp = tcpHeader(o);
  const ip = new Uint8Array(20);
  const dv = new DataView(ip.buffer);
  ip[0] = 0x45;
  dv.setUint16(2, 20 + tcp.length);
  dv.setUint16(6, 0x4000); // DF
  ip[8] = 64;
  ip[9] = 6;
  ip.set(ipv4Bytes(o.src), 12);
  ip.set(ipv4Bytes(o.dst), 16);
  return concat([ip, tcp]);
}

export function ipv4Udp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const udp = new Uint8Array(8);
  new DataView(udp.buffer).setUint16(0, sport);
  new DataView(udp.buffer).setUint16(2, dport);
  new DataView(udp.buffer).setUint16(4, 8 + payload.length);
  const ip = new Uint8Array(20);
  ip[0] = 0x45;
  new DataView(ip.buffer).setUint16(2, 28 + payload.length);
  ip[8] = 64;
  ip[9] = 17;
  ip.set(ipv4Bytes(src), 12);
  ip.set(ipv4Bytes(dst), 16);
  return concat([ip, udp, payload]);
}

/** IPv6 + optional hop-by-hop and destination-options headers + TCP. */
export function ipv6Tcp(o: TcpOpts, extensionHeaders = false): Uint8Array {
  const tcp = tcpHeader(o);
  const ext = extensionHeaders
    ? // Hop-by-hop (next = 60, len 0 → 8 bytes, PadN), then destination options (next = 6 TCP, len 1 → 16 bytes).
      Uint8Array.from([60, 0, 1, 4, 0, 0, 0, 0, 6, 1, 1, 12, ...Array<number>(12).fill(0)])
    : new Uint8Array(0);
  const ip = new Uint8Array(40);
  const dv = new DataView(ip.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, ext.length + tcp.length);
  ip[6] = extensionHeaders ? 0 : 6;
  ip[7] = 64;
  ip.set(ipv6Bytes(o.src), 8);
  ip.set(ipv6Bytes(o.dst), 24);
  return concat([ip, ext, tcp]);
}

/** Ethernet II, optionally with one 802.1Q tag. The ethertype follows the IP version. */
export function ethernet(ip: Uint8Array, vlan?: number): Uint8Array {
  const type = (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
  const macs = Uint8Array.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
  const tag = vlan === undefined ? [] : [0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 0xff];
  return concat([macs, Uint8Array.from(tag), Uint8Array.from([type >> 8, type & 0xff]), ip]);
}

export function linuxSll(ip: Uint8Array): Uint8Array {
  const h = new Uint8Array(16);
  const type = (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
  h[14] = type >> 8;
  h[15] = type & 0xff;
  return concat([h, ip]);
}

export function linuxSll2(ip: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  const type = (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
  h[0] = type >> 8;
  h[1] = type & 0xff;
  return concat([h, ip]);
}

/** BSD null/loopback: AF_INET 2 in host (here little-endian) order. */
export function nullLoopback(ip: Uint8Array): Uint8Array {
  const family = (ip[0] ?? 0) >> 4 === 6 ? 30 : 2;
  return concat([Uint8Array.from([family, 0, 0, 0]), ip]);
}

export interface PcapOpts {
  readonly linkType: number;
  readonly littleEndian?: boolean;
  readonly nanosecond?: boolean;
}

export function pcapFile(frames: readonly Uint8Array[], o: PcapOpts): Uint8Array {
  const le = o.littleEndian ?? true;
  const head = new Uint8Array(24);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, 262144, le);
  dv.setUint32(20, o.linkType, le);
  const parts: Uint8Array[] = [head];
  frames.forEach((f, i) => {
    const rh = new Uint8Array(16);
    const r = new DataView(rh.buffer);
    r.setUint32(0, 1_700_000_000 + i, le);
    r.setUint32(4, 500, le);
    r.setUint32(8, f.length, le);
    r.setUint32(12, f.length, le);
    parts.push(rh, f);
  });
  return concat(parts);
}

function pad4(b: Uint8Array): Uint8Array {
  return b.length % 4 === 0 ? b : concat([b, new Uint8Array(4 - (b.length % 4))]);
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const b = pad4(body);
  const out = new Uint8Array(12 + b.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, out.length, le);
  out.set(b, 8);
  dv.setUint32(out.length - 4, out.length, le);
  return out;
}

export interface PcapngPacket {
  readonly iface: number;
  readonly frame: Uint8Array;
  /** Write as a Simple Packet Block (interface 0 only). */
  readonly simple?: boolean;
}

/** One section; interfaces by link type; packets as EPBs (or SPBs) with microsecond timestamps. */
export function pcapngFile(linkTypes: readonly number[], packets: readonly PcapngPacket[], littleEndian = true): Uint8Array {
  const le = littleEndian;
  const shb = new Uint8Array(16);
  const s = new DataView(shb.buffer);
  s.setUint32(0, 0x1a2b3c4d, le);
  s.setUint16(4, 1, le);
  s.setUint16(6, 0, le);
  s.setInt32(8, -1, le);
  s.setInt32(12, -1, le);
  const parts = [block(0x0a0d0d0a, shb, le)];
  for (const lt of linkTypes) {
    const idb = new Uint8Array(8);
    const d = new DataView(idb.buffer);
    d.setUint16(0, lt, le);
    d.setUint32(4, 0, le);
    parts.push(block(1, idb, le));
  }
  // A block type the reader must skip (Name Resolution Block with only opt_endofopt).
  parts.push(block(4, new Uint8Array(4), le));
  packets.forEach((p, i) => {
    if (p.simple) {
      const h = new Uint8Array(4);
      new DataView(h.buffer).setUint32(0, p.frame.length, le);
      parts.push(block(3, concat([h, p.frame]), le));
      return;
    }
    const h = new Uint8Array(20);
    const d = new DataView(h.buffer);
    const ts = BigInt(1_700_000_000 + i) * 1_000_000n;
    d.setUint32(0, p.iface, le);
    d.setUint32(4, Number(ts >> 32n), le);
    d.setUint32(8, Number(ts & 0xffffffffn), le);
    d.setUint32(12, p.frame.length, le);
    d.setUint32(16, p.frame.length, le);
    parts.push(block(6, concat([h, p.frame]), le));
  });
  return concat(parts);
}

/** Split bytes into TCP segments of at most `size` bytes with their sequence numbers. */
export function segmentsOf(data: Uint8Array, firstSeq: number, size: number): { seq: number; payload: Uint8Array }[] {
  const out: { seq: number; payload: Uint8Array }[] = [];
  for (let off = 0; off < data.length; off += size) out.push({ seq: (firstSeq + off) >>> 0, payload: data.subarray(off, Math.min(off + size, data.length)) });
  return out;
}

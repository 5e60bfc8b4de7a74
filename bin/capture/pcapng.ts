/**
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, length, body, length. We read the Section
 * Header (byte order per section), Interface Description (link type and timestamp resolution per
 * interface), Enhanced Packet and Simple Packet blocks, and skip every other block.
 */
import type { CapturedPacket, PacketList, ReadResult } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const MAX_BLOCK = 64 * 1024 * 1024;

interface Interface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Timestamp units per second (default 10^6). */
  readonly unitsPerSec: bigint;
}

export function isPcapng(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x0a && buf[1] === 0x0d && buf[2] === 0x0d && buf[3] === 0x0a;
}

/** if_tsresol (option 9): MSB clear = power of 10, set = power of 2. */
function tsResolution(dv: DataView, start: number, end: number, little: boolean): bigint {
  let off = start;
  while (off + 4 <= end) {
    const code = dv.getUint16(off, little);
    const len = dv.getUint16(off + 2, little);
    if (code === 0) break;
    if (code === 9 && len >= 1 && off + 5 <= end) {
      const v = dv.getUint8(off + 4);
      const exp = BigInt(v & 0x7f);
      return v & 0x80 ? 2n ** exp : 10n ** exp;
    }
    off += 4 + ((len + 3) & ~3);
  }
  return 1_000_000n;
}

export function readPcapng(buf: Uint8Array): ReadResult<PacketList> {
  if (buf.length < 12 || !isPcapng(buf)) return { ok: false, message: 'not a pcapng file (no Section Header Block)' };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const packets: CapturedPacket[] = [];
  const notes: string[] = [];
  let little = true;
  let interfaces: Interface[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) {
      notes.push(`truncated block header at byte ${off}`);
      break;
    }
    // The Section Header's type is a palindrome: readable before the byte order is known.
    const rawType = dv.getUint32(off, little);
    if (rawType === SHB) {
      const bom = dv.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) little = true;
      else if (dv.getUint32(off + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else {
        if (packets.length === 0) return { ok: false, message: `pcapng section at byte ${off} has an unknown byte-order magic` };
        notes.push(`pcapng section at byte ${off} has an unknown byte-order magic; stopped reading`);
        break;
      }
      interfaces = [];
    }
    const type = dv.getUint32(off, little);
    const len = dv.getUint32(off + 4, little);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
      if (packets.length === 0 && off === 0) return { ok: false, message: `pcapng block at byte ${off} has an invalid length ${len}` };
      notes.push(`pcapng block at byte ${off} has an invalid length ${len}; stopped reading`);
      break;
    }
    if (off + len > buf.length) {
      notes.push(`truncated last block at byte ${off} (${buf.length - off} of ${len} bytes)`);
      break;
    }
    const body = off + 8;
    const bodyEnd = off + len - 4;
    if (type === IDB && bodyEnd - body >= 8) {
      interfaces.push({
        linkType: dv.getUint16(body, little),
        snapLen: dv.getUint32(body + 4, little),
        unitsPerSec: tsResolution(dv, body + 8, bodyEnd, little),
      });
    } else if (type === EPB && bodyEnd - body >= 20) {
      const ifId = dv.getUint32(body, little);
      const ts = (BigInt(dv.getUint32(body + 4, little)) << 32n) | BigInt(dv.getUint32(body + 8, little));
      const capLen = dv.getUint32(body + 12, little);
      const origLen = dv.getUint32(body + 16, little);
      const iface = interfaces[ifId];
      const dataStart = body + 20;
      if (iface === undefined) notes.push(`packet at byte ${off} names unknown interface ${ifId}; skipped`);
      else if (dataStart + capLen > bodyEnd) notes.push(`packet at byte ${off} overruns its block; skipped`);
      else {
        const sec = ts / iface.unitsPerSec;
        const nsec = ((ts % iface.unitsPerSec) * 1_000_000_000n) / iface.unitsPerSec;
        packets.push({ index: packets.length, linkType: iface.linkType, tsSec: Number(sec), tsNsec: Number(nsec), data: buf.subarray(dataStart, dataStart + capLen), originalLength: origLen });
      }
    } else if (type === SPB && bodyEnd - body >= 4) {
      // Simple Packet Block: interface 0, no timestamp; captured length is min(original, snaplen, block room).
      const iface = interfaces[0];
      const origLen = dv.getUint32(body, little);
      if (iface === undefined) notes.push(`simple packet at byte ${off} without an interface; skipped`);
      else {
        const room = bodyEnd - (body + 4);
        const capLen = Math.min(origLen, iface.snapLen === 0 ? origLen : iface.snapLen, room);
        packets.push({ index: packets.length, linkType: iface.linkType, tsSec: 0, tsNsec: 0, data: buf.subarray(body + 4, body + 4 + capLen), originalLength: origLen });
      }
    }
    off += len;
  }
  return { ok: true, value: { format: 'pcapng', packets, notes } };
}

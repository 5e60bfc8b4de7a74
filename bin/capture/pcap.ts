/**
 * Classic libpcap files (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html): a
 * 24-byte file header whose magic gives the byte order and the timestamp resolution
 * (0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds), then 16-byte record headers.
 */
import type { CapturedPacket, PacketList, ReadResult } from './types.js';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** No sane capture record is larger than this (the spec suggests snaplen ≤ 262144). */
const MAX_RECORD = 16 * 1024 * 1024;

/** True when buf starts with a classic pcap magic number, in either byte order. */
export function isPcap(buf: Uint8Array): boolean {
  if (buf.length < 4) return false;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const be = dv.getUint32(0, false);
  const le = dv.getUint32(0, true);
  return be === MAGIC_US || be === MAGIC_NS || le === MAGIC_US || le === MAGIC_NS;
}

export function readPcap(buf: Uint8Array): ReadResult<PacketList> {
  if (buf.length < FILE_HEADER || !isPcap(buf)) return { ok: false, message: 'not a pcap file (bad magic or short header)' };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const be = dv.getUint32(0, false);
  const little = !(be === MAGIC_US || be === MAGIC_NS);
  const nano = (little ? dv.getUint32(0, true) : be) === MAGIC_NS;
  // The link type's low 16 bits; the upper bits may carry the FCS length (pcap "LinkType and additional information").
  const linkType = dv.getUint32(20, little) & 0xffff;
  const packets: CapturedPacket[] = [];
  const notes: string[] = [];
  let off = FILE_HEADER;
  while (off < buf.length) {
    if (off + RECORD_HEADER > buf.length) {
      notes.push(`truncated record header at byte ${off}`);
      break;
    }
    const tsSec = dv.getUint32(off, little);
    const tsFrac = dv.getUint32(off + 4, little);
    const inclLen = dv.getUint32(off + 8, little);
    const origLen = dv.getUint32(off + 12, little);
    if (inclLen > MAX_RECORD) {
      notes.push(`record at byte ${off} claims ${inclLen} bytes; stopped reading`);
      break;
    }
    const start = off + RECORD_HEADER;
    const end = start + inclLen;
    if (end > buf.length) {
      notes.push(`truncated last record at byte ${off} (${buf.length - start} of ${inclLen} bytes)`);
      break;
    }
    packets.push({ index: packets.length, linkType, tsSec, tsNsec: nano ? tsFrac : tsFrac * 1000, data: buf.subarray(start, end), originalLength: origLen });
    off = end;
  }
  return { ok: true, value: { format: 'pcap', packets, notes } };
}

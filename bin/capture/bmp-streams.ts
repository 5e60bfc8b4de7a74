/**
 * Finding BMP in an input file: a classic pcap or pcapng capture (every TCP direction whose bytes
 * are BMP becomes a stream), or a raw BMP byte file; either may be gzipped. BMP is recognised by
 * content, not by port (RFC 7854 assigns none): a stream direction is BMP when it begins with a
 * chain of plausible BMP common headers, or, for a capture that joined the connection mid-way,
 * when such a chain starts somewhere inside it. `port` forces BMP for one TCP port.
 */
import { gunzipSync } from 'node:zlib';
import { findBmpHeader } from '@ribwatch/bmp-parser';
import { decodePacket } from './packet.js';
import { isPcap, readPcap } from './pcap.js';
import { isPcapng, readPcapng } from './pcapng.js';
import { TcpReassembler } from './reassembly.js';
import type { StreamGap, TcpStream } from './reassembly.js';
import type { PacketList, ReadResult } from './types.js';

export interface BmpStream {
  /** 0-based position among the BMP streams of its input, in capture order. */
  readonly index: number;
  /** Who sent the BMP: the router's address (the stream's source IP), or the name given to a raw file. */
  readonly router: string;
  /** TCP endpoints and connection number on the 4-tuple; absent for raw files. */
  readonly tcp?: { readonly src: string; readonly srcPort: number; readonly dst: string; readonly dstPort: number; readonly connection: number; readonly firstPacket: number };
  /** The BMP bytes, starting at the first BMP common header. */
  readonly data: Uint8Array;
  /** Bytes before the first header that were dropped (a capture that joined mid-stream). */
  readonly skipped: number;
  /** Bytes missing from the capture, with offsets into `data`. */
  readonly gaps: readonly StreamGap[];
  readonly notes: readonly string[];
}

export type InputFormat = 'pcap' | 'pcapng' | 'raw';

export interface BmpInput {
  readonly format: InputFormat;
  readonly gzip: boolean;
  readonly streams: readonly BmpStream[];
  /** Packets read (captures only). */
  readonly packets: number;
  /** TCP directions carrying data that are not BMP. */
  readonly otherTcpStreams: number;
  /** Packets that were not TCP over IP, by reason (UDP/IPFIX, ARP, ...). */
  readonly skippedPackets: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

export interface ReadBmpOptions {
  /** Treat TCP traffic to or from this port as BMP even when it does not look like it. */
  readonly port?: number;
  /** The router name for a raw BMP file (default "file:<name>"). */
  readonly router?: string;
  /** Name of the input, for the default raw router name and messages. */
  readonly name?: string;
}

/** Message types 0..6 are RFC 7854's; per-peer messages need the 42-byte per-peer header. */
const MIN_LEN_BY_TYPE = [48, 48, 48, 48, 6, 6, 48];
/** A plausibility cap for detection only: BMP messages carry BGP messages of at most 65535 bytes. */
const MAX_PLAUSIBLE_LEN = 1 << 20;

/** Length of the plausible BMP v3/v4 common header at off, or -1. */
function headerLengthAt(buf: Uint8Array, off: number): number {
  if (off + 6 > buf.length) return -1;
  const version = buf[off];
  if (version !== 3 && version !== 4) return -1;
  const len = (((buf[off + 1] ?? 0) << 24) | ((buf[off + 2] ?? 0) << 16) | ((buf[off + 3] ?? 0) << 8) | (buf[off + 4] ?? 0)) >>> 0;
  const min = MIN_LEN_BY_TYPE[buf[off + 5] ?? 255];
  if (min === undefined || len < min || len > MAX_PLAUSIBLE_LEN) return -1;
  return len;
}

/**
 * True when up to `depth` consecutive plausible headers start at off, each followed by the next
 * or by the end of the buffer. One lone header is not evidence enough inside a stream.
 */
export function isBmpRunAt(buf: Uint8Array, off: number, depth = 3, end = buf.length): boolean {
  let at = off;
  for (let i = 0; i < depth; i++) {
    // A header cut by the end (or by a capture gap) cannot be checked: the run so far stands.
    if (i > 0 && at + 6 > end) return true;
    const len = headerLengthAt(buf, at);
    if (len < 0) return false;
    at += len;
    if (at >= end) return true;
  }
  return true;
}

/**
 * Offset of the first BMP message start in buf (verified as a run of headers), or -1. `gaps`
 * (offsets where captured bytes are missing) bound the run check: a run may end at a gap.
 */
export function locateBmpStart(buf: Uint8Array, gaps: readonly number[] = []): number {
  const endFor = (at: number): number => gaps.find((g) => g > at) ?? buf.length;
  if (isBmpRunAt(buf, 0, 3, endFor(0))) return 0;
  let viaDecoder = false;
  for (let at = findBmpHeader(buf, 0); at >= 0; at = findBmpHeader(buf, at + 1)) {
    viaDecoder = true;
    if (isBmpRunAt(buf, at, 3, endFor(at))) return at;
  }
  if (viaDecoder) return -1;
  // The decoder found nothing at all: scan ourselves (also covers its absence).
  for (let at = 1; at + 6 <= buf.length; at++) if (isBmpRunAt(buf, at, 3, endFor(at))) return at;
  return -1;
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Read one input file's bytes: capture or raw BMP, gzipped or not. */
export function readBmpInput(file: Uint8Array, opts: ReadBmpOptions = {}): ReadResult<BmpInput> {
  let buf = file;
  let gzip = false;
  if (isGzip(buf)) {
    try {
      const out = gunzipSync(buf);
      buf = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      gzip = true;
    } catch (err) {
      return { ok: false, message: `gzip data is corrupt: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (isPcap(buf) || isPcapng(buf)) {
    const list = isPcapng(buf) ? readPcapng(buf) : readPcap(buf);
    if (!list.ok) return list;
    return captureStreams(list.value, gzip, opts);
  }
  return rawStream(buf, gzip, opts);
}

function rawStream(buf: Uint8Array, gzip: boolean, opts: ReadBmpOptions): ReadResult<BmpInput> {
  if (buf.length === 0) return { ok: false, message: 'empty file' };
  const start = locateBmpStart(buf);
  if (start < 0) return { ok: false, message: 'not a pcap/pcapng capture and not a BMP byte stream' };
  const notes = start > 0 ? [`first BMP header at byte ${start}; ${start} leading bytes skipped`] : [];
  const router = opts.router ?? `file:${opts.name ?? 'input'}`;
  const stream: BmpStream = { index: 0, router, data: buf.subarray(start), skipped: start, gaps: [], notes };
  return { ok: true, value: { format: 'raw', gzip, streams: [stream], packets: 0, otherTcpStreams: 0, skippedPackets: {}, notes: [] } };
}

function captureStreams(list: PacketList, gzip: boolean, opts: ReadBmpOptions): ReadResult<BmpInput> {
  const reassembler = new TcpReassembler();
  const skippedPackets: Record<string, number> = {};
  for (const p of list.packets) {
    const d = decodePacket(p.linkType, p.data);
    if (d.kind === 'tcp') reassembler.add(d.segment, p.index);
    else skippedPackets[d.reason] = (skippedPackets[d.reason] ?? 0) + 1;
  }
  const streams: BmpStream[] = [];
  let other = 0;
  for (const s of reassembler.finish()) {
    if (s.data.length === 0) continue;
    const forced = opts.port !== undefined && (s.srcPort === opts.port || s.dstPort === opts.port);
    let start = locateBmpStart(s.data, s.gaps.map((g) => g.at));
    if (start < 0 && forced) start = 0;
    if (start < 0) {
      other++;
      continue;
    }
    streams.push(toBmpStream(s, start, streams.length));
  }
  if (streams.length === 0) {
    const hint = opts.port === undefined ? ' (use --port N if BMP is on a known port)' : '';
    return { ok: false, message: `no BMP stream found in ${list.packets.length} packets${hint}` };
  }
  return { ok: true, value: { format: list.format, gzip, streams, packets: list.packets.length, otherTcpStreams: other, skippedPackets, notes: list.notes } };
}

function toBmpStream(s: TcpStream, start: number, index: number): BmpStream {
  const notes: string[] = [];
  if (!s.sawSyn) notes.push('capture joined the connection mid-way (no SYN)');
  if (s.synData) notes.push('SYN carried data (kept)');
  if (start > 0) notes.push(`${start} bytes before the first BMP header skipped`);
  const gaps = s.gaps.filter((g) => g.at >= start).map((g) => ({ at: g.at - start, missing: g.missing }));
  for (const g of gaps) notes.push(`${g.missing} bytes missing from the capture at stream offset ${g.at}`);
  return {
    index,
    router: s.src,
    tcp: { src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, connection: s.connection, firstPacket: s.firstPacket },
    data: s.data.subarray(start),
    skipped: start,
    gaps,
    notes,
  };
}

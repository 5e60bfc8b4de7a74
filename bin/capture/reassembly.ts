/**
 * TCP reassembly per connection and direction (RFC 9293 sequence space), for captures: segments
 * are ordered by sequence number, retransmitted and overlapping bytes are dropped (first copy
 * wins), gaps are recorded, and each direction becomes one byte stream.
 *
 * Captures are not well-behaved TCP, so:
 * - a capture may join a connection mid-way (no SYN): the stream starts at the lowest sequence
 *   number seen;
 * - a SYN may carry data. Real stacks put it at ISN+1; synthetic captures (the
 *   traffic-reproducer tool) put it at the ISN itself and continue at ISN+len. We take whichever
 *   placement the following segments continue from;
 * - the same 4-tuple may be reused: a SYN after data in that direction starts a new connection,
 *   and so does a SYN with another initial sequence number than the direction's SYN so far (a
 *   client whose SYNs went unanswered gives up and retries with a new ISN: the unanswered SYNs
 *   then make an empty connection of their own instead of a gap the size of the ISN difference).
 */
import type { TcpSegment } from './packet.js';

export interface StreamGap {
  /** Offset in `data` at which the missing bytes belong. */
  readonly at: number;
  /** Number of bytes never captured. */
  readonly missing: number;
}

export interface TcpStream {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** 0 for the first connection on this directed 4-tuple, 1 after the first reuse, ... */
  readonly connection: number;
  /** Capture index of the first packet of this connection direction (orders streams in capture order). */
  readonly firstPacket: number;
  /** True when a SYN for this connection was captured. */
  readonly sawSyn: boolean;
  /** True when the SYN carried payload bytes (kept in `data`). */
  readonly synData: boolean;
  /** The reassembled payload, gaps closed up (see `gaps`). */
  readonly data: Uint8Array;
  readonly gaps: readonly StreamGap[];
  /** Bytes seen more than once (retransmissions, keep-alive probes, overlaps) and dropped. */
  readonly duplicateBytes: number;
  readonly segments: number;
}

interface Pending {
  readonly seq: number;
  readonly syn: boolean;
  readonly payload: Uint8Array;
  readonly order: number;
}

interface Direction {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly connection: number;
  readonly firstPacket: number;
  segs: Pending[];
  sawData: boolean;
  /** The sequence number of the first SYN seen, if any. */
  synSeq: number | undefined;
}

function directionKey(s: TcpSegment): string {
  return `${s.src}|${s.srcPort}|${s.dst}|${s.dstPort}`;
}

/** Signed distance a - b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpReassembler {
  private readonly open = new Map<string, Direction>();
  private readonly done: Direction[] = [];
  private order = 0;

  /** Add one segment, in capture order. `packetIndex` is the capture index of its packet. */
  add(seg: TcpSegment, packetIndex: number): void {
    const key = directionKey(seg);
    let dir = this.open.get(key);
    // A SYN after data on this directed 4-tuple is a new connection (port reuse, or a replaying
    // tool); so is a SYN with a new ISN (the SYNs before it were never answered).
    if (dir !== undefined && seg.syn && (dir.sawData || (dir.synSeq !== undefined && dir.synSeq !== seg.seq))) {
      this.done.push(dir);
      dir = undefined;
    }
    if (dir === undefined) {
      const prev = this.done.filter((d) => d.src === seg.src && d.srcPort === seg.srcPort && d.dst === seg.dst && d.dstPort === seg.dstPort).length;
      dir = { src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort, connection: prev, firstPacket: packetIndex, segs: [], sawData: false, synSeq: undefined };
      this.open.set(key, dir);
    }
    if (seg.syn || seg.payload.length > 0) dir.segs.push({ seq: seg.seq, syn: seg.syn, payload: seg.payload, order: this.order++ });
    if (seg.payload.length > 0) dir.sawData = true;
    if (seg.syn && dir.synSeq === undefined) dir.synSeq = seg.seq;
  }

  /** All directions seen, in order of their first packet, each reassembled. */
  finish(): TcpStream[] {
    const all = [...this.done, ...this.open.values()].sort((a, b) => a.firstPacket - b.firstPacket || a.connection - b.connection);
    return all.map(reassemble);
  }
}

function reassemble(dir: Direction): TcpStream {
  const syn = dir.segs.find((s) => s.syn);
  const data = dir.segs.filter((s) => s.payload.length > 0);
  let base: number;
  // Where each segment's payload starts, in sequence space.
  const startOf = new Map<Pending, number>();
  for (const s of data) startOf.set(s, s.seq);
  if (syn !== undefined) {
    base = (syn.seq + 1) >>> 0;
    if (syn.payload.length > 0) {
      const synthetic = data.some((s) => !s.syn && s.seq === ((syn.seq + syn.payload.length) >>> 0));
      const start = synthetic ? syn.seq : (syn.seq + 1) >>> 0;
      // Retransmitted SYNs carry the same bytes: place them all alike so they count as duplicates.
      for (const s of data) if (s.syn && s.seq === syn.seq) startOf.set(s, start);
      base = start;
    }
  } else {
    base = data[0]?.seq ?? 0;
  }
  // Out-of-order arrivals in a mid-stream join may sit before the first one seen: start at the lowest.
  let minRel = 0;
  for (const s of data) minRel = Math.min(minRel, seqDiff(startOf.get(s) ?? s.seq, base));
  const ordered = data
    .map((s) => ({ rel: seqDiff(startOf.get(s) ?? s.seq, base) - minRel, s }))
    .sort((a, b) => a.rel - b.rel || a.s.order - b.s.order);
  const chunks: Uint8Array[] = [];
  const gaps: StreamGap[] = [];
  let next = 0;
  let length = 0;
  let duplicateBytes = 0;
  for (const { rel, s } of ordered) {
    const end = rel + s.payload.length;
    if (end <= next) {
      duplicateBytes += s.payload.length;
      continue;
    }
    let payload = s.payload;
    if (rel < next) {
      duplicateBytes += next - rel;
      payload = payload.subarray(next - rel);
    } else if (rel > next) {
      gaps.push({ at: length, missing: rel - next });
    }
    chunks.push(payload);
    length += payload.length;
    next = end;
  }
  const out = new Uint8Array(length);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return {
    src: dir.src,
    srcPort: dir.srcPort,
    dst: dir.dst,
    dstPort: dir.dstPort,
    connection: dir.connection,
    firstPacket: dir.firstPacket,
    sawSyn: syn !== undefined,
    synData: syn !== undefined && syn.payload.length > 0,
    data: out,
    gaps,
    duplicateBytes,
    segments: data.length,
  };
}

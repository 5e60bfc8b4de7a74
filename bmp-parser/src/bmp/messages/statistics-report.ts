/**
 * Statistics Report (RFC 7854 §4.8): per-peer header, Stats Count (4), then that many TLVs of
 * Stat Type (2), Stat Len (2), Stat Data. Counters are kept by type number, whatever the type
 * (RFC 7854 0-13, RFC 8671 14-17, RFC 9972 18-43, experimental 65531-65534). The value is read by
 * the TLV length, never by the type: 4 bytes is a 32-bit counter, 8 a 64-bit gauge, 11 AFI (2) +
 * SAFI (1) + 64-bit gauge; any other length is kept raw only.
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { STAT_TYPES } from '../names.js';
import type { PerPeerHeader, StatCounter, StatisticsReport } from '../types.js';

function u32At(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

function u64At(b: Uint8Array, i: number): bigint {
  return (BigInt(u32At(b, i)) << 32n) | BigInt(u32At(b, i + 4));
}

export function decodeStatCounter(type: number, raw: Uint8Array): StatCounter {
  switch (raw.length) {
    case 4:
      return { type, value: BigInt(u32At(raw, 0)), raw };
    case 8:
      return { type, value: u64At(raw, 0), raw };
    case 11:
      return { type, afi: (raw[0]! << 8) | raw[1]!, safi: raw[2]!, value: u64At(raw, 3), raw };
    default:
      return { type, raw };
  }
}

export function decodeStatisticsReport(c: Cursor, peer: PerPeerHeader): Result<StatisticsReport> {
  const countAt = c.pos;
  const count = c.u32();
  if (count < 0) return fail(ErrorCode.Short, 'statistics report: no Stats Count', countAt);
  if (count > c.remaining / 4) return fail(ErrorCode.Length, `statistics report: Stats Count ${count} cannot fit in ${c.remaining} bytes`, countAt);
  const counters: StatCounter[] = [];
  for (let i = 0; i < count; i++) {
    const at = c.pos;
    if (c.remaining < 4) return fail(ErrorCode.Short, `statistics report: counter ${i} of ${count} is missing`, at);
    const type = c.u16();
    const len = c.u16();
    const raw = c.bytes(len);
    if (!raw) return fail(ErrorCode.Length, `statistics report: stat type ${type} length ${len} runs past the message end`, at);
    counters.push(decodeStatCounter(type, raw));
  }
  if (c.remaining > 0) return ok({ type: 1, peer, counters, trailing: c.bytes(c.remaining)! });
  return ok({ type: 1, peer, counters });
}

/** The value bytes for a counter without raw bytes: AF+G64 when afi is set, else by the type's registered encoding. */
export function statCounterBytes(s: StatCounter): Uint8Array {
  if (s.raw.length > 0 || s.value === undefined) return s.raw;
  const v = BigInt.asUintN(64, s.value);
  const dv = (n: number): DataView => new DataView(new ArrayBuffer(n));
  if (s.afi !== undefined) {
    const d = dv(11);
    d.setUint16(0, s.afi);
    d.setUint8(2, s.safi ?? 0);
    d.setBigUint64(3, v);
    return new Uint8Array(d.buffer);
  }
  const enc = STAT_TYPES.get(s.type)?.encoding ?? (v <= 0xffffffffn ? 'c32' : 'g64');
  if (enc === 'c32' && v <= 0xffffffffn) {
    const d = dv(4);
    d.setUint32(0, Number(v));
    return new Uint8Array(d.buffer);
  }
  const d = dv(8);
  d.setBigUint64(0, v);
  return new Uint8Array(d.buffer);
}

export function encodeStatisticsReportBody(w: Writer, m: StatisticsReport): void {
  w.u32(m.counters.length);
  for (const s of m.counters) {
    const v = statCounterBytes(s);
    if (v.length > 0xffff) throw new RangeError(`stat type ${s.type}: value longer than 65535 bytes`);
    w.u16(s.type).u16(v.length).bytes(v);
  }
  if (m.trailing) w.bytes(m.trailing);
}

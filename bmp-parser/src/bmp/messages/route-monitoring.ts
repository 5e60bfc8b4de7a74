/**
 * Route Monitoring (RFC 7854 §4.6): per-peer header, then one BGP UPDATE PDU (header included).
 * The frame is checked first (the BGP length must fit in the message); the UPDATE is decoded after,
 * and a malformed UPDATE is kept as `bgpError` beside the message (the session lives on). Bytes
 * after the PDU (Huawei Loc-RIB appends vendor TLVs, type 59970, in v3 messages) are kept as
 * `trailing`, and as `tlvs` when they parse.
 */
import { Cursor } from '../../cursor.js';
import type { Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { DecodeError, Result } from '../../errors.js';
import type { SessionConfig } from '../../session.js';
import { decodeUpdate, encodeUpdate } from '../../bgp/index.js';
import { BGP_HEADER_LENGTH } from '../header.js';
import type { BgpUpdate } from '../../bgp/types.js';
import type { PerPeerHeader, RouteMonitoring, Tlv } from '../types.js';
import { decodeTlvs, encodeTlvs } from '../tlv.js';

export function decodeRouteMonitoring(c: Cursor, peer: PerPeerHeader, cfg: SessionConfig): Result<RouteMonitoring> {
  const at = c.pos;
  const rest = c.remaining;
  if (rest < BGP_HEADER_LENGTH) return fail(ErrorCode.Short, `route monitoring: ${rest} bytes cannot hold a BGP header`, at);
  const bgpLength = (c.buf[at + 16]! << 8) | c.buf[at + 17]!;
  if (bgpLength < BGP_HEADER_LENGTH || bgpLength > rest) {
    return fail(ErrorCode.Length, `route monitoring: BGP length ${bgpLength} disagrees with the ${rest} bytes after the per-peer header`, at + 16);
  }
  const pdu = c.bytes(bgpLength)!;
  const r = decodeUpdate(pdu, cfg);
  const base: { type: 0; peer: PerPeerHeader; pdu: Uint8Array; update?: BgpUpdate; bgpError?: DecodeError; trailing?: Uint8Array; tlvs?: Tlv[] } = { type: 0, peer, pdu };
  if (r.ok) base.update = r.value;
  else base.bgpError = r.error;
  if (c.remaining > 0) {
    const tailAt = c.pos;
    base.trailing = c.bytes(c.remaining)!;
    const t = decodeTlvs(new Cursor(c.buf, tailAt, tailAt + base.trailing.length), 'route monitoring trailing data');
    if (t.ok) base.tlvs = t.value;
  }
  return ok(base);
}

/** Writes `pdu` when it holds bytes, else encodes `update` with cfg; then `trailing`, else `tlvs`. */
export function encodeRouteMonitoringBody(w: Writer, m: RouteMonitoring, cfg: SessionConfig): void {
  if (m.pdu.length > 0) w.bytes(m.pdu);
  else if (m.update) w.bytes(encodeUpdate(m.update, cfg));
  if (m.trailing) w.bytes(m.trailing);
  else if (m.tlvs) encodeTlvs(w, m.tlvs);
}

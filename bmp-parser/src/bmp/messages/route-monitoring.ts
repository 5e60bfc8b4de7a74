/**
 * Route Monitoring (RFC 7854 §4.6): per-peer header, then one BGP UPDATE PDU (header included).
 * The frame is checked first (the BGP length must fill the message exactly); the UPDATE is decoded
 * after, and a malformed UPDATE is kept as `bgpError` beside the message (the session lives on).
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import type { SessionConfig } from '../../session.js';
import { decodeUpdate, encodeUpdate } from '../../bgp/index.js';
import { BGP_HEADER_LENGTH } from '../header.js';
import type { PerPeerHeader, RouteMonitoring } from '../types.js';

export function decodeRouteMonitoring(c: Cursor, peer: PerPeerHeader, cfg: SessionConfig): Result<RouteMonitoring> {
  const at = c.pos;
  const pdu = c.bytes(c.remaining)!;
  if (pdu.length < BGP_HEADER_LENGTH) return fail(ErrorCode.Short, `route monitoring: ${pdu.length} bytes cannot hold a BGP header`, at);
  const bgpLength = (pdu[16]! << 8) | pdu[17]!;
  if (bgpLength !== pdu.length) {
    return fail(ErrorCode.Length, `route monitoring: BGP length ${bgpLength} disagrees with the ${pdu.length} bytes after the per-peer header`, at + 16);
  }
  const r = decodeUpdate(pdu, cfg);
  if (r.ok) return ok({ type: 0, peer, pdu, update: r.value });
  return ok({ type: 0, peer, pdu, bgpError: r.error });
}

/** Writes `pdu` when it holds bytes, else encodes `update` with cfg. */
export function encodeRouteMonitoringBody(w: Writer, m: RouteMonitoring, cfg: SessionConfig): void {
  if (m.pdu.length > 0) w.bytes(m.pdu);
  else if (m.update) w.bytes(encodeUpdate(m.update, cfg));
}

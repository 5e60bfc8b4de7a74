/**
 * Peer Down Notification (RFC 7854 §4.9, RFC 9069 §5.3): per-peer header, Reason (1), Data.
 * Reasons 1 and 3 carry the BGP NOTIFICATION PDU (header included), 2 a 2-byte FSM event code
 * (RFC 4271 §8.1), 4 and 5 nothing, 6 Information TLVs (e.g. 3 VRF/Table Name). Unknown reasons
 * keep their data. A NOTIFICATION that does not decode is kept as `bgpError`; the Peer Down stands.
 */
import { Cursor } from '../../cursor.js';
import type { Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { decodeNotification, encodeNotification } from '../../bgp/index.js';
import { PeerDownReason, PeerUpTlvType } from '../types.js';
import type { PeerDown, PerPeerHeader } from '../types.js';
import { decodeTlvs, encodeTlvs, firstText, textTlv } from '../tlv.js';

export function decodePeerDown(c: Cursor, peer: PerPeerHeader): Result<PeerDown> {
  const reasonAt = c.pos;
  const reason = c.u8();
  if (reason < 0) return fail(ErrorCode.Short, 'peer down: no reason', reasonAt);
  const dataAt = c.pos;
  const data = c.bytes(c.remaining)!;
  switch (reason) {
    case PeerDownReason.LocalNotification:
    case PeerDownReason.RemoteNotification: {
      const n = decodeNotification(data);
      if (n.ok) return ok({ type: 2, peer, reason, notification: n.value, tlvs: [], data });
      return ok({ type: 2, peer, reason, tlvs: [], data, bgpError: n.error });
    }
    case PeerDownReason.LocalNoNotification:
      if (data.length >= 2) return ok({ type: 2, peer, reason, fsmEvent: (data[0]! << 8) | data[1]!, tlvs: [], data });
      return ok({ type: 2, peer, reason, tlvs: [], data });
    case PeerDownReason.LocalTlv: {
      const t = decodeTlvs(new Cursor(c.buf, dataAt, dataAt + data.length), 'peer down reason 6');
      if (!t.ok) return t;
      const vrfName = firstText(t.value, PeerUpTlvType.VrfTableName);
      if (vrfName !== undefined) return ok({ type: 2, peer, reason, tlvs: t.value, data, vrfName });
      return ok({ type: 2, peer, reason, tlvs: t.value, data });
    }
    default:
      return ok({ type: 2, peer, reason, tlvs: [], data });
  }
}

/** Writes `data` when it holds bytes, else the reason's structured fields. */
export function encodePeerDownBody(w: Writer, m: PeerDown): void {
  w.u8(m.reason);
  if (m.data.length > 0) {
    w.bytes(m.data);
    return;
  }
  switch (m.reason) {
    case PeerDownReason.LocalNotification:
    case PeerDownReason.RemoteNotification:
      if (m.notification) w.bytes(encodeNotification(m.notification));
      return;
    case PeerDownReason.LocalNoNotification:
      if (m.fsmEvent !== undefined) w.u16(m.fsmEvent);
      return;
    case PeerDownReason.LocalTlv:
      if (m.tlvs.length > 0) encodeTlvs(w, m.tlvs);
      else if (m.vrfName !== undefined) encodeTlvs(w, [textTlv(PeerUpTlvType.VrfTableName, m.vrfName)]);
      return;
    default:
      encodeTlvs(w, m.tlvs);
  }
}

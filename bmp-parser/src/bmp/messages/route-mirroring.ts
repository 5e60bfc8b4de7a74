/**
 * Route Mirroring (RFC 7854 §4.7): per-peer header, then TLVs: 0 BGP Message (a whole BGP PDU,
 * decoded with the peer's session config), 1 Information (2 bytes: 0 Errored PDU, 1 Messages Lost).
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import type { SessionConfig } from '../../session.js';
import { decodeBgpMessage, encodeBgpMessage } from '../../bgp/index.js';
import { RouteMirroringTlvType } from '../types.js';
import type { PerPeerHeader, RouteMirroring, Tlv } from '../types.js';
import { decodeTlvs, encodeTlvs } from '../tlv.js';

export function decodeRouteMirroring(c: Cursor, peer: PerPeerHeader, cfg: SessionConfig): Result<RouteMirroring> {
  const t = decodeTlvs(c, 'route mirroring');
  if (!t.ok) return t;
  const tlvs = t.value;
  const messages: RouteMirroring['messages'][number][] = [];
  let information: number | undefined;
  for (const x of tlvs) {
    if (x.type === RouteMirroringTlvType.BgpMessage) {
      const r = decodeBgpMessage(x.value, cfg);
      messages.push(r.ok ? { ok: true, message: r.value } : { ok: false, error: r.error });
    } else if (x.type === RouteMirroringTlvType.Information && x.value.length === 2 && information === undefined) {
      information = (x.value[0]! << 8) | x.value[1]!;
    }
  }
  if (information !== undefined) return ok({ type: 6, peer, tlvs, messages, information });
  return ok({ type: 6, peer, tlvs, messages });
}

/** Writes `tlvs` when present, else the Information TLV and the decoded messages re-encoded with cfg. */
export function encodeRouteMirroringBody(w: Writer, m: RouteMirroring, cfg: SessionConfig): void {
  if (m.tlvs.length > 0) {
    encodeTlvs(w, m.tlvs);
    return;
  }
  const tlvs: Tlv[] = [];
  if (m.information !== undefined) tlvs.push({ type: RouteMirroringTlvType.Information, value: new Uint8Array([(m.information >>> 8) & 0xff, m.information & 0xff]) });
  for (const x of m.messages) if (x.ok) tlvs.push({ type: RouteMirroringTlvType.BgpMessage, value: encodeBgpMessage(x.message, cfg) });
  encodeTlvs(w, tlvs);
}

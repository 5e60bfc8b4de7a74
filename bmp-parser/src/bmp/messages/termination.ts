/**
 * Termination (RFC 7854 §4.5): Information TLVs (0 String, 1 Reason as 2 bytes; others kept raw).
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { TerminationTlvType } from '../types.js';
import type { Termination, Tlv } from '../types.js';
import { allText, decodeTlvs, encodeTlvs, textTlv } from '../tlv.js';

export function decodeTermination(c: Cursor): Result<Termination> {
  const t = decodeTlvs(c, 'termination');
  if (!t.ok) return t;
  const tlvs = t.value;
  const m: { type: 5; tlvs: Tlv[]; reason?: number; strings?: string[] } = { type: 5, tlvs };
  const r = tlvs.find((x) => x.type === TerminationTlvType.Reason && x.value.length === 2);
  if (r) m.reason = (r.value[0]! << 8) | r.value[1]!;
  const strings = allText(tlvs, TerminationTlvType.String);
  if (strings.length > 0) m.strings = strings;
  return ok(m);
}

/** Writes `tlvs` when present, else TLVs built from strings and reason. */
export function encodeTerminationBody(w: Writer, m: Termination): void {
  if (m.tlvs.length > 0) {
    encodeTlvs(w, m.tlvs);
    return;
  }
  const tlvs: Tlv[] = [];
  for (const s of m.strings ?? []) tlvs.push(textTlv(TerminationTlvType.String, s));
  if (m.reason !== undefined) tlvs.push({ type: TerminationTlvType.Reason, value: new Uint8Array([(m.reason >>> 8) & 0xff, m.reason & 0xff]) });
  encodeTlvs(w, tlvs);
}

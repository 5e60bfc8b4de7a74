/**
 * Initiation (RFC 7854 §4.3): Information TLVs only (0 String, 1 sysDescr, 2 sysName; others kept
 * raw). RFC 7854 requires sysDescr and sysName, but their absence or a zero length is accepted.
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { InitiationTlvType } from '../types.js';
import type { Initiation, Tlv } from '../types.js';
import { allText, decodeTlvs, encodeTlvs, firstText, textTlv } from '../tlv.js';

export function decodeInitiation(c: Cursor): Result<Initiation> {
  const t = decodeTlvs(c, 'initiation');
  if (!t.ok) return t;
  const tlvs = t.value;
  const m: { type: 4; tlvs: Tlv[]; sysName?: string; sysDescr?: string; strings?: string[] } = { type: 4, tlvs };
  const sysName = firstText(tlvs, InitiationTlvType.SysName);
  if (sysName !== undefined) m.sysName = sysName;
  const sysDescr = firstText(tlvs, InitiationTlvType.SysDescr);
  if (sysDescr !== undefined) m.sysDescr = sysDescr;
  const strings = allText(tlvs, InitiationTlvType.String);
  if (strings.length > 0) m.strings = strings;
  return ok(m);
}

/** Writes `tlvs` when present, else TLVs built from strings, sysDescr and sysName. */
export function encodeInitiationBody(w: Writer, m: Initiation): void {
  if (m.tlvs.length > 0) {
    encodeTlvs(w, m.tlvs);
    return;
  }
  const tlvs: Tlv[] = [];
  for (const s of m.strings ?? []) tlvs.push(textTlv(InitiationTlvType.String, s));
  if (m.sysDescr !== undefined) tlvs.push(textTlv(InitiationTlvType.SysDescr, m.sysDescr));
  if (m.sysName !== undefined) tlvs.push(textTlv(InitiationTlvType.SysName, m.sysName));
  encodeTlvs(w, tlvs);
}

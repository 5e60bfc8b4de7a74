/**
 * Information TLVs (RFC 7854 §4.4): Type (2), Length (2), Value. Used by Initiation, Termination,
 * Peer Up, Peer Down reason 6 and Route Mirroring; the value is always skipped by its length.
 */
import type { Cursor, Writer } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import type { Tlv } from './types.js';
import { utf8, utf8Bytes } from '../bytes.js';

/** Cap on TLVs per message (a 16 MiB frame could otherwise hold four million empty ones). */
export const MAX_TLVS = 65536;

/** Reads TLVs until the cursor's end; a TLV running past the end is an error (RW_ERR_LENGTH). */
export function decodeTlvs(c: Cursor, what: string): Result<Tlv[]> {
  const tlvs: Tlv[] = [];
  while (c.remaining > 0) {
    const at = c.pos;
    if (c.remaining < 4) return fail(ErrorCode.Short, `${what}: ${c.remaining} stray bytes where a TLV header should be`, at);
    if (tlvs.length >= MAX_TLVS) return fail(ErrorCode.TooLarge, `${what}: more than ${MAX_TLVS} TLVs`, at);
    const type = c.u16();
    const len = c.u16();
    const value = c.bytes(len);
    if (!value) return fail(ErrorCode.Length, `${what}: TLV type ${type} length ${len} runs past the message end`, at);
    tlvs.push({ type, value });
  }
  return ok(tlvs);
}

export function encodeTlvs(w: Writer, tlvs: readonly Tlv[]): void {
  for (const t of tlvs) {
    if (t.value.length > 0xffff) throw new RangeError(`TLV type ${t.type}: value longer than 65535 bytes`);
    w.u16(t.type).u16(t.value.length).bytes(t.value);
  }
}

export function textTlv(type: number, text: string): Tlv {
  return { type, value: utf8Bytes(text) };
}

/** The first TLV of a type as UTF-8 text. */
export function firstText(tlvs: readonly Tlv[], type: number): string | undefined {
  for (const t of tlvs) if (t.type === type) return utf8(t.value);
  return undefined;
}

/** Every TLV of a type as UTF-8 text. */
export function allText(tlvs: readonly Tlv[], type: number): string[] {
  const out: string[] = [];
  for (const t of tlvs) if (t.type === type) out.push(utf8(t.value));
  return out;
}

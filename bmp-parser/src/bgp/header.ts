/**
 * BGP message header, RFC 4271 §4.1: 16-octet marker (all ones), 2-octet length (19..4096, or up
 * to 65535 with the Extended Message capability of RFC 8654), 1-octet type.
 */
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import { Writer } from '../cursor.js';

export const BGP_HEADER_LENGTH = 19;
/** RFC 8654 §4: the largest message an extended-message speaker may send. */
export const BGP_MAX_MESSAGE_LENGTH = 65535;

export interface BgpHeader {
  /** Total message length from the header, header included. */
  readonly length: number;
  readonly type: number;
}

/**
 * Checks marker and length against the buffer. The buffer may hold more than this message (a
 * Peer Up carries two OPENs back to back); only `length` bytes belong to it.
 */
export function decodeHeader(buf: Uint8Array): Result<BgpHeader> {
  if (buf.length < BGP_HEADER_LENGTH) return fail(ErrorCode.Short, `BGP header needs 19 bytes, have ${buf.length}`, 0);
  for (let i = 0; i < 16; i++) {
    if (buf[i] !== 0xff) return fail(ErrorCode.BgpMarker, 'BGP marker is not all ones', i);
  }
  const length = (buf[16]! << 8) | buf[17]!;
  if (length < BGP_HEADER_LENGTH) return fail(ErrorCode.Length, `BGP length ${length} is below the 19-byte header`, 16);
  if (length > buf.length) return fail(ErrorCode.Short, `BGP length ${length} exceeds the ${buf.length} bytes available`, 16);
  return ok({ length, type: buf[18]! });
}

/** Length of the BGP message starting at `buf[0]`, or -1 when the header is incomplete or bad. */
export function bgpMessageLength(buf: Uint8Array): number {
  if (buf.length < BGP_HEADER_LENGTH) return -1;
  for (let i = 0; i < 16; i++) if (buf[i] !== 0xff) return -1;
  const length = (buf[16]! << 8) | buf[17]!;
  return length < BGP_HEADER_LENGTH ? -1 : length;
}

/** Starts a message: marker, a length placeholder and the type. Finish with {@link finishMessage}. */
export function beginMessage(type: number, sizeHint = 64): Writer {
  const w = new Writer(sizeHint);
  for (let i = 0; i < 16; i++) w.u8(0xff);
  w.u16(0);
  w.u8(type);
  return w;
}

/** Back-patches the length and returns the bytes. Throws RangeError past 65535 bytes (an encoder input error). */
export function finishMessage(w: Writer): Uint8Array {
  if (w.pos > BGP_MAX_MESSAGE_LENGTH) throw new RangeError(`BGP message of ${w.pos} bytes exceeds ${BGP_MAX_MESSAGE_LENGTH}`);
  w.patch16(16, w.pos);
  return w.finish();
}

/** A whole message from a type and body. */
export function encodeMessage(type: number, body: Uint8Array): Uint8Array {
  const w = beginMessage(type, BGP_HEADER_LENGTH + body.length);
  w.bytes(body);
  return finishMessage(w);
}

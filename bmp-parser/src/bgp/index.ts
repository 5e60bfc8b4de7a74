/**
 * BGP-4 message codecs. CONTRACT STUBS: the signatures are fixed; the bodies are being written
 * (bgp helper). Each decoder takes the whole BGP message (19-byte header included) unless noted.
 */
import { ErrorCode, fail } from '../errors.js';
import type { Result } from '../errors.js';
import type { SessionConfig } from '../session.js';
import type { BgpMessage, BgpNotification, BgpOpen, BgpUpdate } from './types.js';

/** Any BGP message, header included. Accepts lengths up to 65535 (RFC 8654 extended messages). */
export function decodeBgpMessage(_buf: Uint8Array, _cfg: SessionConfig): Result<BgpMessage> {
  return fail(ErrorCode.Unsupported, 'not implemented yet');
}
/** An OPEN message, header included. */
export function decodeOpen(_buf: Uint8Array): Result<BgpOpen> {
  return fail(ErrorCode.Unsupported, 'not implemented yet');
}
/** An UPDATE message, header included. */
export function decodeUpdate(_buf: Uint8Array, _cfg: SessionConfig): Result<BgpUpdate> {
  return fail(ErrorCode.Unsupported, 'not implemented yet');
}
/** A NOTIFICATION message, header included. */
export function decodeNotification(_buf: Uint8Array): Result<BgpNotification> {
  return fail(ErrorCode.Unsupported, 'not implemented yet');
}
/** Encoders produce whole messages, header included. */
export function encodeBgpMessage(_msg: BgpMessage, _cfg: SessionConfig): Uint8Array {
  throw new Error('not implemented yet');
}
export function encodeOpen(_open: BgpOpen): Uint8Array {
  throw new Error('not implemented yet');
}
export function encodeUpdate(_update: BgpUpdate, _cfg: SessionConfig): Uint8Array {
  throw new Error('not implemented yet');
}
export function encodeNotification(_n: Pick<BgpNotification, 'code' | 'subcode' | 'data'>): Uint8Array {
  throw new Error('not implemented yet');
}

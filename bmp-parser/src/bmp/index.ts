/**
 * BMP message codecs, framing and per-router session state. CONTRACT STUBS: the signatures are
 * fixed; the bodies are being written (bmp helper).
 */
import { ErrorCode, fail } from '../errors.js';
import type { DecodeError, Result } from '../errors.js';
import type { BmpMessage, PerPeerHeader, RibView } from './types.js';
import type { SessionConfig } from '../session.js';

export type FrameResult =
  | { readonly ok: true; readonly frame: Uint8Array; readonly version: number; readonly type: number; readonly offset: number }
  | { readonly ok: false; readonly error: DecodeError };

/**
 * Splits a BMP byte stream, given in arbitrary TCP chunks, into whole messages. `next()` returns
 * the next complete frame, undefined when more bytes are needed, or an error (RW_ERR_DESYNC,
 * RW_ERR_TOO_LARGE) after which the stream cannot be trusted. Version 4 frames are returned like
 * v3 ones (the decoder reports them as unsupported). Memory stays bounded by maxMessageLength.
 */
export class BmpFramer {
  constructor(readonly opts: { readonly maxMessageLength?: number } = {}) {}
  push(_chunk: Uint8Array): void {}
  next(): FrameResult | undefined {
    return undefined;
  }
  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return 0;
  }
  /** Total bytes consumed as frames so far (stream offset of the next frame). */
  get offset(): number {
    return 0;
  }
}

/**
 * One router's BMP session state: the peers seen in Peer Up with their OPENs (capabilities merged
 * across repeated Peer Ups, as Huawei sends one per AFI/SAFI), from which each Route Monitoring
 * message's SessionConfig is derived per direction (Adj-RIB-In vs Adj-RIB-Out) and peer type.
 */
export class BmpRouterState {
  /** Decode one frame (from BmpFramer) and update the state from Peer Up / Peer Down. */
  decode(_frame: Uint8Array): Result<BmpMessage> {
    return fail(ErrorCode.Unsupported, 'not implemented yet');
  }
  /** The SessionConfig that applies to UPDATEs carried for this peer header. */
  sessionConfigFor(_peer: PerPeerHeader): SessionConfig {
    throw new Error('not implemented yet');
  }
}

/** Stateless decode of one frame (no Peer Up knowledge: 4-octet AS unless the A flag, no ADD-PATH, trial parsing). */
export function decodeBmpMessage(_frame: Uint8Array, _state?: BmpRouterState): Result<BmpMessage> {
  return fail(ErrorCode.Unsupported, 'not implemented yet');
}

/** Encode a BMP v3 message; UPDATEs inside are encoded with cfg (default: 4-octet AS, no ADD-PATH). */
export function encodeBmpMessage(_msg: BmpMessage, _cfg?: SessionConfig): Uint8Array {
  throw new Error('not implemented yet');
}

/** Which RIB a peer header's routes belong to (peer type 3 -> loc-rib; O flag -> adj-out; L flag -> post). */
export function ribView(_peer: PerPeerHeader): RibView {
  throw new Error('not implemented yet');
}

/** Offset of the first plausible BMP common header at or after `from` in buf, or -1 (for captures joined mid-stream). */
export function findBmpHeader(_buf: Uint8Array, _from = 0): number {
  return -1;
}

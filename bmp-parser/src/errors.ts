/**
 * The decoder's error catalogue. Decoders never throw: they return a {@link Result}, and an
 * error is a value with a stable code (documented in docs/errors.md; a test keeps the two in step).
 *
 * `action` follows RFC 7606 §2 for BGP UPDATE problems, and says what a collector should do.
 */
export const ErrorCode = {
  /** Input ended before a field was complete. */
  Short: 'RW_ERR_SHORT',
  /** A length field points past its container or below its minimum. */
  Length: 'RW_ERR_LENGTH',
  /** A length exceeds a configured cap (max message size, max NLRI count...). */
  TooLarge: 'RW_ERR_TOO_LARGE',
  /** BMP common header: version is neither 3 nor 4 (draft-ietf-grow-bmp-tlv). */
  BmpVersion: 'RW_ERR_BMP_VERSION',
  /** BMP message type unknown (not 0..6). */
  BmpType: 'RW_ERR_BMP_TYPE',
  /** BGP header marker is not 16 x 0xff. */
  BgpMarker: 'RW_ERR_BGP_MARKER',
  /** BGP message type not what the container requires, or unknown. */
  BgpType: 'RW_ERR_BGP_TYPE',
  /** A field holds a value the RFC forbids (prefix length > 32, AS_PATH segment type 0, ...). */
  Form: 'RW_ERR_FORM',
  /** NLRI did not parse with or without ADD-PATH path identifiers. */
  Nlri: 'RW_ERR_NLRI',
  /** A path attribute is malformed (kept raw; see `action`). */
  Attribute: 'RW_ERR_ATTRIBUTE',
  /** An AFI/SAFI whose NLRI encoding this decoder does not know (kept raw, never fatal). */
  Unsupported: 'RW_ERR_UNSUPPORTED',
  /** The framer lost sync: the bytes cannot be a BMP stream; the session must close. */
  Desync: 'RW_ERR_DESYNC',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** RFC 7606 §2 approaches, plus `none` for errors outside an UPDATE. */
export type ErrorAction = 'none' | 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';

export interface DecodeError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Byte offset within the buffer that was being decoded, when known. */
  readonly offset?: number;
  readonly action?: ErrorAction;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string, offset?: number, action?: ErrorAction): Result<T> {
  const error: DecodeError = offset === undefined ? { code, message } : action === undefined ? { code, message, offset } : { code, message, offset, action };
  return { ok: false, error };
}

/**
 * Splitting a BMP byte stream (TCP, arbitrary chunking) into whole messages by the common header
 * (RFC 7854 §4.1), and finding a message boundary in bytes that start mid-stream.
 *
 * Chunks are kept in a list, never concatenated: a frame that lies inside one chunk is returned as
 * a view of it (so a pushed chunk must not be modified afterwards); one that spans chunks is copied
 * once into its own buffer. Each byte is touched at most once, whatever the chunking.
 */
import { ErrorCode } from '../errors.js';
import type { DecodeError } from '../errors.js';
import { BMP_VERSION, COMMON_HEADER_LENGTH, DEFAULT_MAX_MESSAGE_LENGTH, minMessageLength } from './header.js';

export type FrameResult =
  | { readonly ok: true; readonly frame: Uint8Array; readonly version: number; readonly type: number; readonly offset: number }
  | { readonly ok: false; readonly error: DecodeError };

/** BMP versions the framer passes on: 3 (RFC 7854) and 4 (draft-ietf-grow-bmp-tlv, decoded as unsupported). */
export const FRAMED_VERSIONS: ReadonlySet<number> = new Set([3, 4]);

const EMPTY = new Uint8Array(0);

/**
 * Splits a BMP byte stream, given in arbitrary TCP chunks, into whole messages. `next()` returns
 * the next complete frame, undefined when more bytes are needed, or an error (RW_ERR_DESYNC,
 * RW_ERR_TOO_LARGE) after which the stream cannot be trusted: every later call returns the same
 * error. Version 4 frames are returned like v3 ones (the decoder reports them as unsupported).
 * Memory stays bounded by maxMessageLength (default 16 MiB) plus the caller's last chunk.
 */
export class BmpFramer {
  readonly maxMessageLength: number;
  private chunks: Uint8Array[] = [];
  private head = 0;
  private headPos = 0;
  private total = 0;
  private consumed = 0;
  private failure: { readonly ok: false; readonly error: DecodeError } | undefined;
  private readonly hdr = new Uint8Array(COMMON_HEADER_LENGTH);

  constructor(readonly opts: { readonly maxMessageLength?: number } = {}) {
    this.maxMessageLength = opts.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
  }

  push(chunk: Uint8Array): void {
    // Node's Buffer subclass makes every subarray() go through Buffer's own (slower) species
    // constructor; frames and every header view are cut from plain Uint8Array views instead.
    if (Object.getPrototypeOf(chunk) !== Uint8Array.prototype) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.failure || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  next(): FrameResult | undefined {
    if (this.failure) return this.failure;
    if (this.total < COMMON_HEADER_LENGTH) return undefined;
    const first = this.chunks[this.head]!;
    let h: Uint8Array;
    let hp: number;
    if (first.length - this.headPos >= COMMON_HEADER_LENGTH) {
      h = first;
      hp = this.headPos;
    } else {
      this.peek(this.hdr);
      h = this.hdr;
      hp = 0;
    }
    const version = h[hp]!;
    const length = ((h[hp + 1]! << 24) >>> 0) + ((h[hp + 2]! << 16) | (h[hp + 3]! << 8) | h[hp + 4]!);
    const type = h[hp + 5]!;
    if (!FRAMED_VERSIONS.has(version)) return this.fail(ErrorCode.Desync, `BMP stream out of sync: version byte ${version} at offset ${this.consumed}`);
    if (length > this.maxMessageLength) {
      return this.fail(ErrorCode.TooLarge, `BMP message at offset ${this.consumed} declares ${length} bytes, above the ${this.maxMessageLength}-byte cap`);
    }
    const min = minMessageLength(version, type);
    if (length < min) return this.fail(ErrorCode.Desync, `BMP stream out of sync: type ${type} message at offset ${this.consumed} declares ${length} bytes, below the minimum ${min}`);
    if (this.total < length) return undefined;
    const offset = this.consumed;
    let frame: Uint8Array;
    if (first.length - this.headPos >= length) {
      frame = first.subarray(this.headPos, this.headPos + length);
      this.headPos += length;
      if (this.headPos === first.length) this.dropHead();
    } else {
      frame = this.take(length);
    }
    this.total -= length;
    this.consumed += length;
    return { ok: true, frame, version, type, offset };
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.total;
  }

  /** Total bytes consumed as frames so far (stream offset of the next frame). */
  get offset(): number {
    return this.consumed;
  }

  /** The sticky error, once the stream lost sync. */
  get error(): DecodeError | undefined {
    return this.failure?.error;
  }

  private fail(code: DecodeError['code'], message: string): { readonly ok: false; readonly error: DecodeError } {
    this.failure = { ok: false, error: { code, message, offset: this.consumed } };
    this.chunks = [];
    this.head = 0;
    this.headPos = 0;
    return this.failure;
  }

  /** Copies the first out.length buffered bytes without consuming them. */
  private peek(out: Uint8Array): void {
    let i = this.head;
    let pos = this.headPos;
    for (let n = 0; n < out.length; ) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - pos, out.length - n);
      out.set(c.subarray(pos, pos + take), n);
      n += take;
      i++;
      pos = 0;
    }
  }

  /** Consumes n buffered bytes (spanning chunks) into a new buffer. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const take = Math.min(c.length - this.headPos, n - filled);
      out.set(c.subarray(this.headPos, this.headPos + take), filled);
      filled += take;
      this.headPos += take;
      if (this.headPos === c.length) this.dropHead();
    }
    return out;
  }

  private dropHead(): void {
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.headPos = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const MARKER_AT: Readonly<Record<number, number>> = { 0: 48, 3: 68 };

/**
 * Whether a plausible BMP common header (and what follows of it in buf) starts at i: version 3,
 * or also 4 when `v4` (a v4 message may follow a v3 one in the same stream).
 */
function plausibleAt(buf: Uint8Array, i: number, maxLength: number, v4: boolean): boolean {
  if (buf.length - i < COMMON_HEADER_LENGTH) return false;
  const version = buf[i]!;
  if (version !== BMP_VERSION && !(v4 && version === 4)) return false;
  const type = buf[i + 5]!;
  if (type > 6) return false;
  const length = ((buf[i + 1]! << 24) >>> 0) + ((buf[i + 2]! << 16) | (buf[i + 3]! << 8) | buf[i + 4]!);
  if (length < minMessageLength(version, type) || length > maxLength) return false;
  // Types with a per-peer header: peer type 0-3 (or experimental 251-254).
  if (type !== 4 && type !== 5 && i + 6 < buf.length) {
    const pt = buf[i + 6]!;
    if (pt > 3 && (pt < 251 || pt > 254)) return false;
  }
  // Route Monitoring and Peer Up: the BGP marker, as far as it is in buf.
  const m = MARKER_AT[type];
  if (m !== undefined && version === BMP_VERSION) {
    const end = Math.min(buf.length, i + m + 16);
    for (let j = i + m; j < end; j++) if (buf[j] !== 0xff) return false;
  }
  return true;
}

/**
 * Offset of the first plausible BMP v3 common header at or after `from` in buf, or -1 (for
 * captures joined mid-stream). Plausible: version 3, type 0-6, a length from the type's minimum
 * up to maxLength (default 16 MiB), a known peer type and the BGP marker where buf holds them;
 * and, when buf holds them, the next header after the message is plausible too, or the message
 * ends exactly at the end of buf. The successor may be a version 4 header.
 */
export function findBmpHeader(buf: Uint8Array, from = 0, maxLength = DEFAULT_MAX_MESSAGE_LENGTH): number {
  for (let i = Math.max(0, from); i + COMMON_HEADER_LENGTH <= buf.length; i++) {
    if (buf[i] !== BMP_VERSION || !plausibleAt(buf, i, maxLength, false)) continue;
    const length = ((buf[i + 1]! << 24) >>> 0) + ((buf[i + 2]! << 16) | (buf[i + 3]! << 8) | buf[i + 4]!);
    const end = i + length;
    if (end >= buf.length) return i;
    if (buf.length - end >= COMMON_HEADER_LENGTH) {
      if (plausibleAt(buf, end, maxLength, true)) return i;
    } else if (buf[end] === BMP_VERSION || buf[end] === 4) {
      return i;
    }
  }
  return -1;
}

/**
 * BGP message framing over a TCP byte stream (RFC 4271 §4.1): a 16-octet marker of ones, a 2-octet
 * length, a type. Chunks go in; whole messages come out as views. A header that cannot be right is
 * a Message Header Error (§6.1), which ends the session with that NOTIFICATION: there is no way to
 * find the next message in a BGP stream.
 *
 * The length cap is 4096 octets until both sides advertised the Extended Message capability
 * (RFC 8654), then 65535: the buffer never holds more than one message plus one chunk.
 */
import { BGP_HEADER_LENGTH } from '@ribwatch/bmp-parser';

/** A Message Header Error (RFC 4271 §6.1): subcode 1 not synchronized, 2 bad length, 3 bad type. */
export interface HeaderError {
  readonly subcode: 1 | 2 | 3;
  readonly data: Uint8Array;
  readonly message: string;
}

export const BGP_MESSAGE_MAX = 4096;
export const BGP_EXTENDED_MESSAGE_MAX = 65535;

/** Smallest legal length per message type (RFC 4271 §4.2-§4.5, RFC 2918 §3). */
const MIN_LENGTH: Readonly<Record<number, number>> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

export class BgpFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Largest message accepted now (RFC 8654 raises it once negotiated). */
  maxLength = BGP_MESSAGE_MAX;

  /** Appends a chunk and returns the whole messages it completes, or the header error that ends the stream. */
  push(chunk: Buffer): { messages: Uint8Array[]; error?: HeaderError } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const messages: Uint8Array[] = [];
    let at = 0;
    while (this.buf.length - at >= BGP_HEADER_LENGTH) {
      for (let i = 0; i < 16; i++) {
        if (this.buf[at + i] !== 0xff) return { messages, error: { subcode: 1, data: new Uint8Array(0), message: 'BGP marker is not all ones' } };
      }
      const length = this.buf.readUInt16BE(at + 16);
      const type = this.buf[at + 18]!;
      const min = MIN_LENGTH[type];
      if (min === undefined) return { messages, error: { subcode: 3, data: Uint8Array.of(type), message: `unknown BGP message type ${type}` } };
      const tooLong = type === 1 || type === 4 ? length > BGP_MESSAGE_MAX : length > this.maxLength;
      if (length < min || tooLong || (type === 4 && length !== 19)) {
        return { messages, error: { subcode: 2, data: Uint8Array.of(length >>> 8, length & 255), message: `bad length ${length} for a type ${type} message (at most ${this.maxLength})` } };
      }
      if (this.buf.length - at < length) break;
      messages.push(new Uint8Array(this.buf.buffer, this.buf.byteOffset + at, length));
      at += length;
    }
    // Messages handed out keep viewing the old buffer; the rest is copied so it is not pinned.
    this.buf = at === 0 ? this.buf : Buffer.from(this.buf.subarray(at));
    return { messages };
  }
}

/** Byte helpers shared by the BGP and BMP layers: hex text both ways, comparisons, UTF-8. */

/** Lower-case hex of bytes, joined by `sep` ("" for none). */
export function hex(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    s += (i > 0 ? sep : '') + (x < 16 ? '0' : '') + x.toString(16);
  }
  return s;
}

/** Bytes of a hex text, with optional ":" / "-" / "." separators; undefined when not hex. */
export function parseHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/[:.-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function allZero(b: Uint8Array, from = 0, to = b.length): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/** Lenient UTF-8 (invalid sequences become U+FFFD; a zero-length value is ""). */
export function utf8(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

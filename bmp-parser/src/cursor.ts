/**
 * A bounded reader over a Uint8Array. Every read checks the remaining length first; a short read
 * returns `undefined` (or -1 for numbers) and does not advance, so callers turn it into a
 * RW_ERR_SHORT value instead of throwing. Slices are subarray views, never copies.
 */
export class Cursor {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  has(n: number): boolean {
    return n >= 0 && this.end - this.pos >= n;
  }

  /** Returns -1 when short. */
  u8(): number {
    if (this.pos >= this.end) return -1;
    return this.buf[this.pos++]!;
  }

  /** Returns -1 when short. */
  u16(): number {
    if (this.end - this.pos < 2) return -1;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  /** Returns -1 when short. Unsigned 32-bit. */
  u32(): number {
    if (this.end - this.pos < 4) return -1;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** Unsigned 64-bit as bigint; undefined when short. */
  u64(): bigint | undefined {
    if (this.end - this.pos < 8) return undefined;
    const hi = this.u32();
    const lo = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A view of the next n bytes; undefined when short. */
  bytes(n: number): Uint8Array | undefined {
    if (n < 0 || this.end - this.pos < n) return undefined;
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A sub-cursor over the next n bytes (advances this one past them); undefined when short. */
  sub(n: number): Cursor | undefined {
    if (n < 0 || this.end - this.pos < n) return undefined;
    const c = new Cursor(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }

  skip(n: number): boolean {
    if (n < 0 || this.end - this.pos < n) return false;
    this.pos += n;
    return true;
  }
}

/** Big-endian writer that grows as needed; used by every encoder. */
export class Writer {
  private buf: Uint8Array;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Overwrite a 16-bit value at an earlier offset (length back-patching). */
  patch16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  patch32(at: number, v: number): void {
    this.buf[at] = (v >>> 24) & 0xff;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

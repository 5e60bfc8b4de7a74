/**
 * Where records go: the NDJSON file or stdout now, the Kafka bus next (keyed by recordKey(r)).
 *
 * The contract carries backpressure both ways: `write` always takes the records (nothing is
 * dropped) and returns false when the sink is above its high-water mark; the producer then stops
 * reading (the collector pauses the router's socket, so TCP pushes back on the router) until
 * `drained()` resolves. Memory is bounded by the high-water mark plus one batch per producer.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { recordJson } from './json.js';
import type { BusRecord } from './types.js';

export interface RecordSink {
  /** Takes the batch, in order; false = above the high-water mark: pause until drained(). */
  write(records: readonly BusRecord[]): boolean;
  /** Resolves when the sink can take more (at once when it is not full). */
  drained(): Promise<void>;
  /** Resolves when everything written so far has reached its destination. */
  flush(): Promise<void>;
  /** Flushes, then releases the destination. */
  close(): Promise<void>;
}

/**
 * Where whole BMP frames go as received (the OpenBMP raw feed, for GoBMP/OpenBMP consumers). Same
 * backpressure contract as RecordSink: write() false = full, the socket pauses until drained().
 */
export interface RawBmpSink {
  write(router: string, bmp: Uint8Array, arrivalMs: number): boolean;
  drained(): Promise<void>;
}

export interface NdjsonSinkOptions {
  /** Called once, on the first error of the destination (EPIPE, ENOSPC...); records after it are dropped. */
  readonly onError?: (err: Error) => void;
  /** Do not end the stream on close (stdout belongs to the process). */
  readonly keepOpen?: boolean;
}

const SLAB_BYTES = 4 * 1024 * 1024;

/** One JSON object per line. Each batch is one buffer and one stream write: the stream's own buffer is the bound. */
export class NdjsonSink implements RecordSink {
  private error: Error | undefined;
  private drainWait: Promise<void> | undefined;
  private closed = false;
  /** Records written (accepted), for tests and logs. */
  written = 0;

  constructor(
    private readonly stream: Writable,
    private readonly opts: NdjsonSinkOptions = {},
  ) {
    stream.on('error', (err: Error) => {
      if (this.error) return;
      this.error = err;
      opts.onError?.(err);
    });
  }

  write(records: readonly BusRecord[]): boolean {
    if (records.length === 0) return true;
    // A broken destination must not wedge the collector: drop, say so once (onError), keep reading.
    if (this.error || this.closed) return true;
    // Each line is sized and copied into one buffer while it is fresh: cheaper than joining a
    // batch-sized string and encoding it afterwards (that flattens one huge rope at the end).
    const lines = new Array<string>(records.length);
    let bytes = records.length;
    for (let i = 0; i < records.length; i++) {
      const line = recordJson(records[i]!);
      lines[i] = line;
      bytes += Buffer.byteLength(line);
    }
    const buf = this.take(bytes);
    let at = 0;
    for (const line of lines) {
      at += buf.write(line, at);
      buf[at++] = 0x0a;
    }
    this.written += records.length;
    return this.stream.write(buf);
  }

  /**
   * Batch buffers are carved from 4 MiB slabs, front to back, never reused: one allocation per
   * dozen batches instead of one each (each is external memory the GC has to account for). A slab
   * lives until the stream has written the last batch cut from it.
   */
  private slab = Buffer.allocUnsafe(0);
  private slabAt = 0;

  private take(n: number): Buffer {
    if (n > SLAB_BYTES / 4) return Buffer.allocUnsafe(n);
    if (this.slabAt + n > this.slab.length) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.slabAt = 0;
    }
    const b = this.slab.subarray(this.slabAt, this.slabAt + n);
    this.slabAt += n;
    return b;
  }

  drained(): Promise<void> {
    if (this.error || !this.stream.writableNeedDrain) return Promise.resolve();
    // One promise shared by every paused producer, not one listener each.
    this.drainWait ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        this.drainWait = undefined;
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    return this.drainWait;
  }

  flush(): Promise<void> {
    if (this.error || this.stream.destroyed || this.stream.writableEnded) return Promise.resolve();
    // The callback of an empty write runs after every earlier chunk has been handed to the OS.
    return new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.opts.keepOpen || this.error || this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.once('error', () => resolve());
      this.stream.end();
    });
  }
}

/** "-" = stdout, else a file opened for append (the collector never truncates earlier output). */
export function openNdjsonSink(target: string, opts: Omit<NdjsonSinkOptions, 'keepOpen'> = {}): NdjsonSink {
  if (target === '-') return new NdjsonSink(process.stdout, { ...opts, keepOpen: true });
  return new NdjsonSink(createWriteStream(target, { flags: 'a', highWaterMark: 4 * 1024 * 1024 }), opts);
}

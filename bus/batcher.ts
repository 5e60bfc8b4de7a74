/**
 * The consumer half both buses share: gather records into a batch (count and age limits), hand it
 * to the handler, commit only after the handler resolved, retry the same batch with backoff when
 * it throws. One delivery at a time, so batches reach the handler in order and a timer flush never
 * overlaps a size flush.
 */
import type { BusRecord } from '../records/types.js';
import type { BatchHandler, BusBatch, OffsetRange } from './types.js';
import { batchToken } from './types.js';

export interface BatcherOptions {
  readonly topic: string;
  readonly maxRecords: number;
  readonly maxWaitMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly handler: BatchHandler;
  /** Make the batch's offsets durable for the group. A failure is reported, not retried: the handler already ran. */
  readonly commit: (ranges: readonly OffsetRange[]) => Promise<void>;
  readonly onError: (err: Error, context: string) => void;
  /** Called every few seconds while a delivery runs (Kafka: group heartbeat). */
  readonly keepAlive?: () => Promise<void>;
}

interface Open {
  records: BusRecord[];
  /** partition → [first, last] offsets gathered. */
  ranges: Map<number, [number, number]>;
  since: number;
}

const newOpen = (): Open => ({ records: [], ranges: new Map(), since: Date.now() });

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class Batcher {
  private open: Open | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;
  private wakeRetry: (() => void) | undefined;
  /** Highest offset gathered per partition: a re-fetch after a rebalance must not gather twice. */
  private readonly seen = new Map<number, number>();
  delivered = 0;
  batches = 0;

  constructor(private readonly o: BatcherOptions) {}

  /** True when this offset was already gathered (or delivered) in this process. */
  has(partition: number, offset: number): boolean {
    const s = this.seen.get(partition);
    return s !== undefined && offset <= s;
  }

  /** Forget what was seen on a partition (it was reassigned, or the group was reset). */
  forget(partition: number): void {
    this.seen.delete(partition);
  }

  /** Forget every partition but these (after a rebalance). */
  keepOnly(partitions: ReadonlySet<number>): void {
    for (const p of [...this.seen.keys()]) if (!partitions.has(p)) this.seen.delete(p);
  }

  /**
   * Adds one record. Resolves at once, or after the batch it completed has been delivered: the
   * caller (a fetch loop) thereby waits for the handler, which is the consumer's backpressure.
   */
  async add(partition: number, offset: number, record: BusRecord): Promise<void> {
    if (this.has(partition, offset)) return;
    this.seen.set(partition, offset);
    const open = (this.open ??= newOpen());
    open.records.push(record);
    const r = open.ranges.get(partition);
    if (r) r[1] = offset;
    else open.ranges.set(partition, [offset, offset]);
    if (open.records.length >= this.o.maxRecords) {
      await this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.maxWaitMs);
  }

  /** Skips an offset that carried nothing deliverable (a record that did not parse): it is still committed. */
  skip(partition: number, offset: number): void {
    if (this.has(partition, offset)) return;
    this.seen.set(partition, offset);
    const open = (this.open ??= newOpen());
    const r = open.ranges.get(partition);
    if (r) r[1] = offset;
    else open.ranges.set(partition, [offset, offset]);
  }

  /** Delivers what is gathered now (after any delivery in progress). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const open = this.open;
    this.open = undefined;
    if (!open || open.ranges.size === 0) return this.chain;
    this.chain = this.chain.then(() => this.deliver(open));
    return this.chain;
  }

  get gathered(): number {
    return this.open?.records.length ?? 0;
  }

  /** Delivers what is gathered once more (no retries), then refuses further deliveries. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    await this.flush();
  }

  private async deliver(open: Open): Promise<void> {
    const ranges: OffsetRange[] = [...open.ranges.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, [first, last]]) => ({ partition, first, last }));
    const batch: BusBatch = { topic: this.o.topic, records: open.records, ranges, token: batchToken(this.o.topic, ranges) };
    let wait = this.o.retryMinMs;
    let keepAlive: NodeJS.Timeout | undefined;
    if (this.o.keepAlive) {
      const ka = this.o.keepAlive;
      keepAlive = setInterval(() => void ka().catch(() => undefined), 3000);
    }
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          if (batch.records.length > 0) await this.o.handler(batch);
          break;
        } catch (e) {
          this.o.onError(asError(e), `handler failed on ${batch.token} (attempt ${attempt}); retrying in ${wait} ms`);
          if (this.stopping) return; // not committed: the records come again after a restart
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, wait);
            this.wakeRetry = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.wakeRetry = undefined;
          if (this.stopping) return;
          wait = Math.min(wait * 2, this.o.retryMaxMs);
        }
      }
      try {
        await this.o.commit(ranges);
      } catch (e) {
        this.o.onError(asError(e), `commit failed for ${batch.token}; the records may be delivered again`);
      }
      this.delivered += batch.records.length;
      this.batches++;
    } finally {
      if (keepAlive) clearInterval(keepAlive);
    }
  }
}

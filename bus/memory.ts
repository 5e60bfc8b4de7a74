/**
 * The in-process bus, for `ribwatch run` (collector and writer in one process, no broker).
 *
 * It keeps Kafka's model so the writer cannot tell the difference: partitions chosen by the
 * record key, offsets per partition, consumer groups with committed offsets, batches delivered
 * and committed by the shared Batcher. Records are held as objects (no serialisation: that is the
 * point of running in one process) until every consumer group has committed past them.
 *
 * Bounded: the producer's high-water mark counts everything retained, delivered or not, so a
 * writer that falls behind (ClickHouse slow or down) stops the collector through `drained()`, and
 * the collector stops reading router sockets. Sizes are estimated from the record shape (a route
 * record costs about 40 bytes per prefix plus its attributes), not measured.
 */
import type { BusRecord } from '../records/types.js';
import { recordKey } from '../records/types.js';
import { Batcher } from './batcher.js';
import type { BatchHandler, Bus, BusConsumer, BusProducer, ConsumerOptions, OffsetRange, ProducerOptions, ProducerStats } from './types.js';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS } from './types.js';

export interface MemoryBusOptions {
  readonly topic?: string;
  /** Default 1: in one process there is one consumer per group, so more partitions buy nothing. */
  readonly partitions?: number;
}

interface Entry {
  readonly record: BusRecord;
  readonly bytes: number;
}

/** One partition's retained log: offsets base .. base + length - 1. */
class PartitionLog {
  base = 0;
  private entries: Entry[] = [];
  private start = 0;

  get end(): number {
    return this.base + this.entries.length - this.start;
  }

  append(e: Entry): number {
    this.entries.push(e);
    return this.end - 1;
  }

  get(offset: number): Entry | undefined {
    return this.entries[this.start + offset - this.base];
  }

  /** Drops entries below `offset`; returns the bytes released. */
  trimTo(offset: number): number {
    let freed = 0;
    while (this.base < offset && this.start < this.entries.length) {
      freed += (this.entries[this.start] as Entry).bytes;
      this.start++;
      this.base++;
    }
    if (this.start > 4096 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    return freed;
  }
}

interface Group {
  /** Next offset to read, per partition, as committed. */
  readonly committed: number[];
  consumer: MemoryConsumer | undefined;
}

/** FNV-1a over the key's UTF-16 code units: stable, cheap, good enough to spread routers. */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** Approximate retained size of a record, without serialising it. */
export function estimateBytes(r: BusRecord): number {
  if (r.type === 'route') {
    const a = r.attributes;
    const attrs = a ? 200 + 12 * (a.as_path.length + a.communities.length + a.large_communities.length + a.ext_communities.length) : 0;
    return 300 + attrs + 48 * (r.announced.length + r.withdrawn.length);
  }
  return 400;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly topic: string;
  readonly partitions: number;
  private readonly logs: PartitionLog[];
  private readonly groups = new Map<string, Group>();
  private readonly producers: MemoryProducer[] = [];
  retainedBytes = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(opts: MemoryBusOptions = {}) {
    this.topic = opts.topic ?? 'ribwatch.records';
    this.partitions = opts.partitions ?? 1;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) throw new Error(`memory bus: partitions must be an integer ≥ 1, got ${this.partitions}`);
    this.logs = Array.from({ length: this.partitions }, () => new PartitionLog());
  }

  setup(): Promise<void> {
    return Promise.resolve();
  }

  producer(opts: ProducerOptions = {}): BusProducer {
    const p = new MemoryProducer(this, opts);
    this.producers.push(p);
    return p;
  }

  consumer(opts: ConsumerOptions): BusConsumer {
    return new MemoryConsumer(this, opts);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    for (const g of this.groups.values()) await g.consumer?.stop();
    // A producer paused on drained() must not wait for a bus that is gone.
    for (const p of this.producers) await p.close();
  }

  // ---- internal: used by producer and consumer ----

  append(records: readonly BusRecord[]): void {
    if (this.closed) throw new Error('memory bus is closed');
    for (const record of records) {
      const bytes = estimateBytes(record);
      this.retainedBytes += bytes;
      (this.logs[partitionFor(recordKey(record), this.partitions)] as PartitionLog).append({ record, bytes });
    }
    this.notify();
  }

  log(partition: number): PartitionLog {
    return this.logs[partition] as PartitionLog;
  }

  join(group: string, consumer: MemoryConsumer, fromBeginning: boolean): number[] {
    let g = this.groups.get(group);
    if (g?.consumer) throw new Error(`memory bus: group "${group}" already has a consumer (one per group in one process)`);
    if (!g) {
      g = { committed: this.logs.map((l) => (fromBeginning ? l.base : l.end)), consumer: undefined };
      this.groups.set(group, g);
      this.trim();
    }
    g.consumer = consumer;
    return [...g.committed];
  }

  leave(group: string, consumer: MemoryConsumer): void {
    const g = this.groups.get(group);
    if (g?.consumer === consumer) g.consumer = undefined;
  }

  commit(group: string, ranges: readonly OffsetRange[]): void {
    const g = this.groups.get(group);
    if (!g) throw new Error(`memory bus: unknown group "${group}"`);
    for (const r of ranges) g.committed[r.partition] = Math.max(g.committed[r.partition] ?? 0, r.last + 1);
    this.trim();
  }

  /** Drops what every group has committed; with no group yet, keeps everything (bounded by the producers' high-water mark). */
  private trim(): void {
    if (this.groups.size === 0) return;
    for (let p = 0; p < this.partitions; p++) {
      let min = Infinity;
      for (const g of this.groups.values()) min = Math.min(min, g.committed[p] ?? 0);
      this.retainedBytes -= this.log(p).trimTo(min);
    }
    for (const pr of this.producers) pr.maybeDrained();
  }

  /** Resolves at the next append, commit or close. */
  changed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Wakes every waiter of changed(). */
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

class MemoryProducer implements BusProducer {
  private readonly high: number;
  private readonly low: number;
  private acked = 0;
  private drainWait: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly bus: MemoryBus,
    opts: ProducerOptions,
  ) {
    this.high = opts.highWaterBytes ?? PRODUCER_DEFAULTS.highWaterBytes;
    this.low = opts.lowWaterBytes ?? Math.floor(this.high / 2);
  }

  write(records: readonly BusRecord[]): boolean {
    if (records.length > 0) {
      this.bus.append(records);
      this.acked += records.length;
    }
    return this.bus.retainedBytes < this.high;
  }

  drained(): Promise<void> {
    if (this.bus.retainedBytes < this.high || this.bus.isClosed) return Promise.resolve();
    if (!this.drainWait) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drainWait = { promise, resolve };
    }
    return this.drainWait.promise;
  }

  maybeDrained(): void {
    if (this.drainWait && this.bus.retainedBytes <= this.low) {
      const w = this.drainWait;
      this.drainWait = undefined;
      w.resolve();
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.drainWait?.resolve();
    this.drainWait = undefined;
    return Promise.resolve();
  }

  stats(): ProducerStats {
    return { pendingRecords: 0, pendingBytes: this.bus.retainedBytes, acked: this.acked, sendErrors: 0 };
  }
}

class MemoryConsumer implements BusConsumer {
  private batcher: Batcher | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly opts: Required<Omit<ConsumerOptions, 'onError'>> & Pick<ConsumerOptions, 'onError'>;

  constructor(
    private readonly bus: MemoryBus,
    opts: ConsumerOptions,
  ) {
    this.opts = {
      group: opts.group,
      maxRecords: opts.maxRecords ?? CONSUMER_DEFAULTS.maxRecords,
      maxWaitMs: opts.maxWaitMs ?? CONSUMER_DEFAULTS.maxWaitMs,
      fromBeginning: opts.fromBeginning ?? true,
      retryMinMs: opts.retryMinMs ?? CONSUMER_DEFAULTS.retryMinMs,
      retryMaxMs: opts.retryMaxMs ?? CONSUMER_DEFAULTS.retryMaxMs,
      onError: opts.onError,
    };
  }

  // async: a refused join is a rejection, like the Kafka consumer's.
  // eslint-disable-next-line @typescript-eslint/require-await
  async start(handler: BatchHandler): Promise<void> {
    if (this.running) throw new Error('consumer already started');
    const position = this.bus.join(this.opts.group, this, this.opts.fromBeginning);
    const onError = this.opts.onError ?? (() => undefined);
    this.batcher = new Batcher({
      topic: this.bus.topic,
      maxRecords: this.opts.maxRecords,
      maxWaitMs: this.opts.maxWaitMs,
      retryMinMs: this.opts.retryMinMs,
      retryMaxMs: this.opts.retryMaxMs,
      handler,
      commit: (ranges) => {
        this.bus.commit(this.opts.group, ranges);
        return Promise.resolve();
      },
      onError,
    });
    this.running = true;
    this.loop = this.run(this.batcher, position);
  }

  private async run(batcher: Batcher, position: number[]): Promise<void> {
    // Take at most one batch's worth per partition per pass, so partitions share the writer fairly.
    const perPass = this.opts.maxRecords;
    while (this.running && !this.bus.isClosed) {
      const changed = this.bus.changed();
      let took = 0;
      for (let p = 0; p < this.bus.partitions && this.running; p++) {
        const log = this.bus.log(p);
        let pos = Math.max(position[p] ?? 0, log.base);
        const stop = Math.min(log.end, pos + perPass);
        for (; pos < stop && this.running; pos++) {
          position[p] = pos + 1;
          await batcher.add(p, pos, (log.get(pos) as Entry).record);
          took++;
        }
        position[p] = pos;
      }
      if (took === 0) await changed;
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.bus.notify();
    await this.batcher?.stop();
    await this.loop;
    this.bus.leave(this.opts.group, this);
  }
}

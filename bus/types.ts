/**
 * The bus: one topic of records keyed by router (`recordKey`), so all of one router's records
 * (router up/down, peer up/down, routes, stats) stay in order on one partition. Two
 * implementations behind one interface: Kafka (bus/kafka.ts, the only module that touches
 * kafkajs) and in-process (bus/memory.ts, the single-machine default).
 *
 * Producing is the collector's record sink (records/sink.ts `RecordSink`): `write` never drops,
 * returns false above the high-water mark, and the collector pauses router sockets until
 * `drained()`; so a slow broker, or a slow writer behind the in-process bus, pushes back to the
 * routers over TCP instead of growing memory.
 *
 * Consuming is batch-at-a-time for the writer: the bus gathers up to `maxRecords` or `maxWaitMs`,
 * calls the handler, and commits the batch's offsets only after the handler resolved. A handler
 * that throws gets the same batch again after a backoff (nothing is skipped); a process that dies
 * before the commit gets the records again on restart, so consumers must make replays harmless
 * (`BusBatch.token` is stable for one delivery of one offset range, usable as an insert
 * deduplication token).
 */
import type { RecordSink } from '../records/sink.js';
import type { BusRecord } from '../records/types.js';

/** Offsets `first..last` (inclusive) of one partition. */
export interface OffsetRange {
  readonly partition: number;
  readonly first: number;
  readonly last: number;
}

export interface BusBatch {
  readonly topic: string;
  /** In offset order per partition; one router's records are all in one partition. */
  readonly records: readonly BusRecord[];
  /** The offsets this batch covers, one range per partition, ascending by partition. */
  readonly ranges: readonly OffsetRange[];
  /** `topic/partition:first-last,...`: identifies this offset range, for insert deduplication. */
  readonly token: string;
}

export type BatchHandler = (batch: BusBatch) => Promise<void>;

export interface ConsumerOptions {
  /** Consumer group: each group sees every record once (modulo replays after a crash). */
  readonly group: string;
  /** Deliver when this many records are gathered... */
  readonly maxRecords?: number;
  /** ...or when the oldest gathered record has waited this long. */
  readonly maxWaitMs?: number;
  /** A new group starts at the earliest retained record (true, default) or at the end. */
  readonly fromBeginning?: boolean;
  /** Backoff after a failed handler: starts here, doubles, capped at retryMaxMs. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** A handler failure (it will be retried), a commit failure, a record that does not parse. */
  readonly onError?: (err: Error, context: string) => void;
}

export interface ProducerStats {
  /** Records accepted by write() and not yet acknowledged by the bus. */
  readonly pendingRecords: number;
  readonly pendingBytes: number;
  /** Records acknowledged (Kafka: acks=all; memory: appended). */
  readonly acked: number;
  /** Failed send attempts (each retried). */
  readonly sendErrors: number;
}

/** The collector's record sink on the bus. */
export interface BusProducer extends RecordSink {
  stats(): ProducerStats;
}

export interface BusConsumer {
  /** Joins the group and starts delivering batches to `handler`; resolves once running. */
  start(handler: BatchHandler): Promise<void>;
  /** Stops fetching, delivers what is gathered once (committing it on success), leaves the group. */
  stop(): Promise<void>;
}

export interface ProducerOptions {
  /** write() returns false above this many pending bytes (JSON). Default 16 MiB. */
  readonly highWaterBytes?: number;
  /** Resume (drained() resolves) below this. Default half the high-water mark. */
  readonly lowWaterBytes?: number;
  readonly onError?: (err: Error, context: string) => void;
}

export interface Bus {
  readonly kind: 'memory' | 'kafka';
  readonly topic: string;
  /** Connects and creates the topic when missing; rejects with a one-line reason when it cannot. */
  setup(): Promise<void>;
  producer(opts?: ProducerOptions): BusProducer;
  consumer(opts: ConsumerOptions): BusConsumer;
  /** Closes every producer (flushing) and consumer made by this bus. */
  close(): Promise<void>;
}

export const CONSUMER_DEFAULTS = {
  maxRecords: 50_000,
  maxWaitMs: 1000,
  retryMinMs: 200,
  retryMaxMs: 30_000,
} as const;

export const PRODUCER_DEFAULTS = {
  highWaterBytes: 16 * 1024 * 1024,
} as const;

export function batchToken(topic: string, ranges: readonly OffsetRange[]): string {
  return ranges.map((r) => `${topic}/${r.partition}:${r.first}-${r.last}`).join(',');
}

/** Parses one record from the bus; throws with the reason when it is not a v1 record. */
export function decodeRecord(text: string): BusRecord {
  const r = JSON.parse(text) as unknown;
  if (typeof r !== 'object' || r === null) throw new Error('record is not a JSON object');
  const v = (r as { v?: unknown }).v;
  if (v !== 1) throw new Error(`unsupported record version ${JSON.stringify(v)} (this build reads v1)`);
  if (typeof (r as { type?: unknown }).type !== 'string' || typeof (r as { router?: unknown }).router !== 'string') {
    throw new Error('record without type or router');
  }
  return r as BusRecord;
}

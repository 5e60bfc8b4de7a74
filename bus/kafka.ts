/**
 * The Kafka bus. This is the only module that imports kafkajs: kafkajs is unmaintained upstream
 * and `@platformatic/kafka` is the planned replacement once Node ≥ 22 is the floor; swapping it
 * means rewriting this file against the same `Bus` interface and re-running the contract suite
 * (test/live/bus-kafka.test.ts).
 *
 * Producer: idempotent, acks=all, gzip (built into kafkajs; lz4/zstd need codec packages), the
 * default (Java-compatible murmur2) partitioner on the record key, so all of one router's records
 * share a partition. One send in flight at a time: records leave in the order they were written,
 * and whatever accumulates while a send is in flight goes in the next one. kafkajs retries a failed
 * send itself (idempotent: without limit, same sequence numbers, so the broker drops duplicates);
 * a send that still fails is retried by the loop here with backoff, never dropped, and the
 * pending bytes hold write() at false so the collector pauses its router sockets meanwhile.
 *
 * Consumer: a consumer group, offsets resolved per message (so a stop mid-batch loses nothing)
 * and committed only by the Batcher after the handler resolved; autoCommit is off.
 *
 * Tested against Apache Kafka 3.9.2 (deploy/kafka). Kafka 4.x removed protocol versions kafkajs
 * 2.2.4 still sends (KIP-896): verify with the contract suite before moving the broker to 4.x.
 */
import { hostname } from 'node:os';
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, Consumer, KafkaConfig, LogEntry, Producer, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { BusRecord } from '../records/types.js';
import { recordKey } from '../records/types.js';
import { oneLine } from '../lifecycle/startup.js';
import { recordJson } from '../records/json.js';
import type { RawBmpSink } from '../records/sink.js';
import { Batcher } from './batcher.js';
import { encodeObmpRaw } from './openbmp.js';
import type { BatchHandler, Bus, BusConsumer, BusProducer, ConsumerOptions, ProducerOptions, ProducerStats } from './types.js';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, decodeRecord } from './types.js';

export interface KafkaTlsOptions {
  /** PEM text of the CA bundle; the system CAs when absent. */
  readonly ca?: string;
  /** PEM client certificate and key, for mutual TLS. */
  readonly cert?: string;
  readonly key?: string;
  /** Default true. Turn off only against a test broker with a self-signed certificate. */
  readonly rejectUnauthorized?: boolean;
  /** SNI / certificate name when it differs from the broker address. */
  readonly servername?: string;
}

export interface KafkaSaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface KafkaBusOptions {
  /** Bootstrap brokers, HOST:PORT. */
  readonly brokers: readonly string[];
  readonly topic?: string;
  readonly clientId?: string;
  /** Topic creation when missing (default true); partitions bound the writer's parallelism. */
  readonly createTopic?: boolean;
  readonly partitions?: number;
  /** -1 (default): the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Topic configuration entries at creation: retention.ms, min.insync.replicas... */
  readonly topicConfig?: Readonly<Record<string, string>>;
  readonly compression?: 'none' | 'gzip';
  /** true = TLS with the system CAs. */
  readonly tls?: boolean | KafkaTlsOptions;
  readonly sasl?: KafkaSaslOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Upper bound of one send (uncompressed JSON bytes). Default 1 MiB. */
  readonly maxSendBytes?: number;
  /** kafkajs's own log lines go here (warn and above); silent when absent. */
  readonly logger?: Logger;
  /**
   * Also publish every BMP message as received, in the OpenBMP raw format (OBMP v1.7 header), on
   * this topic (OpenBMP's is `openbmp.bmp_raw`), so OpenBMP/GoBMP-style consumers can read us.
   * Off when absent. Created by setup() with the same partitions and settings.
   */
  readonly rawTopic?: string;
  /** The collector name in the OBMP header (OpenBMP admin id). Default: the host name. */
  readonly rawAdminId?: string;
}

/** The OpenBMP raw feed on Kafka: one BMP message per record, keyed by router (order per router). */
export interface RawBmpProducer extends RawBmpSink {
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): ProducerStats;
}

export const KAFKA_DEFAULTS = {
  topic: 'ribwatch.records',
  clientId: 'ribwatch',
  partitions: 6,
  replicationFactor: -1,
  compression: 'gzip',
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 30_000,
  maxSendBytes: 1024 * 1024,
} as const;

/** The kafkajs client configuration for these options (pure; unit-tested). */
export function kafkaClientConfig(o: KafkaBusOptions): KafkaConfig {
  if (o.brokers.length === 0) throw new Error('kafka: no brokers configured');
  const cfg: KafkaConfig = {
    clientId: o.clientId ?? KAFKA_DEFAULTS.clientId,
    brokers: [...o.brokers],
    connectionTimeout: o.connectionTimeoutMs ?? KAFKA_DEFAULTS.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs,
    // Reconnect backoff capped at 5 s: a restarted broker is picked up quickly.
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
    logLevel: o.logger ? logLevel.WARN : logLevel.NOTHING,
  };
  if (o.tls) {
    cfg.ssl =
      o.tls === true
        ? true
        : {
            ...(o.tls.ca !== undefined ? { ca: [o.tls.ca] } : {}),
            ...(o.tls.cert !== undefined ? { cert: o.tls.cert } : {}),
            ...(o.tls.key !== undefined ? { key: o.tls.key } : {}),
            ...(o.tls.servername !== undefined ? { servername: o.tls.servername } : {}),
            rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
          };
  }
  if (o.sasl) {
    const { mechanism, username, password } = o.sasl;
    if (!username) throw new Error(`kafka: sasl.username is empty (mechanism ${mechanism})`);
    cfg.sasl = { mechanism, username, password } as SASLOptions;
  }
  const logger = o.logger;
  if (logger) {
    const kjs = logger.child({ component: 'kafkajs' });
    cfg.logCreator = () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      // kafkajs logs transient, retried conditions (coordinator loading, leader moves) as ERROR.
      const line = { ns: entry.namespace, ...extra };
      if (entry.level <= logLevel.WARN) kjs.warn(line, message);
      else kjs.debug(line, message);
    };
  }
  return cfg;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));


export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly topic: string;
  readonly kafka: Kafka;
  private readonly producers: KafkaProducerSink[] = [];
  private readonly consumers: KafkaBusConsumer[] = [];

  constructor(readonly options: KafkaBusOptions) {
    this.topic = options.topic ?? KAFKA_DEFAULTS.topic;
    this.kafka = new Kafka(kafkaClientConfig(options));
  }

  /** Reaches the cluster and creates the topic when missing. */
  async setup(): Promise<void> {
    // A client of its own with few connection retries: an unreachable cluster at start is a
    // prompt one-line error, not 20 s of kafkajs reconnect backoff.
    const quick = new Kafka({ ...kafkaClientConfig(this.options), retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 } });
    const admin: Admin = quick.admin();
    const where = this.options.brokers.join(',');
    try {
      await admin.connect();
    } catch (e) {
      throw new Error(`cannot reach Kafka at ${where}: ${oneLine(e)}`);
    }
    const wanted = [this.topic, ...(this.options.rawTopic ? [this.options.rawTopic] : [])];
    let current = this.topic;
    try {
      const topics = await admin.listTopics();
      for (const topic of wanted) {
        current = topic;
        if (topics.includes(topic)) continue;
        if (this.options.createTopic === false) throw new Error('does not exist and createTopic is off');
        const configEntries = Object.entries(this.options.topicConfig ?? {}).map(([name, value]) => ({ name, value }));
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions: this.options.partitions ?? KAFKA_DEFAULTS.partitions,
              replicationFactor: this.options.replicationFactor ?? KAFKA_DEFAULTS.replicationFactor,
              configEntries,
            },
          ],
        });
      }
    } catch (e) {
      throw new Error(`Kafka at ${where}: topic ${current}: ${oneLine(e)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Partition count of the topic as the cluster reports it. */
  async partitionCount(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const md = await admin.fetchTopicMetadata({ topics: [this.topic] });
      return md.topics[0]?.partitions.length ?? 0;
    } finally {
      await admin.disconnect();
    }
  }

  producer(opts: ProducerOptions = {}): BusProducer {
    const p = new KafkaProducerSink(this, opts);
    this.producers.push(p);
    return p;
  }

  /** The OpenBMP raw feed producer; rawTopic must be configured. */
  rawProducer(opts: ProducerOptions = {}): RawBmpProducer {
    const topic = this.options.rawTopic;
    if (!topic) throw new Error('kafka: rawTopic is not configured (the OpenBMP raw feed is off)');
    const adminId = this.options.rawAdminId ?? hostname();
    const sink = new KafkaProducerSink(this, opts, topic);
    this.producers.push(sink);
    return {
      write: (router, bmp, arrivalMs) => sink.writeRaw(router, encodeObmpRaw(bmp, { adminId, router, timeMs: arrivalMs })),
      drained: () => sink.drained(),
      flush: () => sink.flush(),
      close: () => sink.close(),
      stats: () => sink.stats(),
    };
  }

  consumer(opts: ConsumerOptions): BusConsumer {
    const c = new KafkaBusConsumer(this, opts);
    this.consumers.push(c);
    return c;
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await Promise.all(this.producers.map((p) => p.close()));
  }
}

interface Pending {
  readonly key: string;
  readonly value: string | Buffer;
  readonly bytes: number;
}

class KafkaProducerSink implements BusProducer {
  private readonly producer: Producer;
  private readonly high: number;
  private readonly low: number;
  private readonly maxSend: number;
  private readonly compression: CompressionTypes;
  private readonly onError: (err: Error, context: string) => void;
  private queue: Pending[] = [];
  private head = 0;
  private pendingBytes = 0;
  private written = 0;
  private acked = 0;
  private sendErrors = 0;
  private connected = false;
  private loop: Promise<void> | undefined;
  private closing = false;
  private closed = false;
  private drainWait: { promise: Promise<void>; resolve: () => void } | undefined;
  private flushWaits: { upTo: number; resolve: () => void }[] = [];
  private wakeBackoff: (() => void) | undefined;

  constructor(
    private readonly bus: KafkaBus,
    opts: ProducerOptions,
    private readonly topic: string = bus.topic,
  ) {
    this.producer = bus.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Idempotent: kafkajs retries without limit (same sequence numbers); backoff capped at 5 s.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.high = opts.highWaterBytes ?? PRODUCER_DEFAULTS.highWaterBytes;
    this.low = opts.lowWaterBytes ?? Math.floor(this.high / 2);
    this.maxSend = bus.options.maxSendBytes ?? KAFKA_DEFAULTS.maxSendBytes;
    this.compression = (bus.options.compression ?? KAFKA_DEFAULTS.compression) === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.onError = opts.onError ?? (() => undefined);
  }

  write(records: readonly BusRecord[]): boolean {
    if (this.closed) throw new Error('kafka producer is closed');
    for (const r of records) {
      // The collector's serialiser: the same text as JSON.stringify, at under half its cost for route records.
      const value = recordJson(r);
      // JSON is ASCII except for strings from the wire (sysName, descriptions): length is close enough.
      this.push({ key: recordKey(r), value, bytes: value.length + 64 });
    }
    this.written += records.length;
    if (records.length > 0) this.loop ??= this.sendLoop();
    return this.pendingBytes < this.high;
  }

  /** One pre-encoded message (the OpenBMP raw feed). */
  writeRaw(key: string, value: Buffer): boolean {
    if (this.closed) throw new Error('kafka producer is closed');
    this.push({ key, value, bytes: value.length + 64 });
    this.written++;
    this.loop ??= this.sendLoop();
    return this.pendingBytes < this.high;
  }

  private push(p: Pending): void {
    this.queue.push(p);
    this.pendingBytes += p.bytes;
  }

  drained(): Promise<void> {
    if (this.pendingBytes < this.high || this.closed) return Promise.resolve();
    if (!this.drainWait) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drainWait = { promise, resolve };
    }
    return this.drainWait.promise;
  }

  flush(): Promise<void> {
    if (this.acked >= this.written) return Promise.resolve();
    return new Promise((resolve) => this.flushWaits.push({ upTo: this.written, resolve }));
  }

  /** Flushes (bounded by the request timeout), then disconnects; records still pending are reported lost. */
  async close(): Promise<void> {
    if (this.closed) return;
    const bound = (this.bus.options.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs) + 5000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, bound)))]);
    clearTimeout(timer);
    this.closing = true;
    this.wakeBackoff?.();
    const lost = this.written - this.acked;
    if (lost > 0) this.onError(new Error(`${lost} records not acknowledged by Kafka at close`), 'close');
    await this.producer.disconnect().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.closed = true;
    this.drainWait?.resolve();
    for (const f of this.flushWaits) f.resolve();
    this.flushWaits = [];
  }

  stats(): ProducerStats {
    return { pendingRecords: this.written - this.acked, pendingBytes: this.pendingBytes, acked: this.acked, sendErrors: this.sendErrors };
  }

  private async sendLoop(): Promise<void> {
    let backoff = 200;
    try {
      while (this.head < this.queue.length && !this.closing) {
        if (!this.connected) {
          try {
            await this.producer.connect();
            this.connected = true;
          } catch (e) {
            this.sendErrors++;
            this.onError(asError(e), `connect to Kafka failed; retrying in ${backoff} ms`);
            await this.backoff(backoff);
            backoff = Math.min(backoff * 2, 5000);
            continue;
          }
        }
        // Let the writes of this tick join this send.
        await new Promise<void>((r) => setImmediate(r));
        let end = this.head;
        let bytes = 0;
        while (end < this.queue.length && (end === this.head || bytes + (this.queue[end] as Pending).bytes <= this.maxSend)) {
          bytes += (this.queue[end] as Pending).bytes;
          end++;
        }
        const slice = this.queue.slice(this.head, end);
        try {
          await this.producer.send({
            topic: this.topic,
            acks: -1,
            compression: this.compression,
            messages: slice.map((p) => ({ key: p.key, value: p.value })),
          });
        } catch (e) {
          this.sendErrors++;
          this.onError(asError(e), `send of ${slice.length} records failed; retrying in ${backoff} ms`);
          await this.backoff(backoff);
          backoff = Math.min(backoff * 2, 5000);
          continue;
        }
        backoff = 200;
        this.head = end;
        this.pendingBytes -= bytes;
        this.acked += slice.length;
        if (this.head > 65536 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        this.settle();
      }
    } finally {
      this.loop = undefined;
      if (this.head >= this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      // A write during the last await may have found the loop still set: pick it up.
      if (this.head < this.queue.length && !this.closing) this.loop = this.sendLoop();
    }
  }

  private settle(): void {
    if (this.drainWait && this.pendingBytes <= this.low) {
      const w = this.drainWait;
      this.drainWait = undefined;
      w.resolve();
    }
    if (this.flushWaits.length > 0) {
      const still: typeof this.flushWaits = [];
      for (const f of this.flushWaits) {
        if (this.acked >= f.upTo) f.resolve();
        else still.push(f);
      }
      this.flushWaits = still;
    }
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wakeBackoff = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

class KafkaBusConsumer implements BusConsumer {
  private consumer: Consumer | undefined;
  private batcher: Batcher | undefined;
  private running = false;
  private heartbeat: (() => Promise<void>) | undefined;
  private readonly o: ConsumerOptions;

  constructor(
    private readonly bus: KafkaBus,
    opts: ConsumerOptions,
  ) {
    this.o = opts;
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.running) throw new Error('consumer already started');
    const topic = this.bus.topic;
    const onError = this.o.onError ?? (() => undefined);
    const maxWaitMs = this.o.maxWaitMs ?? CONSUMER_DEFAULTS.maxWaitMs;
    const consumer = this.bus.kafka.consumer({
      groupId: this.o.group,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: Math.max(10, Math.min(500, maxWaitMs)),
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const batcher = new Batcher({
      topic,
      maxRecords: this.o.maxRecords ?? CONSUMER_DEFAULTS.maxRecords,
      maxWaitMs,
      retryMinMs: this.o.retryMinMs ?? CONSUMER_DEFAULTS.retryMinMs,
      retryMaxMs: this.o.retryMaxMs ?? CONSUMER_DEFAULTS.retryMaxMs,
      handler,
      commit: (ranges) => consumer.commitOffsets(ranges.map((r) => ({ topic, partition: r.partition, offset: String(r.last + 1) }))),
      onError,
      keepAlive: () => this.heartbeat?.() ?? Promise.resolve(),
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      batcher.keepOnly(new Set(e.payload.memberAssignment[topic] ?? []));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      onError(asError(e.payload.error), `consumer crashed (restart: ${String(e.payload.restart)})`);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: this.o.fromBeginning ?? true });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw new Error(`Kafka at ${this.bus.options.brokers.join(',')}: consumer group ${this.o.group}: ${oneLine(e)}`);
    }
    this.consumer = consumer;
    this.batcher = batcher;
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        this.heartbeat = () => payload.heartbeat();
        for (const m of batch.messages) {
          if (!this.running || !payload.isRunning() || payload.isStale()) return;
          const offset = Number(m.offset);
          if (m.value === null) {
            batcher.skip(batch.partition, offset);
          } else {
            let rec: BusRecord | undefined;
            try {
              rec = decodeRecord(m.value.toString('utf8'));
            } catch (e) {
              onError(asError(e), `skipped undecodable record at ${topic}/${batch.partition}:${m.offset}`);
            }
            if (rec) await batcher.add(batch.partition, offset, rec);
            else batcher.skip(batch.partition, offset);
          }
          payload.resolveOffset(m.offset);
        }
        await payload.heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.batcher?.stop();
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/**
 * The writer role: a consumer group on the bus whose batches become ClickHouse rows
 * (writer.ts), plus a timer for the time-driven work (quiet-period reconciliation, prefix-count
 * snapshots). The bus commits a batch's offsets only after `RowWriter.handle` resolved; a failed
 * insert throws, and the bus delivers the same batch again.
 */
import type { Registry } from 'prom-client';
import type { Bus, BusConsumer } from '../bus/index.js';
import type { Config } from '../config/config.js';
import type { RunningRole } from '../lifecycle/role.js';
import type { Logger } from '../telemetry/log.js';
import type { Store } from '../store/index.js';
import { registerWriterMetrics } from './metrics.js';
import { writerOptions } from './options.js';
import { RowWriter } from './writer.js';
import type { WriterOptions } from './writer.js';

export { RowWriter, WRITER_DEFAULTS } from './writer.js';
export { registerWriterMetrics } from './metrics.js';
export type { WriterOptions, WriterStats } from './writer.js';

export interface StartWriterOptions extends Omit<WriterOptions, 'store'> {
  /** Consumer group; default "ribwatch-writer". */
  readonly group?: string;
  /** Batch limits (rows are records here: a route record is one or more rows). */
  readonly maxRecords?: number;
  readonly maxWaitMs?: number;
  /** How often tick() runs; default 1 s. */
  readonly tickMs?: number;
  readonly log?: Logger;
}

export interface RunningWriter extends RunningRole {
  readonly writer: RowWriter;
  /** Stops consuming (the gathered batch is written and committed), then runs a last tick. */
  stop(): Promise<void>;
}

export async function startWriter(bus: Bus, store: Store, o: StartWriterOptions = {}): Promise<RunningWriter> {
  const log = o.log;
  const writer = new RowWriter({ ...o, store });
  await writer.recover();
  const consumer: BusConsumer = bus.consumer({
    group: o.group ?? 'ribwatch-writer',
    ...(o.maxRecords !== undefined ? { maxRecords: o.maxRecords } : {}),
    ...(o.maxWaitMs !== undefined ? { maxWaitMs: o.maxWaitMs } : {}),
    onError: (err, context) => log?.error({ err: err.message, context }, 'writer: batch failed, it will be delivered again'),
  });
  await consumer.start((batch) => writer.handle(batch));
  const timer = setInterval(() => {
    writer.tick().catch((err: unknown) => log?.error({ err: err instanceof Error ? err.message : String(err) }, 'writer: tick failed'));
  }, o.tickMs ?? 1000);
  timer.unref();
  return {
    writer,
    async stop() {
      clearInterval(timer);
      await consumer.stop();
    },
  };
}

export interface WriterDeps {
  readonly bus: Bus;
  readonly store: Store;
  readonly log?: Logger;
  /** The writer's metrics are registered here when given. */
  readonly registry?: Registry;
}

/** The role's entry: the writer of `writer.*` on `deps.bus` into `deps.store`. */
export async function start(deps: WriterDeps, options: Config['writer']): Promise<RunningWriter> {
  const running = await startWriter(deps.bus, deps.store, { ...writerOptions(options), ...(deps.log && { log: deps.log }) });
  if (deps.registry) registerWriterMetrics(deps.registry, running.writer);
  return running;
}

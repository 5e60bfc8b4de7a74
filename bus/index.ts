/**
 * The bus: `openBus` picks the implementation from configuration. Only bus/kafka.ts imports
 * kafkajs, and it is loaded only when the Kafka bus is chosen.
 */
import type { Bus } from './types.js';
import type { KafkaBusOptions } from './kafka.js';
import type { MemoryBusOptions } from './memory.js';
import { MemoryBus } from './memory.js';

export type { Bus, BusBatch, BusConsumer, BusProducer, BatchHandler, ConsumerOptions, OffsetRange, ProducerOptions, ProducerStats } from './types.js';
export { batchToken, decodeRecord } from './types.js';
export type { KafkaBusOptions, KafkaSaslOptions, KafkaTlsOptions } from './kafka.js';
export type { MemoryBusOptions } from './memory.js';
export { MemoryBus } from './memory.js';

export type BusOptions = ({ readonly kind: 'memory' } & MemoryBusOptions) | ({ readonly kind: 'kafka' } & KafkaBusOptions);

/** Creates the bus (not yet connected: call `setup()`). */
export async function openBus(opts: BusOptions): Promise<Bus> {
  if (opts.kind === 'memory') return new MemoryBus(opts);
  const { KafkaBus } = await import('./kafka.js');
  return new KafkaBus(opts);
}

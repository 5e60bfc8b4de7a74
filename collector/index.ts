/**
 * The collector role: a BMP listener whose router sessions become records in a sink (the bus, or
 * NDJSON). `start` binds the listener; `stop(cause)` stops accepting and ends every session with
 * router_down `cause`.
 */
import type { Config } from '../config/config.js';
import type { HostPort } from '../net/addresses.js';
import type { RunningRole } from '../lifecycle/role.js';
import { BmpCollector, collectorOptions } from './collector.js';
import type { CollectorOptions } from './collector.js';

export { BmpCollector, collectorOptions } from './collector.js';
export type { CollectorOptions } from './collector.js';
export { CollectorMetrics } from './metrics.js';

export type CollectorDeps = Pick<CollectorOptions, 'sink' | 'raw' | 'log' | 'metrics' | 'clock' | 'knownRouters'>;

export interface RunningCollector extends RunningRole {
  readonly collector: BmpCollector;
  /** The bound listener (port resolved when 0 was asked for). */
  readonly address: HostPort;
  stop(cause?: string): Promise<void>;
}

export async function start(deps: CollectorDeps, options: Config['collector']): Promise<RunningCollector> {
  const collector = new BmpCollector(collectorOptions(options, deps));
  let address: HostPort;
  try {
    address = await collector.start();
  } catch (err) {
    await collector.stop().catch(() => undefined);
    throw err;
  }
  return { collector, address, stop: (cause = 'shutdown') => collector.stop(cause) };
}

/** The writer's options from `writer.*`. */
import type { Config } from '../config/config.js';

/** The writer's options of `writer.*` (structurally StartWriterOptions of writer/). */
export function writerOptions(c: Config['writer']): { group: string; maxRecords: number; maxWaitMs: number; reconcileQuietMs: number; countsIntervalMs: number } {
  return {
    group: c.group,
    maxRecords: c.maxRecords,
    maxWaitMs: c.maxWaitMs,
    reconcileQuietMs: c.reconcileQuietSeconds * 1000,
    countsIntervalMs: c.countsIntervalSeconds * 1000,
  };
}

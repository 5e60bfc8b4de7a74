/**
 * The writer's Prometheus metrics, read from the writer when scraped (the writer itself knows
 * nothing of prom-client). No router label: per-router detail is in the tables and the logs.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RowWriter, WriterStats } from './writer.js';

/** A counter whose value is read at scrape time from a running total. */
function totalOf(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      this.inc(read());
    },
  });
}

export function registerWriterMetrics(registry: Registry, writer: RowWriter): void {
  const s = (k: keyof WriterStats) => (): number => writer.stats[k];
  totalOf(registry, 'ribwatch_writer_batches_total', 'Bus batches stored (and then committed).', s('batches'));
  totalOf(registry, 'ribwatch_writer_batch_failures_total', 'Bus batches whose storing failed; each is delivered again.', s('failures'));
  totalOf(registry, 'ribwatch_writer_records_total', 'Records stored.', s('records'));
  totalOf(registry, 'ribwatch_writer_route_update_rows_total', 'route_updates rows inserted from route records (rib rows follow through the view).', s('routeUpdateRows'));
  totalOf(registry, 'ribwatch_writer_statements_total', 'INSERT ... SELECT statements run over rib: synthetic withdrawals, stale marks, prefix-count snapshots.', s('statements'));
  totalOf(registry, 'ribwatch_writer_reconciliations_total', 'Re-dump reconciliations run (routes not re-announced after a reconnect or reset are withdrawn).', s('reconciliations'));
  const g = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(read());
      },
    });
  };
  g('ribwatch_writer_lag_seconds', 'Wall time minus the arrival time of the latest record stored.', () => writer.lagMs() / 1000);
  g('ribwatch_writer_last_batch_seconds', 'How long storing the latest batch took.', () => writer.stats.lastBatchMs / 1000);
  g('ribwatch_writer_pending_reconciliations', 'Reconnected routers whose stale routes await the end of their re-dump.', () => writer.pendingRouters().length);
}

/**
 * Retention, on top of the tables' own TTLs: route_updates partitions (one per day) that lie
 * wholly past store.retentionDays are dropped — a TTL deletes rows only when parts merge, which a
 * quiet old partition may wait for a long time, and a partition drop is cheap and immediate — and
 * resolved alerts older than analyzer.audit.resolvedAlertsDays are deleted (the alerts table has no
 * TTL: open alerts must never expire). Both are bounded (LIMIT) and take their values as query
 * parameters; the partition ids come from system.parts and are checked to be dates.
 */
import type { Store } from '../../store/index.js';

export interface RetentionOptions {
  readonly store: Store;
  /** store.retentionDays */
  readonly retentionDays: number;
  /** analyzer.audit.resolvedAlertsDays */
  readonly resolvedAlertsDays: number;
  /** ON CLUSTER this name (store.cluster), "" for none. */
  readonly cluster?: string;
}

export interface RetentionResult {
  readonly droppedPartitions: readonly string[];
  readonly deletedAlerts: number;
}

const MAX_PARTITIONS = 1000;
const MAX_ALERTS = 10_000;

export async function runRetention(o: RetentionOptions): Promise<RetentionResult> {
  const onCluster = o.cluster !== undefined && o.cluster !== '' ? ` ON CLUSTER ${identifier(o.cluster)}` : '';
  const parts = await o.store.query<{ partition_id: string }>(
    `SELECT DISTINCT partition_id FROM system.parts
     WHERE database = {db:String} AND table = 'route_updates' AND active
       AND match(partition_id, '^[0-9]{8}$') AND toDate(parseDateTimeBestEffortOrNull(partition_id)) < today() - {days:UInt32}
     ORDER BY partition_id LIMIT {limit:UInt32}`,
    { db: o.store.database, days: o.retentionDays, limit: MAX_PARTITIONS },
  );
  const dropped: string[] = [];
  for (const p of parts) {
    if (!/^\d{8}$/.test(p.partition_id)) continue;
    await o.store.command(`ALTER TABLE route_updates${onCluster} DROP PARTITION ID {id:String}`, { id: p.partition_id });
    dropped.push(p.partition_id);
  }
  const old = await o.store.query<{ id: string }>(
    `SELECT id FROM alerts FINAL WHERE status = 'resolved' AND resolved_at IS NOT NULL AND resolved_at < now64(3) - toIntervalDay({days:UInt32}) LIMIT {limit:UInt32}`,
    { days: o.resolvedAlertsDays, limit: MAX_ALERTS },
  );
  if (old.length > 0) await o.store.command(`DELETE FROM alerts${onCluster} WHERE id IN {ids:Array(String)}`, { ids: old.map((r) => r.id) });
  return { droppedPartitions: dropped, deletedAlerts: old.length };
}

/** A cluster name as an identifier: checked, never quoted from arbitrary text. */
function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`store.cluster ${JSON.stringify(name)} is not a plain cluster name`);
  return name.includes('-') ? `\`${name}\`` : name;
}

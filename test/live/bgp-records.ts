/** Helpers for the BGP speaker's live tests: replaying route records into tables. */
import type { BusRecord, RouteRecord } from '../../records/types.js';

/** Replays route records of one router into prefix|path_id → the record that announced it, for one AFI/SAFI. */
export function bgpTable(records: readonly BusRecord[], router: string, afiSafi: string): Map<string, RouteRecord> {
  const m = new Map<string, RouteRecord>();
  for (const r of records) {
    if (r.type !== 'route' || r.router !== router || r.afi_safi !== afiSafi) continue;
    for (const p of r.withdrawn) m.delete(`${p.prefix}|${p.path_id ?? ''}`);
    for (const p of r.announced) m.set(`${p.prefix}|${p.path_id ?? ''}`, r);
  }
  return m;
}

/** The prefixes of such a table, sorted, each once (ADD-PATH paths folded). */
export function tablePrefixes(records: readonly BusRecord[], router: string, afiSafi: string): string[] {
  return [...new Set([...bgpTable(records, router, afiSafi).keys()].map((k) => k.split('|')[0]!))].sort();
}

/**
 * The leak audit: the current RIB in ClickHouse (rib FINAL, not withdrawn, not stale) checked
 * against the inventory with the stream's own LeakDetector, so a finding has exactly the kind,
 * subject and wording the stream would give it and merges with the stream's alert instead of
 * opening another. It catches what the stream missed: leaks announced while the analyzer was down
 * (its consumer group resumes after them), or before an inventory change that makes them leaks.
 *
 * Bounded: only routes inside a range the inventory assigns are read (the filter runs in
 * ClickHouse, with the ranges as a query parameter), at most `maxRows` of them.
 */
import type { Inventory } from '../../inventory/inventory.js';
import type { RouteAttributes, RouteRecord, RouterInitRecord } from '../../records/types.js';
import type { Store } from '../../store/index.js';
import type { RouteAttributeColumns } from '../../store/route-columns.js';
import { LeakDetector } from '../detectors/leaks.js';
import type { LeakOptions } from '../detectors/leaks.js';
import type { RibView } from '@ribwatch/bmp-parser';
import type { Observation } from '../types.js';
import { AuditLedger, ownedRanges, routerSysNames } from './common.js';

/** Families whose prefixes are IP prefixes the inventory can own. */
export const AUDIT_FAMILIES = ['ipv4-unicast', 'ipv6-unicast', 'ipv4-labeled-unicast', 'ipv6-labeled-unicast'] as const;

/** The rib columns SQL selects: the key and the attributes a leak check looks at. */
interface RibRow extends Omit<RouteAttributeColumns, 'origin_as' | 'extra'> {
  router: string;
  session: string;
  peer_type: string;
  peer_rd: string;
  peer_address: string;
  peer_asn: number;
  peer_bgp_id: string;
  rib: string;
  afi_safi: string;
  prefix: string;
  path_id: number;
}

const SQL = `SELECT router, session, peer_type, peer_rd, peer_address, peer_asn, peer_bgp_id, rib, afi_safi, prefix, path_id,
       origin, as_path, as_path_json, next_hop, med, local_pref, communities, large_communities, ext_communities
FROM rib FINAL
WHERE is_withdrawn = 0 AND stale = 0
  AND afi_safi IN {families:Array(String)}
  AND NOT (peer_asn = 0 AND peer_address IN ('0.0.0.0', '::'))
  AND arrayExists(r -> isIPAddressInRange(splitByChar('/', prefix)[1], r), {ranges:Array(String)})
LIMIT {limit:UInt64}`;

export interface AuditResult {
  /** RIB rows (or peers) read. */
  readonly rows: number;
  /** The LIMIT was reached: the RIB was audited in part (nothing was cleared). */
  readonly partial: boolean;
  /** Conditions found now, and conditions cleared since the last run. */
  readonly active: number;
  readonly cleared: number;
}

export interface LeakAuditOptions {
  readonly store: Store;
  readonly inventory: () => Inventory;
  readonly maxRows: number;
  readonly leakOptions?: LeakOptions;
}

export class LeakAudit {
  private readonly ledger = new AuditLedger();

  constructor(private readonly o: LeakAuditOptions) {}

  /** Reads the RIB, returns the observations to hand to the lifecycle. */
  async run(now: number = Date.now()): Promise<{ observations: Observation[]; result: AuditResult }> {
    const inv = this.o.inventory();
    const ranges = ownedRanges(inv);
    const at = new Date(now).toISOString();
    let rows: RibRow[] = [];
    if (ranges.length > 0) rows = await this.o.store.query<RibRow>(SQL, { families: [...AUDIT_FAMILIES], ranges, limit: this.o.maxRows });
    const partial = rows.length >= this.o.maxRows;
    const found: Observation[] = [];
    if (rows.length > 0) {
      const sysNames = await routerSysNames(this.o.store);
      const det = new LeakDetector(inv, { ...this.o.leakOptions, maxKeys: Number.MAX_SAFE_INTEGER, clock: () => now });
      let seq = 0;
      for (const [router, sysName] of sysNames) {
        const init: RouterInitRecord = { v: 1, type: 'router_init', router, session: 'audit', seq: ++seq, time: at, sys_name: sysName, sys_descr: null, info: [] };
        det.onRecord(init);
      }
      for (const row of rows) {
        for (const o of det.onRecord(routeRecord(row, at, ++seq))) {
          // Inventory overlaps are not RIB findings: the stream detector reports them on (re)load.
          if (o.active && o.kind !== 'cluster-overlap') found.push({ ...o, detector: 'leak-audit', facts: { ...o.facts, found_by: 'rib audit' } });
        }
      }
    }
    const observations = this.ledger.settle(found, at, partial, (o) => `No longer in the RIB: ${o.summary}`);
    return { observations, result: { rows: rows.length, partial, active: found.length, cleared: observations.length - found.length } };
  }
}

function routeRecord(row: RibRow, at: string, seq: number): RouteRecord {
  let asPath: RouteAttributes['as_path'] = row.as_path;
  if (row.as_path_json !== '') {
    try {
      asPath = JSON.parse(row.as_path_json) as RouteAttributes['as_path'];
    } catch {
      // keep the flattened path
    }
  }
  const attributes: RouteAttributes = {
    origin: row.origin === 'igp' || row.origin === 'egp' || row.origin === 'incomplete' ? row.origin : null,
    as_path: asPath,
    next_hop: row.next_hop === '' ? null : row.next_hop,
    med: row.med,
    local_pref: row.local_pref,
    atomic_aggregate: false,
    aggregator: null,
    communities: row.communities,
    large_communities: row.large_communities,
    ext_communities: row.ext_communities,
    originator_id: null,
    cluster_list: [],
    other: [],
  };
  return {
    v: 1,
    type: 'route',
    router: row.router,
    session: row.session,
    seq,
    time: at,
    peer: { address: row.peer_address, asn: Number(row.peer_asn), bgp_id: row.peer_bgp_id, type: row.peer_type as RouteRecord['peer']['type'], rd: row.peer_rd === '' ? null : row.peer_rd },
    rib: row.rib as RibView,
    afi_safi: row.afi_safi,
    router_time: at,
    attributes,
    announced: [{ prefix: row.prefix, path_id: Number(row.path_id) === 0 ? null : Number(row.path_id) }],
    withdrawn: [],
    dump: true,
  };
}

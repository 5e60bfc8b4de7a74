/**
 * The writer's statements over the current RIB (docs/architecture.md, "Sessions, resets and time"). Each reads
 * `rib FINAL` inside ClickHouse and writes new rows with INSERT ... SELECT, so no copy of the RIB
 * lives in the writer's memory. All values are query parameters.
 *
 * - Synthetic withdrawals go into route_updates (synthetic = 1); the rib_from_updates view turns
 *   them into the rib's withdrawn rows, as for any history row.
 * - Stale marks go into rib only: a new version of the same row with stale = 1. They are not
 *   history (nothing changed on the router as far as anyone knows).
 */
import { ROUTE_UPDATE_COLUMNS } from './rows.js';

/** Which rows of one router a statement touches; every field narrows it further. */
export interface RibScope {
  readonly router: string;
  readonly peer?: { readonly type: string; readonly rd: string; readonly address: string };
  readonly rib?: string;
  readonly afiSafi?: string;
  /** Rows last written by this session (or, with orStale, stale ones from any session). */
  readonly session?: string;
  /** Rows last written by any session but this one. */
  readonly notSession?: string;
  readonly orStale?: boolean;
  /** Only rows awaiting confirmation (1), or only confirmed ones (0). */
  readonly stale?: 0 | 1;
}

export interface Stmt {
  readonly query: string;
  readonly params: Record<string, unknown>;
}

function where(s: RibScope, params: Record<string, unknown>): string {
  const c = ['router = {router:String}', 'is_withdrawn = 0'];
  params['router'] = s.router;
  if (s.peer) {
    c.push('peer_type = {peer_type:String}', 'peer_rd = {peer_rd:String}', 'peer_address = {peer_address:String}');
    params['peer_type'] = s.peer.type;
    params['peer_rd'] = s.peer.rd;
    params['peer_address'] = s.peer.address;
  }
  if (s.rib !== undefined) {
    c.push('rib = {rib:String}');
    params['rib'] = s.rib;
  }
  if (s.afiSafi !== undefined) {
    c.push('afi_safi = {afi_safi:String}');
    params['afi_safi'] = s.afiSafi;
  }
  if (s.session !== undefined) {
    c.push(s.orStale ? '(session = {scope_session:String} OR stale = 1)' : 'session = {scope_session:String}');
    params['scope_session'] = s.session;
  }
  if (s.notSession !== undefined) {
    c.push('session != {not_session:String}');
    params['not_session'] = s.notSession;
  }
  if (s.stale !== undefined) c.push(s.stale === 1 ? 'stale = 1' : 'stale = 0');
  return c.join(' AND ');
}

/** The event that causes synthetic rows: its time, session and sequence become theirs. */
export interface Cause {
  /** ClickHouse DateTime64(3) text. */
  readonly time: string;
  readonly routerTime: string;
  readonly session: string;
  readonly seq: number;
}

const ATTRS = 'origin, as_path, as_path_json, origin_as, next_hop, med, local_pref, communities, large_communities, ext_communities, extra';

/**
 * Synthetic withdrawals of every current route in scope. They keep the withdrawn route's
 * attributes (a router's own withdrawals have none), so "what went away" stays answerable.
 */
export function syntheticWithdrawals(scope: RibScope, cause: Cause): Stmt {
  const params: Record<string, unknown> = {
    c_time: cause.time,
    c_router_time: cause.routerTime,
    c_session: cause.session,
    c_seq: cause.seq,
  };
  const w = where(scope, params);
  const query = `INSERT INTO route_updates (${ROUTE_UPDATE_COLUMNS.join(', ')})
SELECT {c_time:DateTime64(3, 'UTC')}, router, {c_session:String}, {c_seq:UInt64}, {c_router_time:DateTime64(3, 'UTC')},
       peer_address, peer_asn, peer_bgp_id, peer_type, peer_rd, rib, afi_safi, prefix, rd, path_id, labels,
       'withdraw', 0, 1, ${ATTRS}
FROM rib FINAL
WHERE ${w}`;
  return { query, params };
}

/** New versions (stale = 1) of every current, confirmed route in scope. */
export function staleMarks(scope: RibScope, version: string): Stmt {
  const params: Record<string, unknown> = { version };
  const w = where(scope, params);
  // The filter sits in a subquery: at the outer level, REPLACE's `stale` alias would shadow the column.
  const query = `INSERT INTO rib
SELECT * REPLACE ({version:UInt64} AS version, toUInt8(1) AS stale)
FROM (SELECT * FROM rib FINAL WHERE ${w})`;
  return { query, params };
}

/**
 * Prefix counts per peer, RIB view and AFI/SAFI of some routers, as of `time`. Keys whose routes
 * are all withdrawn report 0 once (in the snapshot after their last change), then drop out.
 */
export function prefixCountsSnapshot(routers: readonly string[], time: string, since: string): Stmt {
  return {
    query: `INSERT INTO peer_prefix_counts (time, router, peer_type, peer_rd, peer_address, peer_asn, rib, afi_safi, prefixes, stale)
SELECT {time:DateTime64(3, 'UTC')}, router, peer_type, peer_rd, peer_address, argMax(peer_asn, version), rib, afi_safi,
       countIf(is_withdrawn = 0), countIf(is_withdrawn = 0 AND stale = 1)
FROM rib FINAL
WHERE has({routers:Array(String)}, router)
GROUP BY router, peer_type, peer_rd, peer_address, rib, afi_safi
HAVING countIf(is_withdrawn = 0) > 0 OR max(time) >= {since:DateTime64(3, 'UTC')}`,
    params: { routers, time, since },
  };
}

/**
 * At start: routers whose BMP session is up (latest routers event) and that still have stale
 * routes: their re-dump was under way when the writer stopped, so reconciliation is pending.
 */
export const PENDING_RECONCILIATION = `SELECT r.router AS router, r.session AS session, toUnixTimestamp64Milli(r.at) AS at_ms
FROM (
  SELECT router, argMax(event, (time, seq)) AS last, argMax(session, (time, seq)) AS session, max(time) AS at
  FROM routers GROUP BY router
) AS r
WHERE r.last != 'down' AND r.router IN (SELECT DISTINCT router FROM rib FINAL WHERE stale = 1 AND is_withdrawn = 0)`;

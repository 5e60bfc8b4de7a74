/**
 * Store rows (rib, route_updates) → the API's JSON: the attribute columns folded back into one
 * attributes object (the AS path with its AS_SETs from as_path_json, the rarer attributes from
 * extra), '' and 0 placeholders turned into null where the contract says null.
 */
import type { RouteAttributeColumns } from '../store/route-columns.js';
import { iso } from './context.js';

/** The attribute columns every route query selects (rib and route_updates share them). */
export const ATTR_COLUMNS = 'origin, as_path, as_path_json, origin_as, next_hop, med, local_pref, communities, large_communities, ext_communities, labels, extra';

export interface AttrRow extends RouteAttributeColumns {
  labels: number[];
}

export interface Attributes {
  origin: string | null;
  as_path: (number | number[])[];
  origin_as: number | null;
  next_hop: string | null;
  med: number | null;
  local_pref: number | null;
  communities: string[];
  large_communities: string[];
  ext_communities: string[];
  labels: number[];
  atomic_aggregate: boolean;
  aggregator: { asn: number; address: string } | null;
  originator_id: string | null;
  cluster_list: string[];
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function attributesOf(r: AttrRow): Attributes {
  const path = parseJson(r.as_path_json);
  const extra = (parseJson(r.extra) ?? {}) as { atomic_aggregate?: boolean; aggregator?: { asn: number; address: string }; originator_id?: string; cluster_list?: string[] };
  return {
    origin: r.origin === '' ? null : r.origin,
    as_path: Array.isArray(path) ? (path as (number | number[])[]) : r.as_path.map(Number),
    origin_as: r.origin_as === 0 ? null : Number(r.origin_as),
    next_hop: r.next_hop === '' ? null : r.next_hop,
    med: r.med === null ? null : Number(r.med),
    local_pref: r.local_pref === null ? null : Number(r.local_pref),
    communities: r.communities,
    large_communities: r.large_communities,
    ext_communities: r.ext_communities,
    labels: r.labels.map(Number),
    atomic_aggregate: extra.atomic_aggregate === true,
    aggregator: extra.aggregator ?? null,
    originator_id: extra.originator_id ?? null,
    cluster_list: extra.cluster_list ?? [],
  };
}

export interface RibRow extends AttrRow {
  router: string;
  peer_type: string;
  peer_rd: string;
  peer_address: string;
  peer_asn: number;
  rib: string;
  afi_safi: string;
  prefix: string;
  rd: string;
  path_id: number;
  time: string;
  stale: number;
  dump: number;
}

export function routeOf(r: RibRow): Record<string, unknown> {
  return {
    router: r.router,
    peer: r.peer_address,
    peer_asn: Number(r.peer_asn),
    peer_type: r.peer_type,
    peer_rd: r.peer_rd === '' ? null : r.peer_rd,
    view: r.rib,
    afi_safi: r.afi_safi,
    prefix: r.prefix,
    rd: r.rd === '' ? null : r.rd,
    path_id: Number(r.path_id) === 0 ? null : Number(r.path_id),
    attributes: attributesOf(r),
    since: iso(r.time),
    stale: Number(r.stale) === 1,
    dump: Number(r.dump) === 1,
  };
}

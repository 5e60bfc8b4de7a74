/**
 * The path-attribute columns that `route_updates` and `rib` share (migrations 0003/0004), as the
 * writer inserts them and the API and audits read them back. One declaration, so a column change
 * is one edit here plus a migration.
 */
export interface RouteAttributeColumns {
  /** 'igp' | 'egp' | 'incomplete', '' when absent. */
  origin: string;
  /** The AS path flattened (AS_SETs spelled out), for filtering; the exact path is as_path_json. */
  as_path: number[];
  as_path_json: string;
  /** The last ASN of the path, 0 when none. */
  origin_as: number;
  next_hop: string;
  med: number | null;
  local_pref: number | null;
  communities: string[];
  large_communities: string[];
  ext_communities: string[];
  /** The rarer attributes (aggregator, originator, cluster list, raw ones) as JSON. */
  extra: string;
}

/** What the pages read from /api/v1 (docs/api.md; the OpenAPI document is the contract). */

export interface Router {
  router: string;
  state: string;
  sys_name: string | null;
  sys_descr: string | null;
  since: string | null;
  last_seen: string | null;
  last_down: { at?: string; termination?: string | null; cause?: string } | null;
  role?: string | null;
}

export interface Limit {
  max: number;
  used: number;
  ratio: number;
}

export interface Peer {
  router: string;
  address: string;
  asn: number | null;
  bgp_id: string | null;
  peer_type: string;
  state: string;
  since: string | null;
  down_reason: { at?: string; reason?: number; reason_name?: string; notification?: { code: number; subcode: number; name?: string } | null } | null;
  prefixes: Record<string, Record<string, number>>;
  prefixes_as_of: string | null;
  limits: Record<string, Limit>;
  node?: string | null;
  cluster?: string | null;
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
  [k: string]: unknown;
}

export interface Route {
  router: string;
  peer: string;
  view: string;
  afi_safi: string;
  prefix: string;
  rd: string | null;
  path_id: number | null;
  attributes: Attributes;
  since: string;
  peer_asn: number | null;
  stale: boolean;
  dump: boolean;
  node?: string | null;
  cluster?: string | null;
  service?: string | null;
}

export interface HistoryEvent {
  time: string;
  router: string;
  peer: string;
  view: string;
  afi_safi: string;
  prefix: string;
  action: 'announce' | 'withdraw';
  dump: boolean;
  synthetic: boolean;
  path_id: number | null;
  attributes: Attributes | null;
}

export interface Alert {
  id: string;
  kind: string;
  severity: string;
  status: string;
  subject: Record<string, string>;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  summary: string;
  next_step: string;
  facts: Record<string, unknown>;
  routers: string[];
  peers: string[];
  silenced: boolean;
  parent?: string | null;
  related?: string[];
}

export interface PrefixFlap {
  prefix: string;
  router: string;
  peer: string;
  view: string;
  afi_safi: string;
  changes: number;
  announcements: number;
  withdrawals: number;
}

export interface PeerFlap {
  router: string;
  peer: string;
  changes: number;
  announcements: number;
  withdrawals: number;
  session_downs: number;
  prefixes: number;
}

/**
 * Records: what the collector publishes, one JSON object each, versioned (`v: 1`). This is the
 * schema every consumer (NDJSON file, bus, writer, analyzer) reads; docs/records.md documents it.
 *
 * Order and time (docs/architecture.md, "Sessions, resets and time"): all records of one router travel in
 * order under one key (the router address), each with the router's BMP session id and a
 * sequence number that starts at 1 for every session. `time` is the arrival time at the collector
 * (UTC, RFC 3339 with milliseconds) and is what everything orders and partitions by;
 * `router_time` is the router's own per-peer-header timestamp, for display only.
 */
import type { PeerTypeName, RibView } from '@ribwatch/bmp-parser';

export const RECORD_VERSION = 1;

/** "global", "rd", "local", "loc-rib" (RFC 9069), or "type-<n>": bmp-parser's peer type names. */
export type { PeerTypeName };

/** Identifies a BGP peer as seen by one router (the per-peer header). */
export interface PeerRef {
  readonly address: string;
  readonly asn: number;
  readonly bgp_id: string;
  readonly type: PeerTypeName;
  /** Peer distinguisher (the RD for RD instance peers); null when zero. */
  readonly rd: string | null;
}

interface Base {
  readonly v: 1;
  /** The router: the source address of its BMP connection. */
  readonly router: string;
  /** Router session id: new for every BMP TCP connection. */
  readonly session: string;
  /** Per-session sequence number, from 1, no gaps. */
  readonly seq: number;
  /** Arrival time at the collector, RFC 3339 UTC. */
  readonly time: string;
  /**
   * `"bgp"` on every record of a BGP neighbor feeding ribwatch's BGP speaker (bgp/), whose
   * `router` is then `bgp:<neighbor address>`; absent on BMP records (docs/records.md, "BGP feeds").
   */
  readonly feed?: 'bgp';
}

/** A BMP TCP session was accepted from the router. */
export interface RouterUpRecord extends Base {
  readonly type: 'router_up';
  readonly remote_port: number;
  readonly local: string;
}

/** Initiation (RFC 7854 §4.3). */
export interface RouterInitRecord extends Base {
  readonly type: 'router_init';
  readonly sys_name: string | null;
  readonly sys_descr: string | null;
  readonly info: readonly string[];
}

/**
 * The BMP session ended. `termination` is null when the TCP session was lost without a
 * Termination message: the router's routes are then stale until it reconnects and re-dumps.
 */
export interface RouterDownRecord extends Base {
  readonly type: 'router_down';
  readonly termination: { readonly reason: number | null; readonly reason_name: string | null; readonly info: readonly string[] } | null;
  /** Why the collector closed or saw the close: "termination", "connection closed", "desync at offset N: …", "shutdown". */
  readonly cause: string;
}

export interface OpenSummary {
  readonly asn: number;
  readonly bgp_id: string;
  readonly hold_time: number;
  /** AFI/SAFI names from the multiprotocol capability. */
  readonly families: readonly string[];
  readonly four_octet_as: boolean;
  /** ADD-PATH per AFI/SAFI name: "receive" | "send" | "both". */
  readonly add_path: Readonly<Record<string, string>>;
  readonly capabilities: readonly number[];
  readonly hostname: string | null;
}

export interface PeerUpRecord extends Base {
  readonly type: 'peer_up';
  readonly peer: PeerRef;
  readonly router_time: string;
  readonly local_address: string;
  readonly local_port: number;
  readonly remote_port: number;
  readonly sent_open: OpenSummary;
  readonly received_open: OpenSummary;
  readonly info: readonly string[];
  /** The peer was already up in this session (a Peer Up without Peer Down): a reset. */
  readonly reset: boolean;
}

export interface NotificationSummary {
  readonly code: number;
  readonly subcode: number;
  readonly code_name: string;
  readonly subcode_name: string;
}

export interface PeerDownRecord extends Base {
  readonly type: 'peer_down';
  readonly peer: PeerRef;
  readonly router_time: string;
  /** RFC 7854 §4.9 reason code (1..6). */
  readonly reason: number;
  readonly reason_name: string;
  readonly notification: NotificationSummary | null;
  readonly fsm_event: number | null;
  /** The peer had been seen up in this session (FRR sends Peer Down for peers never established). */
  readonly was_up: boolean;
}

/** Path attributes in JSON form. AS paths are arrays of ASNs, an AS_SET a nested array. */
export interface RouteAttributes {
  readonly origin: 'igp' | 'egp' | 'incomplete' | null;
  /** Effective AS path (RFC 6793 merge of AS_PATH and AS4_PATH), as received. */
  readonly as_path: readonly (number | readonly number[])[];
  readonly next_hop: string | null;
  readonly med: number | null;
  readonly local_pref: number | null;
  readonly atomic_aggregate: boolean;
  readonly aggregator: { readonly asn: number; readonly address: string } | null;
  /** "65001:100" or well-known names ("NO_EXPORT"). */
  readonly communities: readonly string[];
  readonly large_communities: readonly string[];
  readonly ext_communities: readonly string[];
  readonly originator_id: string | null;
  readonly cluster_list: readonly string[];
  /** Attributes kept raw (unknown or malformed): code, flags, hex value. */
  readonly other: readonly { readonly code: number; readonly flags: number; readonly hex: string }[];
}

export interface RoutePrefix {
  readonly prefix: string;
  readonly path_id: number | null;
  readonly rd?: string;
  readonly labels?: readonly number[];
  /** VPLS routes (l2vpn-vpls, RFC 4761 §3.2.2): `prefix` is "[RD]:[VE ID]:[VE block offset]", `labels` is [label base]. */
  readonly vpls?: { readonly ve_id: number; readonly ve_block_offset: number; readonly ve_block_size: number; readonly label_base: number };
  /** BMP v4 Path Marking (draft-ietf-grow-bmp-path-marking-tlv) for this route: status names ("best", "primary", ...). */
  readonly path_status?: readonly string[];
  /** The Path Marking's reason code, when it carries one. */
  readonly path_status_reason?: number;
}

/**
 * One Route Monitoring UPDATE for one AFI/SAFI: the attributes once, the prefixes announced and
 * withdrawn. An UPDATE carrying several AFI/SAFIs (IPv4 NLRI field plus MP_REACH) yields one
 * record per AFI/SAFI.
 */
export interface RouteRecord extends Base {
  readonly type: 'route';
  readonly peer: PeerRef;
  readonly rib: RibView;
  readonly afi_safi: string;
  readonly router_time: string;
  /** Null when the record only withdraws. */
  readonly attributes: RouteAttributes | null;
  readonly announced: readonly RoutePrefix[];
  readonly withdrawn: readonly RoutePrefix[];
  /** Part of a (re-)dump: after a Peer Up or a new BMP session, until End-of-RIB or a quiet period. */
  readonly dump: boolean;
}

/** End-of-RIB (RFC 4724) for one peer, RIB view and AFI/SAFI: the dump for it is complete. */
export interface EndOfRibRecord extends Base {
  readonly type: 'end_of_rib';
  readonly peer: PeerRef;
  readonly rib: RibView;
  readonly afi_safi: string;
  readonly router_time: string;
}

export interface StatsRecord extends Base {
  readonly type: 'stats';
  readonly peer: PeerRef;
  readonly router_time: string;
  /** Every counter by type number; value as a number, or a decimal string above 2^53. */
  readonly counters: readonly { readonly type: number; readonly name: string; readonly value: number | string | null; readonly afi_safi: string | null }[];
}

/** Route Mirroring (RFC 7854 §4.7): the mirrored messages, summarised. */
export interface MirrorRecord extends Base {
  readonly type: 'mirror';
  readonly peer: PeerRef;
  readonly router_time: string;
  readonly messages: readonly { readonly bgp_type: string; readonly hex: string }[];
  readonly information: number | null;
}

export type BusRecord =
  | RouterUpRecord
  | RouterInitRecord
  | RouterDownRecord
  | PeerUpRecord
  | PeerDownRecord
  | RouteRecord
  | EndOfRibRecord
  | StatsRecord
  | MirrorRecord;

export type RecordType = BusRecord['type'];

/** The bus key: all of one router's records share it, so they stay in order. */
export function recordKey(r: BusRecord): string {
  return r.router;
}

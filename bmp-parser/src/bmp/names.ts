/**
 * Names for BMP code points (IANA "BGP Monitoring Protocol (BMP) Parameters"), the one table each
 * that JSON, records and metrics show. Unknown values get a generated name, never an error:
 * routers ship experimental code points (FRR's statistics type 65531). These strings are in
 * ribwatch's records (docs/records.md) and metric labels, so an existing one never changes.
 */
import { BmpMessageType, PeerDownReason, PeerType, TerminationReason } from './types.js';

type ValueOf<T> = T[keyof T];
export type BmpMessageTypeCode = ValueOf<typeof BmpMessageType>;
export type PeerTypeCode = ValueOf<typeof PeerType>;
export type PeerDownReasonCode = ValueOf<typeof PeerDownReason>;
export type TerminationReasonCode = ValueOf<typeof TerminationReason>;

/** RFC 7854 §4.1 message type names, snake case, in code order (0-6). */
export const BMP_MESSAGE_TYPE_NAMES = ['route_monitoring', 'statistics_report', 'peer_down', 'peer_up', 'initiation', 'termination', 'route_mirroring'] as const satisfies {
  readonly [K in BmpMessageTypeCode]: string;
} & { readonly length: 7 };
export type BmpMessageTypeName = (typeof BMP_MESSAGE_TYPE_NAMES)[number];

/** "route_monitoring" ... "route_mirroring"; "type_<n>" for the rest. */
export function bmpTypeName(type: number): string {
  return isBmpMessageType(type) ? BMP_MESSAGE_TYPE_NAMES[type] : `type_${type}`;
}

export function isBmpMessageType(type: number): type is BmpMessageTypeCode {
  return Number.isInteger(type) && type >= BmpMessageType.RouteMonitoring && type <= BmpMessageType.RouteMirroring;
}

/** RFC 7854 §4.2 and RFC 9069 §4.1 peer types, in code order (0-3). */
export const PEER_TYPE_NAMES = ['global', 'rd', 'local', 'loc-rib'] as const satisfies { readonly [K in PeerTypeCode]: string } & { readonly length: 4 };
export type PeerTypeName = (typeof PEER_TYPE_NAMES)[number] | `type-${number}`;

/** "global", "rd", "local", "loc-rib"; "type-<n>" for the rest. */
export function peerTypeName(type: number): PeerTypeName {
  return Number.isInteger(type) && type >= PeerType.Global && type <= PeerType.LocRib ? PEER_TYPE_NAMES[type as PeerTypeCode] : `type-${type}`;
}

/** The table's name for a code; undefined for codes it lacks (inherited object keys included). */
function nameIn(table: Readonly<Record<number, string>>, code: number): string | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined;
}

/** RFC 7854 §4.9 Peer Down reasons, RFC 9069 §5.3 for 6. */
const PEER_DOWN_REASON_NAMES: { readonly [K in PeerDownReasonCode]: string } = {
  [PeerDownReason.LocalNotification]: 'local-notification',
  [PeerDownReason.LocalNoNotification]: 'local-no-notification',
  [PeerDownReason.RemoteNotification]: 'remote-notification',
  [PeerDownReason.RemoteNoNotification]: 'remote-no-notification',
  [PeerDownReason.PeerDeconfigured]: 'peer-deconfigured',
  [PeerDownReason.LocalTlv]: 'local-system-closed',
};

/** "local-notification" ... "local-system-closed"; "reason-<n>" for the rest. */
export function peerDownReasonName(reason: number): string {
  return nameIn(PEER_DOWN_REASON_NAMES, reason) ?? `reason-${reason}`;
}

/** RFC 7854 §4.5 Termination reasons (TLV type 1). */
const TERMINATION_REASON_NAMES: { readonly [K in TerminationReasonCode]: string } = {
  [TerminationReason.AdministrativelyClosed]: 'administratively-closed',
  [TerminationReason.Unspecified]: 'unspecified',
  [TerminationReason.OutOfResources]: 'out-of-resources',
  [TerminationReason.RedundantConnection]: 'redundant-connection',
  [TerminationReason.PermanentlyAdministrativelyClosed]: 'permanently-administratively-closed',
};

/** "administratively-closed" ... ; "reason-<n>" for the rest. */
export function terminationReasonName(reason: number): string {
  return nameIn(TERMINATION_REASON_NAMES, reason) ?? `reason-${reason}`;
}

/** How a statistics counter's value is encoded: 32-bit counter, 64-bit gauge, AFI+SAFI+64-bit gauge. */
export type StatEncoding = 'c32' | 'g64' | 'afsafi-g64';

export interface StatType {
  /** The name records show; absent where records show "type-<n>" (see statName). */
  readonly name?: string;
  /** The registered encoding; absent for unregistered types, whose value is read by its length. */
  readonly encoding?: StatEncoding;
}

/**
 * Statistics types (RFC 7854 §4.8: 0-13, RFC 8671 §5: 14-17, RFC 9972 §3: 18-43, and FRR's
 * experimental 65531). The decoder goes by the TLV length, never by the encoding here; the encoder
 * uses it to pick a length when a counter has no raw bytes. Types 24, 25 and 33-43 have no name
 * because records have always shown them as "type-<n>", and record values do not change.
 */
export const STAT_TYPES: ReadonlyMap<number, StatType> = new Map<number, StatType>([
  [0, { name: 'prefixes-rejected-by-inbound-policy', encoding: 'c32' }],
  [1, { name: 'duplicate-prefix-advertisements', encoding: 'c32' }],
  [2, { name: 'duplicate-withdraws', encoding: 'c32' }],
  [3, { name: 'updates-invalidated-cluster-list-loop', encoding: 'c32' }],
  [4, { name: 'updates-invalidated-as-path-loop', encoding: 'c32' }],
  [5, { name: 'updates-invalidated-originator-id', encoding: 'c32' }],
  [6, { name: 'updates-invalidated-as-confed-loop', encoding: 'c32' }],
  [7, { name: 'routes-adj-rib-in', encoding: 'g64' }],
  [8, { name: 'routes-loc-rib', encoding: 'g64' }],
  [9, { name: 'routes-adj-rib-in-per-afi-safi', encoding: 'afsafi-g64' }],
  [10, { name: 'routes-loc-rib-per-afi-safi', encoding: 'afsafi-g64' }],
  [11, { name: 'updates-treat-as-withdraw', encoding: 'c32' }],
  [12, { name: 'prefixes-treat-as-withdraw', encoding: 'c32' }],
  [13, { name: 'duplicate-updates', encoding: 'c32' }],
  [14, { name: 'routes-adj-rib-out-pre', encoding: 'g64' }],
  [15, { name: 'routes-adj-rib-out-post', encoding: 'g64' }],
  [16, { name: 'routes-adj-rib-out-pre-per-afi-safi', encoding: 'afsafi-g64' }],
  [17, { name: 'routes-adj-rib-out-post-per-afi-safi', encoding: 'afsafi-g64' }],
  [18, { name: 'routes-adj-rib-in-pre', encoding: 'g64' }],
  [19, { name: 'routes-adj-rib-in-pre-per-afi-safi', encoding: 'afsafi-g64' }],
  [20, { name: 'routes-adj-rib-in-post', encoding: 'g64' }],
  [21, { name: 'routes-adj-rib-in-post-per-afi-safi', encoding: 'afsafi-g64' }],
  [22, { name: 'routes-adj-rib-in-pre-rejected-per-afi-safi', encoding: 'afsafi-g64' }],
  [23, { name: 'routes-adj-rib-in-post-accepted-per-afi-safi', encoding: 'afsafi-g64' }],
  // Selected as primary / backup.
  [24, { encoding: 'afsafi-g64' }],
  [25, { encoding: 'afsafi-g64' }],
  [26, { name: 'routes-suppressed-damping-per-afi-safi', encoding: 'afsafi-g64' }],
  [27, { name: 'routes-stale-graceful-restart-per-afi-safi', encoding: 'afsafi-g64' }],
  [28, { name: 'routes-stale-llgr-per-afi-safi', encoding: 'afsafi-g64' }],
  [29, { name: 'routes-left-before-threshold', encoding: 'g64' }],
  [30, { name: 'routes-left-before-threshold-per-afi-safi', encoding: 'afsafi-g64' }],
  [31, { name: 'routes-left-before-license-threshold', encoding: 'g64' }],
  [32, { name: 'routes-left-before-license-threshold-per-afi-safi', encoding: 'afsafi-g64' }],
  // Rejected for AS path length; ROV invalid / valid / not found; Adj-RIB-Out rejected by policy,
  // filtered for AS path length, ROV invalid / valid / not found.
  [33, { encoding: 'g64' }],
  [34, { encoding: 'afsafi-g64' }],
  [35, { encoding: 'afsafi-g64' }],
  [36, { encoding: 'afsafi-g64' }],
  [37, { encoding: 'afsafi-g64' }],
  [38, { encoding: 'afsafi-g64' }],
  [39, { encoding: 'g64' }],
  [40, { encoding: 'afsafi-g64' }],
  [41, { encoding: 'afsafi-g64' }],
  [42, { encoding: 'afsafi-g64' }],
  [43, { encoding: 'afsafi-g64' }],
  // FRR 8.x experimental counter: valid paths with an invalid next hop.
  [65531, { name: 'frr-experimental-nexthop-invalid' }],
]);

/** The statistics type's name; "type-<n>" for types without one. */
export function statName(type: number): string {
  return STAT_TYPES.get(type)?.name ?? `type-${type}`;
}

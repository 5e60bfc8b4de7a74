/**
 * Names for BMP code points that records and metrics show (IANA "BGP Monitoring Protocol (BMP)
 * Parameters"). Unknown values get a generated name, never an error: routers ship experimental
 * code points (FRR's stats type 65531).
 */

/** Metric label per BMP message type (RFC 7854 §4.1); the label set stays bounded. */
export const BMP_MESSAGE_TYPE_LABELS = ['route_monitoring', 'statistics_report', 'peer_down', 'peer_up', 'initiation', 'termination', 'route_mirroring', 'other'] as const;

export function bmpMessageTypeIndex(type: number): number {
  return type >= 0 && type <= 6 ? type : 7;
}

/** Statistics types: RFC 7854 §4.8 (0-13), RFC 8671 (14-17), RFC 9972 (18-32). */
const STAT_NAMES: Readonly<Record<number, string>> = {
  0: 'prefixes-rejected-by-inbound-policy',
  1: 'duplicate-prefix-advertisements',
  2: 'duplicate-withdraws',
  3: 'updates-invalidated-cluster-list-loop',
  4: 'updates-invalidated-as-path-loop',
  5: 'updates-invalidated-originator-id',
  6: 'updates-invalidated-as-confed-loop',
  7: 'routes-adj-rib-in',
  8: 'routes-loc-rib',
  9: 'routes-adj-rib-in-per-afi-safi',
  10: 'routes-loc-rib-per-afi-safi',
  11: 'updates-treat-as-withdraw',
  12: 'prefixes-treat-as-withdraw',
  13: 'duplicate-updates',
  14: 'routes-adj-rib-out-pre',
  15: 'routes-adj-rib-out-post',
  16: 'routes-adj-rib-out-pre-per-afi-safi',
  17: 'routes-adj-rib-out-post-per-afi-safi',
  18: 'routes-adj-rib-in-pre',
  19: 'routes-adj-rib-in-pre-per-afi-safi',
  20: 'routes-adj-rib-in-post',
  21: 'routes-adj-rib-in-post-per-afi-safi',
  22: 'routes-adj-rib-in-pre-rejected-per-afi-safi',
  23: 'routes-adj-rib-in-post-accepted-per-afi-safi',
  26: 'routes-suppressed-damping-per-afi-safi',
  27: 'routes-stale-graceful-restart-per-afi-safi',
  28: 'routes-stale-llgr-per-afi-safi',
  29: 'routes-left-before-threshold',
  30: 'routes-left-before-threshold-per-afi-safi',
  31: 'routes-left-before-license-threshold',
  32: 'routes-left-before-license-threshold-per-afi-safi',
  // FRR 8.x experimental counter (harness README §4): valid paths with an invalid next hop.
  65531: 'frr-experimental-nexthop-invalid',
};

export function statName(type: number): string {
  return STAT_NAMES[type] ?? `type-${type}`;
}

// Peer Down reason names are record vocabulary, shared with the BGP feed.
export { peerDownReasonName } from '../records/peer-down-reasons.js';

/** Termination reasons (RFC 7854 §4.5, TLV type 1). */
const TERMINATION_REASONS: Readonly<Record<number, string>> = {
  0: 'administratively-closed',
  1: 'unspecified',
  2: 'out-of-resources',
  3: 'redundant-connection',
  4: 'permanently-administratively-closed',
};

export function terminationReasonName(reason: number): string {
  return TERMINATION_REASONS[reason] ?? `reason-${reason}`;
}

/**
 * Metric label for a decoder error: "bgp-" or "bmp-" + the catalogue code ("RW_ERR_ATTRIBUTE" →
 * "bgp-attribute", "RW_ERR_BMP_TYPE" → "bmp-type"). The catalogue is closed, so the label set is.
 */
export function errorKind(layer: 'bmp' | 'bgp', code: string): string {
  const suffix = code.replace(/^RW_ERR_/, '').toLowerCase().replace(/_/g, '-');
  return suffix.startsWith(`${layer}-`) ? suffix : `${layer}-${suffix}`;
}

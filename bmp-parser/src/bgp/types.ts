/**
 * BGP-4 (RFC 4271) message structures as decoded. Plain, JSON-friendly objects except for raw
 * bytes (Uint8Array views) kept where a value is unknown or opaque, so that the encoder can
 * reproduce it byte for byte.
 */
import type { DecodeError } from '../errors.js';

/** RFC 4760 / IANA address family and subsequent address family numbers used by name. */
export const Afi = { IPv4: 1, IPv6: 2, L2VPN: 25 } as const;
export const Safi = { Unicast: 1, Multicast: 2, Labeled: 4, Vpls: 65, Evpn: 70, Vpn: 128 } as const;

/** BGP message types (RFC 4271 §4.1, RFC 2918). */
export const BgpMessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;

/**
 * One NLRI: an IP prefix (masked: host bits past the length are cleared, as routers differ) for
 * the IP families, with the ADD-PATH path identifier when present, MPLS labels for labeled
 * unicast and VPN (RFC 8277, RFC 4364), the route distinguisher for VPN; or an EVPN route; or a
 * VPLS route (RFC 4761 §3.2.2: `rd`, `labels` [label base] and `vpls`).
 */
export interface Nlri {
  /** "10.0.0.0/24" or "2001:db8::/32"; for EVPN the route's canonical key. */
  readonly prefix: string;
  /** ADD-PATH path identifier (RFC 7911), null when the session has none for this AFI/SAFI. */
  readonly pathId: number | null;
  /** 20-bit label values, bottom-of-stack last; absent for unlabeled families. */
  readonly labels?: readonly number[];
  /** Route distinguisher as text: "65000:100", "192.0.2.1:5", "4200000000:7" (RFC 4364 §4.2 types 0,1,2). */
  readonly rd?: string;
  readonly evpn?: EvpnRoute;
  readonly vpls?: VplsRoute;
  /**
   * The 3-octet label fields as received (label << 4 | TC << 1 | S), present only when they differ
   * from `labels` written with S on the last label alone (the RFC 8277 withdrawal value 0x800000
   * counts as canonical), so that encode reproduces the bytes.
   */
  readonly rawLabels?: readonly number[];
}

/** The numbers of a VPLS NLRI (RFC 4761 §3.2.2) beside its RD. */
export interface VplsRoute {
  /** VE ID: the VPLS edge device's number in the VPLS. */
  readonly veId: number;
  /** VE Block Offset and VE Block Size: the remote VE IDs the label block serves. */
  readonly veBlockOffset: number;
  readonly veBlockSize: number;
  /** Label Base: the first 20-bit label of the block. */
  readonly labelBase: number;
}

/** EVPN NLRI (RFC 7432 §7, RFC 9136 type 5). Unknown route types keep their bytes. */
export interface EvpnRoute {
  readonly routeType: number;
  readonly rd?: string;
  /** Ethernet Segment Identifier, 10 bytes as colon-separated hex. */
  readonly esi?: string;
  readonly ethernetTagId?: number;
  readonly mac?: string;
  readonly ip?: string;
  /** Type 5: the IP prefix ("10.1.0.0/16"). */
  readonly ipPrefix?: string;
  readonly gatewayIp?: string;
  readonly originatorIp?: string;
  /**
   * The 3-octet MPLS Label fields as 24-bit numbers (not shifted): an MPLS label in the high 20
   * bits, or a VXLAN VNI in all 24 (RFC 8365 §5.1.3); the route does not say which.
   */
  readonly labels?: readonly number[];
  /** Route type bytes, always kept (also for known types) so encode reproduces them exactly. */
  readonly raw: Uint8Array;
}

/** AS_PATH segment (RFC 4271 §4.3, RFC 5065 confederations). */
export const AsPathSegmentType = { AsSet: 1, AsSequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;
export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
  /**
   * Set only when the AGGREGATOR's width on the wire (6 bytes: 2-octet ASN, 8 bytes: 4-octet)
   * disagrees with the session's, as some speakers send; the encoder then writes it as received.
   */
  readonly wireAsnSize?: 2 | 4;
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** Next hops as text: one, or global + link-local for IPv6 (RFC 2545); VPN next hops without their zero RD. */
  readonly nextHops: readonly string[];
  readonly nlri: readonly Nlri[];
  /** Kept when the AFI/SAFI is not one the decoder knows, or the NLRI could not be parsed. */
  readonly rawNlri?: Uint8Array;
  readonly rawNextHop?: Uint8Array;
  /** The octet after the next hop (RFC 4760 reserved, formerly SNPA count), kept only when not 0. */
  readonly reserved?: number;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Nlri[];
  readonly rawNlri?: Uint8Array;
}

/** A path attribute the decoder does not interpret, or a known one that was malformed (then `error`). */
export interface RawAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
  readonly error?: DecodeError;
}

/** Path attribute type codes (IANA BGP Path Attributes registry). */
export const AttrCode = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  Med: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  LargeCommunities: 32,
} as const;

export interface PathAttributes {
  /** 0 IGP, 1 EGP, 2 INCOMPLETE. */
  origin?: number;
  /** As received (2- or 4-octet per the session); see `effectiveAsPath` for the RFC 6793 merge with AS4_PATH. */
  asPath?: AsPathSegment[];
  /**
   * True when AS_PATH/AGGREGATOR were read with 2-octet ASNs; false when read with 4-octet ASNs on
   * a session configured as 2-octet (trial parsing); absent when 4-octet as configured. The
   * encoder follows it, falling back to the session when absent.
   */
  twoOctetAs?: boolean;
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities as 32-bit values; `formatCommunity` gives "65001:100" or "NO_EXPORT". */
  communities?: number[];
  originatorId?: string;
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 4360, each 8 bytes; `formatExtendedCommunity` gives text. */
  extendedCommunities?: Uint8Array[];
  as4Path?: AsPathSegment[];
  as4Aggregator?: Aggregator;
  /** RFC 8092 (global administrator, local data 1, local data 2). */
  largeCommunities?: [number, number, number][];
  /** Unknown attributes, and known ones that were malformed (with `error`), in wire order. */
  other: RawAttribute[];
  /**
   * Wire layout of a decoded UPDATE: one entry per attribute in the order received,
   * `flags << 8 | code`, with bit 16 set for those kept in `other`. encodeUpdate follows it so the
   * flags (e.g. Extended Length on a short attribute) and order come back byte for byte. Absent:
   * attributes are written in type-code order with the usual flags.
   */
  wireOrder?: number[];
}

export interface BgpUpdate {
  /** IPv4 unicast Withdrawn Routes field. */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: PathAttributes;
  /** IPv4 unicast NLRI field. */
  readonly nlri: readonly Nlri[];
  /** Set when this UPDATE is an End-of-RIB marker (RFC 4724 §2) for that AFI/SAFI. */
  readonly endOfRib?: { readonly afi: number; readonly safi: number };
  /**
   * RFC 7606: the action the decoder's findings call for. `treat-as-withdraw` means the NLRI
   * were decoded but the attributes are not trustworthy.
   */
  readonly action?: 'treat-as-withdraw' | 'attribute-discard';
  /** True when path identifiers were decided by trial parsing rather than by the session config. */
  readonly addPathGuessed?: boolean;
  /**
   * Set when an NLRI or withdrawn field ended inside its last NLRI (a lone trailing length octet,
   * seen in real data): the NLRI before it are kept, as bgpdump does, and this says so.
   */
  readonly nlriError?: DecodeError;
}

export interface Capability {
  readonly code: number;
  readonly value: Uint8Array;
}

/** Capabilities decoded from an OPEN (RFC 5492 optional parameter 2, and RFC 9072 extended params). */
export interface OpenCapabilities {
  /** Multiprotocol (RFC 4760): AFI/SAFI pairs. */
  readonly multiprotocol: readonly { readonly afi: number; readonly safi: number }[];
  readonly routeRefresh: boolean;
  /** RFC 6793: the 4-octet ASN when advertised. */
  readonly fourOctetAs?: number;
  /** RFC 7911: per AFI/SAFI, 1 = receive, 2 = send, 3 = both. */
  readonly addPath: readonly { readonly afi: number; readonly safi: number; readonly sendReceive: number }[];
  readonly gracefulRestart?: { readonly flags: number; readonly time: number; readonly families: readonly { readonly afi: number; readonly safi: number; readonly flags: number }[] };
  /** RFC 8654. */
  readonly extendedMessage: boolean;
  /** draft-walton-bgp-hostname-capability (code 73). */
  readonly fqdn?: { readonly hostname: string; readonly domain: string };
  /** RFC 8950 §4 Extended Next Hop Encoding (code 5): NLRI AFI/SAFI that may carry a next hop of another AFI. */
  readonly extendedNextHop?: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
  /** RFC 7313 Enhanced Route Refresh (code 70); present only when advertised. */
  readonly enhancedRouteRefresh?: boolean;
  /** RFC 9494 Long-Lived Graceful Restart (code 71): per family, flags and the Long-lived Stale Time in seconds. */
  readonly longLivedGracefulRestart?: { readonly families: readonly { readonly afi: number; readonly safi: number; readonly flags: number; readonly staleTime: number }[] };
  /** Every capability as received, including the ones decoded above, in wire order. */
  readonly all: readonly Capability[];
}

/** An OPEN optional parameter as received (RFC 4271 §4.2; type 2 = capabilities). */
export interface OpenParameter {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface BgpOpen {
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS 23456 when the real ASN is 4-octet). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly capabilities: OpenCapabilities;
  /** The speaker's ASN: the 4-octet capability's value when present, else myAs. */
  readonly asn: number;
  /**
   * Optional parameters as received, in order. When present, encodeOpen writes these and not
   * `capabilities`, so a decoded OPEN re-encodes byte for byte.
   */
  readonly parameters?: readonly OpenParameter[];
  /** RFC 9072 extended optional parameters format was used. */
  readonly extendedParameters?: boolean;
}

export interface BgpNotification {
  readonly code: number;
  readonly subcode: number;
  readonly codeName: string;
  readonly subcodeName: string;
  readonly data: Uint8Array;
  /** RFC 8203 / RFC 9003 shutdown communication (Cease, Administrative Shutdown or Reset). */
  readonly shutdownCommunication?: string;
}

export type BgpMessage =
  | { readonly type: 'open'; readonly open: BgpOpen }
  | { readonly type: 'update'; readonly update: BgpUpdate }
  | { readonly type: 'notification'; readonly notification: BgpNotification }
  | { readonly type: 'keepalive' }
  | { readonly type: 'route-refresh'; readonly afi: number; readonly safi: number; readonly subtype: number }
  | { readonly type: 'unknown'; readonly code: number; readonly body: Uint8Array };

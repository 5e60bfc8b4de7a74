/**
 * BMP v3 (RFC 7854) message structures as decoded, with RFC 8671 (Adj-RIB-Out) and RFC 9069
 * (Loc-RIB) additions. Code points are const tables; unknown values are kept as numbers.
 */
import type { DecodeError } from '../errors.js';
import type { BgpMessage, BgpNotification, BgpOpen, BgpUpdate, Capability } from '../bgp/types.js';

/** RFC 7854 §4.1. */
export const BmpMessageType = {
  RouteMonitoring: 0,
  StatisticsReport: 1,
  PeerDown: 2,
  PeerUp: 3,
  Initiation: 4,
  Termination: 5,
  RouteMirroring: 6,
} as const;

/** RFC 7854 §4.2, RFC 9069 §4.1. */
export const PeerType = { Global: 0, Rd: 1, Local: 2, LocRib: 3 } as const;

/** Per-peer header flags (RFC 7854 §4.2, RFC 8671 §4). For peer type 3, 0x80 is F (filtered, RFC 9069). */
export const PeerFlag = { V: 0x80, L: 0x40, A: 0x20, O: 0x10, F: 0x80 } as const;

/** The five RIB views a route can belong to. */
export type RibView = 'adj-in-pre' | 'adj-in-post' | 'loc-rib' | 'adj-out-pre' | 'adj-out-post';

export interface PerPeerHeader {
  readonly peerType: number;
  readonly flags: number;
  /** Peer Distinguisher as text (RD format for peer type 1, "0:0" when zero); raw kept for encode. */
  readonly distinguisher: string;
  readonly distinguisherRaw: Uint8Array;
  /** IPv4 or IPv6 text per the V flag ("0.0.0.0" / "::" for Loc-RIB). */
  readonly address: string;
  /** The 16-byte address field as received (view); the encoder writes it when it still matches `address`. */
  readonly addressRaw?: Uint8Array;
  readonly asn: number;
  readonly bgpId: string;
  /** Router's clock; display only (FRR stamps Peer Up with boot time). */
  readonly timestampSec: number;
  readonly timestampUsec: number;
}

export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A BMP version 4 TLV (draft-ietf-grow-bmp-tlv): Type, Length, Index, Value (see messages/route-monitoring-v4.ts). */
export interface IndexedTlv {
  readonly type: number;
  /** 0: the whole BGP PDU; high bit set: a group (Group TLV); else the announced route at that position, from 1. */
  readonly index: number;
  readonly value: Uint8Array;
}

/** A Path Marking TLV (draft-ietf-grow-bmp-path-marking-tlv): the status of the routes its index names. */
export interface PathMarking {
  readonly index: number;
  /** Path status bits (best 0x2, primary 0x8, add-path 0x80, ...). */
  readonly status: number;
  /** The bits' names ("best", "primary", "add-path", ...). */
  readonly statusNames: readonly string[];
  /** The optional reason code. */
  readonly reason?: number;
}

/**
 * Every message type may come in BMP version 4 (draft-ietf-grow-bmp-tlv): `version` is 4 then,
 * absent for version 3. Only Route Monitoring differs in layout; the others are v3's.
 */
interface Versioned {
  readonly version?: 4;
}

/** Route Monitoring (RFC 7854 §4.6). The UPDATE is decoded after the frame is checked: a bad UPDATE keeps the message. */
export interface RouteMonitoring extends Versioned {
  readonly type: 0;
  readonly peer: PerPeerHeader;
  /** The BGP UPDATE PDU bytes (view). */
  readonly pdu: Uint8Array;
  readonly update?: BgpUpdate;
  readonly bgpError?: DecodeError;
  /**
   * Bytes after the BGP PDU when its length is shorter than the message (Huawei Loc-RIB appends
   * vendor TLVs such as type 59970), re-encoded as is; `tlvs` when they parse as Type-Length-Value.
   */
  readonly trailing?: Uint8Array;
  readonly tlvs?: readonly Tlv[];
  /** Version 4: every TLV after the per-peer header, in wire order (the BGP PDU TLV's value is `pdu`). */
  readonly v4Tlvs?: readonly IndexedTlv[];
  /** Version 4 Stateless Parsing TLVs: the BGP capabilities the UPDATE was decoded with (ADD-PATH, 4-octet AS). */
  readonly statelessCapabilities?: readonly Capability[];
  /** Version 4 Path Marking TLVs, in wire order (`pathMarkingsByRoute` says which route each marks). */
  readonly pathMarkings?: readonly PathMarking[];
  /** Version 4 VRF/Table Name TLV. */
  readonly vrfName?: string;
}

/** One statistics counter (RFC 7854 §4.8, RFC 8671, RFC 9972). */
export interface StatCounter {
  readonly type: number;
  /** 32-bit counters and 64-bit gauges as bigint; undefined when the length fits no known encoding. */
  readonly value?: bigint;
  /** For per-AFI/SAFI types (AFI 2 + SAFI 1 + 64-bit gauge). */
  readonly afi?: number;
  readonly safi?: number;
  readonly raw: Uint8Array;
}

export interface StatisticsReport extends Versioned {
  readonly type: 1;
  readonly peer: PerPeerHeader;
  readonly counters: readonly StatCounter[];
  /** Bytes after the last of the Stats Count counters (none from a conforming router); re-encoded as is. */
  readonly trailing?: Uint8Array;
}

/** Peer Down reason codes (RFC 7854 §4.9, RFC 9069 §5.3). */
export const PeerDownReason = {
  LocalNotification: 1,
  LocalNoNotification: 2,
  RemoteNotification: 3,
  RemoteNoNotification: 4,
  PeerDeconfigured: 5,
  LocalTlv: 6,
} as const;

export interface PeerDown extends Versioned {
  readonly type: 2;
  readonly peer: PerPeerHeader;
  readonly reason: number;
  /** Reasons 1 and 3. */
  readonly notification?: BgpNotification;
  /** Reason 2: the FSM event code (RFC 4271 §8.1). */
  readonly fsmEvent?: number;
  /** Reason 6 TLVs (e.g. type 3 VRF/Table name). */
  readonly tlvs: readonly Tlv[];
  /** Bytes after the reason. */
  readonly data: Uint8Array;
  /** Reason 1/3 whose NOTIFICATION did not decode: the BGP layer's error (the message is still returned). */
  readonly bgpError?: DecodeError;
  /** Reason 6: the VRF/Table Name TLV (type 3) as text. */
  readonly vrfName?: string;
}

export interface PeerUp extends Versioned {
  readonly type: 3;
  readonly peer: PerPeerHeader;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
  readonly sentOpen: BgpOpen;
  readonly receivedOpen: BgpOpen;
  /** Information TLVs (0 string, 3 VRF/table name, 4 admin label). */
  readonly tlvs: readonly Tlv[];
  /** The two OPEN PDUs as received (views, BGP header included); the encoder writes them when present. */
  readonly sentOpenPdu?: Uint8Array;
  readonly receivedOpenPdu?: Uint8Array;
  /** The 16-byte local address field as received (view); written when it still matches `localAddress`. */
  readonly localAddressRaw?: Uint8Array;
  /** TLV 0 strings, TLV 3 VRF/Table Name (RFC 9069), TLV 4 Admin Label (RFC 9736), decoded as UTF-8. */
  readonly strings?: readonly string[];
  readonly vrfName?: string;
  readonly adminLabel?: string;
}

export interface Initiation extends Versioned {
  readonly type: 4;
  readonly tlvs: readonly Tlv[];
  readonly sysName?: string;
  readonly sysDescr?: string;
  /** TLV 0 strings as UTF-8. */
  readonly strings?: readonly string[];
}

export interface Termination extends Versioned {
  readonly type: 5;
  readonly tlvs: readonly Tlv[];
  /** TLV type 1 (RFC 7854 §4.5). */
  readonly reason?: number;
  /** TLV 0 strings as UTF-8. */
  readonly strings?: readonly string[];
}

export interface RouteMirroring extends Versioned {
  readonly type: 6;
  readonly peer: PerPeerHeader;
  readonly tlvs: readonly Tlv[];
  /** Each TLV type 0 decoded as a BGP message (or its error). */
  readonly messages: readonly ({ readonly ok: true; readonly message: BgpMessage } | { readonly ok: false; readonly error: DecodeError })[];
  /** TLV type 1 information code: 0 errored PDU, 1 messages lost. */
  readonly information?: number;
}

export type BmpMessage = RouteMonitoring | StatisticsReport | PeerDown | PeerUp | Initiation | Termination | RouteMirroring;

/** Initiation Information TLV types (RFC 7854 §4.4). */
export const InitiationTlvType = { String: 0, SysDescr: 1, SysName: 2 } as const;

/** Termination TLV types and reasons (RFC 7854 §4.5). */
export const TerminationTlvType = { String: 0, Reason: 1 } as const;
export const TerminationReason = {
  AdministrativelyClosed: 0,
  Unspecified: 1,
  OutOfResources: 2,
  RedundantConnection: 3,
  PermanentlyAdministrativelyClosed: 4,
} as const;

/** Peer Up Information TLV types (RFC 7854 §4.10, RFC 9069 §5.2, RFC 9736). Peer Down reason 6 uses 3 too. */
export const PeerUpTlvType = { String: 0, VrfTableName: 3, AdminLabel: 4 } as const;

/** Route Mirroring TLV types and information codes (RFC 7854 §4.7). */
export const RouteMirroringTlvType = { BgpMessage: 0, Information: 1 } as const;
export const RouteMirroringInformation = { ErroredPdu: 0, MessagesLost: 1 } as const;

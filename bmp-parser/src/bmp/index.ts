/**
 * The BMP layer (RFC 7854, RFC 8671 Adj-RIB-Out, RFC 9069 Loc-RIB, draft-ietf-grow-bmp-tlv v4). One module per RFC concept:
 *
 *   header.ts                      §4.1 common header, §4.2 per-peer header, distinguisher text, ribView, peer key
 *   tlv.ts                         §4.4 Information TLVs
 *   messages/route-monitoring.ts   §4.6 (UPDATE decoded after the frame is checked; trailing vendor TLVs kept)
 *   messages/route-monitoring-v4.ts  BMP v4 (draft-ietf-grow-bmp-tlv): indexed TLVs, Stateless Parsing, Path Marking
 *   messages/statistics-report.ts  §4.8 (+ RFC 8671 §5, RFC 9972): counters by type, read by length
 *   messages/peer-down.ts          §4.9 (+ RFC 9069 reason 6)
 *   messages/peer-up.ts            §4.10 (+ RFC 9069, RFC 9736 TLVs)
 *   messages/initiation.ts         §4.3
 *   messages/termination.ts        §4.5
 *   messages/route-mirroring.ts    §4.7
 *   message.ts                     decodeBmpMessage / encodeBmpMessage: dispatch by type
 *   config.ts                      Peer Up OPENs -> SessionConfig per direction (ADD-PATH, 4-octet AS)
 *   router-state.ts                BmpRouterState: peers, merged capabilities, cached configs
 *   framer.ts                      BmpFramer (TCP chunks -> frames), findBmpHeader (resync)
 *   names.ts                       names of message types, peer types, Peer Down and Termination reasons, statistics types
 */
export { BmpFramer, findBmpHeader, FRAMED_VERSIONS } from './framer.js';
export type { FrameResult } from './framer.js';
export { BmpRouterState, MAX_OPENS_PER_PEER } from './router-state.js';
export type { PeerState } from './router-state.js';
export { decodeBmpMessage, encodeBmpMessage } from './message.js';
export type { SessionConfigSource } from './message.js';
export {
  BMP_VERSION,
  BMP_VERSION_4,
  COMMON_HEADER_LENGTH,
  PER_PEER_HEADER_LENGTH,
  DEFAULT_MAX_MESSAGE_LENGTH,
  distinguisherBytes,
  distinguisherText,
  minMessageLength,
  peerKey,
  readCommonHeader,
  ribView,
} from './header.js';
export type { CommonHeader } from './header.js';
export { configFromOpens, directionOf, statelessConfigFor } from './config.js';
export type { Direction, OpenSummary } from './config.js';
export { decodeStatCounter } from './messages/statistics-report.js';
export { MAX_TLVS } from './tlv.js';
export {
  BMP_MESSAGE_TYPE_NAMES,
  PEER_TYPE_NAMES,
  STAT_TYPES,
  bmpTypeName,
  isBmpMessageType,
  peerDownReasonName,
  peerTypeName,
  statName,
  terminationReasonName,
} from './names.js';
export type { BmpMessageTypeCode, BmpMessageTypeName, PeerDownReasonCode, PeerTypeCode, PeerTypeName, StatEncoding, StatType, TerminationReasonCode } from './names.js';
export { INDEX_GROUP, PATH_STATUS, RouteMonitoringTlvType, decodeIndexedTlvs, pathMarkingsByRoute, pathStatusNames, statelessConfig } from './messages/route-monitoring-v4.js';

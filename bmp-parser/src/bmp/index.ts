/**
 * The BMP layer: message codecs (one module per RFC 7854 message under messages/), the common
 * and per-peer headers, TLVs, stream framing, and per-router session state.
 */
export { BmpFramer, findBmpHeader, FRAMED_VERSIONS } from './framer.js';
export type { FrameResult } from './framer.js';
export { BmpRouterState, MAX_OPENS_PER_PEER } from './session.js';
export type { PeerState } from './session.js';
export { decodeBmpMessage, encodeBmpMessage } from './message.js';
export type { SessionConfigSource } from './message.js';
export {
  BMP_VERSION,
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

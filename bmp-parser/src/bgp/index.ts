/**
 * BGP-4 message codecs. Each decoder takes the whole BGP message (19-byte header included) and
 * returns a Result, never throwing; each encoder produces a whole message and throws RangeError
 * only for input that cannot be encoded. One module per RFC concept:
 *
 *   header.ts          RFC 4271 §4.1 message header (RFC 8654 lengths)
 *   open.ts            RFC 4271 §4.2 OPEN, RFC 9072 extended optional parameters
 *   capabilities.ts    RFC 5492 capabilities (RFC 4760, 2918, 8950, 8654, 4724, 6793, 7911, 7313, 9494, FQDN)
 *   update.ts          RFC 4271 §4.3 UPDATE, RFC 4724 End-of-RIB
 *   attributes.ts      RFC 4271 §4.3/§5 path attributes, RFC 7606 error handling
 *   mandatory.ts       RFC 4271 §5 well-known mandatory attributes, RFC 7606 §3(d)
 *   as-path.ts         AS_PATH / AS4_PATH (RFC 4271, RFC 6793, RFC 5065)
 *   mp-reach.ts        RFC 4760 MP_REACH_NLRI / MP_UNREACH_NLRI and next hops
 *   nlri/              NLRI per family: prefix (RFC 4271/4760), labeled (RFC 8277), vpn (RFC 4364/4659),
 *                      rd (RFC 4364 §4.2), evpn (RFC 7432, RFC 9136), index (ADD-PATH, RFC 7911)
 *   notification.ts    RFC 4271 §4.5 NOTIFICATION, RFC 4486/8203 Cease
 *   route-refresh.ts   RFC 2918 / RFC 7313
 *   message.ts         dispatch on the message type
 *   format.ts          text for communities, extended/large communities, effective AS path
 *
 * Framing-level reads (OPEN parameters, NOTIFICATION, ROUTE-REFRESH) go through the bounded
 * Cursor. The per-UPDATE paths (attributes, NLRI loops, run for every prefix of a full table) read
 * the Uint8Array directly, each read preceded by an explicit bounds check, to avoid a method call
 * and a view object per field.
 */
export { decodeBgpMessage, encodeBgpMessage } from './message.js';
export { decodeOpen, decodeOpenBody, encodeOpen, AS_TRANS, OPEN_PARAM_CAPABILITIES } from './open.js';
export type { OpenInput } from './open.js';
export { decodeUpdate, decodeUpdateBody, encodeUpdate, encodeUpdates, encodeEndOfRib } from './update.js';
export type { UpdateInput, UpdateBatch } from './update.js';
export {
  decodeNotification,
  decodeNotificationBody,
  encodeNotification,
  notificationCodeName,
  notificationSubcodeName,
  shutdownCommunication,
  shutdownCommunicationData,
  NotificationCode,
  NOTIFICATION_CODE_NAMES,
  NOTIFICATION_SUBCODE_NAMES,
} from './notification.js';
export { decodeHeader, bgpMessageLength, encodeMessage, BGP_HEADER_LENGTH, BGP_MAX_MESSAGE_LENGTH } from './header.js';
export type { BgpHeader } from './header.js';
export {
  CapabilityCode,
  CAPABILITY_NAMES,
  capabilityName,
  interpretCapabilities,
  capabilityList,
  decodeMultiprotocol,
  encodeMultiprotocol,
  decodeFourOctetAs,
  encodeFourOctetAs,
  decodeAddPath,
  encodeAddPath,
  decodeGracefulRestart,
  encodeGracefulRestart,
  decodeLongLivedGracefulRestart,
  encodeLongLivedGracefulRestart,
  decodeFqdn,
  encodeFqdn,
  decodeExtendedNextHop,
  encodeExtendedNextHop,
} from './capabilities.js';
export { decodePathAttributes, encodePathAttributes, malformedAction, attributeName, AttrFlag, PATH_ATTRIBUTES } from './attributes.js';
export type { AttributeCodec, DecodedAttributes, PathAttributeType } from './attributes.js';
export { missingMandatoryAttributes } from './mandatory.js';
export { decodeAsPath, encodeAsPath, asPathLength, formatAsPath } from './as-path.js';
export { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach, nextHopsText, encodeNextHops } from './mp-reach.js';
export type { MpDecoded } from './mp-reach.js';
export {
  NlriKind,
  nlriKind,
  decodeNlriList,
  decodeNlriField,
  encodeNlriList,
  encodeNlriListMode,
  needsPathIds,
  decodePrefixes,
  encodePrefixes,
  decodeLabeledPrefixes,
  encodeLabeledPrefixes,
  WITHDRAWAL_LABEL,
  decodeVpnPrefixes,
  encodeVpnPrefixes,
  decodeEvpnRoutes,
  encodeEvpnRoutes,
  decodeEvpnRoute,
  evpnKey,
  EvpnRouteType,
  formatRd,
  parseRd,
} from './nlri/index.js';
export type { NlriField } from './nlri/index.js';
export { decodeRouteRefreshBody, encodeRouteRefresh, RouteRefreshSubtype } from './route-refresh.js';
export type { RouteRefresh } from './route-refresh.js';
export {
  formatCommunity,
  parseCommunity,
  formatLargeCommunity,
  formatExtendedCommunity,
  parseExtendedCommunity,
  effectiveAsPath,
  effectiveAggregator,
  WELL_KNOWN_COMMUNITIES,
} from './format.js';

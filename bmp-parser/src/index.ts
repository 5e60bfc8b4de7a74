/**
 * @ribwatch/bmp-parser: BMP v3 (RFC 7854), BMP v4 (draft-ietf-grow-bmp-tlv) and BGP-4 decoding and encoding, with no dependencies
 * and no I/O. Decoders return values (see errors.ts), never throw.
 */
export * from './errors.js';
export { exhaustive } from './exhaustive.js';
export * from './cursor.js';
export * from './session.js';
export * from './bgp/types.js';
export * from './bmp/types.js';
export * from './bgp/index.js';
export * from './bmp/index.js';
export * from './json.js';
export {
  formatIPv4,
  formatIPv6,
  formatIp,
  ipv4FromNumber,
  isIPv4Mapped,
  parseIPv4,
  parseIPv6,
  parseIp,
  parseIPv4Into,
  parseIPv6Into,
  parsePrefix,
  formatPrefix,
  ipv4PrefixText,
  ipv6PrefixText,
  clearHostBits,
  prefixBit,
  prefixContains,
  prefixesOverlap,
  truncatePrefix,
  lastAddress,
} from './address.js';
export type { IpPrefix } from './address.js';
export { hex, parseHex, bytesEqual } from './bytes.js';

/**
 * @ribwatch/bmp-parser: BMP v3 (RFC 7854) and BGP-4 decoding and encoding, with no dependencies
 * and no I/O. Decoders return values (see errors.ts), never throw.
 */
export * from './errors.js';
export * from './cursor.js';
export * from './session.js';
export * from './bgp/types.js';
export * from './bmp/types.js';
export * from './bgp/index.js';
export * from './bmp/index.js';
export * from './json.js';

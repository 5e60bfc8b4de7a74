/**
 * Reading BMP out of packet captures and raw BMP files: pcap/pcapng parsing, link-layer, IP and
 * TCP decoding, per-direction TCP reassembly, and BMP stream recognition. Pure functions over
 * bytes; no I/O beyond what the caller hands in.
 */
export * from './types.js';
export * from './pcap.js';
export * from './pcapng.js';
export * from './packet.js';
export * from './reassembly.js';
export * from './bmp-streams.js';

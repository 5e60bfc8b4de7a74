/**
 * The BMP stream of one FRR-style leaf for bench:storm: Initiation (its own sysName), Peer Up,
 * then every prefix twice — Adj-RIB-In pre-policy and post-policy (the L flag) — one prefix per
 * Route Monitoring message as FRR's BMP module sends it, then End-of-RIB for both views. No
 * Termination: the bench decides how the session ends.
 *
 * Prefixes are the i-th IPv4 /24 from 11.0.0.0 (the same table on every leaf, as in a fabric where
 * every leaf learns the same routes); attribute sets vary with the prefix (a few hundred distinct
 * ones per leaf, as routes from many origins share a handful of paths). Written once per
 * (leaf, prefixes) under dir and reused.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOpen, encodeBmpMessage, encodeEndOfRib, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BgpOpen, PerPeerHeader, SessionConfig } from '@ribwatch/bmp-parser';

/** Bump when the stream changes, so stale caches are not reused. */
const GENERATOR_VERSION = 1;
const SESSION: SessionConfig = { fourOctetAs: true, addPath: new Set() };
/** RFC 7854 §4.2: the L flag marks post-policy Adj-RIB-In. */
const POST_POLICY = 0x40;

export const STORM_PEER = { address: '10.0.0.2', asn: 65100 } as const;

export interface LeafStream {
  readonly file: string;
  readonly bytes: number;
  readonly sysName: string;
  readonly prefixes: number;
  /** Route Monitoring messages that carry a prefix (prefixes × 2 views). */
  readonly routeMessages: number;
}

/** The i-th IPv4 /24 from 11.0.0.0/24. */
export function stormPrefix(i: number): string {
  const a = 0x0b000000 + i * 256;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`;
}

/** A distinct loopback source address per leaf (the collector names a router by it). */
export function leafAddress(leaf: number): string {
  return `127.77.${Math.floor(leaf / 250)}.${(leaf % 250) + 1}`;
}

export function leafSysName(leaf: number): string {
  return `storm-leaf-${String(leaf + 1).padStart(3, '0')}`;
}

function peerHeader(flags: number): PerPeerHeader {
  return {
    peerType: 0,
    flags,
    distinguisher: '0:0',
    distinguisherRaw: new Uint8Array(8),
    address: STORM_PEER.address,
    asn: STORM_PEER.asn,
    bgpId: STORM_PEER.address,
    timestampSec: 1_767_225_600,
    timestampUsec: 0,
  };
}

function open(asn: number, bgpId: string): BgpOpen {
  const r = decodeOpen(encodeOpen({ version: 4, holdTime: 180, bgpId, asn, capabilities: { multiprotocol: [{ afi: 1, safi: 1 }], fourOctetAs: asn, routeRefresh: true } }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export function leafStream(dir: string, leaf: number, prefixes: number): LeafStream {
  mkdirSync(dir, { recursive: true });
  const sysName = leafSysName(leaf);
  const file = join(dir, `storm-g${GENERATOR_VERSION}-${sysName}-${prefixes}.bmp`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8')) as LeafStream;
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  const chunks: Uint8Array[] = [];
  let pending = 0;
  let bytes = 0;
  const flush = (): void => {
    writeSync(fd, Buffer.concat(chunks));
    chunks.length = 0;
    pending = 0;
  };
  const put = (m: Uint8Array): void => {
    chunks.push(m);
    pending += m.length;
    bytes += m.length;
    if (pending > 4 << 20) flush();
  };
  const pre = peerHeader(0);
  const post = peerHeader(POST_POLICY);
  put(encodeBmpMessage({ type: 4, tlvs: [], sysName, sysDescr: 'ribwatch bench:storm FRR-style leaf' }));
  put(encodeBmpMessage({ type: 3, peer: pre, localAddress: '10.0.0.1', localPort: 179, remotePort: 40179, sentOpen: open(65000 + leaf, '10.0.0.1'), receivedOpen: open(STORM_PEER.asn, STORM_PEER.address), tlvs: [] }));
  for (let i = 0; i < prefixes; i++) {
    const set = i % 397;
    const pdu = encodeUpdate(
      {
        withdrawn: [],
        nlri: [{ prefix: stormPrefix(i), pathId: null }],
        attributes: {
          origin: set % 5 === 0 ? 2 : 0,
          asPath: [{ type: 2, asns: [STORM_PEER.asn, 64600 + (set % 50), 4200000000 + (set % 7)] }],
          nextHop: STORM_PEER.address,
          ...(set % 3 === 0 ? { med: set } : {}),
          communities: [(STORM_PEER.asn * 65536 + (set % 20)) >>> 0],
        },
      },
      SESSION,
    );
    put(encodeBmpMessage({ type: 0, peer: pre, pdu }));
    put(encodeBmpMessage({ type: 0, peer: post, pdu }));
  }
  put(encodeBmpMessage({ type: 0, peer: pre, pdu: encodeEndOfRib(1, 1) }));
  put(encodeBmpMessage({ type: 0, peer: post, pdu: encodeEndOfRib(1, 1) }));
  flush();
  closeSync(fd);
  renameSync(tmp, file);
  const meta: LeafStream = { file, bytes, sysName, prefixes, routeMessages: prefixes * 2 };
  writeFileSync(metaFile, `${JSON.stringify(meta)}\n`);
  return meta;
}

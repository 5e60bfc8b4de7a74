/**
 * BMP messages of a simulated router, built with bmp-parser's encoders: Initiation, Peer Up
 * (both OPENs, 4-octet AS, multiprotocol IPv4/IPv6, ADD-PATH where the peer has it), Route
 * Monitoring (routes packed into UPDATEs as a speaker sends them), End-of-RIB, Statistics
 * Reports (types 7 and 9), Peer Down with a NOTIFICATION, Termination.
 */
import { decodeOpen, encodeBmpMessage, encodeEndOfRib, encodeOpen, encodeUpdates } from '@ribwatch/bmp-parser';
import type { BgpOpen, Nlri, PathAttributes, PerPeerHeader, SessionConfig, StatCounter } from '@ribwatch/bmp-parser';
import type { DemoPeer, DemoRouter } from './topology.js';

/** Which RIB view a message reports (RFC 7854 L flag, RFC 8671 O flag). */
export type View = 'pre' | 'post' | 'out';

export const VIEW_FLAGS: Readonly<Record<View, number>> = { pre: 0, post: 0x40, out: 0x50 };

/** A route's attributes, compact; converted to bmp-parser's PathAttributes when encoded. */
export interface Attrs {
  readonly asPath: readonly number[];
  /** IPv4 NEXT_HOP or the IPv6 MP_REACH next hop. */
  readonly nextHop: string;
  readonly communities?: readonly number[];
  readonly localPref?: number;
  readonly med?: number;
  readonly aggregator?: { readonly asn: number; readonly address: string };
}

export interface Route {
  readonly afi: 1 | 2;
  readonly prefix: string;
  readonly pathId: number | null;
  readonly attrs: Attrs;
}

export function community(asn: number, value: number): number {
  return ((asn & 0xffff) << 16) | (value & 0xffff);
}

const EMPTY_RD = new Uint8Array(8);

export function peerHeader(p: DemoPeer, view: View, nowMs: number): PerPeerHeader {
  return {
    peerType: 0,
    flags: VIEW_FLAGS[view] | (p.address.includes(':') ? 0x80 : 0),
    distinguisher: '0:0',
    distinguisherRaw: EMPTY_RD,
    address: p.address,
    asn: p.asn,
    bgpId: p.bgpId,
    timestampSec: Math.floor(nowMs / 1000),
    timestampUsec: (nowMs % 1000) * 1000,
  };
}

/** Encoding config per direction: path IDs only on the peer's IPv4 Adj-RIB-In when it has ADD-PATH. */
export function sessionConfig(p: DemoPeer, view: View): SessionConfig {
  return { fourOctetAs: true, addPath: new Set(p.addPath && view !== 'out' ? [0x0101] : []) };
}

function text(type: number, s: string): { type: number; value: Uint8Array } {
  return { type, value: new TextEncoder().encode(s) };
}

export function initiation(r: DemoRouter): Uint8Array {
  return encodeBmpMessage({ type: 4, tlvs: [], sysName: r.sysName, sysDescr: `ribwatch demo fabric: simulated ${r.role} router (AS ${r.asn})`, strings: ['ribwatch sim'] });
}

export function termination(): Uint8Array {
  return encodeBmpMessage({ type: 5, tlvs: [], reason: 0, strings: ['ribwatch sim stopped'] });
}

function open(asn: number, bgpId: string, afis: readonly number[], addPath: number | null): { open: BgpOpen; pdu: Uint8Array } {
  const pdu = encodeOpen({
    version: 4,
    holdTime: 90,
    bgpId,
    asn,
    capabilities: {
      multiprotocol: afis.map((afi) => ({ afi, safi: 1 })),
      routeRefresh: true,
      fourOctetAs: asn,
      addPath: addPath === null ? [] : [{ afi: 1, safi: 1, sendReceive: addPath }],
    },
  });
  const r = decodeOpen(pdu);
  if (!r.ok) throw new Error(`demo: OPEN does not decode: ${r.error.message}`);
  return { open: r.value, pdu };
}

/** Peer Up: the router's OPEN (receives path IDs where the peer sends them) and the peer's. */
export function peerUp(r: DemoRouter, p: DemoPeer, nowMs: number, remotePort: number): Uint8Array {
  const sent = open(r.asn, r.routerId, p.afis, p.addPath ? 1 : null);
  const received = open(p.asn, p.bgpId, p.afis, p.addPath ? 2 : null);
  // Nodes (Cilium, BIRD) dial their leaf: the router's side is port 179.
  const nodeDials = p.kind === 'node';
  return encodeBmpMessage({
    type: 3,
    peer: peerHeader(p, 'pre', nowMs),
    localAddress: p.localAddress,
    localPort: nodeDials ? 179 : remotePort,
    remotePort: nodeDials ? remotePort : 179,
    sentOpen: sent.open,
    receivedOpen: received.open,
    sentOpenPdu: sent.pdu,
    receivedOpenPdu: received.pdu,
    tlvs: [text(0, `${p.kind} ${p.name}`)],
  });
}

function toAttributes(a: Attrs, afi: 1 | 2): Omit<PathAttributes, 'other' | 'mpReach' | 'mpUnreach'> {
  return {
    origin: 0,
    asPath: a.asPath.length > 0 ? [{ type: 2, asns: [...a.asPath] }] : [],
    ...(afi === 1 ? { nextHop: a.nextHop } : {}),
    ...(a.med !== undefined ? { med: a.med } : {}),
    ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    ...(a.aggregator ? { aggregator: { ...a.aggregator }, atomicAggregate: true } : {}),
    ...(a.communities && a.communities.length > 0 ? { communities: [...a.communities] } : {}),
  };
}

/** Route Monitoring messages announcing routes: one group per (family, attributes), packed. */
export function announce(p: DemoPeer, view: View, routes: readonly Route[], nowMs: number): Uint8Array[] {
  const groups = new Map<string, Route[]>();
  for (const r of routes) {
    const k = `${r.afi}|${JSON.stringify(r.attrs)}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: Uint8Array[] = [];
  const hdr = peerHeader(p, view, nowMs);
  const cfg = sessionConfig(p, view);
  for (const g of groups.values()) {
    const first = g[0] as Route;
    const nlri: Nlri[] = g.map((r) => ({ prefix: r.prefix, pathId: r.pathId }));
    const pdus = encodeUpdates({ afi: first.afi, safi: 1, nlri, attributes: toAttributes(first.attrs, first.afi), ...(first.afi === 2 ? { nextHops: [first.attrs.nextHop] } : {}) }, cfg);
    for (const pdu of pdus) out.push(encodeBmpMessage({ type: 0, peer: hdr, pdu }, cfg));
  }
  return out;
}

/** Route Monitoring messages withdrawing routes (Withdrawn Routes for IPv4, MP_UNREACH for IPv6). */
export function withdraw(p: DemoPeer, view: View, routes: readonly Route[], nowMs: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const hdr = peerHeader(p, view, nowMs);
  const cfg = sessionConfig(p, view);
  for (const afi of [1, 2] as const) {
    const nlri: Nlri[] = routes.filter((r) => r.afi === afi).map((r) => ({ prefix: r.prefix, pathId: r.pathId }));
    if (nlri.length === 0) continue;
    for (const pdu of encodeUpdates({ afi, safi: 1, nlri, withdraw: true }, cfg)) out.push(encodeBmpMessage({ type: 0, peer: hdr, pdu }, cfg));
  }
  return out;
}

export function endOfRib(p: DemoPeer, view: View, afi: number, nowMs: number): Uint8Array {
  return encodeBmpMessage({ type: 0, peer: peerHeader(p, view, nowMs), pdu: encodeEndOfRib(afi, 1) });
}

/** Statistics Report: rejected by policy (0), Adj-RIBs-In routes (7), and per AFI/SAFI (9). */
export function stats(p: DemoPeer, perAfi: ReadonlyMap<number, number>, rejected: number, nowMs: number): Uint8Array {
  const raw = new Uint8Array(0);
  let total = 0;
  for (const n of perAfi.values()) total += n;
  const counters: StatCounter[] = [
    { type: 0, value: BigInt(rejected), raw },
    { type: 7, value: BigInt(total), raw },
    ...[...perAfi].map(([afi, n]): StatCounter => ({ type: 9, afi, safi: 1, value: BigInt(n), raw })),
  ];
  return encodeBmpMessage({ type: 1, peer: peerHeader(p, 'pre', nowMs), counters });
}

/**
 * Peer Down, reason 1 (the router sent a NOTIFICATION): Cease / Maximum Number of Prefixes
 * Reached (6/1) with RFC 4486 §4 data (AFI, SAFI, the configured upper bound).
 */
export function peerDownMaxPrefix(p: DemoPeer, afi: number, limit: number, nowMs: number): Uint8Array {
  const data = new Uint8Array([afi >> 8, afi & 255, 1, (limit >>> 24) & 255, (limit >>> 16) & 255, (limit >>> 8) & 255, limit & 255]);
  return encodeBmpMessage({
    type: 2,
    peer: peerHeader(p, 'pre', nowMs),
    reason: 1,
    notification: { code: 6, subcode: 1, codeName: 'Cease', subcodeName: 'Maximum Number of Prefixes Reached', data },
    tlvs: [],
    data: new Uint8Array(0),
  });
}

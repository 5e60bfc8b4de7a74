/**
 * Well-formed BMP messages and streams made with bmp-parser's encoders, driven by a seeded PRNG:
 * the generated half of the fuzz corpus. Every family the decoder knows (IPv4/IPv6 unicast,
 * labeled unicast, VPNv4/VPNv6, EVPN, VPLS), every BMP message type, every peer type and flag, and Peer
 * Ups whose capabilities (4-octet AS, ADD-PATH per family and direction) decide how the UPDATEs
 * that follow are encoded — so the stateful decoder's config path is exercised. Some Route
 * Monitoring messages are BMP version 4 (draft-ietf-grow-bmp-tlv): the UPDATE in a BGP PDU TLV,
 * with VRF name, Stateless Parsing (ADD-PATH as the session has it), Path Marking and unknown TLVs.
 */
import { encodeBmpMessage, encodeEndOfRib, encodeNotification, encodeOpen, encodeUpdate, shutdownCommunicationData } from '@ribwatch/bmp-parser';
import type { BgpOpen, BmpMessage, Nlri, PerPeerHeader, SessionConfig, StatCounter, Tlv, UpdateInput } from '@ribwatch/bmp-parser';
import { Prng } from './prng.js';

const FAMILIES: readonly (readonly [number, number])[] = [
  [1, 1],
  [2, 1],
  [1, 4],
  [2, 4],
  [1, 128],
  [2, 128],
  [25, 70],
  [25, 65],
];

const te = new TextEncoder();

function ipv4(r: Prng): string {
  return `${r.range(1, 223)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`;
}

function ipv6(r: Prng): string {
  const parts: string[] = ['2001', 'db8'];
  for (let i = 0; i < 6; i++) parts.push(r.int(0x10000).toString(16));
  return parts.join(':');
}

function v4Prefix(r: Prng): string {
  const len = r.pick([0, 8, 16, 19, 22, 23, 24, 24, 24, 25, 28, 32]);
  const a = r.u32() >>> 0;
  const masked = len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
}

function v6Prefix(r: Prng): string {
  const len = r.pick([0, 16, 29, 32, 36, 40, 44, 48, 48, 56, 64, 128]);
  const groups = new Array<number>(8).fill(0);
  groups[0] = 0x2001;
  groups[1] = r.int(0x10000);
  groups[2] = r.int(0x10000);
  groups[3] = r.int(0x10000);
  if (len === 128) for (let i = 4; i < 8; i++) groups[i] = r.int(0x10000);
  // Mask to the length.
  for (let g = 0; g < 8; g++) {
    const keep = Math.max(0, Math.min(16, len - g * 16));
    groups[g] = keep === 0 ? 0 : groups[g]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  return `${groups.map((x) => x.toString(16)).join(':')}/${len}`;
}

function rd(r: Prng): string {
  switch (r.int(3)) {
    case 0:
      return `${r.int(0x10000)}:${r.u32()}`;
    case 1:
      return `${ipv4(r)}:${r.int(0x10000)}`;
    default:
      return `${r.range(0x10000, 0xffffffff)}:${r.int(0x10000)}`;
  }
}

function mac(r: Prng): string {
  return Array.from(r.bytes(6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

function esi(r: Prng): string {
  return Array.from(r.bytes(10), (b) => b.toString(16).padStart(2, '0')).join(':');
}

function labels(r: Prng): number[] {
  const n = r.range(1, 3);
  return Array.from({ length: n }, () => r.range(16, 0xfffff));
}

function pathId(r: Prng, addPath: boolean): number | null {
  return addPath ? r.u32() : null;
}

/** NLRI for one family (afi, safi). */
export function nlriFor(r: Prng, afi: number, safi: number, n: number, addPath: boolean): Nlri[] {
  const out: Nlri[] = [];
  for (let i = 0; i < n; i++) {
    const pid = pathId(r, addPath);
    if (afi === 25 && safi === 65) {
      const vpls = { veId: r.int(0x10000), veBlockOffset: r.int(0x10000), veBlockSize: r.int(0x10000), labelBase: r.int(0x100000) };
      out.push({ prefix: '', pathId: pid, rd: rd(r), labels: [vpls.labelBase], vpls });
      continue;
    }
    if (afi === 25) {
      const rt = r.pick([1, 2, 3, 4, 5]);
      const evpn =
        rt === 5
          ? { routeType: 5, rd: rd(r), esi: esi(r), ethernetTagId: r.u32(), ipPrefix: v4Prefix(r), gatewayIp: ipv4(r), labels: [r.range(1, 0xffffff)], raw: new Uint8Array(0) }
          : rt === 2
            ? { routeType: 2, rd: rd(r), esi: esi(r), ethernetTagId: r.u32(), mac: mac(r), ip: r.chance(0.5) ? ipv4(r) : ipv6(r), labels: [r.range(1, 0xffffff)], raw: new Uint8Array(0) }
            : rt === 1
              ? { routeType: 1, rd: rd(r), esi: esi(r), ethernetTagId: r.u32(), labels: [r.range(1, 0xffffff)], raw: new Uint8Array(0) }
              : rt === 3
                ? { routeType: 3, rd: rd(r), ethernetTagId: r.u32(), originatorIp: ipv4(r), raw: new Uint8Array(0) }
                : { routeType: 4, rd: rd(r), esi: esi(r), originatorIp: ipv4(r), raw: new Uint8Array(0) };
      out.push({ prefix: '', pathId: pid, evpn });
      continue;
    }
    const prefix = afi === 2 ? v6Prefix(r) : v4Prefix(r);
    if (safi === 4) out.push({ prefix, pathId: pid, labels: labels(r) });
    else if (safi === 128) out.push({ prefix, pathId: pid, labels: labels(r), rd: rd(r) });
    else out.push({ prefix, pathId: pid });
  }
  return out;
}

function nextHops(r: Prng, afi: number, safi: number): string[] {
  if (afi === 2 || (afi === 25 && r.chance(0.3))) return r.chance(0.3) ? [ipv6(r), `fe80::${r.int(0x10000).toString(16)}`] : [ipv6(r)];
  void safi;
  return [ipv4(r)];
}

function asPath(r: Prng, four = true): { type: number; asns: number[] }[] {
  const segs: { type: number; asns: number[] }[] = [];
  const n = r.range(1, 3);
  for (let i = 0; i < n; i++) {
    const type = i === 0 ? 2 : r.pick([1, 2, 3, 4]);
    const len = r.range(1, 12);
    segs.push({ type, asns: Array.from({ length: len }, () => (four && r.chance(0.3) ? r.range(0x10000, 0xffffffff) : r.range(1, 65535))) });
  }
  return segs;
}

/** An UPDATE for the session config: any mix of withdrawn, NLRI, every attribute, MP_REACH/MP_UNREACH. */
export function randomUpdate(r: Prng, cfg: SessionConfig): UpdateInput {
  const ap = (afi: number, safi: number): boolean => cfg.addPath.has((afi << 8) | safi);
  const kind = r.int(10);
  const attributes: UpdateInput['attributes'] = {};
  let withdrawn: Nlri[] = [];
  let nlri: Nlri[] = [];
  if (kind <= 3) {
    nlri = nlriFor(r, 1, 1, r.range(1, 40), ap(1, 1));
    if (r.chance(0.2)) withdrawn = nlriFor(r, 1, 1, r.range(1, 10), ap(1, 1));
  } else if (kind === 4) {
    withdrawn = nlriFor(r, 1, 1, r.range(1, 60), ap(1, 1));
  } else {
    const [afi, safi] = r.pick(FAMILIES.slice(1));
    if (r.chance(0.8)) attributes.mpReach = { afi, safi, nextHops: nextHops(r, afi, safi), nlri: nlriFor(r, afi, safi, r.range(1, 25), ap(afi, safi)) };
    if (r.chance(0.25) || attributes.mpReach === undefined) attributes.mpUnreach = { afi, safi, withdrawn: nlriFor(r, afi, safi, r.range(1, 20), ap(afi, safi)) };
  }
  if (nlri.length > 0 || attributes.mpReach !== undefined) {
    attributes.origin = r.int(3);
    attributes.asPath = asPath(r, cfg.fourOctetAs);
    if (nlri.length > 0) attributes.nextHop = ipv4(r);
    if (r.chance(0.5)) attributes.med = r.u32();
    if (r.chance(0.5)) attributes.localPref = r.u32();
    if (r.chance(0.1)) attributes.atomicAggregate = true;
    if (r.chance(0.15)) attributes.aggregator = { asn: cfg.fourOctetAs ? r.u32() : r.int(0x10000), address: ipv4(r) };
    if (r.chance(0.6)) attributes.communities = Array.from({ length: r.range(1, 12) }, () => r.u32());
    if (r.chance(0.1)) attributes.originatorId = ipv4(r);
    if (r.chance(0.1)) attributes.clusterList = Array.from({ length: r.range(1, 4) }, () => ipv4(r));
    if (r.chance(0.3)) attributes.extendedCommunities = Array.from({ length: r.range(1, 4) }, () => r.bytes(8));
    if (!cfg.fourOctetAs && r.chance(0.4)) attributes.as4Path = asPath(r);
    if (!cfg.fourOctetAs && r.chance(0.1)) attributes.as4Aggregator = { asn: r.u32(), address: ipv4(r) };
    if (r.chance(0.3)) attributes.largeCommunities = Array.from({ length: r.range(1, 5) }, () => [r.u32(), r.u32(), r.u32()] as [number, number, number]);
    if (r.chance(0.1)) attributes.other = [{ flags: 0xc0, code: r.pick([19, 20, 22, 26, 28, 29, 35, 40, 128, 255]), value: r.bytes(r.int(40)) }];
  }
  return { withdrawn, nlri, attributes };
}

export function randomPeer(r: Prng): PerPeerHeader {
  const peerType = r.pick([0, 0, 0, 0, 1, 2, 3]);
  const v6 = peerType !== 3 && r.chance(0.3);
  let flags = v6 ? 0x80 : 0;
  if (peerType !== 3) {
    if (r.chance(0.3)) flags |= 0x40; // L: post-policy
    if (r.chance(0.15)) flags |= 0x20; // A: 2-octet AS_PATH
    if (r.chance(0.15)) flags |= 0x10; // O: Adj-RIB-Out
  } else if (r.chance(0.2)) flags |= 0x80; // F: filtered
  const address = peerType === 3 ? '0.0.0.0' : v6 ? ipv6(r) : ipv4(r);
  return {
    peerType,
    flags,
    distinguisher: peerType === 1 || (peerType === 3 && r.chance(0.5)) ? rd(r) : '0:0',
    distinguisherRaw: new Uint8Array(0),
    address,
    asn: r.chance(0.4) ? r.range(0x10000, 0xffffffff) : r.range(1, 65535),
    bgpId: ipv4(r),
    timestampSec: r.u32(),
    timestampUsec: r.int(1_000_000),
  };
}

interface OpenPlan {
  readonly fourOctet: boolean;
  /** Per family: ADD-PATH send/receive value (0 = none). */
  readonly addPath: ReadonlyMap<number, number>;
}

function randomOpen(r: Prng, asn: number, plan: OpenPlan): Uint8Array {
  const families = FAMILIES.filter(() => r.chance(0.6));
  if (families.length === 0) families.push([1, 1]);
  const caps: { -readonly [K in keyof BgpOpen['capabilities']]?: BgpOpen['capabilities'][K] } = {
    multiprotocol: families.map(([afi, safi]) => ({ afi, safi })),
    routeRefresh: r.chance(0.7),
    extendedMessage: r.chance(0.2),
    addPath: [...plan.addPath].filter(([, v]) => v !== 0).map(([k, v]) => ({ afi: k >>> 8, safi: k & 255, sendReceive: v })),
  };
  if (plan.fourOctet) caps.fourOctetAs = asn;
  if (r.chance(0.3)) caps.gracefulRestart = { flags: r.int(16) << 4, time: r.int(4096), families: families.map(([afi, safi]) => ({ afi, safi, flags: r.chance(0.5) ? 0x80 : 0 })) };
  if (r.chance(0.2)) caps.fqdn = { hostname: `rtr${r.int(1000)}`, domain: r.chance(0.5) ? 'example.net' : '' };
  return encodeOpen({ version: 4, holdTime: r.pick([0, 3, 90, 180]), bgpId: ipv4(r), asn, capabilities: caps, extendedParameters: r.chance(0.1) });
}

/** The SessionConfig the decoder should derive for a peer from the two OPEN plans (sent = router, received = peer). */
function configFor(peer: PerPeerHeader, sent: OpenPlan, received: OpenPlan): SessionConfig {
  const addPath = new Set<number>();
  const out = peer.peerType !== 3 && (peer.flags & 0x10) !== 0;
  for (const [k] of FAMILIES.map(([a, s]) => [(a << 8) | s] as const)) {
    const sv = sent.addPath.get(k) ?? 0;
    const rv = received.addPath.get(k) ?? 0;
    if (peer.peerType === 3 ? (sv & 2) !== 0 : out ? (sv & 2) !== 0 && (rv & 1) !== 0 : (rv & 2) !== 0 && (sv & 1) !== 0) addPath.add(k);
  }
  const fourOctetAs = peer.peerType === 3 ? sent.fourOctet : sent.fourOctet && received.fourOctet;
  return { fourOctetAs, addPath };
}

function randomPlan(r: Prng): OpenPlan {
  const addPath = new Map<number, number>();
  for (const [afi, safi] of FAMILIES) if (r.chance(0.25)) addPath.set((afi << 8) | safi, r.range(1, 3));
  return { fourOctet: r.chance(0.8), addPath };
}

function textTlv(type: number, text: string): Tlv {
  return { type, value: te.encode(text) };
}

export function peerUpMessage(r: Prng, peer: PerPeerHeader): { bytes: Uint8Array; cfg: SessionConfig } {
  const sentPlan = randomPlan(r);
  const receivedPlan = peer.peerType === 3 ? sentPlan : randomPlan(r);
  const tlvs: Tlv[] = [];
  if (r.chance(0.3)) tlvs.push(textTlv(0, 'peer up info'));
  if (r.chance(0.3)) tlvs.push(textTlv(3, `vrf-${r.int(100)}`));
  if (r.chance(0.1)) tlvs.push(textTlv(4, 'admin label'));
  const sentOpen = randomOpen(r, 65001, sentPlan);
  const receivedOpen = peer.peerType === 3 ? sentOpen : randomOpen(r, peer.asn, receivedPlan);
  // The OPENs travel as PDUs (sentOpenPdu / receivedOpenPdu); the structured fields are unused by the encoder then.
  const placeholder = { version: 4, myAs: 0, holdTime: 0, bgpId: '0.0.0.0', asn: 0, capabilities: { multiprotocol: [], routeRefresh: false, addPath: [], extendedMessage: false, all: [] } };
  const msg: BmpMessage = {
    type: 3,
    peer,
    localAddress: peer.flags & 0x80 && peer.peerType !== 3 ? ipv6(r) : ipv4(r),
    localPort: r.int(0x10000),
    remotePort: 179,
    sentOpen: placeholder,
    receivedOpen: placeholder,
    sentOpenPdu: sentOpen,
    receivedOpenPdu: receivedOpen,
    tlvs,
  };
  return { bytes: encodeBmpMessage(msg), cfg: configFor(peer, sentPlan, receivedPlan) };
}

/** An encoded random UPDATE; a small fixed one when the random one cannot be encoded (over 65535 bytes). */
function updatePdu(r: Prng, cfg: SessionConfig): Uint8Array {
  try {
    return encodeUpdate(randomUpdate(r, cfg), cfg);
  } catch {
    return encodeUpdate({ withdrawn: [], nlri: nlriFor(r, 1, 1, 1, cfg.addPath.has(0x0101)), attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' } }, cfg);
  }
}

export function routeMonitoringMessage(r: Prng, peer: PerPeerHeader, cfg: SessionConfig): Uint8Array {
  if (r.chance(0.05)) {
    const [afi, safi] = r.pick(FAMILIES);
    return encodeBmpMessage({ type: 0, peer, pdu: encodeEndOfRib(afi, safi) });
  }
  const pdu = updatePdu(r, cfg);
  const msg: BmpMessage = { type: 0, peer, pdu };
  if (r.chance(0.15)) return encodeBmpMessage(v4RouteMonitoring(r, msg, cfg));
  if (r.chance(0.03)) return encodeBmpMessage({ ...msg, trailing: new Uint8Array([0xea, 0x42, 0x00, 0x04, 1, 2, 3, 4]) });
  return encodeBmpMessage(msg);
}

/** The Route Monitoring as BMP v4: its UPDATE in the BGP PDU TLV, with the TLVs v4 routers add. */
function v4RouteMonitoring(r: Prng, msg: BmpMessage & { type: 0 }, cfg: SessionConfig): BmpMessage {
  // Stateless Parsing: ADD-PATH (capability 69, send and receive) for the families the session has it, so the UPDATE reads the same.
  const families = FAMILIES.filter(([a, s]) => cfg.addPath.has((a << 8) | s));
  const addPath = new Uint8Array(families.length * 4);
  families.forEach(([a, s], i) => addPath.set([a >>> 8, a & 255, s, 3], i * 4));
  const v4: BmpMessage = {
    ...msg,
    version: 4,
    ...(r.chance(0.5) ? { vrfName: r.pick(['global', 'vrf-blue', 'ünïcode']) } : {}),
    ...(families.length > 0 && r.chance(0.7) ? { statelessCapabilities: [{ code: 69, value: addPath }] } : {}),
    ...(r.chance(0.4) ? { pathMarkings: [{ index: r.pick([0, 1, 2, 0x8001]), status: r.pick([0x2, 0x8a, 0x10, 0x1000]), statusNames: [], ...(r.chance(0.3) ? { reason: r.int(8) } : {}) }] } : {}),
  };
  if (!r.chance(0.2)) return v4;
  // Unknown TLVs around the PDU: kept raw, re-encoded in place.
  const tlvs = [
    { type: 4, index: 0, value: msg.pdu },
    { type: r.pick([0, 6, 0x7fff, 0x8001]), index: r.int(3), value: r.bytes(r.int(12)) },
  ];
  return { ...v4, v4Tlvs: r.chance(0.5) ? tlvs : tlvs.reverse() };
}

function statsMessage(r: Prng, peer: PerPeerHeader): Uint8Array {
  const counters: StatCounter[] = [];
  const n = r.range(0, 12);
  for (let i = 0; i < n; i++) {
    const type = r.chance(0.9) ? r.int(44) : r.pick([65531, 65532, 65535]);
    const len = r.pick([4, 8, 11, 4, 8, 11, 0, 3, 16]);
    const raw = r.bytes(len);
    counters.push({ type, raw });
  }
  return encodeBmpMessage({ type: 1, peer, counters });
}

function peerDownMessage(r: Prng, peer: PerPeerHeader): Uint8Array {
  const reason = r.range(1, 7);
  let data: Uint8Array = new Uint8Array(0);
  if (reason === 1 || reason === 3) {
    const code = r.range(1, 6);
    const sub = r.range(0, 11);
    data = encodeNotification({ code, subcode: sub, data: code === 6 && (sub === 2 || sub === 4) ? shutdownCommunicationData('maintenance window') : r.bytes(r.int(8)) });
  } else if (reason === 2) {
    data = new Uint8Array([0, r.int(30)]);
  } else if (reason === 6) {
    data = new Uint8Array([0, 3, 0, 4, 0x76, 0x72, 0x66, 0x31]);
  }
  return encodeBmpMessage({ type: 2, peer, reason, tlvs: [], data });
}

function mirroringMessage(r: Prng, peer: PerPeerHeader, cfg: SessionConfig): Uint8Array {
  const tlvs: Tlv[] = [];
  if (r.chance(0.5)) tlvs.push({ type: 1, value: new Uint8Array([0, r.int(2)]) });
  const n = r.range(1, 3);
  for (let i = 0; i < n; i++) tlvs.push({ type: 0, value: updatePdu(r, cfg) });
  return encodeBmpMessage({ type: 6, peer, tlvs, messages: [] });
}

function initiationMessage(r: Prng): Uint8Array {
  return encodeBmpMessage({ type: 4, tlvs: [], sysName: `router-${r.int(100)}`, sysDescr: 'FRRouting 8.4.4 (fuzz)', ...(r.chance(0.3) ? { strings: ['hello', 'ünïcode'] } : {}) });
}

function terminationMessage(r: Prng): Uint8Array {
  return encodeBmpMessage({ type: 5, tlvs: [], reason: r.int(5), ...(r.chance(0.3) ? { strings: ['bye'] } : {}) });
}

/**
 * A plausible router stream: Initiation, Peer Ups for a few peers, their Route Monitoring (encoded
 * with each peer's negotiated config), stats, mirroring, some Peer Downs, maybe a Termination.
 * Returned as its messages (the stream is their concatenation).
 */
export function generateStream(seed: number, messages = 40, opts: { twinPeers?: boolean } = {}): Uint8Array[] {
  const r = new Prng(seed);
  const out: Uint8Array[] = [initiationMessage(r)];
  const peers: { peer: PerPeerHeader; cfg: SessionConfig }[] = [];
  const npeers = r.range(1, 4);
  for (let i = 0; i < npeers; i++) {
    const peer = randomPeer(r);
    const up = peerUpMessage(r, peer);
    out.push(up.bytes);
    peers.push({ peer, cfg: up.cfg });
  }
  if (opts.twinPeers === true && r.chance(0.5)) {
    // Two RD peers on one address whose distinguishers print alike: type 0 and type 2 "a:n".
    for (const p of twinRdPeers(r)) {
      const up = peerUpMessage(r, p);
      out.push(up.bytes);
      peers.push({ peer: p, cfg: up.cfg });
    }
  }
  for (let i = 0; i < messages; i++) {
    const p = r.pick(peers);
    const k = r.int(100);
    if (k < 75) out.push(routeMonitoringMessage(r, p.peer, p.cfg));
    else if (k < 85) out.push(statsMessage(r, p.peer));
    else if (k < 90) out.push(mirroringMessage(r, p.peer, p.cfg));
    else if (k < 94) {
      const up = peerUpMessage(r, p.peer);
      out.push(up.bytes);
      p.cfg = up.cfg;
    } else if (k < 97) out.push(peerDownMessage(r, p.peer));
    else out.push(routeMonitoringMessage(r, randomPeer(r), { fourOctetAs: true, addPath: new Set() }));
  }
  if (r.chance(0.5)) out.push(terminationMessage(r));
  return out;
}

/** Two RD peers (type 1) on one address with route distinguishers of type 0 and 2 that format the same ("a:n"). */
export function twinRdPeers(r: Prng): [PerPeerHeader, PerPeerHeader] {
  const a = r.int(0x10000);
  const n = r.int(0x10000);
  const t0 = new Uint8Array([0, 0, a >>> 8, a & 255, 0, 0, n >>> 8, n & 255]);
  const t2 = new Uint8Array([0, 2, 0, 0, a >>> 8, a & 255, n >>> 8, n & 255]);
  const base = randomPeer(r);
  const flags = base.flags & 0xb0;
  const address = (flags & 0x80) !== 0 ? ipv6(r) : ipv4(r);
  const peer = (rd: Uint8Array): PerPeerHeader => ({ ...base, peerType: 1, flags, address, distinguisher: `${a}:${n}`, distinguisherRaw: rd });
  return [peer(t0), peer(t2)];
}

/** One message of any type (stateless: UPDATEs with a random config). */
export function generateMessage(r: Prng): Uint8Array {
  const peer = randomPeer(r);
  const cfg: SessionConfig = { fourOctetAs: r.chance(0.7), addPath: r.chance(0.3) ? new Set(FAMILIES.filter(() => r.chance(0.5)).map(([a, s]) => (a << 8) | s)) : new Set() };
  switch (r.int(9)) {
    case 0:
      return initiationMessage(r);
    case 1:
      return terminationMessage(r);
    case 2:
      return peerUpMessage(r, peer).bytes;
    case 3:
      return peerDownMessage(r, peer);
    case 4:
      return statsMessage(r, peer);
    case 5:
      return mirroringMessage(r, peer, cfg);
    default:
      return routeMonitoringMessage(r, peer, cfg);
  }
}

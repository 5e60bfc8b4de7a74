/**
 * Peer Up / Peer Down and the per-router session state: which SessionConfig each Route
 * Monitoring is decoded with. ADD-PATH is pinned per AFI/SAFI and per direction (the bug class
 * behind GoBMP #429 and pmacct #539/#717), 4-octet AS from both OPENs, Huawei's repeated Loc-RIB
 * Peer Ups merged, and stateless decoding for peers without Peer Up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afiSafiKey, BmpRouterState, decodeBmpMessage, encodeBmpMessage, ribView } from '../src/index.js';
import type { BmpMessage, PerPeerHeader } from '../src/index.js';

function h(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}

function u32(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

function bmp(type: number, ...body: Uint8Array[]): Uint8Array {
  const b = cat(...body);
  return cat(new Uint8Array([3]), u32(6 + b.length), new Uint8Array([type]), b);
}

/** A BGP message: marker, length, type, body. */
function bgp(type: number, body: Uint8Array): Uint8Array {
  return cat(new Uint8Array(16).fill(0xff), u16(19 + body.length), new Uint8Array([type]), body);
}

interface OpenSpec {
  asn?: number;
  fourOctet?: boolean;
  /** [afi, safi] multiprotocol capabilities. */
  mp?: [number, number][];
  /** [afi, safi, send/receive] ADD-PATH tuples. */
  addPath?: [number, number, number][];
  bgpId?: string;
}

/** An OPEN whose capabilities each sit in their own optional parameter (as Cisco sends them). */
function open(s: OpenSpec = {}): Uint8Array {
  const asn = s.asn ?? 65001;
  const caps: Uint8Array[] = [];
  for (const [afi, safi] of s.mp ?? [[1, 1]]) caps.push(cat(h('01 04'), u16(afi), new Uint8Array([0, safi])));
  if (s.fourOctet ?? true) caps.push(cat(h('41 04'), u32(asn)));
  if (s.addPath && s.addPath.length > 0) caps.push(cat(new Uint8Array([69, 4 * s.addPath.length]), ...s.addPath.map(([a, sf, sr]) => cat(u16(a), new Uint8Array([sf, sr])))));
  const params = cat(...caps.map((c) => cat(new Uint8Array([2, c.length]), c)));
  const id = (s.bgpId ?? '192.0.2.9').split('.').map(Number);
  return bgp(1, cat(new Uint8Array([4]), u16(asn > 0xffff ? 23456 : asn), u16(90), new Uint8Array(id), new Uint8Array([params.length]), params));
}

/** Per-peer header: peer type, flags, peer 192.0.2.1 (or zero for Loc-RIB), AS 65001. */
function pph(flags = 0, peerType = 0, address = h('000000000000000000000000 c0000201')): Uint8Array {
  return cat(new Uint8Array([peerType, flags]), new Uint8Array(8), address, u32(65001), h('c0000201 00000064 00000000'));
}

const LOC_RIB_ADDR = new Uint8Array(16);

function peerUp(sent: Uint8Array, received: Uint8Array, flags = 0, peerType = 0, tlvs: Uint8Array = new Uint8Array(0)): Uint8Array {
  const addr = peerType === 3 ? LOC_RIB_ADDR : undefined;
  return bmp(3, pph(flags, peerType, addr), h('000000000000000000000000 c0000202'), u16(179), u16(50000), sent, received, tlvs);
}

/**
 * An IPv4 unicast UPDATE whose NLRI bytes `00000001 18 0a0100` read as path ID 1 + 10.1.0.0/24
 * with ADD-PATH, and as 0/0, 0/0, 0/0, 0.0.0.0/1, 1.0.0.0/10 without: both parse cleanly, so only
 * the session config can tell (the GoBGP Loc-RIB bug, gobgp #3499).
 */
const AMBIGUOUS_UPDATE = bgp(2, cat(h('0000'), h('0014'), h('40 01 01 00'), h('40 02 06 02 01 0000fde9'), h('40 03 04 c0000201'), h('00000001 18 0a0100')));

function routeMonitoring(flags = 0, peerType = 0): Uint8Array {
  return bmp(0, pph(flags, peerType, peerType === 3 ? LOC_RIB_ADDR : undefined), AMBIGUOUS_UPDATE);
}

function ok(r: ReturnType<BmpRouterState['decode']>): BmpMessage {
  if (!r.ok) assert.fail(`decode failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

function headerOf(frame: Uint8Array): PerPeerHeader {
  const m = ok(decodeBmpMessage(frame));
  if (m.type === 4 || m.type === 5) assert.fail('no per-peer header');
  return m.peer;
}

const V4U = afiSafiKey(1, 1);
const VPNV4 = afiSafiKey(1, 128);
const V4LU = afiSafiKey(1, 4);

void test('a Peer Up decodes the local address, ports, both OPENs and its information TLVs', () => {
  const tlvs = cat(h('0000 0003 616263'), h('0003 0004 626c7565'), h('0004 0002 6c31'), h('0063 0001 ff'));
  const frame = peerUp(open({ asn: 65000 }), open({ asn: 4200000000, addPath: [[1, 1, 2]] }), 0, 0, tlvs);
  const m = ok(decodeBmpMessage(frame));
  assert.equal(m.type, 3);
  if (m.type !== 3) return;
  assert.equal(m.localAddress, '192.0.2.2');
  assert.equal(m.localPort, 179);
  assert.equal(m.remotePort, 50000);
  assert.equal(m.sentOpen.asn, 65000);
  assert.equal(m.receivedOpen.asn, 4200000000);
  assert.equal(m.receivedOpen.myAs, 23456);
  assert.deepEqual(m.receivedOpen.capabilities.addPath, [{ afi: 1, safi: 1, sendReceive: 2 }]);
  assert.deepEqual(m.strings, ['abc']);
  assert.equal(m.vrfName, 'blue');
  assert.equal(m.adminLabel, 'l1');
  assert.deepEqual(m.tlvs.map((t) => [t.type, [...t.value]]), [[0, [0x61, 0x62, 0x63]], [3, [0x62, 0x6c, 0x75, 0x65]], [4, [0x6c, 0x31]], [99, [0xff]]]);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Peer Up whose OPEN length runs past the message is a structural error', () => {
  const frame = peerUp(open(), open());
  const bad = frame.slice();
  // The received OPEN's length field: 6 + 42 + 20 + sent OPEN length + 16.
  const at = 6 + 42 + 20 + open().length + 16;
  bad[at] = 0x0f;
  assert.equal(decodeBmpMessage(bad).ok, false);
});

void test('a Peer Down with reason 1 carries the NOTIFICATION decoded from the whole BGP message', () => {
  const frame = bmp(2, pph(), h('01'), bgp(3, h('06 02')));
  const m = ok(decodeBmpMessage(frame));
  assert.equal(m.type, 2);
  if (m.type !== 2) return;
  assert.equal(m.reason, 1);
  assert.equal(m.notification?.code, 6);
  assert.equal(m.notification?.subcode, 2);
  assert.equal(m.bgpError, undefined);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Route Mirroring BGP Message TLV is decoded as a BGP message', () => {
  const frame = bmp(6, pph(), h('0001 0002 0000'), u16(0), u16(AMBIGUOUS_UPDATE.length), AMBIGUOUS_UPDATE);
  const m = ok(decodeBmpMessage(frame));
  assert.equal(m.type, 6);
  if (m.type !== 6) return;
  assert.equal(m.information, 0);
  assert.equal(m.messages.length, 1);
  assert.equal(m.messages[0]?.ok && m.messages[0].message.type, 'update');
  assert.deepEqual(encodeBmpMessage(m), frame);
});

/** The ADD-PATH families of the config for a Route Monitoring with these flags, after one Peer Up. */
function addPathAfter(sentSr: number, receivedSr: number, flags: number, peerType = 0): number[] {
  const st = new BmpRouterState();
  const cap = (sr: number): [number, number, number][] => (sr === 0 ? [] : [[1, 1, sr]]);
  ok(st.decode(peerUp(open({ addPath: cap(sentSr) }), open({ addPath: cap(receivedSr) }), 0, peerType)));
  return [...st.sessionConfigFor(headerOf(routeMonitoring(flags, peerType))).addPath];
}

void test('ADD-PATH for Adj-RIB-In needs the peer (received OPEN) to send and the router (sent OPEN) to receive', () => {
  // Rows: router's sent OPEN; columns: peer's received OPEN; 0 none, 1 receive, 2 send, 3 both.
  const expected = [
    [false, false, false, false],
    [false, false, true, true],
    [false, false, false, false],
    [false, false, true, true],
  ];
  for (let s = 0; s < 4; s++) for (let r = 0; r < 4; r++) assert.deepEqual(addPathAfter(s, r, 0x00), expected[s]![r] ? [V4U] : [], `sent ${s} received ${r}`);
  // Post-policy is the same direction.
  assert.deepEqual(addPathAfter(1, 2, 0x40), [V4U]);
});

void test('ADD-PATH for Adj-RIB-Out needs the router (sent OPEN) to send and the peer (received OPEN) to receive', () => {
  const expected = [
    [false, false, false, false],
    [false, false, false, false],
    [false, true, false, true],
    [false, true, false, true],
  ];
  for (let s = 0; s < 4; s++) for (let r = 0; r < 4; r++) assert.deepEqual(addPathAfter(s, r, 0x10), expected[s]![r] ? [V4U] : [], `sent ${s} received ${r}`);
  assert.deepEqual(addPathAfter(2, 1, 0x50), [V4U]);
});

void test('a receive-only router with a send-only peer has path IDs in Adj-RIB-In but not in Adj-RIB-Out', () => {
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 1]] }), open({ addPath: [[1, 1, 2]] }))));
  const inMsg = ok(st.decode(routeMonitoring(0x00)));
  const outMsg = ok(st.decode(routeMonitoring(0x10)));
  assert.equal(inMsg.type, 0);
  assert.equal(outMsg.type, 0);
  if (inMsg.type !== 0 || outMsg.type !== 0) return;
  assert.deepEqual(inMsg.update?.nlri.map((n) => [n.prefix, n.pathId]), [['10.1.0.0/24', 1]]);
  assert.ok(outMsg.update, 'the Adj-RIB-Out UPDATE decodes');
  assert.ok(outMsg.update.nlri.every((n) => n.pathId === null));
  assert.equal(ribView(outMsg.peer), 'adj-out-pre');
});

void test('ADD-PATH for Loc-RIB follows the fabricated OPEN advertising send or both, in either OPEN copy', () => {
  for (const [sr, on] of [[1, false], [2, true], [3, true]] as const) assert.deepEqual(addPathAfter(sr, sr, 0x00, 3), on ? [V4U] : [], `send/receive ${sr}`);
  assert.deepEqual(addPathAfter(2, 0, 0x80, 3), [V4U]);
  assert.deepEqual(addPathAfter(0, 3, 0x80, 3), [V4U]);
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 2]] }), open({ addPath: [[1, 1, 2]] }), 0, 3)));
  const m = ok(st.decode(routeMonitoring(0, 3)));
  assert.deepEqual(m.type === 0 && m.update?.nlri.map((n) => [n.prefix, n.pathId]), [['10.1.0.0/24', 1]]);
});

void test('ADD-PATH is decided per AFI/SAFI', () => {
  const st = new BmpRouterState();
  const sent = open({ mp: [[1, 1], [1, 128]], addPath: [[1, 1, 3], [1, 128, 1]] });
  const received = open({ mp: [[1, 1], [1, 128]], addPath: [[1, 1, 1], [1, 128, 2]] });
  ok(st.decode(peerUp(sent, received)));
  assert.deepEqual([...st.sessionConfigFor(headerOf(routeMonitoring(0x00))).addPath], [VPNV4]);
  assert.deepEqual([...st.sessionConfigFor(headerOf(routeMonitoring(0x10))).addPath], [V4U]);
});

void test('without a Peer Up there is no ADD-PATH and the AS width follows the A flag; trial parsing is always on', () => {
  const st = new BmpRouterState();
  const plain = st.sessionConfigFor(headerOf(routeMonitoring(0x00)));
  assert.deepEqual([plain.fourOctetAs, [...plain.addPath], plain.trialParse], [true, [], true]);
  const legacy = st.sessionConfigFor(headerOf(routeMonitoring(0x20)));
  assert.equal(legacy.fourOctetAs, false);
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 3]] }), open({ addPath: [[1, 1, 3]] }))));
  assert.equal(st.sessionConfigFor(headerOf(routeMonitoring(0x00))).trialParse, true);
});

void test('4-octet AS needs capability 65 in both OPENs, or in the fabricated OPEN for Loc-RIB', () => {
  const cfg = (s: boolean, r: boolean, peerType = 0): boolean => {
    const st = new BmpRouterState();
    ok(st.decode(peerUp(open({ fourOctet: s }), open({ fourOctet: r }), 0, peerType)));
    return st.sessionConfigFor(headerOf(routeMonitoring(0, peerType))).fourOctetAs;
  };
  assert.deepEqual([cfg(true, true), cfg(true, false), cfg(false, true), cfg(false, false)], [true, false, false, false]);
  assert.deepEqual([cfg(true, true, 3), cfg(false, false, 3)], [true, false]);
  // With a Peer Up, the A flag does not override the OPENs.
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open(), open())));
  assert.equal(st.sessionConfigFor(headerOf(routeMonitoring(0x20))).fourOctetAs, true);
});

void test("Huawei's repeated Loc-RIB Peer Ups for one peer merge their capabilities", () => {
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ mp: [[1, 1]], addPath: [[1, 1, 2]] }), open({ mp: [[1, 1]], addPath: [[1, 1, 2]] }), 0, 3)));
  ok(st.decode(peerUp(open({ mp: [[1, 128]], addPath: [[1, 128, 3]] }), open({ mp: [[1, 128]], addPath: [[1, 128, 3]] }), 0, 3)));
  ok(st.decode(peerUp(open({ mp: [[1, 4]] }), open({ mp: [[1, 4]] }), 0, 3)));
  const peer = headerOf(routeMonitoring(0, 3));
  assert.equal(st.peerCount, 1);
  assert.equal(st.peerState(peer)?.peerUps, 3);
  assert.equal(st.peerState(peer)?.sentOpens.length, 3);
  assert.deepEqual([...st.sessionConfigFor(peer).addPath].sort((a, b) => a - b), [V4U, VPNV4]);
  assert.ok(!st.sessionConfigFor(peer).addPath.has(V4LU));
});

void test('the O and L flags do not make a new peer, and the config is cached per peer and direction', () => {
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 3]] }), open({ addPath: [[1, 1, 3]] }), 0x40)));
  assert.equal(st.peerCount, 1);
  const a = st.sessionConfigFor(headerOf(routeMonitoring(0x00)));
  assert.equal(st.sessionConfigFor(headerOf(routeMonitoring(0x40))), a);
  const out = st.sessionConfigFor(headerOf(routeMonitoring(0x10)));
  assert.notEqual(out, a);
  assert.equal(st.sessionConfigFor(headerOf(routeMonitoring(0x50))), out);
  assert.deepEqual([...out.addPath], [V4U]);
});

void test('a Peer Down forgets the peer, and its later Route Monitoring still decodes with stateless defaults', () => {
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 3]] }), open({ addPath: [[1, 1, 3]] }))));
  assert.deepEqual([...st.sessionConfigFor(headerOf(routeMonitoring())).addPath], [V4U]);
  ok(st.decode(bmp(2, pph(), h('02 0001'))));
  assert.equal(st.peerCount, 0);
  assert.deepEqual([...st.sessionConfigFor(headerOf(routeMonitoring())).addPath], []);
  const m = ok(st.decode(routeMonitoring()));
  assert.equal(m.type, 0);
  assert.ok(m.type === 0 && m.update && !m.bgpError);
});

void test('peers differing by distinguisher or peer type are kept apart', () => {
  const st = new BmpRouterState();
  ok(st.decode(peerUp(open({ addPath: [[1, 1, 3]] }), open({ addPath: [[1, 1, 3]] }))));
  const rd = routeMonitoring();
  rd[6] = 1; // peer type 1 (RD instance) with a zero RD
  assert.deepEqual([...st.sessionConfigFor(headerOf(rd)).addPath], []);
  const other = routeMonitoring();
  other[6 + 9] = 7; // distinguisher 0:7
  assert.deepEqual([...st.sessionConfigFor(headerOf(other)).addPath], []);
});

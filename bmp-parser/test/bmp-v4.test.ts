/**
 * BMP version 4 (draft-ietf-grow-bmp-tlv, draft-ietf-grow-bmp-path-marking-tlv) on hand-built
 * bytes: Route Monitoring's indexed TLVs around the BGP PDU, the Stateless Parsing TLV giving
 * ADD-PATH per family without a Peer Up, Path Marking kept with the routes it names, unknown TLVs
 * kept raw, and the other message types laid out as in version 3; each re-encodes byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpFramer, BmpRouterState, ErrorCode, RouteMonitoringTlvType, decodeBmpMessage, encodeBmpMessage, pathMarkingsByRoute, pathStatusNames } from '../src/index.js';
import type { BmpMessage, RouteMonitoring } from '../src/index.js';

function h(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u16 = (n: number): string => n.toString(16).padStart(4, '0');

/** A whole BMP message of `version` with the computed length. */
function bmp(version: number, type: number, body: string): Uint8Array {
  const b = body.replace(/\s+/g, '');
  return h(version.toString(16).padStart(2, '0') + (6 + b.length / 2).toString(16).padStart(8, '0') + type.toString(16).padStart(2, '0') + b);
}
/** Per-peer header: global (or `peerType`) peer 192.0.2.1 AS 65000, flags as given. */
function pph(flags = 0, peerType = 0): string {
  return `${peerType.toString(16).padStart(2, '0')}${flags.toString(16).padStart(2, '0')} 0000000000000000 000000000000000000000000c0000201 0000fde8 c0000201 6553f100 00000001`;
}
/** A v4 TLV: type, length of the value, index, value. */
function tlv(type: number, index: number, value: string): string {
  const v = value.replace(/\s+/g, '');
  return u16(type) + u16(v.length / 2) + u16(index) + v;
}
/** A BGP UPDATE with an IPv4 NLRI field (origin IGP, empty AS path, next hop 192.0.2.1). */
function update(nlri: string): string {
  const attrs = '40010100 400200 400304c0000201';
  const body = '0000' + u16(attrs.replace(/\s+/g, '').length / 2) + attrs + nlri;
  const b = body.replace(/\s+/g, '');
  return 'ff'.repeat(16) + u16(19 + b.length / 2) + '02' + b;
}
function rm(frame: Uint8Array, state?: BmpRouterState): RouteMonitoring {
  const r = state ? state.decode(frame) : decodeBmpMessage(frame);
  if (!r.ok) assert.fail(`${r.error.code} ${r.error.message}`);
  assert.equal(r.value.type, 0);
  return r.value;
}

// 10.0.0.0/8 and 10.1.0.0/16, each with path ID 1 (ADD-PATH) ...
const WITH_IDS = '00000001 08 0a 00000001 10 0a01';
// ... and the same routes without path IDs.
const PLAIN = '08 0a 10 0a01';

void test('a v4 Route Monitoring reads the BGP PDU from its TLV, keeps VRF name and unknown TLVs, and re-encodes byte for byte', () => {
  const frame = bmp(4, 0, pph() + tlv(3, 0, '676c6f62616c') + tlv(4, 0, update(PLAIN)) + tlv(0x7777, 2, 'abcdef'));
  const m = rm(frame);
  assert.equal(m.version, 4);
  assert.equal(m.vrfName, 'global');
  assert.deepEqual(m.update?.nlri.map((n) => [n.prefix, n.pathId]), [['10.0.0.0/8', null], ['10.1.0.0/16', null]]);
  assert.deepEqual(m.v4Tlvs?.map((t) => [t.type, t.index, t.value.length]), [[3, 0, 6], [4, 0, m.pdu.length], [0x7777, 2, 3]]);
  assert.equal(hex(encodeBmpMessage(m)), hex(frame));
  // Encoded from the fields alone (no kept PDU), the UPDATE is written into the TLV again.
  assert.equal(hex(encodeBmpMessage({ ...m, pdu: new Uint8Array(0) })), hex(frame));
});

void test('the Stateless Parsing TLV says which families carry path IDs, per direction, without any Peer Up', () => {
  // ADD-PATH capability 69: AFI 1 SAFI 1, receive (1) / send (2).
  const receive = tlv(1, 0, '45 04 0001 01 01');
  const send = tlv(1, 0, '45 04 0001 01 02');
  // Adj-RIB-In: "receive" means the peer sends path IDs.
  const inbound = rm(bmp(4, 0, pph() + receive + tlv(4, 0, update(WITH_IDS))));
  assert.deepEqual(inbound.update?.nlri.map((n) => n.pathId), [1, 1]);
  assert.equal(inbound.update?.addPathGuessed, undefined, 'decided by the TLV, not guessed');
  assert.deepEqual(inbound.statelessCapabilities?.map((c) => c.code), [69]);
  // Adj-RIB-Out (O flag): "send" is what counts; with "receive" only, no path IDs are read.
  const outbound = rm(bmp(4, 0, pph(0x10) + send + tlv(4, 0, update(WITH_IDS))));
  assert.deepEqual(outbound.update?.nlri.map((n) => n.pathId), [1, 1]);
  const outPlain = rm(bmp(4, 0, pph(0x10) + receive + tlv(4, 0, update(PLAIN))));
  assert.deepEqual(outPlain.update?.nlri.map((n) => n.pathId), [null, null]);
  assert.equal(outPlain.update?.addPathGuessed, undefined);
  for (const m of [inbound, outbound, outPlain]) assert.equal(hex(encodeBmpMessage(m)), hex(encodeBmpMessage(rm(encodeBmpMessage(m)))));
});

void test('a Stateless Parsing TLV overrides the Peer Up for the families it lists, only for its own message', () => {
  const state = new BmpRouterState();
  // Without any TLV and without Peer Up, path IDs would only be guessed by trial parsing.
  const guessed = rm(bmp(4, 0, pph() + tlv(4, 0, update(WITH_IDS))), state);
  assert.equal(guessed.update?.addPathGuessed, true);
  const told = rm(bmp(4, 0, pph() + tlv(1, 0, '45 04 0001 01 03') + tlv(4, 0, update(WITH_IDS))), state);
  assert.equal(told.update?.addPathGuessed, undefined);
});

void test('Path Marking TLVs are kept with their status names and say which routes they mark (index 0, a route, a group)', () => {
  assert.deepEqual(pathStatusNames(0x8a), ['best', 'primary', 'add-path']);
  assert.deepEqual(pathStatusNames(0x1_0001), ['invalid', '0x10000']);
  const group = tlv(2, 0x8001, '0001 0002');
  const frame = bmp(4, 0, pph(0, 3) + group + tlv(4, 0, update(PLAIN + '18 c00002')) + tlv(5, 0x8001, '00000002') + tlv(5, 3, '00000010 0007'));
  const m = rm(frame);
  assert.deepEqual(m.pathMarkings, [
    { index: 0x8001, status: 2, statusNames: ['best'] },
    { index: 3, status: 0x10, statusNames: ['backup'], reason: 7 },
  ]);
  assert.deepEqual(pathMarkingsByRoute(m).map((p) => p?.statusNames.join('|')), ['best', 'best', 'backup']);
  const all = rm(bmp(4, 0, pph() + tlv(4, 0, update(PLAIN)) + tlv(5, 0, '00000004')));
  assert.deepEqual(pathMarkingsByRoute(all).map((p) => p?.status), [4, 4]);
  const none = rm(bmp(4, 0, pph() + tlv(4, 0, update(PLAIN)) + tlv(5, 9, '00000004')));
  assert.deepEqual(pathMarkingsByRoute(none), [undefined, undefined], 'an index past the routes marks nothing');
  assert.equal(hex(encodeBmpMessage(m)), hex(frame));
});

void test('a v4 Route Monitoring without a BGP PDU TLV, or with a TLV running past the message, fails as a value', () => {
  const noPdu = decodeBmpMessage(bmp(4, 0, pph() + tlv(3, 0, '61')));
  assert.equal(noPdu.ok ? '' : noPdu.error.code, ErrorCode.Form);
  const past = decodeBmpMessage(bmp(4, 0, pph() + tlv(4, 0, update(PLAIN)).slice(0, -4)));
  assert.equal(past.ok ? '' : past.error.code, ErrorCode.Length);
  const stray = decodeBmpMessage(bmp(4, 0, pph() + tlv(4, 0, update(PLAIN)) + '0001'));
  assert.equal(stray.ok ? '' : stray.error.code, ErrorCode.Short);
});

void test('the other v4 message types are laid out as in v3: a Peer Down reason 6 and a Termination decode and re-encode with version 4', () => {
  const down = bmp(4, 2, pph(0x80, 3) + '06' + '0003 0006 676c6f62616c');
  const term = bmp(4, 5, '0000 0002 6869');
  for (const frame of [down, term]) {
    const r = decodeBmpMessage(frame);
    assert.ok(r.ok);
    const m: BmpMessage = r.value;
    assert.equal(m.version, 4);
    assert.equal(hex(encodeBmpMessage(m)), hex(frame));
  }
  const v3 = decodeBmpMessage(bmp(3, 5, '0000 0002 6869'));
  assert.ok(v3.ok);
  assert.equal(v3.value.version, undefined);
});

void test('a stream mixing v3 and v4 frames is framed and decoded message by message; version 5 is refused', () => {
  const framer = new BmpFramer();
  const v4 = bmp(4, 0, pph() + tlv(4, 0, update(PLAIN)));
  const v3 = bmp(3, 5, '0000 0002 6869');
  framer.push(Uint8Array.from([...v3, ...v4, ...v3]));
  const versions: number[] = [];
  for (let f = framer.next(); f !== undefined && f.ok; f = framer.next()) {
    const r = decodeBmpMessage(f.frame);
    assert.ok(r.ok);
    versions.push(r.value.version ?? 3);
  }
  assert.deepEqual(versions, [3, 4, 3]);
  const v5 = decodeBmpMessage(bmp(5, 5, '0000 0002 6869'));
  assert.equal(v5.ok ? '' : v5.error.code, ErrorCode.BmpVersion);
  assert.equal(RouteMonitoringTlvType.BgpPdu, 4);
});

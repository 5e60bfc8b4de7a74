/**
 * BMP message decoding on hand-built bytes (RFC 7854 §4, RFC 8671, RFC 9069): each message type
 * that needs no BGP decode, the per-peer header fields, and the frame checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBmpMessage, encodeBmpMessage, ErrorCode, ribView } from '../src/index.js';
import type { BmpMessage, PerPeerHeader } from '../src/index.js';

/** Bytes from hex with optional spaces. */
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

/** A whole BMP v3 message: common header with the computed length, then the body. */
function bmp(type: number, ...body: Uint8Array[]): Uint8Array {
  const b = cat(...body);
  const len = 6 + b.length;
  return cat(new Uint8Array([3, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, type]), b);
}

/** Global peer 192.0.2.1, AS 65000, BGP ID 192.0.2.1, time 1700000000.000001, flags as given. */
function pph(flags = 0, peerType = 0): Uint8Array {
  return h(`${peerType.toString(16).padStart(2, '0')} ${flags.toString(16).padStart(2, '0')} 0000000000000000 000000000000000000000000 c0000201 0000fde8 c0000201 6553f100 00000001`);
}

function decodeOk(frame: Uint8Array): BmpMessage {
  const r = decodeBmpMessage(frame);
  if (!r.ok) assert.fail(`decode failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

void test('an Initiation message yields its sysDescr, sysName and string TLVs in wire order', () => {
  const frame = bmp(4, h('0001 0005'), new TextEncoder().encode('FRR 9'), h('0002 0003'), new TextEncoder().encode('r01'), h('0000 0002 6869'), h('fffb 0004 c0000201'));
  const m = decodeOk(frame);
  assert.equal(m.type, 4);
  if (m.type !== 4) return;
  assert.equal(m.sysDescr, 'FRR 9');
  assert.equal(m.sysName, 'r01');
  assert.deepEqual(m.strings, ['hi']);
  assert.deepEqual(
    m.tlvs.map((t) => [t.type, t.value.length]),
    [[1, 5], [2, 3], [0, 2], [65531, 4]],
  );
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('an Initiation with a zero-length sysName is accepted and gives an empty name', () => {
  const m = decodeOk(bmp(4, h('0002 0000')));
  assert.equal(m.type === 4 && m.sysName, '');
});

void test('an Initiation with no TLVs at all decodes to an empty list', () => {
  const m = decodeOk(bmp(4));
  assert.deepEqual(m, { type: 4, tlvs: [] });
});

void test('a TLV whose length runs past the message end is a structural error', () => {
  const r = decodeBmpMessage(bmp(4, h('0002 0009 616263')));
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Length);
});

void test('a Termination message yields its reason and string', () => {
  const frame = bmp(5, h('0000 0003 627965'), h('0001 0002 0003'));
  const m = decodeOk(frame);
  assert.equal(m.type, 5);
  if (m.type !== 5) return;
  assert.equal(m.reason, 3);
  assert.deepEqual(m.strings, ['bye']);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Termination reason TLV of the wrong length gives no reason but keeps the TLV', () => {
  const m = decodeOk(bmp(5, h('0001 0001 03')));
  assert.equal(m.type, 5);
  if (m.type !== 5) return;
  assert.equal(m.reason, undefined);
  assert.equal(m.tlvs.length, 1);
});

void test('the per-peer header of a Global IPv4 peer decodes every field', () => {
  const m = decodeOk(bmp(2, pph(0), h('04')));
  const p = m.type === 2 ? m.peer : assert.fail('not a peer down');
  assert.equal(p.peerType, 0);
  assert.equal(p.flags, 0);
  assert.equal(p.distinguisher, '0:0');
  assert.equal(p.address, '192.0.2.1');
  assert.equal(p.asn, 65000);
  assert.equal(p.bgpId, '192.0.2.1');
  assert.equal(p.timestampSec, 0x6553f100);
  assert.equal(p.timestampUsec, 1);
});

void test('the per-peer header of an RD instance IPv6 peer gives the RD as text and the IPv6 address', () => {
  const hdr = h('01 80 0000 fde8 00000064 20010db8000000000000000000000001 fffffffe 0a000001 00000000 00000000');
  const m = decodeOk(bmp(2, hdr, h('05')));
  const p = m.type === 2 ? m.peer : assert.fail('not a peer down');
  assert.equal(p.distinguisher, '65000:100');
  assert.equal(p.address, '2001:db8::1');
  assert.equal(p.asn, 4294967294);
  assert.equal(p.bgpId, '10.0.0.1');
  assert.deepEqual(encodeBmpMessage(m), bmp(2, hdr, h('05')));
});

void test('route distinguishers of types 1 and 2 are shown as ipv4:num and asn4:num', () => {
  const t1 = decodeOk(bmp(2, h('01 00 0001 c0000201 0007 00000000000000000000000000000000 00000000 00000000 00000000 00000000'), h('05')));
  assert.equal(t1.type === 2 && t1.peer.distinguisher, '192.0.2.1:7');
  const t2 = decodeOk(bmp(2, h('01 00 0002 fa56ea00 0009 00000000000000000000000000000000 00000000 00000000 00000000 00000000'), h('05')));
  assert.equal(t2.type === 2 && t2.peer.distinguisher, '4200000000:9');
});

void test('a Loc-RIB peer header with the F flag keeps a zero address as 0.0.0.0 and is the loc-rib view', () => {
  const hdr = h('03 80 0000000000000000 00000000000000000000000000000000 0000fde8 c0000201 00000000 00000000');
  const m = decodeOk(bmp(2, hdr, h('06 0003 0004 626c7565')));
  assert.equal(m.type, 2);
  if (m.type !== 2) return;
  assert.equal(m.peer.address, '0.0.0.0');
  assert.equal(ribView(m.peer), 'loc-rib');
  assert.equal(m.reason, 6);
  assert.equal(m.vrfName, 'blue');
  assert.deepEqual(m.tlvs.map((t) => t.type), [3]);
  assert.deepEqual(encodeBmpMessage(m), bmp(2, hdr, h('06 0003 0004 626c7565')));
});

void test('an IPv6 peer address is RFC 5952 text, an IPv4-mapped one as ::ffff:a.b.c.d, and both re-encode to their bytes', () => {
  for (const [addr, text] of [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000ffff0a000001', '::ffff:10.0.0.1'],
  ] as const) {
    const hdr = h(`00 80 0000000000000000 ${addr} 0000fde8 c0000201 00000000 00000000`);
    const m = decodeOk(bmp(2, hdr, h('05')));
    assert.equal(m.type === 2 && m.peer.address, text);
    assert.deepEqual(encodeBmpMessage(m), bmp(2, hdr, h('05')));
    // Without the raw field the text alone gives the same bytes.
    if (m.type === 2) assert.deepEqual(encodeBmpMessage({ ...m, peer: { ...m.peer, addressRaw: undefined } }), bmp(2, hdr, h('05')));
  }
});

void test('ribView tells pre/post policy Adj-RIB-In and Adj-RIB-Out apart by the L and O flags', () => {
  const base: PerPeerHeader = { peerType: 0, flags: 0, distinguisher: '0:0', distinguisherRaw: new Uint8Array(8), address: '192.0.2.1', asn: 1, bgpId: '1.1.1.1', timestampSec: 0, timestampUsec: 0 };
  assert.equal(ribView(base), 'adj-in-pre');
  assert.equal(ribView({ ...base, flags: 0x40 }), 'adj-in-post');
  assert.equal(ribView({ ...base, flags: 0x10 }), 'adj-out-pre');
  assert.equal(ribView({ ...base, flags: 0x50 }), 'adj-out-post');
  assert.equal(ribView({ ...base, peerType: 3, flags: 0x80 }), 'loc-rib');
});

void test('a Peer Down with reason 2 yields the FSM event code', () => {
  const m = decodeOk(bmp(2, pph(), h('02 0012')));
  assert.equal(m.type, 2);
  if (m.type !== 2) return;
  assert.equal(m.reason, 2);
  assert.equal(m.fsmEvent, 18);
  assert.deepEqual(m.data, h('0012'));
});

void test('Peer Down reasons 4 and 5 carry no data, and an unknown reason keeps its data', () => {
  for (const reason of [4, 5]) {
    const m = decodeOk(bmp(2, pph(), new Uint8Array([reason])));
    assert.deepEqual(m.type === 2 && [m.reason, m.data.length, m.tlvs.length], [reason, 0, 0]);
  }
  const frame = bmp(2, pph(), h('fb deadbeef'));
  const m = decodeOk(frame);
  assert.equal(m.type, 2);
  if (m.type !== 2) return;
  assert.equal(m.reason, 251);
  assert.deepEqual(m.data, h('deadbeef'));
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Statistics Report keeps every counter by type: 32-bit counters, 64-bit gauges, per-AFI/SAFI gauges, experimental and odd lengths', () => {
  const body = h(
    '00000006' +
      '0000 0004 00000007' + // type 0, C32 = 7
      '0007 0008 0000000100000000' + // type 7, G64 = 2^32
      '0009 000b 0002 01 0000000000000064' + // type 9, IPv6 unicast, 100
      '001a 000b 0001 80 0000000000000003' + // type 26 (RFC 9972), VPNv4, 3
      'fffb 0004 0000002a' + // FRR experimental 65531 = 42
      '0001 0002 0005', // type 1 with a 2-byte value: kept raw
  );
  const frame = bmp(1, pph(), body);
  const m = decodeOk(frame);
  assert.equal(m.type, 1);
  if (m.type !== 1) return;
  const rows = m.counters.map((c) => [c.type, c.value, c.afi, c.safi, c.raw.length]);
  assert.deepEqual(rows, [
    [0, 7n, undefined, undefined, 4],
    [7, 4294967296n, undefined, undefined, 8],
    [9, 100n, 2, 1, 11],
    [26, 3n, 1, 128, 11],
    [65531, 42n, undefined, undefined, 4],
    [1, undefined, undefined, undefined, 2],
  ]);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Statistics Report reads a known type by its TLV length, not by the type', () => {
  // Type 7 is registered as a 64-bit gauge; a router sending 4 bytes still gets read by length.
  const m = decodeOk(bmp(1, pph(), h('00000002 0007 0004 00000009 0000 0004 00000001')));
  assert.deepEqual(m.type === 1 && m.counters.map((c) => [c.type, c.value]), [[7, 9n], [0, 1n]]);
});

void test('a Statistics Report whose count exceeds its counters is a structural error, not a hang', () => {
  const r = decodeBmpMessage(bmp(1, pph(), h('00000003 0000 0004 00000001')));
  assert.equal(r.ok, false);
  const huge = decodeBmpMessage(bmp(1, pph(), h('ffffffff 0000 0004 00000001')));
  assert.equal(huge.ok, false);
  if (!huge.ok) assert.equal(huge.error.code, ErrorCode.Length);
});

void test('a Statistics Report counter running past the end is a structural error', () => {
  const r = decodeBmpMessage(bmp(1, pph(), h('00000001 0007 0008 00000001')));
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Length);
});

void test('bytes after the counted Stats TLVs are kept and re-encoded', () => {
  const frame = bmp(1, pph(), h('00000001 0000 0004 00000001 abcd'));
  const m = decodeOk(frame);
  assert.deepEqual(m.type === 1 && m.trailing, h('abcd'));
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a version other than 3 and 4 is reported as an unsupported version, not decoded', () => {
  const frame = bmp(0, pph(), new Uint8Array(19).fill(0xff));
  frame[0] = 2;
  const r = decodeBmpMessage(frame);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.BmpVersion);
});

void test('an unknown message type is RW_ERR_BMP_TYPE and a length field that disagrees with the frame is RW_ERR_LENGTH', () => {
  const t = decodeBmpMessage(bmp(9, h('00')));
  assert.equal(!t.ok && t.error.code, ErrorCode.BmpType);
  const f = bmp(4, h('0002 0001 61'));
  const l = decodeBmpMessage(f.subarray(0, f.length - 1));
  assert.equal(!l.ok && l.error.code, ErrorCode.Length);
  const s = decodeBmpMessage(h('0300'));
  assert.equal(!s.ok && s.error.code, ErrorCode.Short);
});

void test('a message with a per-peer header shorter than 42 bytes is rejected', () => {
  const r = decodeBmpMessage(bmp(2, pph().subarray(0, 30)));
  assert.equal(r.ok, false);
});

void test('a Route Monitoring whose BGP length disagrees with the frame is a structural error', () => {
  const pdu = cat(new Uint8Array(16).fill(0xff), h('0020 02'), h('0000 0000'));
  const r = decodeBmpMessage(bmp(0, pph(), pdu));
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Length);
});

void test('a Route Monitoring with a malformed UPDATE is still returned, with bgpError set', () => {
  // Withdrawn Routes Length 200 in a 23-byte UPDATE.
  const pdu = cat(new Uint8Array(16).fill(0xff), h('0017 02'), h('00c8 0000'));
  const frame = bmp(0, pph(), pdu);
  const m = decodeOk(frame);
  assert.equal(m.type, 0);
  if (m.type !== 0) return;
  assert.ok(m.bgpError);
  assert.equal(m.update, undefined);
  assert.deepEqual(m.pdu, pdu);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Route Mirroring message keeps its TLVs and reads the Messages Lost information code', () => {
  const frame = bmp(6, pph(), h('0001 0002 0001'));
  const m = decodeOk(frame);
  assert.equal(m.type, 6);
  if (m.type !== 6) return;
  assert.equal(m.information, 1);
  assert.equal(m.messages.length, 0);
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('a Peer Down with reason 1 and a garbled NOTIFICATION is returned with bgpError and its data', () => {
  const frame = bmp(2, pph(), h('01 0102'));
  const m = decodeOk(frame);
  assert.equal(m.type, 2);
  if (m.type !== 2) return;
  assert.ok(m.bgpError);
  assert.deepEqual(m.data, h('0102'));
  assert.deepEqual(encodeBmpMessage(m), frame);
});

void test('the encoder builds Initiation, Termination and Stats from structured fields when no raw bytes are kept', () => {
  const peer: PerPeerHeader = { peerType: 1, flags: 0x40, distinguisher: '65000:100', distinguisherRaw: new Uint8Array(0), address: '2001:db8::2', asn: 65001, bgpId: '192.0.2.2', timestampSec: 5, timestampUsec: 6 };
  const init = decodeOk(encodeBmpMessage({ type: 4, tlvs: [], sysDescr: 'd', sysName: 'n' }));
  assert.deepEqual(init.type === 4 && [init.sysDescr, init.sysName], ['d', 'n']);
  const term = decodeOk(encodeBmpMessage({ type: 5, tlvs: [], reason: 2 }));
  assert.equal(term.type === 5 && term.reason, 2);
  const stats = decodeOk(
    encodeBmpMessage({
      type: 1,
      peer: { ...peer, flags: 0xc0 },
      counters: [
        { type: 0, value: 5n, raw: new Uint8Array(0) },
        { type: 7, value: 6n, raw: new Uint8Array(0) },
        { type: 10, afi: 1, safi: 1, value: 7n, raw: new Uint8Array(0) },
      ],
    }),
  );
  assert.equal(stats.type, 1);
  if (stats.type !== 1) return;
  assert.deepEqual(stats.counters.map((c) => [c.type, c.value, c.raw.length]), [[0, 5n, 4], [7, 6n, 8], [10, 7n, 11]]);
  assert.equal(stats.peer.distinguisher, '65000:100');
  assert.equal(stats.peer.address, '2001:db8::2');
});

void test('a Route Monitoring with bytes after its BGP PDU keeps them as trailing TLVs (Huawei Loc-RIB type 59970)', () => {
  // Seen from a Huawei Loc-RIB peer (pmacct 208 capture): a v3 Route Monitoring whose BGP length is
  // 8 bytes short of the message, followed by TLV ea62 0004 0000000a.
  const eor = cat(new Uint8Array(16).fill(0xff), h('0017 02 0000 0000'));
  const locRib = h('03 80 0000000000000000 00000000000000000000000000000000 0000fde8 c0000201 00000000 00000000');
  const frame = bmp(0, locRib, eor, h('ea62 0004 0000000a'));
  const m = decodeOk(frame);
  assert.equal(m.type, 0);
  if (m.type !== 0) return;
  assert.deepEqual(m.pdu, eor);
  assert.deepEqual(m.update?.endOfRib, { afi: 1, safi: 1 });
  assert.equal(m.bgpError, undefined);
  assert.deepEqual(m.trailing, h('ea62 0004 0000000a'));
  assert.deepEqual(m.tlvs?.map((t) => [t.type, [...t.value]]), [[0xea62, [0, 0, 0, 10]]]);
  assert.deepEqual(encodeBmpMessage(m), frame);
  // Trailing bytes that are not TLVs are still kept.
  const odd = bmp(0, locRib, eor, h('01 02 03'));
  const o = decodeOk(odd);
  assert.deepEqual(o.type === 0 && [o.trailing, o.tlvs], [h('010203'), undefined]);
  assert.deepEqual(encodeBmpMessage(o), odd);
});

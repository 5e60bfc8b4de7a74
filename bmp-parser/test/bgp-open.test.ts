// OPEN (RFC 4271 §4.2) with capabilities (RFC 5492) and RFC 9072 extended optional parameters,
// NOTIFICATION (RFC 4271 §4.5, RFC 4486 Cease subcodes, RFC 8203/9003 shutdown communication),
// KEEPALIVE, ROUTE-REFRESH (RFC 2918/7313) and unknown message types, on hand-built bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SESSION,
  ErrorCode,
  decodeBgpMessage,
  decodeNotification,
  decodeOpen,
  encodeBgpMessage,
  encodeNotification,
  encodeOpen,
  notificationSubcodeName,
  shutdownCommunicationData,
} from '../src/index.js';
import type { BgpOpen } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const len2 = (n: number): string => n.toString(16).padStart(4, '0');
const len1 = (n: number): string => n.toString(16).padStart(2, '0');
function message(type: number, body: string): Uint8Array {
  const b = body.replace(/\s+/g, '');
  return hex('ff'.repeat(16) + len2(19 + b.length / 2) + len1(type) + b);
}
function opened(buf: Uint8Array): BgpOpen {
  const r = decodeOpen(buf);
  if (!r.ok) assert.fail(`decode failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

// GoBGP-like capability set in one optional parameter: MP ipv4-unicast, MP ipv6-unicast, route
// refresh, graceful restart (restarting, 120 s, ipv4-unicast forwarding kept), 4-octet AS
// 4200000000, ADD-PATH ipv4-unicast send+receive, extended message, FQDN "vm"/"", unknown code 200.
const CAPS =
  '01 04 00010001' +
  '01 04 00020001' +
  '02 00' +
  '40 06 8078 00010180' +
  '41 04 fa56ea00' +
  '45 04 00010103' +
  '06 00' +
  '49 04 02 766d 00' +
  'c8 02 0102';
const capsLen = CAPS.replace(/\s+/g, '').length / 2;
const OPEN_ONE_PARAM = message(1, '04 5ba0 005a c0000201 ' + len1(capsLen + 2) + ' 02 ' + len1(capsLen) + CAPS);

void test('OPEN header fields and every known capability decode to their values', () => {
  const o = opened(OPEN_ONE_PARAM);
  assert.equal(o.version, 4);
  assert.equal(o.myAs, 23456);
  assert.equal(o.holdTime, 90);
  assert.equal(o.bgpId, '192.0.2.1');
  assert.equal(o.asn, 4200000000);
  const c = o.capabilities;
  assert.deepEqual(c.multiprotocol, [
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ]);
  assert.equal(c.routeRefresh, true);
  assert.deepEqual(c.gracefulRestart, { flags: 8, time: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }] });
  assert.equal(c.fourOctetAs, 4200000000);
  assert.deepEqual(c.addPath, [{ afi: 1, safi: 1, sendReceive: 3 }]);
  assert.equal(c.extendedMessage, true);
  assert.deepEqual(c.fqdn, { hostname: 'vm', domain: '' });
  assert.deepEqual(
    c.all.map((x) => x.code),
    [1, 1, 2, 64, 65, 69, 6, 73, 200],
  );
  // Unknown capability 200 kept with its bytes.
  assert.equal(toHex(c.all[8]!.value), '0102');
});

void test('a decoded OPEN re-encodes byte for byte', () => {
  assert.equal(toHex(encodeOpen(opened(OPEN_ONE_PARAM))), toHex(OPEN_ONE_PARAM));
});

void test('one capability per optional parameter (Cisco style) keeps its layout on re-encode', () => {
  const buf = message(1, '04 fde9 00b4 c0000202 14  02 06 01 04 00010001  02 02 02 00  02 06 41 04 0000fde9');
  const o = opened(buf);
  assert.equal(o.parameters!.length, 3);
  assert.equal(o.asn, 65001);
  assert.equal(o.capabilities.routeRefresh, true);
  assert.equal(toHex(encodeOpen(o)), toHex(buf));
});

void test('RFC 9072 extended optional parameters (255, 255, 2-octet length) decode and re-encode', () => {
  const capBody = '01 04 00010001 41 04 fa56ea00';
  const cb = capBody.replace(/\s+/g, '');
  const params = '02' + len2(cb.length / 2) + cb;
  const buf = message(1, '04 5ba0 005a c0000201 ff ff ' + len2(params.length / 2) + params);
  const o = opened(buf);
  assert.equal(o.extendedParameters, true);
  assert.equal(o.asn, 4200000000);
  assert.deepEqual(o.capabilities.multiprotocol, [{ afi: 1, safi: 1 }]);
  assert.equal(toHex(encodeOpen(o)), toHex(buf));
});

void test('a malformed 4-octet AS capability is kept in all but not interpreted; asn falls back to My AS', () => {
  const o = opened(message(1, '04 fde9 005a c0000201 06 02 04 41 02 0001'));
  assert.equal(o.capabilities.fourOctetAs, undefined);
  assert.equal(o.capabilities.all.length, 1);
  assert.equal(o.asn, 65001);
});

void test('BGP identifier 0.0.0.0 (6WIND/FRR Peer Up) is decoded, not rejected', () => {
  assert.equal(opened(message(1, '04 fde9 005a 00000000 00')).bgpId, '0.0.0.0');
});

void test('optional parameters running past the OPEN, or a capability past its parameter, fail with an error value', () => {
  const r1 = decodeOpen(message(1, '04 fde9 005a c0000201 10 02 02 0200'));
  assert.equal(r1.ok, false);
  if (!r1.ok) assert.equal(r1.error.code, ErrorCode.Length);
  const r2 = decodeOpen(message(1, '04 fde9 005a c0000201 04 02 02 4104'));
  assert.equal(r2.ok, false);
  // Bytes after the optional parameters: the OPEN's length and its parameters' disagree.
  const r4 = decodeOpen(message(1, '04 fde9 005a c0000201 04 02 02 0200 4600'));
  assert.equal(r4.ok, false);
  if (!r4.ok) assert.equal(r4.error.code, ErrorCode.Length);
  const r3 = decodeOpen(message(1, '04 fde9 005a c000'));
  assert.equal(r3.ok, false);
  if (!r3.ok) assert.equal(r3.error.code, ErrorCode.Short);
});

void test('truncating an OPEN at every byte returns an error value, never throws', () => {
  for (let cut = 0; cut < OPEN_ONE_PARAM.length; cut++) {
    assert.equal(decodeOpen(OPEN_ONE_PARAM.subarray(0, cut)).ok, false);
    const patched = OPEN_ONE_PARAM.slice(0, cut);
    if (cut >= 19) {
      patched[16] = cut >>> 8;
      patched[17] = cut & 255;
      assert.equal(typeof decodeOpen(patched).ok, 'boolean');
    }
  }
});

void test('encodeOpen builds capabilities from fields when none are given raw, and My AS becomes AS_TRANS for a 4-octet ASN', () => {
  const buf = encodeOpen({
    version: 4,
    holdTime: 180,
    bgpId: '10.0.0.1',
    capabilities: { multiprotocol: [{ afi: 2, safi: 1 }], routeRefresh: true, fourOctetAs: 4200000001, addPath: [{ afi: 2, safi: 1, sendReceive: 1 }] },
  });
  const o = opened(buf);
  assert.equal(o.myAs, 23456);
  assert.equal(o.asn, 4200000001);
  assert.deepEqual(o.capabilities.addPath, [{ afi: 2, safi: 1, sendReceive: 1 }]);
  assert.equal(o.parameters!.length, 1);
});

void test('NOTIFICATION Cease subcodes (RFC 4486) are named', () => {
  const names = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => notificationSubcodeName(6, s));
  assert.deepEqual(names, [
    'Maximum Number of Prefixes Reached',
    'Administrative Shutdown',
    'Peer De-configured',
    'Administrative Reset',
    'Connection Rejected',
    'Other Configuration Change',
    'Connection Collision Resolution',
    'Out of Resources',
  ]);
});

void test('NOTIFICATION Cease/Maximum Number of Prefixes Reached keeps its data (AFI, SAFI, limit)', () => {
  const buf = message(3, '06 01 0001 01 000003e8');
  const r = decodeNotification(buf);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.codeName, 'Cease');
  assert.equal(r.value.subcodeName, 'Maximum Number of Prefixes Reached');
  assert.equal(toHex(r.value.data), '0001' + '01' + '000003e8');
  assert.equal(toHex(encodeNotification(r.value)), toHex(buf));
});

void test('NOTIFICATION names for RFC 4271 errors, hold timer, FSM (RFC 6608), ROUTE-REFRESH (RFC 7313); unknown is "unknown"', () => {
  const name = (code: number, sub: number): [string, string] => {
    const r = decodeNotification(message(3, len1(code) + len1(sub)));
    assert.ok(r.ok);
    return r.ok ? [r.value.codeName, r.value.subcodeName] : ['', ''];
  };
  assert.deepEqual(name(1, 2), ['Message Header Error', 'Bad Message Length']);
  assert.deepEqual(name(2, 2), ['OPEN Message Error', 'Bad Peer AS']);
  assert.deepEqual(name(2, 7), ['OPEN Message Error', 'Unsupported Capability']);
  assert.deepEqual(name(3, 11), ['UPDATE Message Error', 'Malformed AS_PATH']);
  assert.deepEqual(name(4, 0), ['Hold Timer Expired', 'Unspecific']);
  assert.deepEqual(name(5, 3), ['Finite State Machine Error', 'Receive Unexpected Message in Established State']);
  assert.deepEqual(name(7, 1), ['ROUTE-REFRESH Message Error', 'Invalid Message Length']);
  assert.deepEqual(name(6, 99), ['Cease', 'unknown']);
  assert.deepEqual(name(99, 1), ['unknown', 'unknown']);
});

void test('an RFC 8203 shutdown communication is decoded from Cease/Administrative Shutdown', () => {
  const data = shutdownCommunicationData('maintenance: ticket 42');
  const r = decodeNotification(encodeNotification({ code: 6, subcode: 2, data }));
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.shutdownCommunication, 'maintenance: ticket 42');
});

void test('a NOTIFICATION shorter than code and subcode is an error value', () => {
  const r = decodeNotification(message(3, '06'));
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Short);
});

void test('KEEPALIVE, ROUTE-REFRESH and an unknown type decode through decodeBgpMessage and re-encode', () => {
  const ka = message(4, '');
  const rr = message(5, '0002 00 01');
  const unk = message(9, 'abcdef');
  const kaD = decodeBgpMessage(ka, DEFAULT_SESSION);
  assert.deepEqual(kaD, { ok: true, value: { type: 'keepalive' } });
  const rrD = decodeBgpMessage(rr, DEFAULT_SESSION);
  assert.deepEqual(rrD, { ok: true, value: { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 } });
  const unkD = decodeBgpMessage(unk, DEFAULT_SESSION);
  assert.ok(unkD.ok && unkD.value.type === 'unknown' && unkD.value.code === 9);
  for (const [m, d] of [
    [ka, kaD],
    [rr, rrD],
    [unk, unkD],
  ] as const) {
    assert.ok(d.ok);
    if (d.ok) assert.equal(toHex(encodeBgpMessage(d.value, DEFAULT_SESSION)), toHex(m));
  }
});

void test('a KEEPALIVE with a body is a length error', () => {
  const r = decodeBgpMessage(message(4, '00'), DEFAULT_SESSION);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Length);
});

void test('decodeBgpMessage dispatches OPEN and NOTIFICATION to their decoders', () => {
  const o = decodeBgpMessage(OPEN_ONE_PARAM, DEFAULT_SESSION);
  assert.ok(o.ok && o.value.type === 'open' && o.value.open.asn === 4200000000);
  const n = decodeBgpMessage(message(3, '0602'), DEFAULT_SESSION);
  assert.ok(n.ok && n.value.type === 'notification' && n.value.notification.subcodeName === 'Administrative Shutdown');
});

void test('Extended Next Hop Encoding (RFC 8950, code 5) and Enhanced Route Refresh (RFC 7313, code 70) are decoded', () => {
  // As Huawei advertises it in pmacct 208: IPv4 unicast, IPv4 VPN (SAFI 128) with IPv6 next hops.
  const o = opened(message(1, '04 fde9 005a c0000201 12 02 10 05 0c 0001 0001 0002 0001 0080 0002 46 00'));
  assert.deepEqual(o.capabilities.extendedNextHop, [
    { afi: 1, safi: 1, nextHopAfi: 2 },
    { afi: 1, safi: 128, nextHopAfi: 2 },
  ]);
  assert.equal(o.capabilities.enhancedRouteRefresh, true);
  const built = opened(encodeOpen({ version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', capabilities: { extendedNextHop: o.capabilities.extendedNextHop, enhancedRouteRefresh: true } }));
  assert.deepEqual(built.capabilities.extendedNextHop, o.capabilities.extendedNextHop);
  assert.equal(built.capabilities.enhancedRouteRefresh, true);
});

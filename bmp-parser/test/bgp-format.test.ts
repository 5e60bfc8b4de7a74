// Text for what people read: communities with the IANA well-known names (RFC 1997, 3765, 7999,
// 8326, 7611, 9494), extended communities (RFC 4360 route targets/origins and friends), large
// communities (RFC 8092), route distinguishers (RFC 4364 §4.2). Addresses: address.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttrCode,
  PATH_ATTRIBUTES,
  attributeName,
  malformedAction,
  capabilityName,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  formatRd,
  parseCommunity,
  parseExtendedCommunity,
  parseRd,
} from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

void test('well-known communities are shown by name', () => {
  const cases: [number, string][] = [
    [0xffffff01, 'NO_EXPORT'],
    [0xffffff02, 'NO_ADVERTISE'],
    [0xffffff03, 'NO_EXPORT_SUBCONFED'],
    [0xffffff04, 'NOPEER'],
    [0xffff029a, 'BLACKHOLE'],
    [0xffff0000, 'GRACEFUL_SHUTDOWN'],
    [0xffff0006, 'LLGR_STALE'],
    [0xffff0007, 'NO_LLGR'],
    [0xffff0001, 'ACCEPT_OWN'],
  ];
  for (const [v, name] of cases) {
    assert.equal(formatCommunity(v), name);
    assert.equal(parseCommunity(name), v);
  }
});

void test('other communities are "asn:value"', () => {
  assert.equal(formatCommunity(0xfde90064), '65001:100');
  assert.equal(formatCommunity(0), '0:0');
  assert.equal(formatCommunity(0xffffffff), '65535:65535');
  assert.equal(parseCommunity('65001:100'), 0xfde90064);
  assert.equal(parseCommunity('65536:1'), undefined);
});

void test('extended communities: route targets and origins of each administrator type', () => {
  assert.equal(formatExtendedCommunity(hex('0002fde800000064')), 'rt:65000:100');
  assert.equal(formatExtendedCommunity(hex('0003fde800000064')), 'soo:65000:100');
  assert.equal(formatExtendedCommunity(hex('0102c00002010005')), 'rt:192.0.2.1:5');
  assert.equal(formatExtendedCommunity(hex('0202fa56ea000007')), 'rt:4200000000:7');
  assert.equal(formatExtendedCommunity(hex('0203fa56ea000007')), 'soo:4200000000:7');
  for (const t of ['rt:65000:100', 'soo:65000:100', 'rt:192.0.2.1:5', 'rt:4200000000:7']) {
    assert.equal(formatExtendedCommunity(parseExtendedCommunity(t)!), t);
  }
});

void test('extended communities: EVPN, color, encapsulation, flowspec actions; unknown ones as hex', () => {
  assert.equal(formatExtendedCommunity(hex('0600000000000005')), 'mac-mobility:5');
  assert.equal(formatExtendedCommunity(hex('0603001122334455')), 'router-mac:00:11:22:33:44:55');
  assert.equal(formatExtendedCommunity(hex('030b000000000064')), 'color:0:100');
  assert.equal(formatExtendedCommunity(hex('030c000000000008')), 'encap:8');
  assert.equal(formatExtendedCommunity(hex('8006fde800000000')), 'traffic-rate:65000:0');
  assert.equal(formatExtendedCommunity(hex('8008fde800000064')), 'redirect:65000:100');
  assert.equal(formatExtendedCommunity(hex('4277112233445566')), '0x4277112233445566');
  // Link bandwidth (non-transitive, 0x40 0x04): AS 65000, 125000000 bytes/s as IEEE float.
  assert.equal(formatExtendedCommunity(hex('4004fde84cee6b28')), 'lb:65000:125000000');
  // A non-transitive type with a route-target subtype is not a route target.
  assert.equal(formatExtendedCommunity(hex('4002fde800000064')), '0x4002fde800000064');
  assert.equal(formatExtendedCommunity(parseExtendedCommunity('0x4277112233445566')!), '0x4277112233445566');
});

void test('large communities are "global:local1:local2"', () => {
  assert.equal(formatLargeCommunity([4200000000, 1, 4294967295]), '4200000000:1:4294967295');
});

void test('route distinguisher text round-trips through its 8 octets for types 0, 1, 2 and an unknown type', () => {
  for (const [h, text] of [
    ['0000fde800000064', '65000:100'],
    ['0001c00002010005', '192.0.2.1:5'],
    ['0002fa56ea000007', '4200000000:7'],
    ['00020000fde80007', '65000L:7'],
    ['0003010203040506', '0x0003010203040506'],
  ] as const) {
    assert.equal(formatRd(hex(h), 0), text);
    assert.equal(Buffer.from(parseRd(text)!).toString('hex'), h);
  }
});

void test('attribute and capability codes have names from the IANA registries, and "unknown" otherwise', () => {
  assert.equal(attributeName(2), 'AS_PATH');
  assert.equal(attributeName(32), 'LARGE_COMMUNITY');
  assert.equal(attributeName(250), 'unknown');
  assert.equal(capabilityName(69), 'ADD-PATH');
  assert.equal(capabilityName(65), '4-octet AS Number');
  assert.equal(capabilityName(200), 'unknown');
});

void test('the path attribute table has one row per code, in code order, and a codec for every attribute the decoder structures', () => {
  const codes = PATH_ATTRIBUTES.map((a) => a.code);
  assert.deepEqual(codes, [...new Set(codes)].sort((x, y) => x - y));
  for (const code of Object.values(AttrCode)) assert.ok(PATH_ATTRIBUTES.find((a) => a.code === code)?.codec, `code ${code}`);
  assert.deepEqual(
    PATH_ATTRIBUTES.filter((a) => a.codec).map((a) => [a.name, a.codec!.flags]),
    [
      ['ORIGIN', 0x40], ['AS_PATH', 0x40], ['NEXT_HOP', 0x40], ['MULTI_EXIT_DISC', 0x80], ['LOCAL_PREF', 0x40], ['ATOMIC_AGGREGATE', 0x40],
      ['AGGREGATOR', 0xc0], ['COMMUNITIES', 0xc0], ['ORIGINATOR_ID', 0x80], ['CLUSTER_LIST', 0x80], ['MP_REACH_NLRI', 0x80], ['MP_UNREACH_NLRI', 0x80],
      ['EXTENDED_COMMUNITIES', 0xc0], ['AS4_PATH', 0xc0], ['AS4_AGGREGATOR', 0xc0], ['LARGE_COMMUNITY', 0xc0],
    ],
  );
  // RFC 7606 §7: informational attributes are discarded when malformed; the rest withdraw the routes.
  assert.deepEqual(
    PATH_ATTRIBUTES.filter((a) => malformedAction(a.code) === 'attribute-discard').map((a) => a.name),
    ['ATOMIC_AGGREGATE', 'AGGREGATOR', 'AS4_PATH', 'AS4_AGGREGATOR'],
  );
  assert.equal(malformedAction(250), 'treat-as-withdraw');
});

/**
 * The JSON projection of decoded BMP (bmp-parser/src/json.ts) and the decode summary's counters:
 * values that JSON cannot carry as such (bigint, bytes, community numbers) come out as text a
 * network engineer reads, and nothing precise is rounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bigintJson, bmpMessageToJson, toJsonValue } from '@ribwatch/bmp-parser';
import type { BmpMessage, PerPeerHeader } from '@ribwatch/bmp-parser';
import { countJson } from '../../bin/commands/decode.js';

const peer: PerPeerHeader = {
  peerType: 0,
  flags: 0x40,
  distinguisher: '0:0',
  distinguisherRaw: new Uint8Array(8),
  address: '192.0.2.1',
  asn: 65001,
  bgpId: '192.0.2.1',
  timestampSec: 1700000000,
  timestampUsec: 5,
};

void test('bigint becomes a number up to 2^53 and a decimal string above', () => {
  assert.equal(bigintJson(42n), 42);
  assert.equal(bigintJson(2n ** 53n), 2 ** 53);
  assert.equal(bigintJson(2n ** 53n + 1n), '9007199254740993');
  assert.equal(bigintJson(2n ** 64n - 1n), '18446744073709551615');
  assert.equal(countJson(12), 12);
  assert.equal(countJson(2 ** 60), '1152921504606846976');
});

void test('bytes become hex, communities text, and objects with an AFI/SAFI gain its name', () => {
  assert.equal(toJsonValue(Uint8Array.of(0, 1, 0xab)), '0001ab');
  assert.deepEqual(toJsonValue({ communities: [0xfde80064, 0xffffff01] }), { communities: ['65000:100', 'NO_EXPORT'] });
  assert.deepEqual(toJsonValue({ largeCommunities: [[65001, 1, 2]] }), { largeCommunities: ['65001:1:2'] });
  assert.deepEqual(toJsonValue({ afi: 2, safi: 128, nlri: [] }), { afi: 2, safi: 128, nlri: [], afiSafi: 'ipv6-vpn' });
  assert.deepEqual(toJsonValue({ afi: 1, safi: 133 }), { afi: 1, safi: 133, afiSafi: 'afi-1-safi-133' });
});

void test('a Statistics Report keeps 64-bit gauges exact and names the message and the RIB view', () => {
  const msg: BmpMessage = { type: 1, peer, counters: [{ type: 7, value: 2n ** 63n, raw: new Uint8Array(8) }, { type: 0, value: 3n, raw: Uint8Array.of(0, 0, 0, 3) }] };
  const j = bmpMessageToJson(msg);
  assert.equal(j['type'], 'statistics_report');
  assert.deepEqual(j['counters'], [
    { type: 7, value: '9223372036854775808', raw: '0000000000000000' },
    { type: 0, value: 3, raw: '00000003' },
  ]);
  const p = j['peer'] as Record<string, unknown>;
  assert.equal(p['rib'], 'adj-in-post');
  assert.equal(p['peerTypeName'], 'global');
  assert.equal('distinguisherRaw' in p, false, 'raw twin of a text field is left out');
});

void test('a Route Monitoring\'s PDU bytes appear only on request or when the UPDATE did not decode', () => {
  const pdu = new Uint8Array(23).fill(0xff);
  const good: BmpMessage = { type: 0, peer, pdu, update: { withdrawn: [], nlri: [], attributes: { other: [] } } };
  assert.equal('pdu' in bmpMessageToJson(good), false);
  assert.equal(typeof bmpMessageToJson(good, { raw: true })['pdu'], 'string');
  const bad: BmpMessage = { type: 0, peer, pdu, bgpError: { code: 'RW_ERR_SHORT', message: 'short' } };
  assert.equal(bmpMessageToJson(bad)['pdu'], 'ff'.repeat(23));
});

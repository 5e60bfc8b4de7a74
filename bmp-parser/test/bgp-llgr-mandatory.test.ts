// RFC 9494 Long-Lived Graceful Restart capability and the RFC 7606 §3(d) check for missing
// well-known mandatory attributes, on hand-built bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SESSION, decodeOpen, decodeUpdate, encodeOpen, encodeUpdate, missingMandatoryAttributes } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('an OPEN with the long-lived graceful restart capability gives each family its flags and stale time', () => {
  // capability 71, length 14: ipv4-unicast flags 0x80 stale 86400 (0x015180); ipv6-unicast flags 0 stale 3600.
  const caps = '47 0e 0001 01 80 015180 0002 01 00 000e10';
  const params = `02 10 ${caps}`;
  const body = `04 fde8 005a c0000201 12 ${params}`;
  const b = body.replace(/\s+/g, '');
  const buf = hex('ff'.repeat(16) + (19 + b.length / 2).toString(16).padStart(4, '0') + '01' + b);
  const r = decodeOpen(buf);
  assert.ok(r.ok);
  assert.deepEqual(r.value.capabilities.longLivedGracefulRestart, {
    families: [
      { afi: 1, safi: 1, flags: 0x80, staleTime: 86400 },
      { afi: 2, safi: 1, flags: 0, staleTime: 3600 },
    ],
  });
  assert.deepEqual(encodeOpen(r.value), buf);
});

test('a long-lived graceful restart capability built by hand encodes and decodes to the same families', () => {
  const llgr = { families: [{ afi: 1, safi: 1, flags: 0, staleTime: 0xffffff }] };
  const buf = encodeOpen({ version: 4, holdTime: 90, bgpId: '192.0.2.1', asn: 65001, capabilities: { fourOctetAs: 65001, longLivedGracefulRestart: llgr } });
  const r = decodeOpen(buf);
  assert.ok(r.ok);
  assert.deepEqual(r.value.capabilities.longLivedGracefulRestart, llgr);
  assert.throws(() => encodeOpen({ version: 4, holdTime: 90, bgpId: '192.0.2.1', asn: 1, capabilities: { longLivedGracefulRestart: { families: [{ afi: 1, safi: 1, flags: 0, staleTime: 1 << 24 }] } } }), RangeError);
});

test('a long-lived graceful restart capability of a length not a multiple of 7 is kept raw, not interpreted', () => {
  const buf = encodeOpen({ version: 4, holdTime: 90, bgpId: '192.0.2.1', asn: 65001, capabilities: { all: [{ code: 71, value: hex('0001018000') }] } });
  const r = decodeOpen(buf);
  assert.ok(r.ok);
  assert.equal(r.value.capabilities.longLivedGracefulRestart, undefined);
  assert.deepEqual(r.value.capabilities.all.map((c) => c.code), [71]);
});

const cfg = DEFAULT_SESSION;
function update(u: Parameters<typeof encodeUpdate>[0]): ReturnType<typeof decodeUpdate> {
  return decodeUpdate(encodeUpdate(u, cfg), cfg);
}

test('an UPDATE announcing IPv4 NLRI without ORIGIN, AS_PATH or NEXT_HOP names what is missing', () => {
  const r = update({ withdrawn: [], nlri: [{ prefix: '10.0.0.0/24', pathId: null }], attributes: { med: 5 } });
  assert.ok(r.ok);
  assert.equal(missingMandatoryAttributes(r.value), 'ORIGIN, AS_PATH, NEXT_HOP');
});

test('an UPDATE with every mandatory attribute, one that only withdraws, and an MP_REACH without NEXT_HOP pass', () => {
  const full = update({ withdrawn: [], nlri: [{ prefix: '10.0.0.0/24', pathId: null }], attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' } });
  assert.ok(full.ok);
  assert.equal(missingMandatoryAttributes(full.value), undefined);
  const withdraw = update({ withdrawn: [{ prefix: '10.0.0.0/24', pathId: null }], nlri: [], attributes: {} });
  assert.ok(withdraw.ok);
  assert.equal(missingMandatoryAttributes(withdraw.value), undefined);
  const v6 = update({ withdrawn: [], nlri: [], attributes: { origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8:1::/48', pathId: null }] } } });
  assert.ok(v6.ok);
  assert.equal(missingMandatoryAttributes(v6.value), undefined);
  const v6bare = update({ withdrawn: [], nlri: [], attributes: { mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8:1::/48', pathId: null }] } } });
  assert.ok(v6bare.ok);
  assert.equal(missingMandatoryAttributes(v6bare.value), 'ORIGIN, AS_PATH');
});

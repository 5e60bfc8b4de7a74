// UPDATE and its path attributes on hand-built bytes: each known attribute (RFC 4271 §5, RFC 1997,
// RFC 4456, RFC 4360, RFC 6793, RFC 8092), unknown ones kept raw with their flags, the Extended
// Length flag, 2- vs 4-octet AS_PATH with the 6WIND/FRR fallback, RFC 7606 error handling,
// End-of-RIB (RFC 4724 §2), header checks and truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SESSION, ErrorCode, decodeBgpMessage, decodeUpdate, effectiveAsPath, encodeUpdate, encodeUpdates, formatAsPath } from '../src/index.js';
import type { BgpUpdate, SessionConfig } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const len2 = (n: number): string => n.toString(16).padStart(4, '0');

function update(withdrawn: string, attrs: string, nlri: string): Uint8Array {
  const w = withdrawn.replace(/\s+/g, '');
  const a = attrs.replace(/\s+/g, '');
  const n = nlri.replace(/\s+/g, '');
  const body = len2(w.length / 2) + w + len2(a.length / 2) + a + n;
  return hex('ff'.repeat(16) + len2(19 + body.length / 2) + '02' + body);
}
function decoded(buf: Uint8Array, cfg: SessionConfig = DEFAULT_SESSION): BgpUpdate {
  const r = decodeUpdate(buf, cfg);
  if (!r.ok) assert.fail(`decode failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}
function roundTrips(buf: Uint8Array, cfg: SessionConfig = DEFAULT_SESSION): void {
  assert.equal(toHex(encodeUpdate(decoded(buf, cfg), cfg)), toHex(buf));
}
const twoOctet: SessionConfig = { fourOctetAs: false, addPath: new Set(), trialParse: true };

// A typical eBGP announcement: ORIGIN IGP, AS_PATH (4-octet) 65001 4200000000, NEXT_HOP, MED 5,
// LOCAL_PREF 100, COMMUNITIES 65001:100 NO_EXPORT, LARGE_COMMUNITY 4200000000:1:2.
const TYPICAL =
  '40 01 01 00' +
  '40 02 0a 02 02 0000fde9 fa56ea00' +
  '40 03 04 c0000201' +
  '80 04 04 00000005' +
  '40 05 04 00000064' +
  'c0 08 08 fde90064 ffffff01' +
  'c0 20 0c fa56ea00 00000001 00000002';

void test('a typical announcement decodes every attribute to its value', () => {
  const u = decoded(update('', TYPICAL, '18 c63364'));
  const a = u.attributes;
  assert.equal(a.origin, 0);
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 4200000000] }]);
  assert.equal(a.twoOctetAs, undefined);
  assert.equal(a.nextHop, '192.0.2.1');
  assert.equal(a.med, 5);
  assert.equal(a.localPref, 100);
  assert.deepEqual(a.communities, [0xfde90064, 0xffffff01]);
  assert.deepEqual(a.largeCommunities, [[4200000000, 1, 2]]);
  assert.deepEqual(a.other, []);
  assert.deepEqual(u.nlri, [{ prefix: '198.51.100.0/24', pathId: null }]);
  assert.equal(u.action, undefined);
  roundTrips(update('', TYPICAL, '18 c63364'));
});

void test('ATOMIC_AGGREGATE, AGGREGATOR (4-octet), ORIGINATOR_ID, CLUSTER_LIST (RFC 4456) and EXTENDED_COMMUNITIES', () => {
  const attrs =
    '40 01 01 02' +
    '40 02 00' + // empty AS_PATH (iBGP)
    '40 06 00' +
    'c0 07 08 fa56ea00 c0000202' +
    '80 09 04 c0000203' +
    '80 0a 08 c0000204 c0000205' +
    'c0 10 10 0002fde800000064 0103c00002010007';
  const a = decoded(update('', attrs, '')).attributes;
  assert.equal(a.origin, 2);
  assert.deepEqual(a.asPath, []);
  assert.equal(a.atomicAggregate, true);
  assert.deepEqual(a.aggregator, { asn: 4200000000, address: '192.0.2.2' });
  assert.equal(a.originatorId, '192.0.2.3');
  assert.deepEqual(a.clusterList, ['192.0.2.4', '192.0.2.5']);
  assert.deepEqual(a.extendedCommunities!.map(toHex), ['0002fde800000064', '0103c00002010007']);
  roundTrips(update('', attrs, ''));
});

void test('a 2-octet session reads AS_PATH and AGGREGATOR with 2-octet ASNs, and AS4_PATH/AS4_AGGREGATOR with 4', () => {
  const attrs =
    '40 02 08 02 03 fde9 5ba0 5ba0' + // 65001 23456 23456
    'c0 07 06 5ba0 c0000202' +
    'c0 11 0a 02 02 fa56ea00 fa56ea01' + // AS4_PATH 4200000000 4200000001
    'c0 12 08 fa56ea01 c0000202';
  const buf = update('', attrs, '');
  const a = decoded(buf, twoOctet).attributes;
  assert.equal(a.twoOctetAs, true);
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 23456, 23456] }]);
  assert.deepEqual(a.aggregator, { asn: 23456, address: '192.0.2.2' });
  assert.deepEqual(a.as4Path, [{ type: 2, asns: [4200000000, 4200000001] }]);
  assert.deepEqual(a.as4Aggregator, { asn: 4200000001, address: '192.0.2.2' });
  // RFC 6793 §4.2.3: the leading AS_PATH ASNs that AS4_PATH does not cover, then AS4_PATH.
  assert.equal(formatAsPath(effectiveAsPath(a)), '65001 4200000000 4200000001');
  roundTrips(buf, twoOctet);
});

void test('effectiveAsPath ignores AS4_PATH when it is longer than AS_PATH, and on a 4-octet session', () => {
  assert.equal(
    formatAsPath(effectiveAsPath({ twoOctetAs: true, asPath: [{ type: 2, asns: [23456] }], as4Path: [{ type: 2, asns: [1, 2] }] })),
    '23456',
  );
  assert.equal(formatAsPath(effectiveAsPath({ asPath: [{ type: 2, asns: [65001] }], as4Path: [{ type: 2, asns: [7] }] })), '65001');
  // AS_SET counts as one; a leading confederation segment is kept.
  assert.equal(
    formatAsPath(
      effectiveAsPath({
        twoOctetAs: true,
        asPath: [
          { type: 3, asns: [64512] },
          { type: 2, asns: [65001, 23456] },
          { type: 1, asns: [1, 2] },
        ],
        as4Path: [
          { type: 2, asns: [4200000000] },
          { type: 1, asns: [1, 2] },
        ],
      }),
    ),
    '(64512) 65001 4200000000 {1,2}',
  );
});

void test('6WIND/FRR bug: a 2-octet AS_PATH on a 4-octet session is read as 2-octet and flagged twoOctetAs', () => {
  // pmacct 205/206: 2 Route Monitoring messages carry this; NetGauze rejects them.
  const buf = update('', '40 01 01 00  40 02 06 02 02 fde9 fde8  40 03 04 c0000201', '18 0a0000');
  const u = decoded(buf);
  assert.deepEqual(u.attributes.asPath, [{ type: 2, asns: [65001, 65000] }]);
  assert.equal(u.attributes.twoOctetAs, true);
  assert.equal(u.action, undefined);
  roundTrips(buf);
});

void test('a 4-octet AS_PATH on a session taken as 2-octet is read as 4-octet (twoOctetAs false) and re-encoded as received', () => {
  // A peer seen without Peer Up, assumed old, that is in fact a 4-octet speaker.
  const buf = update('', '40 01 01 00  40 02 0a 02 02 0000fde9 fa56ea00  40 03 04 c0000201', '');
  const u = decoded(buf, twoOctet);
  assert.deepEqual(u.attributes.asPath, [{ type: 2, asns: [65001, 4200000000] }]);
  assert.equal(u.attributes.twoOctetAs, false);
  roundTrips(buf, twoOctet);
});

void test('without trial parsing, the same AS_PATH is a malformed attribute (treat-as-withdraw), not a failed UPDATE', () => {
  const u = decoded(update('', '40 02 06 02 02 fde9 fde8', '18 0a0000'), { fourOctetAs: true, addPath: new Set(), trialParse: false });
  assert.equal(u.attributes.asPath, undefined);
  assert.equal(u.attributes.other.length, 1);
  assert.equal(u.attributes.other[0]!.code, 2);
  assert.equal(u.attributes.other[0]!.error?.code, ErrorCode.Attribute);
  assert.equal(u.action, 'treat-as-withdraw');
  assert.deepEqual(u.nlri, [{ prefix: '10.0.0.0/24', pathId: null }]);
});

void test('an unknown attribute is kept raw with its flags (optional, transitive, partial) and re-encoded unchanged', () => {
  const buf = update('', '40 01 01 00  e0 63 03 010203  40 03 04 c0000201', '');
  const a = decoded(buf).attributes;
  assert.equal(a.other.length, 1);
  assert.equal(a.other[0]!.flags, 0xe0);
  assert.equal(a.other[0]!.code, 99);
  assert.equal(toHex(a.other[0]!.value), '010203');
  assert.equal(a.other[0]!.error, undefined);
  roundTrips(buf);
});

void test('the Extended Length flag is honoured on read and kept on write, even for a short attribute', () => {
  // Cisco and others set Extended Length on MP_REACH and on attributes that do not need it.
  const buf = update('', '50 01 0001 00  50 02 0006 02 01 0000fde9  d0 63 0002 abcd', '');
  const a = decoded(buf).attributes;
  assert.equal(a.origin, 0);
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001] }]);
  assert.equal(a.other[0]!.flags, 0xd0);
  roundTrips(buf);
});

void test('attributes come back in their wire order (MP_REACH first, as some speakers send it)', () => {
  const buf = update('', '900e 000b 0001 01 04 c0000201 00 08 0a   40 01 01 00  40 02 00', '');
  roundTrips(buf);
});

void test('RFC 7606: a malformed ORIGIN is kept in other with an error; the rest of the UPDATE decodes (treat-as-withdraw)', () => {
  const buf = update('', '40 01 01 05  40 02 00  40 03 04 c0000201', '18 0a0000');
  const u = decoded(buf);
  assert.equal(u.attributes.origin, undefined);
  assert.equal(u.attributes.nextHop, '192.0.2.1');
  assert.equal(u.attributes.other[0]!.code, 1);
  assert.equal(u.attributes.other[0]!.error?.action, 'treat-as-withdraw');
  assert.equal(u.action, 'treat-as-withdraw');
  assert.deepEqual(u.nlri, [{ prefix: '10.0.0.0/24', pathId: null }]);
  roundTrips(buf);
});

void test('RFC 7606 §7: a malformed AGGREGATOR or ATOMIC_AGGREGATE is attribute-discard', () => {
  const u = decoded(update('', '40 01 01 00  c0 07 05 0001020304  40 06 01 00', ''));
  assert.deepEqual(
    u.attributes.other.map((o) => [o.code, o.error?.action]),
    [
      [7, 'attribute-discard'],
      [6, 'attribute-discard'],
    ],
  );
  assert.equal(u.action, 'attribute-discard');
});

void test('malformed lengths of NEXT_HOP, MED, LOCAL_PREF, COMMUNITIES, CLUSTER_LIST and LARGE_COMMUNITY are each caught', () => {
  const attrs = '40 03 03 c00002  80 04 02 0000  40 05 05 0000000000  c0 08 03 000000  80 0a 05 0000000000  c0 20 08 0000000000000000';
  const u = decoded(update('', attrs, ''));
  assert.deepEqual(
    u.attributes.other.map((o) => o.code),
    [3, 4, 5, 8, 10, 32],
  );
  for (const o of u.attributes.other) assert.equal(o.error?.code, ErrorCode.Attribute);
  assert.equal(u.action, 'treat-as-withdraw');
});

void test('a duplicate attribute: the first is kept, the second goes to other with an error', () => {
  const buf = update('', '80 04 04 00000001  80 04 04 00000002', '');
  const u = decoded(buf);
  assert.equal(u.attributes.med, 1);
  assert.equal(u.attributes.other.length, 1);
  assert.equal(toHex(u.attributes.other[0]!.value), '00000002');
  assert.match(u.attributes.other[0]!.error!.message, /duplicate/);
  roundTrips(buf);
});

void test('an attribute whose length runs past the attributes field is kept with an error; the NLRI still decode', () => {
  // COMMUNITIES claims 8 bytes, 4 remain in the field.
  const buf = update('', '40 01 01 00  c0 08 08 fde90064', '18 0a0000');
  const u = decoded(buf);
  assert.equal(u.attributes.origin, 0);
  assert.equal(u.attributes.other[0]!.code, 8);
  assert.equal(u.action, 'treat-as-withdraw');
  assert.deepEqual(u.nlri, [{ prefix: '10.0.0.0/24', pathId: null }]);
});

void test('a broken MP_REACH_NLRI (next hop length past the attribute) fails the whole UPDATE with RW_ERR_ATTRIBUTE', () => {
  const r = decodeUpdate(update('', '800e 06 0001 01 10 c0000201', ''), DEFAULT_SESSION);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Attribute);
});

void test('an MP_REACH_NLRI running past the attributes field fails the UPDATE', () => {
  const r = decodeUpdate(update('', '800e 20 0001 01 04 c0000201 00', ''), DEFAULT_SESSION);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ErrorCode.Attribute);
});

void test('End-of-RIB for IPv4 unicast: an UPDATE with nothing in it (RFC 4724 §2)', () => {
  const u = decoded(update('', '', ''));
  assert.deepEqual(u.endOfRib, { afi: 1, safi: 1 });
  assert.deepEqual(u.withdrawn, []);
  assert.deepEqual(u.nlri, []);
  roundTrips(update('', '', ''));
});

void test('End-of-RIB for another family: an UPDATE whose only attribute is an empty MP_UNREACH_NLRI; not a withdrawal', () => {
  const u = decoded(update('', '800f 03 0002 01', ''));
  assert.deepEqual(u.endOfRib, { afi: 2, safi: 1 });
  assert.deepEqual(u.attributes.mpUnreach!.withdrawn, []);
  const vpn = decoded(update('', '900f 0003 0001 80', ''));
  assert.deepEqual(vpn.endOfRib, { afi: 1, safi: 128 });
  roundTrips(update('', '900f 0003 0001 80', ''));
});

void test('an MP_UNREACH with withdrawals, or an empty one beside other attributes, is no End-of-RIB', () => {
  assert.equal(decoded(update('', '800f 08 0002 01 20 20010db8', '')).endOfRib, undefined);
  assert.equal(decoded(update('', '40 01 01 00  800f 03 0002 01', '')).endOfRib, undefined);
  assert.equal(decoded(update('', '', '18 0a0000')).endOfRib, undefined);
});

void test('header checks: marker, length below 19, length past the buffer, and the message type', () => {
  const good = update('', '', '');
  const badMarker = good.slice();
  badMarker[3] = 0;
  const short = good.slice(0, good.length - 1);
  const lenLow = good.slice();
  lenLow[17] = 18;
  const wrongType = good.slice();
  wrongType[18] = 4;
  const code = (b: Uint8Array): string => {
    const r = decodeUpdate(b, DEFAULT_SESSION);
    return r.ok ? 'ok' : r.error.code;
  };
  assert.equal(code(badMarker), ErrorCode.BgpMarker);
  assert.equal(code(short), ErrorCode.Short);
  assert.equal(code(lenLow), ErrorCode.Length);
  assert.equal(code(wrongType), ErrorCode.BgpType);
  assert.equal(code(good), 'ok');
});

void test('Withdrawn Routes Length or Total Path Attribute Length past the message fails with RW_ERR_LENGTH', () => {
  const body1 = '0010 0000';
  const m1 = hex('ff'.repeat(16) + len2(19 + 4) + '02' + body1);
  const body2 = '0000 0010';
  const m2 = hex('ff'.repeat(16) + len2(19 + 4) + '02' + body2);
  for (const m of [m1, m2]) {
    const r = decodeUpdate(m, DEFAULT_SESSION);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, ErrorCode.Length);
  }
});

void test('an extended message (RFC 8654) of 37 KB withdrawing 4096 IPv6 /64s decodes whole', () => {
  // Shaped like bgpdump's updates.long_withdrawal: MP_UNREACH of 2001:db8:x::/64.
  let nlri = '';
  for (let i = 0; i < 4096; i++) nlri += '40 20010db8' + i.toString(16).padStart(4, '0') + '0000';
  const v = '0002 01' + nlri.replace(/\s+/g, '');
  const buf = update('', '900f' + len2(v.replace(/\s+/g, '').length / 2) + v, '');
  assert.ok(buf.length > 4096);
  const u = decoded(buf);
  assert.equal(u.attributes.mpUnreach!.withdrawn.length, 4096);
  assert.equal(u.attributes.mpUnreach!.withdrawn[4095]!.prefix, '2001:db8:fff::/64');
  roundTrips(buf);
});

void test('the buffer may hold more than the message: only the header length is read', () => {
  const m = update('', '', '18 0a0000');
  const longer = new Uint8Array(m.length + 10);
  longer.set(m);
  assert.deepEqual(decoded(longer).nlri, [{ prefix: '10.0.0.0/24', pathId: null }]);
});

const SAMPLES: readonly Uint8Array[] = [
  update('18 0a0000', TYPICAL, '18 c63364 10 ac10'),
  update('', '40 01 01 00 40 02 00 900e 0024 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 20 20010db8', ''),
  update('', '900e 0016 0001 80 0c 0000000000000000 c0000201 00 70 000101 0000fde800000064 0a0203', ''),
  update('', '900e 002e 0019 46 04 c0000201 00 02 25 0000fde800000001 00000000000000000000 00000000 30 001122334455 20 0a000001 000064', ''),
];

void test('truncating a message at every byte returns an error value, never throws', () => {
  for (const m of SAMPLES) {
    for (let cut = 0; cut < m.length; cut++) {
      const r = decodeUpdate(m.subarray(0, cut), DEFAULT_SESSION);
      assert.equal(r.ok, false, `cut at ${cut} of ${m.length}`);
      const any = decodeBgpMessage(m.subarray(0, cut), DEFAULT_SESSION);
      assert.equal(any.ok, false);
    }
  }
});

void test('shortening the body at every byte (header length patched to match) never throws', () => {
  for (const m of SAMPLES) {
    for (let cut = 19; cut < m.length; cut++) {
      const b = m.slice(0, cut);
      b[16] = cut >>> 8;
      b[17] = cut & 255;
      const r = decodeUpdate(b, DEFAULT_SESSION);
      assert.equal(typeof r.ok, 'boolean');
      if (cut < 23) assert.equal(r.ok, false);
    }
  }
});

void test('random byte corruption of real-shaped UPDATEs never throws (20000 mutations)', () => {
  let s = 0x2545f491;
  const rnd = (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const cfgs: SessionConfig[] = [DEFAULT_SESSION, twoOctet, { fourOctetAs: true, addPath: new Set([0x0101, 0x0201, 0x0180, 0x1946]), trialParse: true }];
  for (let i = 0; i < 20000; i++) {
    const m = SAMPLES[rnd(SAMPLES.length)]!.slice();
    const flips = 1 + rnd(4);
    for (let f = 0; f < flips; f++) m[19 + rnd(m.length - 19)] = rnd(256);
    const r = decodeBgpMessage(m, cfgs[rnd(cfgs.length)]!);
    assert.equal(typeof r.ok, 'boolean');
  }
});

void test('encodeUpdates packs a family into full 4096-byte UPDATEs that decode back to the same routes in order', () => {
  const v4 = Array.from({ length: 5000 }, (_, i) => ({ prefix: `10.${i >>> 8}.${i & 255}.0/24`, pathId: null }));
  const v6 = Array.from({ length: 3000 }, (_, i) => ({ prefix: `2001:db8:${(i + 1).toString(16)}::/48`, pathId: i }));
  const attributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1', communities: [0xffffff01] };
  const cases = [
    { batch: { afi: 1, safi: 1, nlri: v4, attributes }, pick: (u: BgpUpdate) => u.nlri },
    { batch: { afi: 1, safi: 1, nlri: v4, withdraw: true }, pick: (u: BgpUpdate) => u.withdrawn },
    { batch: { afi: 2, safi: 1, nlri: v6, attributes: { origin: 0, asPath: [] }, nextHops: ['2001:db8::1'] }, pick: (u: BgpUpdate) => u.attributes.mpReach!.nlri },
    { batch: { afi: 2, safi: 1, nlri: v6, withdraw: true }, pick: (u: BgpUpdate) => u.attributes.mpUnreach!.withdrawn },
  ];
  const cfg: SessionConfig = { fourOctetAs: true, addPath: new Set([0x0201]), trialParse: true };
  for (const { batch, pick } of cases) {
    const msgs = encodeUpdates(batch, cfg);
    const back = msgs.flatMap((m) => {
      assert.ok(m.length <= 4096);
      return [...pick(decoded(m, cfg))];
    });
    assert.deepEqual(back, batch.nlri);
    // Full: every message but the last is within one route of the limit.
    for (const m of msgs.slice(0, -1)) assert.ok(m.length > 4096 - 40, `${m.length}`);
  }
  assert.equal(encodeUpdates({ afi: 1, safi: 1, nlri: v4, attributes }, cfg, 65535).length, 1);
});

/**
 * The API's input parsers: what engineers type becomes the store's canonical form, and anything
 * else is a 400 whose message names the parameter and the problem. The lookup helpers (covering
 * prefixes for `longest`, the text/range scan for `more-specific`) are checked on both families.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { checkRange, decodeCursor, encodeCursor, parseAddressParam, parseAsnParam, parseCommunityParam, parseDurationParam, parsePrefixParam, parseRouterParam, parseTimeParam } from '../../api/parse.js';
import { coveringPrefixes, moreSpecificScan } from '../../api/routes/rib.js';

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.statusCode, 400);
    assert.match(e.message, message);
    return true;
  });
}

void test('prefixes and addresses become canonical text; a bare address is its host route', () => {
  assert.deepEqual(
    (({ text, bareAddress }) => ({ text, bareAddress }))(parsePrefixParam('10.1.2.3/16')),
    { text: '10.1.0.0/16', bareAddress: false },
  );
  assert.equal(parsePrefixParam('10.1.2.3').text, '10.1.2.3/32');
  assert.equal(parsePrefixParam('2001:DB8:0:0::/32').text, '2001:db8::/32');
  assert.equal(parsePrefixParam('2001:db8::1').text, '2001:db8::1/128');
  assert.equal(parsePrefixParam(' 0.0.0.0/0 ').text, '0.0.0.0/0');
  assert.equal(parseAddressParam('2001:DB8::0001', 'peer'), '2001:db8::1');
});

void test('a bad prefix says what is wrong with it', () => {
  rejects(() => parsePrefixParam('10.0.0.256/24'), 'RW_API_BAD_PREFIX', /prefix: octet 256 of "10.0.0.256" is over 255/);
  rejects(() => parsePrefixParam('10.0.0.0/33'), 'RW_API_BAD_PREFIX', /length \/33 .* over \/32/);
  rejects(() => parsePrefixParam('2001:db8::/129'), 'RW_API_BAD_PREFIX', /over \/128/);
  rejects(() => parsePrefixParam('10.0.0/24'), 'RW_API_BAD_PREFIX', /has 3 parts/);
  rejects(() => parsePrefixParam('10.0.0.0/-1'), 'RW_API_BAD_PREFIX', /not a number from 0 to 32/);
  rejects(() => parsePrefixParam("10.0.0.0/8'; DROP TABLE rib; --"), 'RW_API_BAD_PREFIX', /not a number|characters long/);
  rejects(() => parsePrefixParam('1::2::3'), 'RW_API_BAD_PREFIX', /"::" more than once/);
  rejects(() => parsePrefixParam('١٠.0.0.0/8'), 'RW_API_BAD_PREFIX', /not an IPv4 or IPv6 address/);
  rejects(() => parsePrefixParam(''), 'RW_API_BAD_PREFIX', /is empty/);
  rejects(() => parsePrefixParam('1'.repeat(200)), 'RW_API_BAD_PREFIX', /200 characters long/);
  rejects(() => parseAddressParam('10.0.0.0/8', 'peer'), 'RW_API_BAD_ADDRESS', /peer: .* is a prefix/);
  rejects(() => parseAddressParam('leaf1', 'router'), 'RW_API_BAD_ADDRESS', /router: "leaf1" is not an IPv4 or IPv6 address/);
});

void test('AS numbers: plain, AS-prefixed and asdot; out of range and negative are named', () => {
  assert.equal(parseAsnParam('65001'), 65001);
  assert.equal(parseAsnParam('AS4200000000'), 4200000000);
  assert.equal(parseAsnParam('as1.10'), 65546);
  assert.equal(parseAsnParam('0'), 0);
  rejects(() => parseAsnParam('4294967296'), 'RW_API_BAD_ASN', /over 4294967295/);
  rejects(() => parseAsnParam('99999999999999999999'), 'RW_API_BAD_ASN', /not an AS number/);
  rejects(() => parseAsnParam('-1'), 'RW_API_BAD_ASN', /negative/);
  rejects(() => parseAsnParam('1.70000'), 'RW_API_BAD_ASN', /asdot/);
  rejects(() => parseAsnParam('65001 OR 1=1'), 'RW_API_BAD_ASN', /not an AS number/);
});

void test('communities: standard, well-known by value or any-case name, large and extended', () => {
  assert.deepEqual(parseCommunityParam('65001:100'), { kind: 'standard', text: '65001:100' });
  assert.deepEqual(parseCommunityParam('65535:65281'), { kind: 'standard', text: 'NO_EXPORT' });
  assert.deepEqual(parseCommunityParam('no_export'), { kind: 'standard', text: 'NO_EXPORT' });
  assert.deepEqual(parseCommunityParam('064512:01:2'), { kind: 'large', text: '64512:1:2' });
  assert.deepEqual(parseCommunityParam('rt:65000:100'), { kind: 'extended', text: 'rt:65000:100' });
  rejects(() => parseCommunityParam('65536:1'), 'RW_API_BAD_COMMUNITY', /0\.\.65535/);
  rejects(() => parseCommunityParam('1:2:4294967296'), 'RW_API_BAD_COMMUNITY', /0\.\.4294967295/);
  rejects(() => parseCommunityParam("1:1' OR '1'='1"), 'RW_API_BAD_COMMUNITY', /not a community/);
});

void test('times are RFC 3339; windows are durations; ranges are capped', () => {
  assert.equal(parseTimeParam('2026-11-21T10:00:00Z', 'from'), Date.UTC(2026, 10, 21, 10));
  assert.equal(parseTimeParam('2026-11-21T12:00:00.5+02:00', 'from'), Date.UTC(2026, 10, 21, 10, 0, 0, 500));
  rejects(() => parseTimeParam('yesterday', 'from'), 'RW_API_BAD_TIME', /from: "yesterday" is not an RFC 3339 time/);
  rejects(() => parseTimeParam('2026-13-01T00:00:00Z', 'to'), 'RW_API_BAD_TIME', /to:/);
  assert.equal(parseDurationParam('15m', 'window'), 900_000);
  assert.equal(parseDurationParam('7d', 'window'), 7 * 86_400_000);
  rejects(() => parseDurationParam('0h', 'window'), 'RW_API_BAD_TIME', /longer than 0/);
  rejects(() => parseDurationParam('1w', 'window'), 'RW_API_BAD_TIME', /not a duration/);
  assert.throws(() => checkRange(0, 200 * 3_600_000, 168), (e: unknown) => e instanceof ApiError && e.code === 'RW_API_RANGE_TOO_WIDE' && /200\.0 h is wider than the 168 h/.test(e.message));
  assert.throws(() => checkRange(10, 5, 168), (e: unknown) => e instanceof ApiError && e.code === 'RW_API_BAD_TIME');
});

void test('cursors round-trip; a forged, foreign or mistyped cursor is a 400', () => {
  const c = encodeCursor('rib:exact:10.0.0.0/8', ['a', 7]);
  assert.deepEqual(decodeCursor(c, 'rib:exact:10.0.0.0/8', ['s', 'n']), ['a', 7]);
  rejects(() => decodeCursor(c, 'peers', ['s', 'n']), 'RW_API_BAD_CURSOR', /cursor:/);
  rejects(() => decodeCursor(encodeCursor('peers', ['a', 'b']), 'peers', ['s', 'n']), 'RW_API_BAD_CURSOR', /cursor:/);
  rejects(() => decodeCursor(encodeCursor('peers', ['a', -1]), 'peers', ['s', 'n']), 'RW_API_BAD_CURSOR', /cursor:/);
  rejects(() => decodeCursor("'; DROP TABLE rib", 'peers', ['s']), 'RW_API_BAD_CURSOR', /cursor:/);
});

void test('longest match asks for every covering prefix, /0 to the prefix itself', () => {
  const v4 = coveringPrefixes(parsePrefixParam('10.1.2.3').key);
  assert.equal(v4.length, 33);
  assert.equal(v4[0], '0.0.0.0/0');
  assert.equal(v4[8], '10.0.0.0/8');
  assert.equal(v4[24], '10.1.2.0/24');
  assert.equal(v4[32], '10.1.2.3/32');
  const v6 = coveringPrefixes(parsePrefixParam('2001:db8::/32').key);
  assert.equal(v6.length, 33);
  assert.equal(v6[16], '2001::/16');
  assert.equal(v6[32], '2001:db8::/32');
});

void test('more-specific scans start from the fixed leading text and check the exact range', () => {
  assert.deepEqual(moreSpecificScan(parsePrefixParam('10.1.0.0/16').key), { textPrefix: '10.1.', first: '10.1.0.0', last: '10.1.255.255' });
  assert.deepEqual(moreSpecificScan(parsePrefixParam('10.0.0.0/9').key), { textPrefix: '10.', first: '10.0.0.0', last: '10.127.255.255' });
  assert.deepEqual(moreSpecificScan(parsePrefixParam('10.1.2.3/32').key), { textPrefix: '10.1.2.3/', first: '10.1.2.3', last: '10.1.2.3' });
  assert.deepEqual(moreSpecificScan(parsePrefixParam('2001:db8::/32').key), { textPrefix: '2001:db8:', first: '2001:db8:0:0:0:0:0:0', last: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' });
  // A zero group may be compressed to "::" in the stored text, so the text stops before it.
  assert.equal(moreSpecificScan(parsePrefixParam('2001:0:5::/48').key).textPrefix, '2001:');
  rejects(() => moreSpecificScan(parsePrefixParam('0.0.0.0/0').key), 'RW_API_PREFIX_TOO_SHORT', /\/8 or longer/);
  rejects(() => moreSpecificScan(parsePrefixParam('::/0').key), 'RW_API_PREFIX_TOO_SHORT', /\/16 or longer/);
});

test('a router is a BMP address or bgp:<address> for a BGP neighbor, the address canonical either way', () => {
  assert.equal(parseRouterParam('10.0.0.1'), '10.0.0.1');
  assert.equal(parseRouterParam('bgp:127.0.0.1'), 'bgp:127.0.0.1');
  assert.equal(parseRouterParam('BGP:2001:DB8:0::7'), 'bgp:2001:db8::7');
  assert.throws(() => parseRouterParam('bgp:leaf1'), (e: unknown) => e instanceof ApiError && e.code === 'RW_API_BAD_ADDRESS');
});

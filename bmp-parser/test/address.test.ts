// Addresses and prefixes (src/address.ts): RFC 5952 text for IPv6 with the IPv4-mapped form kept,
// parsers that accept every valid spelling and answer bad text with undefined, and the prefix
// arithmetic the inventory, the leak detector and the API use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clearHostBits,
  formatIPv4,
  formatIPv6,
  formatIp,
  formatPrefix,
  ipv4FromNumber,
  isIPv4Mapped,
  lastAddress,
  parseIPv4,
  parseIPv6,
  parseIp,
  parsePrefix,
  prefixBit,
  prefixContains,
  prefixesOverlap,
  truncatePrefix,
} from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

void test('IPv6 text follows RFC 5952: lower case, no leading zeros, longest zero run compressed, first on a tie', () => {
  const cases: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed (§4.2.2)
    ['20010000000000010000000000000001', '2001:0:0:1::1'], // the longest run wins (§4.2.3)
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8000000000000000000010000', '2001:db8::1:0'],
    ['00010000000000000000000000000000', '1::'],
    ['20010db8abcd0012000000000000ffff', '2001:db8:abcd:12::ffff'],
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'], // IPv4-mapped (§5)
    ['20010DB8ABCDEF000000000000000000', '2001:db8:abcd:ef00::'],
  ];
  for (const [h, text] of cases) {
    assert.equal(formatIPv6(hex(h)), text);
    assert.equal(formatIp(hex(h)), text);
    assert.equal(toHex(parseIp(text)), h.toLowerCase());
  }
});

void test('IPv4-mapped addresses keep the dotted quad; IPv4-compatible and NAT64 ones do not', () => {
  assert.equal(formatIPv6(hex('00000000000000000000ffff0a000001')), '::ffff:10.0.0.1');
  assert.equal(isIPv4Mapped(hex('00000000000000000000ffff0a000001')), true);
  assert.equal(formatIPv6(hex('0000000000000000000000000a000001')), '::a00:1');
  assert.equal(isIPv4Mapped(hex('0000000000000000000000000a000001')), false);
  assert.equal(formatIPv6(hex('0064ff9b000000000000000001020304')), '64:ff9b::102:304');
  assert.equal(isIPv4Mapped(hex('0064ff9b000000000000ffff01020304')), false);
  // The mapped form reads back, as does the hex spelling of the same address.
  assert.equal(toHex(parseIp('::ffff:10.0.0.1')), '00000000000000000000ffff0a000001');
  assert.equal(toHex(parseIp('::FFFF:a00:1')), '00000000000000000000ffff0a000001');
});

void test('any valid spelling parses to the same bytes as the canonical text', () => {
  const spellings: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::0.0.0.1', '::1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ];
  for (const [input, canonical] of spellings) {
    const b = parseIPv6(input);
    assert.ok(b, input);
    assert.equal(formatIPv6(b), canonical, input);
  }
});

void test('text and bytes round-trip for every family, over many random addresses', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < 2000; i++) {
    const b6 = new Uint8Array(16);
    // Runs of zero groups are what RFC 5952 is about: zero about half the groups.
    for (let g = 0; g < 8; g++) if (rnd() < 128) b6.set([rnd(), rnd()], 2 * g);
    assert.equal(toHex(parseIp(formatIPv6(b6))), toHex(b6));
    const b4 = Uint8Array.of(rnd(), rnd(), rnd(), rnd());
    assert.equal(toHex(parseIp(formatIPv4(b4))), toHex(b4));
    assert.equal(ipv4FromNumber(((b4[0]! << 24) | (b4[1]! << 16) | (b4[2]! << 8) | b4[3]!) >>> 0), formatIPv4(b4));
  }
});

void test('text that is not an address gives undefined, never a throw', () => {
  const bad = ['', '1.2.3', '1.2.3.256', '1.2.3.4.5', '01234.1.1.1', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1::2::3', ':1', '1:', ':::',
    '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'x::1', '::1.2.3', '1.2.3.4::', '::ffff:1.2.3.4:5', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7::8:9'];
  for (const text of bad) assert.equal(parseIp(text), undefined, JSON.stringify(text));
  assert.equal(parseIPv4('::1'), undefined);
  assert.equal(parseIPv6('1.2.3.4'), undefined);
  assert.equal(formatIp(new Uint8Array(5)), undefined);
  for (const text of ['', '/', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/1e1', '10.0.0.0/8/8', '2001:db8::/129', 'x/8', '10.0.0.0 /8']) {
    assert.equal(parsePrefix(text), undefined, JSON.stringify(text));
  }
});

void test('a prefix is parsed with its host bits cleared, and a bare address is its host route', () => {
  const p = parsePrefix('10.1.2.3/13')!;
  assert.deepEqual({ family: p.family, bytes: toHex(p.bytes), length: p.length }, { family: 4, bytes: '0a000000', length: 13 });
  assert.equal(formatPrefix(p), '10.0.0.0/13');
  assert.equal(formatPrefix(parsePrefix('11.13.0.0/13')!), '11.8.0.0/13');
  assert.equal(formatPrefix(parsePrefix('2001:DB8:1:2::FFFF/35')!), '2001:db8::/35');
  assert.equal(formatPrefix(parsePrefix('192.0.2.7')!), '192.0.2.7/32');
  assert.equal(formatPrefix(parsePrefix('2001:db8::1')!), '2001:db8::1/128');
  assert.equal(formatPrefix(parsePrefix('0.0.0.0/0')!), '0.0.0.0/0');
  assert.equal(formatPrefix(parsePrefix('::/0')!), '::/0');
  // IPv4-mapped stays IPv6 and keeps its text form.
  const m = parsePrefix('::ffff:0:0/96')!;
  assert.equal(m.family, 6);
  assert.equal(formatPrefix(m), '::ffff:0.0.0.0/96');
  // On request the host bits stay (the EVPN encoder writes the address whole).
  assert.equal(toHex(parsePrefix('10.1.2.3/8', true)!.bytes), '0a010203');
  const b = hex('ffffffff');
  clearHostBits(b, 20);
  assert.equal(toHex(b), 'fffff000');
});

void test('containment, overlap, bits, shorter covering prefixes and the last address follow the bits', () => {
  const k = (t: string) => parsePrefix(t)!;
  assert.equal(prefixContains(k('10.0.0.0/8'), k('10.255.1.0/24')), true);
  assert.equal(prefixContains(k('10.0.0.0/8'), k('11.0.0.0/24')), false);
  assert.equal(prefixContains(k('10.0.0.0/24'), k('10.0.0.0/8')), false);
  assert.equal(prefixContains(k('10.0.0.0/9'), k('10.128.0.0/16')), false);
  assert.equal(prefixContains(k('10.128.0.0/9'), k('10.128.0.0/16')), true);
  assert.equal(prefixContains(k('0.0.0.0/0'), k('192.0.2.1')), true);
  assert.equal(prefixContains(k('::/0'), k('10.0.0.0/8')), false, 'families differ');
  assert.equal(prefixContains(k('2001:db8::/32'), k('2001:db8:ffff::/48')), true);
  assert.equal(prefixContains(k('2001:db8::/33'), k('2001:db8:8000::/48')), false);
  assert.equal(prefixesOverlap(k('10.1.0.0/16'), k('10.0.0.0/8')), true);
  assert.equal(prefixesOverlap(k('10.1.0.0/16'), k('10.2.0.0/16')), false);
  assert.deepEqual([0, 1, 4, 6, 7, 8].map((i) => prefixBit(k('10.0.0.0/8'), i)), [0, 0, 1, 1, 0, 0]);
  assert.equal(formatPrefix(truncatePrefix(k('10.1.2.0/24'), 12)), '10.0.0.0/12');
  assert.equal(formatPrefix(truncatePrefix(k('2001:db8:abcd::/48'), 20)), '2001::/20');
  assert.equal(formatPrefix(truncatePrefix(k('2001:db8:abcd::/48'), 29)), '2001:db8::/29');
  assert.equal(formatIp(lastAddress(k('10.1.0.0/16'))), '10.1.255.255');
  assert.equal(formatIp(lastAddress(k('10.1.0.0/13'))), '10.7.255.255');
  assert.equal(formatIp(lastAddress(k('192.0.2.1'))), '192.0.2.1');
  assert.equal(formatIp(lastAddress(k('2001:db8::/32'))), '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  assert.equal(formatIp(lastAddress(k('0.0.0.0/0'))), '255.255.255.255');
});

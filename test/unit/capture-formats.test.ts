/**
 * Capture file formats and link layers: classic pcap in both byte orders with microsecond and
 * nanosecond magic, pcapng in both byte orders with per-interface link types and Simple Packet
 * Blocks, Ethernet with VLAN tags, Linux cooked capture v1 and v2, raw IP and BSD loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv6 } from '@ribwatch/bmp-parser';
import { LinkType, decodePacket, readBmpInput, readPcap, readPcapng } from '../../bin/capture/index.js';
import { bmpInitiation, bmpMessage, concat, ethernet, ipv4Tcp, ipv6Tcp, linuxSll, linuxSll2, nullLoopback, pcapFile, pcapngFile } from './capture-synth.js';

const BMP = concat([bmpInitiation('spine1'), bmpMessage(0, 60, 0x11)]);
const ip4 = (seq: number, payload: Uint8Array, src = '192.0.2.1'): Uint8Array => ipv4Tcp({ src, dst: '192.0.2.100', sport: 33000, dport: 1790, seq, payload });
const ip6 = (seq: number, payload: Uint8Array): Uint8Array => ipv6Tcp({ src: '2001:db8::a', dst: '2001:db8::64', sport: 33000, dport: 1790, seq, payload });

void test('classic pcap is read in both byte orders, with microsecond and nanosecond timestamps', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [true, false]) {
      const r = readPcap(pcapFile([ethernet(ip4(1, BMP))], { linkType: LinkType.Ethernet, littleEndian, nanosecond }));
      assert.ok(r.ok);
      const p = r.value.packets[0];
      assert.ok(p);
      assert.equal(p.tsSec, 1_700_000_000);
      assert.equal(p.tsNsec, nanosecond ? 500 : 500_000, `le=${littleEndian} ns=${nanosecond}`);
      assert.equal(p.linkType, LinkType.Ethernet);
    }
  }
});

void test('a pcap whose last record is cut short keeps the earlier packets and notes the truncation', () => {
  const file = pcapFile([ethernet(ip4(1, BMP)), ethernet(ip4(1 + BMP.length, BMP))], { linkType: LinkType.Ethernet });
  const r = readPcap(file.subarray(0, file.length - 10));
  assert.ok(r.ok);
  assert.equal(r.value.packets.length, 1);
  assert.match(r.value.notes[0] ?? '', /truncated last record/);
});

void test('every supported link type leads to the same BMP stream', () => {
  const cases: [string, number, Uint8Array][] = [
    ['Ethernet', LinkType.Ethernet, ethernet(ip4(1, BMP))],
    ['Ethernet + 802.1Q', LinkType.Ethernet, ethernet(ip4(1, BMP), 100)],
    ['Linux SLL', LinkType.LinuxSll, linuxSll(ip4(1, BMP))],
    ['Linux SLL2', LinkType.LinuxSll2, linuxSll2(ip6(1, BMP))],
    ['raw IP (v4)', LinkType.Raw, ip4(1, BMP)],
    ['raw IP (v6)', LinkType.Raw, ip6(1, BMP)],
    ['IPv4', LinkType.Ipv4, ip4(1, BMP)],
    ['IPv6', LinkType.Ipv6, ip6(1, BMP)],
    ['BSD null (AF_INET)', LinkType.Null, nullLoopback(ip4(1, BMP))],
    ['BSD null (AF_INET6)', LinkType.Null, nullLoopback(ip6(1, BMP))],
  ];
  for (const [name, linkType, frame] of cases) {
    const r = readBmpInput(pcapFile([frame], { linkType }));
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.message}`);
    assert.deepEqual(r.value.streams[0]?.data, BMP, name);
  }
});

void test('an unknown link type is skipped with its number, not thrown', () => {
  const d = decodePacket(147, new Uint8Array(40));
  assert.deepEqual(d, { kind: 'skip', reason: 'unsupported link type 147' });
});

void test('pcapng is read in both byte orders, with per-interface link types, skipping unknown blocks', () => {
  for (const le of [true, false]) {
    const file = pcapngFile(
      [LinkType.Ethernet, LinkType.Raw],
      [
        { iface: 0, frame: ethernet(ip4(1, BMP.subarray(0, 20))) },
        { iface: 1, frame: ip4(21, BMP.subarray(20)) },
        { iface: 1, frame: ip4(1, BMP, '192.0.2.2') },
      ],
      le,
    );
    const list = readPcapng(file);
    assert.ok(list.ok);
    assert.deepEqual(list.value.packets.map((p) => p.linkType), [LinkType.Ethernet, LinkType.Raw, LinkType.Raw]);
    assert.equal(list.value.packets[2]?.tsSec, 1_700_000_002);
    const r = readBmpInput(file);
    assert.ok(r.ok);
    assert.equal(r.value.format, 'pcapng');
    assert.deepEqual(r.value.streams.map((s) => s.router), ['192.0.2.1', '192.0.2.2']);
    for (const s of r.value.streams) assert.deepEqual(s.data, BMP);
  }
});

void test('pcapng Simple Packet Blocks belong to interface 0', () => {
  const file = pcapngFile([LinkType.Ethernet], [{ iface: 0, frame: ethernet(ip4(1, BMP)), simple: true }]);
  const r = readBmpInput(file);
  assert.ok(r.ok);
  assert.deepEqual(r.value.streams[0]?.data, BMP);
});

void test('IPv6 addresses are written in RFC 5952 form', () => {
  const b = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  assert.equal(formatIPv6(b('20010db8000000000000000000000001'), 0), '2001:db8::1');
  assert.equal(formatIPv6(b('00000000000000000000000000000000'), 0), '::');
  assert.equal(formatIPv6(b('20010db8000100000001000000000001'), 0), '2001:db8:1:0:1::1');
  assert.equal(formatIPv6(b('fe800000000000000000000000000000'), 0), 'fe80::');
});

// Round-trip properties over generated messages (seeded, reproducible): for UPDATE, OPEN and
// NOTIFICATION, encode(x) decodes to a structure equal to x, and encoding that decoded structure
// gives the same bytes again. Covers every known attribute, unknown ones with and without the
// Extended Length flag, each NLRI family with and without ADD-PATH, 2- and 4-octet AS sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afiSafiKey,
  decodeNotification,
  decodeOpen,
  decodeUpdate,
  encodeNotification,
  encodeOpen,
  encodeUpdate,
  evpnKey,
  formatIPv6,
  ipv4FromNumber,
} from '../src/index.js';
import type { AsPathSegment, BgpUpdate, Capability, EvpnRoute, MpReach, MpUnreach, Nlri, OpenInput, PathAttributes, SessionConfig, UpdateInput } from '../src/index.js';

/** mulberry32: a tiny seeded PRNG, so every failing case can be replayed from its seed. */
class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  u32(): number {
    return (this.int(0x10000) * 0x10000 + this.int(0x10000)) >>> 0;
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  list<T>(max: number, f: () => T): T[] {
    const n = this.int(max + 1);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(f());
    return out;
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function ipv4(r: Prng): string {
  return ipv4FromNumber(r.u32());
}
function ipv6(r: Prng): string {
  const b = r.bytes(16);
  if (r.bool(0.3)) b.fill(0, 4 + r.int(12));
  return formatIPv6(b);
}
function prefix4(r: Prng): string {
  const len = r.int(33);
  const v = len === 0 ? 0 : (r.u32() & ~(0xffffffff >>> len)) >>> 0;
  return `${ipv4FromNumber(len === 32 ? r.u32() : v)}/${len}`;
}
function prefix6(r: Prng): string {
  const len = r.int(129);
  const b = r.bytes(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    b[i] = b[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return `${formatIPv6(b)}/${len}`;
}
function rd(r: Prng): string {
  switch (r.int(4)) {
    case 0:
      return `${r.int(0x10000)}:${r.u32()}`;
    case 1:
      return `${ipv4(r)}:${r.int(0x10000)}`;
    case 2:
      return `${0x10000 + r.int(0xffff0000)}:${r.int(0x10000)}`;
    default:
      return `${r.int(0x10000)}L:${r.int(0x10000)}`;
  }
}
/** Labels the decoder reads back as given: not 0 or 0x80000 inside a stack (those end it). */
function labels(r: Prng, max: number): number[] {
  const n = Math.min(max, 1 + r.int(r.bool(0.8) ? 1 : 3));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let l = 16 + r.int(0xfffff - 16);
    if (l === 0x80000) l++;
    out.push(l);
  }
  return out;
}
const hexColon = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

function evpnRoute(r: Prng): EvpnRoute {
  const base = { rd: rd(r), raw: new Uint8Array(0) };
  const v6 = r.bool();
  const ip = (): string => (v6 ? ipv6(r) : ipv4(r));
  switch (1 + r.int(5)) {
    case 1:
      return { ...base, routeType: 1, esi: hexColon(r.bytes(10)), ethernetTagId: r.u32(), labels: [r.int(0x1000000)] };
    case 2: {
      const route: EvpnRoute = {
        ...base,
        routeType: 2,
        esi: hexColon(r.bytes(10)),
        ethernetTagId: r.u32(),
        mac: hexColon(r.bytes(6)),
        labels: r.bool() ? [r.int(0x1000000)] : [r.int(0x1000000), r.int(0x1000000)],
      };
      return r.bool(0.7) ? { ...route, ip: ip() } : route;
    }
    case 3:
      return { ...base, routeType: 3, ethernetTagId: r.u32(), originatorIp: ip() };
    case 4:
      return { ...base, routeType: 4, esi: hexColon(r.bytes(10)), originatorIp: ip() };
    default:
      return { ...base, routeType: 5, esi: hexColon(r.bytes(10)), ethernetTagId: r.u32(), ipPrefix: v6 ? prefix6(r) : prefix4(r), gatewayIp: ip(), labels: [r.int(0x1000000)] };
  }
}

const FAMILIES: readonly [number, number][] = [
  [1, 1],
  [2, 1],
  [1, 2],
  [2, 2],
  [1, 4],
  [2, 4],
  [1, 128],
  [2, 128],
  [25, 70],
];

function nlriOf(r: Prng, afi: number, safi: number, withPathId: boolean): Nlri {
  const pathId = withPathId ? r.u32() : null;
  if (afi === 25) {
    const evpn = evpnRoute(r);
    return { prefix: evpnKey(evpn), pathId, evpn };
  }
  const p = afi === 1 ? prefix4(r) : prefix6(r);
  // The NLRI length octet counts label, RD and prefix bits: at most 255.
  const room = (rdBits: number): number => Math.floor((255 - rdBits - Number(p.slice(p.indexOf('/') + 1))) / 24);
  if (safi === 4) return { prefix: p, pathId, labels: labels(r, room(0)) };
  if (safi === 128) return { prefix: p, pathId, labels: labels(r, room(64)), rd: rd(r) };
  return { prefix: p, pathId };
}

function segments(r: Prng, asnMax: number): AsPathSegment[] {
  return r.list(3, () => ({ type: 1 + r.int(4), asns: Array.from({ length: 1 + r.int(r.bool(0.05) ? 255 : 6) }, () => r.int(asnMax)) }));
}

const UNKNOWN_CODES = [19, 20, 21, 22, 23, 25, 26, 28, 29, 33, 40, 128, 200, 255];

function genUpdate(r: Prng, cfg: SessionConfig): UpdateInput {
  const asnMax = cfg.fourOctetAs ? 0x100000000 : 0x10000;
  const has = (f: [number, number]): boolean => cfg.addPath.has(afiSafiKey(f[0], f[1]));
  const a: Omit<PathAttributes, 'other'> & { other?: PathAttributes['other'] } = {};
  if (r.bool(0.8)) a.origin = r.int(3);
  if (r.bool(0.8)) a.asPath = segments(r, asnMax);
  if (r.bool(0.5)) a.nextHop = ipv4(r);
  if (r.bool(0.4)) a.med = r.u32();
  if (r.bool(0.4)) a.localPref = r.u32();
  if (r.bool(0.2)) a.atomicAggregate = true;
  if (r.bool(0.2)) a.aggregator = { asn: r.int(asnMax), address: ipv4(r) };
  if (r.bool(0.5)) a.communities = r.list(6, () => r.u32());
  if (r.bool(0.2)) a.originatorId = ipv4(r);
  if (r.bool(0.2)) a.clusterList = r.list(4, () => ipv4(r));
  if (r.bool(0.3)) a.extendedCommunities = r.list(4, () => r.bytes(8));
  if (r.bool(0.2)) a.as4Path = segments(r, 0x100000000);
  if (r.bool(0.1)) a.as4Aggregator = { asn: r.u32(), address: ipv4(r) };
  if (r.bool(0.3)) a.largeCommunities = r.list(3, () => [r.u32(), r.u32(), r.u32()] as [number, number, number]);
  if (r.bool(0.5)) {
    const f = r.pick(FAMILIES);
    const v6hops = f[0] === 2 ? (r.bool() ? [ipv6(r)] : [ipv6(r), ipv6(r)]) : f[0] === 1 && r.bool(0.2) ? [ipv6(r)] : [ipv4(r)];
    const mp: MpReach = { afi: f[0], safi: f[1], nextHops: v6hops, nlri: r.list(r.bool(0.1) ? 200 : 12, () => nlriOf(r, f[0], f[1], has(f))) };
    a.mpReach = mp;
  } else if (r.bool(0.1)) {
    // An unknown family (IPv4 flowspec) keeps its NLRI raw.
    a.mpReach = { afi: 1, safi: 133, nextHops: [], nlri: [], rawNlri: r.bytes(r.int(20)) };
  }
  if (r.bool(0.3)) {
    const f = r.pick(FAMILIES);
    const mp: MpUnreach = { afi: f[0], safi: f[1], withdrawn: r.list(10, () => nlriOf(r, f[0], f[1], has(f))) };
    a.mpUnreach = mp;
  }
  if (r.bool(0.3)) {
    a.other = r.list(3, () => {
      const big = r.bool(0.1);
      const value = r.bytes(big ? 256 + r.int(300) : r.int(12));
      const flags = r.pick([0x80, 0xc0, 0xe0]) | (big || r.bool(0.2) ? 0x10 : 0);
      return { flags, code: r.pick(UNKNOWN_CODES), value };
    });
    // One of each code: a repeated unknown code is fine on the wire, but keep the case simple.
    const seen = new Set<number>();
    a.other = a.other.filter((o) => !seen.has(o.code) && seen.add(o.code));
  }
  const v4 = has([1, 1]);
  return {
    withdrawn: r.list(8, () => ({ prefix: prefix4(r), pathId: v4 ? r.u32() : null })),
    nlri: r.list(r.bool(0.1) ? 300 : 10, () => ({ prefix: prefix4(r), pathId: v4 ? r.u32() : null })),
    attributes: a,
  };
}

/** Comparable JSON of an UPDATE: bytes as hex, decode-only fields dropped, defaults filled. */
function normalize(u: UpdateInput | BgpUpdate): unknown {
  const a = { ...u.attributes } as Record<string, unknown>;
  delete a['wireOrder'];
  delete a['twoOctetAs'];
  if (a['other'] === undefined || (a['other'] as unknown[]).length === 0) delete a['other'];
  for (const k of ['mpReach', 'mpUnreach']) {
    const mp = a[k] as Record<string, unknown> | undefined;
    if (mp) {
      const copy = { ...mp };
      delete copy['rawNextHop'];
      if (copy['rawNlri'] instanceof Uint8Array && copy['rawNlri'].length === 0) delete copy['rawNlri'];
      a[k] = copy;
    }
  }
  return JSON.parse(
    JSON.stringify({ withdrawn: u.withdrawn, nlri: u.nlri, attributes: a }, (key, v: unknown) => {
      if (v instanceof Uint8Array) return key === 'raw' ? undefined : hexOf(v);
      return v;
    }),
  );
}

const CONFIGS: readonly SessionConfig[] = [
  { fourOctetAs: true, addPath: new Set(), trialParse: true },
  { fourOctetAs: false, addPath: new Set(), trialParse: true },
  { fourOctetAs: true, addPath: new Set(FAMILIES.map(([a, s]) => afiSafiKey(a, s))), trialParse: false },
  { fourOctetAs: true, addPath: new Set([afiSafiKey(1, 1), afiSafiKey(1, 128), afiSafiKey(25, 70)]), trialParse: true },
];

void test('3000 generated UPDATEs decode to what was encoded and re-encode to the same bytes', () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const r = new Prng(seed);
    const cfg = CONFIGS[seed % CONFIGS.length]!;
    const u = genUpdate(r, cfg);
    const bytes = encodeUpdate(u, cfg);
    const d = decodeUpdate(bytes, cfg);
    if (!d.ok) assert.fail(`seed ${seed}: ${d.error.code} ${d.error.message}`);
    assert.equal(d.value.action, undefined, `seed ${seed}`);
    assert.equal(d.value.addPathGuessed, undefined, `seed ${seed}`);
    assert.deepEqual(normalize(d.value), normalize(u), `seed ${seed}`);
    assert.equal(hexOf(encodeUpdate(d.value, cfg)), hexOf(bytes), `seed ${seed}`);
  }
});

void test('generated UPDATEs cut at a random byte return an error value, never throw (2000 cases)', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const r = new Prng(seed * 7919);
    const cfg = CONFIGS[seed % CONFIGS.length]!;
    const bytes = encodeUpdate(genUpdate(r, cfg), cfg);
    const cut = r.int(bytes.length);
    assert.equal(decodeUpdate(bytes.subarray(0, cut), cfg).ok, false);
    const patched = bytes.slice(0, Math.max(19, cut));
    patched[16] = patched.length >>> 8;
    patched[17] = patched.length & 255;
    assert.equal(typeof decodeUpdate(patched, cfg).ok, 'boolean');
  }
});

const CAP_CODES = [1, 2, 6, 64, 65, 69, 70, 73, 128, 5, 9, 71, 200];

void test('2000 generated OPENs decode to their capabilities and re-encode to the same bytes', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const r = new Prng(seed + 100000);
    const fourOctetAs = r.bool() ? r.u32() : undefined;
    const input: OpenInput = r.bool(0.5)
      ? {
          version: 4,
          holdTime: r.int(0x10000),
          bgpId: ipv4(r),
          capabilities: {
            multiprotocol: r.list(r.bool(0.1) ? 60 : 4, () => ({ afi: r.pick([1, 2, 25]), safi: r.pick([1, 2, 4, 70, 128]) })),
            routeRefresh: r.bool(),
            extendedMessage: r.bool(),
            addPath: r.list(3, () => ({ afi: r.pick([1, 2]), safi: r.pick([1, 4, 128]), sendReceive: 1 + r.int(3) })),
            ...(fourOctetAs === undefined ? {} : { fourOctetAs }),
            ...(r.bool() ? { gracefulRestart: { flags: r.int(16), time: r.int(4096), families: r.list(3, () => ({ afi: 1 + r.int(2), safi: 1, flags: r.pick([0, 0x80]) })) } } : {}),
            ...(r.bool() ? { fqdn: { hostname: `host${r.int(1000)}`, domain: r.bool() ? 'example.net' : '' } } : {}),
          },
        }
      : {
          version: 4,
          myAs: r.int(0x10000),
          holdTime: r.int(0x10000),
          bgpId: ipv4(r),
          capabilities: { all: r.list(r.bool(0.1) ? 80 : 8, (): Capability => ({ code: r.pick(CAP_CODES), value: r.bytes(r.pick([0, 2, 4, 8, 5])) })) },
        };
    const bytes = encodeOpen(input);
    const d = decodeOpen(bytes);
    if (!d.ok) assert.fail(`seed ${seed}: ${d.error.code} ${d.error.message}`);
    const o = d.value;
    assert.equal(o.bgpId, input.bgpId);
    assert.equal(o.holdTime, input.holdTime);
    const c = input.capabilities;
    if (c.all !== undefined) {
      assert.deepEqual(
        o.capabilities.all.map((x) => [x.code, hexOf(x.value)]),
        c.all.map((x) => [x.code, hexOf(x.value)]),
        `seed ${seed}`,
      );
      assert.equal(o.myAs, input.myAs);
    } else {
      assert.deepEqual(o.capabilities.multiprotocol, c.multiprotocol, `seed ${seed}`);
      assert.equal(o.capabilities.routeRefresh, c.routeRefresh);
      assert.equal(o.capabilities.extendedMessage, c.extendedMessage);
      assert.deepEqual(o.capabilities.addPath, c.addPath);
      assert.deepEqual(o.capabilities.gracefulRestart, c.gracefulRestart);
      assert.deepEqual(o.capabilities.fqdn, c.fqdn);
      assert.equal(o.capabilities.fourOctetAs, c.fourOctetAs);
      assert.equal(o.asn, fourOctetAs ?? 23456);
    }
    assert.equal(hexOf(encodeOpen(o)), hexOf(bytes), `seed ${seed}`);
  }
});

void test('1000 generated NOTIFICATIONs round-trip and always carry names', () => {
  for (let seed = 1; seed <= 1000; seed++) {
    const r = new Prng(seed + 200000);
    const n = { code: r.int(10), subcode: r.int(13), data: r.bytes(r.int(40)) };
    const bytes = encodeNotification(n);
    const d = decodeNotification(bytes);
    if (!d.ok) assert.fail(`seed ${seed}: ${d.error.message}`);
    assert.equal(d.value.code, n.code);
    assert.equal(d.value.subcode, n.subcode);
    assert.equal(hexOf(d.value.data), hexOf(n.data));
    assert.ok(d.value.codeName.length > 0 && d.value.subcodeName.length > 0);
    assert.equal(hexOf(encodeNotification(d.value)), hexOf(bytes));
  }
});

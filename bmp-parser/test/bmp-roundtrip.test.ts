/**
 * Property tests over generated BMP messages (seeded PRNG, reproducible): every message type is
 * encoded from its structure, decoded back to the same fields, and re-encoded to the same bytes;
 * the generated stream survives random chunking; and mutated or random bytes never make the
 * decoder or framer throw or hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpFramer, BmpRouterState, decodeBmpMessage, encodeBmpMessage, encodeNotification, encodeOpen, encodeUpdate, DEFAULT_SESSION } from '../src/index.js';
import type { BmpMessage, PerPeerHeader, StatCounter, Tlv } from '../src/index.js';

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(private readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  u32(): number {
    return this.int(0x10000) * 0x10000 + this.int(0x10000);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bool(): boolean {
    return this.r() < 0.5;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  text(max: number): string {
    const n = this.int(max + 1);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + this.int(0x5f));
    return s;
  }
  ipv4(): string {
    return `${this.int(256)}.${this.int(256)}.${this.int(256)}.${this.int(256)}`;
  }
  /** Canonical IPv6 text (the WHATWG URL serializer is RFC 5952's compressed form), zero runs likely. */
  ipv6(): string {
    const groups = Array.from({ length: 8 }, () => (this.r() < 0.4 ? 0 : this.int(0x10000)).toString(16));
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
}

function rdText(raw: Uint8Array): string {
  const dv = new DataView(raw.buffer, raw.byteOffset, 8);
  switch (dv.getUint16(0)) {
    case 0:
      return `${dv.getUint16(2)}:${dv.getUint32(4)}`;
    case 1:
      return `${raw[2]}.${raw[3]}.${raw[4]}.${raw[5]}:${dv.getUint16(6)}`;
    case 2:
      return `${dv.getUint32(2)}:${dv.getUint16(6)}`;
    default:
      return `0x${[...raw].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
  }
}

function genPeer(g: Gen): PerPeerHeader {
  const peerType = g.pick([0, 0, 1, 2, 3]);
  const distinguisherRaw = peerType === 0 ? new Uint8Array(8) : g.bytes(8);
  if (peerType !== 0 && g.int(4) !== 0) {
    distinguisherRaw[0] = 0;
    distinguisherRaw[1] = g.int(3);
  }
  let flags: number;
  let address: string;
  if (peerType === 3) {
    flags = g.pick([0, 0x80]);
    address = '0.0.0.0';
  } else {
    flags = g.int(16) << 4;
    address = flags & 0x80 ? g.ipv6() : g.ipv4();
  }
  return { peerType, flags, distinguisher: rdText(distinguisherRaw), distinguisherRaw, address, asn: g.u32(), bgpId: g.ipv4(), timestampSec: g.u32(), timestampUsec: g.int(1000000) };
}

function genTlvs(g: Gen, types: readonly number[], max = 4): Tlv[] {
  const n = g.int(max + 1);
  const out: Tlv[] = [];
  for (let i = 0; i < n; i++) {
    const type = g.pick(types);
    out.push({ type, value: g.bool() ? new TextEncoder().encode(g.text(20)) : g.bytes(g.int(12)) });
  }
  return out;
}

function genCounter(g: Gen): StatCounter {
  const type = g.pick([0, 1, 7, 8, 9, 10, 14, 17, 18, 26, 29, 43, 65531, 77]);
  switch (g.int(4)) {
    case 0:
      return { type, value: BigInt(g.u32()), raw: new Uint8Array(0) };
    case 1:
      return { type, afi: g.pick([1, 2, 25]), safi: g.pick([1, 4, 70, 128]), value: (BigInt(g.u32()) << 32n) | BigInt(g.u32()), raw: new Uint8Array(0) };
    case 2:
      return { type, raw: g.bytes(g.pick([0, 1, 2, 3, 5, 12, 16])) };
    default:
      return { type, raw: g.bytes(g.pick([4, 8, 11])) };
  }
}

function genOpen(g: Gen): Uint8Array {
  const fams = [[1, 1], [2, 1], [1, 4], [1, 128], [2, 128], [25, 70]] as const;
  const mp = fams.filter(() => g.bool()).map(([afi, safi]) => ({ afi, safi }));
  const asn = g.bool() ? g.int(65536) : g.u32();
  const caps: { code: number; value: Uint8Array }[] = [];
  for (const f of mp) caps.push({ code: 1, value: new Uint8Array([0, f.afi, 0, f.safi]) });
  caps.push({ code: 65, value: new Uint8Array([asn >>> 24, (asn >>> 16) & 0xff, (asn >>> 8) & 0xff, asn & 0xff]) });
  const ap = mp.filter(() => g.bool());
  if (ap.length > 0) caps.push({ code: 69, value: new Uint8Array(ap.flatMap((f) => [0, f.afi, f.safi, 1 + g.int(3)])) });
  // One optional parameter per capability, or all in one.
  const params = g.bool() ? caps.map((c) => [c]) : [caps];
  const body = params.flatMap((cs) => {
    const inner = cs.flatMap((c) => [c.code, c.value.length, ...c.value]);
    return [2, inner.length, ...inner];
  });
  const id = g.ipv4().split('.').map(Number);
  const my = asn > 0xffff ? 23456 : asn;
  const open = [4, my >>> 8, my & 0xff, 0, 90, ...id, body.length, ...body];
  const len = 19 + open.length;
  return new Uint8Array([...new Array<number>(16).fill(0xff), len >>> 8, len & 0xff, 1, ...open]);
}

function genPrefix(g: Gen): string {
  const len = g.int(33);
  const ip = g.ipv4().split('.').map(Number);
  const masked = ip.map((o, i) => {
    const bits = Math.max(0, Math.min(8, len - 8 * i));
    return bits === 0 ? 0 : o & (0xff << (8 - bits)) & 0xff;
  });
  return `${masked.join('.')}/${len}`;
}

/** A structured message (no raw bytes unless the type has no structure for them). */
function genMessage(g: Gen): BmpMessage {
  const peer = genPeer(g);
  switch (g.int(7)) {
    case 0: {
      const update = encodeUpdate(
        {
          withdrawn: Array.from({ length: g.int(3) }, () => ({ prefix: genPrefix(g), pathId: null })),
          attributes: { origin: g.int(3), asPath: [{ type: 2, asns: [g.u32(), g.u32()] }], nextHop: g.ipv4(), other: [] },
          nlri: Array.from({ length: g.int(4) }, () => ({ prefix: genPrefix(g), pathId: null })),
        },
        DEFAULT_SESSION,
      );
      return { type: 0, peer: { ...peer, flags: peer.flags & ~0x20 }, pdu: update };
    }
    case 1: {
      const m: BmpMessage = { type: 1, peer, counters: Array.from({ length: g.int(6) }, () => genCounter(g)) };
      return g.int(8) === 0 ? { ...m, trailing: g.bytes(1 + g.int(3)) } : m;
    }
    case 2: {
      const reason = g.pick([1, 2, 3, 4, 5, 6, 0, 200]);
      if (reason === 1 || reason === 3) {
        const data = g.int(4) === 0 ? g.bytes(g.int(10)) : encodeNotification({ code: 1 + g.int(6), subcode: g.int(12), data: g.bytes(g.int(6)) });
        return { type: 2, peer, reason, tlvs: [], data };
      }
      if (reason === 2) return { type: 2, peer, reason, fsmEvent: g.int(0x10000), tlvs: [], data: new Uint8Array(0) };
      if (reason === 6) return { type: 2, peer, reason, tlvs: genTlvs(g, [3, 0, 9]), data: new Uint8Array(0) };
      return { type: 2, peer, reason, tlvs: [], data: reason === 4 || reason === 5 ? new Uint8Array(0) : g.bytes(g.int(8)) };
    }
    case 3: {
      const sentOpenPdu = genOpen(g);
      const receivedOpenPdu = genOpen(g);
      // The OPEN structures are placeholders: the PDUs are what gets written.
      const placeholder = { version: 4, myAs: 0, holdTime: 0, bgpId: '0.0.0.0', asn: 0, capabilities: { multiprotocol: [], routeRefresh: false, addPath: [], extendedMessage: false, all: [] } };
      const localAddress = peer.peerType === 3 ? '0.0.0.0' : peer.flags & 0x80 ? g.ipv6() : g.ipv4();
      return { type: 3, peer, localAddress, localPort: g.int(65536), remotePort: g.int(65536), sentOpen: placeholder, receivedOpen: placeholder, sentOpenPdu, receivedOpenPdu, tlvs: genTlvs(g, [0, 3, 4, 99]) };
    }
    case 4:
      return { type: 4, tlvs: genTlvs(g, [0, 1, 2, 65531]) };
    case 5:
      return g.bool() ? { type: 5, tlvs: [], reason: g.int(5) } : { type: 5, tlvs: genTlvs(g, [0, 1, 7]) };
    default: {
      const tlvs: Tlv[] = [];
      if (g.bool()) tlvs.push({ type: 1, value: new Uint8Array([0, g.int(2)]) });
      for (let i = g.int(3); i > 0; i--) tlvs.push({ type: 0, value: encodeNotification({ code: 6, subcode: g.int(10), data: new Uint8Array(0) }) });
      return { type: 6, peer, tlvs, messages: [] };
    }
  }
}

const CASES = 3000;

/** What decoding a generated counter must give: by value when structured, else by the raw length. */
function expectedCounter(c: StatCounter): unknown[] {
  if (c.raw.length === 0 && c.value !== undefined) return [c.type, c.value, c.afi, c.afi === undefined ? undefined : c.safi];
  const dv = new DataView(c.raw.buffer, c.raw.byteOffset, c.raw.length);
  switch (c.raw.length) {
    case 4:
      return [c.type, BigInt(dv.getUint32(0)), undefined, undefined];
    case 8:
      return [c.type, dv.getBigUint64(0), undefined, undefined];
    case 11:
      return [c.type, dv.getBigUint64(3), dv.getUint16(0), dv.getUint8(2)];
    default:
      return [c.type, undefined, undefined, undefined];
  }
}

function sameHeader(a: PerPeerHeader, b: PerPeerHeader, what: string): void {
  const pick = (p: PerPeerHeader): unknown[] => [p.peerType, p.flags, p.distinguisher, [...p.distinguisherRaw], p.address, p.asn, p.bgpId, p.timestampSec, p.timestampUsec];
  assert.deepEqual(pick(b), pick(a), what);
}

void test(`${CASES} generated messages of every type decode to their fields and re-encode to the same bytes`, () => {
  const g = new Gen(prng(0x5eed));
  const seen = new Set<number>();
  for (let i = 0; i < CASES; i++) {
    const msg = genMessage(g);
    const bytes = encodeBmpMessage(msg);
    const r = decodeBmpMessage(bytes);
    if (!r.ok) assert.fail(`case ${i} (type ${msg.type}): ${r.error.code} ${r.error.message}`);
    const d = r.value;
    seen.add(d.type);
    assert.equal(d.type, msg.type, `case ${i}`);
    assert.deepEqual(encodeBmpMessage(d), bytes, `case ${i} type ${msg.type}: re-encode differs`);
    if (d.type !== 4 && d.type !== 5 && msg.type !== 4 && msg.type !== 5) sameHeader(msg.peer, d.peer, `case ${i}`);
    switch (d.type) {
      case 0:
        assert.ok(d.update && !d.bgpError, `case ${i}: UPDATE did not decode`);
        break;
      case 1:
        if (msg.type !== 1) break;
        assert.deepEqual(d.counters.map((c) => [c.type, c.value, c.afi, c.safi]), msg.counters.map(expectedCounter), `case ${i}`);
        break;
      case 2:
        if (msg.type !== 2) break;
        assert.equal(d.reason, msg.reason);
        if (msg.fsmEvent !== undefined) assert.equal(d.fsmEvent, msg.fsmEvent);
        if (msg.reason === 6) assert.deepEqual(d.tlvs.map((t) => t.type), msg.tlvs.map((t) => t.type));
        break;
      case 3:
        if (msg.type !== 3) break;
        assert.deepEqual([d.localAddress, d.localPort, d.remotePort], [msg.localAddress, msg.localPort, msg.remotePort], `case ${i}`);
        assert.deepEqual(encodeOpen(d.sentOpen), msg.sentOpenPdu, `case ${i}: the BGP layer re-encodes the sent OPEN exactly`);
        break;
      case 4:
      case 5:
        if (msg.type === 5 && msg.reason !== undefined) assert.equal(d.type === 5 && d.reason, msg.reason);
        else if (msg.type === 4 || msg.type === 5) assert.deepEqual(d.tlvs.map((t) => [t.type, [...t.value]]), msg.tlvs.map((t) => [t.type, [...t.value]]));
        break;
      case 6:
        if (msg.type !== 6) break;
        assert.equal(d.messages.length, msg.tlvs.filter((t) => t.type === 0).length);
        assert.ok(d.messages.every((m) => m.ok && m.message.type === 'notification'));
        break;
    }
  }
  assert.equal(seen.size, 7);
});

void test('a stream of generated messages survives random chunking and stateful decoding', () => {
  const g = new Gen(prng(42));
  const msgs = Array.from({ length: 400 }, () => encodeBmpMessage(genMessage(g)));
  const stream = new Uint8Array(msgs.reduce((n, m) => n + m.length, 0));
  let o = 0;
  for (const m of msgs) stream.set(m, (o += m.length) - m.length);
  for (let run = 0; run < 20; run++) {
    const f = new BmpFramer();
    const st = new BmpRouterState();
    const got: Uint8Array[] = [];
    for (let p = 0; p < stream.length; ) {
      const n = 1 + g.int(run < 5 ? 3 : 700);
      f.push(stream.subarray(p, p + n));
      p += n;
      for (let r = f.next(); r; r = f.next()) {
        assert.ok(r.ok);
        if (!r.ok) return;
        got.push(r.frame);
        assert.ok(st.decode(r.frame).ok);
      }
    }
    assert.equal(got.length, msgs.length);
    got.forEach((fr, i) => assert.deepEqual(fr, msgs[i], `run ${run} message ${i}`));
  }
});

void test('mutated frames and random bytes never make the decoder or framer throw', () => {
  const g = new Gen(prng(7));
  for (let i = 0; i < 3000; i++) {
    const frame = encodeBmpMessage(genMessage(g));
    for (let k = 1 + g.int(4); k > 0; k--) frame[g.int(frame.length)] = g.int(256);
    // Keep the common header's length sound half of the time so the body parsers get exercised.
    if (g.bool()) {
      frame[0] = 3;
      new DataView(frame.buffer).setUint32(1, frame.length);
    }
    const cut = g.bool() ? frame : frame.subarray(0, g.int(frame.length + 1));
    const r = decodeBmpMessage(cut);
    assert.equal(typeof r.ok, 'boolean');
    const st = new BmpRouterState();
    st.decode(cut);
  }
  for (let i = 0; i < 200; i++) {
    const f = new BmpFramer({ maxMessageLength: 4096 });
    const junk = g.bytes(1 + g.int(600));
    if (g.bool()) junk[0] = 3;
    f.push(junk);
    let n = 0;
    for (let r = f.next(); r && r.ok; r = f.next()) n++;
    assert.ok(n <= junk.length / 6);
  }
});

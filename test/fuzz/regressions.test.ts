/**
 * Regression tests for what the fuzzers (decoder-fuzz.test.ts, long-fuzz.ts) found, each with its
 * bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpFramer, BmpRouterState, decodeOpen, decodeUpdate, encodeBmpMessage, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BgpOpen, PerPeerHeader, SessionConfig } from '@ribwatch/bmp-parser';
import { getGc } from './engine.js';
import { peerUpMessage } from './generate.js';
import { Prng, fromHex, toHex } from './prng.js';

/**
 * Found by the heap check: BmpRouterState kept the Peer Up's OPENs and per-peer header as views
 * of the frame, and BmpFramer's frames are views of the TCP chunk they arrived in, so every known
 * peer pinned a whole socket read (64 KiB during a dump): 1000 peers held 60 MiB of chunks for
 * ~200 KiB of Peer Ups. Fixed in bmp-parser/src/bmp/router-state.ts (a Peer Up frame is copied before
 * it is decoded).
 */
void test('a Peer Up does not pin the 64 KiB socket chunk it arrived in', (t) => {
  const gc = getGc();
  if (gc === undefined) {
    t.skip('no gc available to measure retained memory');
    return;
  }
  const PEERS = 300;
  const CHUNK = 65536;
  const r = new Prng(7);
  const state = new BmpRouterState();
  const framer = new BmpFramer();
  gc();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < PEERS; i++) {
    const addr = `10.${i >> 8}.${i & 255}.1`;
    const up = peerUpMessage(r, { peerType: 0, flags: 0, distinguisher: '0:0', distinguisherRaw: new Uint8Array(8), address: addr, asn: 65000 + i, bgpId: addr, timestampSec: 0, timestampUsec: 0 });
    // One socket read: the Peer Up, then an Initiation filling the rest of the 64 KiB.
    const chunk = new Uint8Array(CHUNK);
    chunk.set(up.bytes, 0);
    const at = up.bytes.length;
    const rest = CHUNK - at;
    chunk.set([3, rest >>> 24, (rest >>> 16) & 255, (rest >>> 8) & 255, rest & 255, 4], at);
    framer.push(chunk);
    for (let f = framer.next(); f !== undefined && f.ok; f = framer.next()) state.decode(f.frame);
  }
  gc();
  const retained = process.memoryUsage().arrayBuffers - before;
  assert.equal(state.peerCount, PEERS);
  // The Peer Ups themselves are ~250 bytes each; their chunks would be 300 x 64 KiB = 18.75 MiB.
  assert.ok(retained < 4 * 1024 * 1024, `${PEERS} peers retain ${(retained / 1048576).toFixed(1)} MiB of ArrayBuffers`);
});

/*
 * Found by re-encoding fuzzed UPDATEs: the decoder accepts these, and encodeUpdate cannot give
 * them back. Encoders may throw RangeError only for input that cannot be encoded, and these came
 * from the decoder.
 */
const FOUR: SessionConfig = { fourOctetAs: true, addPath: new Set(), trialParse: true };
const TWO: SessionConfig = { fourOctetAs: false, addPath: new Set(), trialParse: true };

function reencodes(hex: string, cfg: SessionConfig): void {
  const bytes = fromHex(hex);
  const d = decodeUpdate(bytes, cfg);
  assert.ok(d.ok, d.ok ? '' : d.error.message);
  assert.equal(toHex(encodeUpdate(d.value, cfg)), hex);
}

void test('an EVPN NLRI of an unknown route type with an empty value re-encodes (MP_REACH 25/70, route type 147, length 0)', () => {
  reencodes('ffffffffffffffffffffffffffffffff0025020000000e800e0b00194604c0000201009300', FOUR);
});

void test('an 8-octet AGGREGATOR on a 2-octet session re-encodes as received', () => {
  reencodes('ffffffffffffffffffffffffffffffff0026020000000f40010100c007080001000001010101', TWO);
  reencodes('ffffffffffffffffffffffffffffffff003e020000002440010100500200004003040000000080040400000000400600c007080000fde901010101100a00', TWO);
});

/*
 * Found reading the per-message fast path of 34c3244 with the state oracle in mind:
 * BmpRouterState.sessionConfigFor answers the last peer again when peer type, flags, distinguisher
 * TEXT and address match, but route distinguishers of type 0 and type 2 can format to the same
 * text ("1:2" is 0000 0001 00000002 and 0002 00000001 0002) — peerKey tells them apart by the RD
 * type, the fast path does not. Two RD peers on the same address then share one SessionConfig:
 * here peer B (no ADD-PATH) gets peer A's ADD-PATH config and its two /24s decode as one prefix
 * with a path identifier. Owner: bmp-parser/src/bmp/router-state.ts.
 */
void test('two RD peers whose distinguishers print alike (type 0 and type 2 "1:2") keep their own ADD-PATH config', () => {
  const rdType0 = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]);
  const rdType2 = new Uint8Array([0, 2, 0, 0, 0, 1, 0, 2]);
  const header = (rd: Uint8Array): PerPeerHeader => ({ peerType: 1, flags: 0, distinguisher: '1:2', distinguisherRaw: rd, address: '192.0.2.1', asn: 65001, bgpId: '192.0.2.1', timestampSec: 0, timestampUsec: 0 });
  const open = (asn: number, addPath: boolean): BgpOpen => {
    const r = decodeOpen(encodeOpen({ version: 4, holdTime: 90, bgpId: '192.0.2.9', asn, capabilities: { multiprotocol: [{ afi: 1, safi: 1 }], fourOctetAs: asn, addPath: addPath ? [{ afi: 1, safi: 1, sendReceive: 3 }] : [] } }));
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const peerUp = (p: PerPeerHeader, addPath: boolean): Uint8Array =>
    encodeBmpMessage({ type: 3, peer: p, localAddress: '192.0.2.254', localPort: 179, remotePort: 40000, sentOpen: open(65000, addPath), receivedOpen: open(65001, addPath), tlvs: [] });
  // NLRI 18 0a0000 18 0a0001 (10.0.0.0/24, 10.0.1.0/24); read with path IDs the same bytes are path 0x180a0000 + 10.0.1.0/24.
  const update = encodeUpdate(
    { withdrawn: [], nlri: [{ prefix: '10.0.0.0/24', pathId: null }, { prefix: '10.0.1.0/24', pathId: null }], attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' } },
    FOUR,
  );
  const a = header(rdType0);
  const b = header(rdType2);
  const stream = [peerUp(a, true), peerUp(b, false), encodeBmpMessage({ type: 0, peer: a, pdu: update }), encodeBmpMessage({ type: 0, peer: b, pdu: update })];
  const state = new BmpRouterState();
  const out = stream.map((m) => state.decode(m));
  const last = out[3]!;
  assert.ok(last.ok && last.value.type === 0 && last.value.update !== undefined, 'peer B route monitoring decodes');
  if (!last.ok || last.value.type !== 0) return;
  assert.deepEqual(
    last.value.update?.nlri.map((n) => `${n.prefix} ${n.pathId}`),
    ['10.0.0.0/24 null', '10.0.1.0/24 null'],
    `stream: ${stream.map((m) => toHex(m)).join(' ')}`,
  );
});

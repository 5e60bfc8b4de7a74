/**
 * The BGP speaker never crashes on what a neighbor sends: seeded sessions over real TCP whose
 * OPEN, KEEPALIVE and UPDATEs are mutated like the BMP path's fuzzing (test/fuzz/mutate.ts: bit
 * flips, boundary values, truncation, length fields, splices), with the BGP length field mostly
 * kept consistent so the mutations reach the decoders. Afterwards a clean session still works
 * and every record the speaker published is well-formed JSON with `feed: "bgp"`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { DEFAULT_SESSION, encodeBgpMessage, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import { BgpMetrics } from '../../bgp/metrics.js';
import { BgpSpeaker, speakerOptions } from '../../bgp/speaker.js';
import { loadConfig } from '../../config/load.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { MemorySink, memoryLogger, until } from '../unit/collector-helpers.js';
import { mutate } from './mutate.js';
import { Prng } from './prng.js';

const SESSIONS = Number(process.env['RIBWATCH_BGP_FUZZ_SESSIONS'] ?? 120);
const CFG = { fourOctetAs: true, addPath: new Set<number>() };
const OPEN = encodeOpen({
  version: 4,
  holdTime: 90,
  bgpId: '192.0.2.9',
  asn: 65009,
  capabilities: { multiprotocol: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], fourOctetAs: 65009, addPath: [{ afi: 1, safi: 1, sendReceive: 2 }], gracefulRestart: { flags: 0, time: 1, families: [] } },
});
const KEEPALIVE = encodeBgpMessage({ type: 'keepalive' }, DEFAULT_SESSION);
const UPDATES = [
  encodeUpdate({ withdrawn: [], nlri: [{ prefix: '10.9.0.0/24', pathId: 1 }, { prefix: '10.9.1.0/24', pathId: 2 }], attributes: { origin: 0, asPath: [{ type: 2, asns: [65009, 65010] }], nextHop: '192.0.2.9', communities: [0xfde80001], localPref: 100 } }, { fourOctetAs: true, addPath: new Set([0x0101]) }),
  encodeUpdate({ withdrawn: [], nlri: [], attributes: { origin: 2, asPath: [{ type: 2, asns: [65009] }], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::9'], nlri: [{ prefix: '2001:db8:9::/48', pathId: null }] }, largeCommunities: [[65009, 1, 2]] } }, CFG),
  encodeUpdate({ withdrawn: [{ prefix: '10.9.0.0/24', pathId: 1 }], nlri: [], attributes: {} }, { fourOctetAs: true, addPath: new Set([0x0101]) }),
  encodeUpdate({ withdrawn: [], nlri: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:9::/48', pathId: null }] } } }, CFG),
];

function fuzzed(r: Prng, msg: Uint8Array): Uint8Array {
  if (!r.chance(0.7)) return msg;
  const b = Uint8Array.from(mutate(r, msg, r.pick(UPDATES), 0).bytes);
  // Mostly keep the BGP length consistent so the bytes reach the message decoders.
  if (b.length >= 19 && b.length <= 0xffff && r.chance(0.8)) {
    b[16] = b.length >>> 8;
    b[17] = b.length & 255;
  }
  return b;
}

test(`the BGP speaker survives ${SESSIONS} mutated sessions and still serves a clean one`, { timeout: 120_000 }, async () => {
  const { config } = loadConfig({ text: 'bgp:\n  listen: 127.0.0.1:0\n  asn: 65099\n  maxStaleSeconds: 0\n  neighbors: [{address: 127.0.0.0/8, asn: any}]\n' });
  const sink = new MemorySink();
  const s = new BgpSpeaker(speakerOptions(config.bgp, { sink, log: memoryLogger().log, metrics: new BgpMetrics(createRegistry()) }));
  const port = (await s.start())!.port;
  const r = new Prng(0xb9b);
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const sock = connect({ host: '127.0.0.1', port });
      sock.on('error', () => {});
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      const msgs = [r.chance(0.3) ? fuzzed(r, OPEN) : OPEN, KEEPALIVE, ...Array.from({ length: r.range(1, 6) }, () => fuzzed(r, r.pick(UPDATES)))];
      for (const m of msgs) sock.write(m);
      await new Promise((res) => setTimeout(res, 15));
      sock.destroy();
    }
    await until(() => s.sessions.size === 0, 5000);
    for (const rec of sink.records) {
      assert.equal(rec.feed, 'bgp');
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(rec)));
    }
    // A clean session afterwards is Established and recorded.
    const before = sink.records.filter((x) => x.type === 'peer_up').length;
    const sock = connect({ host: '127.0.0.1', port });
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(OPEN);
    sock.write(KEEPALIVE);
    await until(() => sink.records.filter((x) => x.type === 'peer_up').length > before, 5000);
    sock.destroy();
  } finally {
    await s.stop();
  }
});

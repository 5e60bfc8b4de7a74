/**
 * Fuzzing the PROXY protocol header parser (collector/proxy-protocol.ts) and the collector's
 * opening reader behind it: mutated v1/v2 headers (bit flips, boundary bytes, truncations, absurd
 * length fields) and random bytes never throw, never claim more bytes than given, and agree with
 * themselves when re-parsed; over real TCP the collector closes each bad connection and still
 * serves a good one afterwards. Seeded (RIBWATCH_FUZZ_SEED), bounded in cases and time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { parseProxyHeader } from '../../collector/proxy-protocol.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { MemorySink, concat, initiation, memoryLogger, peer, peerUp, until } from '../unit/collector-helpers.js';
import { proxyV1, proxyV2 } from '../unit/proxy-helpers.js';
import { Prng } from './prng.js';

const SEED = process.env['RIBWATCH_FUZZ_SEED'] !== undefined ? Number(process.env['RIBWATCH_FUZZ_SEED']) >>> 0 : 20261207;
const CASES = 50_000;
const SECONDS = 10;

function seeds(): Buffer[] {
  return [
    proxyV1('192.0.2.7', '10.0.0.1', 40123, 11019),
    proxyV1('2001:db8::7', '2001:db8::1', 1, 11019),
    Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'),
    proxyV2('192.0.2.7', '10.0.0.1', 40123, 11019),
    proxyV2('2001:db8::7', '2001:db8::1', 1, 11019, { tlvs: Buffer.from([1, 0, 2, 0x68, 0x32]) }),
    proxyV2('127.0.0.1', '127.0.0.1', 1, 2, { local: true }),
  ];
}

function mutant(rng: Prng, base: Buffer): Buffer {
  const b = Buffer.from(base);
  switch (rng.int(6)) {
    case 0: // bit flips
      for (let i = rng.range(1, 4); i > 0; i--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    case 1: // boundary bytes
      b[rng.int(b.length)] = rng.pick([0, 1, 0x0a, 0x0d, 0x20, 0x3a, 0x7f, 0x80, 0xff]);
      return b;
    case 2: // truncation
      return b.subarray(0, rng.int(b.length + 1));
    case 3: // absurd v2 length, or a v1 line with its CRLF moved
      if (b.length > 16 && b[0] === 0x0d) b.writeUInt16BE(rng.pick([0, 1, 11, 12, 35, 36, 0xffff, rng.int(0x10000)]), 14);
      else b[rng.int(b.length)] = 0x0d;
      return b;
    case 4: // random tail
      return Buffer.concat([b, Buffer.from(Array.from({ length: rng.int(40) }, () => rng.int(256)))]);
    default: // random bytes, sometimes with a signature in front
      return Buffer.concat([rng.chance(0.5) ? b.subarray(0, rng.int(14)) : Buffer.alloc(0), Buffer.from(Array.from({ length: rng.int(120) }, () => rng.int(256)))]);
  }
}

void test('the PROXY header parser never throws, never claims bytes it was not given, and re-parses its own header alike', () => {
  const rng = new Prng(SEED);
  const base = seeds();
  const deadline = Date.now() + SECONDS * 1000;
  const kinds = new Map<string, number>();
  let n = 0;
  for (; n < CASES && Date.now() < deadline; n++) {
    const input = mutant(rng, rng.pick(base));
    let r: ReturnType<typeof parseProxyHeader>;
    try {
      r = parseProxyHeader(input);
    } catch (err) {
      assert.fail(`seed ${SEED} case ${n}: threw ${String(err)} on ${input.toString('hex')}`);
    }
    kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    if (r.kind === 'header') {
      assert.ok(r.length > 0 && r.length <= input.length, `seed ${SEED} case ${n}: length ${r.length} of ${input.length}`);
      assert.deepEqual(parseProxyHeader(input.subarray(0, r.length)), r, `seed ${SEED} case ${n}: ${input.toString('hex')}`);
      if (r.source !== undefined) assert.ok(r.source.port >= 0 && r.source.port <= 65535);
    }
    if (r.kind === 'malformed') assert.ok(r.reason.length > 0);
  }
  // The mutations reach every outcome, so the assertions above were exercised on each.
  for (const k of ['header', 'incomplete', 'malformed', 'absent']) assert.ok((kinds.get(k) ?? 0) > 0, `no ${k} in ${n} cases: ${JSON.stringify([...kinds])}`);
});

void test('the collector closes each fuzzed opening from its proxy and still keys a good router afterwards', async () => {
  const cidr = (x: string): Cidr => parseCidr(x) as Cidr;
  const registry = createRegistry({ processMetrics: false });
  const sink = new MemorySink();
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 64,
    maxMessageBytes: 1024 * 1024,
    tcpKeepaliveSeconds: 0,
    allow: [cidr('192.0.2.0/24')],
    proxyProtocol: 'required',
    proxyFrom: [cidr('127.0.0.2/32')],
    openingTimeoutMs: 500,
    dumpQuietSeconds: 10,
    sink,
    log: memoryLogger().log,
    metrics: new CollectorMetrics(registry),
  });
  const { port } = await collector.start();
  const send = (bytes: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => {
        s.end(bytes);
      });
      s.on('error', () => {});
      s.on('close', () => resolve());
      // Whatever the collector decides, the connection ends within the opening timeout.
      s.setTimeout(5000, () => s.destroy());
    });
  const rng = new Prng(SEED ^ 0x5a5a);
  const base = seeds();
  for (let i = 0; i < 60; i++) await send(mutant(rng, rng.pick(base)));
  const p = peer('10.1.0.1', 64512);
  await send(concat([proxyV2('192.0.2.44', '10.0.0.1', 40044, 11019), initiation('leaf44'), peerUp(p)]));
  await until(() => sink.ofType('router_down').some((r) => r.router === '192.0.2.44'), 5000);
  await collector.stop();
  assert.equal(sink.ofType('peer_up').filter((r) => r.router === '192.0.2.44').length, 1);
  assert.equal(collector.sessions.size, 0);
});

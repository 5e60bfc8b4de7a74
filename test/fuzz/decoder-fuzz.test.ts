/**
 * Bounded fuzzing in the suite (issue 2, "How it must be proven"): the decoder fuzzer of
 * engine.ts over real captures (../shared/testdata/real, via bin/capture) and generated
 * messages — bit flips, boundary bytes, truncations at every offset, absurd values in every
 * length field, random bytes, random chunking through BmpFramer into BmpRouterState — and the
 * collector once over a real TCP socket with mutated and random streams.
 *
 * The decoder fuzz runs in a worker thread watched for hangs (fuzz-worker.ts), with RD peer pairs
 * whose distinguishers print alike (CorpusOptions.twinPeers; the bug they found is pinned in
 * regressions.test.ts).
 *
 * Seeded: RIBWATCH_FUZZ_SEED overrides the fixed default; a failure prints the seed, the case
 * to replay (`node dist/test/fuzz/long-fuzz.js --seed S --case I`) and the input bytes as hex.
 * The longer run is `npm run fuzz`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { NdjsonSink } from '../../records/sink.js';
import { buildCorpus } from './corpus.js';
import type { Corpus } from './corpus.js';
import { describeFailure, summary } from './engine.js';
import { runFuzzInWorker } from './fuzz-worker.js';
import { mutate } from './mutate.js';
import { Prng, caseSeed } from './prng.js';

const SEED = process.env['RIBWATCH_FUZZ_SEED'] !== undefined ? Number(process.env['RIBWATCH_FUZZ_SEED']) >>> 0 : 20261121;
/** Cases in the suite run, and a time cap so a slow machine still finishes well inside a minute. */
const CASES = 6000;
const SECONDS = 22;
const DECODE_LIMIT_MS = 250;
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;
/** A case that runs this long is a hang (cases take milliseconds; the box may be loaded). */
const HANG_SECONDS = 15;

let corpus: Corpus | undefined;
function getCorpus(): Corpus {
  corpus ??= buildCorpus({ seed: SEED, realPerStream: 3000, twinPeers: true });
  return corpus;
}

void test(`decoder fuzz: mutated real and generated BMP, ${CASES} cases or ${SECONDS} s (seed ${SEED})`, async (t) => {
  // In a worker thread with a watchdog: a decode stuck in a loop is stopped and named by its case.
  const o = await runFuzzInWorker({ seed: SEED, cases: CASES, seconds: SECONDS, decodeLimitMs: DECODE_LIMIT_MS, realPerStream: 3000, twinPeers: true }, { hangSeconds: HANG_SECONDS });
  if (o.corpus?.realSkipped !== undefined) t.diagnostic(`SKIPPED the real-capture part: ${o.corpus.realSkipped}`);
  if (o.corpus) t.diagnostic(`corpus: ${o.corpus.streams} streams (${o.corpus.realStreams} real, ${o.corpus.realMessages} real messages), ${o.corpus.messages} messages, built in ${o.corpus.buildSeconds.toFixed(1)} s`);
  if (o.hang) assert.fail(`seed ${SEED}: case ${o.hang.caseIndex} (case seed ${o.hang.caseSeed}) did not finish in ${o.hang.seconds.toFixed(0)} s — a decoder hang; replay: node dist/test/fuzz/long-fuzz.js --seed ${SEED} --case ${o.hang.caseIndex}`);
  if (o.stats === undefined) assert.fail(`seed ${SEED}: the fuzz worker failed: ${o.error ?? 'no result'}`);
  const s = o.stats;
  for (const line of summary(s).split('\n')) t.diagnostic(line);
  const failures = [...s.failures.values()];
  assert.equal(failures.length, 0, `seed ${SEED}: ${failures.length} distinct failures\n\n${failures.map((f) => describeFailure(f)).join('\n\n')}`);
  assert.ok(s.bmpDecodes > 10_000, `only ${s.bmpDecodes} BMP decodes ran (seed ${SEED})`);
  assert.ok(s.slowest === undefined || s.slowest.ms < DECODE_LIMIT_MS, `slowest decode ${s.slowest?.ms} ms`);
  assert.ok(s.maxBufferedExcess <= 0, `framer held ${s.maxBufferedExcess} bytes above maxMessageLength + chunk (seed ${SEED})`);
  if (s.heapBeforeBytes !== undefined && s.heapAfterBytes !== undefined) {
    const growth = s.heapAfterBytes - s.heapBeforeBytes;
    assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew ${(growth / 1048576).toFixed(1)} MiB across the run (seed ${SEED})`);
  }
});

// ---- the collector over TCP --------------------------------------------------------------

function cidrs(...xs: string[]): Cidr[] {
  return xs.map((x) => {
    const c = parseCidr(x);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

/** Counts NDJSON lines by record type; every write completes on a later turn so backpressure happens. */
class CountingDestination extends Writable {
  readonly types = new Map<string, number>();
  lines = 0;
  private partial = '';

  constructor() {
    super({ highWaterMark: 64 * 1024, decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line === '') continue;
      this.lines++;
      const m = /"type":"([a-z_]+)"/.exec(line);
      const type = m?.[1] ?? '?';
      this.types.set(type, (this.types.get(type) ?? 0) + 1);
    }
    setImmediate(cb);
  }
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.on('error', reject);
  });
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** One connection's bytes: a corpus stream (windowed), some messages mutated, maybe junk, maybe cut. */
function connectionBytes(r: Prng, c: Corpus): Buffer {
  const kind = r.int(10);
  if (kind === 0) return Buffer.from(r.bytes(r.range(1, 20_000)));
  const s = r.pick(c.streams);
  const start = s.messages.length > 200 ? r.int(s.messages.length - 100) : 0;
  const msgs = s.messages.slice(start, start + r.range(20, 200));
  const rate = kind < 4 ? 0 : r.pick([0.02, 0.1, 0.4]);
  const parts: Buffer[] = [];
  for (const m of msgs) {
    const b = r.chance(rate) ? mutate(r, m, r.pick(c.messages), 0.95).bytes : m;
    parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    if (r.chance(0.01)) parts.push(Buffer.from(r.bytes(r.range(1, 40))));
  }
  const all = Buffer.concat(parts);
  return r.chance(0.15) ? all.subarray(0, r.int(all.length + 1)) : all;
}

/** Sends in random chunk sizes, then ends, or resets the connection part way. */
async function send(r: Prng, s: Socket, bytes: Buffer): Promise<void> {
  const abort = r.chance(0.15) ? r.int(bytes.length + 1) : -1;
  let at = 0;
  while (at < bytes.length && !s.destroyed) {
    const n = r.chance(0.3) ? r.range(1, 16) : r.range(1, 20_000);
    const end = abort >= 0 && at < abort && at + n >= abort ? abort : at + n;
    const ok = s.write(bytes.subarray(at, end));
    at = end;
    if (at === abort) {
      s.resetAndDestroy();
      return;
    }
    if (!ok) await Promise.race([new Promise((resolve) => s.once('drain', resolve)), sleep(2000)]);
    if (r.chance(0.05)) await sleep(1);
  }
  if (!s.destroyed) {
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 5000).unref();
    });
  }
}

void test(`collector fuzz over TCP: mutated and random streams on 127.0.0.1 never crash it; each session ends with router_down (seed ${SEED})`, async (t) => {
  const c = getCorpus();
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => {
    crashes.push(err);
  };
  process.on('uncaughtException', onCrash);
  const registry = createRegistry({ processMetrics: false });
  const dest = new CountingDestination();
  const sink = new NdjsonSink(dest);
  const devNull = new Writable({ write: (_c, _e, cb) => cb() });
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 16,
    maxMessageBytes: 1024 * 1024,
    tcpKeepaliveSeconds: 0,
    allow: cidrs('127.0.0.0/8'),
    dumpQuietSeconds: 10,
    sink,
    log: createLogger({ level: 'warn', destination: devNull }),
    metrics: new CollectorMetrics(registry),
  });
  const bound = await collector.start();
  const CONNECTIONS = 48;
  const PARALLEL = 4;
  let accepted = 0;
  try {
    const r = new Prng(caseSeed(SEED, 0xc011));
    const plans = Array.from({ length: CONNECTIONS }, (_, i) => ({ i, seed: r.fork() }));
    const worker = async (): Promise<void> => {
      for (let p = plans.shift(); p !== undefined; p = plans.shift()) {
        const pr = new Prng(p.seed);
        const bytes = connectionBytes(pr, c);
        const s = await dial(bound.port);
        accepted++;
        s.on('error', () => {});
        await send(pr, s, bytes);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, () => worker()));
    await until(() => collector.sessions.size === 0, 15_000, 'every session to close');
    // Still alive and decoding: a clean stream after all that comes out whole.
    const clean = c.streams.find((s) => s.name.startsWith('generated'))!;
    const before = dest.types.get('router_down') ?? 0;
    const s = await dial(bound.port);
    accepted++;
    await send(new Prng(1), s, Buffer.concat(clean.messages.map((m) => Buffer.from(m))));
    await until(() => collector.sessions.size === 0, 10_000, 'the clean session to close');
    await sink.flush();
    await until(() => (dest.types.get('router_down') ?? 0) > before, 5_000, 'the clean session router_down');
  } finally {
    await collector.stop();
    await sink.close();
    process.off('uncaughtException', onCrash);
  }
  const errors = (await registry.getSingleMetric('ribwatch_bmp_errors_total')?.get())?.values ?? [];
  const errorText = errors.filter((v) => v.value > 0).map((v) => `${String(v.labels['kind'])}=${v.value}`).join(' ');
  t.diagnostic(`${accepted} connections; records ${dest.lines} (${[...dest.types].map(([k, v]) => `${k}=${v}`).join(' ')}); errors counted: ${errorText}`);
  const sessions = (await registry.getSingleMetric('ribwatch_bmp_sessions_total')?.get())?.values ?? [];
  const took = sessions.find((v) => v.labels['result'] === 'accepted')?.value ?? 0;
  const refused = sessions.find((v) => v.labels['result'] === 'refused')?.value ?? 0;
  t.diagnostic(`collector: ${took} sessions accepted, ${refused} refused (a connection reset before accept has no address and is refused)`);
  assert.deepEqual(crashes, [], `uncaught exceptions in the collector (seed ${SEED})`);
  assert.equal(took + refused, accepted, 'every connection accepted or refused');
  assert.ok(took >= accepted - 10, `only ${took} of ${accepted} connections became sessions`);
  assert.equal(dest.types.get('router_up'), took, 'one router_up per session');
  assert.equal(dest.types.get('router_down'), took, 'one router_down per session');
  assert.ok(errors.some((v) => v.value > 0), 'the mutated streams were counted as errors');
});

/**
 * The decoder fuzzer in a worker thread, watched from the main thread: decoders are synchronous,
 * so a decode that never returns (an infinite loop) can only be seen and stopped from outside.
 * The worker stores the index of the case it is running in shared memory before each case; when
 * the index has not moved for `hangSeconds`, the watcher terminates the worker and reports the
 * case (run seed + case index replay it: `node dist/test/fuzz/long-fuzz.js --seed S --case I`).
 *
 * This file is both the worker (when loaded as one) and the watcher's API (runFuzzInWorker).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { buildCorpus } from './corpus.js';
import { Fuzzer } from './engine.js';
import type { FuzzStats } from './engine.js';
import { caseSeed } from './prng.js';

export interface WorkerOptions {
  readonly seed: number;
  readonly cases?: number;
  readonly seconds?: number;
  /** Run only this case (replay). */
  readonly only?: number;
  readonly noReal?: boolean;
  readonly twinPeers?: boolean;
  readonly realPerStream?: number;
  readonly decodeLimitMs?: number;
  readonly maxFailures?: number;
  readonly progressEverySeconds?: number;
}

export interface CorpusInfo {
  readonly streams: number;
  readonly realStreams: number;
  readonly realMessages: number;
  readonly messages: number;
  readonly realSkipped?: string;
  readonly buildSeconds: number;
}

type ToMain = { type: 'corpus'; info: CorpusInfo } | { type: 'progress'; stats: FuzzStats } | { type: 'done'; stats: FuzzStats };

export interface FuzzOutcome {
  readonly corpus?: CorpusInfo;
  readonly stats?: FuzzStats;
  /** Set when a case ran longer than hangSeconds and the worker was stopped. */
  readonly hang?: { readonly caseIndex: number; readonly caseSeed: number; readonly seconds: number };
  readonly error?: string;
}

/** Runs the fuzzer in a worker with a hang watchdog. */
export function runFuzzInWorker(opts: WorkerOptions, hooks: { hangSeconds?: number; onCorpus?: (c: CorpusInfo) => void; onProgress?: (s: FuzzStats) => void } = {}): Promise<FuzzOutcome> {
  const heartbeat = new SharedArrayBuffer(8);
  const hb = new Int32Array(heartbeat);
  const hangMs = (hooks.hangSeconds ?? 15) * 1000;
  const worker = new Worker(new URL(import.meta.url), { workerData: { opts, heartbeat } });
  return new Promise<FuzzOutcome>((resolve) => {
    let corpus: CorpusInfo | undefined;
    let lastCount = -1;
    let lastChange = Date.now();
    let settled = false;
    const finish = (o: FuzzOutcome): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      resolve(o);
    };
    const watch = setInterval(() => {
      if (corpus === undefined) return;
      const count = Atomics.load(hb, 1);
      const now = Date.now();
      if (count !== lastCount) {
        lastCount = count;
        lastChange = now;
        return;
      }
      if (now - lastChange > hangMs) {
        const caseIndex = Atomics.load(hb, 0);
        void worker.terminate();
        finish({ corpus, hang: { caseIndex, caseSeed: caseSeed(opts.seed >>> 0, caseIndex), seconds: (now - lastChange) / 1000 } });
      }
    }, 250);
    worker.on('message', (m: ToMain) => {
      if (m.type === 'corpus') {
        corpus = m.info;
        lastChange = Date.now();
        hooks.onCorpus?.(m.info);
      } else if (m.type === 'progress') hooks.onProgress?.(m.stats);
      else {
        finish({ corpus: corpus!, stats: m.stats });
        void worker.terminate();
      }
    });
    worker.on('error', (e) => finish({ ...(corpus ? { corpus } : {}), error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
    worker.on('exit', (code) => finish({ ...(corpus ? { corpus } : {}), error: `fuzz worker exited with code ${code} before finishing` }));
  });
}

function workerMain(): void {
  const { opts, heartbeat } = workerData as { opts: WorkerOptions; heartbeat: SharedArrayBuffer };
  const hb = new Int32Array(heartbeat);
  const post = (m: ToMain): void => parentPort!.postMessage(m);
  const t0 = Date.now();
  const corpus = buildCorpus({ seed: opts.seed, ...(opts.noReal ? { noReal: true } : {}), ...(opts.twinPeers ? { twinPeers: true } : {}), ...(opts.realPerStream !== undefined ? { realPerStream: opts.realPerStream } : {}) });
  post({
    type: 'corpus',
    info: {
      streams: corpus.streams.length,
      realStreams: corpus.realStreams,
      realMessages: corpus.realMessages,
      messages: corpus.messages.length,
      ...(corpus.realSkipped !== undefined ? { realSkipped: corpus.realSkipped } : {}),
      buildSeconds: (Date.now() - t0) / 1000,
    },
  });
  const fuzzer = new Fuzzer(corpus, { seed: opts.seed, ...(opts.decodeLimitMs !== undefined ? { decodeLimitMs: opts.decodeLimitMs } : {}), ...(opts.maxFailures !== undefined ? { maxFailures: opts.maxFailures } : {}) });
  const onCase = (i: number): void => {
    Atomics.store(hb, 0, i);
    Atomics.add(hb, 1, 1);
  };
  if (opts.only !== undefined) {
    onCase(opts.only);
    fuzzer.runCase(opts.only);
    post({ type: 'done', stats: fuzzer.stats });
    return;
  }
  const stats = fuzzer.run({
    ...(opts.cases !== undefined ? { cases: opts.cases } : {}),
    ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
    onCase,
    progressEverySeconds: opts.progressEverySeconds ?? 30,
    onProgress: (s) => post({ type: 'progress', stats: s }),
  });
  post({ type: 'done', stats });
}

if (!isMainThread && parentPort !== null && (workerData as { heartbeat?: unknown } | null)?.heartbeat instanceof SharedArrayBuffer) workerMain();

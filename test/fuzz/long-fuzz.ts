/**
 * The long fuzz run (`npm run fuzz -- --seconds N --seed S`): the decoder fuzzer of engine.ts
 * for N seconds (default 300) from seed S (default: random, printed), then the figure — cases,
 * messages tried, messages/s, failures, the slowest single decode — and every distinct failure
 * with its replay command and input bytes as hex. Exit status 1 when anything failed. The fuzzer
 * runs in a worker thread; a case that does not finish within 30 s (RIBWATCH_FUZZ_HANG_SECONDS)
 * is reported as a hang.
 *
 *   --case I      replay only case I of the run seed (what a failure report names)
 *   --no-real     leave the real captures out of the corpus
 *   --no-twins    no RD peer pairs whose distinguishers print alike (the suite leaves them out
 *                 while the bug they find is open; see regressions.test.ts)
 */
import { parseArgs } from 'node:util';
import { describeFailure, summary } from './engine.js';
import { runFuzzInWorker } from './fuzz-worker.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '300' },
      seed: { type: 'string' },
      case: { type: 'string' },
      'no-real': { type: 'boolean', default: false },
      'no-twins': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write('usage: node dist/test/fuzz/long-fuzz.js [--seconds N] [--seed S] [--case I] [--no-real] [--no-twins]\n');
    return 0;
  }
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    process.stderr.write(`long-fuzz: --seconds must be a positive number, got ${values.seconds}\n`);
    return 2;
  }
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  if (values.seed !== undefined && !/^\d+$/.test(values.seed)) {
    process.stderr.write(`long-fuzz: --seed must be a non-negative integer, got ${values.seed}\n`);
    return 2;
  }
  const out = await runFuzzInWorker(
    { seed, seconds, maxFailures: 200, twinPeers: !values['no-twins'], ...(values['no-real'] ? { noReal: true } : {}), ...(values.case !== undefined ? { only: Number(values.case) } : {}) },
    {
      hangSeconds: Number(process.env['RIBWATCH_FUZZ_HANG_SECONDS'] ?? 30),
      onCorpus: (c) => {
        process.stdout.write(`long-fuzz: seed ${seed}; corpus ${c.streams} streams (${c.realStreams} real, ${c.realMessages} real messages), ${c.messages} messages; built in ${c.buildSeconds.toFixed(1)} s\n`);
        if (c.realSkipped !== undefined) process.stdout.write(`long-fuzz: ${c.realSkipped}\n`);
        if (values.case === undefined) process.stdout.write(`long-fuzz: running for ${seconds} s\n`);
      },
      onProgress: (s) => {
        const n = s.bmpDecodes + s.bgpDecodes;
        process.stdout.write(`  ${(s.elapsedMs / 1000).toFixed(0)} s: ${s.cases} cases, ${n} messages, ${Math.round(n / (s.elapsedMs / 1000))}/s, ${s.failures.size} failures\n`);
      },
    },
  );
  if (out.hang) {
    process.stdout.write(`HANG: case ${out.hang.caseIndex} (case seed ${out.hang.caseSeed}) ran ${out.hang.seconds.toFixed(0)} s without finishing; replay: node dist/test/fuzz/long-fuzz.js --seed ${seed} --case ${out.hang.caseIndex}\n`);
    return 1;
  }
  if (out.stats === undefined) {
    process.stderr.write(`long-fuzz: the fuzz worker failed: ${out.error ?? 'no result'}\n`);
    return 1;
  }
  const stats = out.stats;
  process.stdout.write(`${summary(stats)}\n`);
  for (const f of stats.failures.values()) process.stdout.write(`\nFAILURE ${describeFailure(f)}\n`);
  if (stats.failures.size > 0) process.stdout.write(`\n${stats.failures.size} distinct failures (seed ${seed})\n`);
  return stats.failures.size > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`long-fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

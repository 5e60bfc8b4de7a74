/**
 * The long fuzz run (`npm run fuzz -- --seconds N --seed S`): the decoder fuzzer of engine.ts
 * for N seconds (default 300) from seed S (default: random, printed), then the figure — cases,
 * messages tried, messages/s, failures, the slowest single decode — and every distinct failure
 * with its replay command and input bytes as hex. Exit status 1 when anything failed.
 *
 *   --case I      replay only case I of the run seed (what a failure report names)
 *   --no-real     leave the real captures out of the corpus
 */
import { parseArgs } from 'node:util';
import { buildCorpus } from './corpus.js';
import { Fuzzer, describeFailure, summary } from './engine.js';

function main(): number {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '300' },
      seed: { type: 'string' },
      case: { type: 'string' },
      'no-real': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write('usage: node dist/test/fuzz/long-fuzz.js [--seconds N] [--seed S] [--case I] [--no-real]\n');
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
  const t0 = Date.now();
  const corpus = buildCorpus({ seed, noReal: values['no-real'] });
  process.stdout.write(
    `long-fuzz: seed ${seed}; corpus ${corpus.streams.length} streams (${corpus.realStreams} real, ${corpus.realMessages} real messages), ${corpus.messages.length} messages; built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  if (corpus.realSkipped !== undefined) process.stdout.write(`long-fuzz: ${corpus.realSkipped}\n`);
  const fuzzer = new Fuzzer(corpus, { seed, maxFailures: 200 });
  let stats;
  if (values.case !== undefined) {
    const i = Number(values.case);
    fuzzer.runCase(i);
    stats = fuzzer.stats;
  } else {
    process.stdout.write(`long-fuzz: running for ${seconds} s\n`);
    stats = fuzzer.run({
      seconds,
      progressEverySeconds: 30,
      onProgress: (s) => {
        const n = s.bmpDecodes + s.bgpDecodes;
        process.stdout.write(`  ${(s.elapsedMs / 1000).toFixed(0)} s: ${s.cases} cases, ${n} messages, ${Math.round(n / (s.elapsedMs / 1000))}/s, ${s.failures.size} failures\n`);
      },
    });
  }
  process.stdout.write(`${summary(stats)}\n`);
  for (const f of stats.failures.values()) process.stdout.write(`\nFAILURE ${describeFailure(f)}\n`);
  if (stats.failures.size > 0) process.stdout.write(`\n${stats.failures.size} distinct failures (seed ${seed})\n`);
  return stats.failures.size > 0 ? 1 : 0;
}

process.exitCode = main();

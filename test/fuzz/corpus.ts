/**
 * The fuzz corpus: BMP streams from the real captures in ../shared/testdata/real and real2 (read with the
 * project's capture reader, bin/capture), split into messages with BmpFramer, plus streams and
 * messages generated with bmp-parser's encoders (generate.ts).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BmpFramer } from '@ribwatch/bmp-parser';
import { readBmpInput } from '../../bin/capture/index.js';
import { generateMessage, generateStream } from './generate.js';
import { Prng } from './prng.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled to dist/test/fuzz: the repo root is three levels up, the shared folder beside it. */
export const REAL_DIR = resolve(here, '../../..', '..', 'shared', 'testdata', 'real');
/** The second set (Juniper vMX and IOS XR slices, VPLS); used when present. */
export const REAL2_DIR = resolve(here, '../../..', '..', 'shared', 'testdata', 'real2');

export interface CorpusStream {
  readonly name: string;
  /** The stream's messages, in order (frames as BmpFramer returned them). */
  readonly messages: readonly Uint8Array[];
}

export interface Corpus {
  readonly streams: readonly CorpusStream[];
  /** Every message of every stream, for single-message cases. */
  readonly messages: readonly Uint8Array[];
  readonly realStreams: number;
  readonly realMessages: number;
  /** Why the real captures are not in the corpus, when they are not. */
  readonly realSkipped?: string;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      // MRT files are not BMP.
      if (name !== 'mrt') walk(p, out);
    } else if (/\.(pcap|pcapng|bmp|bin)(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}

function frames(data: Uint8Array, limit: number): Uint8Array[] {
  const f = new BmpFramer();
  f.push(data);
  const out: Uint8Array[] = [];
  for (let i = 0; i < limit; i++) {
    const r = f.next();
    if (r === undefined || !r.ok) break;
    // Copy: the corpus must not alias the capture buffer the mutators never touch anyway, but a copy keeps frames independent.
    out.push(r.frame.slice());
  }
  return out;
}

/** Real BMP streams, each capped at `perStream` messages (the big 208/JUMBO captures hold tens of thousands). */
export function loadRealStreams(perStream = 4000): { streams: CorpusStream[]; skipped?: string } {
  if (!existsSync(REAL_DIR)) return { streams: [], skipped: `real captures not found at ${REAL_DIR} (expected <repo>/../shared/testdata/real): fuzzing generated messages only` };
  const streams: CorpusStream[] = [];
  const files = [...walk(REAL_DIR, []).sort(), ...(existsSync(REAL2_DIR) ? walk(REAL2_DIR, []).sort() : [])];
  for (const file of files) {
    const r = readBmpInput(new Uint8Array(readFileSync(file)), { name: file });
    if (!r.ok) continue;
    for (const s of r.value.streams) {
      const messages = frames(s.data, perStream);
      if (messages.length > 0) streams.push({ name: `${relative(dirname(REAL_DIR), file)}#${s.index}`, messages });
    }
  }
  return { streams };
}

export interface CorpusOptions {
  readonly seed: number;
  /** Generated streams (each ~40 messages). */
  readonly generatedStreams?: number;
  /** Extra single generated messages. */
  readonly generatedMessages?: number;
  readonly realPerStream?: number;
  /** Leave the real captures out (tests of the fuzzer itself). */
  readonly noReal?: boolean;
  /**
   * Add, in half the generated streams, two RD peers on one address whose distinguishers print
   * alike (types 0 and 2). Off in the suite while the bug it finds is open (regressions.test.ts).
   */
  readonly twinPeers?: boolean;
}

export function buildCorpus(opts: CorpusOptions): Corpus {
  const real = opts.noReal ? { streams: [] as CorpusStream[], skipped: 'real captures not requested' } : loadRealStreams(opts.realPerStream);
  const streams: CorpusStream[] = [...real.streams];
  const r = new Prng(opts.seed);
  const ng = opts.generatedStreams ?? 60;
  for (let i = 0; i < ng; i++) streams.push({ name: `generated-stream-${i}`, messages: generateStream(r.fork(), r.range(10, 60), { twinPeers: opts.twinPeers === true }) });
  const messages: Uint8Array[] = [];
  for (const s of streams) messages.push(...s.messages);
  const nm = opts.generatedMessages ?? 400;
  for (let i = 0; i < nm; i++) messages.push(generateMessage(r));
  const realMessages = real.streams.reduce((n, s) => n + s.messages.length, 0);
  return { streams, messages, realStreams: real.streams.length, realMessages, ...(real.skipped !== undefined ? { realSkipped: real.skipped } : {}) };
}

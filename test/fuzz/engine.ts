/**
 * The decoder fuzzer shared by the bounded suite test (decoder-fuzz.test.ts) and the long run
 * (long-fuzz.ts). Each case is drawn from its own seed (caseSeed(runSeed, i)) so one case replays
 * alone. Case kinds:
 *
 *   single     one mutated message: decodeBmpMessage stateless and through a BmpRouterState, and
 *              the BGP PDU inside decoded directly (decodeBgpMessage / decodeOpen have no safety net)
 *   truncate   one message cut at every offset (a sample of offsets for long messages), with and
 *              without the common header's length fixed up, and the cut stream through the framer
 *   lengths    one message with absurd values in each of its length fields in turn
 *   stream     a real or generated router stream, some messages mutated, garbage between some,
 *              maybe cut short, fed through BmpFramer in random chunks into BmpRouterState.decode
 *              (stateful: mutated Peer Ups change the capabilities later UPDATEs are decoded with)
 *   random     random bytes (sometimes after a valid message) through the framer
 *
 * Every decoded message is re-encoded (encodeBmpMessage must give the frame back byte for byte:
 * the decoder keeps raw PDUs and TLVs for that) and consumed as the collector does (collector/records-from-bmp.ts to
 * JSON text, as records/sink.ts writes it) and as `ribwatch decode` does (bmpMessageToJson).
 *
 * Checked: no exception escapes any call (and decodeBmpMessage's safety net never fires: its
 * "decoder bug" result means an exception was thrown inside); each decode finishes within
 * decodeLimitMs (one over 0.5 ms is re-timed, best of four, so a GC pause is not a hang); the
 * framer's buffered bytes never exceed maxMessageLength + the chunk just pushed; the router
 * state keeps no more peers than Peer Ups it decoded; in streams, every Route Monitoring and
 * Route Mirroring decodes through BmpRouterState as through a cache-free reference model of the
 * documented state (ReferenceState).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  BmpFramer,
  BmpRouterState,
  MAX_OPENS_PER_PEER,
  bmpMessageToJson,
  configFromOpens,
  decodeBgpMessage,
  decodeBmpMessage,
  decodeOpen,
  directionOf,
  encodeBmpMessage,
  peerKey,
  statelessConfigFor,
} from '@ribwatch/bmp-parser';
import type { BgpOpen, BgpUpdate, BmpMessage, OpenSummary, PerPeerHeader, Result, SessionConfig, SessionConfigSource } from '@ribwatch/bmp-parser';
import { RecordContext, appendRecordsFromBmp } from '../../collector/records-from-bmp.js';
import type { BusRecord } from '../../records/types.js';
import type { Corpus, CorpusStream } from './corpus.js';
import { absurdValue, fixBmpLength, lengthFields, mutate } from './mutate.js';
import { Prng, caseSeed, toHex } from './prng.js';

export type FailureKind = 'exception' | 'caught-exception' | 'slow' | 'buffered' | 'state' | 'roundtrip';

export interface Failure {
  readonly kind: FailureKind;
  /** The call that failed: "decodeBmpMessage", "framer.next", "records", ... */
  readonly where: string;
  readonly message: string;
  /** Case-specific detail (not part of the signature that groups failures). */
  readonly detail?: string;
  readonly stack?: string;
  /** The input of that call (a frame, a PDU, or a chunk sequence's bytes). */
  readonly bytes: Uint8Array;
  readonly runSeed: number;
  readonly caseIndex: number;
  readonly caseSeed: number;
  readonly caseKind: string;
  /** Failures with the same signature seen in the run (the smallest input is kept). */
  count: number;
}

export interface SlowestDecode {
  readonly ms: number;
  readonly where: string;
  readonly bytes: Uint8Array;
  readonly caseIndex: number;
}

export interface FuzzStats {
  readonly seed: number;
  cases: number;
  /** BMP frames decoded (decodeBmpMessage or BmpRouterState.decode calls). */
  bmpDecodes: number;
  /** BGP PDUs decoded directly (decodeBgpMessage, decodeOpen). */
  bgpDecodes: number;
  okDecodes: number;
  bytes: number;
  framerErrors: number;
  errorCodes: Record<string, number>;
  caseKinds: Record<string, number>;
  readonly failures: Map<string, Failure>;
  slowest: SlowestDecode | undefined;
  /** Largest framer.buffered - maxMessageLength - chunk seen (must stay <= 0). */
  maxBufferedExcess: number;
  elapsedMs: number;
  heapBeforeBytes?: number;
  heapAfterBytes?: number;
}

export interface FuzzOptions {
  readonly seed: number;
  /** A decode slower than this (after three re-timings) is a failure. */
  readonly decodeLimitMs?: number;
  /** Stop collecting after this many distinct failures. */
  readonly maxFailures?: number;
}

type Gc = () => void;

/** global.gc when node runs with --expose-gc, else one obtained at run time (V8 flag + a fresh context). */
export function getGc(): Gc | undefined {
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return g as Gc;
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as Gc) : undefined;
  } catch {
    return undefined;
  }
}

function signature(where: string, message: string): string {
  return `${where}: ${message.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 160)}`;
}

const STATELESS_CONFIGS: readonly SessionConfig[] = [
  { fourOctetAs: true, addPath: new Set(), trialParse: true },
  { fourOctetAs: false, addPath: new Set(), trialParse: true },
  { fourOctetAs: true, addPath: new Set([0x0101, 0x0201, 0x0104, 0x0204, 0x0180, 0x0280, (25 << 8) | 70]), trialParse: false },
  { fourOctetAs: false, addPath: new Set([0x0101, 0x0180]), trialParse: true },
];

/** Decodes slower than this are re-timed before they count. */
const RETIME_MS = 0.5;

const MAX_LENGTHS = [70_000, 1 << 20, 16 * 1024 * 1024];

/**
 * The router state as documented, without any cache: peers by peerKey, capabilities merged over
 * every Peer Up (OR), forgotten at Peer Down, the config computed afresh each time. Route
 * Monitoring decoded through BmpRouterState must read the same as through this model — the
 * oracle for BmpRouterState's caches (a stale or mis-keyed config decodes path IDs or AS sizes
 * wrongly without any error).
 */
class ReferenceState implements SessionConfigSource {
  private readonly peers = new Map<string, { sent: OpenSummary; received: OpenSummary }>();

  sessionConfigFor(peer: PerPeerHeader): SessionConfig {
    const st = this.peers.size === 0 ? undefined : this.peers.get(peerKey(peer));
    return st === undefined ? statelessConfigFor(peer) : configFromOpens(st.sent, st.received, directionOf(peer));
  }

  note(m: BmpMessage): void {
    if (m.type === 2) this.peers.delete(peerKey(m.peer));
    if (m.type !== 3) return;
    const key = peerKey(m.peer);
    let st = this.peers.get(key);
    if (st === undefined) this.peers.set(key, (st = { sent: { fourOctetAs: false, addPath: new Map() }, received: { fourOctetAs: false, addPath: new Map() } }));
    merge(st.sent, m.sentOpen);
    merge(st.received, m.receivedOpen);
  }
}

function merge(s: OpenSummary, open: BgpOpen): void {
  if (open.capabilities.fourOctetAs !== undefined) s.fourOctetAs = true;
  for (const ap of open.capabilities.addPath) {
    const k = (ap.afi << 8) | ap.safi;
    s.addPath.set(k, (s.addPath.get(k) ?? 0) | (ap.sendReceive & 3));
  }
}

/** What the session config decides in a decoded UPDATE: NLRI with path IDs, AS paths and their size. */
function updateSignature(u: BgpUpdate | undefined): string {
  if (u === undefined) return '-';
  const list = (xs: readonly { prefix: string; pathId: number | null }[] | undefined): string => (xs ?? []).map((n) => `${n.prefix}#${n.pathId}`).join(',');
  const a = u.attributes;
  return [
    list(u.nlri),
    list(u.withdrawn),
    list(a.mpReach?.nlri),
    list(a.mpUnreach?.withdrawn),
    JSON.stringify(a.asPath ?? null),
    a.twoOctetAs === true ? '2' : '4',
    a.aggregator ? `${a.aggregator.asn}` : '',
    u.action ?? '',
  ].join('|');
}

function messageSignature(m: BmpMessage): string {
  if (m.type === 0) return `rm ${m.bgpError?.code ?? ''} ${updateSignature(m.update)}`;
  if (m.type === 6) return `mirror ${m.messages.map((x) => (x.ok ? (x.message.type === 'update' ? updateSignature(x.message.update) : x.message.type) : x.error.code)).join(';')}`;
  return `type ${m.type}`;
}

export class Fuzzer {
  readonly stats: FuzzStats;
  private readonly limitMs: number;
  private readonly maxFailures: number;
  private caseIndex = 0;
  private caseSeedValue = 0;
  private caseKind = '';

  constructor(
    private readonly corpus: Corpus,
    opts: FuzzOptions,
  ) {
    this.limitMs = opts.decodeLimitMs ?? 250;
    this.maxFailures = opts.maxFailures ?? 50;
    this.stats = {
      seed: opts.seed >>> 0,
      cases: 0,
      bmpDecodes: 0,
      bgpDecodes: 0,
      okDecodes: 0,
      bytes: 0,
      framerErrors: 0,
      errorCodes: {},
      caseKinds: {},
      failures: new Map(),
      slowest: undefined,
      maxBufferedExcess: -Infinity,
      elapsedMs: 0,
    };
  }

  /** Runs cases until `cases` are done or `seconds` have passed (whichever first; at least one bound). */
  run(bounds: { cases?: number; seconds?: number; onProgress?: (s: FuzzStats) => void; progressEverySeconds?: number; onCase?: (i: number) => void }): FuzzStats {
    const gc = getGc();
    gc?.();
    this.stats.heapBeforeBytes = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const deadline = bounds.seconds !== undefined ? t0 + bounds.seconds * 1000 : Infinity;
    const maxCases = bounds.cases ?? Infinity;
    if (!Number.isFinite(deadline) && !Number.isFinite(maxCases)) throw new RangeError('fuzz run needs a case count or a time bound');
    let nextProgress = t0 + (bounds.progressEverySeconds ?? 10) * 1000;
    for (let i = this.stats.cases; i < maxCases; i++) {
      const now = performance.now();
      if (now >= deadline) break;
      if (bounds.onProgress && now >= nextProgress) {
        this.stats.elapsedMs = now - t0;
        bounds.onProgress(this.stats);
        nextProgress = now + (bounds.progressEverySeconds ?? 10) * 1000;
      }
      bounds.onCase?.(i);
      this.runCase(i);
      if (this.stats.failures.size >= this.maxFailures) break;
    }
    this.stats.elapsedMs = performance.now() - t0;
    gc?.();
    this.stats.heapAfterBytes = process.memoryUsage().heapUsed;
    return this.stats;
  }

  /** One case, reproducible from (run seed, i). */
  runCase(i: number): void {
    this.caseIndex = i;
    this.caseSeedValue = caseSeed(this.stats.seed, i);
    const r = new Prng(this.caseSeedValue);
    const k = r.int(100);
    this.caseKind = k < 35 ? 'single' : k < 45 ? 'truncate' : k < 52 ? 'lengths' : k < 92 ? 'stream' : 'random';
    this.stats.caseKinds[this.caseKind] = (this.stats.caseKinds[this.caseKind] ?? 0) + 1;
    this.stats.cases++;
    switch (this.caseKind) {
      case 'single':
        return this.single(r);
      case 'truncate':
        return this.truncate(r);
      case 'lengths':
        return this.lengths(r);
      case 'stream':
        return this.stream(r);
      default:
        return this.random(r);
    }
  }

  // ---- checks ---------------------------------------------------------------------------

  private fail(kind: FailureKind, where: string, message: string, bytes: Uint8Array, stack?: string, detail?: string): void {
    const sig = `${kind} ${signature(where, message)}`;
    const prev = this.stats.failures.get(sig);
    if (prev !== undefined) {
      prev.count++;
      if (bytes.length >= prev.bytes.length) return;
    }
    const f: Failure = {
      kind,
      where,
      message,
      ...(detail !== undefined ? { detail } : {}),
      ...(stack !== undefined ? { stack } : {}),
      bytes: bytes.slice(),
      runSeed: this.stats.seed,
      caseIndex: this.caseIndex,
      caseSeed: this.caseSeedValue,
      caseKind: this.caseKind,
      count: (prev?.count ?? 0) + 1,
    };
    this.stats.failures.set(sig, f);
  }

  /** Calls fn, turning a throw into a failure; undefined when it threw. */
  private guard<T>(where: string, input: Uint8Array, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.fail('exception', where, `${err.name}: ${err.message}`, input, err.stack?.split('\n').slice(0, 6).join('\n'));
      return undefined;
    }
  }

  private noteResult(where: string, input: Uint8Array, r: Result<unknown>): void {
    if (r.ok) {
      this.stats.okDecodes++;
      return;
    }
    this.stats.errorCodes[r.error.code] = (this.stats.errorCodes[r.error.code] ?? 0) + 1;
    if (r.error.message.includes('decoder bug')) this.fail('caught-exception', where, r.error.message, input);
  }

  /** A timed decode: the slowest is kept, one over the limit (three times running) is a failure. */
  private timed<T>(where: string, input: Uint8Array, fn: () => T): T | undefined {
    const t0 = performance.now();
    const out = this.guard(where, input, fn);
    let ms = performance.now() - t0;
    // A slow-looking decode is timed again (best of three more): GC pauses and first-call
    // compilation are not the decoder's doing, a real hang repeats.
    if (ms > RETIME_MS) {
      for (let i = 0; i < 3 && ms > RETIME_MS; i++) {
        const t1 = performance.now();
        this.guard(where, input, fn);
        ms = Math.min(ms, performance.now() - t1);
      }
    }
    if (this.stats.slowest === undefined || ms > this.stats.slowest.ms) this.stats.slowest = { ms, where, bytes: input.slice(), caseIndex: this.caseIndex };
    if (ms > this.limitMs) this.fail('slow', where, `decode took ${ms.toFixed(1)} ms, best of four (limit ${this.limitMs} ms)`, input);
    return out;
  }

  /** Consumes a decoded message as the collector and `ribwatch decode` do, and re-encodes it: the frame must come back byte for byte. */
  private consume(m: BmpMessage, frame: Uint8Array, ctx: RecordContext): void {
    const e = this.guard('encodeBmpMessage', frame, () => encodeBmpMessage(m));
    if (e !== undefined) {
      let i = 0;
      const n = Math.min(e.length, frame.length);
      while (i < n && e[i] === frame[i]) i++;
      if (i < n || e.length !== frame.length) this.fail('roundtrip', 'encodeBmpMessage', `re-encoded message (${e.length} bytes) differs from the decoded ${frame.length}-byte frame from byte ${i}`, frame);
    }
    this.guard('bmpMessageToJson', frame, () => JSON.stringify(bmpMessageToJson(m, { raw: true })));
    const out: BusRecord[] = [];
    this.guard('records-from-bmp', frame, () => appendRecordsFromBmp(out, m, ctx, '2026-01-01T00:00:00.000Z', 1_767_225_600_000));
    for (const rec of out) if (this.guard('JSON.stringify(record)', frame, () => JSON.stringify(rec)) === undefined) break;
  }

  private decodeStateless(frame: Uint8Array, ctx: RecordContext): void {
    this.stats.bmpDecodes++;
    this.stats.bytes += frame.length;
    const r = this.timed('decodeBmpMessage', frame, () => decodeBmpMessage(frame));
    if (r === undefined) return;
    this.noteResult('decodeBmpMessage', frame, r);
    if (r.ok) this.consume(r.value, frame, ctx);
  }

  private decodeStateful(state: BmpRouterState, frame: Uint8Array, ctx: RecordContext): BmpMessage | undefined {
    this.stats.bmpDecodes++;
    this.stats.bytes += frame.length;
    const r = this.timed('BmpRouterState.decode', frame, () => state.decode(frame));
    if (r === undefined) return undefined;
    this.noteResult('BmpRouterState.decode', frame, r);
    if (!r.ok) return undefined;
    this.consume(r.value, frame, ctx);
    return r.value;
  }

  /** The BGP PDUs inside a (mutated) BMP message, decoded directly with several configs. */
  private decodeInner(r: Prng, b: Uint8Array): void {
    const type = b.length >= 6 ? b[5]! : -1;
    if (type === 0 && b.length > 48) {
      const pdu = b.subarray(48);
      const cfg = r.pick(STATELESS_CONFIGS);
      this.stats.bgpDecodes++;
      const res = this.timed('decodeBgpMessage', pdu, () => decodeBgpMessage(pdu, cfg));
      if (res !== undefined) this.noteResult('decodeBgpMessage', pdu, res);
    } else if (type === 3 && b.length > 68) {
      const pdu = b.subarray(68);
      this.stats.bgpDecodes++;
      const res = this.timed('decodeOpen', pdu, () => decodeOpen(pdu));
      if (res !== undefined) this.noteResult('decodeOpen', pdu, res);
    } else if (type === 6 && b.length > 52) {
      const pdu = b.subarray(52);
      const cfg = r.pick(STATELESS_CONFIGS);
      this.stats.bgpDecodes++;
      const res = this.timed('decodeBgpMessage', pdu, () => decodeBgpMessage(pdu, cfg));
      if (res !== undefined) this.noteResult('decodeBgpMessage', pdu, res);
    }
  }

  private newCtx(): RecordContext {
    return new RecordContext('192.0.2.1', 'fuzz', 1_767_225_600_000, 10_000);
  }

  /** A state primed with the Peer Ups of a corpus stream (so single messages decode with real capabilities). */
  private primedState(s: CorpusStream | undefined): BmpRouterState {
    const st = new BmpRouterState();
    if (s === undefined) return st;
    let n = 0;
    for (const m of s.messages) {
      if (m[5] === 3) {
        st.decode(m);
        if (++n >= 64) break;
      }
    }
    return st;
  }

  // ---- case kinds -----------------------------------------------------------------------

  private pickMessage(r: Prng): { msg: Uint8Array; stream?: CorpusStream } {
    if (r.chance(0.5)) {
      const s = r.pick(this.corpus.streams);
      return { msg: r.pick(s.messages), stream: s };
    }
    return { msg: r.pick(this.corpus.messages) };
  }

  private single(r: Prng): void {
    const { msg, stream } = this.pickMessage(r);
    const m = mutate(r, msg, r.pick(this.corpus.messages));
    const ctx = this.newCtx();
    this.decodeStateless(m.bytes, ctx);
    const st = this.primedState(stream);
    this.decodeStateful(st, m.bytes, ctx);
    this.decodeInner(r, m.bytes);
  }

  private truncate(r: Prng): void {
    const { msg, stream } = this.pickMessage(r);
    const ctx = this.newCtx();
    const st = this.primedState(stream);
    const n = msg.length;
    // Every offset of messages up to 600 bytes; a sample of 600 offsets of longer ones.
    const offsets: number[] = [];
    if (n <= 600) for (let i = 0; i < n; i++) offsets.push(i);
    else for (let i = 0; i < 600; i++) offsets.push(r.int(n));
    for (const at of offsets) {
      const cut = msg.slice(0, at);
      this.decodeStateless(cut, ctx);
      fixBmpLength(cut);
      this.decodeStateful(st, cut, ctx);
      if (r.chance(0.2)) this.decodeInner(r, cut);
    }
    // The cut message followed by a whole one, through a framer: no frame may come out wrong-sized.
    const at = r.int(n);
    const bytes = new Uint8Array(at + msg.length);
    bytes.set(msg.subarray(0, at), 0);
    bytes.set(msg, at);
    this.feed(r, bytes, new BmpRouterState(), ctx, r.pick(MAX_LENGTHS));
  }

  private lengths(r: Prng): void {
    const { msg, stream } = this.pickMessage(r);
    const fields = lengthFields(msg);
    const ctx = this.newCtx();
    const st = this.primedState(stream);
    for (const f of fields) {
      for (let j = 0; j < 4; j++) {
        const b = msg.slice();
        const v = absurdValue(r, b, f);
        if (f.size === 1) b[f.at] = v;
        else if (f.size === 2) {
          b[f.at] = v >>> 8;
          b[f.at + 1] = v & 255;
        } else {
          b[f.at] = v >>> 24;
          b[f.at + 1] = (v >>> 16) & 255;
          b[f.at + 2] = (v >>> 8) & 255;
          b[f.at + 3] = v & 255;
        }
        this.decodeStateless(b, ctx);
        this.decodeStateful(st, b, ctx);
        this.decodeInner(r, b);
      }
    }
  }

  private stream(r: Prng): void {
    const s = r.pick(this.corpus.streams);
    let msgs: readonly Uint8Array[] = s.messages;
    if (msgs.length > 300) {
      const start = r.int(msgs.length - 50);
      const window = msgs.slice(start, start + r.range(50, 300));
      const ups = msgs.slice(0, start).filter((m) => m[5] === 3 || m[5] === 4).slice(-48);
      msgs = [...ups, ...window];
    }
    const rate = r.pick([0.01, 0.03, 0.1, 0.3]);
    const donor = r.pick(this.corpus.messages);
    const parts: Uint8Array[] = [];
    for (const m of msgs) {
      if (r.chance(0.005)) parts.push(r.bytes(r.range(1, 64)));
      parts.push(r.chance(rate) ? mutate(r, m, donor, 0.95).bytes : m);
    }
    let total = 0;
    for (const p of parts) total += p.length;
    if (r.chance(0.1)) total = r.int(total + 1);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      if (at >= total) break;
      const n = Math.min(p.length, total - at);
      bytes.set(p.subarray(0, n), at);
      at += n;
    }
    this.feed(r, bytes, new BmpRouterState(), this.newCtx(), r.pick(MAX_LENGTHS));
  }

  private random(r: Prng): void {
    const parts: Uint8Array[] = [];
    if (r.chance(0.5)) parts.push(r.pick(this.corpus.messages));
    const n = r.range(1, r.chance(0.8) ? 2000 : 100_000);
    const junk = r.bytes(n);
    // Sometimes a plausible header in front of the junk, so the framer takes it.
    if (r.chance(0.5) && n >= 6) {
      junk[0] = r.chance(0.9) ? 3 : 4;
      const len = r.chance(0.5) ? n : r.u32();
      junk[1] = len >>> 24;
      junk[2] = (len >>> 16) & 255;
      junk[3] = (len >>> 8) & 255;
      junk[4] = len & 255;
      junk[5] = r.int(8);
    }
    parts.push(junk);
    let total = 0;
    for (const p of parts) total += p.length;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    this.feed(r, bytes, new BmpRouterState(), this.newCtx(), r.pick(MAX_LENGTHS));
  }

  /** Feeds a byte stream through BmpFramer in random chunks into the router state, as a session does. */
  private feed(r: Prng, bytes: Uint8Array, state: BmpRouterState, ctx: RecordContext, maxMessageLength: number): void {
    const framer = new BmpFramer({ maxMessageLength });
    const reference = new ReferenceState();
    const mode = r.int(4);
    let peerUps = 0;
    let at = 0;
    while (at < bytes.length) {
      let n: number;
      switch (mode) {
        case 0:
          // Tiny chunks for the first 16 KiB (every header split everywhere), then mixed.
          n = at < 16384 ? r.range(1, 8) : r.range(1, 4096);
          break;
        case 1:
          n = r.range(1, 2000);
          break;
        case 2:
          n = 65536;
          break;
        default:
          n = r.range(1, 100_000);
      }
      // Chunks are fresh buffers, as socket reads are (the framer keeps views of them).
      const chunk = bytes.slice(at, at + n);
      at += chunk.length;
      this.guard('framer.push', chunk, () => framer.push(chunk));
      const excess = framer.buffered - maxMessageLength - chunk.length;
      if (excess > this.stats.maxBufferedExcess) this.stats.maxBufferedExcess = excess;
      if (excess > 0) this.fail('buffered', 'framer.push', `framer holds ${framer.buffered} bytes, above maxMessageLength ${maxMessageLength} + chunk ${chunk.length}`, bytes.subarray(0, at));
      for (let guardN = 0; guardN < 1_000_000; guardN++) {
        const f = this.guard('framer.next', bytes.subarray(0, at), () => framer.next());
        if (f === undefined) break;
        if (!f.ok) {
          this.stats.framerErrors++;
          this.stats.errorCodes[f.error.code] = (this.stats.errorCodes[f.error.code] ?? 0) + 1;
          // The collector closes the session here; so do we.
          return;
        }
        if (f.frame.length > maxMessageLength) this.fail('buffered', 'framer.next', `frame of ${f.frame.length} bytes above maxMessageLength ${maxMessageLength}`, f.frame);
        if (f.version !== 3) continue;
        const m = this.decodeStateful(state, f.frame, ctx);
        if (m === undefined) continue;
        if (m.type === 3) peerUps++;
        if (m.type === 0 || m.type === 6) {
          const ref = this.guard('decodeBmpMessage(reference state)', f.frame, () => decodeBmpMessage(f.frame, reference));
          if (ref?.ok === true) {
            const got = messageSignature(m);
            const want = messageSignature(ref.value);
            if (got !== want) {
              this.fail('state', 'BmpRouterState.sessionConfigFor', 'Route Monitoring decoded with another SessionConfig than the Peer Ups so far call for', f.frame, undefined, `got ${got.slice(0, 300)}\n  want ${want.slice(0, 300)}`);
            }
          }
        }
        reference.note(m);
      }
      if (framer.buffered > maxMessageLength) this.fail('buffered', 'framer.next', `framer holds ${framer.buffered} bytes after draining, above maxMessageLength ${maxMessageLength}`, bytes.subarray(0, at));
    }
    if (state.peerCount > peerUps) this.fail('state', 'BmpRouterState', `router state keeps ${state.peerCount} peers after ${peerUps} Peer Ups`, bytes);
    for (const p of state.knownPeers()) {
      if (p.sentOpens.length > MAX_OPENS_PER_PEER || p.receivedOpens.length > MAX_OPENS_PER_PEER) {
        this.fail('state', 'BmpRouterState', `peer ${p.key} keeps ${p.sentOpens.length}/${p.receivedOpens.length} OPENs`, bytes);
        break;
      }
    }
  }
}

/** A failure as text: what, where, how to replay, and the input as hex. */
export function describeFailure(f: Failure, maxHex = 4096): string {
  return [
    `${f.kind} in ${f.where}: ${f.message} (seen ${f.count}x)`,
    ...(f.detail !== undefined ? [`  ${f.detail}`] : []),
    `  replay: run seed ${f.runSeed}, case ${f.caseIndex} (${f.caseKind}, case seed ${f.caseSeed}): node dist/test/fuzz/long-fuzz.js --seed ${f.runSeed} --case ${f.caseIndex}`,
    `  input (${f.bytes.length} bytes): ${toHex(f.bytes, maxHex)}`,
    ...(f.stack !== undefined ? [`  stack: ${f.stack.split('\n').join('\n    ')}`] : []),
  ].join('\n');
}

export function summary(s: FuzzStats): string {
  const msgs = s.bmpDecodes + s.bgpDecodes;
  const secs = s.elapsedMs / 1000;
  const heap = s.heapBeforeBytes !== undefined && s.heapAfterBytes !== undefined ? `, heap ${(s.heapBeforeBytes / 1048576).toFixed(1)} -> ${(s.heapAfterBytes / 1048576).toFixed(1)} MiB` : '';
  const slow = s.slowest ? `${s.slowest.ms.toFixed(2)} ms (${s.slowest.where}, ${s.slowest.bytes.length} bytes, case ${s.slowest.caseIndex})` : 'n/a';
  return [
    `seed ${s.seed}: ${s.cases} cases, ${msgs} messages tried (${s.bmpDecodes} BMP frames, ${s.bgpDecodes} BGP PDUs) in ${secs.toFixed(1)} s = ${Math.round(msgs / Math.max(secs, 1e-9))} messages/s, ${(s.bytes / 1048576).toFixed(1)} MiB`,
    `  failures: ${s.failures.size} distinct (${[...s.failures.values()].reduce((n, f) => n + f.count, 0)} total); decoded ok ${s.okDecodes}; framer errors ${s.framerErrors}; slowest decode ${slow}; max framer excess over cap+chunk ${s.maxBufferedExcess}${heap}`,
    `  cases by kind: ${JSON.stringify(s.caseKinds)}; decode errors by code: ${JSON.stringify(s.errorCodes)}`,
  ].join('\n');
}

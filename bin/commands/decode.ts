/**
 * `ribwatch decode`: BMP from raw files (optionally gzipped) or pcap/pcapng captures, to NDJSON
 * (one object per BMP message) or, with --summary, to one JSON document of counts (format in
 * docs/decode.md).
 *
 * Each BMP stream goes through BmpFramer and its router's BmpRouterState. A router's state is
 * keyed by its address and carries across streams and files given together, so a capture of a
 * router's Peer Ups followed by a capture of its Route Monitoring decodes ADD-PATH and 4-octet
 * AS as negotiated.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { BmpFramer, BmpRouterState, afiSafiName, bmpMessageToJson, bmpTypeName, findBmpHeader } from '@ribwatch/bmp-parser';
import type { BmpMessage, BgpUpdate, JsonObject } from '@ribwatch/bmp-parser';
import { readBmpInput } from '../capture/index.js';
import type { BmpInput, BmpStream } from '../capture/index.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';

/** Summary message-count keys; all are always present. */
export const MESSAGE_KEYS = ['route_monitoring', 'statistics_report', 'peer_down', 'peer_up', 'initiation', 'termination', 'route_mirroring', 'unsupported_version'] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

/** Error kinds of our own (the decoder's are its RW_ERR_* codes). */
export const ErrorKind = {
  /** The stream ends inside a message (capture stopped mid-message). */
  TruncatedTail: 'truncated_tail',
  /** Bytes missing from the capture; framing resumed at the next BMP header. */
  CaptureGap: 'capture_gap',
} as const;

export type Counter = Map<string, number>;

function bump(c: Counter, key: string, n = 1): void {
  if (n !== 0) c.set(key, (c.get(key) ?? 0) + n);
}

/** A count as JSON: a number, or a string above 2^53 where a number would lose precision. */
export function countJson(n: number): number | string {
  return Number.isSafeInteger(n) ? n : BigInt(Math.trunc(n)).toString();
}

function counterJson(c: Counter): Record<string, number | string> {
  const o: Record<string, number | string> = {};
  for (const k of [...c.keys()].sort()) o[k] = countJson(c.get(k) ?? 0);
  return o;
}

export interface DecodeSummaryJson {
  readonly files: string[];
  readonly streams: number | string;
  readonly bytes: number | string;
  readonly messages: Record<MessageKey, number | string>;
  readonly announced: Record<string, number | string>;
  readonly withdrawn: Record<string, number | string>;
  readonly end_of_rib: Record<string, number | string>;
  readonly routers: number | string;
  readonly peers: number | string;
  readonly errors: number | string;
  readonly error_kinds: Record<string, number | string>;
}

export interface DecodeOptions {
  /** Treat TCP to/from this port as BMP (see bin/capture). */
  readonly port?: number;
  /** Router name for raw files (default "file:<basename>"). */
  readonly router?: string;
  /** Include each Route Monitoring's BGP PDU as hex in the NDJSON. */
  readonly raw?: boolean;
  /** Told what reading the input found worth knowing: mid-stream joins, gaps, skipped packets. */
  readonly onNote?: (note: string) => void;
}

/** One NDJSON line's content. */
export type DecodeRecord = JsonObject;

/**
 * The decoding of a set of inputs: router states, counts, and (through `onRecord`) one record per
 * BMP message. No I/O: inputs are handed in as bytes.
 */
export class DecodeRun {
  private readonly routers = new Map<string, BmpRouterState>();
  private readonly files: string[] = [];
  private readonly messages = new Map<string, number>(MESSAGE_KEYS.map((k) => [k, 0]));
  private readonly announced: Counter = new Map();
  private readonly withdrawn: Counter = new Map();
  private readonly endOfRib: Counter = new Map();
  private readonly peers = new Set<string>();
  private readonly errorKinds: Counter = new Map();
  private errors = 0;
  private streams = 0;
  private bytes = 0;

  constructor(
    private readonly opts: DecodeOptions = {},
    private readonly onRecord?: (r: DecodeRecord) => void,
  ) {}

  /** Read one input's bytes into BMP streams; a message naming what is wrong when it holds none. */
  static read(name: string, bytes: Uint8Array, opts: DecodeOptions = {}): { ok: true; input: BmpInput } | { ok: false; message: string } {
    const r = readBmpInput(bytes, { name: basename(name), ...(opts.port === undefined ? {} : { port: opts.port }), ...(opts.router === undefined ? {} : { router: opts.router }) });
    return r.ok ? { ok: true, input: r.value } : { ok: false, message: r.message };
  }

  /** Decode every stream of an input, in capture order. */
  addInput(name: string, input: BmpInput): void {
    this.files.push(name);
    const note = this.opts.onNote;
    if (note !== undefined) {
      for (const n of input.notes) note(`${name}: ${n}`);
      for (const [reason, count] of Object.entries(input.skippedPackets)) note(`${name}: ${count} packets skipped (${reason})`);
      if (input.otherTcpStreams > 0) note(`${name}: ${input.otherTcpStreams} TCP stream directions are not BMP`);
      for (const s of input.streams) {
        const ep = (a: string, p: number): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
        const where = s.tcp === undefined ? '' : ` ${ep(s.tcp.src, s.tcp.srcPort)} -> ${ep(s.tcp.dst, s.tcp.dstPort)}`;
        for (const n of s.notes) note(`${name}: stream ${s.index}${where}: ${n}`);
      }
    }
    for (const s of input.streams) this.decodeStream(name, s);
  }

  private stateFor(router: string): BmpRouterState {
    let st = this.routers.get(router);
    if (st === undefined) {
      st = new BmpRouterState();
      this.routers.set(router, st);
    }
    return st;
  }

  private error(kind: string, base: JsonObject, message: string): void {
    this.errors++;
    bump(this.errorKinds, kind);
    this.onRecord?.({ ...base, error: { code: kind, message } });
  }

  private decodeStream(file: string, s: BmpStream): void {
    this.streams++;
    this.bytes += s.data.length;
    const state = this.stateFor(s.router);
    // Offsets in the TCP stream as sent: bytes skipped before the first header and bytes the capture missed count too.
    const missedBefore = (offset: number): number => s.gaps.reduce((n, g) => (g.at <= offset ? n + g.missing : n), 0);
    const base = (offset: number): JsonObject => ({ file, router: s.router, stream: s.index, offset: offset + s.skipped + missedBefore(offset) });
    // Contiguous runs of captured bytes: framing restarts after each gap.
    const bounds = [...s.gaps.map((g) => g.at), s.data.length];
    let from = 0;
    for (let i = 0; i < bounds.length; i++) {
      const end = bounds[i] ?? s.data.length;
      let start = from;
      if (i > 0) {
        const gap = s.gaps[i - 1];
        const at = findBmpHeader(s.data.subarray(start, end));
        this.error(ErrorKind.CaptureGap, base(start), `${gap?.missing ?? 0} bytes missing from the capture; ${at < 0 ? 'no BMP header follows before the next gap' : `framing resumes ${at} bytes later`}`);
        if (at < 0) {
          from = end;
          continue;
        }
        start += at;
      }
      // A message cut by a gap is part of that gap's error, not a truncated tail.
      this.frameRun(s, state, s.data.subarray(start, end), start, base, i === bounds.length - 1);
      from = end;
    }
  }

  /** Frame and decode one contiguous run of stream bytes beginning at a message boundary. */
  private frameRun(s: BmpStream, state: BmpRouterState, bytes: Uint8Array, runOffset: number, base: (offset: number) => JsonObject, last: boolean): void {
    let origin = 0;
    let framer = new BmpFramer();
    framer.push(bytes);
    for (;;) {
      const f = framer.next();
      if (f === undefined) break;
      if (!f.ok) {
        const at = origin + framer.offset;
        const next = findBmpHeader(bytes, at + 1);
        this.error(f.error.code, base(runOffset + at), `${f.error.message}; ${next < 0 ? 'rest of stream skipped' : `resynchronised ${next - at} bytes later`}`);
        if (next < 0) return;
        origin = next;
        framer = new BmpFramer();
        framer.push(bytes.subarray(next));
        continue;
      }
      this.frame(s, state, f.frame, f.version, f.type, base(runOffset + origin + f.offset));
    }
    if (last && framer.buffered > 0) {
      const at = origin + framer.offset;
      const declared = bytes.length - at >= 5 ? new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0) : undefined;
      this.error(ErrorKind.TruncatedTail, base(runOffset + at), `stream ends inside a message: ${framer.buffered} bytes present${declared === undefined ? '' : ` of ${declared} declared`}`);
    }
  }

  private frame(s: BmpStream, state: BmpRouterState, frame: Uint8Array, version: number, type: number, base: JsonObject): void {
    // Version 3 (RFC 7854) and 4 (draft-ietf-grow-bmp-tlv) are decoded; the framer passes no other.
    if (version !== 3 && version !== 4) {
      bump(this.messages, 'unsupported_version');
      this.onRecord?.({ ...base, version, type: bmpTypeName(type), unsupported: `BMP version ${version} is not decoded (versions 3 and 4 are)`, length: frame.length });
      return;
    }
    const r = state.decode(frame);
    if (!r.ok) {
      this.error(r.error.code, { ...base, version, type: bmpTypeName(type) }, r.error.message);
      return;
    }
    const msg = r.value;
    bump(this.messages, bmpTypeName(msg.type));
    if ('peer' in msg) this.peers.add(`${s.router}|${msg.peer.peerType}|${msg.peer.distinguisher}|${msg.peer.address}`);
    if (msg.type === 0) {
      if (msg.bgpError !== undefined) {
        this.errors++;
        bump(this.errorKinds, msg.bgpError.code);
      }
      if (msg.update !== undefined) this.countUpdate(msg.update);
    }
    this.countAttributeErrors(msg);
    this.onRecord?.({ ...base, version, ...bmpMessageToJson(msg, this.opts.raw ? { raw: true } : {}) });
  }

  private countUpdate(u: BgpUpdate): void {
    const v4 = afiSafiName(1, 1);
    bump(this.announced, v4, u.nlri.length);
    bump(this.withdrawn, v4, u.withdrawn.length);
    const reach = u.attributes.mpReach;
    if (reach !== undefined) bump(this.announced, afiSafiName(reach.afi, reach.safi), reach.nlri.length);
    const unreach = u.attributes.mpUnreach;
    if (unreach !== undefined) bump(this.withdrawn, afiSafiName(unreach.afi, unreach.safi), unreach.withdrawn.length);
    if (u.endOfRib !== undefined) bump(this.endOfRib, afiSafiName(u.endOfRib.afi, u.endOfRib.safi));
  }

  /** Malformed path attributes inside UPDATEs that otherwise decoded (RFC 7606: the message lives on). */
  private countAttributeErrors(msg: BmpMessage): void {
    if (msg.type !== 0 || msg.update === undefined) return;
    for (const a of msg.update.attributes.other) {
      if (a.error === undefined) continue;
      this.errors++;
      bump(this.errorKinds, a.error.code);
    }
  }

  summary(): DecodeSummaryJson {
    const messages = Object.fromEntries(MESSAGE_KEYS.map((k) => [k, countJson(this.messages.get(k) ?? 0)])) as Record<MessageKey, number | string>;
    return {
      files: [...this.files],
      streams: countJson(this.streams),
      bytes: countJson(this.bytes),
      messages,
      announced: counterJson(this.announced),
      withdrawn: counterJson(this.withdrawn),
      end_of_rib: counterJson(this.endOfRib),
      routers: countJson(this.routers.size),
      peers: countJson(this.peers.size),
      errors: countJson(this.errors),
      error_kinds: counterJson(this.errorKinds),
    };
  }
}

const USAGE = `usage: ribwatch decode FILE [FILE...] [--summary] [--port N] [--router ADDR] [--raw] [-v]

Decode BMP (RFC 7854) from raw BMP byte files (optionally gzipped) or pcap/pcapng captures.
Files are decoded in the order given; a router's session state (the capabilities from its
Peer Ups) carries across files, keyed by the router's address, so a capture of Peer Ups can
be given before a capture of Route Monitoring.

Output: one JSON object per BMP message (NDJSON) on stdout, or with --summary one JSON
document of counts (see docs/decode.md).

options:
  --summary        print counts instead of messages
  --port N         treat TCP traffic to or from port N as BMP even if it does not look like it
  --router ADDR    the router name for raw BMP files (default: file:<file name>)
  --raw            include the BGP PDUs (UPDATE, OPENs) as hex
  -v, --verbose    say on stderr what reading the captures found (mid-stream joins, gaps,
                   data on SYN, packets that are not TCP)
  -h, --help       this text

exit status: 0 when every file was read (decode errors inside streams are counted, not fatal),
1 when a file is missing or holds no BMP, 2 on a usage error.`;

/** Writes text to a stream, waiting for 'drain' when it pushes back. */
function writeOut(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(text)) resolve();
    else out.once('drain', () => resolve());
  });
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { summary: { type: 'boolean' }, port: { type: 'string' }, router: { type: 'string' }, raw: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
    });
  } catch (err) {
    return usageError(io, 'decode', err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) return usageError(io, 'decode', 'no FILE given');
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError(io, 'decode', `--port must be a TCP port (1-65535), not '${values.port}'`);
  }
  const opts: DecodeOptions = {
    ...(port === undefined ? {} : { port }),
    ...(values.router === undefined ? {} : { router: values.router }),
    raw: values.raw === true,
    ...(values.verbose === true ? { onNote: (n: string) => io.stderr.write(`ribwatch decode: ${n}\n`) } : {}),
  };

  // Read every file before printing anything: an unreadable one fails the run with no partial output.
  const inputs: { name: string; input: BmpInput }[] = [];
  for (const name of positionals) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.stderr.write(`ribwatch decode: ${name}: ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    const r = DecodeRun.read(name, bytes, opts);
    if (!r.ok) {
      io.stderr.write(`ribwatch decode: ${name}: ${r.message}\n`);
      return 1;
    }
    inputs.push({ name, input: r.input });
  }

  if (values.summary === true) {
    const d = new DecodeRun(opts);
    for (const { name, input } of inputs) d.addInput(name, input);
    await writeOut(io.stdout, `${JSON.stringify(d.summary(), null, 2)}\n`);
    return 0;
  }
  // NDJSON: batch lines per input and honour backpressure (output is often piped into jq or head).
  let pending: string[] = [];
  let pendingBytes = 0;
  const lines: string[][] = [];
  const d = new DecodeRun(opts, (r) => {
    const line = JSON.stringify(r);
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= 1 << 16) {
      lines.push(pending);
      pending = [];
      pendingBytes = 0;
    }
  });
  for (const { name, input } of inputs) {
    d.addInput(name, input);
    lines.push(pending);
    pending = [];
    pendingBytes = 0;
    for (const batch of lines.splice(0)) if (batch.length > 0) await writeOut(io.stdout, `${batch.join('\n')}\n`);
  }
  return 0;
}

export const command: Command = { usage: USAGE, run };

/**
 * Helpers for the pipeline tests and bench:pipeline: role processes (test/live/pipeline-role.ts)
 * started and stopped by PID, a deterministic many-route BMP stream built with bmp-parser's
 * encoders, and a BMP "router" that replays it over TCP while recording how many bytes the kernel
 * took over time (so a test sees the router wait on TCP when the collector stops reading).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOpen, encodeBmpMessage, encodeEndOfRib, encodeOpen, encodeUpdates } from '@ribwatch/bmp-parser';
import type { BgpOpen, Nlri, PerPeerHeader, SessionConfig } from '@ribwatch/bmp-parser';
import type { RoleConfig } from './pipeline-role.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** dist/test/live → the repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ROLE_JS = join(dirname(fileURLToPath(import.meta.url)), 'pipeline-role.js');

/** Polls until `check` gives a value (not undefined/false); bounded; the error says what and the last state. */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 100, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}${explain ? `\n${explain()}` : ''}`);
}

/** A /proc/<pid>/status field in kB; 0 when unreadable. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime in seconds (USER_HZ 100); -1 when gone. */
export function cpuSeconds(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return -1;
  }
}

export interface RoleStats {
  readonly t: number;
  readonly rss: number;
  readonly peakRss: number;
  readonly cpuMs: number;
  readonly producer?: { pendingRecords: number; pendingBytes: number; acked: number; sendErrors: number };
  readonly sessions?: number;
  readonly paused?: number;
  readonly pauses?: number;
  readonly bytesIn?: number;
}

/** Every child still running: SIGKILLed by PID if the test process exits without its hooks. */
const everyChild = new Set<TrackedChild>();
process.once('exit', () => {
  for (const c of everyChild) c.kill9();
});

/** A child process addressed by PID: its exit is recorded, and it is stopped TERM-then-KILL with bounded waits. */
abstract class TrackedChild {
  readonly pid: number;
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;

  protected constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`cannot start ${name}`);
    this.pid = child.pid;
    everyChild.add(this);
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitCode = code;
      this.exitSignal = signal;
      everyChild.delete(this);
    });
  }

  /** SIGKILL by PID (fault tests). */
  kill9(): void {
    if (this.exited) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  async waitExit(timeoutMs = 10_000): Promise<void> {
    await until(`${this.name} to exit`, () => this.exited, timeoutMs, 20);
  }

  /** SIGTERM by PID (a role drains), bounded wait, then SIGKILL. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.exited) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      return;
    }
    try {
      await this.waitExit(graceMs);
    } catch {
      this.kill9();
      await this.waitExit(5000).catch(() => undefined);
    }
  }
}

/** The collector role as a child process (pipeline-role.ts), addressed by PID, with its stats lines. */
export class RoleProcess extends TrackedChild {
  port = 0;
  ready = false;
  stats: RoleStats | undefined;
  /** Every stats line, when `keepHistory`. */
  readonly history: RoleStats[] = [];
  stderr = '';
  private buf = '';

  private constructor(
    name: string,
    cfg: RoleConfig,
    nodeArgs: readonly string[],
    private readonly keepHistory: boolean,
  ) {
    super(name, spawn(process.execPath, [...nodeArgs, ROLE_JS, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO }));
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => this.onOut(d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (this.stderr.length < 1 << 20) this.stderr += d;
    });
  }

  /** Starts the role and waits until it says ready (listening / consuming). */
  static async start(name: string, cfg: RoleConfig, opts: { nodeArgs?: readonly string[]; timeoutMs?: number; keepHistory?: boolean } = {}): Promise<RoleProcess> {
    const r = new RoleProcess(name, cfg, opts.nodeArgs ?? [], opts.keepHistory ?? false);
    await until(`${name} ready`, () => {
      if (r.exited) throw new Error(`${name} exited (${r.exitCode ?? r.exitSignal}): ${r.stderr.slice(-2000)}`);
      return r.ready;
    }, opts.timeoutMs ?? 60_000, 50, () => r.explain());
    return r;
  }

  explain(): string {
    return `--- ${this.name} (pid ${this.pid}) stderr ---\n${this.stderr.slice(-3000)}`;
  }

  private onOut(d: string): void {
    this.buf += d;
    for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      let m: { ready?: boolean; port?: number; stats?: RoleStats };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        continue;
      }
      if (m.ready) {
        this.ready = true;
        this.port = m.port ?? 0;
      }
      if (m.stats) {
        this.stats = m.stats;
        if (this.keepHistory) this.history.push(m.stats);
      }
    }
  }
}

// ---- a many-route BMP stream ----------------------------------------------------------------

const SESSION: SessionConfig = { fourOctetAs: true, addPath: new Set() };
export const STREAM_PEER = { address: '192.0.2.1', asn: 65010 } as const;

function peerHeader(): PerPeerHeader {
  return {
    peerType: 0,
    flags: 0,
    distinguisher: '0:0',
    distinguisherRaw: new Uint8Array(8),
    address: STREAM_PEER.address,
    asn: STREAM_PEER.asn,
    bgpId: STREAM_PEER.address,
    timestampSec: 1_767_225_600,
    timestampUsec: 0,
  };
}

function open(asn: number, bgpId: string): BgpOpen {
  const r = decodeOpen(encodeOpen({ version: 4, holdTime: 180, bgpId, asn, capabilities: { multiprotocol: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], fourOctetAs: asn, routeRefresh: true } }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export interface StreamInfo {
  readonly file: string;
  readonly bytes: number;
  readonly v4: number;
  readonly v6: number;
  /** Route Monitoring messages carrying routes (= route records the collector makes). */
  readonly updates: number;
}

/** The i-th IPv4 /24: 11.0.0.0/24, 11.0.1.0/24, ... */
export function v4Prefix(i: number): string {
  const a = 0x0b000000 + i * 256;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`;
}
/** The i-th IPv6 /48 under 2001:db8::/32 (i < 65536). */
export function v6Prefix(i: number): string {
  return `2001:db8:${i.toString(16)}::/48`;
}

/**
 * Initiation, Peer Up, then `v4` IPv4 /24s and `v6` IPv6 /48s in UPDATEs of `perUpdate` prefixes
 * (one attribute set each: AS path, MED, communities vary), End-of-RIB per family.
 * Written once to `dir` and reused. No Termination: the caller decides how the session ends.
 */
export function manyRouteStream(dir: string, v4: number, v6: number, perUpdate = 64): StreamInfo {
  const GROUP = perUpdate;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pipeline-stream-v2-${v4}-${v6}-${perUpdate}.bmp`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8')) as StreamInfo;
  if (v6 > 65536) throw new Error('at most 65536 IPv6 prefixes');
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  let updates = 0;
  const chunks: Uint8Array[] = [];
  let pending = 0;
  const put = (m: Uint8Array): void => {
    chunks.push(m);
    pending += m.length;
    bytes += m.length;
    if (pending > 4 << 20) flush();
  };
  const flush = (): void => {
    writeSync(fd, Buffer.concat(chunks));
    chunks.length = 0;
    pending = 0;
  };
  const peer = peerHeader();
  put(encodeBmpMessage({ type: 4, tlvs: [], sysName: 'pipeline-rtr', sysDescr: 'ribwatch pipeline test stream' }));
  put(encodeBmpMessage({ type: 3, peer, localAddress: '192.0.2.254', localPort: 179, remotePort: 40179, sentOpen: open(65000, '192.0.2.254'), receivedOpen: open(STREAM_PEER.asn, STREAM_PEER.address), tlvs: [] }));
  for (const [afi, n, name] of [[1, v4, v4Prefix], [2, v6, v6Prefix]] as const) {
    for (let g = 0; g * GROUP < n; g++) {
      const nlri: Nlri[] = [];
      for (let i = g * GROUP; i < Math.min(n, (g + 1) * GROUP); i++) nlri.push({ prefix: name(i), pathId: null });
      const attributes = {
        origin: g % 3 === 0 ? 0 : 2,
        asPath: [{ type: 2 as const, asns: [STREAM_PEER.asn, 64600 + (g % 50), 4200000000 + (g % 7)] }],
        ...(g % 2 === 0 ? { med: g % 1000 } : {}),
        communities: [(STREAM_PEER.asn * 65536 + (g % 100)) >>> 0],
        ...(afi === 1 ? { nextHop: '192.0.2.1' } : {}),
      };
      for (const pdu of encodeUpdates({ afi, safi: 1, nlri, attributes, ...(afi === 2 ? { nextHops: ['2001:db8::1'] } : {}) }, SESSION)) {
        put(encodeBmpMessage({ type: 0, peer, pdu }));
        updates++;
      }
    }
    put(encodeBmpMessage({ type: 0, peer, pdu: encodeEndOfRib(afi, 1) }));
  }
  flush();
  closeSync(fd);
  renameSync(tmp, file);
  const info: StreamInfo = { file, bytes, v4, v6, updates };
  writeFileSync(metaFile, `${JSON.stringify(info)}\n`);
  return info;
}

// ---- a BMP router that replays a stream ------------------------------------------------------

export interface SendSample {
  /** ms since the sender connected. */
  readonly ms: number;
  /** Bytes the kernel has taken (written minus what the socket still buffers). */
  readonly sent: number;
}

export interface Sender {
  readonly socket: Socket;
  /** Date.now() when connected: the origin of `samples[].ms`. */
  readonly t0Wall: number;
  /** Bytes the kernel has taken so far. */
  sent(): number;
  readonly samples: SendSample[];
  /** Resolves when every byte is handed to the kernel. */
  readonly done: Promise<{ tFirstByte: number; tSent: number }>;
  /** Closes the connection (no Termination): the collector sees the session end. */
  close(): void;
  /** True while the sender holds at `pauseAt` (until resume()). */
  held(): boolean;
  resume(): void;
}

/**
 * Connects to the collector from `localAddress` (127.0.0.x: each address is a router) and writes
 * the stream in 64 KiB writes, waiting for 'drain' — so when the collector pauses the socket the
 * sender waits on TCP. The connection stays open at the end; `close()` ends it.
 */
export async function sendStream(file: string, port: number, opts: { localAddress?: string; sampleMs?: number; timeoutMs?: number; pauseAt?: number } = {}): Promise<Sender> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => undefined);
  const t0 = performance.now();
  const t0Wall = Date.now();
  const samples: SendSample[] = [];
  const sent = (): number => socket.bytesWritten - socket.writableLength;
  const sampler = setInterval(() => samples.push({ ms: performance.now() - t0, sent: sent() }), opts.sampleMs ?? 100);
  const data = readFileSync(file);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let holding = false;
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  const done = (async () => {
    let tFirstByte = 0;
    try {
      for (let at = 0; at < data.length; at += 65536) {
        if (opts.pauseAt !== undefined && at >= opts.pauseAt && release !== undefined) {
          holding = true;
          await gate;
          holding = false;
          release = undefined;
        }
        if (socket.destroyed) throw new Error('the collector closed the connection during the replay');
        if (tFirstByte === 0) tFirstByte = performance.now();
        if (!socket.write(data.subarray(at, Math.min(data.length, at + 65536)))) {
          await new Promise<void>((resolve, reject) => {
            const fin = (err?: Error): void => {
              clearTimeout(t);
              socket.off('drain', onDrain);
              socket.off('close', onClose);
              if (err) reject(err);
              else resolve();
            };
            const onDrain = (): void => fin();
            const onClose = (): void => fin(new Error('the collector closed the connection during the replay'));
            const t = setTimeout(() => fin(new Error('replay timed out waiting for drain')), Math.max(0, deadline - Date.now()));
            socket.on('drain', onDrain);
            socket.on('close', onClose);
          });
        }
      }
      await new Promise<void>((resolve) => socket.write('', () => resolve()));
      return { tFirstByte, tSent: performance.now() };
    } finally {
      clearInterval(sampler);
      samples.push({ ms: performance.now() - t0, sent: sent() });
    }
  })();
  done.catch(() => undefined);
  return { socket, t0Wall, sent, samples, done, close: () => socket.destroy(), held: () => holding, resume: () => release?.() };
}

// ---- the real roles: `ribwatch writer`, `ribwatch migrate`, `ribwatch sql` ------------------

export const CLI = join(REPO, 'bin', 'ribwatch.mjs');

/** RIBWATCH_* environment for the roles (no config file): Kafka bus, embedded store. */
export function roleEnv(o: { brokers: readonly string[]; topic: string; group: string; dataDir: string; metricsPort?: number; maxRecords?: number; maxWaitMs?: number; partitions?: number }): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    RIBWATCH_CONFIG: '',
    RIBWATCH_LOG_LEVEL: 'warn',
    RIBWATCH_BUS_KIND: 'kafka',
    RIBWATCH_BUS_BROKERS: o.brokers.join(','),
    RIBWATCH_BUS_TOPIC: o.topic,
    RIBWATCH_BUS_PARTITIONS: String(o.partitions ?? 2),
    RIBWATCH_BUS_REPLICATION_FACTOR: '1',
    RIBWATCH_WRITER_GROUP: o.group,
    RIBWATCH_WRITER_MAX_RECORDS: String(o.maxRecords ?? 50_000),
    RIBWATCH_WRITER_MAX_WAIT_MS: String(o.maxWaitMs ?? 1000),
    RIBWATCH_WRITER_METRICS_LISTEN: o.metricsPort ? `127.0.0.1:${o.metricsPort}` : '',
    RIBWATCH_COLLECTOR_METRICS_LISTEN: '',
    RIBWATCH_STORE_KIND: 'embedded',
    RIBWATCH_STORE_DATA_DIR: o.dataDir,
  };
}

/** Runs a short `ribwatch` command (migrate, sql) to completion, bounded. */
export function ribwatch(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ribwatch sql --format json`: rows as objects; throws with stderr on failure. */
export async function ribwatchSql<T = Record<string, unknown>>(query: string, env: NodeJS.ProcessEnv): Promise<T[]> {
  const r = await ribwatch(['sql', '--format', 'json', query], env);
  if (r.code !== 0) throw new Error(`ribwatch sql exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** One long-running `ribwatch <role>` process, addressed by PID, with its Prometheus metrics. */
export class CliRole extends TrackedChild {
  out = '';
  err = '';

  constructor(
    name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    private readonly metricsPort?: number,
    nodeArgs: readonly string[] = [],
  ) {
    super(name, spawn(process.execPath, [...nodeArgs, CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO }));
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (this.out.length < 1 << 20) this.out += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (this.err.length < 1 << 20) this.err += d;
    });
  }

  explain(): string {
    return `--- ${this.name} (pid ${this.pid}) stdout ---\n${this.out.slice(-2000)}\n--- stderr ---\n${this.err.slice(-3000)}`;
  }

  /** The metrics endpoint's samples by name (no labels), or undefined before it answers. */
  async metrics(): Promise<Map<string, number> | undefined> {
    if (!this.metricsPort) throw new Error(`${this.name}: no metrics port`);
    try {
      const r = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      const text = await r.text();
      const m = new Map<string, number>();
      for (const line of text.split('\n')) {
        const x = /^([a-z_]+) ([0-9.e+-]+)$/.exec(line);
        if (x) m.set(x[1] as string, Number(x[2]));
      }
      return m;
    } catch {
      return undefined;
    }
  }
}


/**
 * `npm run bench:decode`: decoder and collector throughput on a synthetic full Internet table
 * (bench/table.ts: ~1.0M IPv4 + 0.23M IPv6 prefixes as one BMP stream from one router, packed
 * UPDATEs and FRR's one-prefix-per-message style), side by side with pmacct's pmbmpd in the same
 * run. A benchmark, not a test: it prints numbers (and writes them to .scratch/bench/results-*.json).
 *
 *   (a) decode only: BmpFramer + BmpRouterState.decode over the stream in 64 KiB chunks, every
 *       prefix touched; best of --runs (default 3); peak RSS sampled with process.memoryUsage.
 *   (b) the collector as a child process (`ribwatch collector`, NDJSON to a file), the stream
 *       replayed over 127.0.0.1 with backpressure; done when its router_down record (written
 *       after the connection closes, behind every route record) is in the file; peak RSS is the
 *       child's VmHWM.
 *   (c) pmbmpd (pmacct) on the same stream, with JSON msglog and without; done as in
 *       docs/router-quirks.md §4: sender finished and pmbmpd's CPU time flat for 2 s, the
 *       2 s not counted.
 *
 * Options: --only decode,collector,pmbmpd   --styles packed,frr   --runs N   --v4 N --v6 N (a
 * smaller table, for trying the bench out)   --keep (keep NDJSON/msglog outputs)
 * --profile-collector DIR (run the collector child with --cpu-prof into DIR; see profile-top.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BmpFramer, BmpRouterState } from '@ribwatch/bmp-parser';
import { getGc } from '../test/fuzz/engine.js';
import { CLK_TCK, countLines, cpuTicks, freePort, replay, start, statusKb, stop, tail, waitFor } from './proc.js';
import type { Child } from './proc.js';
import { DEFAULT_TABLE, tableStreams } from './table.js';
import type { StreamMeta, StreamStyle } from './table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRATCH = join(ROOT, '.scratch', 'bench');
/** The whole run stays under about ten minutes: later steps are skipped when the budget is spent. */
const BUDGET_MS = 10 * 60 * 1000;
const T0 = Date.now();

interface Row {
  readonly what: string;
  readonly style: StreamStyle;
  readonly seconds: number;
  readonly bytes: number;
  readonly messages: number;
  readonly prefixes: number;
  readonly rssMb: number;
  readonly cpuSeconds?: number;
  readonly note?: string;
}

const rows: Row[] = [];

function log(s: string): void {
  process.stdout.write(`[${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
}

function budgetLeft(): number {
  return BUDGET_MS - (Date.now() - T0);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// ---- (a) decode only ---------------------------------------------------------------------

function decodeOnce(buf: Buffer): { ms: number; cpuMs: number; messages: number; prefixes: number; errors: number; peakRss: number; touched: number } {
  const framer = new BmpFramer();
  const state = new BmpRouterState();
  let messages = 0;
  let prefixes = 0;
  let errors = 0;
  let touched = 0;
  let peakRss = process.memoryUsage.rss();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let off = 0, k = 0; off < buf.length; off += 65536, k++) {
    framer.push(buf.subarray(off, off + 65536));
    for (;;) {
      const f = framer.next();
      if (f === undefined) break;
      if (!f.ok) throw new Error(`framer: ${f.error.message}`);
      messages++;
      const r = state.decode(f.frame);
      if (!r.ok) {
        errors++;
        continue;
      }
      const m = r.value;
      if (m.type !== 0 || m.update === undefined) continue;
      const u = m.update;
      // Touch every prefix: read its text, as any consumer does.
      for (const n of u.nlri) touched += n.prefix.length;
      for (const n of u.withdrawn) touched += n.prefix.length;
      const mp = u.attributes.mpReach;
      if (mp !== undefined) for (const n of mp.nlri) touched += n.prefix.length;
      const mu = u.attributes.mpUnreach;
      if (mu !== undefined) for (const n of mu.withdrawn) touched += n.prefix.length;
      prefixes += u.nlri.length + u.withdrawn.length + (mp?.nlri.length ?? 0) + (mu?.withdrawn.length ?? 0);
    }
    if ((k & 31) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { ms, cpuMs: (c.user + c.system) / 1000, messages, prefixes, errors, peakRss, touched };
}

function benchDecode(meta: StreamMeta, runs: number): void {
  const buf = readFileSync(meta.file);
  const gc = getGc();
  let best: ReturnType<typeof decodeOnce> | undefined;
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    gc?.();
    const r = decodeOnce(buf);
    peak = Math.max(peak, r.peakRss);
    log(`decode ${meta.style} run ${i + 1}: ${(r.ms / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s), ${fmt(r.prefixes / (r.ms / 1000))} prefixes/s, ${fmt(r.messages)} messages, ${r.errors} errors, peak RSS ${(r.peakRss / 1048576).toFixed(0)} MB`);
    if (r.prefixes !== meta.prefixes) log(`  WARNING: decoded ${r.prefixes} prefixes, the stream holds ${meta.prefixes}`);
    if (best === undefined || r.ms < best.ms) best = r;
  }
  if (best === undefined) return;
  rows.push({
    what: 'ribwatch decode only (1 core)',
    style: meta.style,
    seconds: best.ms / 1000,
    bytes: buf.length,
    messages: best.messages,
    prefixes: best.prefixes,
    rssMb: peak / 1048576,
    cpuSeconds: best.cpuMs / 1000,
    note: `best of ${runs}; RSS includes the ${(buf.length / 1048576).toFixed(0)} MB input buffer`,
  });
}

// ---- (b) the collector over TCP ----------------------------------------------------------

async function benchCollector(meta: StreamMeta, keep: boolean, profileDir?: string): Promise<void> {
  const out = join(SCRATCH, `collector-${meta.style}.ndjson`);
  rmSync(out, { force: true });
  const port = await freePort();
  let child: Child | undefined;
  try {
    child = start(process.execPath, [...(profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(ROOT, 'bin', 'ribwatch.mjs'), 'collector', '--listen', `127.0.0.1:${port}`], {
      cwd: ROOT,
      env: { ...process.env, RIBWATCH_OUTPUT_NDJSON: out, RIBWATCH_COLLECTOR_METRICS_LISTEN: '', RIBWATCH_LOG_LEVEL: 'warn', RIBWATCH_CONFIG: '' },
    });
    const c = child;
    await waitFor(() => c.out.includes('listening for BMP') || c.exited, 20_000, 'the collector to listen');
    if (c.exited) throw new Error(`the collector exited: ${c.err.slice(0, 2000)}`);
    const cpu0 = cpuTicks(c.pid);
    const sent = await replay(meta.file, port, { end: true, timeoutMs: 400_000 });
    await waitFor(() => c.exited || tail(out, 4096).includes('"type":"router_down"'), Math.max(30_000, budgetLeft()), 'the collector to write router_down', 20);
    const tDone = performance.now();
    if (c.exited) throw new Error(`the collector exited during the run: ${c.err.slice(0, 2000)}`);
    const cpu = (cpuTicks(c.pid) - cpu0) / CLK_TCK;
    const rss = statusKb(c.pid, 'VmHWM') / 1024;
    const seconds = (tDone - sent.tConnect) / 1000;
    const size = statSync(out).size;
    const lines = countLines(out);
    log(
      `collector ${meta.style}: ${seconds.toFixed(2)} s to the last record (sender done after ${((sent.tSent - sent.tConnect) / 1000).toFixed(2)} s), CPU ${cpu.toFixed(1)} s, VmHWM ${rss.toFixed(0)} MB, ${fmt(lines)} records, ${(size / 1048576).toFixed(0)} MB NDJSON`,
    );
    if (c.err.trim() !== '') log(`  collector stderr: ${c.err.trim().split('\n').slice(0, 3).join(' | ').slice(0, 600)}`);
    rows.push({
      what: 'ribwatch collector -> NDJSON file',
      style: meta.style,
      seconds,
      bytes: meta.bytes,
      messages: meta.messages,
      prefixes: meta.prefixes,
      rssMb: rss,
      cpuSeconds: cpu,
      note: `${fmt(lines)} records, ${(size / 1048576).toFixed(0)} MB`,
    });
  } finally {
    if (child !== undefined) await stop(child, 'SIGINT');
    if (!keep) rmSync(out, { force: true });
  }
}

// ---- (c) pmbmpd --------------------------------------------------------------------------

function havePmbmpd(): boolean {
  const r = spawnSync('pmbmpd', ['-V'], { stdio: 'ignore' });
  return r.error === undefined;
}

async function benchPmbmpd(meta: StreamMeta, msglog: boolean, keep: boolean): Promise<void> {
  const dir = join(SCRATCH, `pmbmpd-${meta.style}-${msglog ? 'msglog' : 'nolog'}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'pmbmpd.log');
  const msglogFile = join(dir, 'msglog.json');
  // pmbmpd's BMP listener keys; no periodic dump (it would add work mid-run).
  const conf = [
    'bmp_daemon_ip: 127.0.0.1',
    `bmp_daemon_port: ${port}`,
    'bmp_daemon_max_peers: 16',
    ...(msglog ? [`bmp_daemon_msglog_file: ${msglogFile}`, 'bmp_daemon_msglog_output: json'] : []),
    `logfile: ${logFile}`,
    `pidfile: ${join(dir, 'pmbmpd.pid')}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'pmbmpd.conf'), conf);
  let child: Child | undefined;
  let socket: Socket | undefined;
  try {
    child = start('pmbmpd', ['-f', join(dir, 'pmbmpd.conf')], { cwd: dir });
    const c = child;
    await waitFor(() => c.exited || (existsSync(logFile) && readFileSync(logFile, 'utf8').includes('waiting for BMP data')), 15_000, 'pmbmpd to listen');
    if (c.exited) throw new Error(`pmbmpd exited: ${c.err.slice(0, 2000)} ${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''}`);
    const c0 = cpuTicks(c.pid);
    const t0 = performance.now();
    let senderDone = false;
    let senderError: unknown;
    let tSent = 0;
    const sending = replay(meta.file, port, { end: false, timeoutMs: 400_000 }).then(
      (s) => {
        socket = s.socket;
        tSent = s.tSent;
        senderDone = true;
      },
      (e: unknown) => {
        senderError = e;
        senderDone = true;
      },
    );
    let last = c0;
    let lastChange = t0;
    const deadline = t0 + Math.max(60_000, budgetLeft());
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const now = performance.now();
      const ticks = cpuTicks(c.pid);
      if (ticks < 0) throw new Error('pmbmpd is gone');
      if (ticks !== last) {
        last = ticks;
        lastChange = now;
      }
      if (senderDone && now - lastChange >= 2000) break;
      if (now > deadline) throw new Error('pmbmpd run timed out');
    }
    await sending;
    if (senderError !== undefined) throw senderError instanceof Error ? senderError : new Error('the sender failed');
    const seconds = (lastChange - t0) / 1000;
    const cpu = (last - c0) / CLK_TCK;
    const rss = statusKb(c.pid, 'VmHWM') / 1024;
    let note = '';
    if (msglog && existsSync(msglogFile)) {
      const size = statSync(msglogFile).size;
      note = `msglog ${fmt(countLines(msglogFile))} lines, ${(size / 1048576).toFixed(0)} MB`;
    }
    log(`pmbmpd ${meta.style} ${msglog ? 'msglog' : 'no msglog'}: ${seconds.toFixed(2)} s (sender done after ${((tSent - t0) / 1000).toFixed(2)} s), CPU ${cpu.toFixed(1)} s, VmHWM ${rss.toFixed(0)} MB${note ? `, ${note}` : ''}`);
    rows.push({
      what: `pmbmpd ${msglog ? 'with JSON msglog' : 'without msglog'}`,
      style: meta.style,
      seconds,
      bytes: meta.bytes,
      messages: meta.messages,
      prefixes: meta.prefixes,
      rssMb: rss,
      cpuSeconds: cpu,
      ...(note ? { note } : {}),
    });
  } finally {
    socket?.destroy();
    if (child !== undefined) await stop(child, 'SIGINT'); // pmbmpd ignores SIGTERM
    if (!keep) rmSync(msglogFile, { force: true });
  }
}

// ---- output ------------------------------------------------------------------------------

function table(): string {
  const head = ['run', 'stream', 'seconds', 'MB/s', 'msgs/s', 'prefixes/s', 'peak RSS MB', 'CPU s', 'prefixes/CPU-s', 'notes'];
  const body = rows.map((r) => [
    r.what,
    r.style,
    r.seconds.toFixed(2),
    (r.bytes / 1e6 / r.seconds).toFixed(1),
    fmt(r.messages / r.seconds),
    fmt(r.prefixes / r.seconds),
    r.rssMb.toFixed(0),
    r.cpuSeconds !== undefined ? r.cpuSeconds.toFixed(1) : '',
    r.cpuSeconds !== undefined && r.cpuSeconds > 0 ? fmt(r.prefixes / r.cpuSeconds) : '',
    r.note ?? '',
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((cols) => `| ${cols.join(' | ')} |`);
  return lines.join('\n');
}

function ratios(): string[] {
  const out: string[] = [];
  for (const style of ['packed', 'frr'] as const) {
    const rw = rows.find((r) => r.style === style && r.what.startsWith('ribwatch collector'));
    const dec = rows.find((r) => r.style === style && r.what.startsWith('ribwatch decode'));
    const pmLog = rows.find((r) => r.style === style && r.what === 'pmbmpd with JSON msglog');
    const pmNo = rows.find((r) => r.style === style && r.what === 'pmbmpd without msglog');
    const rate = (r: Row): number => r.prefixes / r.seconds;
    const cpuRate = (r: Row): string => (r.cpuSeconds !== undefined && r.cpuSeconds > 0 ? `${fmt(r.prefixes / r.cpuSeconds)}` : '?');
    if (dec) out.push(`${style}: decode ${fmt(rate(dec))} prefixes/s (target >= 1,000,000: ${rate(dec) >= 1e6 ? 'met' : 'NOT met'})`);
    if (rw && pmLog) {
      const byCpu = rw.cpuSeconds && pmLog.cpuSeconds ? ` (per CPU second: ${cpuRate(rw)} vs ${cpuRate(pmLog)} prefixes = ${(pmLog.cpuSeconds / rw.cpuSeconds).toFixed(2)}x)` : '';
      out.push(`${style}: ribwatch collector / pmbmpd with msglog = ${(rate(rw) / rate(pmLog)).toFixed(2)}x wall (target >= 5x: ${rate(rw) / rate(pmLog) >= 5 ? 'met' : 'NOT met'})${byCpu}`);
    }
    if (rw && pmNo) {
      const byCpu = rw.cpuSeconds && pmNo.cpuSeconds ? ` (per CPU second: ${(pmNo.cpuSeconds / rw.cpuSeconds).toFixed(2)}x)` : '';
      out.push(`${style}: ribwatch collector / pmbmpd without msglog = ${(rate(rw) / rate(pmNo)).toFixed(2)}x wall${byCpu}`);
    }
    if (dec && pmNo) out.push(`${style}: ribwatch decode only / pmbmpd without msglog = ${(rate(dec) / rate(pmNo)).toFixed(2)}x`);
    if (rw) out.push(`${style}: collector peak RSS ${rw.rssMb.toFixed(0)} MB (target <= 250 MB: ${rw.rssMb <= 250 ? 'met' : 'NOT met'})`);
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'decode,collector,pmbmpd' },
      styles: { type: 'string', default: 'packed,frr' },
      runs: { type: 'string', default: '3' },
      v4: { type: 'string' },
      v6: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'profile-collector': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = new Set(values.only.split(','));
  const styles = values.styles.split(',').filter((s): s is StreamStyle => s === 'packed' || s === 'frr');
  const runs = Math.max(1, Number(values.runs) || 3);
  const spec = { ...DEFAULT_TABLE, ...(values.v4 !== undefined ? { v4: Number(values.v4) } : {}), ...(values.v6 !== undefined ? { v6: Number(values.v6) } : {}) };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown';
  log(`ribwatch bench:decode — ${new Date().toISOString()}, ribwatch ${git}, node ${process.version}, ${cpus().length} cores (${cpu}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const streams = tableStreams(SCRATCH, spec, log);
  for (const s of styles) {
    const m = streams[s];
    log(`stream ${s}: ${(m.bytes / 1048576).toFixed(1)} MiB, ${fmt(m.messages)} messages (${fmt(m.routeMonitoring)} Route Monitoring), ${fmt(m.prefixes)} prefixes (${fmt(m.v4Prefixes)} IPv4 + ${fmt(m.v6Prefixes)} IPv6), ${fmt(m.attributeSets)} attribute sets`);
  }
  if (only.has('decode')) for (const s of styles) benchDecode(streams[s], runs);
  const pm = havePmbmpd();
  const steps: [string, () => Promise<void>][] = [];
  for (const s of styles) {
    if (only.has('collector')) steps.push([`collector ${s}`, () => benchCollector(streams[s], values.keep, values['profile-collector'])]);
    if (only.has('pmbmpd') && pm) {
      steps.push([`pmbmpd ${s} msglog`, () => benchPmbmpd(streams[s], true, values.keep)]);
      steps.push([`pmbmpd ${s} no msglog`, () => benchPmbmpd(streams[s], false, values.keep)]);
    }
  }
  if (only.has('pmbmpd') && !pm) log('pmbmpd is not installed (pmacct): its runs are skipped');
  for (const [name, run] of steps) {
    if (budgetLeft() < 45_000) {
      log(`skipped ${name}: the ten-minute budget is spent`);
      continue;
    }
    try {
      await run();
    } catch (e) {
      log(`${name} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const text = [`\n${table()}\n`, ...ratios()].join('\n');
  process.stdout.write(`${text}\n`);
  const file = join(SCRATCH, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), git, node: process.version, cores: cpus().length, cpu, loadavg: loadavg(), streams, rows }, null, 2)}\n`);
  log(`results in ${file}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:decode: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

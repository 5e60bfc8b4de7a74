/**
 * `npm run bench:pipeline`: a full Internet table (bench/table.ts, ~1.23M prefixes, the cached
 * packed BMP stream of bench:decode) replayed as BMP from one router, then from 4 routers at once
 * (source addresses 127.0.0.1-4, so four routers to the collector), end to end into ClickHouse:
 *
 *   (a) embedded default: `ribwatch run` — collector + in-process bus + writer + chDB, one process;
 *   (b) Kafka: `ribwatch collector` (bus.kind kafka) → a real Kafka broker (deploy/kafka, started
 *       here on free ports) → `ribwatch writer` → chDB (its own data dir).
 *
 * For each: time from the first byte sent to the last row stored (the writer's
 * ribwatch_writer_route_update_rows_total reaching the expected rows: an insert has returned, so
 * the rows are queryable, and rib rows arrive in the same insert through the rib_from_updates
 * materialized view), route-update rows/s and rib rows/s, peak RSS (VmHWM) and CPU seconds of each
 * role process; afterwards `ribwatch sql` checks count() of route_updates and of rib FINAL.
 * A benchmark, not a test: numbers are printed and written to .scratch/bench/pipeline-*.json.
 *
 * Options: --only embedded,kafka   --routers 1,4   --v4 N --v6 N (a smaller table)
 *          --profile-writer DIR (the writer — `ribwatch run` in (a) — under --cpu-prof; see
 *          bench/profile-top.ts)   --max-records N (writer.maxRecords, default the config's 50,000)
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestKafka } from '../test/live/harness-kafka.js';
import type { KafkaTestBroker } from '../test/live/harness-kafka.js';
import { CliRole, cpuSeconds, ribwatch, ribwatchSql, roleEnv, sendStream, statusKb, until } from '../test/live/pipeline-harness.js';
import type { Sender } from '../test/live/pipeline-harness.js';
import { freePort } from './proc.js';
import { DEFAULT_TABLE, tableStreams } from './table.js';
import type { StreamMeta } from './table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRATCH = join(ROOT, '.scratch', 'bench');
const T0 = Date.now();

function log(s: string): void {
  process.stdout.write(`[${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (kb: number): string => (kb / 1024).toFixed(0);

interface Row {
  mode: 'embedded' | 'kafka';
  routers: number;
  rows: number;
  /** First byte sent → last row stored. */
  seconds: number;
  /** First byte → last byte taken by the kernel (all routers). */
  sendSeconds: number;
  procs: { name: string; peakRssMb: number; cpuSeconds: number }[];
  check: string;
}

const rows: Row[] = [];

/** Every router connects (each from its own 127.0.0.x) and replays the stream at once; resolves when all are sent. */
async function replayRouters(file: string, port: number, routers: number): Promise<{ senders: Sender[]; tSent: number }> {
  const senders = await Promise.all(Array.from({ length: routers }, (_, i) => sendStream(file, port, { localAddress: `127.0.0.${i + 1}`, timeoutMs: 900_000 })));
  await Promise.all(senders.map((s) => s.done));
  return { senders, tSent: Date.now() };
}

async function waitRows(role: CliRole, want: number, timeoutMs: number): Promise<number> {
  let last = 0;
  await until(
    `${fmt(want)} route_updates rows stored`,
    async () => {
      const m = await role.metrics();
      last = m?.get('ribwatch_writer_route_update_rows_total') ?? last;
      if (role.exited) throw new Error(`${role.name} exited`);
      return last >= want;
    },
    timeoutMs,
    100,
    () => `have ${fmt(last)}\n${role.explain()}`,
  );
  return Date.now();
}

async function check(env: NodeJS.ProcessEnv, want: number): Promise<string> {
  try {
    const [u] = await ribwatchSql<{ n: string }>('SELECT count() AS n FROM route_updates', env);
    const [r] = await ribwatchSql<{ n: string }>('SELECT count() AS n FROM rib FINAL WHERE is_withdrawn = 0', env);
    const ok = Number(u?.n) === want && Number(r?.n) === want;
    return `${ok ? 'ok' : 'MISMATCH'}: route_updates ${fmt(Number(u?.n))}, rib FINAL ${fmt(Number(r?.n))} (want ${fmt(want)})`;
  } catch (e) {
    return `check failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function profArgs(dir: string | undefined, tag: string): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(dir, tag)}`];
}

async function benchEmbedded(meta: StreamMeta, routers: number, profileDir: string | undefined, maxRecords: number | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-bench-run-'));
  const [bmp, metrics, api] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...roleEnv({ brokers: [], topic: 'x', group: 'x', dataDir: join(dir, 'data'), ...(maxRecords ? { maxRecords } : {}) }),
    RIBWATCH_BUS_KIND: 'memory',
    RIBWATCH_BUS_BROKERS: '',
    RIBWATCH_COLLECTOR_METRICS_LISTEN: `127.0.0.1:${metrics}`,
    RIBWATCH_WRITER_METRICS_LISTEN: '',
  };
  const role = new CliRole('ribwatch run', ['run', '--bmp-listen', `127.0.0.1:${bmp}`, '--api-listen', `127.0.0.1:${api}`], env, metrics, profArgs(profileDir, `run-${routers}`));
  try {
    await until('ribwatch run to serve metrics', async () => (role.exited ? Promise.reject(new Error(role.explain())) : (await role.metrics()) !== undefined), 120_000, 200, () => role.explain());
    const cpu0 = cpuSeconds(role.pid);
    const want = meta.prefixes * routers;
    const t0 = Date.now();
    const s = await replayRouters(meta.file, bmp, routers);
    const tDone = await waitRows(role, want, 900_000);
    const cpu = cpuSeconds(role.pid) - cpu0;
    const rss = statusKb(role.pid, 'VmHWM');
    for (const x of s.senders) x.close();
    await role.stop(60_000);
    const seconds = (tDone - t0) / 1000;
    const c = await check(env, want);
    rows.push({ mode: 'embedded', routers, rows: want, seconds, sendSeconds: (s.tSent - t0) / 1000, procs: [{ name: 'ribwatch run', peakRssMb: rss / 1024, cpuSeconds: cpu }], check: c });
    log(`embedded, ${routers} router(s): ${fmt(want)} rows stored ${seconds.toFixed(1)} s after the first byte (routers done sending after ${((s.tSent - t0) / 1000).toFixed(1)} s); ${fmt(want / seconds)} rows/s; run: CPU ${cpu.toFixed(1)} s, VmHWM ${mb(rss)} MB; ${c}`);
  } finally {
    await role.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchKafka(broker: KafkaTestBroker, meta: StreamMeta, routers: number, profileDir: string | undefined, maxRecords: number | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-bench-kafka-'));
  const tag = `${Date.now().toString(36)}-${routers}`;
  const [bmp, metrics] = [await freePort(), await freePort()];
  const env = {
    ...roleEnv({ brokers: broker.brokers, topic: `bench-${tag}`, group: `bench-${tag}`, dataDir: join(dir, 'data'), metricsPort: metrics, partitions: 4, ...(maxRecords ? { maxRecords } : {}) }),
    RIBWATCH_COLLECTOR_LISTEN: `127.0.0.1:${bmp}`,
  };
  const m = await ribwatch(['migrate'], env);
  if (m.code !== 0) throw new Error(`ribwatch migrate: ${m.stderr}`);
  const collector = new CliRole('ribwatch collector', ['collector'], env);
  let writer: CliRole | undefined;
  try {
    await until('ribwatch collector to listen', () => (collector.exited ? Promise.reject(new Error(collector.explain())) : /listening for BMP/.test(collector.out + collector.err)), 60_000, 100, () => collector.explain());
    const w = new CliRole('ribwatch writer', ['writer'], env, metrics, profArgs(profileDir, `writer-${routers}`));
    writer = w;
    await until('ribwatch writer to serve metrics', async () => (w.exited ? Promise.reject(new Error(w.explain())) : (await w.metrics()) !== undefined), 120_000, 200, () => w.explain());
    const c0 = cpuSeconds(collector.pid);
    const w0 = cpuSeconds(w.pid);
    const want = meta.prefixes * routers;
    const t0 = Date.now();
    const s = await replayRouters(meta.file, bmp, routers);
    const tDone = await waitRows(w, want, 900_000);
    const cpuC = cpuSeconds(collector.pid) - c0;
    const cpuW = cpuSeconds(w.pid) - w0;
    const rssC = statusKb(collector.pid, 'VmHWM');
    const rssW = statusKb(w.pid, 'VmHWM');
    for (const x of s.senders) x.close();
    await collector.stop(60_000);
    await w.stop(60_000);
    const seconds = (tDone - t0) / 1000;
    const c = await check(env, want);
    rows.push({
      mode: 'kafka',
      routers,
      rows: want,
      seconds,
      sendSeconds: (s.tSent - t0) / 1000,
      procs: [
        { name: 'ribwatch collector', peakRssMb: rssC / 1024, cpuSeconds: cpuC },
        { name: 'ribwatch writer', peakRssMb: rssW / 1024, cpuSeconds: cpuW },
      ],
      check: c,
    });
    log(
      `kafka, ${routers} router(s): ${fmt(want)} rows stored ${seconds.toFixed(1)} s after the first byte (routers done after ${((s.tSent - t0) / 1000).toFixed(1)} s); ${fmt(want / seconds)} rows/s; ` +
        `collector CPU ${cpuC.toFixed(1)} s VmHWM ${mb(rssC)} MB; writer CPU ${cpuW.toFixed(1)} s VmHWM ${mb(rssW)} MB; ${c}`,
    );
  } finally {
    await collector.stop(10_000);
    await writer?.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(): string {
  const head = ['setup', 'routers', 'rows (route_updates = rib)', 'first byte → last row stored, s', 'routers done sending, s', 'rows/s (route_updates; rib the same)', 'process: peak RSS MB, CPU s', 'rows per CPU-s', 'check'];
  const body = rows.map((r) => {
    const cpu = r.procs.reduce((n, p) => n + p.cpuSeconds, 0);
    return [
      r.mode === 'embedded' ? 'embedded: ribwatch run (memory bus, chDB)' : 'Kafka: collector → Kafka → writer (chDB)',
      String(r.routers),
      fmt(r.rows),
      r.seconds.toFixed(1),
      r.sendSeconds.toFixed(1),
      fmt(r.rows / r.seconds),
      r.procs.map((p) => `${p.name}: ${p.peakRssMb.toFixed(0)} MB, ${p.cpuSeconds.toFixed(1)} s`).join('; '),
      fmt(r.rows / cpu),
      r.check,
    ];
  });
  return [head, head.map(() => '---'), ...body].map((c) => `| ${c.join(' | ')} |`).join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'embedded,kafka' },
      routers: { type: 'string', default: '1,4' },
      v4: { type: 'string' },
      v6: { type: 'string' },
      'profile-writer': { type: 'string' },
      'max-records': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = new Set(values.only.split(','));
  const counts = values.routers.split(',').map(Number).filter((n) => n >= 1 && n <= 16);
  const spec = { ...DEFAULT_TABLE, ...(values.v4 !== undefined ? { v4: Number(values.v4) } : {}), ...(values.v6 !== undefined ? { v6: Number(values.v6) } : {}) };
  const profileDir = values['profile-writer'] !== undefined ? resolve(values['profile-writer']) : undefined;
  const maxRecords = values['max-records'] !== undefined ? Number(values['max-records']) : undefined;
  log(`ribwatch bench:pipeline — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const meta = tableStreams(SCRATCH, spec, log).packed;
  log(`stream: ${(meta.bytes / 1048576).toFixed(1)} MiB, ${fmt(meta.messages)} BMP messages, ${fmt(meta.prefixes)} prefixes (packed UPDATEs), replayed per router`);
  if (only.has('embedded')) {
    for (const n of counts) {
      try {
        await benchEmbedded(meta, n, profileDir, maxRecords);
      } catch (e) {
        log(`embedded, ${n} router(s) FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (only.has('kafka')) {
    const [kp, cp] = [await freePort(), await freePort()];
    let broker: KafkaTestBroker | undefined;
    try {
      broker = await startTestKafka({ port: kp, controllerPort: cp, dir: join(ROOT, '.scratch', `bench-kafka-${process.pid}`) });
      for (const n of counts) {
        try {
          await benchKafka(broker, meta, n, profileDir, maxRecords);
        } catch (e) {
          log(`kafka, ${n} router(s) FAILED: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      await broker?.stop();
      if (broker?.ours) rmSync(broker.dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\n${table()}\n`);
  if (profileDir !== undefined) {
    for (const d of readdirSync(profileDir)) log(`CPU profiles in ${join(profileDir, d)}: node dist/bench/profile-top.js ${join(profileDir, d)}/*.cpuprofile`);
  }
  const file = join(SCRATCH, `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadavg: loadavg(), stream: meta, rows }, null, 2)}\n`);
  log(`results in ${file}`);
  return 0;
}

// Children are killed by PID on exit (pipeline-harness); make a signal an exit.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:pipeline: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

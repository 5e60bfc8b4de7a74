/**
 * `npm run bench:storm`: the store path at fabric speed (issue 12), measured end to end through
 * `ribwatch run` at its default configuration (only the store directory, the listeners and the
 * API token are set; `RIBWATCH_API_RATE_LIMIT_PER_MINUTE=0` so the per-client limit does not cap
 * the API load). Two cases, side by side in one run, the same 400k one-prefix messages each:
 *
 *   one    one FRR-style router: K prefixes × pre- and post-policy (default 200,000 × 2);
 *   storm  N routers reconnecting at once, each K prefixes × pre+post (default 40 × 5,000 × 2),
 *          each with its own sysName and its own loopback source address (127.77.x.y), all
 *          connected and replaying together.
 *
 * For each: from the first byte sent to (a) the writer's last route_updates row stored (its
 * ribwatch_writer_route_update_rows_total), (b) `GET /api/v1/peers` showing every router's full
 * prefix counts for both views, and (c) `GET /api/v1/rib` answering each router's last prefix
 * (both views) — "queryable" is the later of (b) and (c). Then API load with autocannon (random
 * exact and longest-match lookups, 1 and 16 connections), RSS and CPU seconds of the process, and,
 * after stopping it, the exactness check with `ribwatch sql`: route_updates and rib FINAL hold
 * exactly the rows the routers sent (none lost, none twice).
 *
 * A benchmark, not a test: it prints a table and writes .scratch/bench/storm-<date>.json.
 *
 * Options: --cases one,storm  --routers N (40)  --prefixes K (5000)  --one-prefixes K (200000)
 *          --load after|during|none (API load once queryable, or during ingestion; default after)
 *          --api-seconds N (5)  --profile DIR (`ribwatch run` under --cpu-prof; bench/profile-top.ts)
 *          --timeout-s N (600 per case)   --set RIBWATCH_NAME=VALUE (repeatable: a configuration away
 *          from the default, to compare; e.g. RIBWATCH_WRITER_INDEX_MAX_ROUTES=0 is the store-only path)
 *
 * Besides wall times it prints the CPU seconds per thread of the process (the JS main thread is
 * `node`, chDB's engine threads have their own names) and the writer's own timings (inserts,
 * statements over rib, prefix counts): where each second went, also on a shared machine.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CliRole, cpuSeconds, ribwatchSql, sendStream, statusKb, until } from '../test/live/pipeline-harness.js';
import type { Sender } from '../test/live/pipeline-harness.js';
import { freePort } from './proc.js';
import { leafAddress, leafStream, STORM_PEER, stormPrefix } from './storm-stream.js';
import type { LeafStream } from './storm-stream.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRATCH = join(ROOT, '.scratch', 'bench');
const TOKEN = 'bench-storm-token-0123456789';
const T0 = Date.now();

function log(s: string): void {
  process.stdout.write(`[${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface LoadResult {
  readonly name: string;
  readonly connections: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
}

interface CaseResult {
  readonly name: string;
  readonly routers: number;
  readonly prefixes: number;
  readonly rows: number;
  /** Seconds from the first byte: all sent, last row stored, counts shown, rib answering. */
  readonly sent: number;
  readonly stored: number;
  readonly counts: number;
  readonly rib: number;
  readonly queryable: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly loadavg: readonly number[];
  /** CPU seconds per thread name while ingesting (the JS main thread is `node`; chDB's threads have their own names). */
  readonly threads: Record<string, number>;
  /** The writer's own timings (its metrics) at the end of ingestion. */
  readonly writer: Record<string, number>;
  readonly load: LoadResult[];
  readonly check: string;
}

/** CPU seconds per thread name of a process (utime + stime of every /proc/PID/task/TID/stat; the name is its comm). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close).replace(/[0-9]+$/, '#');
      const f = stat.slice(close + 2).split(' ');
      const sec = (Number(f[11]) + Number(f[12])) / 100;
      out.set(name, (out.get(name) ?? 0) + sec);
    } catch {
      // the thread ended
    }
  }
  return out;
}

function diffCpu(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d >= 0.05) out[k] = Math.round(d * 100) / 100;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}

const WRITER_TIMINGS = ['ribwatch_writer_insert_seconds_total', 'ribwatch_writer_statement_seconds_total', 'ribwatch_writer_counts_seconds_total', 'ribwatch_writer_statements_total', 'ribwatch_writer_statements_skipped_total', 'ribwatch_writer_batches_total'] as const;

interface PeersPage {
  peers: { router: string; address: string; prefixes: Record<string, Record<string, number>> }[];
  next: string | null;
}

async function api<T>(base: string, path: string): Promise<T> {
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(30_000) });
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** True when /api/v1/peers shows every router's peer with `want` prefixes in both views. */
async function countsComplete(base: string, routers: readonly string[], want: number): Promise<boolean> {
  const seen = new Map<string, boolean>();
  let cursor: string | null = null;
  do {
    const page: PeersPage = await api<PeersPage>(base, `/api/v1/peers?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const p of page.peers) {
      if (p.address !== STORM_PEER.address) continue;
      const ok = p.prefixes['adj-in-pre']?.['ipv4-unicast'] === want && p.prefixes['adj-in-post']?.['ipv4-unicast'] === want;
      seen.set(p.router, ok);
    }
    cursor = page.next;
  } while (cursor !== null);
  return routers.every((r) => seen.get(r) === true);
}

/** True when /api/v1/rib answers the last prefix of a few routers (first, middle, last) in both views. */
async function ribComplete(base: string, routers: readonly string[], prefixes: number): Promise<boolean> {
  const probe = [...new Set([routers[0], routers[Math.floor(routers.length / 2)], routers[routers.length - 1]])] as string[];
  const prefix = stormPrefix(prefixes - 1);
  for (const r of probe) {
    const x = await api<{ routes: { view: string }[] }>(base, `/api/v1/rib?prefix=${prefix}&match=exact&router=${r}`);
    if (x.routes.length !== 2) return false;
  }
  return true;
}

async function loadApi(base: string, routers: readonly string[], prefixes: number, connections: number, seconds: number): Promise<LoadResult[]> {
  const rnd = (n: number): number => Math.floor(Math.random() * n);
  const scenarios = [
    { name: 'rib exact (random /24, all routers)', path: (): string => `/api/v1/rib?prefix=${stormPrefix(rnd(prefixes))}&match=exact&limit=1000` },
    { name: 'rib longest (random address, one router)', path: (): string => `/api/v1/rib?prefix=${stormPrefix(rnd(prefixes)).replace(/0\/24$/, String(1 + rnd(254)))}&match=longest&router=${routers[rnd(routers.length)]}` },
  ];
  const out: LoadResult[] = [];
  for (const s of scenarios) {
    const r = await autocannon({
      url: base,
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${TOKEN}` },
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: s.path() }) }],
    });
    out.push({ name: s.name, connections, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors });
  }
  return out;
}

/** Autocannon at 16 connections from now until stopped (the API under load during ingestion). */
function loadDuring(base: string, routers: readonly string[], prefixes: number): { stop: () => Promise<LoadResult> } {
  const rnd = (n: number): number => Math.floor(Math.random() * n);
  let finish: (r: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((res) => (finish = res));
  const inst = autocannon(
    {
      url: base,
      connections: 16,
      duration: 3600,
      headers: { authorization: `Bearer ${TOKEN}` },
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/rib?prefix=${stormPrefix(rnd(prefixes))}&match=exact&router=${routers[rnd(routers.length)]}` }) }],
    },
    (_err, r) => finish(r),
  );
  return {
    async stop() {
      inst.stop();
      const r = await done;
      return { name: 'rib exact during ingestion (random /24, one router)', connections: 16, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
    },
  };
}

async function check(env: NodeJS.ProcessEnv, want: number): Promise<string> {
  try {
    const [u] = await ribwatchSql<{ n: string }>('SELECT count() AS n FROM route_updates', env);
    const [d] = await ribwatchSql<{ n: string }>('SELECT count() AS n FROM (SELECT router, rib, prefix FROM route_updates GROUP BY router, rib, prefix HAVING count() > 1)', env);
    const [r] = await ribwatchSql<{ n: string }>('SELECT count() AS n FROM rib FINAL WHERE is_withdrawn = 0', env);
    const ok = Number(u?.n) === want && Number(r?.n) === want && Number(d?.n) === 0;
    return `${ok ? 'exact' : 'MISMATCH'}: route_updates ${fmt(Number(u?.n))} (${fmt(Number(d?.n))} keys twice), rib FINAL ${fmt(Number(r?.n))} (want ${fmt(want)})`;
  } catch (e) {
    return `check failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

interface CaseSpec {
  readonly name: string;
  readonly routers: number;
  readonly prefixes: number;
}

async function runCase(spec: CaseSpec, o: { load: string; apiSeconds: number; profileDir: string | undefined; timeoutMs: number; set: Record<string, string> }): Promise<CaseResult> {
  const streams: LeafStream[] = [];
  for (let i = 0; i < spec.routers; i++) streams.push(leafStream(SCRATCH, i, spec.prefixes));
  const routers = streams.map((_, i) => leafAddress(i));
  const want = spec.routers * spec.prefixes * 2;
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-bench-storm-'));
  const [bmp, metrics, apiPort] = [await freePort(), await freePort(), await freePort()];
  // Default configuration: nothing of the writer, the bus or the analyzer is set.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    RIBWATCH_CONFIG: '',
    RIBWATCH_LOG_LEVEL: 'warn',
    RIBWATCH_STORE_KIND: 'embedded',
    RIBWATCH_STORE_DATA_DIR: join(dir, 'data'),
    RIBWATCH_COLLECTOR_METRICS_LISTEN: `127.0.0.1:${metrics}`,
    RIBWATCH_API_TOKEN: TOKEN,
    RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0',
    ...o.set,
  };
  const prof = o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(o.profileDir, spec.name)}`];
  const role = new CliRole('ribwatch run', ['run', '--bmp-listen', `127.0.0.1:${bmp}`, '--api-listen', `127.0.0.1:${apiPort}`], env, metrics, prof);
  const base = `http://127.0.0.1:${apiPort}`;
  const senders: Sender[] = [];
  try {
    await until('ribwatch run to serve metrics and the API', async () => {
      if (role.exited) throw new Error(role.explain());
      if ((await role.metrics()) === undefined) return false;
      return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true;
    }, 120_000, 200, () => role.explain());
    const cpu0 = cpuSeconds(role.pid);
    const threads0 = threadCpu(role.pid);
    const during = o.load === 'during' ? loadDuring(base, routers, spec.prefixes) : undefined;
    const t0 = Date.now();
    const since = (): number => (Date.now() - t0) / 1000;
    for (const s of await Promise.all(streams.map((s, i) => sendStream(s.file, bmp, { localAddress: leafAddress(i), timeoutMs: o.timeoutMs })))) senders.push(s);
    let sent = 0;
    let stored = 0;
    let counts = 0;
    let rib = 0;
    void Promise.all(senders.map((s) => s.done)).then(() => (sent = since()));
    let rows = 0;
    await until(
      'every router queryable through the API',
      async () => {
        if (role.exited) throw new Error('ribwatch run exited');
        if (stored === 0) {
          rows = (await role.metrics())?.get('ribwatch_writer_route_update_rows_total') ?? rows;
          if (rows >= want) stored = since();
        }
        if (counts === 0 && (await countsComplete(base, routers, spec.prefixes))) counts = since();
        if (rib === 0 && (await ribComplete(base, routers, spec.prefixes))) rib = since();
        return stored > 0 && counts > 0 && rib > 0;
      },
      o.timeoutMs,
      250,
      () => `rows stored ${fmt(rows)} of ${fmt(want)}; counts ${counts > 0 ? 'complete' : 'incomplete'}; rib ${rib > 0 ? 'complete' : 'incomplete'}\n${role.explain()}`,
    );
    const load: LoadResult[] = [];
    if (during) load.push(await during.stop());
    const cpu = cpuSeconds(role.pid) - cpu0;
    const threads = diffCpu(threads0, threadCpu(role.pid));
    const m = await role.metrics();
    const writer: Record<string, number> = {};
    for (const k of WRITER_TIMINGS) writer[k.replace('ribwatch_writer_', '')] = Math.round((m?.get(k) ?? 0) * 100) / 100;
    const la = loadavg();
    if (o.load === 'after') for (const c of [1, 16]) load.push(...(await loadApi(base, routers, spec.prefixes, c, o.apiSeconds)));
    const rss = statusKb(role.pid, 'VmHWM');
    for (const s of senders) s.close();
    await role.stop(60_000);
    const c = await check(env, want);
    const r: CaseResult = { name: spec.name, routers: spec.routers, prefixes: spec.prefixes, rows: want, sent, stored, counts, rib, queryable: Math.max(counts, rib), cpuSeconds: cpu, peakRssMb: rss / 1024, loadavg: la, threads, writer, load, check: c };
    log(`${spec.name}: ${spec.routers} × ${fmt(spec.prefixes)} × pre+post = ${fmt(want)} rows; sent ${sent.toFixed(1)} s, stored ${stored.toFixed(1)} s, counts ${counts.toFixed(1)} s, rib ${rib.toFixed(1)} s; CPU ${cpu.toFixed(1)} s; VmHWM ${r.peakRssMb.toFixed(0)} MB; load ${la.map((x) => x.toFixed(1)).join(' ')}; ${c}`);
    log(`${spec.name}: CPU s per thread ${JSON.stringify(threads)}; writer ${JSON.stringify(writer)}`);
    return r;
  } finally {
    for (const s of senders) s.close();
    await role.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: readonly CaseResult[]): string {
  const head = ['case', 'rows', 'all sent, s', 'last row stored, s', 'peers counts, s', 'rib answers, s', 'queryable, s', 'rows/s', 'CPU s (rows per CPU-s)', 'peak RSS MB', 'load avg (1 min)', 'check'];
  const body = results.map((r) => [
    `${r.name}: ${r.routers} × ${fmt(r.prefixes)} × pre+post`,
    fmt(r.rows),
    r.sent.toFixed(1),
    r.stored.toFixed(1),
    r.counts.toFixed(1),
    r.rib.toFixed(1),
    r.queryable.toFixed(1),
    fmt(r.rows / r.queryable),
    `${r.cpuSeconds.toFixed(1)} (${fmt(r.rows / r.cpuSeconds)})`,
    r.peakRssMb.toFixed(0),
    (r.loadavg[0] ?? 0).toFixed(1),
    r.check,
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((c) => `| ${c.join(' | ')} |`);
  const loads = results.flatMap((r) => r.load.map((l) => [r.name, l.name, String(l.connections), fmt(l.rps), String(l.p50), String(l.p99), String(l.non2xx)]));
  if (loads.length > 0) {
    const h = ['case', 'API load', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'];
    lines.push('', ...[h, h.map(() => '---'), ...loads].map((c) => `| ${c.join(' | ')} |`));
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: 'one,storm' },
      routers: { type: 'string', default: '40' },
      prefixes: { type: 'string', default: '5000' },
      'one-prefixes': { type: 'string', default: '200000' },
      load: { type: 'string', default: 'after' },
      'api-seconds': { type: 'string', default: '5' },
      profile: { type: 'string' },
      'timeout-s': { type: 'string', default: '600' },
      set: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
    allowPositionals: false,
  });
  const cases = new Set(values.cases.split(','));
  const specs: CaseSpec[] = [];
  if (cases.has('one')) specs.push({ name: 'one', routers: 1, prefixes: Number(values['one-prefixes']) });
  if (cases.has('storm')) specs.push({ name: 'storm', routers: Number(values.routers), prefixes: Number(values.prefixes) });
  for (const s of specs) {
    if (!(s.routers >= 1 && s.routers <= 5000) || !(s.prefixes >= 1 && s.prefixes <= 1_000_000)) throw new Error(`${s.name}: routers 1..5000 and prefixes 1..1000000`);
  }
  if (!['after', 'during', 'none'].includes(values.load)) throw new Error('--load is after, during or none');
  const profileDir = values.profile !== undefined ? resolve(values.profile) : undefined;
  // --set RIBWATCH_X=Y: a configuration away from the default, for comparison (e.g. RIBWATCH_WRITER_INDEX_MAX_ROUTES=0).
  const set: Record<string, string> = {};
  for (const kv of values.set) {
    const i = kv.indexOf('=');
    if (i <= 0 || !kv.startsWith('RIBWATCH_')) throw new Error(`--set takes RIBWATCH_NAME=VALUE, not ${kv}`);
    set[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (Object.keys(set).length > 0) log(`configuration away from the default: ${JSON.stringify(set)}`);
  log(`ribwatch bench:storm — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results: CaseResult[] = [];
  for (const s of specs) {
    try {
      results.push(await runCase(s, { load: values.load, apiSeconds: Number(values['api-seconds']), profileDir, timeoutMs: Number(values['timeout-s']) * 1000, set }));
    } catch (e) {
      log(`${s.name} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  process.stdout.write(`\n${table(results)}\n`);
  if (profileDir !== undefined) {
    for (const d of readdirSync(profileDir)) log(`CPU profile in ${join(profileDir, d)}: node dist/bench/profile-top.js --by-folder ${join(profileDir, d)}/*.cpuprofile`);
  }
  const file = join(SCRATCH, `storm-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, results }, null, 2)}\n`);
  log(`results in ${file}`);
  return results.length === specs.length && results.every((r) => r.check.startsWith('exact')) ? 0 : 1;
}

// Children are killed by PID on exit (pipeline-harness); make a signal an exit.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:storm: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

/**
 * Start-up failures of the roles as processes: a bad or unknown configuration key, Kafka that is
 * not there (a closed port), a ClickHouse server that refuses. Each is ONE line on stderr that
 * names the key and file, or the host, and a non-zero exit (2 configuration, 1 environment),
 * within a bounded time, with nothing on stdout and no stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-run-errors-'));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function ribwatch(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const start = Date.now();
  return new Promise((resolve) => {
    // The environment is explicit: no RIBWATCH_* of the developer's shell leaks in.
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', RIBWATCH_COLLECTOR_METRICS_LISTEN: '', ...env }, timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function oneLine(r: Result): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return lines[0] ?? '';
}

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

void test('run: a bad value exits 2 with one line naming the file and the key', async () => {
  const file = configFile('bad-value.yaml', 'store:\n  retentionDays: forever\n');
  const r = await ribwatch(['run', '--config', file, '--data', join(dir, 'never')]);
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch run: bad-value\.yaml: store\.retentionDays: expected whole days from 1 to 36500, got "forever" \(line 2\)$/);
  assert.equal(r.stdout, '');
});

void test('run: an unknown key exits 2 with one line naming the file, the key and the keys known there', async () => {
  const file = configFile('unknown.yaml', 'bus:\n  sasl:\n    mechanisms: plain\n');
  const r = await ribwatch(['run', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch run: unknown\.yaml: bus\.sasl\.mechanisms: unknown key \(known here: mechanism, username, password\) \(line 3\)$/);
});

void test('run: a bad flag value exits 2 naming the key it sets', async () => {
  const r = await ribwatch(['run', '--bmp-listen', 'localhost', '--data', join(dir, 'never')]);
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch run: command line: collector\.listen: expected HOST:PORT/);
});

void test('run: store.kind server without store.url exits 2 naming store.url', async () => {
  const r = await ribwatch(['run'], { RIBWATCH_STORE_KIND: 'server' });
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch run: store\.url: store\.kind is server but no URL is set/);
});

void test('collector: Kafka unreachable at start is one line naming the brokers, exit 1, within 20 s', async () => {
  const port = await closedPort();
  const r = await ribwatch(['collector', '--listen', '127.0.0.1:0'], { RIBWATCH_BUS_KIND: 'kafka', RIBWATCH_BUS_BROKERS: `127.0.0.1:${port}` });
  assert.equal(r.code, 1);
  assert.match(oneLine(r), new RegExp(`^ribwatch collector: kafka: cannot reach brokers 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  assert.equal(r.stdout, '');
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

void test('collector: bus.kafka without brokers exits 2 naming bus.brokers', async () => {
  const r = await ribwatch(['collector', '--listen', '127.0.0.1:0'], { RIBWATCH_BUS_KIND: 'kafka' });
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch collector: bus\.brokers: no Kafka brokers configured/);
});

void test('writer: a ClickHouse server that refuses is one line naming the host, exit 1; the password is never shown', async () => {
  const ch = await closedPort();
  const kafka = await closedPort();
  const r = await ribwatch(['writer'], {
    RIBWATCH_BUS_KIND: 'kafka',
    RIBWATCH_BUS_BROKERS: `127.0.0.1:${kafka}`,
    RIBWATCH_STORE_KIND: 'server',
    RIBWATCH_STORE_URL: `http://127.0.0.1:${ch}`,
    RIBWATCH_STORE_PASSWORD: 'hunter2-secret',
  });
  assert.equal(r.code, 1);
  const line = oneLine(r);
  assert.match(line, new RegExp(`^ribwatch writer: clickhouse: cannot reach http://127\\.0\\.0\\.1:${ch}: .*ECONNREFUSED.*check store\\.url`));
  assert.doesNotMatch(r.stderr + r.stdout, /hunter2/);
});

void test('run: a ClickHouse server store that refuses is one line naming the host, exit 1', async () => {
  const ch = await closedPort();
  const r = await ribwatch(['run', '--bmp-listen', '127.0.0.1:0'], { RIBWATCH_STORE_KIND: 'server', RIBWATCH_STORE_URL: `http://127.0.0.1:${ch}` });
  assert.equal(r.code, 1);
  assert.match(oneLine(r), new RegExp(`^ribwatch run: clickhouse: cannot reach http://127\\.0\\.0\\.1:${ch}: `));
  assert.equal(r.stdout, '');
});

void test('run: without the optional chdb package, one line names the fix, exit 1', async () => {
  // A module hook that makes chdb/connection unresolvable, as after `npm ci --omit=optional`.
  const hooks = configFile('no-chdb-hooks.mjs', `export async function resolve(spec, ctx, next) {
  if (spec === 'chdb/connection' || spec === 'chdb') { const e = new Error("Cannot find package 'chdb'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(spec, ctx);
}
`);
  const register = configFile('no-chdb.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const r = await ribwatch(['run', '--data', join(dir, 'no-chdb-data'), '--bmp-listen', '127.0.0.1:0'], { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` });
  assert.equal(r.code, 1);
  assert.match(oneLine(r), /^ribwatch run: store: the embedded store needs the optional package chdb, which is not installed: run `npm install chdb`.*or configure a ClickHouse server URL$/);
  assert.equal(r.stdout, '');
});

void test('writer: bus.kind none exits 2 naming bus.kind and pointing at `ribwatch run`', async () => {
  const file = configFile('writer-none.yaml', 'bus:\n  kind: none\n');
  const r = await ribwatch(['writer', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(oneLine(r), /^ribwatch writer: bus\.kind: the writer consumes Kafka, but bus\.kind is none \(.*writer-none\.yaml\): .*ribwatch run/);
});

void test('sql: no query is a usage error', async () => {
  const r = await ribwatch(['sql']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^ribwatch sql: expected one QUERY/);
});

void test('run, writer and sql are listed by `ribwatch --help`, run first', async () => {
  const r = await ribwatch(['--help']);
  assert.equal(r.code, 0);
  const commands = r.stdout
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]);
  assert.equal(commands[0], 'run');
  for (const c of ['writer', 'sql', 'collector', 'migrate']) assert.ok(commands.includes(c), c);
});

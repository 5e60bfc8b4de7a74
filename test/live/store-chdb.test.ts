/**
 * The store's contract on the embedded engine (chDB through @clickhouse/client's `connection`):
 * DDL, inserts as objects and as TabSeparated text, parameterised queries, UTC times, and the
 * one-data-directory-per-process rule. The same Store code talks HTTP to a server in production;
 * the server path is checked here only for its errors (no current ClickHouse server on this machine).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadChdb, openStore, tsvEscape } from '../../store/index.js';
import type { Store } from '../../store/index.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB store tests skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-store-'));
let store: Store | undefined;
const s = (): Store => {
  if (!store) throw new Error('store not open');
  return store;
};

before(async () => {
  if (!skip) store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_test' });
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('store (chDB): the database is created and used', { skip }, async () => {
  const [row] = await s().query<{ db: string }>('SELECT currentDatabase() AS db');
  assert.equal(row?.db, 'rw_test');
  assert.equal(s().kind, 'embedded');
  await s().ping();
});

test('store (chDB): create a MergeTree, insert objects, query with parameters', { skip }, async () => {
  await s().command(`CREATE TABLE peers (
      router LowCardinality(String), peer String, asn UInt32, as_path Array(UInt32), time DateTime64(3, 'UTC')
    ) ENGINE = MergeTree ORDER BY (router, peer, time)`);
  await s().insert('peers', [
    { router: '10.0.0.1', peer: '192.0.2.1', asn: 65001, as_path: [65001, 3356], time: '2026-11-21 10:00:00.125' },
    { router: '10.0.0.1', peer: '192.0.2.2', asn: 4200000001, as_path: [4200000001], time: '2026-11-21 10:00:01.000' },
    { router: '10.0.0.2', peer: '192.0.2.1', asn: 65001, as_path: [], time: '2026-11-21 10:00:02.000' },
  ]);
  const rows = await s().query<{ peer: string; asn: number; as_path: number[]; at: string }>(
    `SELECT peer, asn, as_path, toString(time) AS at FROM peers
      WHERE router = {router:String} AND time >= {since:DateTime64(3, 'UTC')} AND has({asns:Array(UInt32)}, asn)
      ORDER BY time`,
    { router: '10.0.0.1', since: '2026-11-21 10:00:00.000', asns: [65001, 4200000001] },
  );
  assert.deepEqual(rows, [
    { peer: '192.0.2.1', asn: 65001, as_path: [65001, 3356], at: '2026-11-21 10:00:00.125' },
    { peer: '192.0.2.2', asn: 4200000001, as_path: [4200000001], at: '2026-11-21 10:00:01.000' },
  ]);
});

test('store (chDB): a parameter is data, never SQL', { skip }, async () => {
  const evil = "x' OR 1=1 --";
  const rows = await s().query<{ n: string }>('SELECT count() AS n FROM peers WHERE router = {r:String}', { r: evil });
  assert.equal(Number(rows[0]?.n), 0);
  const echo = await s().query<{ v: string }>('SELECT {v:String} AS v', { v: "it's \\ \t tab" });
  assert.equal(echo[0]?.v, "it's \\ \t tab");
});

test('store (chDB): TabSeparated bulk insert with escaping round-trips', { skip }, async () => {
  await s().command('CREATE TABLE notes (id UInt32, text String, tags Array(String)) ENGINE = MergeTree ORDER BY id');
  const texts = ['plain', 'tab\there', 'new\nline', 'back\\slash', 'cr\rreturn'];
  const body = texts.map((t, i) => `${i}\t${tsvEscape(t)}\t['a','b']`).join('\n') + '\n';
  await s().insertTsv('notes', ['id', 'text', 'tags'], body);
  const rows = await s().query<{ text: string; tags: string[] }>('SELECT text, tags FROM notes ORDER BY id');
  assert.deepEqual(
    rows.map((r) => r.text),
    texts,
  );
  assert.deepEqual(rows[0]?.tags, ['a', 'b']);
});

test('store (chDB): times are UTC whatever the process time zone', { skip }, async () => {
  const [r] = await s().query<{ t: string; tz: string }>("SELECT toString(toDateTime64('2026-11-21 23:59:59.999', 3, 'UTC')) AS t, timezoneOf(toDateTime64(now64(), 3, 'UTC')) AS tz");
  assert.equal(r?.t, '2026-11-21 23:59:59.999');
  assert.equal(r?.tz, 'UTC');
});

test('store (chDB): per-call settings hold for that call only (chDB keeps SET in the session; the store undoes it)', { skip }, async () => {
  const read = async (): Promise<{ v: string; t: string } | undefined> =>
    (await s().query<{ v: string; t: string }>("SELECT toString(getSetting('max_threads')) AS v, toString(getSetting('insert_deduplication_token')) AS t"))[0];
  const before = await read();
  const during = await s().query<{ v: string }>("SELECT toString(getSetting('max_threads')) AS v", undefined, { max_threads: 1 });
  assert.equal(during[0]?.v, '1');
  await s().command('SELECT 1', undefined, { insert_deduplication_token: 'x' });
  assert.deepEqual(await read(), before);
});

test('store (chDB): an insert deduplication token makes a replayed insert harmless (insertTsv and insert)', { skip }, async () => {
  await s().command('CREATE TABLE dedup (id UInt32, v String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100');
  const body = '1\ta\n2\tb\n';
  await s().insertTsv('dedup', ['id', 'v'], body, { insert_deduplication_token: 'topic/0:10-11' });
  await s().insertTsv('dedup', ['id', 'v'], body, { insert_deduplication_token: 'topic/0:10-11' });
  await s().insert('dedup', [{ id: 3, v: 'c' }], { insert_deduplication_token: 'topic/0:12-12' });
  await s().insert('dedup', [{ id: 3, v: 'c' }], { insert_deduplication_token: 'topic/0:12-12' });
  await s().insertTsv('dedup', ['id', 'v'], body, { insert_deduplication_token: 'topic/1:0-1' });
  const [r] = await s().query<{ n: string }>('SELECT count() AS n FROM dedup');
  assert.equal(Number(r?.n), 5, 'the same token twice inserts once; another token inserts again');
  const [t] = await s().query<{ t: string }>("SELECT toString(getSetting('insert_deduplication_token')) AS t");
  assert.equal(t?.t, '', 'the token did not stay in the session');
});

test('store (chDB): a second data directory in the same process is refused with the reason', { skip }, async () => {
  await assert.rejects(() => openStore({ kind: 'embedded', dataDir: join(dir, 'other') }), /one data directory per process/);
});

test('store (server): a bad URL and an unreachable server are one-line errors', async () => {
  await assert.rejects(() => openStore({ kind: 'server', url: 'not a url' }), /is not a URL/);
  const t0 = Date.now();
  await assert.rejects(
    () => openStore({ kind: 'server', url: 'http://user:pw@127.0.0.1:1', requestTimeoutMs: 2000 }),
    (e: Error) => {
      assert.match(e.message, /^ClickHouse at http:\/\/127\.0\.0\.1:1: /);
      assert.ok(!e.message.includes('pw'), 'no credentials in the message');
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
  assert.ok(Date.now() - t0 < 10_000);
});

test('store (embedded): without the chdb package, a one-line error names the fix', async () => {
  // A resolve hook that makes chdb absent, as after `npm ci --omit=optional`.
  const hook = `export async function resolve(s, c, next) { if (s === 'chdb' || s.startsWith('chdb/')) { const e = new Error("Cannot find package 'chdb'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
  const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
  const storeUrl = new URL('../../store/index.js', import.meta.url).href;
  const script = `import { openStore } from ${JSON.stringify(storeUrl)}; openStore({ kind: 'embedded', dataDir: ${JSON.stringify(join(dir, 'none'))} }).then(() => console.log('opened'), (e) => console.log(e.message));`;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], { timeout: 30_000, cwd: fileURLToPath(new URL('.', import.meta.url)) }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
  assert.match(out, /^the embedded store needs the optional package chdb, which is not installed: run `npm install chdb`/);
  assert.ok(!out.includes('\n'));
});

/**
 * Migrations (store/migrate.ts) on the real engine, chDB in a temporary data directory: the files
 * apply in order, a second run is a no-op, an applied file that changed is refused (naming it),
 * a new file is applied alone, retention changes the TTL. The templating is checked without chDB.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, migrationsDir, MigrationError, renderSql, splitStatements } from '../../store/migrate.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB migration tests skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-migrate-'));
let store: Store | undefined;
const s = (): Store => {
  if (!store) throw new Error('store not open');
  return store;
};

before(async () => {
  if (!skip) store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_migrate' });
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const EXPECTED = ['0001_routers.sql', '0002_peer_events.sql', '0003_route_updates.sql', '0004_rib.sql', '0005_bmp_stats.sql', '0006_rollups.sql', '0007_churn_dedup.sql'];

void test('the migration files are found in the repository, numbered and in order', () => {
  const files = loadMigrations();
  assert.deepEqual(
    files.map((f) => f.name).slice(0, EXPECTED.length),
    EXPECTED,
  );
  assert.match(migrationsDir(), /\/migrations$/);
  for (const f of files) assert.match(f.checksum, /^[0-9a-f]{64}$/);
});

void test('templating: plain by default; ON CLUSTER and Replicated engines for a cluster; retention days', () => {
  const sql = 'CREATE TABLE t {{on_cluster}} (a UInt8) ENGINE = {{engine:ReplacingMergeTree(version)}} TTL d + INTERVAL {{retention_days}} DAY';
  assert.equal(renderSql(sql), 'CREATE TABLE t  (a UInt8) ENGINE = ReplacingMergeTree(version) TTL d + INTERVAL 30 DAY');
  assert.equal(
    renderSql(sql, { cluster: 'fabric', retentionDays: 7 }),
    'CREATE TABLE t ON CLUSTER `fabric` (a UInt8) ENGINE = ReplicatedReplacingMergeTree(version) TTL d + INTERVAL 7 DAY',
  );
  assert.equal(renderSql('{{engine:MergeTree}}', { cluster: 'c1' }), 'ReplicatedMergeTree');
  assert.throws(() => renderSql('{{nope}}', {}, '0009_x.sql'), /0009_x\.sql: unknown placeholder \{\{nope\}\}/);
  assert.throws(() => renderSql('x', { cluster: 'a`; DROP' }), /not a plain identifier/);
  assert.throws(() => renderSql('x', { retentionDays: 0 }), /retention/);
  // Every shipped file renders both ways with no placeholder left.
  for (const f of loadMigrations()) {
    assert.doesNotMatch(renderSql(f.text, {}, f.name), /\{\{|\}\}/);
    assert.doesNotMatch(renderSql(f.text, { cluster: 'c' }, f.name), /\{\{|\}\}/);
  }
});

void test('statements split at a semicolon ending a line; comment lines are dropped', () => {
  assert.deepEqual(splitStatements('-- a comment; with a semicolon\nCREATE TABLE a (x String DEFAULT \';\');\n\nCREATE VIEW b AS\nSELECT 1;\n'), [
    "CREATE TABLE a (x String DEFAULT ';')",
    'CREATE VIEW b AS\nSELECT 1',
  ]);
});

void test('migrate applies every file in order and records name, checksum and time', { skip }, async () => {
  const lines: string[] = [];
  const r = await migrate(s(), { log: (l) => lines.push(l) });
  assert.deepEqual(r.applied.slice(0, EXPECTED.length), EXPECTED);
  assert.deepEqual(r.unchanged, []);
  assert.ok(lines.includes('applied 0004_rib.sql (3 statements)'), lines.join('\n'));
  const rows = await s().query<{ name: string; checksum: string; ok: number }>(
    "SELECT name, checksum, applied_at > now64(3) - INTERVAL 1 MINUTE AS ok FROM schema_migrations ORDER BY name",
  );
  const files = loadMigrations();
  assert.deepEqual(
    rows.map((x) => [x.name, x.checksum, x.ok]),
    files.map((f) => [f.name, f.checksum, 1]),
  );
  const tables = await s().query<{ name: string; engine: string }>(
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name != 'schema_migrations' ORDER BY name",
  );
  // Later issues add their own files (the analyzer's alerts): check the tables of these.
  const mine = new Set(['bmp_stats', 'peer_events', 'peer_prefix_counts', 'prefix_churn_1m', 'prefix_churn_1m_mv', 'rib', 'rib_current', 'rib_from_updates', 'route_updates', 'routers']);
  assert.deepEqual(
    tables.filter((t) => mine.has(t.name)).map((t) => `${t.name}:${t.engine}`),
    [
      'bmp_stats:MergeTree',
      'peer_events:MergeTree',
      'peer_prefix_counts:MergeTree',
      'prefix_churn_1m:SummingMergeTree',
      'prefix_churn_1m_mv:MaterializedView',
      'rib:ReplacingMergeTree',
      'rib_current:View',
      'rib_from_updates:MaterializedView',
      'route_updates:MergeTree',
      'routers:MergeTree',
    ],
  );
});

void test('a second run is a no-op', { skip }, async () => {
  const before = await s().query<{ n: string }>('SELECT count() AS n FROM schema_migrations');
  const r = await migrate(s());
  assert.deepEqual(r.applied, []);
  assert.deepEqual(r.unchanged.slice(0, EXPECTED.length), EXPECTED);
  assert.deepEqual(r.retentionChanged, []);
  assert.deepEqual(await s().query('SELECT count() AS n FROM schema_migrations'), before);
});

void test('an applied file that changed is refused, naming it, and nothing else is applied', { skip }, async () => {
  const copy = join(dir, 'changed');
  cpSync(migrationsDir(), copy, { recursive: true });
  const f = join(copy, '0002_peer_events.sql');
  writeFileSync(f, readFileSync(f, 'utf8').replace('was_up               UInt8', 'was_up               UInt16'));
  writeFileSync(join(copy, '0999_later.sql'), 'CREATE TABLE IF NOT EXISTS later {{on_cluster}} (x UInt8) ENGINE = {{engine:MergeTree}} ORDER BY x;\n');
  await assert.rejects(
    migrate(s(), { dir: copy }),
    (e: unknown) => e instanceof MigrationError && /migration 0002_peer_events\.sql was applied with checksum [0-9a-f]{12}… but the file now has [0-9a-f]{12}…/.test(e.message),
  );
  assert.deepEqual(await s().query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'later'"), []);
});

void test('a new file is applied alone; a failing one is not recorded and names its statement', { skip }, async () => {
  const copy = join(dir, 'added');
  cpSync(migrationsDir(), copy, { recursive: true });
  writeFileSync(join(copy, '0998_broken.sql'), 'CREATE TABLE IF NOT EXISTS ok_first (x UInt8) ENGINE = MergeTree ORDER BY x;\nCREATE TABLE nonsense (;\n');
  await assert.rejects(migrate(s(), { dir: copy }), /migration 0998_broken\.sql, statement 2 of 2 failed/);
  assert.deepEqual(await s().query("SELECT name FROM schema_migrations WHERE name = '0998_broken.sql'"), []);
  writeFileSync(join(copy, '0998_broken.sql'), 'CREATE TABLE IF NOT EXISTS ok_first (x UInt8) ENGINE = MergeTree ORDER BY x;\nCREATE TABLE IF NOT EXISTS ok_second (x UInt8) ENGINE = MergeTree ORDER BY x;\n');
  const r = await migrate(s(), { dir: copy });
  assert.deepEqual(r.applied, ['0998_broken.sql'], 're-run whole once fixed');
});

void test('a retention change sets the TTL of the history tables, once', { skip }, async () => {
  const r = await migrate(s(), { retentionDays: 7 });
  assert.deepEqual(r.retentionChanged, ['bmp_stats', 'peer_prefix_counts', 'prefix_churn_1m', 'route_updates']);
  const [t] = await s().query<{ engine_full: string }>("SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'route_updates'");
  assert.match(t?.engine_full ?? '', /TTL toDateTime\(time\) \+ toIntervalDay\(7\)/);
  assert.deepEqual((await migrate(s(), { retentionDays: 7 })).retentionChanged, []);
});

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));

function ribwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'migrate', ...args], { env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

void test('`ribwatch migrate --data DIR` applies, then reports nothing to do; --status lists the files', { skip }, async () => {
  const data = join(dir, 'cli-data');
  const first = await ribwatch('--data', data);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /applied 0001_routers\.sql \(1 statement\)/);
  assert.match(first.stdout, /ribwatch migrate: ribwatch at .*cli-data: \d+ applied, 0 already applied\n$/);
  const again = await ribwatch('--data', data);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^ribwatch migrate: ribwatch at .*: 0 applied, \d+ already applied\n$/);
  const status = await ribwatch('--data', data, '--status');
  assert.match(status.stdout, /^0001_routers\.sql {2}applied$/m);
});

void test('`ribwatch migrate` usage errors exit 2 with the reason; an unreachable server exits 1 with one line', async () => {
  const both = await ribwatch('--data', join(dir, 'x'), '--clickhouse', 'http://127.0.0.1:9');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--data and --clickhouse exclude each other/);
  const cluster = await ribwatch('--cluster', 'c1');
  assert.equal(cluster.code, 2);
  assert.match(cluster.stderr, /--cluster needs --clickhouse/);
  const days = await ribwatch('--retention-days', '0');
  assert.equal(days.code, 2);
  const down = await ribwatch('--clickhouse', 'http://127.0.0.1:9');
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^ribwatch migrate: ClickHouse at http:\/\/127\.0\.0\.1:9: .*\n$/);
});

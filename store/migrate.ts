/**
 * Schema migrations: numbered ClickHouse SQL files in the repository's top-level `migrations/`
 * (`0001_routers.sql`, ...), applied in order and recorded in `schema_migrations` (name, sha256
 * of the file as written, applied_at). An applied file that changed on disk is refused: fix it
 * with a new file, never by editing history.
 *
 * The files are templates, so one set serves the embedded engine and a cluster (docs/schema.md):
 *
 *   {{on_cluster}}            ''  or  ON CLUSTER `name`
 *   {{engine:X(args)}}        X(args)  or  ReplicatedX(args) (replica path and name from the
 *                             server's default_replica_path / default_replica_name)
 *   {{retention_days}}        the TTL of history tables, in days
 *
 * The checksum is taken over the template, not the rendering: switching to a cluster or changing
 * the retention is not a change of an applied file. A retention change is applied to existing
 * tables with ALTER ... MODIFY TTL (see `applyRetention`).
 *
 * Statements in a file end with `;` at the end of a line. They are not transactional (ClickHouse
 * DDL is not): a file that fails halfway is not recorded and is re-run whole next time, which is
 * why every statement says IF NOT EXISTS.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../lifecycle/startup.js';
import type { Store } from './index.js';

export const DEFAULT_RETENTION_DAYS = 30;

/** History tables whose TTL follows `retentionDays`, and the time expression of each TTL. */
export const RETENTION_TABLES: Readonly<Record<string, string>> = {
  route_updates: 'toDateTime(time)',
  bmp_stats: 'toDateTime(time)',
  prefix_churn_1m: 'minute',
  peer_prefix_counts: 'toDateTime(time)',
};

export interface MigrateOptions {
  /** Render ON CLUSTER and Replicated* engines for this cluster; undefined (the default, and the only choice on chDB) renders plain tables. */
  readonly cluster?: string | undefined;
  /** TTL of history tables; default 30. */
  readonly retentionDays?: number;
  /** Where the SQL files are; default the repository's migrations/. */
  readonly dir?: string;
  /** Progress lines ("applied 0003_route_updates.sql"). */
  readonly log?: (line: string) => void;
}

export interface MigrationFile {
  /** File name, e.g. "0003_route_updates.sql". */
  readonly name: string;
  readonly number: number;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
  readonly text: string;
}

export interface MigrateResult {
  readonly applied: readonly string[];
  /** Already applied, unchanged. */
  readonly unchanged: readonly string[];
  /** Recorded as applied but no longer on disk (a newer build ran here?). */
  readonly unknown: readonly string[];
  /** Tables whose TTL was changed to the configured retention. */
  readonly retentionChanged: readonly string[];
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** The repository root: the nearest directory above this module with ribwatch's package.json. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'ribwatch') return dir;
      } catch {
        // not ours; keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new MigrationError(`cannot find ribwatch's package root above ${from}`);
    dir = up;
  }
}

export function migrationsDir(): string {
  return join(packageRoot(), 'migrations');
}

const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** Reads the migration files in order; refuses odd names and duplicate numbers. */
export function loadMigrations(dir: string = migrationsDir()): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations directory ${dir} does not exist`);
  const files: MigrationFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.sql')) continue;
    const m = FILE_RE.exec(name);
    if (!m) throw new MigrationError(`${join(dir, name)}: migration files are named NNNN_lower_snake.sql`);
    const bytes = readFileSync(join(dir, name));
    files.push({ name, number: Number(m[1]), checksum: createHash('sha256').update(bytes).digest('hex'), text: bytes.toString('utf8') });
  }
  for (let i = 1; i < files.length; i++) {
    const a = files[i - 1] as MigrationFile;
    const b = files[i] as MigrationFile;
    if (a.number === b.number) throw new MigrationError(`${b.name} and ${a.name} share the number ${String(b.number).padStart(4, '0')}`);
  }
  return files;
}

export interface RenderOptions {
  readonly cluster?: string | undefined;
  readonly retentionDays?: number;
}

function checkCluster(cluster: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(cluster)) throw new MigrationError(`cluster name ${JSON.stringify(cluster)} is not a plain identifier`);
  return cluster;
}

/** Renders the placeholders of one file (see the module comment); `file` names it in errors. */
export function renderSql(text: string, o: RenderOptions = {}, file = 'SQL'): string {
  const days = o.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new MigrationError(`retention must be a whole number of days from 1 to 36500, got ${days}`);
  const cluster = o.cluster === undefined || o.cluster === '' ? undefined : checkCluster(o.cluster);
  return text.replace(/\{\{([^}]*)\}\}/g, (_all, body: string) => {
    const p = body.trim();
    if (p === 'on_cluster') return cluster === undefined ? '' : `ON CLUSTER \`${cluster}\``;
    if (p === 'retention_days') return String(days);
    if (p.startsWith('engine:')) {
      const engine = p.slice('engine:'.length).trim();
      if (!/^[A-Za-z]*MergeTree\b/.test(engine)) throw new MigrationError(`${file}: {{${p}}} is not a MergeTree-family engine`);
      return cluster === undefined ? engine : `Replicated${engine}`;
    }
    throw new MigrationError(`${file}: unknown placeholder {{${p}}} (known: on_cluster, engine:…, retention_days)`);
  });
}

/** Splits a rendered file into statements: `;` at the end of a line ends one; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of sql.split('\n')) {
    if (/^\s*--/.test(line)) continue;
    const end = /;\s*$/.test(line);
    cur.push(end ? line.replace(/;\s*$/, '') : line);
    if (end) {
      const s = cur.join('\n').trim();
      if (s) out.push(s);
      cur = [];
    }
  }
  const rest = cur.join('\n').trim();
  if (rest) out.push(rest);
  return out;
}

const SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations {{on_cluster}}
(
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:MergeTree}}
ORDER BY name`;

// chDB applies per-query settings as session SETs that outlive the query (see the writer's notes),
// so every statement here says explicitly that it carries no deduplication token.
const NO_TOKEN = { insert_deduplication_token: '' };

/** What schema_migrations says is applied: name → checksum (the first record of a name wins). */
export async function appliedMigrations(store: Store, o: RenderOptions = {}): Promise<Map<string, string>> {
  await store.command(renderSql(SCHEMA_MIGRATIONS, o, 'schema_migrations'));
  const rows = await store.query<{ name: string; checksum: string }>(
    'SELECT name, argMin(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY name ORDER BY name',
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/**
 * Applies every migration file not yet applied, in order, after checking that every applied one
 * is unchanged (nothing is applied if one changed). Then brings the history tables' TTL to the
 * configured retention.
 */
export async function migrate(store: Store, o: MigrateOptions = {}): Promise<MigrateResult> {
  const log = o.log ?? (() => undefined);
  const files = loadMigrations(o.dir);
  const applied = await appliedMigrations(store, o);
  for (const f of files) {
    const sum = applied.get(f.name);
    if (sum !== undefined && sum !== f.checksum) {
      throw new MigrationError(
        `migration ${f.name} was applied with checksum ${sum.slice(0, 12)}… but the file now has ${f.checksum.slice(0, 12)}…: applied migrations must not change; restore the file and put the change in a new migration`,
      );
    }
  }
  const known = new Set(files.map((f) => f.name));
  const unknown = [...applied.keys()].filter((n) => !known.has(n));
  for (const n of unknown) log(`warning: ${n} is recorded as applied but is not in ${o.dir ?? migrationsDir()}`);

  const done: string[] = [];
  const unchanged: string[] = [];
  for (const f of files) {
    if (applied.has(f.name)) {
      unchanged.push(f.name);
      continue;
    }
    const statements = splitStatements(renderSql(f.text, o, f.name));
    for (const [i, s] of statements.entries()) {
      try {
        await store.command(s, undefined, NO_TOKEN);
      } catch (e) {
        throw new MigrationError(`migration ${f.name}, statement ${i + 1} of ${statements.length} failed: ${oneLine(e)}`);
      }
    }
    await store.command(
      'INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ({name:String}, {checksum:String}, now64(3))',
      { name: f.name, checksum: f.checksum },
      NO_TOKEN,
    );
    log(`applied ${f.name} (${statements.length} statement${statements.length === 1 ? '' : 's'})`);
    done.push(f.name);
  }
  const retentionChanged = await applyRetention(store, o);
  for (const t of retentionChanged) log(`retention of ${t} set to ${o.retentionDays ?? DEFAULT_RETENTION_DAYS} days`);
  return { applied: done, unchanged, unknown, retentionChanged };
}

/**
 * Sets the TTL of the history tables to the configured retention where it differs. Existing parts
 * are not rewritten at once (materialize_ttl_after_modify = 0): rows past the new TTL go at the
 * next merges.
 */
export async function applyRetention(store: Store, o: RenderOptions = {}): Promise<string[]> {
  const days = o.retentionDays ?? DEFAULT_RETENTION_DAYS;
  renderSql('', o); // validates days and cluster
  const rows = await store.query<{ name: string; engine_full: string }>(
    'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND has({names:Array(String)}, name)',
    { names: Object.keys(RETENTION_TABLES) },
  );
  const changed: string[] = [];
  for (const r of rows) {
    // The server shows the TTL normalised: `+ toIntervalDay(30)`.
    const m = /\bTTL .*?(?:toIntervalDay\((\d+)\)|INTERVAL (\d+) DAY)/.exec(r.engine_full);
    if (m && Number(m[1] ?? m[2]) === days) continue;
    const expr = RETENTION_TABLES[r.name] as string;
    await store.command(renderSql(`ALTER TABLE ${r.name} {{on_cluster}} MODIFY TTL ${expr} + INTERVAL {{retention_days}} DAY`, o), undefined, {
      ...NO_TOKEN,
      materialize_ttl_after_modify: 0,
    });
    changed.push(r.name);
  }
  return changed.sort();
}

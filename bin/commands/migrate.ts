/**
 * `ribwatch migrate`: applies the SQL files in migrations/ that the store has not applied yet
 * (store/migrate.ts), refusing when an applied one changed. The store is the configuration's
 * (store.*: the embedded engine under store.dataDir, default ./data as `ribwatch run`, or a
 * ClickHouse server), unless --data or --clickhouse name another.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/load.js';
import type { Config } from '../../config/config.js';
import { appliedMigrations, DEFAULT_RETENTION_DAYS, loadMigrations, migrate, MigrationError } from '../../store/migrate.js';
import { openStore } from '../../store/index.js';
import { connectStore, storeOptions } from '../setup/store.js';
import { startupFailed } from './role-setup.js';
import type { Store, StoreOptions } from '../../store/index.js';
import { usageError } from './command.js';
import type { Command } from './command.js';

const USAGE = `usage: ribwatch migrate [--config FILE] [--data DIR | --clickhouse URL] [options]

Creates or updates the ClickHouse tables (docs/schema.md): applies, in order, every file in
migrations/ not yet recorded in the schema_migrations table. An applied file that changed is
refused, naming it; nothing is applied then.

options:
  --config FILE          YAML configuration (default: $RIBWATCH_CONFIG); its store.* keys say which
                         store, unless --data or --clickhouse is given
  --data DIR             the embedded store (chDB) in DIR (default: store.dataDir, ./data)
  --clickhouse URL       a ClickHouse server instead: http(s)://[user:password@]host:port
  --database NAME        database (default: store.database, ribwatch; created when missing)
  --cluster NAME         render ON CLUSTER NAME and Replicated* engines (servers only; default store.cluster)
  --retention-days N     TTL of the history tables (default: store.retentionDays, ${DEFAULT_RETENTION_DAYS}); a change is applied to existing tables
  --status               list applied and pending files, change nothing
  -h, --help             this text

Exit status: 0 done, 1 a migration failed or was refused, 2 usage or configuration error.`;

interface Flags {
  config?: string;
  data?: string;
  clickhouse?: string;
  database?: string;
  cluster?: string;
  'retention-days'?: string;
  status?: boolean;
}

export const command: Command = {
  usage: USAGE,
  async run(argv, io) {
    let values: Flags;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          config: { type: 'string' },
          data: { type: 'string' },
          clickhouse: { type: 'string' },
          database: { type: 'string' },
          cluster: { type: 'string' },
          'retention-days': { type: 'string' },
          status: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      return usageError(io, 'migrate', err instanceof Error ? err.message : String(err));
    }
    if (values.data !== undefined && values.clickhouse !== undefined) return usageError(io, 'migrate', '--data and --clickhouse exclude each other');
    let retentionDays: number | undefined;
    if (values['retention-days'] !== undefined) {
      retentionDays = Number(values['retention-days']);
      if (!/^\d+$/.test(values['retention-days']) || retentionDays < 1 || retentionDays > 36500) return usageError(io, 'migrate', `--retention-days: expected whole days from 1 to 36500, got ${JSON.stringify(values['retention-days'])}`);
    }


    const file = values.config ?? process.env['RIBWATCH_CONFIG'];
    let config: Config;
    try {
      const loaded = loadConfig({ ...(file !== undefined && file !== '' ? { file } : {}), env: process.env });
      config = loaded.config;
      for (const w of loaded.warnings) io.stderr.write(`ribwatch migrate: warning: ${w}\n`);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`ribwatch migrate: ${err.message}\n`);
        return 2;
      }
      throw err;
    }

    if (values.cluster !== undefined && values.clickhouse === undefined && (values.data !== undefined || config.store.kind === 'embedded')) {
      return usageError(io, 'migrate', '--cluster needs --clickhouse (or store.kind server): the embedded engine has no cluster');
    }
    const database = values.database ?? config.store.database;
    const fromFlags: StoreOptions | undefined =
      values.clickhouse !== undefined ? { kind: 'server', url: values.clickhouse, database } : values.data !== undefined ? { kind: 'embedded', dataDir: values.data, database } : undefined;
    let store: Store;
    try {
      store = fromFlags !== undefined ? await openStore(fromFlags) : await connectStore({ ...storeOptions(config.store), database });
    } catch (err) {
      return startupFailed('migrate', io, err);
    }
    const cluster = values.cluster ?? (store.kind === 'server' && config.store.cluster !== '' ? config.store.cluster : undefined);
    const opts = { cluster, retentionDays: retentionDays ?? config.store.retentionDays };
    try {
      if (values.status) {
        const applied = await appliedMigrations(store, opts);
        for (const f of loadMigrations()) {
          const sum = applied.get(f.name);
          const state = sum === undefined ? 'pending' : sum === f.checksum ? 'applied' : 'CHANGED since applied';
          io.stdout.write(`${f.name}  ${state}\n`);
        }
        return 0;
      }
      const r = await migrate(store, { ...opts, log: (line) => io.stdout.write(`${line}\n`) });
      io.stdout.write(
        `ribwatch migrate: ${store.database} at ${store.where}: ${r.applied.length} applied, ${r.unchanged.length} already applied${r.unknown.length > 0 ? `, ${r.unknown.length} recorded but not in this build` : ''}\n`,
      );
      return 0;
    } catch (err) {
      io.stderr.write(`ribwatch migrate: ${err instanceof MigrationError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await store.close();
    }
  },
};

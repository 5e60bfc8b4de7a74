/**
 * `ribwatch sql QUERY`: one read-only query against the store of the configuration (or the
 * embedded store in --data DIR), printed as TSV with a header line or as a pretty table. For
 * looking at what `run` or `writer` stored with SQL (the REST API serves the common questions).
 *
 * Read-only is the server's (and chDB's) own `readonly = 2`: SELECT, SHOW, DESCRIBE and EXPLAIN
 * work, anything that writes is refused by the engine. The query is the operator's own text and
 * reaches the engine as is; nothing is interpolated into it.
 */
import { parseArgs } from 'node:util';
import { connectStore, storeOptions } from '../setup/store.js';
import type { Store } from '../../store/index.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';
import { configFile, loadRoleConfig, startupFailed } from './role-setup.js';

const USAGE = `usage: ribwatch sql [--config FILE] [--data DIR] [--format tsv|pretty|json|csv] QUERY

Runs one read-only query (SELECT, SHOW, DESCRIBE, EXPLAIN) against the store and prints the result.
Tables are described in docs/schema.md; for example:

  ribwatch sql "SELECT router, count() FROM rib FINAL WHERE NOT is_withdrawn GROUP BY router"
  ribwatch sql "SELECT time, router, peer_address, event, reason_name FROM peer_events ORDER BY time DESC LIMIT 20"

options:
  --config FILE    YAML configuration: the store.* keys say which store (default: $RIBWATCH_CONFIG)
  --data DIR       the embedded store in DIR (store.kind embedded, store.dataDir DIR)
  --format F       tsv (a header line, then tab-separated rows; the default when not a terminal),
                   pretty (a table; the default on a terminal), json (one object per line), csv
  -h, --help       this text

The embedded store (chDB) can be opened by one process at a time: while \`ribwatch run\` holds
the data directory, stop it first (or query through the REST API that run serves). A ClickHouse
server has no such limit.`;

const FORMATS: Readonly<Record<string, string>> = {
  tsv: 'TabSeparatedWithNames',
  pretty: 'PrettyCompactMonoBlock',
  json: 'JSONEachRow',
  csv: 'CSVWithNames',
};

export const command: Command = {
  usage: USAGE,
  async run(argv, io: CliIo) {
    let values: { config?: string; data?: string; format?: string };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: [...argv],
        options: { config: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' } },
        strict: true,
        allowPositionals: true,
      }));
    } catch (err) {
      return usageError(io, 'sql', err instanceof Error ? err.message : String(err));
    }
    if (positionals.length !== 1 || (positionals[0] ?? '').trim() === '') return usageError(io, 'sql', 'expected one QUERY (quote it)');
    const query = (positionals[0] ?? '').trim().replace(/;\s*$/, '');
    const isTty = (io.stdout as NodeJS.WriteStream).isTTY === true;
    const formatName = values.format ?? (isTty ? 'pretty' : 'tsv');
    const format = FORMATS[formatName];
    if (format === undefined) return usageError(io, 'sql', `--format: expected one of ${Object.keys(FORMATS).join(', ')}, got ${JSON.stringify(formatName)}`);

    const overrides: Record<string, string> = values.data !== undefined ? { 'store.kind': 'embedded', 'store.dataDir': values.data } : {};
    const config = loadRoleConfig('sql', io, configFile(values.config), overrides);
    if (typeof config === 'number') return config;
    let store: Store;
    try {
      store = await connectStore(storeOptions(config.store));
    } catch (err) {
      return startupFailed('sql', io, err);
    }
    try {
      const rs = await store.client.query({ query, format: format as 'TabSeparatedWithNames', clickhouse_settings: { readonly: '2' } });
      io.stdout.write(await rs.text());
      return 0;
    } catch (err) {
      const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      io.stderr.write(`ribwatch sql: ${first.trim()}\n`);
      return 1;
    } finally {
      await store.close();
    }
  },
};

/**
 * `ribwatch api`: the REST API alone, over the configured store: a ClickHouse server (the usual
 * case for a separate API process), or an embedded store with its own data directory (chDB lets
 * one process open a data directory: not the one `ribwatch run` holds; `run` serves the API
 * itself). Without a configured token, the first run on an embedded store generates an admin
 * token and prints it once.
 */
import { parseArgs } from 'node:util';
import { start } from '../../api/index.js';
import type { RunningApiRole } from '../../api/index.js';
import type { Config } from '../../config/config.js';
import { createLogger } from '../../telemetry/log.js';
import { migrate } from '../../store/migrate.js';
import { formatHostPort } from '../../net/addresses.js';
import { connectStore, storeOptions } from '../setup/store.js';
import type { Store } from '../../store/index.js';
import { usageError } from './command.js';
import type { Command } from './command.js';
import { configFile, loadRoleConfig, startupFailed, waitForSignal } from './role-setup.js';

const USAGE = `usage: ribwatch api [--config FILE] [--listen HOST:PORT] [--data DIR]

Serves the REST API (/api/v1, OpenAPI at /docs) over the store named by store.* in the
configuration: a ClickHouse server (store.kind server), or the embedded store in store.dataDir
(one process per data directory: while \`ribwatch run\` holds it, use the API that run serves).
The tables are created when missing (as \`ribwatch migrate\` does).

options:
  --config FILE        YAML configuration (default: $RIBWATCH_CONFIG); api.* keys (docs/configuration.md)
  --listen HOST:PORT   overrides api.listen (default 127.0.0.1:8080)
  --data DIR           overrides store.dataDir (embedded store)
  -h, --help           this text

Tokens: api.tokens holds SHA-256 hashes; RIBWATCH_API_TOKEN sets one admin token. With none and
an embedded store, an admin token is generated at the first run and printed once.

Exit status: 0 stopped by SIGINT/SIGTERM, 1 failed to start, 2 usage or configuration error.`;

export const command: Command = {
  usage: USAGE,
  async run(argv, io) {
    let values: { config?: string; listen?: string; data?: string };
    try {
      ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, listen: { type: 'string' }, data: { type: 'string' } }, strict: true, allowPositionals: false }));
    } catch (err) {
      return usageError(io, 'api', err instanceof Error ? err.message : String(err));
    }
    const overrides: Record<string, string> = {};
    if (values.listen !== undefined) overrides['api.listen'] = values.listen;
    if (values.data !== undefined) overrides['store.dataDir'] = values.data;
    const config: Config | number = loadRoleConfig('api', io, configFile(values.config), overrides);
    if (typeof config === 'number') return config;

    const log = createLogger({ level: config.log.level, name: 'ribwatch-api' });
    let store: Store | undefined;
    let api: RunningApiRole;
    try {
      store = await connectStore(storeOptions(config.store));
      await migrate(store);
      api = await start({ store, log }, {
        config,
        ...(store.kind === 'embedded' ? { firstRunDir: store.where } : {}),
        onGeneratedToken: (token) => {
          io.stderr.write(`ribwatch api: no API token was configured, so an admin token was generated (shown this once; its hash is kept in ${store?.where ?? ''}/api-token.sha256):\n\n    ${token}\n\n  curl -H "Authorization: Bearer ${token}" http://${formatHostPort(config.api.listen)}/api/v1/peers\n\n`);
        },
      });
    } catch (err) {
      await store?.close();
      return startupFailed('api', io, err);
    }
    log.info({ url: api.url, store: store.where }, `API listening on ${api.url} (OpenAPI: ${api.url}/docs)`);
    await waitForSignal(log);
    await api.stop();
    await store.close();
    return 0;
  },
};

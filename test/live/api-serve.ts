/**
 * A throw-away API for fuzzing (scripts/schemathesis.sh --long, the bounded live fuzz test):
 * a temporary chDB store loaded with the real captures, the API on 127.0.0.1:0 with an admin
 * token and no rate limit. Prints "url URL" and "token TOKEN" on stdout; stops on SIGTERM/SIGINT
 * and removes its directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from '../../api/index.js';
import type { AlertsControl, SilenceLike } from '../../api/index.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../telemetry/log.js';
import { openStore } from '../../store/index.js';
import { API_CAPTURES, loadCaptures } from './api-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-api-fuzz-'));
const store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_fuzz' });
await loadCaptures(store, API_CAPTURES, { startMs: Date.now() - 30 * 60_000, stepMs: 10, dumpQuietMs: 5 });
const token = `rw_${randomBytes(18).toString('base64url')}`;
const { config } = loadConfig({ env: { RIBWATCH_API_TOKEN: token, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0' } });
// The analyzer's lifecycle stands in as a small in-memory one, so the write routes are fuzzed too.
const silences = new Map<string, SilenceLike>();
const alerts: AlertsControl = {
  acknowledge: (id) => (id.startsWith('0') ? `no open alert ${id}` : { id }),
  addSilence: async (input) => {
    const s: SilenceLike = { id: `s${silences.size + 1}`, matchers: input.matchers, startsAt: Date.now(), endsAt: Date.parse(input.endsAt), reason: input.reason, createdBy: input.createdBy ?? '', createdAt: Date.now() };
    if (Number.isNaN(s.endsAt)) return Promise.resolve(['endsAt: not a time']);
    silences.set(s.id, s);
    return Promise.resolve(s);
  },
  expireSilence: async (id) => Promise.resolve(silences.delete(id)),
};
const api = await startApi({ store, config, log: createLogger({ level: 'error' }), listen: { host: '127.0.0.1', port: 0 }, alerts });
process.stdout.write(`url ${api.url}\ntoken ${token}\n`);
const stop = async (): Promise<void> => {
  await api.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

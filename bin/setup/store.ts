/**
 * The store of a role, from configuration: options from `store.*` and a bounded open whose failure
 * names the fix (start the server, fix store.url, install chdb, stop the process holding the data
 * directory). The password goes into the options and nowhere else; messages never show it.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { openStore, CHDB_MISSING } from '../../store/index.js';
import type { Store, StoreOptions } from '../../store/index.js';
import { oneLine, readPem, StartupError, within } from '../../lifecycle/startup.js';

/** The store options of `store.*`; `dataDir` overrides store.dataDir (a --data flag). */
export function storeOptions(c: Config['store']): StoreOptions {
  if (c.kind === 'embedded') {
    if (c.cluster !== '') throw new StartupError('store.cluster: only a ClickHouse server has clusters; unset it, or set store.kind: server', 2);
    return { kind: 'embedded', dataDir: c.dataDir, database: c.database };
  }
  if (c.url === '') throw new StartupError('store.url: store.kind is server but no URL is set (e.g. http://clickhouse:8123, or RIBWATCH_STORE_URL)', 2);
  const u = new URL(c.url);
  if (u.username !== '' || u.password !== '') throw new StartupError('store.url: credentials in the URL are not accepted (they would be shown); use store.username and store.password', 2);
  const ca = readPem(c.tls.ca, 'store.tls.ca');
  const cert = readPem(c.tls.cert, 'store.tls.cert');
  const key = readPem(c.tls.key, 'store.tls.key');
  if ((cert === undefined) !== (key === undefined)) throw new StartupError('store.tls.cert and store.tls.key: set both (mutual TLS) or neither', 2);
  if (cert !== undefined && ca === undefined) throw new StartupError('store.tls.cert: mutual TLS needs store.tls.ca as well', 2);
  return {
    kind: 'server',
    url: c.url,
    username: c.username,
    password: c.password,
    database: c.database,
    ...(ca !== undefined ? { tls: { ca, ...(cert !== undefined && key !== undefined ? { cert, key } : {}) } } : {}),
  };
}

/**
 * The process holding an embedded data directory, if another one does (Linux: chDB flocks
 * DIR/status, and /proc/locks names the holder). Asked before opening, so the answer is our one
 * line rather than the engine's own complaint on stderr. Undefined when unknown or free.
 */
export function embeddedHolder(dataDir: string): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const st = statSync(join(resolve(dataDir), 'status'));
    const major = (st.dev >> 8) & 0xfff;
    const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
    const dev = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // "1: FLOCK  ADVISORY  WRITE 17279 fe:00:9977937 0 EOF"
      if (f[1] === 'FLOCK' && f[5] === dev) {
        const pid = Number(f[4]);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) return pid;
      }
    }
  } catch {
    // no status file yet (a new directory), or no /proc: nothing known
  }
  return undefined;
}

function heldMessage(dataDir: string, pid: number | undefined): string {
  return `store: cannot open the embedded store in ${resolve(dataDir)}: another process${pid !== undefined ? ` (pid ${pid})` : ''} holds it (chDB lets one process open a data directory: is \`ribwatch run\` running on it? stop it first)`;
}

export const STORE_OPEN_TIMEOUT_MS = 15_000;

/** Opens the store (bounded), naming the fix when it cannot: start the server, fix store.url, install chdb. */
export async function connectStore(o: StoreOptions, timeoutMs = STORE_OPEN_TIMEOUT_MS): Promise<Store> {
  if (o.kind === 'embedded') {
    const holder = embeddedHolder(o.dataDir);
    if (holder !== undefined) throw new StartupError(heldMessage(o.dataDir, holder));
  }
  try {
    return await within(openStore(o), timeoutMs, () => `no answer within ${timeoutMs / 1000} s`);
  } catch (e) {
    const m = oneLine(e);
    if (o.kind === 'embedded') {
      if (m === CHDB_MISSING || m.startsWith('chdb')) throw new StartupError(`store: ${m}`);
      if (/Failed to create connection/.test(m)) {
        throw new StartupError(heldMessage(o.dataDir, undefined));
      }
      throw new StartupError(`store: ${m}`);
    }
    const where = (() => {
      const u = new URL(o.url);
      return `${u.protocol}//${u.host}`;
    })();
    throw new StartupError(`clickhouse: cannot reach ${where}: ${m.replace(/^ClickHouse at \S+: /, '')} (check store.url, and that the server is up; or use store.kind: embedded)`);
  }
}

/**
 * The store: ClickHouse through `@clickhouse/client` only, one SQL dialect over two connections.
 *
 * - `server`: a ClickHouse server over HTTP(S) (production): URL, credentials, database, TLS
 *   (CA, mutual TLS), request timeout, compression.
 * - `embedded`: the ClickHouse engine in this process through chDB (`chdb/connection`'s
 *   `createChdbConnection` passed to `createClient({ connection })`), for `ribwatch run` and tests.
 *   chdb is an optional dependency loaded only here, only when chosen; without it the error says
 *   how to get it. chDB binds one data directory per process: all roles that use the embedded
 *   store must run in that one process (`ribwatch run`); separate role processes need a server.
 *
 * Every query takes its values as query parameters (`{name:Type}` placeholders); nothing here
 * builds SQL from input. Server-only features (ON CLUSTER, async inserts, Replicated* engines) are
 * options of the callers, never defaults: chDB has no cluster and no async insert queue.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseClientConfigOptions, ClickHouseSettings } from '@clickhouse/client';
import { oneLine } from '../lifecycle/startup.js';

export interface ServerStoreOptions {
  readonly kind: 'server';
  /** http(s)://host:8123 (8443 for TLS). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database?: string;
  /** PEM text. ca alone = server verification; with cert and key = mutual TLS. */
  readonly tls?: { readonly ca: string; readonly cert?: string; readonly key?: string };
  readonly requestTimeoutMs?: number;
  /** gzip request and response bodies (default true for request: inserts are large). */
  readonly compression?: boolean;
  /** Settings applied to every query (e.g. async_insert=1 on a server that wants it). */
  readonly settings?: ClickHouseSettings;
}

export interface EmbeddedStoreOptions {
  readonly kind: 'embedded';
  /** Where chDB keeps its tables; created when missing. */
  readonly dataDir: string;
  readonly database?: string;
}

export type StoreOptions = ServerStoreOptions | EmbeddedStoreOptions;

export type QueryParams = Record<string, unknown>;

export class Store {
  constructor(
    readonly kind: 'server' | 'embedded',
    /** The client itself, for what this wrapper does not cover (streaming selects, exec). */
    readonly client: ClickHouseClient,
    readonly database: string,
    /** Where the data lives: the data dir, or the server URL without credentials. */
    readonly where: string,
    /** chDB's raw insert (the payload handed to the engine's parser as is); embedded only. */
    private readonly rawInsert?: RawInsert,
  ) {}

  /** DDL and statements without a result. */
  async command(query: string, params?: QueryParams, settings?: ClickHouseSettings): Promise<void> {
    await this.scoped(settings, () => this.client.command({ query, query_params: params, clickhouse_settings: settings }));
  }

  /** A SELECT whose rows come back as objects (JSONEachRow). */
  async query<T = Record<string, unknown>>(query: string, params?: QueryParams, settings?: ClickHouseSettings): Promise<T[]> {
    return this.scoped(settings, async () => {
      const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
      return rs.json<T>();
    });
  }

  /** Inserts objects (JSONEachRow): the simple path. */
  async insert(table: string, rows: readonly Record<string, unknown>[], settings?: ClickHouseSettings): Promise<void> {
    if (rows.length === 0) return;
    const raw = this.rawSettings(settings);
    if (this.rawInsert && raw) {
      let body = '';
      for (const r of rows) body += `${JSON.stringify(r)}\n`;
      await this.rawInsert({ table: `${this.database}.${table}`, format: 'JSONEachRow', values: Buffer.from(body), ...raw });
      return;
    }
    await this.scoped(settings, () => this.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: settings }));
  }

  /**
   * Inserts pre-formatted TabSeparated text (one row per line, columns in `columns` order): the
   * fast path for bulk rows. Values must be escaped with `tsvEscape`.
   */
  async insertTsv(table: string, columns: readonly string[], body: string, settings?: ClickHouseSettings): Promise<void> {
    if (body.length === 0) return;
    const raw = this.rawSettings(settings);
    if (this.rawInsert && raw) {
      await this.rawInsert({ table: `${this.database}.${table}`, columns, format: 'TabSeparated', values: Buffer.from(body), ...raw });
      return;
    }
    await this.scoped(settings, () =>
      this.client.insert({ table, columns: columns as [string, ...string[]], values: Readable.from([Buffer.from(body)], { objectMode: false }), format: 'TabSeparated', clickhouse_settings: settings }),
    );
  }

  /**
   * Settings for chDB's raw insert, which puts them in the statement's own SETTINGS clause (they
   * hold for that insert only); undefined when a value is not a plain string, number or boolean.
   */
  private rawSettings(settings: ClickHouseSettings | undefined): { settings?: Record<string, string | number | boolean> } | undefined {
    if (!settings) return {};
    const out: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(settings)) {
      if (v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
      out[k] = v;
    }
    return Object.keys(out).length > 0 ? { settings: out } : {};
  }

  /**
   * Per-call settings, per call. Over HTTP they are URL parameters of that one request. chDB's
   * connection turns them into SET statements that stay in the session (measured: a query with
   * max_threads=1 leaves max_threads=1 for every later query), so the embedded store puts each
   * one back to its default afterwards. Concurrent calls on the embedded store can still see
   * another call's settings in between; the writer's inserts go through rawInsert, which does not.
   */
  private async scoped<T>(settings: ClickHouseSettings | undefined, run: () => Promise<T>): Promise<T> {
    const keys = settings ? Object.keys(settings).filter((k) => settings[k] !== undefined) : [];
    if (this.kind !== 'embedded' || keys.length === 0) return run();
    try {
      return await run();
    } finally {
      for (const k of keys) {
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) await this.client.command({ query: `SET ${k} = DEFAULT` }).catch(() => undefined);
      }
    }
  }

  /** Resolves when the store answers; rejects with a one-line reason. */
  async ping(): Promise<void> {
    const r = await this.client.ping();
    if (!r.success) throw new Error(`ClickHouse at ${this.where} does not answer: ${oneLine(r.error)}`);
  }

  async close(): Promise<void> {
    await this.client.close();
    if (this.kind === 'embedded') openEmbedded = undefined;
  }
}

export { chTime, tsvEscape } from './clickhouse-text.js';

/** A database name is an identifier, never input: checked, then quoted. */
function checkDatabase(db: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(db)) throw new Error(`store: database name ${JSON.stringify(db)} is not a plain identifier`);
  return db;
}

/** The one embedded store of this process (chDB binds one data directory per process). */
let openEmbedded: { dataDir: string } | undefined;

export const CHDB_MISSING =
  'the embedded store needs the optional package chdb, which is not installed: run `npm install chdb` (an install with --omit=optional skips it), or configure a ClickHouse server URL';

type RawInsert = (p: { table: string; columns?: readonly string[]; format: string; values: Buffer }) => Promise<unknown>;

interface ChdbConnectionModule {
  createChdbConnection: (opts: { path?: string }) => NonNullable<ClickHouseClientConfigOptions['connection']>;
}

/** Loads chdb/connection on first use; a missing package or native library is a one-line error naming the fix. */
export async function loadChdb(): Promise<ChdbConnectionModule> {
  let mod: unknown;
  try {
    // A computed specifier: the build must not need chdb's types (it may be omitted).
    const spec: string = 'chdb/connection';
    mod = await import(spec);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const msg = oneLine(e);
      // chdb present but its platform package (the native library) absent: say which.
      if (/@chdb\/lib-|chdb_node|libchdb/.test(msg)) throw new Error(`chdb is installed but its native library is not (${msg}): reinstall with \`npm install chdb\` on this platform (linux-x64-gnu is the one published here)`);
      throw new Error(CHDB_MISSING);
    }
    throw new Error(`chdb failed to load: ${oneLine(e)}`);
  }
  const m = mod as Partial<ChdbConnectionModule> & { default?: Partial<ChdbConnectionModule> };
  const create = m.createChdbConnection ?? m.default?.createChdbConnection;
  if (typeof create !== 'function') throw new Error('chdb/connection does not export createChdbConnection: this chdb version is not supported (pinned: see package.json)');
  return { createChdbConnection: create };
}

/** Opens (and checks) the store chosen by configuration; the database is created when missing. */
export async function openStore(o: StoreOptions): Promise<Store> {
  const database = checkDatabase(o.database ?? 'ribwatch');
  if (o.kind === 'server') {
    let where: string;
    try {
      const u = new URL(o.url);
      u.username = '';
      u.password = '';
      where = u.toString().replace(/\/$/, '');
    } catch {
      throw new Error(`store: ${JSON.stringify(o.url)} is not a URL (expected http(s)://host:port)`);
    }
    const base: ClickHouseClientConfigOptions = {
      url: o.url,
      username: o.username ?? 'default',
      password: o.password ?? '',
      request_timeout: o.requestTimeoutMs ?? 300_000,
      compression: { request: o.compression ?? true, response: o.compression ?? true },
      clickhouse_settings: o.settings,
      application: 'ribwatch',
    };
    if (o.tls) {
      base.tls =
        o.tls.cert !== undefined && o.tls.key !== undefined
          ? { ca_cert: Buffer.from(o.tls.ca), cert: Buffer.from(o.tls.cert), key: Buffer.from(o.tls.key) }
          : { ca_cert: Buffer.from(o.tls.ca) };
    }
    // Create the database through a client on `default`, then work in it.
    // The probe's failure is our error message; the client's own log line would only repeat it.
    const boot = createClient({ ...base, log: { level: ClickHouseLogLevel.OFF } });
    try {
      const r = await boot.ping();
      if (!r.success) throw r.error;
      await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } catch (e) {
      throw new Error(`ClickHouse at ${where}: ${oneLine(e)}`);
    } finally {
      await boot.close();
    }
    return new Store('server', createClient({ ...base, database }), database, where);
  }

  const dataDir = resolve(o.dataDir);
  if (openEmbedded && openEmbedded.dataDir !== dataDir) {
    throw new Error(`chDB serves one data directory per process: ${openEmbedded.dataDir} is open, ${dataDir} cannot be; separate processes need a ClickHouse server`);
  }
  const { createChdbConnection } = await loadChdb();
  mkdirSync(dataDir, { recursive: true });
  let client: ClickHouseClient;
  let rawInsert: RawInsert | undefined;
  try {
    const connection = createChdbConnection({ path: dataDir });
    const ext = (connection as { chdb?: { rawInsert?: RawInsert } }).chdb;
    if (ext?.rawInsert) rawInsert = ext.rawInsert.bind(ext);
    client = createClient({ connection });
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    // The chDB connection ignores the client's `database`; USE holds for this session.
    await client.command({ query: `USE ${database}` });
  } catch (e) {
    throw new Error(`chDB at ${dataDir}: ${oneLine(e)}`);
  }
  openEmbedded = { dataDir };
  return new Store('embedded', client, database, dataDir, rawInsert);
}

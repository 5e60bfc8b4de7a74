/**
 * What every route plugin is given: the store (the process's own, shared with the writer in
 * `ribwatch run`), the caps, the inventory, and — when the analyzer runs in this process — a
 * handle on its alert lifecycle for the few writes the API makes. Route plugins receive it as
 * plugin options; nothing here is global.
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import type { Inventory } from '../inventory/inventory.js';
import type { Logger } from '../telemetry/log.js';
import type { QueryParams, Store } from '../store/index.js';
import type { IntentSnapshot } from '../kubernetes/index.js';
import { ApiError } from './errors.js';

/** A silence as the analyzer's lifecycle returns it (times in ms). */
export interface SilenceLike {
  readonly id: string;
  readonly matchers: Readonly<Record<string, string | undefined>>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

/**
 * The analyzer's alert lifecycle (analyzer/alerts AlertManager satisfies this): acknowledgements
 * and silences go through it so the in-memory lifecycle, the store and the notifications agree.
 * Without it (`ribwatch api` alone) those routes answer 503 RW_API_NOT_AVAILABLE.
 */
export interface AlertsControl {
  acknowledge(id: string, by: string): unknown;
  addSilence(input: {
    readonly matchers: Readonly<Record<string, string>>;
    readonly startsAt?: string;
    readonly endsAt: string;
    readonly reason: string;
    readonly createdBy?: string;
  }): Promise<SilenceLike | string[]>;
  expireSilence(id: string): Promise<boolean>;
}

export interface ApiContext {
  readonly store: Store;
  readonly log: Logger;
  readonly maxResults: number;
  readonly maxRangeHours: number;
  readonly inventory: () => Inventory | undefined;
  /** The Kubernetes intent: the analyzer's in this process, else the newest in the store (split mode). */
  readonly kubernetes: () => Promise<IntentSnapshot | undefined>;
  readonly alerts: AlertsControl | undefined;
  readonly now: () => number;
  /** Runs a SELECT; a store failure becomes 503 RW_API_STORE_UNAVAILABLE (logged, not shown). */
  query<T>(sql: string, params: QueryParams): Promise<T[]>;
}

export function makeContext(o: Omit<ApiContext, 'query'>): ApiContext {
  // Over HTTP a runaway query is stopped by the server; chDB applies SETs to the whole session
  // (store/), so the embedded store gets no per-query settings.
  const settings: ClickHouseSettings | undefined = o.store.kind === 'server' ? { max_execution_time: 15, max_result_rows: '200000', result_overflow_mode: 'throw' } : undefined;
  return {
    ...o,
    async query<T>(sql: string, params: QueryParams): Promise<T[]> {
      try {
        return await o.store.query<T>(sql, params, settings);
      } catch (err) {
        o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'api: store query failed');
        throw new ApiError('RW_API_STORE_UNAVAILABLE', 'the store failed to answer this query; retry later (the server log says why)');
      }
    },
  };
}

/** ClickHouse DateTime64 text ("2026-11-21 10:00:00.000") → RFC 3339 UTC. */
export function iso(chTime: string | null | undefined): string | null {
  if (chTime === null || chTime === undefined || chTime === '' || chTime.startsWith('1970-01-01')) return null;
  return `${chTime.replace(' ', 'T')}${chTime.includes('.') ? '' : '.000'}Z`;
}

/** ms → the DateTime64(3) text ClickHouse parameters take (store/clickhouse-text.ts). */
export { chTime } from '../store/clickhouse-text.js';

/**
 * The REST API role: fastify over ClickHouse, read-mostly, OpenAPI, auth (docs/api.md).
 * `ribwatch api` and `ribwatch run` start it with start({ store, ... }, { config, ... }).
 */
import type { RunningRole } from '../lifecycle/role.js';
import { startApi } from './server.js';
import type { ApiOptions, RunningApi } from './server.js';

export { buildApi, startApi, API_PREFIX, API_VERSION } from './server.js';
export type { ApiOptions, RunningApi } from './server.js';
export type { AlertsControl, SilenceLike } from './context.js';
export type { ReadinessCheck } from './routes/health.js';
export { API_ERRORS, API_ERROR_CODES, ApiError } from './errors.js';
export { sha256Hex, FIRST_RUN_TOKEN_FILE } from './auth.js';

export type ApiDeps = Pick<ApiOptions, 'store' | 'log' | 'registry' | 'alerts' | 'inventory' | 'readiness'>;
export type ApiStartOptions = Omit<ApiOptions, keyof ApiDeps>;
export type RunningApiRole = RunningApi & RunningRole;

/** The role's entry: the REST API over `deps.store`, listening on `options.listen` or api.listen. */
export async function start(deps: ApiDeps, options: ApiStartOptions): Promise<RunningApiRole> {
  const api = await startApi({ ...deps, ...options });
  return { ...api, stop: () => api.close() };
}

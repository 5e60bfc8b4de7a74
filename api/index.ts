/**
 * The REST API role (DESIGN.md "api"): fastify over ClickHouse, read-mostly, OpenAPI, auth.
 * `ribwatch api` and `ribwatch run` start it with startApi({ store, config, ... }).
 */
export { buildApi, startApi, API_PREFIX, API_VERSION } from './server.js';
export type { ApiOptions, RunningApi } from './server.js';
export type { AlertsControl, SilenceLike } from './context.js';
export type { ReadinessCheck } from './routes/health.js';
export { API_ERRORS, API_ERROR_CODES, ApiError } from './errors.js';
export { sha256Hex, FIRST_RUN_TOKEN_FILE } from './auth.js';

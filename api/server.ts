/**
 * The REST API: one fastify instance, each resource an encapsulated plugin under /api/v1, the
 * probes and /metrics at the root, OpenAPI 3 at /docs/json (UI at /docs).
 *
 * What the root instance holds, and so every plugin shares: the schemas (by $id), the access
 * check (an onRequest hook reading each route's `config.access`: public, read or admin), the
 * error handler that turns everything into the catalogue's `{code, message, status}`, the rate
 * limit and request metrics. Everything else is the plugins' own.
 *
 * startApi() is what `ribwatch api` and `ribwatch run` call: it takes the process's Store (chDB
 * binds one data directory per process, so the API must share the writer's store in `run`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { loadInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/inventory.js';
import { createLogger } from '../telemetry/log.js';
import type { Logger } from '../telemetry/log.js';
import { createRegistry } from '../telemetry/metrics.js';
import { formatHostPort } from '../net/addresses.js';
import type { HostPort } from '../net/addresses.js';
import type { Store } from '../store/index.js';
import type { IntentSnapshot } from '../kubernetes/index.js';
import { IntentReader } from '../kubernetes/store.js';
import { Authenticator, firstRunToken, isLoopback, tokenHashes } from './auth.js';
import type { Principal, RouteAccess, TokenHash } from './auth.js';
import { makeContext } from './context.js';
import type { AlertsControl } from './context.js';
import { ApiError, errorBody } from './errors.js';
import { alertRoutes } from './routes/alerts.js';
import { analysisRoutes } from './routes/analysis.js';
import { flapRoutes } from './routes/flaps.js';
import { healthRoutes } from './routes/health.js';
import type { ReadinessCheck } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { peerRoutes } from './routes/peers.js';
import { ribRoutes } from './routes/rib.js';
import { routerRoutes } from './routes/routers.js';
import { uiBuilt, uiRoutes } from './routes/ui.js';
import { KUBERNETES_SCHEMAS, kubernetesRoutes } from './routes/kubernetes.js';
import { SHARED_SCHEMAS } from './schemas.js';

export const API_PREFIX = '/api/v1';
export const API_VERSION = '1.0.0';

export interface ApiOptions {
  /** The process's store (in `ribwatch run`: the writer's). */
  readonly store: Store;
  /** The whole configuration; the API reads `api.*`. */
  readonly config: Config;
  readonly log?: Logger;
  /** Where /metrics reads from; `run` passes its registry so one endpoint shows every role. */
  readonly registry?: Registry;
  /** The analyzer's alert lifecycle, when it runs in this process: enables acknowledge and silences. */
  readonly alerts?: AlertsControl;
  /** The inventory (a getter follows reloads); default: api.inventory loaded once, if set. */
  readonly inventory?: Inventory | (() => Inventory | undefined);
  /**
   * The Kubernetes intent when the analyzer runs in this process (`ribwatch run`); default: the
   * newest the analyzer stored (table kubernetes_intent), for `ribwatch api` in split mode.
   */
  readonly kubernetes?: () => IntentSnapshot | undefined;
  /** Extra readiness checks (the bus); the store is always checked. */
  readonly readiness?: readonly ReadinessCheck[];
  /**
   * With no token configured: keep a generated admin token's hash in this directory (the embedded
   * store's data dir) and hand the token, once, to onGeneratedToken. Without it, no token is an error.
   */
  readonly firstRunDir?: string;
  readonly onGeneratedToken?: (token: string) => void;
  /** Overrides api.listen (tests: port 0). */
  readonly listen?: HostPort;
  readonly now?: () => number;
  /** The built web UI (default: dist/ui beside the compiled API); none there, no UI. */
  readonly uiDir?: string;
}

/** Where `npm run build` puts the web UI: dist/ui, beside this module's dist/api. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui', import.meta.url));

export interface RunningApi {
  readonly app: FastifyInstance;
  /** The bound address (port resolved when 0 was asked for). */
  readonly address: HostPort;
  /** http(s)://host:port */
  readonly url: string;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function tokensOf(o: ApiOptions, log: Logger): TokenHash[] {
  const api = o.config.api;
  const tokens = tokenHashes(api.tokens, api.token);
  if (tokens.length === 0 && !api.allowUnauthenticated && o.firstRunDir !== undefined) {
    const first = firstRunToken(o.firstRunDir);
    if (first.token !== undefined) o.onGeneratedToken?.(first.token);
    else log.info({ dir: o.firstRunDir }, 'api: using the admin token generated at the first run (its hash is in api-token.sha256)');
    tokens.push(first.hash);
  }
  return tokens;
}

function metricOf<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Builds the instance without listening (tests use inject; startApi listens). */
export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const api = o.config.api;
  const log = o.log ?? createLogger({ level: o.config.log.level, name: 'ribwatch-api' });
  const listen = o.listen ?? api.listen;
  if (api.allowUnauthenticated && !isLoopback(listen.host)) {
    throw new Error(`api.allowUnauthenticated: refused on ${formatHostPort(listen)}; unauthenticated access is only allowed on a loopback address (127.0.0.1, ::1)`);
  }
  const tokens = tokensOf(o, log);
  if (tokens.length === 0 && !api.allowUnauthenticated) {
    throw new Error('api: no token configured: set api.tokens (SHA-256 hashes), or RIBWATCH_API_TOKEN, or api.allowUnauthenticated on a loopback address');
  }
  const auth = new Authenticator(tokens, api.allowUnauthenticated);
  const registry = o.registry ?? createRegistry();
  const requests = metricOf(registry, 'ribwatch_api_requests_total', () => new Counter({ name: 'ribwatch_api_requests_total', help: 'API requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] }));
  const duration = metricOf(
    registry,
    'ribwatch_api_request_duration_seconds',
    () => new Histogram({ name: 'ribwatch_api_request_duration_seconds', help: 'API request duration by route', labelNames: ['route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
  );

  let inventory: () => Inventory | undefined;
  if (typeof o.inventory === 'function') inventory = o.inventory;
  else if (o.inventory !== undefined) {
    const inv = o.inventory;
    inventory = () => inv;
  } else if (api.inventory !== '') {
    const inv = loadInventory(api.inventory);
    inventory = () => inv;
  } else inventory = () => undefined;

  let kubernetes: () => Promise<IntentSnapshot | undefined>;
  if (o.kubernetes) {
    const k = o.kubernetes;
    kubernetes = () => Promise.resolve(k());
  } else {
    const reader = new IntentReader(o.store);
    kubernetes = () =>
      reader.snapshot().catch((err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'api: could not read the Kubernetes intent from the store; answering without it');
        return undefined;
      });
  }
  const ctx = makeContext({ store: o.store, log, maxResults: api.maxResults, maxRangeHours: api.maxRangeHours, inventory, kubernetes, alerts: o.alerts, now: o.now ?? Date.now });

  const https = api.tls.cert !== '' || api.tls.key !== '' ? { cert: readFileSync(api.tls.cert), key: readFileSync(api.tls.key) } : undefined;
  if (https && (api.tls.cert === '' || api.tls.key === '')) throw new Error('api.tls.cert and api.tls.key: set both to serve HTTPS, or neither');

  const app = Fastify({
    // Request lines only at debug: at thousands of requests a second they would be most of the log.
    loggerInstance: log.child({}, { level: log.level === 'debug' || log.level === 'trace' ? log.level : 'warn' }),
    bodyLimit: api.bodyLimitBytes,
    routerOptions: { maxParamLength: 1000 },
    // Requests with over-long query strings should reach the validator and get a 400 that says
    // which parameter, not Node's bare 431 at 16 KiB of headers.
    ...(https ? { https: { ...https, maxHeaderSize: 64 * 1024 } } : { http: { maxHeaderSize: 64 * 1024 } }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  for (const s of [...SHARED_SCHEMAS, ...KUBERNETES_SCHEMAS]) app.addSchema(s);
  // Every route's path as a pattern, to tell "no such path" (404) from "not with this method" (405).
  const paths: { re: RegExp; method: string }[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const re = new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`);
    for (const m of methods) paths.push({ re, method: String(m) });
  });
  const notAllowed = (req: FastifyRequest): ApiError | undefined => {
    const path = req.url.split('?')[0] ?? '';
    const allow = [...new Set(paths.filter((p) => p.re.test(path)).map((p) => p.method))];
    if (allow.length === 0 || allow.includes(req.method)) return undefined;
    return new ApiError('RW_API_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; it has ${allow.join(', ')}`, { allow: allow.join(', ') });
  };
  app.decorateRequest('principal', null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ribwatch API', version: API_VERSION, description: 'BGP routes, peers, history, flaps and alerts of a Kubernetes fabric, from BMP. Errors: docs/api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  if (api.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: api.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, c) => new ApiError('RW_API_RATE_LIMITED', `more than ${c.max} requests per minute from this address; retry in ${Math.ceil(c.ttl / 1000)} s`),
    });
  }

  app.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const url = req.routeOptions.url ?? '';
    // The OpenAPI UI and the web UI's files carry no data: no token (the data calls need one).
    const access: RouteAccess = url.startsWith('/docs') || url.startsWith('/ui/') ? 'public' : (req.routeOptions.config.access ?? 'read');
    try {
      req.principal = auth.check(access, req.headers.authorization) ?? null;
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    duration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setNotFoundHandler((req, reply) => {
    const e = notAllowed(req) ?? new ApiError('RW_API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''} (see /docs)`);
    for (const [k, v] of Object.entries(e.headers)) void reply.header(k, v);
    void reply.code(e.statusCode).send(errorBody(e));
  });
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let e: ApiError;
    const wrongMethod = req.routeOptions.url === undefined ? notAllowed(req) : undefined;
    if (wrongMethod) e = wrongMethod;
    else if (err instanceof ApiError) e = err;
    else if ((err).validation) e = new ApiError('RW_API_BAD_PARAMETER', (err.message || 'invalid request').replace(/^(querystring|params|body|headers)\//, '$1.'));
    else {
      const status = err.statusCode ?? 500;
      if (status === 413) e = new ApiError('RW_API_BODY_TOO_LARGE', `the request body is larger than ${api.bodyLimitBytes} bytes (api.bodyLimitBytes)`);
      else if (status === 415) e = new ApiError('RW_API_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
      else if (status === 429) e = new ApiError('RW_API_RATE_LIMITED', err.message);
      else if (status === 404) e = new ApiError('RW_API_NOT_FOUND', err.message);
      else if (status >= 400 && status < 500) e = new ApiError(/body|JSON/i.test(err.message) ? 'RW_API_BAD_BODY' : 'RW_API_BAD_PARAMETER', err.message.slice(0, 300));
      else {
        req.log.error({ err: err.message, stack: err.stack, url: req.url }, 'api: request failed');
        e = new ApiError('RW_API_INTERNAL', `internal error (request ${req.id}); the server log has the details`);
      }
    }
    for (const [k, v] of Object.entries(e.headers)) void reply.header(k, v);
    void reply.code(e.statusCode).send(errorBody(e));
  });

  const uiDir = o.uiDir ?? DEFAULT_UI_DIR;
  if (uiBuilt(uiDir)) await app.register(uiRoutes, { dir: uiDir });
  else log.info({ dir: uiDir }, 'api: no web UI built there (npm run build builds it); serving the API only');
  await app.register(healthRoutes, { ctx, registry, checks: o.readiness ?? [], metricsAccess: api.metricsToken ? 'read' : 'public' });
  await app.register(
    async (v1) => {
      await v1.register(routerRoutes, { ctx });
      await v1.register(peerRoutes, { ctx });
      await v1.register(ribRoutes, { ctx });
      await v1.register(historyRoutes, { ctx });
      await v1.register(flapRoutes, { ctx });
      await v1.register(alertRoutes, { ctx });
      await v1.register(analysisRoutes, { ctx });
      await v1.register(kubernetesRoutes, { ctx });
    },
    { prefix: API_PREFIX },
  );
  await app.ready();
  return app;
}

/** Builds the API and listens on api.listen (or o.listen). */
export async function startApi(o: ApiOptions): Promise<RunningApi> {
  const app = await buildApi(o);
  const want = o.listen ?? o.config.api.listen;
  await app.listen({ host: want.host, port: want.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : want.port;
  const address: HostPort = { host: want.host, port };
  const scheme = o.config.api.tls.cert !== '' ? 'https' : 'http';
  return {
    app,
    address,
    url: `${scheme}://${formatHostPort(address)}`,
    close: () => app.close(),
  };
}

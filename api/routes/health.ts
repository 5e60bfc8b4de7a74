/**
 * Probes and metrics, outside /api/v1: /healthz (the process serves HTTP), /readyz (the store
 * answers and the bus is reachable: the checks the caller gave), both without a token so that
 * Kubernetes probes work; /metrics in the Prometheus text format, behind a token when
 * api.metricsToken says so.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { Registry } from 'prom-client';
import type { ApiContext } from '../context.js';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when ready; rejects (or resolves false) with the reason. */
  check(): Promise<boolean | void>;
}

export interface HealthOptions {
  readonly ctx: ApiContext;
  readonly registry: Registry;
  readonly checks: readonly ReadinessCheck[];
  readonly metricsAccess: 'public' | 'read';
}

const checkResult = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok', 'failing'] }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
};

export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, o, done) => {
  app.get('/healthz', { config: { access: 'public', rateLimit: false }, schema: { summary: 'Liveness: the process answers', tags: ['health'], security: [], response: { 200: checkResult } } }, (_req, reply) => reply.send({ status: 'ok', checks: {} }));

  app.get(
    '/readyz',
    { config: { access: 'public', rateLimit: false }, schema: { summary: 'Readiness: the store answers and the bus is reachable', tags: ['health'], security: [], response: { 200: checkResult, 503: checkResult } } },
    async (_req, reply) => {
      const checks: Record<string, string> = {};
      let ok = true;
      const all = [{ name: 'store', check: () => o.ctx.store.ping() }, ...o.checks];
      await Promise.all(
        all.map(async (c) => {
          try {
            const r = await Promise.race([c.check(), new Promise<boolean>((_, rej) => setTimeout(() => rej(new Error('no answer within 5 s')), 5000).unref())]);
            if (r === false) throw new Error('not ready');
            checks[c.name] = 'ok';
          } catch (err) {
            ok = false;
            checks[c.name] = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 200);
          }
        }),
      );
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failing', checks });
    },
  );

  app.get(
    '/metrics',
    { config: { access: o.metricsAccess, rateLimit: false }, schema: { summary: 'Prometheus metrics', tags: ['health'], ...(o.metricsAccess === 'public' ? { security: [] } : {}), produces: ['text/plain'], response: { 200: { type: 'string' }, 401: { $ref: 'Error#' } } } },
    async (_req, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()),
  );
  done();
};

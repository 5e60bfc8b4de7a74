/**
 * GET /api/v1/routers: every router that has opened a BMP session, whether it is connected now
 * (its latest `routers` row is not `down`), since when, its sysName/sysDescr from the Initiation,
 * how its last session ended, and when anything was last heard from it.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../context.js';
import { iso } from '../context.js';
import { decodeCursor, encodeCursor, parseRouterParam } from '../parse.js';
import { Q, withErrors } from '../schemas.js';

export interface RouterStateRow {
  router: string;
  last_event: string;
  up_time: string;
  down_time: string;
  sys_name: string;
  sys_descr: string;
  termination_name: string;
  cause: string;
  downs: number;
  last_time: string;
}

const STATE_SQL = `SELECT router,
    argMax(event, (time, seq)) AS last_event,
    max(time) AS last_time,
    maxIf(time, event = 'up') AS up_time,
    maxIf(time, event = 'down') AS down_time,
    argMaxIf(sys_name, (time, seq), event = 'init') AS sys_name,
    argMaxIf(sys_descr, (time, seq), event = 'init') AS sys_descr,
    argMaxIf(termination_name, (time, seq), event = 'down') AS termination_name,
    argMaxIf(cause, (time, seq), event = 'down') AS cause,
    countIf(event = 'down') AS downs
  FROM routers`;

/** The latest state of these routers (by BMP source address). */
export async function routerStates(ctx: ApiContext, routers: readonly string[]): Promise<Map<string, RouterStateRow>> {
  if (routers.length === 0) return new Map();
  const rows = await ctx.query<RouterStateRow>(`${STATE_SQL} WHERE router IN {rs:Array(String)} GROUP BY router`, { rs: routers });
  return new Map(rows.map((r) => [r.router, r]));
}

/** The latest time anything (events, stats, prefix-count snapshots) was stored for each router. */
async function lastSeen(ctx: ApiContext, routers: readonly string[]): Promise<Map<string, string>> {
  if (routers.length === 0) return new Map();
  const rows = await ctx.query<{ router: string; t: string }>(
    `SELECT router, max(t) AS t FROM (
       SELECT router, max(time) AS t FROM routers WHERE router IN {rs:Array(String)} GROUP BY router
       UNION ALL SELECT router, max(time) AS t FROM peer_events WHERE router IN {rs:Array(String)} GROUP BY router
       UNION ALL SELECT router, max(time) AS t FROM bmp_stats WHERE router IN {rs:Array(String)} GROUP BY router
       UNION ALL SELECT router, max(time) AS t FROM peer_prefix_counts WHERE router IN {rs:Array(String)} GROUP BY router
     ) GROUP BY router`,
    { rs: routers },
  );
  return new Map(rows.map((r) => [r.router, r.t]));
}

export const routerRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: { router?: string; limit: number; cursor?: string } }>(
    '/routers',
    {
      schema: {
        summary: 'Routers: BMP connection state, sysName, last seen',
        tags: ['routers'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { router: Q.router, limit: Q.limit(ctx.maxResults, 100), cursor: Q.cursor },
        },
        response: withErrors({ 200: { $ref: 'RouterList#' } }),
      },
    },
    async (req) => {
      const q = req.query;
      const params: Record<string, unknown> = { lim: q.limit + 1, after: '' };
      const where: string[] = ['router > {after:String}'];
      if (q.cursor !== undefined) params['after'] = decodeCursor(q.cursor, 'routers', ['s'])[0];
      if (q.router !== undefined) {
        params['router'] = parseRouterParam(q.router, 'router');
        where.push('router = {router:String}');
      }
      const rows = await ctx.query<RouterStateRow>(`${STATE_SQL} WHERE ${where.join(' AND ')} GROUP BY router ORDER BY router LIMIT {lim:UInt32}`, params);
      const page = rows.slice(0, q.limit);
      const seen = await lastSeen(ctx, page.map((r) => r.router));
      const last = page.at(-1);
      return {
        routers: page.map((r) => {
          const connected = r.last_event !== 'down';
          return {
            router: r.router,
            state: connected ? 'connected' : 'disconnected',
            since: connected ? iso(r.up_time) : iso(r.down_time),
            sys_name: r.sys_name,
            sys_descr: r.sys_descr,
            last_seen: iso(seen.get(r.router) ?? r.last_time),
            last_down: Number(r.downs) > 0 ? { at: iso(r.down_time), termination: r.termination_name === '' ? null : r.termination_name, cause: r.cause } : null,
          };
        }),
        next: rows.length > q.limit && last ? encodeCursor('routers', [last.router]) : null,
      };
    },
  );
  done();
};

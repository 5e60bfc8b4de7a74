/**
 * GET /api/v1/analysis/prefix-limits: every peer with a max-prefix in the inventory, its current
 * received routes (post-policy, pre-policy when the router sends no post-policy view) from the
 * writer's peer_prefix_counts, the share used and the headroom, fullest first.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../context.js';
import { iso } from '../context.js';
import { decodeCursor, encodeCursor, parseRouterParam } from '../parse.js';
import { Q, withErrors } from '../schemas.js';

interface CountRow {
  router: string;
  peer_address: string;
  rib: string;
  afi_safi: string;
  n: number | string;
  t: string;
}

export const analysisRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: { router?: string; limit: number; cursor?: string } }>(
    '/analysis/prefix-limits',
    {
      schema: {
        summary: 'Prefix-limit headroom per peer and AFI/SAFI (inventory max-prefix vs received routes), fullest first',
        tags: ['analysis'],
        querystring: { type: 'object', additionalProperties: false, properties: { router: Q.router, limit: Q.limit(ctx.maxResults, 100), cursor: Q.cursor } },
        response: withErrors({ 200: { $ref: 'PrefixLimitList#' } }),
      },
    },
    async (req) => {
      const q = req.query;
      const inv = ctx.inventory();
      const offset = q.cursor !== undefined ? Number(decodeCursor(q.cursor, 'prefix-limits', ['n'])[0]) : 0;
      const params: Record<string, unknown> = {};
      let where = "rib IN ('adj-in-post', 'adj-in-pre')";
      if (q.router !== undefined) {
        params['router'] = parseRouterParam(q.router, 'router');
        where += ' AND router = {router:String}';
      }
      if (!inv) return { limits: [], next: null };
      const rows = await ctx.query<CountRow>(
        `SELECT toString(router) AS router, toString(peer_address) AS peer_address, toString(rib) AS rib, toString(afi_safi) AS afi_safi, argMax(prefixes, time) AS n, max(time) AS t
         FROM peer_prefix_counts WHERE ${where} GROUP BY router, peer_address, rib, afi_safi`,
        params,
      );
      const sys = await ctx.query<{ router: string; sys_name: string }>(`SELECT toString(router) AS router, argMaxIf(sys_name, (time, seq), event = 'init') AS sys_name FROM routers GROUP BY router`, {});
      const sysName = new Map(sys.map((s) => [s.router, s.sys_name]));
      const best = new Map<string, CountRow>();
      for (const r of rows) {
        const k = `${r.router}|${r.peer_address}|${r.afi_safi}`;
        const have = best.get(k);
        if (!have || (have.rib === 'adj-in-pre' && r.rib === 'adj-in-post')) best.set(k, r);
      }
      const out: Record<string, unknown>[] = [];
      for (const r of best.values()) {
        const ir = inv.router(r.router, sysName.get(r.router) || null);
        const max = inv.peer(ir, r.peer_address)?.maxPrefix[r.afi_safi];
        if (max === undefined) continue;
        const n = Number(r.n);
        out.push({ router: r.router, peer: r.peer_address, afi_safi: r.afi_safi, view: r.rib, prefixes: n, max, ratio: max > 0 ? Math.round((n / max) * 10000) / 10000 : 0, headroom: max - n, as_of: iso(r.t) });
      }
      out.sort((a, b) => Number(b['ratio']) - Number(a['ratio']) || String(a['router']).localeCompare(String(b['router'])) || String(a['peer']).localeCompare(String(b['peer'])));
      const page = out.slice(offset, offset + q.limit);
      return { limits: page, next: offset + q.limit < out.length ? encodeCursor('prefix-limits', [offset + q.limit]) : null };
    },
  );
  done();
};

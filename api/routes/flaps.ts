/**
 * GET /api/v1/flaps/prefixes and /api/v1/flaps/peers: what changed most over a window (default
 * the last hour, at most api.maxRangeHours), from the churn rollup prefix_churn_1m, which counts
 * live changes only: dump rows (a router's or peer's replay) are not churn. Peers also get their
 * session flaps (Peer Down count) in the window.
 *
 * Pages are positions in the ranking of one fixed window: the cursor pins the window's end, so
 * page two ranks the same minutes as page one.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../context.js';
import { chTime, iso } from '../context.js';
import { checkRange, decodeCursor, encodeCursor, routeFilters, parseDurationParam } from '../parse.js';
import { Q, textParam, withErrors } from '../schemas.js';

interface FlapQuery {
  window?: string;
  router?: string;
  peer?: string;
  view?: string;
  afi_safi?: string;
  limit: number;
  cursor?: string;
}

interface Window {
  from: number;
  to: number;
  offset: number;
  params: Record<string, unknown>;
  where: string[];
}

function windowOf(ctx: ApiContext, q: FlapQuery, tag: string): Window {
  const span = parseDurationParam(q.window ?? '1h', 'window');
  let to = ctx.now();
  let offset = 0;
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor, `${tag}:${span}`, ['n', 'n']);
    to = Number(c[0]);
    offset = Number(c[1]);
  }
  const from = to - span;
  checkRange(from, to, ctx.maxRangeHours, 'window');
  const params: Record<string, unknown> = { from: chTime(from), to: chTime(to), lim: q.limit + 1, off: offset };
  const where = ["minute >= toDateTime({from:String}, 'UTC')", "minute < toDateTime({to:String}, 'UTC')"];
  routeFilters(q, params, where);
  return { from, to, offset, params, where };
}

const querystring = (ctx: ApiContext): Record<string, unknown> => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    window: textParam('how far back: "15m", "1h", "24h", "7d" (default 1h)', 10),
    router: Q.router,
    peer: Q.peer,
    view: Q.view,
    afi_safi: Q.afi_safi,
    limit: Q.limit(ctx.maxResults, 20),
    cursor: Q.cursor,
  },
});

export const flapRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: FlapQuery }>(
    '/flaps/prefixes',
    {
      schema: { summary: 'Top flapping prefixes over a window (live changes; dumps excluded)', tags: ['flaps'], querystring: querystring(ctx), response: withErrors({ 200: { $ref: 'Flaps#' } }) },
    },
    async (req) => {
      const w = windowOf(ctx, req.query, 'flaps-prefixes');
      const rows = await ctx.query<Record<string, string | number>>(
        `SELECT prefix, toString(router) AS router, toString(peer_address) AS peer, toString(rib) AS view, toString(afi_safi) AS afi_safi,
                sum(announcements) AS a, sum(withdrawals) AS wd, sum(synthetic_withdrawals) AS s, a + wd + s AS changes,
                min(minute) AS first, max(minute) AS last
         FROM prefix_churn_1m WHERE ${w.where.join(' AND ')}
         GROUP BY prefix, router, peer_address, rib, afi_safi
         ORDER BY changes DESC, prefix, router, peer, view, afi_safi LIMIT {lim:UInt32} OFFSET {off:UInt32}`,
        w.params,
      );
      const page = rows.slice(0, req.query.limit);
      return {
        from: new Date(w.from).toISOString(),
        to: new Date(w.to).toISOString(),
        prefixes: page.map((r) => ({
          prefix: r['prefix'],
          router: r['router'],
          peer: r['peer'],
          view: r['view'],
          afi_safi: r['afi_safi'],
          changes: Number(r['changes']),
          announcements: Number(r['a']),
          withdrawals: Number(r['wd']),
          synthetic_withdrawals: Number(r['s']),
          first: iso(String(r['first'])),
          last: iso(String(r['last'])),
        })),
        next: rows.length > req.query.limit ? encodeCursor(`flaps-prefixes:${w.to - w.from}`, [w.to, w.offset + req.query.limit]) : null,
      };
    },
  );

  app.get<{ Querystring: FlapQuery }>(
    '/flaps/peers',
    {
      schema: { summary: 'Top flapping peers over a window: route churn and session flaps', tags: ['flaps'], querystring: querystring(ctx), response: withErrors({ 200: { $ref: 'Flaps#' } }) },
    },
    async (req) => {
      const w = windowOf(ctx, req.query, 'flaps-peers');
      const evWhere = w.where.map((c) => c.replace(/minute/g, 'time').replace("toDateTime({from:String}, 'UTC')", "toDateTime64({from:String}, 3, 'UTC')").replace("toDateTime({to:String}, 'UTC')", "toDateTime64({to:String}, 3, 'UTC')")).filter((c) => !c.startsWith('rib') && !c.startsWith('afi_safi'));
      const rows = await ctx.query<Record<string, string | number>>(
        `SELECT router, peer, sum(a) AS a, sum(wd) AS wd, sum(s) AS s, a + wd + s AS changes, sum(np) AS prefixes, sum(downs) AS downs FROM (
           SELECT toString(router) AS router, toString(peer_address) AS peer, sum(announcements) AS a, sum(withdrawals) AS wd, sum(synthetic_withdrawals) AS s, uniqExact(prefix) AS np, toUInt64(0) AS downs
           FROM prefix_churn_1m WHERE ${w.where.join(' AND ')} GROUP BY router, peer_address
           UNION ALL
           SELECT toString(router) AS router, toString(peer_address) AS peer, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), count() AS downs
           FROM peer_events WHERE event = 'down' AND ${evWhere.join(' AND ')} GROUP BY router, peer_address
         ) GROUP BY router, peer ORDER BY changes + downs DESC, router, peer LIMIT {lim:UInt32} OFFSET {off:UInt32}`,
        w.params,
      );
      const page = rows.slice(0, req.query.limit);
      return {
        from: new Date(w.from).toISOString(),
        to: new Date(w.to).toISOString(),
        peers: page.map((r) => ({
          router: r['router'],
          peer: r['peer'],
          changes: Number(r['changes']),
          announcements: Number(r['a']),
          withdrawals: Number(r['wd']),
          synthetic_withdrawals: Number(r['s']),
          prefixes: Number(r['prefixes']),
          session_downs: Number(r['downs']),
        })),
        next: rows.length > req.query.limit ? encodeCursor(`flaps-peers:${w.to - w.from}`, [w.to, w.offset + req.query.limit]) : null,
      };
    },
  );
  done();
};

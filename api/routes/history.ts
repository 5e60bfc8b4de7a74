/**
 * GET /api/v1/history: what one prefix did over a time range (default: the last 24 h), oldest
 * first: every announcement and withdrawal, dump and synthetic rows marked, with the attributes
 * announced. route_updates is ordered by prefix first, so this is a range read of one prefix;
 * the range is capped by api.maxRangeHours and the page by api.maxResults.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../context.js';
import { chTime, iso } from '../context.js';
import { checkRange, decodeCursor, encodeCursor, routeFilters, parsePrefixParam, parseTimeParam } from '../parse.js';
import { ATTR_COLUMNS, attributesOf } from '../rows.js';
import type { AttrRow } from '../rows.js';
import { Q, textParam, withErrors } from '../schemas.js';

interface HistoryRow extends AttrRow {
  ms: number | string;
  time: string;
  router: string;
  session: string;
  seq: number | string;
  peer_address: string;
  peer_asn: number;
  rib: string;
  afi_safi: string;
  prefix: string;
  rd: string;
  path_id: number;
  action: string;
  act: number;
  dump: number;
  synthetic: number;
}

const ORDER = 'ms, router, session, seq, rd, path_id, act';

export const historyRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: { prefix: string; from?: string; to?: string; router?: string; peer?: string; view?: string; afi_safi?: string; limit: number; cursor?: string } }>(
    '/history',
    {
      schema: {
        summary: 'What a prefix did over a time range: announcements and withdrawals, oldest first',
        tags: ['history'],
        querystring: {
          type: 'object',
          required: ['prefix'],
          additionalProperties: false,
          properties: {
            prefix: textParam('the prefix (or an address: its host route)', 64),
            from: textParam('RFC 3339 start (default: 24 h before to)', 40),
            to: textParam('RFC 3339 end, exclusive (default: now)', 40),
            router: Q.router,
            peer: Q.peer,
            view: Q.view,
            afi_safi: Q.afi_safi,
            limit: Q.limit(ctx.maxResults, 500),
            cursor: Q.cursor,
          },
        },
        response: withErrors({ 200: { $ref: 'History#' } }),
      },
    },
    async (req) => {
      const q = req.query;
      const p = parsePrefixParam(q.prefix);
      let to = q.to !== undefined ? parseTimeParam(q.to, 'to') : ctx.now();
      let from = q.from !== undefined ? parseTimeParam(q.from, 'from') : to - 86_400_000;
      // A cursor pins the range of the first page (a default `to` of "now" would move on).
      const tag = `history:${p.text}`;
      const c = q.cursor !== undefined ? decodeCursor(q.cursor, tag, ['n', 'n', 'n', 's', 's', 'n', 's', 'n', 'n']) : undefined;
      if (c) {
        from = Number(c[0]);
        to = Number(c[1]);
      }
      checkRange(from, to, ctx.maxRangeHours);
      const params: Record<string, unknown> = { p: p.text, from: chTime(from), to: chTime(to), lim: q.limit + 1 };
      const where = ['prefix = {p:String}', "time >= toDateTime64({from:String}, 3, 'UTC')", "time < toDateTime64({to:String}, 3, 'UTC')"];
      routeFilters(q, params, where);
      let after = '';
      if (c) {
        c.slice(2).forEach((v, i) => (params[`c${i}`] = v));
        after = `WHERE (${ORDER}) > ({c0:Int64}, {c1:String}, {c2:String}, {c3:UInt64}, {c4:String}, {c5:UInt32}, {c6:Int8})`;
      }
      const rows = await ctx.query<HistoryRow>(
        `SELECT * FROM (
           SELECT toUnixTimestamp64Milli(time) AS ms, time, toString(router) AS router, toString(session) AS session, seq, peer_address, peer_asn, rib, afi_safi, prefix, toString(rd) AS rd, path_id,
                  action, toInt8(action) AS act, dump, synthetic, ${ATTR_COLUMNS}
           FROM route_updates WHERE ${where.join(' AND ')}
         ) ${after} ORDER BY ${ORDER} LIMIT {lim:UInt32}`,
        params,
      );
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        prefix: p.text,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        events: page.map((r) => ({
          time: iso(r.time),
          router: r.router,
          peer: r.peer_address,
          peer_asn: Number(r.peer_asn),
          view: r.rib,
          afi_safi: r.afi_safi,
          prefix: r.prefix,
          rd: r.rd === '' ? null : r.rd,
          path_id: Number(r.path_id) === 0 ? null : Number(r.path_id),
          action: r.action,
          dump: Number(r.dump) === 1,
          synthetic: Number(r.synthetic) === 1,
          session: r.session,
          seq: Number(r.seq),
          attributes: attributesOf(r),
        })),
        next:
          rows.length > q.limit && last
            ? encodeCursor(tag, [from, to, Number(last.ms), last.router, last.session, Number(last.seq), last.rd, Number(last.path_id), Number(last.act)])
            : null,
      };
    },
  );
  done();
};

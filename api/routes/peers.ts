/**
 * GET /api/v1/peers: every BGP peer a router reported (Peer Up/Down) or whose routes it sent
 * (FRR's self peer, GoBGP's Loc-RIB: `unknown`), with its state and since when, the last Peer
 * Down decoded (BMP reason and the NOTIFICATION by name), current routes per RIB view and
 * AFI/SAFI (the writer's peer_prefix_counts snapshot, at most a minute old: counting rib FINAL
 * per request would read the whole RIB), and the max-prefix usage when the inventory has one.
 *
 * A peer last reported up by a router whose BMP session has since gone down is `unknown`: the
 * router is no longer telling us.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../context.js';
import { iso } from '../context.js';
import { decodeCursor, encodeCursor, parseAddressParam, parseRouterParam } from '../parse.js';
import { Q, withErrors } from '../schemas.js';
import { routerStates } from './routers.js';
import { routeLabels } from '../kube-labels.js';

interface PeerKey {
  router: string;
  peer_address: string;
  peer_type: string;
  peer_rd: string;
}

interface EventRow extends PeerKey {
  last_event: string;
  last_time: string;
  asn: number;
  bgp_id: string;
  downs: number;
  down_time: string;
  reason: number;
  reason_name: string;
  code: number;
  subcode: number;
  notification: string;
}

interface CountRow extends PeerKey {
  rib: string;
  afi_safi: string;
  n: number | string;
  asn: number;
  t: string;
}

const keyOf = (k: PeerKey): string => `${k.router}|${k.peer_address}|${k.peer_type}|${k.peer_rd}`;

export const peerRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: { router?: string; peer?: string; state?: 'up' | 'down' | 'unknown'; limit: number; cursor?: string } }>(
    '/peers',
    {
      schema: {
        summary: 'BGP peers: state, since, last down reason, prefixes per view and AFI/SAFI, limit usage',
        tags: ['peers'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            router: Q.router,
            peer: Q.peer,
            state: { type: 'string', enum: ['up', 'down', 'unknown'], description: 'only peers in this state (a page may then hold fewer than limit; follow next)' },
            limit: Q.limit(ctx.maxResults, 200),
            cursor: Q.cursor,
          },
        },
        response: withErrors({ 200: { $ref: 'PeerList#' } }),
      },
    },
    async (req) => {
      const q = req.query;
      const params: Record<string, unknown> = { lim: q.limit + 1 };
      const filters: string[] = [];
      if (q.router !== undefined) {
        params['router'] = parseRouterParam(q.router, 'router');
        filters.push('router = {router:String}');
      }
      if (q.peer !== undefined) {
        params['peer'] = parseAddressParam(q.peer, 'peer');
        filters.push('peer_address = {peer:String}');
      }
      let after = '';
      if (q.cursor !== undefined) {
        const c = decodeCursor(q.cursor, 'peers', ['s', 's', 's', 's']);
        c.forEach((v, i) => (params[`c${i}`] = v));
        after = 'WHERE (router, peer_address, peer_type, peer_rd) > ({c0:String}, {c1:String}, {c2:String}, {c3:String})';
      }
      const w = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
      const keys = await ctx.query<PeerKey>(
        `SELECT router, peer_address, peer_type, peer_rd FROM (
           SELECT DISTINCT toString(router) AS router, toString(peer_address) AS peer_address, toString(peer_type) AS peer_type, toString(peer_rd) AS peer_rd FROM peer_events ${w}
           UNION DISTINCT
           SELECT DISTINCT toString(router) AS router, toString(peer_address) AS peer_address, toString(peer_type) AS peer_type, toString(peer_rd) AS peer_rd FROM peer_prefix_counts ${w}
         ) ${after} ORDER BY router, peer_address, peer_type, peer_rd LIMIT {lim:UInt32}`,
        params,
      );
      const page = keys.slice(0, q.limit);
      const last = page.at(-1);
      const next = keys.length > q.limit && last ? encodeCursor('peers', [last.router, last.peer_address, last.peer_type, last.peer_rd]) : null;
      if (page.length === 0) return { peers: [], next };

      const rs = [...new Set(page.map((k) => k.router))];
      const ps = [...new Set(page.map((k) => k.peer_address))];
      const [events, counts, routers] = await Promise.all([
        ctx.query<EventRow>(
          `SELECT router, peer_address, peer_type, peer_rd,
                  argMax(event, (time, seq)) AS last_event, max(time) AS last_time,
                  argMax(peer_asn, (time, seq)) AS asn, argMax(peer_bgp_id, (time, seq)) AS bgp_id,
                  countIf(event = 'down') AS downs, maxIf(time, event = 'down') AS down_time,
                  argMaxIf(reason, (time, seq), event = 'down') AS reason,
                  argMaxIf(reason_name, (time, seq), event = 'down') AS reason_name,
                  argMaxIf(notification_code, (time, seq), event = 'down') AS code,
                  argMaxIf(notification_subcode, (time, seq), event = 'down') AS subcode,
                  argMaxIf(notification, (time, seq), event = 'down') AS notification
           FROM peer_events WHERE router IN {rs:Array(String)} AND peer_address IN {ps:Array(String)}
           GROUP BY router, peer_address, peer_type, peer_rd`,
          { rs, ps },
        ),
        ctx.query<CountRow>(
          `SELECT router, peer_address, peer_type, peer_rd, rib, afi_safi,
                  argMax(prefixes, time) AS n, argMax(peer_asn, time) AS asn, max(time) AS t
           FROM peer_prefix_counts WHERE router IN {rs:Array(String)} AND peer_address IN {ps:Array(String)}
           GROUP BY router, peer_address, peer_type, peer_rd, rib, afi_safi`,
          { rs, ps },
        ),
        routerStates(ctx, rs),
      ]);
      const ev = new Map(events.map((e) => [keyOf(e), e]));
      const byPeer = new Map<string, CountRow[]>();
      for (const c of counts) {
        const k = keyOf(c);
        const list = byPeer.get(k) ?? [];
        list.push(c);
        byPeer.set(k, list);
      }
      const inv = ctx.inventory();
      const labels = await routeLabels(ctx);

      const peers = page.map((k) => {
        const e = ev.get(keyOf(k));
        const r = routers.get(k.router);
        const cs = byPeer.get(keyOf(k)) ?? [];
        let state: 'up' | 'down' | 'unknown' = 'unknown';
        let since: string | null = null;
        if (e) {
          const routerDownAfter = r !== undefined && r.last_event === 'down' && r.down_time >= e.last_time;
          if (e.last_event === 'down') {
            state = 'down';
            since = iso(e.last_time);
          } else if (!routerDownAfter) {
            state = 'up';
            since = iso(e.last_time);
          }
        }
        const prefixes: Record<string, Record<string, number>> = {};
        let asOf = '';
        for (const c of cs) {
          (prefixes[c.rib] ??= {})[c.afi_safi] = Number(c.n);
          if (c.t > asOf) asOf = c.t;
        }
        const limits: Record<string, { max: number; used: number; ratio: number }> = {};
        if (inv) {
          const ir = inv.router(k.router, r?.sys_name || null);
          const ip = inv.peer(ir, k.peer_address);
          for (const [afi, max] of Object.entries(ip?.maxPrefix ?? {})) {
            const used = prefixes['adj-in-post']?.[afi] ?? prefixes['adj-in-pre']?.[afi] ?? 0;
            limits[afi] = { max, used, ratio: max > 0 ? Math.round((used / max) * 10000) / 10000 : 0 };
          }
        }
        const asn = e ? Number(e.asn) : cs[0] ? Number(cs[0].asn) : null;
        return {
          router: k.router,
          address: k.peer_address,
          asn,
          bgp_id: e ? e.bgp_id : null,
          peer_type: k.peer_type,
          rd: k.peer_rd === '' ? null : k.peer_rd,
          ...(labels?.peer(k.peer_address) ?? { cluster: null, node: null }),
          state,
          since,
          down_reason:
            e && Number(e.downs) > 0
              ? {
                  at: iso(e.down_time),
                  reason: Number(e.reason),
                  reason_name: e.reason_name,
                  notification: Number(e.code) !== 0 ? { code: Number(e.code), subcode: Number(e.subcode), name: e.notification } : null,
                }
              : null,
          prefixes,
          prefixes_as_of: iso(asOf),
          limits,
        };
      });
      return { peers: q.state === undefined ? peers : peers.filter((p) => p.state === q.state), next };
    },
  );
  done();
};

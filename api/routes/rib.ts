/**
 * GET /api/v1/rib: what the routers have now for a prefix or an address.
 *
 * match=exact          the prefix itself;
 * match=longest        for each router / peer / view / AFI-SAFI / RD, its most specific route
 *                      covering the prefix (an address is its host route);
 * match=more-specific  the prefix and every prefix inside it ("longer-prefixes").
 *
 * The rib table is ordered by (router, peer, view, AFI/SAFI, prefix, ...), prefixes as text, so
 * the lookups are shaped to use that key: `exact` is an equality; `longest` asks for the at most
 * 33 (129) covering prefixes by name, `prefix IN [...]`, and keeps the longest per key with a
 * window function; `more-specific` narrows by the text of the fixed leading octets (hextets),
 * `startsWith(prefix, '10.1.')`, which the primary key serves as a range, then checks the range
 * exactly on the parsed address. A more-specific lookup under less than /8 (IPv4) or /16 (IPv6)
 * is most of the table and is refused. No migration was needed for this.
 */
import type { FastifyPluginCallback } from 'fastify';
import { formatPrefix } from '../../inventory/prefix-trie.js';
import type { PrefixKey } from '../../inventory/prefix-trie.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor, parseAsnParam, parseCommunityParam, parsePrefixParam, routeFilters } from '../parse.js';
import { ATTR_COLUMNS, routeOf } from '../rows.js';
import { routeLabels } from '../kube-labels.js';
import type { RibRow } from '../rows.js';
import { Q, textParam, withErrors } from '../schemas.js';

interface RibQuery {
  prefix: string;
  match?: 'exact' | 'longest' | 'more-specific';
  router?: string;
  peer?: string;
  view?: string;
  afi_safi?: string;
  community?: string;
  origin_as?: string;
  limit: number;
  cursor?: string;
}

const KEY = 'router, peer_type, peer_rd, peer_address, rib, afi_safi, prefix, rd, path_id';
const CURSOR_SHAPE = ['s', 's', 's', 's', 's', 's', 's', 's', 'n'] as const;
const COLUMNS = `router, peer_type, peer_rd, peer_address, peer_asn, rib, afi_safi, prefix, rd, path_id, time, stale, dump, ${ATTR_COLUMNS}`;

/** Every prefix covering k (k itself included), shortest first, as canonical text. */
export function coveringPrefixes(k: PrefixKey): string[] {
  const out: string[] = [];
  for (let len = 0; len <= k.length; len++) {
    const words = Uint32Array.from(k.words);
    for (let w = 0; w < words.length; w++) {
      const bits = Math.max(0, Math.min(32, len - w * 32));
      if (bits < 32) words[w] = bits === 0 ? 0 : ((words[w] ?? 0) & (0xffffffff << (32 - bits))) >>> 0;
    }
    out.push(formatPrefix({ family: k.family, words, length: len }));
  }
  return out;
}

function hextets(k: PrefixKey): number[] {
  const out: number[] = [];
  for (const w of k.words) out.push(w >>> 16, w & 0xffff);
  return out;
}

/**
 * The text every prefix inside k starts with (canonical form), and k's first and last address.
 * IPv4: the fixed whole octets ("10.1." for 10.1.0.0/16). IPv6: the fixed leading non-zero hextets
 * ("2001:db8:" for 2001:db8::/32; a zero hextet may be compressed to "::", so the text stops there).
 */
export function moreSpecificScan(k: PrefixKey): { textPrefix: string; first: string; last: string } {
  if (k.family === 4) {
    if (k.length < 8) throw new ApiError('RW_API_PREFIX_TOO_SHORT', `prefix: more-specific lookups need /8 or longer for IPv4 (got /${k.length}): a shorter one is most of the table`);
    const n = k.words[0] ?? 0;
    const octets = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const whole = Math.floor(k.length / 8);
    const textPrefix = whole === 4 ? `${octets.join('.')}/` : `${octets.slice(0, whole).join('.')}.`;
    const hostBits = 32 - k.length;
    const lastN = hostBits === 32 ? 0xffffffff : (n | (hostBits === 0 ? 0 : (2 ** hostBits - 1))) >>> 0;
    const fmt = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    return { textPrefix, first: fmt(n), last: fmt(lastN) };
  }
  const h = hextets(k);
  if (k.length < 16 || h[0] === 0) throw new ApiError('RW_API_PREFIX_TOO_SHORT', `prefix: more-specific lookups need /16 or longer for IPv6, under a first group that is not 0 (got /${k.length})`);
  let fixed = 0;
  while (fixed < Math.floor(k.length / 16) && fixed < 8 && h[fixed] !== 0) fixed++;
  const head = h.slice(0, fixed).map((x) => x.toString(16)).join(':');
  const textPrefix = fixed === 8 ? `${head}/` : `${head}:`;
  const last = h.map((x, i) => {
    const bitsHere = Math.max(0, Math.min(16, k.length - i * 16));
    return bitsHere === 16 ? x : (x | (0xffff >>> bitsHere)) & 0xffff;
  });
  return { textPrefix, first: h.map((x) => x.toString(16)).join(':'), last: last.map((x) => x.toString(16)).join(':') };
}

export const ribRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  app.get<{ Querystring: RibQuery }>(
    '/rib',
    {
      schema: {
        summary: 'Routes for a prefix or address now: exact, longest match or more-specifics',
        tags: ['rib'],
        querystring: {
          type: 'object',
          required: ['prefix'],
          additionalProperties: false,
          properties: {
            prefix: textParam('a prefix ("10.1.0.0/16", "2001:db8::/32") or an address (its host route)', 64),
            match: { type: 'string', enum: ['exact', 'longest', 'more-specific'], default: 'exact' },
            router: Q.router,
            peer: Q.peer,
            view: Q.view,
            afi_safi: Q.afi_safi,
            community: textParam('routes carrying this community: "65001:100", "NO_EXPORT", large "64512:1:2", extended "rt:65000:100"', 64),
            origin_as: textParam('routes whose AS path ends in this AS ("65001", "AS65001", "1.10")', 20),
            limit: Q.limit(ctx.maxResults, 100),
            cursor: Q.cursor,
          },
        },
        response: withErrors({ 200: { $ref: 'RouteList#' } }),
      },
    },
    async (req) => {
      const q = req.query;
      const p = parsePrefixParam(q.prefix);
      const match = q.match ?? 'exact';
      const params: Record<string, unknown> = { lim: q.limit + 1 };
      const where: string[] = ['is_withdrawn = 0'];
      routeFilters(q, params, where);
      if (q.community !== undefined) {
        const c = parseCommunityParam(q.community);
        params['community'] = c.text;
        where.push(`has(${c.kind === 'standard' ? 'communities' : c.kind === 'large' ? 'large_communities' : 'ext_communities'}, {community:String})`);
      }
      if (q.origin_as !== undefined) {
        params['oas'] = parseAsnParam(q.origin_as);
        where.push('origin_as = {oas:UInt32}');
      }
      let after = '';
      if (q.cursor !== undefined) {
        const c = decodeCursor(q.cursor, `rib:${match}:${p.text}`, CURSOR_SHAPE);
        c.forEach((v, i) => (params[`c${i}`] = v));
        after = `(${KEY}) > ({c0:String}, {c1:String}, {c2:String}, {c3:String}, {c4:String}, {c5:String}, {c6:String}, {c7:String}, {c8:UInt32})`;
      }

      let sql: string;
      if (match === 'exact') {
        params['p'] = p.text;
        sql = `SELECT ${COLUMNS} FROM rib FINAL WHERE prefix = {p:String} AND ${where.join(' AND ')}${after ? ` AND ${after}` : ''} ORDER BY ${KEY} LIMIT {lim:UInt32}`;
      } else if (match === 'longest') {
        params['cands'] = coveringPrefixes(p.key);
        sql = `SELECT ${COLUMNS} FROM (
                 SELECT ${COLUMNS}, toUInt8OrZero(splitByChar('/', prefix)[2]) AS plen,
                        max(plen) OVER (PARTITION BY router, peer_type, peer_rd, peer_address, rib, afi_safi, rd) AS best
                 FROM rib FINAL WHERE prefix IN {cands:Array(String)} AND ${where.join(' AND ')})
               WHERE plen = best${after ? ` AND ${after}` : ''} ORDER BY ${KEY} LIMIT {lim:UInt32}`;
      } else {
        const scan = moreSpecificScan(p.key);
        params['tp'] = scan.textPrefix;
        params['lo'] = scan.first;
        params['hi'] = scan.last;
        params['len'] = p.key.length;
        const addr = p.key.family === 4 ? 'toIPv4OrNull' : 'toIPv6OrNull';
        const cast = p.key.family === 4 ? 'toIPv4' : 'toIPv6';
        sql = `SELECT ${COLUMNS} FROM rib FINAL
               WHERE startsWith(prefix, {tp:String})
                 AND ${addr}(splitByChar('/', prefix)[1]) BETWEEN ${cast}({lo:String}) AND ${cast}({hi:String})
                 AND toUInt8OrZero(splitByChar('/', prefix)[2]) >= {len:UInt8}
                 AND ${where.join(' AND ')}${after ? ` AND ${after}` : ''}
               ORDER BY ${KEY} LIMIT {lim:UInt32}`;
      }
      const rows = await ctx.query<RibRow>(sql, params);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const next =
        rows.length > q.limit && last
          ? encodeCursor(`rib:${match}:${p.text}`, [last.router, last.peer_type, last.peer_rd, last.peer_address, last.rib, last.afi_safi, last.prefix, last.rd, Number(last.path_id)])
          : null;
      const labels = await routeLabels(ctx);
      return { routes: page.map((r) => ({ ...routeOf(r), ...(labels?.route(r.peer_address, r.prefix) ?? { cluster: null, node: null, service: null }) })), next };
    },
  );
  done();
};

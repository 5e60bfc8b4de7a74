/**
 * Alerts and silences, as the analyzer stores them (migration 0010: alerts, silences; newest
 * version per id wins, read with FINAL). Reads come from the store, so `ribwatch api` serves them
 * from any process. Acknowledging and managing silences go through the analyzer's lifecycle
 * (AlertsControl), which keeps memory, store and notifications in step: they need the analyzer
 * in this process (`ribwatch run`), else 503 RW_API_NOT_AVAILABLE.
 *
 * Also the analysis views that are alerts underneath: /analysis/leaks, /analysis/dampening.
 */
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { ApiContext, SilenceLike } from '../context.js';
import { iso } from '../context.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor, parseAddressParam, parsePrefixParam } from '../parse.js';
import { Q, withErrors } from '../schemas.js';

interface AlertRow {
  id: string;
  kind: string;
  severity: string;
  peak_severity: string;
  status: string;
  subject: Record<string, string>;
  routers: string[];
  peers: string[];
  opened_at: string;
  updated_at: string;
  ums: number | string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string;
  silenced_by: string[];
  summary: string;
  next_step: string;
  facts: string;
  reopened_from: string;
}

interface AlertQuery {
  status?: string;
  kind?: string;
  severity?: string;
  router?: string;
  peer?: string;
  prefix?: string;
  cluster?: string;
  limit: number;
  cursor?: string;
}

export const LEAK_KINDS = ['pod-cidr-leak', 'service-cidr-leak', 'lb-ip-leak', 'cluster-overlap', 'foreign-overlap', 'missing-no-export'];

const ALERT_COLUMNS = `id, kind, severity, peak_severity, status, subject, routers, peers, opened_at, updated_at, toUnixTimestamp64Milli(updated_at) AS ums,
  resolved_at, acknowledged_at, acknowledged_by, silenced_by, summary, next_step, facts, reopened_from`;

function alertOf(r: AlertRow): Record<string, unknown> {
  let facts: unknown = {};
  try {
    facts = r.facts === '' ? {} : (JSON.parse(r.facts) as unknown);
  } catch {
    facts = {};
  }
  return {
    id: r.id,
    kind: r.kind,
    severity: r.severity,
    peak_severity: r.peak_severity,
    status: r.status,
    subject: r.subject,
    routers: r.routers,
    peers: r.peers,
    opened_at: iso(r.opened_at),
    updated_at: iso(r.updated_at),
    resolved_at: iso(r.resolved_at),
    acknowledged_at: iso(r.acknowledged_at),
    acknowledged_by: r.acknowledged_by === '' ? null : r.acknowledged_by,
    silenced: r.silenced_by.length > 0,
    summary: r.summary,
    next_step: r.next_step,
    facts: typeof facts === 'object' && facts !== null && !Array.isArray(facts) ? facts : {},
    reopened_from: r.reopened_from === '' ? null : r.reopened_from,
  };
}

const kindParam = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,47}$', description: 'alert kind (prefix-flap, session-flap, dampening, pod-cidr-leak, prefix-limit, ...)' };
const idParam = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,80}$' } } };

async function listAlerts(ctx: ApiContext, q: AlertQuery, kinds: readonly string[] | undefined, tag: string, unresolvedOnly: boolean): Promise<{ alerts: Record<string, unknown>[]; next: string | null }> {
  const params: Record<string, unknown> = { lim: q.limit + 1 };
  const where: string[] = [];
  if (q.status !== undefined) {
    params['status'] = q.status;
    where.push('status = {status:String}');
  } else if (unresolvedOnly) where.push("status != 'resolved'");
  if (kinds !== undefined) {
    params['kinds'] = kinds;
    where.push('kind IN {kinds:Array(String)}');
  }
  if (q.kind !== undefined) {
    params['kind'] = q.kind;
    where.push('kind = {kind:String}');
  }
  if (q.severity !== undefined) {
    params['severity'] = q.severity;
    where.push('severity = {severity:String}');
  }
  if (q.router !== undefined) {
    params['router'] = q.router.trim();
    where.push('(router = {router:String} OR has(routers, {router:String}))');
  }
  if (q.peer !== undefined) {
    params['peer'] = parseAddressParam(q.peer, 'peer');
    where.push('(peer = {peer:String} OR has(peers, {peer:String}))');
  }
  if (q.prefix !== undefined) {
    params['prefix'] = parsePrefixParam(q.prefix).text;
    where.push('prefix = {prefix:String}');
  }
  if (q.cluster !== undefined) {
    params['cluster'] = q.cluster;
    where.push('cluster = {cluster:String}');
  }
  if (q.cursor !== undefined) {
    const [t, id] = decodeCursor(q.cursor, tag, ['n', 's']);
    params['ct'] = t;
    params['cid'] = id;
    where.push('(ums < {ct:Int64} OR (ums = {ct:Int64} AND id > {cid:String}))');
  }
  const rows = await ctx.query<AlertRow>(
    `SELECT * FROM (SELECT ${ALERT_COLUMNS}, router, peer, prefix, cluster FROM alerts FINAL)
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ums DESC, id LIMIT {lim:UInt32}`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { alerts: page.map(alertOf), next: rows.length > q.limit && last ? encodeCursor(tag, [Number(last.ums), last.id]) : null };
}

function silenceOf(s: SilenceLike): Record<string, unknown> {
  const matchers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.matchers)) if (v !== undefined) matchers[k] = v;
  return {
    id: s.id,
    matchers,
    starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(),
    reason: s.reason,
    created_by: s.createdBy,
    created_at: new Date(s.createdAt).toISOString(),
  };
}

function who(req: FastifyRequest): string {
  return (req as FastifyRequest & { principal?: { name: string } }).principal?.name ?? 'api';
}

function control(ctx: ApiContext): NonNullable<ApiContext['alerts']> {
  if (!ctx.alerts) throw new ApiError('RW_API_NOT_AVAILABLE', 'acknowledging alerts and managing silences needs the analyzer in this process (`ribwatch run`); this API only reads alerts');
  return ctx.alerts;
}

export const alertRoutes: FastifyPluginCallback<{ ctx: ApiContext }> = (app, { ctx }, done) => {
  const alertQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
      kind: kindParam,
      severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
      router: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'router name (inventory) or address' },
      peer: Q.peer,
      prefix: { type: 'string', maxLength: 64 },
      cluster: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' },
      limit: Q.limit(ctx.maxResults, 100),
      cursor: Q.cursor,
    },
  };

  app.get<{ Querystring: AlertQuery }>(
    '/alerts',
    { schema: { summary: 'Alerts, newest change first; filter by status, kind, severity, subject', tags: ['alerts'], querystring: alertQuery, response: withErrors({ 200: { $ref: 'AlertList#' } }) } },
    async (req) => listAlerts(ctx, req.query, undefined, 'alerts', false),
  );

  app.get<{ Params: { id: string } }>(
    '/alerts/:id',
    { schema: { summary: 'One alert', tags: ['alerts'], params: idParam, response: withErrors({ 200: { $ref: 'Alert#' } }) } },
    async (req) => {
      const rows = await ctx.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE id = {id:String}`, { id: req.params.id });
      const r = rows[0];
      if (!r) throw new ApiError('RW_API_NOT_FOUND', `no alert ${JSON.stringify(req.params.id)}`);
      return alertOf(r);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/alerts/:id/acknowledge',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Acknowledge an open alert (admin): notifications say who; it resolves as usual',
        tags: ['alerts'],
        params: idParam,
        response: withErrors(
          { 200: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, acknowledged_by: { type: 'string' } } } },
          [409, 413, 415],
        ),
      },
    },
    async (req) => {
      const by = who(req);
      const r: unknown = await Promise.resolve(control(ctx).acknowledge(req.params.id, by));
      if (typeof r === 'string') throw new ApiError(/resolved/.test(r) ? 'RW_API_CONFLICT' : 'RW_API_NOT_FOUND', r);
      return { id: req.params.id, status: 'acknowledged', acknowledged_by: by };
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/silences',
    {
      schema: {
        summary: 'Silences in force or still to come (created through the API)',
        tags: ['silences'],
        querystring: { type: 'object', additionalProperties: false, properties: { limit: Q.limit(ctx.maxResults, 100), cursor: Q.cursor } },
        response: withErrors({ 200: { $ref: 'SilenceList#' } }),
      },
    },
    async (req) => {
      const params: Record<string, unknown> = { lim: req.query.limit + 1, after: '' };
      if (req.query.cursor !== undefined) params['after'] = decodeCursor(req.query.cursor, 'silences', ['s'])[0];
      const rows = await ctx.query<{ id: string; matchers: Record<string, string>; starts_at: string; ends_at: string; reason: string; created_by: string; created_at: string }>(
        `SELECT id, matchers, starts_at, ends_at, reason, created_by, created_at FROM silences FINAL
         WHERE deleted = 0 AND ends_at > now64(3) AND id > {after:String} ORDER BY id LIMIT {lim:UInt32}`,
        params,
      );
      const page = rows.slice(0, req.query.limit);
      const last = page.at(-1);
      return {
        silences: page.map((s) => ({ ...s, starts_at: iso(s.starts_at), ends_at: iso(s.ends_at), created_at: iso(s.created_at) })),
        next: rows.length > req.query.limit && last ? encodeCursor('silences', [last.id]) : null,
      };
    },
  );

  app.post<{ Body: { matchers: Record<string, string>; starts_at?: string; ends_at: string; reason: string } }>(
    '/silences',
    {
      config: { access: 'admin' },
      preValidation: (req, _reply, done) => {
        const b = req.body as Record<string, unknown> | null | undefined;
        const wrong = typeof b === 'object' && b !== null ? ['starts_at', 'ends_at', 'reason'].filter((k) => k in b && typeof b[k] !== 'string') : [];
        const m = typeof b === 'object' && b !== null ? b['matchers'] : undefined;
        if (typeof m === 'object' && m !== null) wrong.push(...Object.entries(m as Record<string, unknown>).filter(([, v]) => typeof v !== 'string').map(([k]) => `matchers.${k}`));
        // The validator coerces types (query strings need it); a body must be what it says.
        done(wrong.length > 0 ? new ApiError('RW_API_BAD_PARAMETER', `body.${wrong.join(', body.')}: must be a string`) : undefined);
      },
      schema: {
        summary: 'Create a silence (admin): matching alerts stay listed, their notifications are muted',
        tags: ['silences'],
        body: {
          type: 'object',
          required: ['matchers', 'ends_at', 'reason'],
          additionalProperties: false,
          properties: {
            matchers: {
              type: 'object',
              minProperties: 1,
              additionalProperties: false,
              properties: Object.fromEntries(['kind', 'router', 'peer', 'prefix', 'cluster', 'node', 'afiSafi'].map((k) => [k, { type: 'string', minLength: 1, maxLength: 128 }])),
            },
            starts_at: { type: 'string', format: 'date-time' },
            ends_at: { type: 'string', format: 'date-time' },
            reason: { type: 'string', minLength: 1, maxLength: 1000 },
          },
        },
        response: withErrors({ 201: { $ref: 'Silence#' } }, [413, 415]),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await control(ctx).addSilence({ matchers: b.matchers, ...(b.starts_at !== undefined ? { startsAt: b.starts_at } : {}), endsAt: b.ends_at, reason: b.reason, createdBy: who(req) });
      if (Array.isArray(r)) throw new ApiError('RW_API_BAD_BODY', `silence: ${r.join('; ')}`);
      void reply.code(201);
      return silenceOf(r);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/silences/:id',
    {
      config: { access: 'admin' },
      schema: { summary: 'End a silence now (admin)', tags: ['silences'], params: idParam, response: withErrors({ 204: { type: 'null', description: 'ended' } }) },
    },
    async (req, reply) => {
      if (!(await control(ctx).expireSilence(req.params.id))) throw new ApiError('RW_API_NOT_FOUND', `no silence ${JSON.stringify(req.params.id)} created through the API is in force`);
      return reply.code(204).send();
    },
  );

  const viewQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { status: alertQuery.properties.status, router: alertQuery.properties.router, limit: Q.limit(ctx.maxResults, 100), cursor: Q.cursor },
  };
  app.get<{ Querystring: AlertQuery }>(
    '/analysis/leaks',
    { schema: { summary: 'Pod/service/LB range leaks, overlaps and missing NO_EXPORT found by the analyzer (unresolved unless status says)', tags: ['analysis'], querystring: viewQuery, response: withErrors({ 200: { $ref: 'AlertList#' } }) } },
    async (req) => listAlerts(ctx, req.query, LEAK_KINDS, 'leaks', true),
  );
  app.get<{ Querystring: AlertQuery }>(
    '/analysis/dampening',
    { schema: { summary: 'Prefixes an upstream dampens or is about to (RFC 2439 figure of merit), from the analyzer', tags: ['analysis'], querystring: viewQuery, response: withErrors({ 200: { $ref: 'AlertList#' } }) } },
    async (req) => listAlerts(ctx, req.query, ['dampening'], 'dampening', true),
  );
  done();
};

/**
 * The JSON schemas the routes share, each registered once on the root instance under its $id and
 * referenced as `{ $ref: 'Route#' }`; @fastify/swagger turns them into components.schemas of the
 * OpenAPI document. Response schemas are contracts: fastify serializes replies through them, so a
 * field not declared here never leaves the server.
 *
 * Query-string schemas are built from the fragments at the end (one definition per parameter).
 */

import type {} from '@fastify/swagger';

const time = { type: 'string', format: 'date-time', description: 'RFC 3339, UTC' } as const;
const nullableTime = { type: 'string', format: 'date-time', nullable: true } as const;
const u32 = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
const nullableU32 = { type: 'integer', minimum: 0, maximum: 4294967295, nullable: true } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const next = { type: 'string', nullable: true, description: 'pass as `cursor` for the next page; null on the last page' } as const;

export const SHARED_SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    description: 'Every error: a stable code from the catalogue (docs/api.md), what was wrong, the HTTP status.',
    required: ['code', 'message', 'status'],
    properties: { code: { type: 'string', pattern: '^RW_API_[A-Z_]+$' }, message: { type: 'string' }, status: { type: 'integer' } },
  },
  {
    $id: 'Attributes',
    type: 'object',
    description: 'Path attributes of a route. as_path: ASNs, an AS_SET as a nested array.',
    properties: {
      origin: { type: 'string', nullable: true, enum: ['igp', 'egp', 'incomplete', null] },
      as_path: { type: 'array', items: { anyOf: [u32, { type: 'array', items: u32 }] } },
      origin_as: nullableU32,
      next_hop: { type: 'string', nullable: true },
      med: nullableU32,
      local_pref: nullableU32,
      communities: strings,
      large_communities: strings,
      ext_communities: strings,
      labels: { type: 'array', items: u32 },
      atomic_aggregate: { type: 'boolean' },
      aggregator: { type: 'object', nullable: true, properties: { asn: u32, address: { type: 'string' } } },
      originator_id: { type: 'string', nullable: true },
      cluster_list: strings,
    },
  },
  {
    $id: 'Route',
    type: 'object',
    required: ['router', 'peer', 'view', 'afi_safi', 'prefix', 'rd', 'path_id', 'attributes', 'since'],
    properties: {
      router: { type: 'string' },
      peer: { type: 'string', description: 'the BGP peer address' },
      peer_asn: u32,
      peer_type: { type: 'string' },
      peer_rd: { type: 'string', nullable: true },
      view: { type: 'string', enum: ['adj-in-pre', 'adj-in-post', 'loc-rib', 'adj-out-pre', 'adj-out-post'] },
      afi_safi: { type: 'string' },
      prefix: { type: 'string' },
      rd: { type: 'string', nullable: true },
      path_id: nullableU32,
      attributes: { $ref: 'Attributes#' },
      since: time,
      stale: { type: 'boolean', description: "the router's BMP session ended since; awaiting its re-dump" },
      cluster: { type: 'string', nullable: true, description: 'the Kubernetes cluster of the node announcing it (or of the Service it is an address of); null when neither' },
      node: { type: 'string', nullable: true, description: "the Kubernetes Node whose InternalIP (v4 or v6) is the peer address" },
      service: { type: 'string', nullable: true, description: 'for a Service address (LB, external or cluster IP): "namespace/name"' },
      dump: { type: 'boolean', description: 'the latest change came from a (re-)dump' },
    },
  },
  {
    $id: 'RouteList',
    type: 'object',
    required: ['routes', 'next'],
    properties: { routes: { type: 'array', items: { $ref: 'Route#' } }, next },
  },
  {
    $id: 'Router',
    type: 'object',
    required: ['router', 'state', 'sys_name', 'last_seen'],
    properties: {
      router: { type: 'string', description: "the router's BMP source address" },
      state: { type: 'string', enum: ['connected', 'disconnected'] },
      since: nullableTime,
      sys_name: { type: 'string' },
      sys_descr: { type: 'string' },
      last_seen: nullableTime,
      last_down: {
        type: 'object',
        nullable: true,
        properties: { at: time, termination: { type: 'string', nullable: true }, cause: { type: 'string' } },
      },
    },
  },
  {
    $id: 'RouterList',
    type: 'object',
    required: ['routers', 'next'],
    properties: { routers: { type: 'array', items: { $ref: 'Router#' } }, next },
  },
  {
    $id: 'Peer',
    type: 'object',
    required: ['router', 'address', 'asn', 'bgp_id', 'peer_type', 'rd', 'state', 'since', 'down_reason', 'prefixes'],
    properties: {
      router: { type: 'string' },
      address: { type: 'string' },
      asn: nullableU32,
      bgp_id: { type: 'string', nullable: true },
      peer_type: { type: 'string' },
      rd: { type: 'string', nullable: true },
      cluster: { type: 'string', nullable: true, description: 'the Kubernetes cluster of the node this peer is' },
      node: { type: 'string', nullable: true, description: 'the Kubernetes Node whose InternalIP (v4 or v6) is the peer address' },
      state: { type: 'string', enum: ['up', 'down', 'unknown'] },
      since: nullableTime,
      down_reason: {
        type: 'object',
        nullable: true,
        properties: {
          at: time,
          reason: { type: 'integer' },
          reason_name: { type: 'string' },
          notification: {
            type: 'object',
            nullable: true,
            properties: { code: { type: 'integer' }, subcode: { type: 'integer' }, name: { type: 'string' } },
          },
        },
      },
      prefixes: {
        type: 'object',
        description: 'current routes per RIB view and AFI/SAFI (as of prefixes_as_of)',
        additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      prefixes_as_of: nullableTime,
      limits: {
        type: 'object',
        description: 'per AFI/SAFI: the inventory max-prefix and the share used by the adj-in-post count (adj-in-pre when no post-policy view)',
        additionalProperties: {
          type: 'object',
          properties: { max: { type: 'integer' }, used: { type: 'integer' }, ratio: { type: 'number' } },
        },
      },
    },
  },
  {
    $id: 'PeerList',
    type: 'object',
    required: ['peers', 'next'],
    properties: { peers: { type: 'array', items: { $ref: 'Peer#' } }, next },
  },
  {
    $id: 'HistoryEvent',
    type: 'object',
    required: ['time', 'router', 'peer', 'view', 'afi_safi', 'prefix', 'action'],
    properties: {
      time,
      router: { type: 'string' },
      peer: { type: 'string' },
      peer_asn: u32,
      view: { type: 'string' },
      afi_safi: { type: 'string' },
      prefix: { type: 'string' },
      rd: { type: 'string', nullable: true },
      path_id: nullableU32,
      action: { type: 'string', enum: ['announce', 'withdraw'] },
      dump: { type: 'boolean' },
      synthetic: { type: 'boolean', description: 'a withdrawal the writer inferred (peer down, not re-announced after a reset)' },
      session: { type: 'string' },
      seq: { type: 'integer' },
      attributes: { $ref: 'Attributes#' },
    },
  },
  {
    $id: 'History',
    type: 'object',
    required: ['prefix', 'from', 'to', 'events', 'next'],
    properties: { prefix: { type: 'string' }, from: time, to: time, events: { type: 'array', items: { $ref: 'HistoryEvent#' } }, next },
  },
  {
    $id: 'FlappingPrefix',
    type: 'object',
    properties: {
      prefix: { type: 'string' },
      router: { type: 'string' },
      peer: { type: 'string' },
      view: { type: 'string' },
      afi_safi: { type: 'string' },
      changes: { type: 'integer' },
      announcements: { type: 'integer' },
      withdrawals: { type: 'integer' },
      synthetic_withdrawals: { type: 'integer' },
      first: time,
      last: time,
    },
  },
  {
    $id: 'FlappingPeer',
    type: 'object',
    properties: {
      router: { type: 'string' },
      peer: { type: 'string' },
      changes: { type: 'integer' },
      announcements: { type: 'integer' },
      withdrawals: { type: 'integer' },
      synthetic_withdrawals: { type: 'integer' },
      prefixes: { type: 'integer', description: 'distinct prefixes that changed' },
      session_downs: { type: 'integer', description: 'Peer Down messages in the window' },
    },
  },
  {
    $id: 'Flaps',
    type: 'object',
    required: ['from', 'to', 'next'],
    properties: {
      from: time,
      to: time,
      prefixes: { type: 'array', items: { $ref: 'FlappingPrefix#' } },
      peers: { type: 'array', items: { $ref: 'FlappingPeer#' } },
      next,
    },
  },
  {
    $id: 'Alert',
    type: 'object',
    required: ['id', 'kind', 'severity', 'status', 'subject', 'opened_at', 'updated_at', 'summary'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string' },
      severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
      peak_severity: { type: 'string' },
      status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
      subject: { type: 'object', additionalProperties: { type: 'string' } },
      routers: strings,
      peers: strings,
      opened_at: time,
      updated_at: time,
      resolved_at: nullableTime,
      acknowledged_at: nullableTime,
      acknowledged_by: { type: 'string', nullable: true },
      silenced: { type: 'boolean' },
      summary: { type: 'string' },
      next_step: { type: 'string' },
      facts: { type: 'object', additionalProperties: true },
      reopened_from: { type: 'string', nullable: true },
    },
  },
  {
    $id: 'AlertList',
    type: 'object',
    required: ['alerts', 'next'],
    properties: { alerts: { type: 'array', items: { $ref: 'Alert#' } }, next },
  },
  {
    $id: 'Silence',
    type: 'object',
    required: ['id', 'matchers', 'starts_at', 'ends_at', 'reason'],
    properties: {
      id: { type: 'string' },
      matchers: { type: 'object', additionalProperties: { type: 'string' } },
      starts_at: time,
      ends_at: time,
      reason: { type: 'string' },
      created_by: { type: 'string' },
      created_at: time,
    },
  },
  {
    $id: 'SilenceList',
    type: 'object',
    required: ['silences', 'next'],
    properties: { silences: { type: 'array', items: { $ref: 'Silence#' } }, next },
  },
  {
    $id: 'PrefixLimit',
    type: 'object',
    properties: {
      router: { type: 'string' },
      peer: { type: 'string' },
      afi_safi: { type: 'string' },
      view: { type: 'string' },
      prefixes: { type: 'integer' },
      max: { type: 'integer' },
      ratio: { type: 'number' },
      headroom: { type: 'integer' },
      as_of: time,
    },
  },
  {
    $id: 'PrefixLimitList',
    type: 'object',
    required: ['limits', 'next'],
    properties: { limits: { type: 'array', items: { $ref: 'PrefixLimit#' } }, next },
  },
] as const;

// ---- query-string fragments ----------------------------------------------------------------

/** Free text that the handler parses (so the 400 can say precisely what is wrong). */
export const textParam = (description: string, maxLength = 100): Record<string, unknown> => ({ type: 'string', maxLength, description });

export const Q = {
  router: textParam('router: its BMP source address, or bgp:<address> for a BGP neighbor', 68),
  peer: textParam('peer address', 64),
  view: { type: 'string', enum: ['adj-in-pre', 'adj-in-post', 'loc-rib', 'adj-out-pre', 'adj-out-post'], description: 'RIB view' },
  afi_safi: { type: 'string', pattern: '^[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}$', maxLength: 40, description: 'AFI/SAFI name as in `ribwatch decode --summary` (ipv4-unicast, ipv6-unicast, ipv4-vpn, ...)' },
  cursor: { type: 'string', maxLength: 2048, description: 'the `next` of the previous page' },
  limit: (max: number, dflt: number): Record<string, unknown> => ({ type: 'integer', minimum: 1, maximum: max, default: Math.min(dflt, max), description: `page size (1..${max})` }),
} as const;

/** The error answers every route can give (OpenAPI and schemathesis need them declared). */
export function withErrors(ok: Record<number, unknown>, extra: readonly number[] = []): Record<number, unknown> {
  const out: Record<number, unknown> = { ...ok };
  for (const s of [400, 401, 403, 404, 405, 429, 503, ...extra]) out[s] = { $ref: 'Error#' };
  // Node answers a request line or headers over its limit (16 KiB) itself, before fastify sees it.
  out[431] = { description: 'request line or headers too large (answered by Node before routing)', type: 'object', additionalProperties: true };
  return out;
}

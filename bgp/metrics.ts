/**
 * The BGP speaker's Prometheus metrics. Labels stay bounded: message types, error kinds and
 * results from fixed sets; per-neighbor detail belongs in the records and logs.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export class BgpMetrics {
  readonly messages: Counter<'type'>;
  readonly errors: Counter<'kind'>;
  readonly sessions: Gauge;
  readonly connections: Counter<'result'>;
  readonly notifications: Counter<'direction' | 'code'>;
  readonly records: Counter;
  readonly prefixes: Counter<'action'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.messages = new Counter({ name: 'ribwatch_bgp_messages_total', help: 'BGP messages received from neighbors, by type.', labelNames: ['type'], registers });
    this.errors = new Counter({
      name: 'ribwatch_bgp_errors_total',
      help: 'Problems in what neighbors sent, by kind: treat-as-withdraw, attribute-discard and missing-mandatory are handled per RFC 7606; the others closed the session with a NOTIFICATION.',
      labelNames: ['kind'],
      registers,
    });
    this.sessions = new Gauge({ name: 'ribwatch_bgp_sessions', help: 'BGP sessions Established now.', registers });
    this.connections = new Counter({
      name: 'ribwatch_bgp_connections_total',
      help: 'BGP TCP connections by result: accepted, connected (outgoing), refused (no such neighbor, maxSessions, shutting down).',
      labelNames: ['result'],
      registers,
    });
    this.notifications = new Counter({ name: 'ribwatch_bgp_notifications_total', help: 'NOTIFICATIONs sent and received, by direction and error code.', labelNames: ['direction', 'code'], registers });
    this.records = new Counter({ name: 'ribwatch_bgp_records_total', help: 'Records published for BGP neighbors (all types).', registers });
    this.prefixes = new Counter({ name: 'ribwatch_bgp_prefixes_total', help: 'Prefixes received from neighbors, announced or withdrawn.', labelNames: ['action'], registers });
    for (const r of ['accepted', 'connected', 'refused']) this.connections.labels(r).inc(0);
  }
}

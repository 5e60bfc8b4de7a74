/**
 * The collector's Prometheus metrics. Labels stay bounded: message and record types, error kinds
 * from fixed catalogues, and no router label on the high-volume counters (one series per router
 * per type would grow with the fleet; per-router detail belongs in the records and logs).
 *
 * The session adds to these once per socket chunk, not once per message: a labelled inc() costs
 * a hash lookup, and the hot path does a few hundred thousand messages a second.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RecordType } from '../records/types.js';
import { BMP_MESSAGE_TYPE_LABELS } from './bmp-names.js';

type Child = { inc(n?: number): void };

export class CollectorMetrics {
  readonly messages: Counter<'type'>;
  readonly bytes: Counter;
  readonly errors: Counter<'kind'>;
  readonly sessions: Gauge;
  readonly sessionsTotal: Counter<'result'>;
  readonly records: Counter<'type'>;
  readonly sinkPaused: Counter;
  readonly openingErrors: Counter<'kind'>;
  /** Children of `messages` by BMP type index (bmpMessageTypeIndex). */
  readonly messagesByType: readonly Child[];
  private readonly recordChildren = new Map<string, Child>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.messages = new Counter({ name: 'ribwatch_bmp_messages_total', help: 'BMP messages received, by message type.', labelNames: ['type'], registers });
    this.bytes = new Counter({ name: 'ribwatch_bmp_bytes_total', help: 'Bytes received on BMP sessions.', registers });
    this.errors = new Counter({
      name: 'ribwatch_bmp_errors_total',
      help: 'Problems on BMP sessions by kind: desync/too-large close the session; bgp-* and bmp-* are counted and skipped.',
      labelNames: ['kind'],
      registers,
    });
    this.sessions = new Gauge({ name: 'ribwatch_bmp_sessions', help: 'BMP sessions open now.', registers });
    this.sessionsTotal = new Counter({ name: 'ribwatch_bmp_sessions_total', help: 'BMP connections, accepted or refused (allowlist, maxSessions).', labelNames: ['result'], registers });
    this.records = new Counter({ name: 'ribwatch_records_total', help: 'Records published, by record type.', labelNames: ['type'], registers });
    this.sinkPaused = new Counter({ name: 'ribwatch_sink_paused_total', help: 'Times a router socket was paused because the record sink was full.', registers });
    this.openingErrors = new Counter({
      name: 'ribwatch_bmp_proxy_errors_total',
      help: 'Connections closed before their session started: proxy-malformed, proxy-spoofed (a header from outside collector.proxyFrom), proxy-missing, opening-timeout.',
      labelNames: ['kind'],
      registers,
    });
    this.messagesByType = BMP_MESSAGE_TYPE_LABELS.map((t) => this.messages.labels(t));
    // Zero series exist from the start, so rate() works before the first event.
    this.sessionsTotal.labels('accepted').inc(0);
    this.sessionsTotal.labels('refused').inc(0);
  }

  record(type: RecordType): Child {
    let c = this.recordChildren.get(type);
    if (c === undefined) {
      c = this.records.labels(type);
      this.recordChildren.set(type, c);
    }
    return c;
  }
}

/**
 * The BMP listener: accepts router connections (RFC 7854 §3.2: the router connects to the
 * station), checks them against the allowlist and the session cap, and runs one RouterSession
 * per connection. Shutdown stops accepting, ends every session with router_down cause
 * "shutdown", and flushes the sink, so a restart loses no record that was read.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../telemetry/log.js';
import { anyCidrContains, canonicalAddress } from '../net/addresses.js';
import type { Cidr, HostPort } from '../net/addresses.js';
import type { RawBmpSink, RecordSink } from '../records/sink.js';
import { RefusalLog } from '../telemetry/refusal-log.js';
import type { CollectorMetrics } from './metrics.js';
import { RouterSession } from './router-session.js';

export interface CollectorOptions {
  readonly listen: HostPort;
  readonly maxSessions: number;
  readonly maxMessageBytes: number;
  /** 0 disables TCP keepalive. */
  readonly tcpKeepaliveSeconds: number;
  readonly allow: readonly Cidr[];
  readonly dumpQuietSeconds: number;
  readonly sink: RecordSink;
  /** Optional: every BMP frame as received (the OpenBMP raw feed). */
  readonly raw?: RawBmpSink;
  readonly log: Logger;
  readonly metrics: CollectorMetrics;
  readonly clock?: () => number;
}

export function collectorOptions(c: Config['collector'], deps: Pick<CollectorOptions, 'sink' | 'raw' | 'log' | 'metrics' | 'clock'>): CollectorOptions {
  return {
    listen: c.listen,
    maxSessions: c.maxSessions,
    maxMessageBytes: c.maxMessageBytes,
    tcpKeepaliveSeconds: c.tcpKeepaliveSeconds,
    allow: c.allow,
    dumpQuietSeconds: c.dumpQuietSeconds,
    ...deps,
  };
}

export class BmpCollector {
  private readonly server: Server;
  readonly sessions = new Set<RouterSession>();
  private readonly refusals: RefusalLog;
  private readonly clock: () => number;
  private stopping = false;

  constructor(private readonly opts: CollectorOptions) {
    this.clock = opts.clock ?? Date.now;
    this.refusals = new RefusalLog(opts.log, 'refused a BMP connection', this.clock);
    this.server = createServer({ pauseOnConnect: false, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => opts.log.error({ err }, 'BMP listener error'));
  }

  /** Binds and returns the bound address (the port is resolved when 0 was asked for). */
  async start(): Promise<HostPort> {
    const { host, port } = this.opts.listen;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      this.server.once('error', fail);
      this.server.listen({ host, port, backlog: 511 }, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : this.opts.listen;
  }

  /** Stops accepting, closes every session (router_down cause), flushes the sink. */
  async stop(cause = 'shutdown'): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of [...this.sessions]) s.close(cause);
    await closed;
    await this.opts.sink.flush();
  }

  private accept(socket: Socket): void {
    const { metrics, log } = this.opts;
    // A reset before we look leaves no remote address; such a socket has nothing to collect.
    socket.on('error', () => {});
    const remote = canonicalAddress(socket.remoteAddress ?? '');
    let refusal: string | undefined;
    if (this.stopping) refusal = 'shutting down';
    else if (!anyCidrContains(this.opts.allow, remote)) refusal = 'source address not in collector.allow';
    else if (this.sessions.size >= this.opts.maxSessions) refusal = `collector.maxSessions (${this.opts.maxSessions}) reached`;
    if (refusal !== undefined) {
      metrics.sessionsTotal.labels('refused').inc();
      this.refusals.refused(remote, socket.remotePort ?? 0, refusal);
      socket.destroy();
      return;
    }
    metrics.sessionsTotal.labels('accepted').inc();
    if (this.opts.tcpKeepaliveSeconds > 0) socket.setKeepAlive(true, this.opts.tcpKeepaliveSeconds * 1000);
    const session = new RouterSession(socket, {
      sink: this.opts.sink,
      ...(this.opts.raw !== undefined ? { raw: this.opts.raw } : {}),
      metrics,
      log,
      clock: this.clock,
      maxMessageBytes: this.opts.maxMessageBytes,
      dumpQuietMs: this.opts.dumpQuietSeconds * 1000,
      onClosed: (s) => this.sessions.delete(s),
    });
    this.sessions.add(session);
    session.start();
  }

}

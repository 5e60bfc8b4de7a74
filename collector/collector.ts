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
import { readOpening } from './connection-opening.js';
import type { Opening, ProxyProtocolMode } from './connection-opening.js';
import { RouterIdentities } from './router-identity.js';
import type { PendingOwner } from './router-identity.js';
import { RouterSession } from './router-session.js';

export interface CollectorOptions {
  readonly listen: HostPort;
  readonly maxSessions: number;
  readonly maxMessageBytes: number;
  /** 0 disables TCP keepalive. */
  readonly tcpKeepaliveSeconds: number;
  readonly allow: readonly Cidr[];
  /** PROXY protocol from collector.proxyFrom (default off). */
  readonly proxyProtocol?: ProxyProtocolMode;
  readonly proxyFrom?: readonly Cidr[];
  /** Longest wait for a connection's PROXY header (and, at a shared address, its first message). */
  readonly openingTimeoutMs?: number;
  /** (address, sysName) pairs from the inventory: the bare address stays with that sysName. */
  readonly knownRouters?: readonly { readonly address: string; readonly sysName: string }[];
  readonly dumpQuietSeconds: number;
  readonly sink: RecordSink;
  /** Optional: every BMP frame as received (the OpenBMP raw feed). */
  readonly raw?: RawBmpSink;
  readonly log: Logger;
  readonly metrics: CollectorMetrics;
  readonly clock?: () => number;
}

export function collectorOptions(c: Config['collector'], deps: Pick<CollectorOptions, 'sink' | 'raw' | 'log' | 'metrics' | 'clock' | 'knownRouters'>): CollectorOptions {
  return {
    listen: c.listen,
    maxSessions: c.maxSessions,
    maxMessageBytes: c.maxMessageBytes,
    tcpKeepaliveSeconds: c.tcpKeepaliveSeconds,
    allow: c.allow,
    proxyProtocol: c.proxyProtocol,
    proxyFrom: c.proxyFrom,
    dumpQuietSeconds: c.dumpQuietSeconds,
    ...deps,
  };
}

const OPENING_TIMEOUT_MS = 10_000;
/** The first message is read before the session only to learn a sysName: Initiations are small. */
const MAX_PEEKED_MESSAGE_BYTES = 64 * 1024;

export class BmpCollector {
  private readonly server: Server;
  readonly sessions = new Set<RouterSession>();
  /** Connections whose opening (PROXY header, first message) is being read. */
  private readonly opening = new Set<Socket>();
  readonly identities: RouterIdentities;
  private readonly refusals: RefusalLog;
  private readonly clock: () => number;
  private stopping = false;

  constructor(private readonly opts: CollectorOptions) {
    this.clock = opts.clock ?? Date.now;
    this.refusals = new RefusalLog(opts.log, 'refused a BMP connection', this.clock);
    this.identities = new RouterIdentities();
    for (const r of opts.knownRouters ?? []) this.identities.seed(canonicalAddress(r.address), r.sysName);
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
    for (const s of [...this.opening]) s.destroy();
    await closed;
    await this.opts.sink.flush();
  }

  private accept(socket: Socket): void {
    const { metrics } = this.opts;
    // A reset before we look leaves no remote address; such a socket has nothing to collect.
    socket.on('error', () => {});
    const remote = canonicalAddress(socket.remoteAddress ?? '');
    const port = socket.remotePort ?? 0;
    const mode = this.opts.proxyProtocol ?? 'off';
    const fromProxy = mode !== 'off' && anyCidrContains(this.opts.proxyFrom ?? [], remote);
    let refusal: string | undefined;
    if (this.stopping) refusal = 'shutting down';
    else if (mode === 'required' && !fromProxy) refusal = 'source address not in collector.proxyFrom (collector.proxyProtocol is required)';
    // A load balancer's own address need not be allowed: the router behind it is checked below.
    else if (!fromProxy && !anyCidrContains(this.opts.allow, remote)) refusal = 'source address not in collector.allow';
    else if (this.sessions.size + this.opening.size >= this.opts.maxSessions) refusal = `collector.maxSessions (${this.opts.maxSessions}) reached`;
    if (refusal !== undefined) return this.refuse(socket, remote, port, refusal);
    // The common case: no header to read and the first router at its address, keyed at once.
    if (mode === 'off' && !this.identities.known(remote)) {
      this.startSession(socket, { ok: true, remote: { address: remote, port }, proxied: false, sysName: undefined, rest: Buffer.alloc(0) });
      return;
    }
    this.opening.add(socket);
    void readOpening(socket, { address: remote, port }, {
      mode,
      fromProxy,
      needSysName: (address) => this.identities.known(canonicalAddress(address)),
      timeoutMs: this.opts.openingTimeoutMs ?? OPENING_TIMEOUT_MS,
      maxFirstMessageBytes: Math.min(MAX_PEEKED_MESSAGE_BYTES, this.opts.maxMessageBytes),
    }).then((o) => {
      this.opening.delete(socket);
      if (this.stopping) return void socket.destroy();
      if (!o.ok) {
        if (o.failure !== 'closed') {
          metrics.openingErrors.labels(o.failure).inc();
          metrics.sessionsTotal.labels('refused').inc();
          // One line per connection (rate-limited per source like every refusal), then closed.
          this.refusals.refused(remote, port, o.reason, { kind: o.failure });
        }
        socket.destroy();
        return;
      }
      const router = canonicalAddress(o.remote.address);
      if (o.proxied && !anyCidrContains(this.opts.allow, router)) return this.refuse(socket, router, o.remote.port, `router address ${router} (from the PROXY header of ${remote}) not in collector.allow`);
      this.startSession(socket, { ...o, remote: { address: router, port: o.remote.port } });
    });
  }

  private refuse(socket: Socket, remote: string, port: number, reason: string): void {
    this.opts.metrics.sessionsTotal.labels('refused').inc();
    this.refusals.refused(remote, port, reason);
    socket.destroy();
  }

  /** Keys the router (address, or address/sysName at a shared address) and runs its session. */
  private startSession(socket: Socket, o: Extract<Opening, { ok: true }>): void {
    const address = o.remote.address;
    let owner: PendingOwner | undefined;
    const keyed = o.sysName === undefined ? Promise.resolve((owner = this.identities.claimFirst(address)).key) : this.identities.resolve(address, o.sysName);
    void keyed.then((router) => {
      if (this.stopping || (socket.destroyed && o.closed !== true)) {
        owner?.closed();
        socket.destroy();
        return;
      }
      const { metrics, log } = this.opts;
      metrics.sessionsTotal.labels('accepted').inc();
      if (this.opts.tcpKeepaliveSeconds > 0) socket.setKeepAlive(true, this.opts.tcpKeepaliveSeconds * 1000);
      for (const s of this.sessions) {
        if (s.router === router) log.warn({ router }, 'a second BMP session for this router while one is open: the router reconnecting, or two routers with one sysName behind one address (collector.proxyProtocol tells those apart)');
      }
      const session = new RouterSession(socket, {
        sink: this.opts.sink,
        ...(this.opts.raw !== undefined ? { raw: this.opts.raw } : {}),
        metrics,
        log,
        clock: this.clock,
        maxMessageBytes: this.opts.maxMessageBytes,
        dumpQuietMs: this.opts.dumpQuietSeconds * 1000,
        router,
        remotePort: o.remote.port,
        ...(owner !== undefined ? { onInitiation: (name: string | null) => owner.identified(name) } : {}),
        onClosed: (s) => {
          owner?.closed();
          this.sessions.delete(s);
        },
      });
      this.sessions.add(session);
      if (o.rest.length > 0 && o.closed !== true) socket.unshift(o.rest);
      session.start();
      if (o.closed === true) session.close('connection closed');
      else if (!session.paused && socket.isPaused()) socket.resume();
    });
  }
}

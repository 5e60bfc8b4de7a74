/**
 * The receive-only BGP speaker: listens for neighbors (RFC 4271 §8 Idle → Active), dials the
 * active ones (Connect, with the ConnectRetryTimer), refuses anyone not in `bgp.neighbors` (a
 * Cease / Connection Rejected NOTIFICATION, RFC 4486), resolves connection collisions (§6.8), and
 * keeps a graceful-restart neighbor's routes as stale between its sessions (RFC 4724 §4.2, RFC
 * 9494): when no new session is Established within its restart time (plus its long-lived stale
 * time, capped by bgp.maxStaleSeconds), records withdraw them.
 *
 * Node's `net` sets neither IP_MINTTL (GTSM, RFC 5082) nor TCP-MD5/TCP-AO: the allowlist here is
 * the speaker's own defence; docs/bgp.md shows the firewall and network-policy alternatives.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { encodeNotification } from '@ribwatch/bmp-parser';
import type { BgpOpen } from '@ribwatch/bmp-parser';
import type { BgpNeighborConfig, Config } from '../config/config.js';
import type { Logger } from '../telemetry/log.js';
import { addressValue, canonicalAddress, cidrContains, formatHostPort } from '../net/addresses.js';
import type { HostPort } from '../net/addresses.js';
import type { PeerRef } from '../records/types.js';
import { RefusalLog } from '../telemetry/refusal-log.js';
import type { RecordSink } from '../records/sink.js';
import { restartExpiredRecords } from './feed-records.js';
import type { SessionEnds } from './feed-records.js';
import type { BgpMetrics } from './metrics.js';
import { BgpSession } from './session.js';
import type { SessionEnd } from './session.js';

export interface BgpSpeakerOptions {
  /** null: do not listen (active neighbors only). */
  readonly listen: HostPort | null;
  readonly asn: number;
  /** Our BGP Identifier. */
  readonly routerId: string;
  readonly holdTime: number;
  readonly connectRetryMs: number;
  readonly maxPrefixes: number;
  readonly maxSessions: number;
  readonly maxStaleSeconds: number;
  readonly dumpQuietMs: number;
  readonly neighbors: readonly BgpNeighborConfig[];
  readonly sink: RecordSink;
  readonly log: Logger;
  readonly metrics: BgpMetrics;
  readonly clock?: () => number;
}

/** The speaker's options from `bgp.*`; throws a message naming the key when they cannot work. */
export function speakerOptions(c: Config['bgp'], deps: Pick<BgpSpeakerOptions, 'sink' | 'log' | 'metrics' | 'clock'>): BgpSpeakerOptions {
  const routerId = c.routerId !== '' ? c.routerId : c.listen !== null && /^\d+\.\d+\.\d+\.\d+$/.test(c.listen.host) && c.listen.host !== '0.0.0.0' ? c.listen.host : '';
  if (routerId === '') throw new Error('bgp.routerId: set our BGP Identifier (an IPv4 address): bgp.listen has no specific IPv4 address to take it from');
  const noAsn = c.asn === 0 && c.neighbors.some((n) => n.localAsn === null);
  if (noAsn || (c.neighbors.length === 0 && c.asn === 0)) throw new Error('bgp.asn: set our AS number (the neighbors configure it as the remote AS)');
  if (c.neighbors.length === 0) throw new Error('bgp.neighbors: no neighbor is configured, so every connection would be refused; add e.g. {address: 10.0.0.0/24, asn: any}');
  if (c.holdTime === 1 || c.holdTime === 2) throw new Error('bgp.holdTime: must be 0 or 3..65535 seconds (RFC 4271 §4.2)');
  return {
    listen: c.listen,
    asn: c.asn,
    routerId,
    holdTime: c.holdTime,
    connectRetryMs: c.connectRetrySeconds * 1000,
    maxPrefixes: c.maxPrefixes,
    maxSessions: c.maxSessions,
    maxStaleSeconds: c.maxStaleSeconds,
    dumpQuietMs: c.dumpQuietSeconds * 1000,
    neighbors: c.neighbors,
    ...deps,
  };
}

interface StaleRoutes {
  readonly timer: NodeJS.Timeout;
  readonly ends: SessionEnds;
  readonly peer: PeerRef;
}

export class BgpSpeaker {
  private readonly server: Server | undefined;
  readonly sessions = new Set<BgpSession>();
  /** Graceful-restart neighbors whose routes are stale now, by neighbor address. */
  private readonly stale = new Map<string, StaleRoutes>();
  private readonly dialTimers = new Map<string, NodeJS.Timeout>();
  private readonly refusals: RefusalLog;
  private readonly clock: () => number;
  private stopping = false;

  constructor(private readonly opts: BgpSpeakerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.refusals = new RefusalLog(opts.log, 'refused a BGP connection', this.clock);
    if (opts.listen !== null) {
      this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      this.server.on('error', (err) => opts.log.error({ err }, 'BGP listener error'));
    }
  }

  /** Binds (when listening) and starts dialling the active neighbors; returns the bound address. */
  async start(): Promise<HostPort | null> {
    let bound: HostPort | null = null;
    if (this.server !== undefined && this.opts.listen !== null) {
      const { host, port } = this.opts.listen;
      const server = this.server;
      await new Promise<void>((resolve, reject) => {
        const fail = (err: NodeJS.ErrnoException): void =>
          reject(new Error(`bgp.listen ${formatHostPort({ host, port })}: ${err.code === 'EACCES' && port < 1024 ? 'port below 1024 needs CAP_NET_BIND_SERVICE; use a high port (docs/bgp.md)' : err.message}`));
        server.once('error', fail);
        server.listen({ host, port, backlog: 511 }, () => {
          server.off('error', fail);
          resolve();
        });
      });
      const a = server.address();
      bound = a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : this.opts.listen;
    }
    for (const n of this.opts.neighbors) if (!n.passive) this.dial(n, 0);
    return bound;
  }

  /** Stops: every session ends with Cease / Administrative Shutdown (routes kept stale, like a BMP session that ends), then the sink is flushed. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.dialTimers.values()) clearTimeout(t);
    this.dialTimers.clear();
    for (const s of this.stale.values()) clearTimeout(s.timer);
    this.stale.clear();
    const closed = this.server === undefined ? Promise.resolve() : new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const s of [...this.sessions]) s.close({ code: 6, subcode: 2, why: 'ribwatch is shutting down' }, true);
    await closed;
    await this.opts.sink.flush();
  }

  /** The most specific configured neighbor containing this address. */
  neighborFor(address: string): BgpNeighborConfig | undefined {
    let best: BgpNeighborConfig | undefined;
    for (const n of this.opts.neighbors) if (cidrContains(n.address, address) && (best === undefined || n.address.length > best.address.length)) best = n;
    return best;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    const remote = canonicalAddress(socket.remoteAddress ?? '');
    const neighbor = this.stopping ? undefined : this.neighborFor(remote);
    let refusal: string | undefined;
    if (this.stopping) refusal = 'shutting down';
    else if (neighbor === undefined) refusal = 'not a configured neighbor (bgp.neighbors)';
    else if (this.sessions.size >= this.opts.maxSessions) refusal = `bgp.maxSessions (${this.opts.maxSessions}) reached`;
    if (refusal !== undefined || neighbor === undefined) {
      this.opts.metrics.connections.labels('refused').inc();
      this.refusals.refused(remote, socket.remotePort ?? 0, refusal ?? '');
      // RFC 4486 §3: Cease / Connection Rejected, then close.
      socket.end(encodeNotification({ code: 6, subcode: 5, data: new Uint8Array(0) }));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.opts.metrics.connections.labels('accepted').inc();
    this.run(socket, neighbor, remote);
  }

  private dial(n: BgpNeighborConfig, delayMs: number): void {
    if (this.stopping || this.dialTimers.has(n.address.text)) return;
    const t = setTimeout(() => {
      this.dialTimers.delete(n.address.text);
      const address = addressText(n);
      if (this.stopping || [...this.sessions].some((s) => s.address === address)) return this.dial(n, this.opts.connectRetryMs);
      const socket = connect({ host: address, port: n.port, noDelay: true });
      socket.once('connect', () => {
        this.opts.metrics.connections.labels('connected').inc();
        this.run(socket, n, address);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (socket.connecting || !socket.remoteAddress) this.opts.log.debug({ neighbor: address, err: err.code ?? err.message }, 'connecting to the neighbor failed; retrying');
        socket.destroy();
        this.dial(n, this.opts.connectRetryMs);
      });
    }, delayMs);
    t.unref();
    this.dialTimers.set(n.address.text, t);
  }

  private run(socket: Socket, neighbor: BgpNeighborConfig, address: string): void {
    const o = this.opts;
    const session = new BgpSession({
      socket,
      neighbor,
      address,
      local: { asn: neighbor.localAsn ?? o.asn, bgpId: o.routerId, holdTime: neighbor.holdTime ?? o.holdTime, hostname: 'ribwatch' },
      maxPrefixes: neighbor.maxPrefixes ?? o.maxPrefixes,
      dumpQuietMs: o.dumpQuietMs,
      sink: o.sink,
      log: o.log,
      metrics: o.metrics,
      clock: this.clock,
      onOpen: (s, open) => this.resolveCollision(s, open),
      onEstablished: (s) => this.established(s),
      onClosed: (s, end) => this.closed(s, end),
    });
    this.sessions.add(session);
    session.start();
  }

  /**
   * RFC 4271 §6.8: two connections with one neighbor. An Established one wins, unless it is a
   * graceful-restart neighbor coming back before we noticed it went (RFC 4724 §4.2: the old
   * session ends and its routes turn stale); between two in OpenConfirm/OpenSent, the connection
   * opened by the higher BGP Identifier survives.
   */
  private resolveCollision(s: BgpSession, open: BgpOpen): boolean {
    for (const other of this.sessions) {
      if (other === s || other.address !== s.address || other.state === 'closed') continue;
      if (other.state === 'established') {
        if (other.negotiated?.gracefulRestart != null) {
          other.close({ code: 6, subcode: 7, why: 'the neighbor reconnected (graceful restart)' }, true);
          continue;
        }
        return false;
      }
      if (other.state === 'open-confirm') {
        // The connection the higher identifier initiated survives (compare as numbers).
        const ourIdHigher = ipv4Number(this.opts.routerId) > ipv4Number(open.bgpId);
        const sDialled = s.neighbor.passive === false && this.initiatedByUs(s);
        const keepS = ourIdHigher ? sDialled : !sDialled;
        if (!keepS) return false;
        other.close({ code: 6, subcode: 7, why: 'connection collision resolution (RFC 4271 §6.8)' }, false);
      }
    }
    return true;
  }

  private initiatedByUs(s: BgpSession): boolean {
    return s.ctx.ends.remotePort === s.neighbor.port;
  }

  private established(s: BgpSession): void {
    this.opts.metrics.sessions.inc();
    // A new session: the neighbor's stale routes await its End-of-RIBs (the writer reconciles them).
    const st = this.stale.get(s.address);
    if (st !== undefined) {
      clearTimeout(st.timer);
      this.stale.delete(s.address);
    }
  }

  private closed(s: BgpSession, end: SessionEnd): void {
    this.sessions.delete(s);
    const wasEstablished = s.ctx.seq > 0;
    if (wasEstablished) this.opts.metrics.sessions.dec();
    if (wasEstablished && end.keepStale && !this.stopping) this.keepStale(s);
    if (!s.neighbor.passive && !this.stopping) this.dial(s.neighbor, this.opts.connectRetryMs);
  }

  private keepStale(s: BgpSession): void {
    const gr = s.negotiated?.gracefulRestart;
    const seconds = Math.min(this.opts.maxStaleSeconds, gr == null ? 0 : gr.restartSeconds + gr.longLivedSeconds);
    const ends = s.ctx.ends;
    const peer = s.ctx.peer;
    const prior = this.stale.get(s.address);
    if (prior !== undefined) clearTimeout(prior.timer);
    const timer = setTimeout(() => {
      this.stale.delete(s.address);
      const now = this.clock();
      this.opts.log.info({ neighbor: s.address, seconds }, 'graceful restart: the neighbor did not come back in time; its stale routes are withdrawn');
      const records = restartExpiredRecords(ends, peer, new Date(now).toISOString(), now, seconds);
      this.opts.metrics.records.inc(records.length);
      this.opts.sink.write(records);
    }, seconds * 1000);
    timer.unref();
    this.stale.set(s.address, { timer, ends, peer });
    this.opts.log.info({ neighbor: s.address, seconds }, `graceful restart: routes kept as stale for up to ${seconds} s`);
  }

}

function addressText(n: BgpNeighborConfig): string {
  const slash = n.address.text.indexOf('/');
  return slash < 0 ? n.address.text : n.address.text.slice(0, slash);
}

function ipv4Number(a: string): bigint {
  return addressValue(a)?.value ?? 0n;
}

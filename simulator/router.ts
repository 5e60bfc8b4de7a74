/**
 * One simulated router: the RIB views it monitors (per peer: pre- and post-policy Adj-RIB-In,
 * and post-policy Adj-RIB-Out where configured) and its BMP session to the collector.
 *
 * The router's state lives on whether or not the BMP session is up, as on a real router: the
 * scenario changes the RIBs, and the changes are sent when connected. Each (re)connection is a
 * new BMP session (RFC 7854 §3.3): Initiation, a Peer Up for every established peer, the whole
 * current table (pre and post), End-of-RIB per view and family, and a Statistics Report. When
 * the collector closes or refuses, the router retries with a doubling back-off, at most
 * `maxRetries` times in a row, then gives up (a log line says so).
 *
 * The connection is bound to the router's own source address (127.0.x.y on loopback), because
 * the collector identifies a router by the source address of its TCP connection.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Logger } from '../telemetry/log.js';
import * as msg from './messages.js';
import type { Attrs, Route, View } from './messages.js';
import type { DemoPeer, DemoRouter } from './topology.js';

export type DemoLog = Pick<Logger, 'info' | 'warn' | 'debug'>;

/** Bytes queued on a socket the collector does not read before the session is dropped (and re-dialled). */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

interface PeerState {
  readonly spec: DemoPeer;
  up: boolean;
  remotePort: number;
  /** Routes by "afi|prefix|pathId", per view. */
  readonly views: Record<View, Map<string, Route>>;
  rejected: number;
}

export interface SimRouterOptions {
  readonly host: string;
  readonly port: number;
  /** Time scale: back-off delays are divided by it. */
  readonly speed: number;
  readonly maxRetries: number;
  readonly log?: DemoLog;
  /** Seeded source of ephemeral ports, so runs with one seed send the same bytes. */
  readonly nextPort: () => number;
}

function key(r: Pick<Route, 'afi' | 'prefix' | 'pathId'>): string {
  return `${r.afi}|${r.prefix}|${r.pathId ?? ''}`;
}

export class SimRouter {
  private readonly peers = new Map<string, PeerState>();
  private sock: Socket | null = null;
  private connected = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  /** BMP sessions opened so far (1 after the first connect). */
  sessions = 0;
  /** Messages written over all sessions. */
  messagesSent = 0;
  gaveUp = false;

  constructor(
    readonly spec: DemoRouter,
    private readonly opts: SimRouterOptions,
  ) {
    for (const p of spec.peers) {
      this.peers.set(p.name, { spec: p, up: true, remotePort: opts.nextPort(), views: { pre: new Map(), post: new Map(), out: new Map() }, rejected: 0 });
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  peer(name: string): DemoPeer {
    const p = this.peers.get(name);
    if (!p) throw new Error(`demo: ${this.spec.name} has no peer ${name}`);
    return p.spec;
  }

  /** Routes the peer has in one view now. */
  routes(peer: string, view: View): Route[] {
    return [...(this.peers.get(peer)?.views[view].values() ?? [])];
  }

  isUp(peer: string): boolean {
    return this.peers.get(peer)?.up === true;
  }

  // ---- state changes (sent when connected) ------------------------------------------------------

  /** Fill a view before the first session (sent as that session's dump). */
  load(peer: string, view: View, routes: readonly Route[]): void {
    const s = this.state(peer);
    for (const r of routes) s.views[view].set(key(r), r);
  }

  /** Announce (or replace) routes in the given views. */
  announce(peer: string, routes: readonly Route[], views: readonly View[], postAttrs?: (a: Attrs) => Attrs): void {
    const s = this.state(peer);
    if (!s.up || routes.length === 0) return;
    const now = Date.now();
    for (const v of views) {
      const rs = v === 'post' && postAttrs ? routes.map((r) => ({ ...r, attrs: postAttrs(r.attrs) })) : routes;
      for (const r of rs) s.views[v].set(key(r), r);
      if (this.connected) this.send(msg.announce(s.spec, v, rs, now));
    }
  }

  withdraw(peer: string, routes: readonly Pick<Route, 'afi' | 'prefix' | 'pathId'>[], views: readonly View[]): void {
    const s = this.state(peer);
    if (!s.up) return;
    const now = Date.now();
    for (const v of views) {
      const gone: Route[] = [];
      for (const r of routes) {
        const had = s.views[v].get(key(r));
        if (had && s.views[v].delete(key(r))) gone.push(had);
      }
      if (gone.length > 0 && this.connected) this.send(msg.withdraw(s.spec, v, gone, now));
    }
  }

  /** The router tears the session down with Cease / Maximum Number of Prefixes Reached. */
  maxPrefixTeardown(peer: string, afi: number, limit: number): void {
    const s = this.state(peer);
    if (!s.up) return;
    s.up = false;
    for (const v of Object.values(s.views)) v.clear();
    if (this.connected) this.send([msg.peerDownMaxPrefix(s.spec, afi, limit, Date.now())]);
  }

  /** A Statistics Report for every established peer. */
  sendStats(only?: string): void {
    if (!this.connected) return;
    const now = Date.now();
    const out: Uint8Array[] = [];
    for (const s of this.peers.values()) {
      if (!s.up || (only !== undefined && s.spec.name !== only)) continue;
      const perAfi = new Map<number, number>();
      for (const afi of s.spec.afis) perAfi.set(afi, 0);
      for (const r of s.views.post.values()) perAfi.set(r.afi, (perAfi.get(r.afi) ?? 0) + 1);
      out.push(msg.stats(s.spec, perAfi, s.rejected, now));
    }
    this.send(out);
  }

  private state(peer: string): PeerState {
    const s = this.peers.get(peer);
    if (!s) throw new Error(`demo: ${this.spec.name} has no peer ${peer}`);
    return s;
  }

  // ---- the BMP session --------------------------------------------------------------------------

  start(): void {
    this.dial();
  }

  private dial(): void {
    if (this.stopped) return;
    this.retryTimer = null;
    const { host, port, log } = this.opts;
    const sock = connect({ host, port, localAddress: this.spec.source, noDelay: true });
    this.sock = sock;
    sock.on('connect', () => {
      this.connected = true;
      this.failures = 0;
      this.sessions++;
      log?.info({ router: this.spec.name, source: this.spec.source, collector: `${host}:${port}`, session: this.sessions }, 'demo router connected');
      this.openSession();
    });
    // The collector sends nothing over BMP; read and discard so the socket never stalls.
    sock.on('data', () => {});
    sock.on('error', (err) => {
      log?.debug({ router: this.spec.name, err: err.message }, 'demo router socket error');
    });
    sock.on('close', () => {
      const was = this.connected;
      this.connected = false;
      if (this.sock === sock) this.sock = null;
      if (this.stopped) return;
      if (was) log?.warn({ router: this.spec.name }, 'demo router: the collector closed the BMP session; reconnecting');
      this.retry();
    });
  }

  private retry(): void {
    this.failures++;
    if (this.failures > this.opts.maxRetries) {
      this.gaveUp = true;
      this.opts.log?.warn({ router: this.spec.name, attempts: this.failures - 1 }, 'demo router: giving up reconnecting to the collector');
      return;
    }
    const delay = Math.max(20, Math.min(30_000, 500 * 2 ** (this.failures - 1)) / this.opts.speed);
    this.retryTimer = setTimeout(() => this.dial(), delay);
  }

  /** A new BMP session: Initiation, then every established peer's Peer Up and table, then stats. */
  private openSession(): void {
    const now = Date.now();
    const out: Uint8Array[] = [msg.initiation(this.spec)];
    for (const s of this.peers.values()) {
      if (!s.up) continue;
      out.push(msg.peerUp(this.spec, s.spec, now, s.remotePort));
      const views: View[] = s.spec.adjOut ? ['pre', 'post', 'out'] : ['pre', 'post'];
      for (const v of views) {
        out.push(...msg.announce(s.spec, v, [...s.views[v].values()], now));
        for (const afi of s.spec.afis) out.push(msg.endOfRib(s.spec, v, afi, now));
      }
    }
    this.send(out);
    this.sendStats();
  }

  private send(frames: readonly Uint8Array[]): void {
    const sock = this.sock;
    if (!sock || !this.connected || frames.length === 0) return;
    // One write per batch: a dump is a few hundred small messages.
    let n = 0;
    for (const f of frames) n += f.length;
    const buf = Buffer.allocUnsafe(n);
    let at = 0;
    for (const f of frames) {
      buf.set(f, at);
      at += f.length;
    }
    this.messagesSent += frames.length;
    sock.write(buf);
    // A collector that stopped reading: a router would drop the session rather than queue forever.
    if (sock.writableLength > MAX_QUEUED_BYTES) {
      this.opts.log?.warn({ router: this.spec.name, queued: sock.writableLength }, 'demo router: the collector is not reading; dropping the BMP session');
      sock.destroy();
    }
  }

  /** Termination (administratively closed), then close; resolves when the socket is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const sock = this.sock;
    if (!sock) return;
    if (this.connected) this.send([msg.termination()]);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => sock.destroy(), 1000);
      sock.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (sock.destroyed) {
        clearTimeout(t);
        resolve();
        return;
      }
      if (this.connected) sock.end();
      else sock.destroy();
    });
    this.connected = false;
    this.sock = null;
  }
}

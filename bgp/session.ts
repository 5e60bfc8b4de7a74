/**
 * One BGP session of the receive-only speaker over one TCP connection: the RFC 4271 §8 FSM from
 * OpenSent on (the speaker owns Idle/Connect/Active: listening and dialling), its timers, and what
 * the neighbor sends turned into records.
 *
 *   OpenSent     our OPEN is out; the neighbor's OPEN is checked (negotiate.ts): a mismatch is an
 *                OPEN Message Error NOTIFICATION; a good one gets a KEEPALIVE → OpenConfirm
 *   OpenConfirm  its KEEPALIVE → Established: records router_up/router_init/peer_up, and our
 *                End-of-RIB for every family (we advertise nothing else)
 *   Established  UPDATEs become route records (RFC 7606 in the decoder and here); KEEPALIVEs and
 *                UPDATEs restart the hold timer; a ROUTE-REFRESH gets an empty refresh back
 *
 * Errors end the session with the NOTIFICATION the RFCs name: Message Header Error (framer.ts),
 * OPEN Message Error, UPDATE Message Error only where RFC 7606 still requires a reset (the
 * attributes cannot be located, or an MP_REACH/MP_UNREACH is broken), Hold Timer Expired, Finite
 * State Machine Error (RFC 6608), Cease / Maximum Number of Prefixes Reached (RFC 4486).
 * Nothing a neighbor sends throws out of here.
 */
import type { Socket } from 'node:net';
import { afiSafiName, PeerDownReason, decodeBgpMessage, DEFAULT_SESSION, encodeBgpMessage, encodeEndOfRib, encodeNotification, encodeOpen, encodeRouteRefresh, ErrorCode, missingMandatoryAttributes, notificationCodeName, notificationSubcodeName, RouteRefreshSubtype, shutdownCommunicationData } from '@ribwatch/bmp-parser';
import type { BgpMessage, BgpNotification, BgpOpen, BgpUpdate } from '@ribwatch/bmp-parser';
import type { BgpNeighborConfig } from '../config/config.js';
import type { Logger } from '../telemetry/log.js';
import { canonicalAddress } from '../net/addresses.js';
import type { BusRecord, RouteRecord } from '../records/types.js';
import type { RecordSink } from '../records/sink.js';
import { BGP_EXTENDED_MESSAGE_MAX, BgpFramer } from './framer.js';
import { BgpFeedContext, notificationSummary } from './feed-records.js';
import type { BgpMetrics } from './metrics.js';
import { familiesText, isRejection, localOpen, negotiate } from './negotiate.js';
import type { LocalOpen, Negotiated } from './negotiate.js';

export type BgpState = 'open-sent' | 'open-confirm' | 'established' | 'closed';

/** RFC 4271 §8.2.2: a large hold time while waiting for the neighbor's OPEN. */
const OPEN_HOLD_MS = 240_000;
/** After a NOTIFICATION, how long the socket may take to flush it before it is destroyed. */
const LINGER_MS = 1000;

const KEEPALIVE = encodeBgpMessage({ type: 'keepalive' }, DEFAULT_SESSION);

/** How a session ended, for the speaker (graceful restart) and the records. */
export interface SessionEnd {
  readonly cause: string;
  /** The NOTIFICATION we sent, or the one we received. */
  readonly sent?: Pick<BgpNotification, 'code' | 'subcode'>;
  readonly received?: BgpNotification;
  /** The neighbor's routes are kept as stale (graceful restart), not withdrawn. */
  readonly keepStale: boolean;
}

export interface BgpSessionOptions {
  readonly socket: Socket;
  readonly neighbor: BgpNeighborConfig;
  /** The neighbor's address as records name it (IPv4-mapped IPv6 folded to IPv4). */
  readonly address: string;
  readonly local: LocalOpen;
  readonly maxPrefixes: number;
  readonly dumpQuietMs: number;
  readonly sink: RecordSink;
  readonly log: Logger;
  readonly metrics: BgpMetrics;
  readonly clock: () => number;
  /**
   * The neighbor's OPEN passed the checks: the speaker resolves a collision with another session
   * of the same neighbor (RFC 4271 §6.8) and says whether this one goes on.
   */
  readonly onOpen: (s: BgpSession, open: BgpOpen) => boolean;
  readonly onEstablished: (s: BgpSession) => void;
  readonly onClosed: (s: BgpSession, end: SessionEnd) => void;
}

type Notify = { readonly code: number; readonly subcode: number; readonly data?: Uint8Array; readonly why: string };

export class BgpSession {
  state: BgpState = 'open-sent';
  readonly ctx: BgpFeedContext;
  negotiated: Negotiated | undefined;
  received: BgpOpen | undefined;
  private readonly sent: BgpOpen;
  private readonly sentBytes: Uint8Array;
  private readonly framer = new BgpFramer();
  private holdTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly problemsLogged = new Set<string>();
  /** Adj-RIB-In keys, kept only to enforce maxPrefixes. */
  private readonly rib: Set<string> | undefined;
  private paused = false;

  constructor(private readonly o: BgpSessionOptions) {
    const s = o.socket;
    this.ctx = new BgpFeedContext({ address: o.address, localAddress: canonicalAddress(s.localAddress ?? ''), localPort: s.localPort ?? 0, remotePort: s.remotePort ?? 0 }, o.clock(), o.dumpQuietMs);
    this.log = o.log.child({ neighbor: o.address, router: this.ctx.router });
    this.ctx.onProblem = (kind, detail) => this.problem(kind, detail);
    this.sentBytes = encodeOpen(localOpen(o.local));
    const d = decodeBgpMessage(this.sentBytes, DEFAULT_SESSION);
    if (!d.ok || d.value.type !== 'open') throw new Error(`our own OPEN does not decode: ${d.ok ? d.value.type : d.error.message}`);
    this.sent = d.value.open;
    this.rib = o.maxPrefixes > 0 ? new Set() : undefined;
  }

  get address(): string {
    return this.o.address;
  }

  get neighbor(): BgpNeighborConfig {
    return this.o.neighbor;
  }

  /** Sends our OPEN and starts reading (RFC 4271 §8.2.2, Connect → OpenSent). */
  start(): void {
    const s = this.o.socket;
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('end', () => this.end({ cause: 'connection closed by the neighbor', keepStale: true }, PeerDownReason.RemoteNoNotification));
    s.on('close', () => this.end({ cause: 'connection closed', keepStale: true }, PeerDownReason.RemoteNoNotification));
    s.on('error', (err: NodeJS.ErrnoException) => this.end({ cause: `connection error: ${err.code ?? err.message}`, keepStale: true }, PeerDownReason.RemoteNoNotification));
    s.write(this.sentBytes);
    this.armHold(OPEN_HOLD_MS);
  }

  /** Ends the session from our side with a NOTIFICATION (shutdown: Cease / Administrative Shutdown). */
  close(n: Notify, keepStale: boolean): void {
    this.notify(n, keepStale);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    const { messages, error } = this.framer.push(chunk);
    const out: BusRecord[] = [];
    const now = this.o.clock();
    const time = new Date(now).toISOString();
    for (const m of messages) {
      if (this.isClosed()) break;
      this.onMessage(m, out, time, now);
    }
    if (error !== undefined && !this.isClosed()) {
      this.problem('header', error.message);
      this.notify({ code: 1, subcode: error.subcode, data: error.data, why: error.message }, false, out);
    }
    this.publish(out);
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private publish(out: readonly BusRecord[]): void {
    if (out.length === 0) return;
    this.o.metrics.records.inc(out.length);
    if (this.o.sink.write(out) || this.paused || this.state === 'closed') return;
    // Backpressure: stop reading; TCP pushes back on the neighbor. Its keepalives wait in the socket
    // meanwhile, so the hold timer restarts when reading does.
    this.paused = true;
    this.o.socket.pause();
    void this.o.sink.drained().then(() => {
      this.paused = false;
      if (this.state === 'closed') return;
      if (this.negotiated !== undefined && this.negotiated.holdTime > 0) this.armHold(this.negotiated.holdTime * 1000);
      this.o.socket.resume();
    });
  }

  private onMessage(m: Uint8Array, out: BusRecord[], time: string, now: number): void {
    const type = m[18]!;
    this.o.metrics.messages.labels(MESSAGE_NAMES[type] ?? 'unknown').inc();
    if (type === 2 && this.state === 'established') {
      this.onUpdate(m, out, time, now);
      return;
    }
    const d = decodeBgpMessage(m, this.negotiated?.session ?? DEFAULT_SESSION);
    if (!d.ok) {
      this.problem(`malformed-${MESSAGE_NAMES[type] ?? 'message'}`, d.error.message);
      // OPEN errors are OPEN Message Errors (§6.2); a bad NOTIFICATION just ends the session.
      if (type === 1) this.notify({ code: 2, subcode: 0, why: `malformed OPEN: ${d.error.message}` }, false, out);
      else if (type === 3) this.end({ cause: `malformed NOTIFICATION: ${d.error.message}`, keepStale: true }, PeerDownReason.RemoteNoNotification, out);
      else this.notify({ code: 1, subcode: 2, data: Uint8Array.of(m[16]!, m[17]!), why: d.error.message }, false, out);
      return;
    }
    this.onDecoded(d.value, out, time, now);
  }

  private onDecoded(msg: BgpMessage, out: BusRecord[], time: string, now: number): void {
    switch (msg.type) {
      case 'notification': {
        const n = msg.notification;
        this.o.metrics.notifications.labels('received', String(n.code)).inc();
        const text = `${n.codeName} / ${n.subcodeName}${n.shutdownCommunication ? `: "${n.shutdownCommunication}"` : ''}`;
        this.log.info({ code: n.code, subcode: n.subcode }, `neighbor sent NOTIFICATION ${text}`);
        // RFC 8538 §4: with the N bit, a NOTIFICATION other than Cease / Hard Reset keeps the routes.
        const gr = this.negotiated?.gracefulRestart;
        const keepStale = gr !== undefined && gr !== null && gr.notification && !(n.code === 6 && n.subcode === 9);
        this.end({ cause: `neighbor sent NOTIFICATION ${text}`, received: n, keepStale }, PeerDownReason.RemoteNotification, out);
        return;
      }
      case 'open':
        if (this.state !== 'open-sent') return this.fsmError(out);
        this.onOpen(msg.open, out);
        return;
      case 'keepalive':
        if (this.state === 'open-confirm') this.onEstablished(out, time, now);
        else if (this.state !== 'established') return this.fsmError(out);
        this.restartHold();
        return;
      case 'route-refresh':
        if (this.state !== 'established') return this.fsmError(out);
        // We advertise nothing: a refresh is answered with nothing, bracketed when enhanced (RFC 7313 §4).
        if (msg.subtype === RouteRefreshSubtype.Normal && this.negotiated?.enhancedRouteRefresh) {
          this.o.socket.write(encodeRouteRefresh({ afi: msg.afi, safi: msg.safi, subtype: RouteRefreshSubtype.BeginningOfRouteRefresh }));
          this.o.socket.write(encodeRouteRefresh({ afi: msg.afi, safi: msg.safi, subtype: RouteRefreshSubtype.EndOfRouteRefresh }));
        } else if (msg.subtype === RouteRefreshSubtype.Normal) {
          this.o.socket.write(encodeEndOfRib(msg.afi, msg.safi));
        }
        return;
      case 'update':
        // Established UPDATEs took the fast path; anywhere else it is out of turn.
        return this.fsmError(out);
      case 'unknown':
        return this.notify({ code: 1, subcode: 3, data: Uint8Array.of(msg.code), why: `unknown message type ${msg.code}` }, false, out);
    }
  }

  private onOpen(open: BgpOpen, out: BusRecord[]): void {
    const n = negotiate(open, this.o.neighbor.asn, this.o.local);
    if (isRejection(n)) {
      this.log.warn({ asn: open.asn, bgp_id: open.bgpId, subcode: n.subcode }, `OPEN refused: ${n.message}`);
      this.notify({ code: 2, subcode: n.subcode, data: n.data, why: n.message }, false, out);
      return;
    }
    this.received = open;
    this.negotiated = n;
    if (!this.o.onOpen(this, open)) {
      this.notify({ code: 6, subcode: 7, why: 'connection collision resolution (RFC 4271 §6.8)' }, false, out);
      return;
    }
    if (n.extendedMessage) this.framer.maxLength = BGP_EXTENDED_MESSAGE_MAX;
    this.o.socket.write(KEEPALIVE);
    this.state = 'open-confirm';
    if (n.holdTime > 0) {
      this.armHold(n.holdTime * 1000);
      this.keepaliveTimer = setInterval(() => this.o.socket.write(KEEPALIVE), n.keepaliveMs);
      this.keepaliveTimer.unref();
    } else {
      this.clearHold();
    }
  }

  private onEstablished(out: BusRecord[], time: string, now: number): void {
    const n = this.negotiated!;
    this.state = 'established';
    this.ctx.established(out, this.sent, this.received!, time, now);
    for (const f of n.families) this.o.socket.write(encodeEndOfRib(f.afi, f.safi));
    const gr = n.gracefulRestart;
    this.log.info(
      { asn: this.received!.asn, bgp_id: this.received!.bgpId, hold_time: n.holdTime, graceful_restart: gr === null ? null : { restart: gr.restartSeconds, long_lived: gr.longLivedSeconds } },
      `BGP session Established: ${familiesText(n)}`,
    );
    this.o.onEstablished(this);
  }

  private onUpdate(m: Uint8Array, out: BusRecord[], time: string, now: number): void {
    this.restartHold();
    const r = decodeBgpMessage(m, this.negotiated!.session);
    if (!r.ok || r.value.type !== 'update') {
      // RFC 7606 §3-§5: left only where the NLRI cannot be located or an MP attribute is broken.
      const e = r.ok ? { code: ErrorCode.Form, message: 'not an UPDATE' } : r.error;
      this.problem('update-reset', e.message);
      this.notify({ code: 3, subcode: e.code === ErrorCode.Nlri ? 10 : 1, why: `malformed UPDATE: ${e.message}` }, false, out);
      return;
    }
    const u = r.value.update;
    const missing = missingMandatoryAttributes(u);
    if (missing !== undefined) this.problem('missing-mandatory', `UPDATE without ${missing}: announcements treated as withdrawals (RFC 7606 §3(d))`);
    const from = out.length;
    this.ctx.update(out, u, m, time, now, missing !== undefined);
    this.count(out, from, u);
  }

  /** Counts prefixes; past maxPrefixes, drops this UPDATE's records and closes the session. */
  private count(out: BusRecord[], from: number, u: BgpUpdate): void {
    let ann = 0;
    let wd = 0;
    for (let i = from; i < out.length; i++) {
      const r = out[i]!;
      if (r.type !== 'route') continue;
      ann += r.announced.length;
      wd += r.withdrawn.length;
      if (this.rib !== undefined) track(this.rib, r);
    }
    if (ann > 0) this.o.metrics.prefixes.labels('announced').inc(ann);
    if (wd > 0) this.o.metrics.prefixes.labels('withdrawn').inc(wd);
    const max = this.o.maxPrefixes;
    if (this.rib === undefined || this.rib.size <= max) return;
    out.length = from;
    const fam = u.attributes.mpReach ?? { afi: 1, safi: 1 };
    this.log.warn(
      { prefixes: this.rib.size, max_prefixes: max },
      `neighbor ${this.o.address} sent ${this.rib.size} prefixes, more than its maxPrefixes ${max}: closing the session with Cease / Maximum Number of Prefixes Reached`,
    );
    // RFC 4486 §4: AFI (2), SAFI (1), the upper bound (4).
    const data = Uint8Array.of(fam.afi >>> 8, fam.afi & 255, fam.safi, max >>> 24, (max >>> 16) & 255, (max >>> 8) & 255, max & 255);
    this.notify({ code: 6, subcode: 1, data, why: `more than ${max} prefixes (${afiSafiName(fam.afi, fam.safi)})` }, false, out);
  }

  private fsmError(out: BusRecord[]): void {
    // RFC 6608: subcode by the state the unexpected message arrived in.
    const subcode = this.state === 'open-sent' ? 1 : this.state === 'open-confirm' ? 2 : 3;
    this.notify({ code: 5, subcode, why: `unexpected message in ${this.state}` }, false, out);
  }

  private problem(kind: string, detail: string): void {
    this.o.metrics.errors.labels(kind).inc();
    if (this.problemsLogged.has(kind)) return;
    this.problemsLogged.add(kind);
    this.log.warn({ kind }, `${detail} (logged once per kind per session)`);
  }

  private armHold(ms: number): void {
    this.clearHold();
    this.holdTimer = setTimeout(() => this.notify({ code: 4, subcode: 0, why: `no KEEPALIVE or UPDATE within the hold time (${Math.round(ms / 1000)} s)` }, true), ms);
    this.holdTimer.unref();
  }

  private restartHold(): void {
    if (this.holdTimer !== undefined) this.holdTimer.refresh();
  }

  private clearHold(): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
  }

  /** Sends a NOTIFICATION and ends the session (reason: local NOTIFICATION). */
  private notify(n: Notify, keepStaleIfGraceful: boolean, out?: BusRecord[]): void {
    if (this.state === 'closed') return;
    const data = n.data ?? (n.code === 6 && n.subcode === 2 ? shutdownCommunicationData(n.why) : new Uint8Array(0));
    this.o.metrics.notifications.labels('sent', String(n.code)).inc();
    const name = `${notificationCodeName(n.code)} / ${notificationSubcodeName(n.code, n.subcode)}`;
    if (n.code !== 6 || n.subcode !== 2) this.log.warn({ code: n.code, subcode: n.subcode }, `sending NOTIFICATION ${name}: ${n.why}`);
    try {
      this.o.socket.write(encodeNotification({ code: n.code, subcode: n.subcode, data }));
    } catch {
      // the socket is already gone: the records still say what we meant to send
    }
    // RFC 8538 §4: a hold timer expiry keeps a graceful-notification neighbor's routes; the
    // shutdown of ribwatch keeps them all as stale, like a BMP session that ends.
    const gr = this.negotiated?.gracefulRestart;
    const keepStale = keepStaleIfGraceful && (n.code === 6 || (gr !== undefined && gr !== null && gr.notification));
    this.end({ cause: `sent NOTIFICATION ${name}: ${n.why}`, sent: { code: n.code, subcode: n.subcode }, keepStale }, PeerDownReason.LocalNotification, out);
  }

  /** Ends the session; its records go into `out` when the caller publishes a batch, else out at once. */
  private end(e: SessionEnd, reason: number, batch?: BusRecord[]): void {
    if (this.state === 'closed') return;
    const out = batch ?? [];
    const wasEstablished = this.state === 'established';
    this.state = 'closed';
    this.clearHold();
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    const s = this.o.socket;
    s.end();
    setTimeout(() => s.destroy(), LINGER_MS).unref();
    // Graceful restart applies only to a neighbor that asked for it (its capability), or to our shutdown.
    const graceful = e.keepStale && wasEstablished && (this.negotiated?.gracefulRestart != null || e.sent?.code === 6);
    const end: SessionEnd = { ...e, keepStale: graceful };
    if (wasEstablished) {
      const time = new Date(this.o.clock()).toISOString();
      if (graceful) {
        this.ctx.routerDown(out, time, `${e.cause}; routes kept as stale`);
      } else {
        const notification =
          e.received !== undefined
            ? notificationSummary(e.received)
            : e.sent !== undefined
              ? { code: e.sent.code, subcode: e.sent.subcode, code_name: notificationCodeName(e.sent.code), subcode_name: notificationSubcodeName(e.sent.code, e.sent.subcode) }
              : null;
        this.ctx.peerDown(out, time, reason, notification, null);
        this.ctx.routerDown(out, time, e.cause);
      }
    }
    if (batch === undefined) this.publish(out);
    this.o.onClosed(this, end);
  }
}

const MESSAGE_NAMES: Readonly<Record<number, string>> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

function track(rib: Set<string>, r: RouteRecord): void {
  for (const p of r.withdrawn) rib.delete(`${r.afi_safi}|${p.rd ?? ''}|${p.prefix}|${p.path_id ?? ''}`);
  for (const p of r.announced) rib.add(`${r.afi_safi}|${p.rd ?? ''}|${p.prefix}|${p.path_id ?? ''}`);
}


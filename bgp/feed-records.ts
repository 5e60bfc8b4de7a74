/**
 * A BGP session's records: the neighbor appears as a router of its own whose only peer is itself
 * (docs/records.md, "BGP feeds"). `router` is `bgp:<neighbor address>`, so a BMP router at the same
 * address stays a different router for the writer, the analyzer and the API; `peer.address` is the
 * neighbor's address; every record carries `feed: "bgp"`; routes are the neighbor's Adj-RIB-In as
 * received (`adj-in-post`, the view the detectors follow).
 *
 * One record session per BGP session: router_up, router_init (the hostname capability or the BGP
 * identifier as sys_name) and peer_up when it is Established; routes and End-of-RIBs; then either
 * peer_down + router_down (the routes are withdrawn), or router_down alone when graceful restart
 * keeps them as stale (the writer reconciles them against the next session's End-of-RIBs).
 */
import { randomUUID } from 'node:crypto';
import { PeerDownReason, peerDownReasonName } from '@ribwatch/bmp-parser';
import type { BgpNotification, BgpOpen, BgpUpdate } from '@ribwatch/bmp-parser';
import type { BusRecord, NotificationSummary, PeerRef } from '../records/types.js';
import { DumpTracker } from '../records/dump-tracker.js';
import { recordHead } from '../records/head.js';
import { AttributeCache, appendUpdateRecords, openSummary } from '../records/update-records.js';
import type { ProblemHandler, UpdateRecordContext, UpdatePeer } from '../records/update-records.js';

/** The router name of a BGP neighbor. */
export function bgpRouterName(address: string): string {
  return `bgp:${address}`;
}

export function notificationSummary(n: BgpNotification): NotificationSummary {
  return { code: n.code, subcode: n.subcode, code_name: n.codeName, subcode_name: n.subcodeName };
}

export interface SessionEnds {
  readonly address: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
}

export class BgpFeedContext implements UpdateRecordContext {
  readonly router: string;
  readonly session = randomUUID();
  seq = 0;
  readonly feed = 'bgp' as const;
  readonly dump: DumpTracker;
  readonly attributes = new AttributeCache();
  onProblem: ProblemHandler = () => {};
  private peerRef: PeerRef | undefined;
  private updatePeer: UpdatePeer | undefined;

  constructor(
    readonly ends: SessionEnds,
    startMs: number,
    dumpQuietMs: number,
  ) {
    this.router = bgpRouterName(ends.address);
    this.dump = new DumpTracker(startMs, dumpQuietMs);
  }

  private base<T extends BusRecord['type']>(type: T, time: string) {
    return recordHead(this, type, time);
  }

  get peer(): PeerRef {
    if (this.peerRef === undefined) throw new Error('peer used before the session was Established');
    return this.peerRef;
  }

  /** router_up, router_init and peer_up, when the session reaches Established. */
  established(out: BusRecord[], sent: BgpOpen, received: BgpOpen, time: string, nowMs: number): void {
    const e = this.ends;
    this.peerRef = { address: e.address, asn: received.asn, bgp_id: received.bgpId, type: 'global', rd: null };
    this.updatePeer = { ref: this.peerRef, key: e.address };
    const received_open = openSummary(received);
    out.push({ ...this.base('router_up', time), remote_port: e.remotePort, local: e.localAddress.includes(':') ? `[${e.localAddress}]:${e.localPort}` : `${e.localAddress}:${e.localPort}`, feed: this.feed });
    out.push({
      ...this.base('router_init', time),
      sys_name: received_open.hostname ?? received.bgpId,
      sys_descr: `BGP neighbor ${e.address}, AS ${received.asn}, BGP identifier ${received.bgpId}`,
      info: [],
      feed: this.feed,
    });
    this.dump.peerUp(e.address, nowMs);
    out.push({
      ...this.base('peer_up', time),
      peer: this.peerRef,
      router_time: time,
      local_address: e.localAddress,
      local_port: e.localPort,
      remote_port: e.remotePort,
      sent_open: openSummary(sent),
      received_open,
      info: [],
      reset: false,
      feed: this.feed,
    });
  }

  /** Names the peer of an earlier session (the records that end a graceful restart). */
  resume(peer: PeerRef): void {
    this.peerRef = peer;
  }

  /** Route and End-of-RIB records for one UPDATE. */
  update(out: BusRecord[], u: BgpUpdate, pdu: Uint8Array, time: string, nowMs: number, treatAsWithdraw: boolean): void {
    if (this.updatePeer === undefined) return;
    appendUpdateRecords(out, u, pdu, this, this.updatePeer, 'adj-in-post', time, time, nowMs, treatAsWithdraw);
  }

  peerDown(out: BusRecord[], time: string, reason: number, notification: NotificationSummary | null, fsmEvent: number | null): void {
    if (this.peerRef === undefined) return;
    out.push({
      ...this.base('peer_down', time),
      peer: this.peerRef,
      router_time: time,
      reason,
      reason_name: peerDownReasonName(reason),
      notification,
      fsm_event: fsmEvent,
      was_up: true,
      feed: this.feed,
    });
  }

  routerDown(out: BusRecord[], time: string, cause: string): void {
    out.push({ ...this.base('router_down', time), termination: null, cause, feed: this.feed });
  }
}

/**
 * Records that withdraw a neighbor's stale routes when its graceful restart ran out (no new
 * session within the restart time and long-lived stale time): a short record session of its own,
 * router_up, peer_down (local, no NOTIFICATION: the restart timer) and router_down.
 */
export function restartExpiredRecords(ends: SessionEnds, peer: PeerRef, time: string, nowMs: number, seconds: number): BusRecord[] {
  const ctx = new BgpFeedContext(ends, nowMs, 1);
  const out: BusRecord[] = [{ ...recordHead(ctx, 'router_up', time), remote_port: 0, local: '', feed: ctx.feed }];
  ctx.resume(peer);
  ctx.peerDown(out, time, PeerDownReason.LocalNoNotification, null, null);
  ctx.routerDown(out, time, `graceful restart: the neighbor did not come back within ${seconds} s; its stale routes are withdrawn`);
  return out;
}

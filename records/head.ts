/**
 * The fields every record starts with, in their order (docs/records.md, "Common fields"): written
 * here once for the collector's BMP records and the BGP speaker's alike. Each call hands out the
 * session's next sequence number.
 */
import type { BusRecord, PeerRef } from './types.js';

/** A record source's session: its router, its id and the last sequence number handed out. */
export interface RecordSequence {
  readonly router: string;
  readonly session: string;
  seq: number;
}

/** `v`, `type`, `router`, `session`, `seq` (the next one) and `time`. */
export function recordHead<T extends BusRecord['type']>(ctx: RecordSequence, type: T, time: string) {
  return { v: 1, type, router: ctx.router, session: ctx.session, seq: ++ctx.seq, time } as const;
}

/** The common fields of a record about one peer: recordHead, then `peer` and `router_time`. */
export function peerRecordHead<T extends BusRecord['type']>(ctx: RecordSequence, type: T, time: string, peer: PeerRef, routerTime: string) {
  return { ...recordHead(ctx, type, time), peer, router_time: routerTime };
}

/**
 * BMP messages → bus records (records/types.ts). No I/O: the router session feeds decoded
 * messages and the arrival time in, and gets records out; tests do the same with encoded bytes.
 *
 * What the collector knows about the session goes into the records here (docs/architecture.md,
 * "Sessions, resets and time"): sequence numbers, Peer Up resets, Peer Down `was_up`, and whether a route
 * record belongs to a (re-)dump (see dump-tracker.ts).
 *
 * This runs once per BMP message at up to a few hundred thousand messages a second, so it avoids
 * per-message closures and caches what repeats from one message to the next (the peer, the
 * router's timestamp, the attributes while their bytes repeat).
 */
import { BmpMessageType, afiSafiName, exhaustive, pathMarkingsByRoute, peerKey, peerDownReasonName, peerTypeName, ribView, statName, terminationReasonName } from '@ribwatch/bmp-parser';
import type {
  BmpMessage,
  Initiation,
  PeerDown,
  PeerUp,
  PerPeerHeader,
  RouteMirroring,
  RouteMonitoring,
  StatisticsReport,
  Termination,
  Tlv,
} from '@ribwatch/bmp-parser';
import type { BusRecord, PeerRef, RouterDownRecord, RouterUpRecord, StatsRecord } from '../records/types.js';
import { DumpTracker } from '../records/dump-tracker.js';
import { peerRecordHead, recordHead } from '../records/head.js';
import { AttributeCache, appendUpdateRecords, openSummary } from '../records/update-records.js';
import type { ProblemHandler, UpdateRecordContext } from '../records/update-records.js';
import { errorKind } from './bmp-names.js';

export type { ProblemHandler } from '../records/update-records.js';

interface PeerCacheEntry {
  readonly header: PerPeerHeader;
  readonly ref: PeerRef;
  readonly key: string;
}

/** Per-session state the conversion reads and updates. One per BMP TCP connection. */
export class RecordContext implements UpdateRecordContext {
  /** Last sequence number handed out; the first record gets 1. */
  seq = 0;
  readonly dump: DumpTracker;
  /** Peers up in this session, by peer key, with the ports of their BGP session (see peerUp). */
  readonly peersUp = new Map<string, { readonly localPort: number; readonly remotePort: number }>();
  /** Set by a Termination message; router_down then carries it. */
  termination: RouterDownRecord['termination'] = null;
  sysName: string | null = null;
  onProblem: ProblemHandler = () => {};

  /** Announced attributes reused while their bytes repeat (see records/update-records.ts). */
  readonly attributes = new AttributeCache();
  private lastPeer: PeerCacheEntry | undefined;
  private lastTsSec = -1;
  private lastTsUsec = -1;
  private lastTsText = '';

  constructor(
    readonly router: string,
    readonly session: string,
    startMs: number,
    dumpQuietMs: number,
  ) {
    this.dump = new DumpTracker(startMs, dumpQuietMs);
  }

  /** The PeerRef and key for a per-peer header; consecutive messages of one peer share them. */
  peer(h: PerPeerHeader): PeerCacheEntry {
    const last = this.lastPeer;
    if (
      last !== undefined &&
      last.header.address === h.address &&
      last.header.asn === h.asn &&
      last.header.bgpId === h.bgpId &&
      last.header.peerType === h.peerType &&
      last.header.distinguisher === h.distinguisher
    ) {
      return last;
    }
    const ref: PeerRef = {
      address: h.address,
      asn: h.asn,
      bgp_id: h.bgpId,
      type: peerTypeName(h.peerType),
      rd: h.distinguisher === '0:0' ? null : h.distinguisher,
    };
    const entry = { header: h, ref, key: peerKey(h) };
    this.lastPeer = entry;
    return entry;
  }

  /** A Peer Up or Down can change how the same bytes decode (4-octet AS): start the cache afresh. */
  forgetAttributes(): void {
    this.attributes.clear();
  }

  /** The router's per-peer timestamp as RFC 3339 (display only: FRR stamps Peer Up with boot time). */
  routerTime(h: PerPeerHeader): string {
    if (h.timestampSec !== this.lastTsSec || h.timestampUsec !== this.lastTsUsec) {
      this.lastTsSec = h.timestampSec;
      this.lastTsUsec = h.timestampUsec;
      this.lastTsText = new Date(h.timestampSec * 1000 + Math.floor(h.timestampUsec / 1000)).toISOString();
    }
    return this.lastTsText;
  }
}

/** Arrival time as records carry it: RFC 3339, UTC, milliseconds. */
export function arrivalTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function routerUpRecord(ctx: RecordContext, time: string, remotePort: number, local: string): RouterUpRecord {
  return { ...recordHead(ctx, 'router_up', time), remote_port: remotePort, local };
}

export function routerDownRecord(ctx: RecordContext, time: string, cause: string): RouterDownRecord {
  return { ...recordHead(ctx, 'router_down', time), termination: ctx.termination, cause };
}

/** The records for one BMP message, appended to `out` (the session's batch for this socket chunk). */
export function appendRecordsFromBmp(out: BusRecord[], msg: BmpMessage, ctx: RecordContext, time: string, nowMs: number): void {
  switch (msg.type) {
    case BmpMessageType.RouteMonitoring:
      routeMonitoring(out, msg, ctx, time, nowMs);
      return;
    case BmpMessageType.StatisticsReport:
      out.push(statsRecord(msg, ctx, time));
      return;
    case BmpMessageType.PeerDown:
      out.push(peerDown(msg, ctx, time));
      return;
    case BmpMessageType.PeerUp:
      out.push(peerUp(msg, ctx, time, nowMs));
      return;
    case BmpMessageType.Initiation:
      out.push(initiation(msg, ctx, time));
      return;
    case BmpMessageType.Termination:
      termination(msg, ctx);
      return;
    case BmpMessageType.RouteMirroring:
      out.push(mirror(msg, ctx, time));
      return;
    default:
      // Only a message built outside the decoder can get here.
      ctx.onProblem('bmp-type', `BMP message type ${String((exhaustive(msg) as { type?: unknown }).type)} has no records`);
  }
}

/** Convenience form of appendRecordsFromBmp for tests and one-off use. */
export function recordsFromBmp(msg: BmpMessage, ctx: RecordContext, nowMs: number): BusRecord[] {
  const out: BusRecord[] = [];
  appendRecordsFromBmp(out, msg, ctx, arrivalTime(nowMs), nowMs);
  return out;
}

// ---- Route Monitoring ----------------------------------------------------------------------

function routeMonitoring(out: BusRecord[], m: RouteMonitoring, ctx: RecordContext, time: string, nowMs: number): void {
  const u = m.update;
  if (u === undefined) {
    ctx.onProblem(errorKind('bgp', m.bgpError?.code ?? 'RW_ERR_FORM'), m.bgpError?.message ?? 'UPDATE did not decode');
    return;
  }
  const marks = m.pathMarkings === undefined ? undefined : pathMarkingsByRoute(m);
  appendUpdateRecords(out, u, m.pdu, ctx, ctx.peer(m.peer), ribView(m.peer), ctx.routerTime(m.peer), time, nowMs, false, marks);
}

// ---- Peer Up / Peer Down -------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Information TLVs as text: type 0 (free text) as is, other types as "type-N: text". */
function infoTexts(tlvs: readonly Tlv[], skip: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (const t of tlvs) {
    if (skip.has(t.type)) continue;
    const text = utf8.decode(t.value);
    out.push(t.type === 0 ? text : `type-${t.type}: ${text}`);
  }
  return out;
}

const NO_SKIP: ReadonlySet<number> = new Set();

function peerUp(m: PeerUp, ctx: RecordContext, time: string, nowMs: number): BusRecord {
  const peer = ctx.peer(m.peer);
  const prior = ctx.peersUp.get(peer.key);
  // A Peer Up for a peer already up is a reset (FRR `no neighbor` + re-add sends no Peer Down).
  // Huawei repeats Peer Up per AFI/SAFI for one BGP session: same TCP ports, so not a reset.
  const samePorts = prior !== undefined && prior.localPort === m.localPort && prior.remotePort === m.remotePort && (m.localPort !== 0 || m.remotePort !== 0);
  const reset = prior !== undefined && !samePorts;
  ctx.peersUp.set(peer.key, { localPort: m.localPort, remotePort: m.remotePort });
  ctx.forgetAttributes();
  if (!samePorts) ctx.dump.peerUp(peer.key, nowMs);
  return {
    ...peerRecordHead(ctx, 'peer_up', time, peer.ref, ctx.routerTime(m.peer)),
    local_address: m.localAddress,
    local_port: m.localPort,
    remote_port: m.remotePort,
    sent_open: openSummary(m.sentOpen),
    received_open: openSummary(m.receivedOpen),
    info: infoTexts(m.tlvs, NO_SKIP),
    reset,
  };
}

function peerDown(m: PeerDown, ctx: RecordContext, time: string): BusRecord {
  const peer = ctx.peer(m.peer);
  // FRR sends Peer Down for configured peers that never came up, and sometimes twice.
  const wasUp = ctx.peersUp.delete(peer.key);
  // The Peer Down stands without its NOTIFICATION; the broken PDU is counted like any other.
  if (m.bgpError !== undefined) ctx.onProblem(errorKind('bgp', m.bgpError.code), `Peer Down NOTIFICATION: ${m.bgpError.message}`);
  ctx.dump.peerDown(peer.key);
  ctx.forgetAttributes();
  const n = m.notification;
  return {
    ...peerRecordHead(ctx, 'peer_down', time, peer.ref, ctx.routerTime(m.peer)),
    reason: m.reason,
    reason_name: peerDownReasonName(m.reason),
    notification: n === undefined ? null : { code: n.code, subcode: n.subcode, code_name: n.codeName, subcode_name: n.subcodeName },
    fsm_event: m.fsmEvent ?? null,
    was_up: wasUp,
  };
}

// ---- Statistics, Initiation, Termination, Mirroring ----------------------------------------

function statsRecord(m: StatisticsReport, ctx: RecordContext, time: string): StatsRecord {
  const counters: StatsRecord['counters'][number][] = [];
  for (const c of m.counters) {
    const v = c.value;
    counters.push({
      type: c.type,
      name: statName(c.type),
      value: v === undefined ? null : v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(),
      afi_safi: c.afi !== undefined && c.safi !== undefined ? afiSafiName(c.afi, c.safi) : null,
    });
  }
  const peer = ctx.peer(m.peer);
  return { ...peerRecordHead(ctx, 'stats', time, peer.ref, ctx.routerTime(m.peer)), counters };
}

/** Initiation TLVs 1 (sysDescr) and 2 (sysName) have fields of their own. */
const INIT_NAMED: ReadonlySet<number> = new Set([1, 2]);
/** Termination TLV 1 is the reason code. */
const TERM_NAMED: ReadonlySet<number> = new Set([1]);

function initiation(m: Initiation, ctx: RecordContext, time: string): BusRecord {
  ctx.sysName = m.sysName ?? ctx.sysName;
  return {
    ...recordHead(ctx, 'router_init', time),
    sys_name: m.sysName ?? null,
    sys_descr: m.sysDescr ?? null,
    info: infoTexts(m.tlvs, INIT_NAMED),
  };
}

/** Termination produces no record of its own: the router_down that follows the close carries it. */
function termination(m: Termination, ctx: RecordContext): void {
  ctx.termination = {
    reason: m.reason ?? null,
    reason_name: m.reason === undefined ? null : terminationReasonName(m.reason),
    info: infoTexts(m.tlvs, TERM_NAMED),
  };
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function mirror(m: RouteMirroring, ctx: RecordContext, time: string): BusRecord {
  const messages: { bgp_type: string; hex: string }[] = [];
  let i = 0;
  for (const t of m.tlvs) {
    if (t.type !== 0) continue;
    const decoded = m.messages[i++];
    messages.push({ bgp_type: decoded === undefined ? 'unknown' : decoded.ok ? decoded.message.type : 'malformed', hex: hexOf(t.value) });
  }
  const peer = ctx.peer(m.peer);
  return {
    ...peerRecordHead(ctx, 'mirror', time, peer.ref, ctx.routerTime(m.peer)),
    messages,
    information: m.information ?? null,
  };
}


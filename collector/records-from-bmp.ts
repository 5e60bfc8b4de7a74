/**
 * BMP messages → bus records (records/types.ts). No I/O: the router session feeds decoded
 * messages and the arrival time in, and gets records out; tests do the same with encoded bytes.
 *
 * What the collector knows about the session goes into the records here (DESIGN.md "Sessions,
 * resets and time"): sequence numbers, Peer Up resets, Peer Down `was_up`, and whether a route
 * record belongs to a (re-)dump (see dump-tracker.ts).
 *
 * This runs once per BMP message at up to a few hundred thousand messages a second, so it avoids
 * per-message closures and caches what repeats from one message to the next (the peer, the
 * router's timestamp, the attributes while their bytes repeat).
 */
import { afiSafiName, peerKey, ribView } from '@ribwatch/bmp-parser';
import type {
  BgpOpen,
  BmpMessage,
  Initiation,
  Nlri,
  PeerDown,
  PeerUp,
  PathAttributes,
  PerPeerHeader,
  RibView,
  RouteMirroring,
  RouteMonitoring,
  StatisticsReport,
  Termination,
  Tlv,
} from '@ribwatch/bmp-parser';
import type {
  BusRecord,
  OpenSummary,
  PeerRef,
  PeerTypeName,
  RouteAttributes,
  RoutePrefix,
  RouterDownRecord,
  RouterUpRecord,
  StatsRecord,
} from '../records/types.js';
import { RouteRecordObject } from '../records/json.js';
import { routeAttributes } from './attributes.js';
import { errorKind, peerDownReasonName, statName, terminationReasonName } from './bmp-names.js';
import { DumpTracker } from './dump-tracker.js';

/** A problem inside a sound BMP frame: counted by kind, logged once per kind per session, skipped. */
export type ProblemHandler = (kind: string, detail: string) => void;

interface PeerCacheEntry {
  readonly header: PerPeerHeader;
  readonly ref: PeerRef;
  readonly key: string;
}

/** Per-session state the conversion reads and updates. One per BMP TCP connection. */
export class RecordContext {
  /** Last sequence number handed out; the first record gets 1. */
  seq = 0;
  readonly dump: DumpTracker;
  /** Peers up in this session, by peer key, with the ports of their BGP session (see peerUp). */
  readonly peersUp = new Map<string, { readonly localPort: number; readonly remotePort: number }>();
  /** Set by a Termination message; router_down then carries it. */
  termination: RouterDownRecord['termination'] = null;
  sysName: string | null = null;
  onProblem: ProblemHandler = () => {};

  /**
   * The last announced attributes per RIB view, by their wire bytes. FRR sends one prefix per
   * Route Monitoring message, and consecutive prefixes of a peer usually share their attributes
   * (they came in one UPDATE): reusing the object skips building it and, in the sink, serialising
   * it again (see records/json.ts).
   */
  private readonly attrCache = new Map<RibView, { key: string; bytes: Uint8Array; attrs: RouteAttributes }>();
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

  /** RouteAttributes for an UPDATE without MP_REACH (whose bytes would hold NLRI), reused while the bytes repeat. */
  attributesFor(pdu: Uint8Array, peerKey: string, rib: RibView, a: PathAttributes): RouteAttributes {
    const bytes = attributeBytes(pdu);
    if (bytes === undefined || a.mpReach !== undefined) return routeAttributes(a);
    const hit = this.attrCache.get(rib);
    if (hit !== undefined && hit.key === peerKey && sameBytes(hit.bytes, bytes)) return hit.attrs;
    const attrs = routeAttributes(a);
    this.attrCache.set(rib, { key: peerKey, bytes: bytes.slice(), attrs });
    return attrs;
  }

  /** A Peer Up or Down can change how the same bytes decode (4-octet AS): start the cache afresh. */
  forgetAttributes(): void {
    this.attrCache.clear();
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

/** The Path Attributes field of an UPDATE (RFC 4271 §4.3), or undefined when the lengths do not add up. */
function attributeBytes(pdu: Uint8Array): Uint8Array | undefined {
  if (pdu.length < 23) return undefined;
  const at = 21 + ((pdu[19]! << 8) | pdu[20]!);
  if (at + 2 > pdu.length) return undefined;
  const end = at + 2 + ((pdu[at]! << 8) | pdu[at + 1]!);
  return end > pdu.length ? undefined : pdu.subarray(at + 2, end);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function peerTypeName(t: number): PeerTypeName {
  switch (t) {
    case 0:
      return 'global';
    case 1:
      return 'rd';
    case 2:
      return 'local';
    case 3:
      return 'loc-rib';
    default:
      return `type-${t}`;
  }
}

/** Arrival time as records carry it: RFC 3339, UTC, milliseconds. */
export function arrivalTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function routerUpRecord(ctx: RecordContext, time: string, remotePort: number, local: string): RouterUpRecord {
  return { v: 1, type: 'router_up', router: ctx.router, session: ctx.session, seq: ++ctx.seq, time, remote_port: remotePort, local };
}

export function routerDownRecord(ctx: RecordContext, time: string, cause: string): RouterDownRecord {
  return { v: 1, type: 'router_down', router: ctx.router, session: ctx.session, seq: ++ctx.seq, time, termination: ctx.termination, cause };
}

/** The records for one BMP message, appended to `out` (the session's batch for this socket chunk). */
export function appendRecordsFromBmp(out: BusRecord[], msg: BmpMessage, ctx: RecordContext, time: string, nowMs: number): void {
  switch (msg.type) {
    case 0:
      routeMonitoring(out, msg, ctx, time, nowMs);
      return;
    case 1:
      out.push(statsRecord(msg, ctx, time));
      return;
    case 2:
      out.push(peerDown(msg, ctx, time));
      return;
    case 3:
      out.push(peerUp(msg, ctx, time, nowMs));
      return;
    case 4:
      out.push(initiation(msg, ctx, time));
      return;
    case 5:
      termination(msg, ctx);
      return;
    case 6:
      out.push(mirror(msg, ctx, time));
      return;
  }
}

/** Convenience form of appendRecordsFromBmp for tests and one-off use. */
export function recordsFromBmp(msg: BmpMessage, ctx: RecordContext, nowMs: number): BusRecord[] {
  const out: BusRecord[] = [];
  appendRecordsFromBmp(out, msg, ctx, arrivalTime(nowMs), nowMs);
  return out;
}

// ---- Route Monitoring ----------------------------------------------------------------------

interface FamilyGroup {
  readonly afi: number;
  readonly safi: number;
  readonly name: string;
  announced: readonly RoutePrefix[];
  withdrawn: readonly RoutePrefix[];
  nextHop: string | null;
}

/** Shared by every record with nothing announced or withdrawn (records are never mutated). */
const NO_PREFIXES: readonly RoutePrefix[] = Object.freeze([]);
const IPV4_UNICAST = afiSafiName(1, 1);

function toPrefixes(nlri: readonly Nlri[]): RoutePrefix[] {
  const out: RoutePrefix[] = new Array<RoutePrefix>(nlri.length);
  for (let i = 0; i < nlri.length; i++) {
    const n = nlri[i]!;
    if (n.rd === undefined && n.labels === undefined) out[i] = { prefix: n.prefix, path_id: n.pathId };
    else if (n.labels === undefined) out[i] = { prefix: n.prefix, path_id: n.pathId, rd: n.rd ?? '' };
    else if (n.rd === undefined) out[i] = { prefix: n.prefix, path_id: n.pathId, labels: n.labels };
    else if (n.vpls === undefined) out[i] = { prefix: n.prefix, path_id: n.pathId, rd: n.rd, labels: n.labels };
    else {
      const v = n.vpls;
      out[i] = { prefix: n.prefix, path_id: n.pathId, rd: n.rd, labels: n.labels, vpls: { ve_id: v.veId, ve_block_offset: v.veBlockOffset, ve_block_size: v.veBlockSize, label_base: v.labelBase } };
    }
  }
  return out;
}

function group(groups: FamilyGroup[], afi: number, safi: number): FamilyGroup {
  for (const g of groups) if (g.afi === afi && g.safi === safi) return g;
  const g: FamilyGroup = { afi, safi, name: afiSafiName(afi, safi), announced: NO_PREFIXES, withdrawn: NO_PREFIXES, nextHop: null };
  groups.push(g);
  return g;
}

function routeMonitoring(out: BusRecord[], m: RouteMonitoring, ctx: RecordContext, time: string, nowMs: number): void {
  const u = m.update;
  if (u === undefined) {
    ctx.onProblem(errorKind('bgp', m.bgpError?.code ?? 'RW_ERR_FORM'), m.bgpError?.message ?? 'UPDATE did not decode');
    return;
  }
  // The NLRI before a field's cut-short last one are kept (as bgpdump does): publish them, count it.
  if (u.nlriError !== undefined) ctx.onProblem('bgp-nlri-truncated', u.nlriError.message);
  const peer = ctx.peer(m.peer);
  const rib = ribView(m.peer);
  const routerTime = ctx.routerTime(m.peer);
  if (u.endOfRib) {
    const name = afiSafiName(u.endOfRib.afi, u.endOfRib.safi);
    ctx.dump.endOfRib(peer.key, rib, name, nowMs);
    out.push({ v: 1, type: 'end_of_rib', router: ctx.router, session: ctx.session, seq: ++ctx.seq, time, peer: peer.ref, rib, afi_safi: name, router_time: routerTime });
    return;
  }
  const a = u.attributes;
  if (a.mpReach === undefined && a.mpUnreach === undefined && u.action === undefined) {
    // The common case (FRR: one IPv4 prefix per message): one record, no grouping.
    if (u.withdrawn.length === 0 && u.nlri.length === 0) return;
    const announced = u.nlri.length === 0 ? NO_PREFIXES : toPrefixes(u.nlri);
    const attributes = announced.length === 0 ? null : ctx.attributesFor(m.pdu, peer.key, rib, a);
    const withdrawn = u.withdrawn.length === 0 ? NO_PREFIXES : toPrefixes(u.withdrawn);
    const dump = ctx.dump.route(peer.key, rib, IPV4_UNICAST, nowMs);
    out.push(new RouteRecordObject(ctx.router, ctx.session, ++ctx.seq, time, peer.ref, rib, IPV4_UNICAST, routerTime, attributes, announced, withdrawn, dump));
    return;
  }
  const groups: FamilyGroup[] = [];
  if (u.withdrawn.length > 0 || u.nlri.length > 0) {
    const g = group(groups, 1, 1);
    if (u.withdrawn.length > 0) g.withdrawn = toPrefixes(u.withdrawn);
    if (u.nlri.length > 0) {
      g.announced = toPrefixes(u.nlri);
      g.nextHop = a.nextHop ?? null;
    }
  }
  const reach = a.mpReach;
  if (reach !== undefined) {
    if (reach.rawNlri !== undefined) {
      ctx.onProblem('bgp-unsupported-nlri', `MP_REACH_NLRI for ${afiSafiName(reach.afi, reach.safi)} kept raw`);
    } else if (reach.nlri.length > 0) {
      const g = group(groups, reach.afi, reach.safi);
      g.announced = g.announced.length === 0 ? toPrefixes(reach.nlri) : [...g.announced, ...toPrefixes(reach.nlri)];
      g.nextHop = reach.nextHops[0] ?? null;
    }
  }
  const unreach = a.mpUnreach;
  if (unreach !== undefined) {
    if (unreach.rawNlri !== undefined) {
      ctx.onProblem('bgp-unsupported-nlri', `MP_UNREACH_NLRI for ${afiSafiName(unreach.afi, unreach.safi)} kept raw`);
    } else if (unreach.withdrawn.length > 0) {
      const g = group(groups, unreach.afi, unreach.safi);
      g.withdrawn = g.withdrawn.length === 0 ? toPrefixes(unreach.withdrawn) : [...g.withdrawn, ...toPrefixes(unreach.withdrawn)];
    }
  }
  if (groups.length === 0) return;

  // RFC 7606 §2: attributes that cannot be trusted turn the announcements into withdrawals.
  const treatAsWithdraw = u.action === 'treat-as-withdraw';
  if (treatAsWithdraw) ctx.onProblem('bgp-treat-as-withdraw', 'malformed attributes: announcements treated as withdrawals (RFC 7606)');
  else if (u.action === 'attribute-discard') ctx.onProblem('bgp-attribute-discard', 'malformed attribute discarded (RFC 7606)');

  let base: RouteAttributes | undefined;
  for (const g of groups) {
    let announced = g.announced;
    let withdrawn = g.withdrawn;
    if (treatAsWithdraw && announced.length > 0) {
      withdrawn = [...withdrawn, ...announced];
      announced = NO_PREFIXES;
    }
    let attributes: RouteAttributes | null = null;
    if (announced.length > 0) {
      base ??= ctx.attributesFor(m.pdu, peer.key, rib, a);
      attributes = base.next_hop === g.nextHop ? base : { ...base, next_hop: g.nextHop };
    }
    const dump = ctx.dump.route(peer.key, rib, g.name, nowMs);
    out.push(new RouteRecordObject(ctx.router, ctx.session, ++ctx.seq, time, peer.ref, rib, g.name, routerTime, attributes, announced, withdrawn, dump));
  }
}

// ---- Peer Up / Peer Down -------------------------------------------------------------------

const ADD_PATH_MODES: Readonly<Record<number, string>> = { 1: 'receive', 2: 'send', 3: 'both' };

export function openSummary(o: BgpOpen): OpenSummary {
  const c = o.capabilities;
  const addPath: Record<string, string> = {};
  for (const ap of c.addPath) addPath[afiSafiName(ap.afi, ap.safi)] = ADD_PATH_MODES[ap.sendReceive] ?? `mode-${ap.sendReceive}`;
  return {
    asn: o.asn,
    bgp_id: o.bgpId,
    hold_time: o.holdTime,
    families: c.multiprotocol.map((f) => afiSafiName(f.afi, f.safi)),
    four_octet_as: c.fourOctetAs !== undefined,
    add_path: addPath,
    capabilities: c.all.map((x) => x.code),
    hostname: c.fqdn === undefined ? null : c.fqdn.domain === '' ? c.fqdn.hostname : `${c.fqdn.hostname}.${c.fqdn.domain}`,
  };
}

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
    v: 1,
    type: 'peer_up',
    router: ctx.router,
    session: ctx.session,
    seq: ++ctx.seq,
    time,
    peer: peer.ref,
    router_time: ctx.routerTime(m.peer),
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
    v: 1,
    type: 'peer_down',
    router: ctx.router,
    session: ctx.session,
    seq: ++ctx.seq,
    time,
    peer: peer.ref,
    router_time: ctx.routerTime(m.peer),
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
  return { v: 1, type: 'stats', router: ctx.router, session: ctx.session, seq: ++ctx.seq, time, peer: peer.ref, router_time: ctx.routerTime(m.peer), counters };
}

/** Initiation TLVs 1 (sysDescr) and 2 (sysName) have fields of their own. */
const INIT_NAMED: ReadonlySet<number> = new Set([1, 2]);
/** Termination TLV 1 is the reason code. */
const TERM_NAMED: ReadonlySet<number> = new Set([1]);

function initiation(m: Initiation, ctx: RecordContext, time: string): BusRecord {
  ctx.sysName = m.sysName ?? ctx.sysName;
  return {
    v: 1,
    type: 'router_init',
    router: ctx.router,
    session: ctx.session,
    seq: ++ctx.seq,
    time,
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
    v: 1,
    type: 'mirror',
    router: ctx.router,
    session: ctx.session,
    seq: ++ctx.seq,
    time,
    peer: peer.ref,
    router_time: ctx.routerTime(m.peer),
    messages,
    information: m.information ?? null,
  };
}


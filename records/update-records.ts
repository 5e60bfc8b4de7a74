/**
 * A decoded BGP UPDATE → route and end_of_rib records (records/types.ts), for every feed that
 * receives UPDATEs: the BMP collector (Route Monitoring) and the BGP speaker (bgp/). No I/O.
 *
 * One record per AFI/SAFI the UPDATE touches (the IPv4 NLRI fields and an MP_REACH/MP_UNREACH for
 * another family give one record each, with consecutive `seq`); RFC 7606 treat-as-withdraw turns
 * the announcements into withdrawals; End-of-RIB (RFC 4724) ends that key's dump.
 *
 * This runs once per UPDATE at up to a few hundred thousand a second, so the caller's context is
 * an object it keeps (no per-message closures) and attributes are reused while their bytes repeat
 * (AttributeCache).
 */
import { recordHead } from './head.js';
import { afiSafiName } from '@ribwatch/bmp-parser';
import type { BgpOpen, BgpUpdate, Nlri, PathAttributes, PathMarking, RibView } from '@ribwatch/bmp-parser';
import type { BusRecord, OpenSummary, PeerRef, RouteAttributes, RoutePrefix } from './types.js';
import { RouteRecordObject } from './json.js';
import type { DumpTracker } from './dump-tracker.js';
import { routeAttributes } from './route-attributes.js';

/** A problem inside a sound message: counted by kind, logged once per kind per session, skipped. */
export type ProblemHandler = (kind: string, detail: string) => void;

/** What the conversion reads and updates: one per BMP router session or BGP session. */
export interface UpdateRecordContext {
  readonly router: string;
  readonly session: string;
  /** Last sequence number handed out; the next record gets seq + 1. */
  seq: number;
  readonly dump: DumpTracker;
  /** Set on records of a BGP feed (`feed: "bgp"`); absent on BMP records. */
  readonly feed?: 'bgp';
  onProblem: ProblemHandler;
  readonly attributes: AttributeCache;
}

/** The peer whose UPDATE this is, as records name it, and its key in the dump tracker. */
export interface UpdatePeer {
  readonly ref: PeerRef;
  readonly key: string;
}

/**
 * The last announced attributes per RIB view, by their wire bytes. FRR sends one prefix per
 * Route Monitoring message, and consecutive prefixes of a peer usually share their attributes
 * (they came in one UPDATE): reusing the object skips building it and, in the sink, serialising
 * it again (see records/json.ts).
 */
export class AttributeCache {
  private readonly byRib = new Map<RibView, { key: string; bytes: Uint8Array; attrs: RouteAttributes }>();

  /** RouteAttributes for an UPDATE without MP_REACH (whose bytes would hold NLRI), reused while the bytes repeat. */
  attributesFor(pdu: Uint8Array, peerKey: string, rib: RibView, a: PathAttributes): RouteAttributes {
    const bytes = attributeBytes(pdu);
    if (bytes === undefined || a.mpReach !== undefined) return routeAttributes(a);
    const hit = this.byRib.get(rib);
    if (hit !== undefined && hit.key === peerKey && sameBytes(hit.bytes, bytes)) return hit.attrs;
    const attrs = routeAttributes(a);
    this.byRib.set(rib, { key: peerKey, bytes: bytes.slice(), attrs });
    return attrs;
  }

  /** A session change can change how the same bytes decode (4-octet AS): start afresh. */
  clear(): void {
    this.byRib.clear();
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

/**
 * The route prefixes of NLRI. `marks` (BMP v4 Path Marking by announced-route position, from
 * bmp-parser's pathMarkingsByRoute) from `at` on add `path_status` to the routes they name.
 */
export function toPrefixes(nlri: readonly Nlri[], marks?: readonly (PathMarking | undefined)[], at = 0): RoutePrefix[] {
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
  if (marks !== undefined) {
    for (let i = 0; i < out.length; i++) {
      const pm = marks[at + i];
      if (pm !== undefined) out[i] = { ...out[i]!, path_status: pm.statusNames, ...(pm.reason === undefined ? {} : { path_status_reason: pm.reason }) };
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

/**
 * The records for one decoded UPDATE, appended to `out`. `pdu` is the whole UPDATE (its attribute
 * bytes key the cache); `treatAsWithdraw` adds the caller's own RFC 7606 finding (the BGP speaker's
 * missing mandatory attributes) to the decoder's. `marks`: BMP v4 Path Marking per announced
 * route (IPv4 NLRI field, then MP_REACH), put on the routes as `path_status`.
 */
export function appendUpdateRecords(
  out: BusRecord[],
  u: BgpUpdate,
  pdu: Uint8Array,
  ctx: UpdateRecordContext,
  peer: UpdatePeer,
  rib: RibView,
  routerTime: string,
  time: string,
  nowMs: number,
  treatAsWithdraw = false,
  marks?: readonly (PathMarking | undefined)[],
): void {
  // The NLRI before a field's cut-short last one are kept (as bgpdump does): publish them, count it.
  if (u.nlriError !== undefined) ctx.onProblem('bgp-nlri-truncated', u.nlriError.message);
  if (u.endOfRib) {
    const name = afiSafiName(u.endOfRib.afi, u.endOfRib.safi);
    ctx.dump.endOfRib(peer.key, rib, name, nowMs);
    const h = recordHead(ctx, 'end_of_rib', time);
    const r = { ...h, peer: peer.ref, rib, afi_safi: name, router_time: routerTime };
    out.push(ctx.feed === undefined ? r : { ...r, feed: ctx.feed });
    return;
  }
  const a = u.attributes;
  if (a.mpReach === undefined && a.mpUnreach === undefined && u.action === undefined && !treatAsWithdraw) {
    // The common case (FRR: one IPv4 prefix per message): one record, no grouping.
    if (u.withdrawn.length === 0 && u.nlri.length === 0) return;
    const announced = u.nlri.length === 0 ? NO_PREFIXES : toPrefixes(u.nlri, marks);
    const attributes = announced.length === 0 ? null : ctx.attributes.attributesFor(pdu, peer.key, rib, a);
    const withdrawn = u.withdrawn.length === 0 ? NO_PREFIXES : toPrefixes(u.withdrawn);
    const dump = ctx.dump.route(peer.key, rib, IPV4_UNICAST, nowMs);
    out.push(new RouteRecordObject(ctx.router, ctx.session, ++ctx.seq, time, peer.ref, rib, IPV4_UNICAST, routerTime, attributes, announced, withdrawn, dump, ctx.feed));
    return;
  }
  const groups: FamilyGroup[] = [];
  if (u.withdrawn.length > 0 || u.nlri.length > 0) {
    const g = group(groups, 1, 1);
    if (u.withdrawn.length > 0) g.withdrawn = toPrefixes(u.withdrawn);
    if (u.nlri.length > 0) {
      g.announced = toPrefixes(u.nlri, marks);
      g.nextHop = a.nextHop ?? null;
    }
  }
  const reach = a.mpReach;
  if (reach !== undefined) {
    if (reach.rawNlri !== undefined) {
      ctx.onProblem('bgp-unsupported-nlri', `MP_REACH_NLRI for ${afiSafiName(reach.afi, reach.safi)} kept raw`);
    } else if (reach.nlri.length > 0) {
      const g = group(groups, reach.afi, reach.safi);
      const mine = toPrefixes(reach.nlri, marks, u.nlri.length);
      g.announced = g.announced.length === 0 ? mine : [...g.announced, ...mine];
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
  const asWithdraw = treatAsWithdraw || u.action === 'treat-as-withdraw';
  if (u.action === 'treat-as-withdraw') ctx.onProblem('bgp-treat-as-withdraw', 'malformed attributes: announcements treated as withdrawals (RFC 7606)');
  else if (u.action === 'attribute-discard') ctx.onProblem('bgp-attribute-discard', 'malformed attribute discarded (RFC 7606)');

  let base: RouteAttributes | undefined;
  for (const g of groups) {
    let announced = g.announced;
    let withdrawn = g.withdrawn;
    if (asWithdraw && announced.length > 0) {
      withdrawn = [...withdrawn, ...announced];
      announced = NO_PREFIXES;
    }
    let attributes: RouteAttributes | null = null;
    if (announced.length > 0) {
      base ??= ctx.attributes.attributesFor(pdu, peer.key, rib, a);
      attributes = base.next_hop === g.nextHop ? base : { ...base, next_hop: g.nextHop };
    }
    const dump = ctx.dump.route(peer.key, rib, g.name, nowMs);
    out.push(new RouteRecordObject(ctx.router, ctx.session, ++ctx.seq, time, peer.ref, rib, g.name, routerTime, attributes, announced, withdrawn, dump, ctx.feed));
  }
}

const ADD_PATH_MODES: Readonly<Record<number, string>> = { 1: 'receive', 2: 'send', 3: 'both' };

/** An OPEN as records summarise it (peer_up's sent_open and received_open). */
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

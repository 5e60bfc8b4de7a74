/**
 * Route Monitoring in BMP version 4 (draft-ietf-grow-bmp-tlv, with draft-ietf-grow-bmp-path-marking-tlv):
 * after the per-peer header the message is a list of TLVs, each
 *
 *   Type (2) | Length (2, of the value) | Index (2) | Value
 *
 * and one of them carries the BGP UPDATE PDU. Index 0 means the TLV concerns the whole PDU; an
 * index with the high (G) bit set names a group declared by a Group TLV (its value: the NLRI
 * indexes of the group, 2 octets each); any other index is the position of one NLRI among the
 * UPDATE's announced routes, counting from 1.
 *
 * The draft still leaves the code points to IANA ("TBD"); these are the ones the implementations
 * that export and read BMP v4 today (pmacct, NetGauze) put on the wire, and the NetGauze captures
 * this decoder is tested on carry:
 *
 *   1 Stateless Parsing: BGP capabilities (code, length, value) as the monitored router
 *     advertised them, so a Route Monitoring can be read without its Peer Up: ADD-PATH (69) per
 *     AFI/SAFI and 4-octet AS (65)
 *   2 Group   3 VRF/Table Name   4 BGP PDU   5 Path Marking (path status, 4 octets; reason, 2)
 *
 * Every TLV is kept in wire order (`v4Tlvs`), unknown ones included, so the message re-encodes
 * byte for byte; none of them is ever fatal. Only a TLV running past the message, or a message
 * without a BGP PDU TLV, fails the message.
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { afiSafiKey } from '../../session.js';
import type { SessionConfig } from '../../session.js';
import { decodeUpdate, encodeUpdate } from '../../bgp/index.js';
import { CapabilityCode, decodeAddPath } from '../../bgp/capabilities.js';
import type { Capability, Nlri } from '../../bgp/types.js';
import { utf8, utf8Bytes } from '../../bytes.js';
import { ADD_PATH_RECEIVE, ADD_PATH_SEND, directionOf } from '../config.js';
import { MAX_TLVS } from '../tlv.js';
import type { IndexedTlv, PathMarking, PerPeerHeader, RouteMonitoring } from '../types.js';

/** Route Monitoring TLV types of BMP v4 (see the module comment for where they come from). */
export const RouteMonitoringTlvType = { StatelessParsing: 1, Group: 2, VrfTableName: 3, BgpPdu: 4, PathMarking: 5 } as const;

/** The Index field's group bit. */
export const INDEX_GROUP = 0x8000;

/** Path status bits (draft-ietf-grow-bmp-path-marking-tlv), with the names records and JSON use. */
export const PATH_STATUS: readonly (readonly [number, string])[] = [
  [0x1, 'invalid'],
  [0x2, 'best'],
  [0x4, 'non-selected'],
  [0x8, 'primary'],
  [0x10, 'backup'],
  [0x20, 'non-installed'],
  [0x40, 'best-external'],
  [0x80, 'add-path'],
  [0x100, 'filtered-in'],
  [0x200, 'filtered-out'],
  [0x400, 'stale'],
  [0x800, 'suppressed'],
];

/** The names of the bits set in a path status; unnamed bits as "0x..." each. */
export function pathStatusNames(status: number): string[] {
  const out: string[] = [];
  let rest = status >>> 0;
  for (const [bit, name] of PATH_STATUS) {
    if ((rest & bit) !== 0) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let bit = 1; rest !== 0 && bit !== 0; bit = (bit << 1) >>> 0) {
    if ((rest & bit) !== 0) {
      out.push(`0x${bit.toString(16)}`);
      rest = (rest & ~bit) >>> 0;
    }
  }
  return out;
}

/** Reads v4 TLVs to the cursor's end. */
export function decodeIndexedTlvs(c: Cursor, what: string): Result<IndexedTlv[]> {
  const out: IndexedTlv[] = [];
  while (c.remaining > 0) {
    const at = c.pos;
    if (c.remaining < 6) return fail(ErrorCode.Short, `${what}: ${c.remaining} stray bytes where a TLV header should be`, at);
    if (out.length >= MAX_TLVS) return fail(ErrorCode.TooLarge, `${what}: more than ${MAX_TLVS} TLVs`, at);
    const type = c.u16();
    const len = c.u16();
    const index = c.u16();
    const value = c.bytes(len);
    if (!value) return fail(ErrorCode.Length, `${what}: TLV type ${type} length ${len} runs past the message end`, at);
    out.push({ type, index, value });
  }
  return ok(out);
}

function writeIndexedTlv(w: Writer, type: number, index: number, value: Uint8Array): void {
  if (value.length > 0xffff) throw new RangeError(`BMP v4 TLV type ${type}: value longer than 65535 bytes`);
  w.u16(type).u16(value.length).u16(index).bytes(value);
}

/** BGP capabilities laid end to end (code 1, length 1, value); undefined when they do not fit exactly. */
function decodeCapabilityList(v: Uint8Array): Capability[] | undefined {
  const out: Capability[] = [];
  let p = 0;
  while (p < v.length) {
    if (p + 2 > v.length) return undefined;
    const len = v[p + 1]!;
    if (p + 2 + len > v.length) return undefined;
    out.push({ code: v[p]!, value: v.subarray(p + 2, p + 2 + len) });
    p += 2 + len;
  }
  return out;
}

/**
 * The SessionConfig for one message from the router's (`base`) and the Stateless Parsing
 * capabilities. ADD-PATH is the monitored router's capability: "receive" means its peer sends
 * path IDs, so Adj-RIB-In carries them; "send" means Adj-RIB-Out does; Loc-RIB carries them when
 * either is set. A family the TLV lists takes the TLV's word; the others keep `base`'s.
 */
export function statelessConfig(base: SessionConfig, peer: PerPeerHeader, caps: readonly Capability[]): SessionConfig {
  const dir = directionOf(peer);
  const want = dir === 'in' ? ADD_PATH_RECEIVE : dir === 'out' ? ADD_PATH_SEND : ADD_PATH_RECEIVE | ADD_PATH_SEND;
  let addPath: Set<number> | undefined;
  let fourOctetAs = base.fourOctetAs;
  for (const cap of caps) {
    if (cap.code === CapabilityCode.FourOctetAs && cap.value.length === 4) fourOctetAs = true;
    if (cap.code !== CapabilityCode.AddPath) continue;
    for (const e of decodeAddPath(cap.value) ?? []) {
      addPath ??= new Set(base.addPath);
      const k = afiSafiKey(e.afi, e.safi);
      if ((e.sendReceive & want) !== 0) addPath.add(k);
      else addPath.delete(k);
    }
  }
  if (addPath === undefined && fourOctetAs === base.fourOctetAs) return base;
  return { fourOctetAs, addPath: addPath ?? base.addPath, trialParse: base.trialParse ?? true };
}

/** Route Monitoring v4 body at the cursor (after the per-peer header). `cfg`: the router's config for this peer. */
export function decodeRouteMonitoringV4(c: Cursor, peer: PerPeerHeader, cfg: SessionConfig): Result<RouteMonitoring> {
  const at = c.pos;
  const t = decodeIndexedTlvs(c, 'route monitoring (BMP v4)');
  if (!t.ok) return t;
  const tlvs = t.value;
  let pdu: Uint8Array | undefined;
  let vrfName: string | undefined;
  const caps: Capability[] = [];
  const pathMarkings: PathMarking[] = [];
  for (const tlv of tlvs) {
    switch (tlv.type) {
      case RouteMonitoringTlvType.BgpPdu:
        pdu ??= tlv.value;
        break;
      case RouteMonitoringTlvType.StatelessParsing:
        caps.push(...(decodeCapabilityList(tlv.value) ?? []));
        break;
      case RouteMonitoringTlvType.VrfTableName:
        vrfName ??= utf8(tlv.value);
        break;
      case RouteMonitoringTlvType.PathMarking:
        if (tlv.value.length === 4 || tlv.value.length === 6) {
          const v = tlv.value;
          const status = v[0]! * 0x1000000 + ((v[1]! << 16) | (v[2]! << 8) | v[3]!);
          const mark: PathMarking = { index: tlv.index, status, statusNames: pathStatusNames(status) };
          pathMarkings.push(v.length === 6 ? { ...mark, reason: (v[4]! << 8) | v[5]! } : mark);
        }
        break;
      default:
        break;
    }
  }
  if (pdu === undefined) return fail(ErrorCode.Form, 'route monitoring (BMP v4): no BGP PDU TLV', at);
  const used = caps.length > 0 ? statelessConfig(cfg, peer, caps) : cfg;
  const r = decodeUpdate(pdu, used);
  const m: { -readonly [K in keyof RouteMonitoring]: RouteMonitoring[K] } = { type: 0, version: 4, peer, pdu, v4Tlvs: tlvs };
  if (r.ok) m.update = r.value;
  else m.bgpError = r.error;
  if (caps.length > 0) m.statelessCapabilities = caps;
  if (vrfName !== undefined) m.vrfName = vrfName;
  if (pathMarkings.length > 0) m.pathMarkings = pathMarkings;
  return ok(m);
}

/**
 * Writes the v4 TLVs: `v4Tlvs` in order when present (the BGP PDU TLV's value from `pdu`, or the
 * UPDATE encoded with cfg when `pdu` is empty); otherwise Stateless Parsing, VRF/Table Name, the
 * BGP PDU and Path Marking TLVs built from the fields.
 */
export function encodeRouteMonitoringV4Body(w: Writer, m: RouteMonitoring, cfg: SessionConfig): void {
  const pdu = (): Uint8Array => (m.pdu.length > 0 || m.update === undefined ? m.pdu : encodeUpdate(m.update, cfg));
  if (m.v4Tlvs !== undefined) {
    let pduWritten = false;
    for (const t of m.v4Tlvs) {
      if (t.type === RouteMonitoringTlvType.BgpPdu && !pduWritten) {
        writeIndexedTlv(w, t.type, t.index, pdu());
        pduWritten = true;
      } else writeIndexedTlv(w, t.type, t.index, t.value);
    }
    if (!pduWritten) writeIndexedTlv(w, RouteMonitoringTlvType.BgpPdu, 0, pdu());
    return;
  }
  if (m.statelessCapabilities !== undefined && m.statelessCapabilities.length > 0) {
    let len = 0;
    for (const cap of m.statelessCapabilities) len += 2 + cap.value.length;
    const v = new Uint8Array(len);
    let p = 0;
    for (const cap of m.statelessCapabilities) {
      if (cap.value.length > 255) throw new RangeError(`capability ${cap.code}: value longer than 255 bytes`);
      v[p] = cap.code;
      v[p + 1] = cap.value.length;
      v.set(cap.value, p + 2);
      p += 2 + cap.value.length;
    }
    writeIndexedTlv(w, RouteMonitoringTlvType.StatelessParsing, 0, v);
  }
  if (m.vrfName !== undefined) writeIndexedTlv(w, RouteMonitoringTlvType.VrfTableName, 0, utf8Bytes(m.vrfName));
  writeIndexedTlv(w, RouteMonitoringTlvType.BgpPdu, 0, pdu());
  for (const pm of m.pathMarkings ?? []) {
    const v = new Uint8Array(pm.reason === undefined ? 4 : 6);
    new DataView(v.buffer).setUint32(0, pm.status >>> 0);
    if (pm.reason !== undefined) new DataView(v.buffer).setUint16(4, pm.reason & 0xffff);
    writeIndexedTlv(w, RouteMonitoringTlvType.PathMarking, pm.index, v);
  }
}

/**
 * The path marking that applies to each announced route of a v4 Route Monitoring, in the order
 * of the UPDATE's IPv4 NLRI field followed by MP_REACH_NLRI's (undefined where none applies):
 * index 0 marks them all, a group index the group's members, any other index the route at that
 * position counting from 1. A later TLV for the same route wins.
 */
export function pathMarkingsByRoute(m: RouteMonitoring): (PathMarking | undefined)[] {
  const u = m.update;
  const marks = m.pathMarkings;
  if (u === undefined) return [];
  const routes: readonly Nlri[][] = [u.nlri as Nlri[], (u.attributes.mpReach?.nlri ?? []) as Nlri[]];
  const count = routes[0]!.length + routes[1]!.length;
  const out = new Array<PathMarking | undefined>(count).fill(undefined);
  if (marks === undefined || count === 0) return out;
  const groups = new Map<number, number[]>();
  for (const t of m.v4Tlvs ?? []) {
    if (t.type !== RouteMonitoringTlvType.Group || (t.index & INDEX_GROUP) === 0) continue;
    const members: number[] = [];
    for (let p = 0; p + 1 < t.value.length; p += 2) members.push((t.value[p]! << 8) | t.value[p + 1]!);
    groups.set(t.index, members);
  }
  for (const pm of marks) {
    if (pm.index === 0) out.fill(pm);
    else if ((pm.index & INDEX_GROUP) !== 0) {
      for (const i of groups.get(pm.index) ?? []) if (i >= 1 && i <= count) out[i - 1] = pm;
    } else if (pm.index <= count) out[pm.index - 1] = pm;
  }
  return out;
}

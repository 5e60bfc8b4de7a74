/**
 * A JSON projection of decoded BMP messages, for tools (`ribwatch decode`) and logs: plain JSON
 * values only. bigint becomes a number when it fits 2^53 exactly, else a decimal string; bytes
 * become lower-case hex; communities are written as text by the BGP layer's formatters
 * ("65001:100", "NO_EXPORT", "rt:65000:100", "65001:1:2"); every object with an AFI and SAFI gains its name (`afiSafi`); message and peer
 * types gain names. Pure: the input is not modified.
 */
import { afiSafiName } from './session.js';
import { formatCommunity, formatExtendedCommunity, formatLargeCommunity } from './bgp/format.js';
import { ribView } from './bmp/header.js';
import { bmpTypeName, peerTypeName } from './bmp/names.js';
import { hex } from './bytes.js';
import type { BmpMessage, PerPeerHeader } from './bmp/types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** "hi:lo", or the IANA well-known name (the BGP layer's formatter; kept here under the name tools use). */
export function communityText(c: number): string {
  return formatCommunity(c >>> 0);
}

const TWO_53 = 2n ** 53n;

/** bigint as a JSON number when exact, else as a string. */
export function bigintJson(v: bigint): number | string {
  return v <= TWO_53 && v >= -TWO_53 ? Number(v) : v.toString();
}

/** Keys that are encoder bookkeeping, not information. */
const OMIT: ReadonlySet<string> = new Set(['wireOrder']);

/** Any decoded value to JSON, by the rules in the module comment. */
export function toJsonValue(v: unknown, key?: string): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return bigintJson(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) {
    if (key === 'communities') return v.map((c) => (typeof c === 'number' ? communityText(c) : toJsonValue(c)));
    if (key === 'largeCommunities') return v.map((c) => (Array.isArray(c) && c.length === 3 ? formatLargeCommunity(c as [number, number, number]) : toJsonValue(c)));
    if (key === 'extendedCommunities') return v.map((c) => (c instanceof Uint8Array ? formatExtendedCommunity(c) : toJsonValue(c)));
    return v.map((x) => toJsonValue(x));
  }
  if (v instanceof Set) return [...(v as Set<unknown>)].map((x) => toJsonValue(x));
  if (v instanceof Map) {
    const o: JsonObject = {};
    for (const [k, x] of v as Map<unknown, unknown>) o[String(k)] = toJsonValue(x, String(k));
    return o;
  }
  if (typeof v === 'object') {
    const src = v as Record<string, unknown>;
    const o: JsonObject = {};
    for (const k of Object.keys(src)) {
      const x = src[k];
      // "addressRaw" beside "address" and the like: the text says it already.
      if (x === undefined || OMIT.has(k) || (k.endsWith('Raw') && k.slice(0, -3) in src)) continue;
      if (k === 'rawNextHop' && Array.isArray(src['nextHops']) && src['nextHops'].length > 0) continue;
      o[k] = toJsonValue(x, k);
    }
    const afi = src['afi'];
    const safi = src['safi'];
    if (typeof afi === 'number' && typeof safi === 'number' && !('afiSafi' in o)) o['afiSafi'] = afiSafiName(afi, safi);
    return o;
  }
  // Only symbols and functions are left: neither occurs in decoded values.
  return typeof v === 'symbol' ? v.toString() : '[function]';
}

export function peerHeaderToJson(peer: PerPeerHeader): JsonObject {
  const o = toJsonValue(peer) as JsonObject;
  o['peerTypeName'] = peerTypeName(peer.peerType);
  o['rib'] = ribView(peer);
  return o;
}

export interface BmpJsonOptions {
  /** Include the BGP PDUs as hex (Route Monitoring's UPDATE, Peer Up's OPENs); a Route Monitoring whose UPDATE failed to decode always has it. */
  readonly raw?: boolean;
}

/**
 * One BMP message as JSON: `type` is the message type name, `peer` the per-peer header (with
 * `peerTypeName` and `rib`), and the message's own fields follow.
 */
export function bmpMessageToJson(msg: BmpMessage, opts: BmpJsonOptions = {}): JsonObject {
  const body = toJsonValue(msg) as JsonObject;
  const out: JsonObject = { type: bmpTypeName(msg.type) };
  if ('peer' in msg) out['peer'] = peerHeaderToJson(msg.peer);
  for (const [k, v] of Object.entries(body)) {
    if (k === 'type' || k === 'peer') continue;
    // PDU bytes ("pdu", "sentOpenPdu", ...) on request, or when the PDU failed to decode.
    if ((k === 'pdu' || k.endsWith('Pdu')) && !opts.raw && !(msg.type === 0 && msg.bgpError !== undefined)) continue;
    out[k] = v;
  }
  return out;
}

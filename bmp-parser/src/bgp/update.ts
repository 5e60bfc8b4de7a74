/**
 * UPDATE message, RFC 4271 §4.3: Withdrawn Routes Length (2), Withdrawn Routes (IPv4 unicast),
 * Total Path Attribute Length (2), Path Attributes, NLRI (IPv4 unicast, the rest of the message).
 *
 * End-of-RIB (RFC 4724 §2): an UPDATE with nothing in it marks the end of IPv4 unicast; one whose
 * only attribute is an MP_UNREACH_NLRI with no withdrawn routes marks the end of that AFI/SAFI.
 * It is flagged with `endOfRib` and is not a withdrawal.
 */
import { ErrorCode, fail, ok } from '../errors.js';
import type { DecodeError, Result } from '../errors.js';
import type { SessionConfig } from '../session.js';
import { decodePathAttributes, encodePathAttributes } from './attributes.js';
import { beginMessage, bgpMessageLength, decodeHeader, finishMessage } from './header.js';
import { Writer } from '../cursor.js';
import { decodePrefixes, decodeNlriField, encodeNlriList, encodeNlriListMode, needsPathIds } from './nlri/index.js';

const IPV4_UNICAST = 0x0101;
import type { BgpUpdate, Nlri, PathAttributes } from './types.js';
import { BgpMessageType } from './types.js';

/** An UPDATE, header included. */
export function decodeUpdate(buf: Uint8Array, cfg: SessionConfig): Result<BgpUpdate> {
  // Fast path without the header Result; decodeHeader says what is wrong otherwise.
  const length = bgpMessageLength(buf);
  if (length >= 19 && length <= buf.length && buf[18] === BgpMessageType.Update) return decodeUpdateBody(buf, 19, length, cfg);
  const h = decodeHeader(buf);
  if (!h.ok) return h;
  return fail(ErrorCode.BgpType, `expected UPDATE (2), got type ${h.value.type}`, 18);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The UPDATE body at `buf[start..end)` (after the header). Error offsets are positions in `buf`. */
export function decodeUpdateBody(buf: Uint8Array, start: number, end: number, cfg: SessionConfig): Result<BgpUpdate> {
  if (end - start < 4) return fail(ErrorCode.Short, `UPDATE body of ${end - start} bytes is shorter than its two length fields`, start);
  const wdLen = (buf[start]! << 8) | buf[start + 1]!;
  const wdStart = start + 2;
  const wdEnd = wdStart + wdLen;
  if (wdEnd + 2 > end) return fail(ErrorCode.Length, `Withdrawn Routes Length ${wdLen} exceeds the UPDATE`, start);
  const attrLen = (buf[wdEnd]! << 8) | buf[wdEnd + 1]!;
  const attrStart = wdEnd + 2;
  const attrEnd = attrStart + attrLen;
  if (attrEnd > end) return fail(ErrorCode.Length, `Total Path Attribute Length ${attrLen} exceeds the UPDATE`, wdEnd);

  let guessed = false;
  let nlriError: DecodeError | undefined;
  let withdrawn: Nlri[] = [];
  if (wdLen > 0) {
    const r = decodeNlriField(buf, wdStart, wdEnd, 1, 1, cfg);
    if (!r.ok) return fail(r.error.code, `Withdrawn Routes: ${r.error.message}`, r.error.offset, r.error.action);
    withdrawn = r.value.nlri;
    guessed = r.value.guessed;
    nlriError = r.value.truncated;
  }
  const a = decodePathAttributes(buf, attrStart, attrEnd, cfg);
  if (!a.ok) return a;
  const attributes = a.value.attributes;
  if (a.value.addPathGuessed) guessed = true;
  nlriError ??= a.value.nlriError;
  let nlri: Nlri[] = [];
  // The hot path: IPv4 NLRI in the configured mode, straight into the array.
  const v4AddPath = cfg.addPath.size > 0 && cfg.addPath.has(IPV4_UNICAST);
  if (attrEnd < end && decodePrefixes(buf, attrEnd, end, v4AddPath, false, nlri) >= 0) {
    nlri = [];
    const r = decodeNlriField(buf, attrEnd, end, 1, 1, cfg);
    if (!r.ok) return fail(r.error.code, `NLRI: ${r.error.message}`, r.error.offset, r.error.action);
    nlri = r.value.nlri;
    if (r.value.guessed) guessed = true;
    nlriError ??= r.value.truncated;
  }
  const update: Mutable<BgpUpdate> = { withdrawn, attributes, nlri };
  if (wdLen === 0 && attrEnd === end) {
    if (attrLen === 0) update.endOfRib = { afi: 1, safi: 1 };
    else {
      const u = attributes.mpUnreach;
      if (u !== undefined && u.withdrawn.length === 0 && (u.rawNlri === undefined || u.rawNlri.length === 0) && attributes.wireOrder?.length === 1) {
        update.endOfRib = { afi: u.afi, safi: u.safi };
      }
    }
  }
  if (a.value.action !== undefined) update.action = a.value.action;
  if (guessed) update.addPathGuessed = true;
  if (nlriError !== undefined) update.nlriError = nlriError;
  return ok(update);
}

/** What encodeUpdate needs: an UPDATE as decoded, or built by hand (no `other`, no raw fields). */
export type UpdateInput = Omit<BgpUpdate, 'attributes'> & { readonly attributes: Omit<BgpUpdate['attributes'], 'other'> & { other?: BgpUpdate['attributes']['other'] } };

/**
 * An UPDATE, header included. Path identifiers are written for a family when the session has
 * ADD-PATH for it or any of its Nlri carries one. Throws RangeError for input that cannot be
 * encoded (bad prefix text, message over 65535 bytes).
 */
export function encodeUpdate(u: UpdateInput, cfg: SessionConfig): Uint8Array {
  const w = beginMessage(BgpMessageType.Update, 256);
  const wdAt = w.pos;
  w.u16(0);
  encodeNlriList(w, 1, 1, u.withdrawn, cfg);
  w.patch16(wdAt, w.pos - wdAt - 2);
  const attrAt = w.pos;
  w.u16(0);
  const attrs = u.attributes.other === undefined ? { ...u.attributes, other: [] } : (u.attributes as BgpUpdate['attributes']);
  encodePathAttributes(w, attrs, cfg);
  const attrLen = w.pos - attrAt - 2;
  if (attrLen > 0xffff) throw new RangeError(`path attributes of ${attrLen} bytes exceed 65535`);
  w.patch16(attrAt, attrLen);
  encodeNlriList(w, 1, 1, u.nlri, cfg);
  return finishMessage(w);
}

/** An End-of-RIB marker (RFC 4724 §2) for a family. */
export function encodeEndOfRib(afi: number, safi: number): Uint8Array {
  if (afi === 1 && safi === 1) return encodeUpdate({ withdrawn: [], nlri: [], attributes: {} }, { fourOctetAs: true, addPath: new Set() });
  return encodeUpdate({ withdrawn: [], nlri: [], attributes: { mpUnreach: { afi, safi, withdrawn: [] } } }, { fourOctetAs: true, addPath: new Set() });
}


/** What {@link encodeUpdates} packs: one family's routes, announced with shared attributes or withdrawn. */
export interface UpdateBatch {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: readonly Nlri[];
  /** Withdraw `nlri` (Withdrawn Routes for IPv4 unicast, else MP_UNREACH_NLRI); attributes are then ignored. */
  readonly withdraw?: boolean;
  /** Attributes shared by every message (mpReach/mpUnreach are built here and must be absent). */
  readonly attributes?: Omit<PathAttributes, 'other' | 'mpReach' | 'mpUnreach'> & { other?: PathAttributes['other'] };
  /** MP_REACH next hops for families other than IPv4 unicast. */
  readonly nextHops?: readonly string[];
}

/**
 * Packs a family's routes into as few UPDATEs as fit in `maxLength` bytes each (4096, or up to
 * 65535 with RFC 8654), in order: how a speaker sends a table dump, for the simulator and
 * benchmarks. IPv4 unicast goes in the NLRI / Withdrawn Routes fields, the rest in MP_REACH /
 * MP_UNREACH. Throws RangeError when one route alone does not fit.
 */
export function encodeUpdates(batch: UpdateBatch, cfg: SessionConfig, maxLength = 4096): Uint8Array[] {
  const { afi, safi, nlri } = batch;
  const addPath = needsPathIds(nlri, afi, safi, cfg);
  // Every route's bytes once, with its end offset, then cut into runs that fit.
  const all = new Writer(Math.max(64, nlri.length * 8));
  const ends: number[] = new Array<number>(nlri.length);
  for (let i = 0; i < nlri.length; i++) {
    encodeNlriListMode(all, afi, safi, [nlri[i]!], addPath);
    ends[i] = all.pos;
  }
  const bytes = all.finish();
  const v4 = afi === 1 && safi === 1;
  const attrs = { ...(batch.attributes ?? {}), other: batch.attributes?.other ?? [] };
  // The message around an empty run; MP attributes get the 2-octet length once they pass 255 bytes.
  const shell = (run: Uint8Array): Uint8Array => {
    if (v4) {
      const u: UpdateInput = batch.withdraw ? { withdrawn: [], nlri: [], attributes: { other: [] } } : { withdrawn: [], nlri: [], attributes: attrs };
      const m = encodeUpdate(u, cfg);
      if (!batch.withdraw) return concatNlri(m, run);
      // Withdrawn Routes sit before the attributes: rebuild the body.
      const out = new Uint8Array(19 + 4 + run.length);
      out.set(m.subarray(0, 19));
      out[19] = run.length >>> 8;
      out[20] = run.length & 255;
      out.set(run, 21);
      out[16] = out.length >>> 8;
      out[17] = out.length & 255;
      return out;
    }
    const a: UpdateInput['attributes'] = batch.withdraw
      ? { other: [], mpUnreach: { afi, safi, withdrawn: [], rawNlri: run } }
      : { ...attrs, mpReach: { afi, safi, nextHops: batch.nextHops ?? [], nlri: [], rawNlri: run } };
    return encodeUpdate({ withdrawn: [], nlri: [], attributes: a }, cfg);
  };
  const overhead = shell(new Uint8Array(0)).length + 1;
  const out: Uint8Array[] = [];
  let start = 0;
  let startByte = 0;
  while (start < nlri.length) {
    let end = start;
    while (end < nlri.length && overhead + ends[end]! - startByte <= maxLength) end++;
    if (end === start) throw new RangeError(`route ${nlri[start]!.prefix} does not fit in a ${maxLength}-byte UPDATE`);
    const endByte = ends[end - 1]!;
    out.push(shell(bytes.subarray(startByte, endByte)));
    start = end;
    startByte = endByte;
  }
  return out;
}

function concatNlri(m: Uint8Array, run: Uint8Array): Uint8Array {
  const out = new Uint8Array(m.length + run.length);
  out.set(m);
  out.set(run, m.length);
  out[16] = out.length >>> 8;
  out[17] = out.length & 255;
  return out;
}

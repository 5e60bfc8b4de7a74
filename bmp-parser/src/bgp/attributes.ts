/**
 * Path attributes, RFC 4271 §4.3: flags (Optional 0x80, Transitive 0x40, Partial 0x20, Extended
 * Length 0x10), type code, length (1 octet, or 2 with Extended Length), value.
 *
 * Known attributes are decoded into {@link PathAttributes}; unknown ones are kept raw and
 * re-encoded unchanged, flags included. RFC 7606 error handling: a malformed known attribute goes
 * to `other` with its bytes and an `error` naming the approach (treat-as-withdraw for the ones
 * that affect route selection, attribute-discard for the informational ones, §7), and the rest of
 * the UPDATE still decodes. A duplicate keeps the first (§3 g). Only a broken MP_REACH_NLRI or
 * MP_UNREACH_NLRI fails the UPDATE, since then its NLRI cannot be located (§5.3).
 */
import { Writer } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { DecodeError, ErrorAction, Result } from '../errors.js';
import type { SessionConfig } from '../session.js';
import { formatIPv4, parseIPv4Into } from '../address.js';
import { decodeAsPath, encodeAsPath } from './as-path.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp-reach.js';
import type { Aggregator, AsPathSegment, PathAttributes, RawAttribute } from './types.js';
import { AttrCode } from './types.js';

export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

/** Flags a speaker normally sends for each known attribute (RFC 4271 §5, and each attribute's RFC). */
export const DEFAULT_ATTR_FLAGS: Readonly<Record<number, number>> = {
  1: 0x40,
  2: 0x40,
  3: 0x40,
  4: 0x80,
  5: 0x40,
  6: 0x40,
  7: 0xc0,
  8: 0xc0,
  9: 0x80,
  10: 0x80,
  14: 0x80,
  15: 0x80,
  16: 0xc0,
  17: 0xc0,
  18: 0xc0,
  32: 0xc0,
};

/** IANA "BGP Path Attributes" names for the codes seen in practice; others are "unknown". */
export const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  22: 'PMSI_TUNNEL',
  23: 'TUNNEL_ENCAPSULATION',
  25: 'IPV6_EXTENDED_COMMUNITIES',
  26: 'AIGP',
  27: 'PE_DISTINGUISHER_LABELS',
  29: 'BGP_LS',
  32: 'LARGE_COMMUNITY',
  33: 'BGPSEC_PATH',
  35: 'OTC',
  40: 'PREFIX_SID',
  128: 'ATTR_SET',
};

export function attributeName(code: number): string {
  return ATTRIBUTE_NAMES[code] ?? 'unknown';
}

/** Encoding order when a structure has no wire layout: by type code. */
const KNOWN_CODES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32];

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  /** The strongest RFC 7606 approach the attribute errors call for. */
  readonly action?: 'treat-as-withdraw' | 'attribute-discard';
  /** MP_REACH/MP_UNREACH path identifiers were decided by trial parsing. */
  readonly addPathGuessed: boolean;
  /** An MP_REACH/MP_UNREACH NLRI field ended inside its last NLRI. */
  readonly nlriError?: DecodeError;
}

/** Duplicate detection without a per-UPDATE allocation: seen[code] === generation. */
const seen = new Uint32Array(256);
let generation = 0;

function u32(v: Uint8Array, p: number): number {
  return v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!);
}

/** RFC 7606 §7 approach for a malformed attribute of this type code. */
export function malformedAction(code: number): ErrorAction {
  switch (code) {
    case AttrCode.AtomicAggregate:
    case AttrCode.Aggregator:
    case AttrCode.As4Path:
    case AttrCode.As4Aggregator:
      return 'attribute-discard';
    default:
      return 'treat-as-withdraw';
  }
}

/** The ASN width (2 or 4) of the first AGGREGATOR in an attribute block, from its length (6 or 8). */
function aggregatorWireSize(b: Uint8Array, start: number, end: number): 2 | 4 | undefined {
  let p = start;
  while (p + 3 <= end) {
    const flags = b[p]!;
    const code = b[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    if (ext && p + 4 > end) return undefined;
    const len = ext ? (b[p + 2]! << 8) | b[p + 3]! : b[p + 2]!;
    if (code === AttrCode.Aggregator) return len === 8 ? 4 : len === 6 ? 2 : undefined;
    p += (ext ? 4 : 3) + len;
  }
  return undefined;
}

function aggregatorOf(b: Uint8Array, p: number, len: number): Aggregator | undefined {
  if (len === 8) return { asn: u32(b, p), address: formatIPv4(b, p + 4) };
  if (len === 6) return { asn: (b[p]! << 8) | b[p + 1]!, address: formatIPv4(b, p + 2) };
  return undefined;
}

function ipv4List(b: Uint8Array, p: number, len: number): string[] | undefined {
  if (len % 4 !== 0) return undefined;
  const out = new Array<string>(len >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = formatIPv4(b, p + i * 4);
  return out;
}

/**
 * Decodes the Path Attributes field `b[start..end)`. Fails only for a broken MP_REACH/MP_UNREACH
 * (RW_ERR_ATTRIBUTE) or their NLRI (RW_ERR_NLRI).
 */
export function decodePathAttributes(b: Uint8Array, start: number, end: number, cfg: SessionConfig): Result<DecodedAttributes> {
  const attrs: PathAttributes = { other: [] };
  const wire: number[] = [];
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  const g = generation;
  let action: ErrorAction = 'none';
  let guessed = false;
  let nlriError: DecodeError | undefined;
  let pos = start;
  while (pos < end) {
    const flags = b[pos]!;
    const hdr = flags & AttrFlag.ExtendedLength ? 4 : 3;
    if (end - pos < hdr) {
      // RFC 7606 §4: the attribute header runs past the field.
      const error: DecodeError = { code: ErrorCode.Attribute, message: 'path attribute header is cut', offset: pos, action: 'treat-as-withdraw' };
      attrs.other.push({ flags, code: end - pos > 1 ? b[pos + 1]! : 0, value: b.subarray(Math.min(pos + 2, end), end), error });
      wire.push(0x10000 | (flags << 8) | (end - pos > 1 ? b[pos + 1]! : 0));
      action = 'treat-as-withdraw';
      break;
    }
    const code = b[pos + 1]!;
    const len = hdr === 4 ? (b[pos + 2]! << 8) | b[pos + 3]! : b[pos + 2]!;
    if (end - pos - hdr < len) {
      if (code === AttrCode.MpReachNlri || code === AttrCode.MpUnreachNlri) {
        return fail(ErrorCode.Attribute, `attribute ${code} length ${len} exceeds the path attributes`, pos, 'session-reset');
      }
      const error: DecodeError = { code: ErrorCode.Attribute, message: `attribute ${code} length ${len} exceeds the path attributes`, offset: pos, action: 'treat-as-withdraw' };
      attrs.other.push({ flags, code, value: b.subarray(pos + hdr, end), error });
      wire.push(0x10000 | (flags << 8) | code);
      action = 'treat-as-withdraw';
      break;
    }
    const at = pos;
    // The value is b[vs..ve); a subarray view is made only where one is kept (raw, MP, extended communities).
    const vs = pos + hdr;
    const ve = vs + len;
    pos = ve;

    if (seen[code] === g) {
      const error: DecodeError = { code: ErrorCode.Attribute, message: `duplicate attribute ${code}; the first is kept`, offset: at, action: 'attribute-discard' };
      attrs.other.push({ flags, code, value: b.subarray(vs, ve), error });
      wire.push(0x10000 | (flags << 8) | code);
      if (action === 'none') action = 'attribute-discard';
      continue;
    }
    seen[code] = g;

    let bad: string | undefined;
    switch (code) {
      case AttrCode.Origin:
        if (len === 1 && b[vs]! <= 2) attrs.origin = b[vs]!;
        else bad = 'ORIGIN must be one octet of 0, 1 or 2';
        break;
      case AttrCode.AsPath: {
        const four = cfg.fourOctetAs;
        let segs = decodeAsPath(b, four ? 4 : 2, vs, ve);
        let two = !four;
        if (segs === undefined && cfg.trialParse !== false) {
          // 6WIND/FRR have sent 2-octet AS_PATHs on 4-octet sessions; peers without Peer Up may be either.
          segs = decodeAsPath(b, four ? 2 : 4, vs, ve);
          two = four;
        }
        if (segs === undefined) bad = 'AS_PATH does not parse';
        else {
          attrs.asPath = segs;
          // true: read as 2-octet; false: read as 4-octet although the session said 2; absent: as the session said (4).
          if (two) attrs.twoOctetAs = true;
          else if (!four) attrs.twoOctetAs = false;
        }
        break;
      }
      case AttrCode.NextHop:
        if (len === 4) attrs.nextHop = formatIPv4(b, vs);
        else bad = `NEXT_HOP length ${len} is not 4`;
        break;
      case AttrCode.Med:
        if (len === 4) attrs.med = u32(b, vs);
        else bad = `MULTI_EXIT_DISC length ${len} is not 4`;
        break;
      case AttrCode.LocalPref:
        if (len === 4) attrs.localPref = u32(b, vs);
        else bad = `LOCAL_PREF length ${len} is not 4`;
        break;
      case AttrCode.AtomicAggregate:
        if (len === 0) attrs.atomicAggregate = true;
        else bad = `ATOMIC_AGGREGATE length ${len} is not 0`;
        break;
      case AttrCode.Aggregator: {
        // Read by its length (lenient); its width is checked against the encoder's choice once AS_PATH is known (below).
        const a = aggregatorOf(b, vs, len);
        if (a) attrs.aggregator = a;
        else bad = `AGGREGATOR length ${len} is not 6 or 8`;
        break;
      }
      case AttrCode.Communities:
        if (len % 4 === 0) {
          const c = new Array<number>(len >>> 2);
          for (let i = 0; i < c.length; i++) c[i] = u32(b, vs + i * 4);
          attrs.communities = c;
        } else bad = `COMMUNITIES length ${len} is not a multiple of 4`;
        break;
      case AttrCode.OriginatorId:
        if (len === 4) attrs.originatorId = formatIPv4(b, vs);
        else bad = `ORIGINATOR_ID length ${len} is not 4`;
        break;
      case AttrCode.ClusterList: {
        const l = ipv4List(b, vs, len);
        if (l) attrs.clusterList = l;
        else bad = `CLUSTER_LIST length ${len} is not a multiple of 4`;
        break;
      }
      case AttrCode.MpReachNlri: {
        const r = decodeMpReach(b.subarray(vs, ve), cfg, vs);
        if (!r.ok) return r;
        attrs.mpReach = r.value.value;
        if (r.value.guessed) guessed = true;
        nlriError ??= r.value.truncated;
        break;
      }
      case AttrCode.MpUnreachNlri: {
        const r = decodeMpUnreach(b.subarray(vs, ve), cfg, vs);
        if (!r.ok) return r;
        attrs.mpUnreach = r.value.value;
        if (r.value.guessed) guessed = true;
        nlriError ??= r.value.truncated;
        break;
      }
      case AttrCode.ExtendedCommunities:
        if (len % 8 === 0) {
          const c = new Array<Uint8Array>(len >>> 3);
          for (let i = 0; i < c.length; i++) c[i] = b.subarray(vs + i * 8, vs + i * 8 + 8);
          attrs.extendedCommunities = c;
        } else bad = `EXTENDED_COMMUNITIES length ${len} is not a multiple of 8`;
        break;
      case AttrCode.As4Path: {
        const segs = decodeAsPath(b, 4, vs, ve);
        if (segs) attrs.as4Path = segs;
        else bad = 'AS4_PATH does not parse';
        break;
      }
      case AttrCode.As4Aggregator:
        if (len === 8) attrs.as4Aggregator = { asn: u32(b, vs), address: formatIPv4(b, vs + 4) };
        else bad = `AS4_AGGREGATOR length ${len} is not 8`;
        break;
      case AttrCode.LargeCommunities:
        if (len % 12 === 0) {
          const c = new Array<[number, number, number]>(len / 12);
          for (let i = 0; i < c.length; i++) c[i] = [u32(b, vs + i * 12), u32(b, vs + i * 12 + 4), u32(b, vs + i * 12 + 8)];
          attrs.largeCommunities = c;
        } else bad = `LARGE_COMMUNITY length ${len} is not a multiple of 12`;
        break;
      default: {
        attrs.other.push({ flags, code, value: b.subarray(vs, ve) });
        wire.push(0x10000 | (flags << 8) | code);
        continue;
      }
    }
    if (bad !== undefined) {
      const a = malformedAction(code);
      attrs.other.push({ flags, code, value: b.subarray(vs, ve), error: { code: ErrorCode.Attribute, message: bad, offset: at, action: a } });
      wire.push(0x10000 | (flags << 8) | code);
      if (a === 'treat-as-withdraw' || action === 'none') action = a;
      // A later good copy must not count as a duplicate of a malformed one.
      seen[code] = 0;
    } else {
      wire.push((flags << 8) | code);
    }
  }
  attrs.wireOrder = wire;
  const agg = attrs.aggregator;
  if (agg !== undefined) {
    // Some speakers send an AGGREGATOR wider or narrower than the session's ASNs: keep the wire width
    // when it is not the one the encoder would pick (the same rule as encodeAttributes: AS_PATH's width, else the session's).
    const encoderSize = attrs.twoOctetAs === true ? 2 : attrs.twoOctetAs === false ? 4 : cfg.fourOctetAs ? 4 : 2;
    const wireSize = aggregatorWireSize(b, start, end);
    if (wireSize !== undefined && wireSize !== encoderSize) attrs.aggregator = { ...agg, wireAsnSize: wireSize };
  }
  const out: { -readonly [K in keyof DecodedAttributes]: DecodedAttributes[K] } = { attributes: attrs, addPathGuessed: guessed };
  if (action === 'treat-as-withdraw' || action === 'attribute-discard') out.action = action;
  if (nlriError !== undefined) out.nlriError = nlriError;
  return ok(out);
}

/** Whether the structure holds a value for a known type code. */
function hasKnown(a: PathAttributes, code: number): boolean {
  switch (code) {
    case 1:
      return a.origin !== undefined;
    case 2:
      return a.asPath !== undefined;
    case 3:
      return a.nextHop !== undefined;
    case 4:
      return a.med !== undefined;
    case 5:
      return a.localPref !== undefined;
    case 6:
      return a.atomicAggregate === true;
    case 7:
      return a.aggregator !== undefined;
    case 8:
      return a.communities !== undefined;
    case 9:
      return a.originatorId !== undefined;
    case 10:
      return a.clusterList !== undefined;
    case 14:
      return a.mpReach !== undefined;
    case 15:
      return a.mpUnreach !== undefined;
    case 16:
      return a.extendedCommunities !== undefined;
    case 17:
      return a.as4Path !== undefined;
    case 18:
      return a.as4Aggregator !== undefined;
    case 32:
      return a.largeCommunities !== undefined;
    default:
      return false;
  }
}

function ipv4Bytes(w: Writer, text: string, what: string): void {
  const b = new Uint8Array(4);
  if (!parseIPv4Into(text, b)) throw new RangeError(`${what} "${text}" is not an IPv4 address`);
  w.bytes(b);
}

function writeAggregator(w: Writer, a: Aggregator, asnSize: 2 | 4): void {
  if (asnSize === 2) {
    if (a.asn > 0xffff) throw new RangeError(`AGGREGATOR ASN ${a.asn} does not fit 2 octets`);
    w.u16(a.asn);
  } else w.u32(a.asn);
  ipv4Bytes(w, a.address, 'aggregator address');
}

function writeSegments(w: Writer, s: readonly AsPathSegment[], size: 2 | 4): void {
  encodeAsPath(w, s, size);
}

/** The value of a known attribute (the structure must hold it: see hasKnown). */
function knownValue(a: PathAttributes, code: number, cfg: SessionConfig): Uint8Array {
  const w = new Writer(64);
  const asnSize: 2 | 4 = a.twoOctetAs === true ? 2 : a.twoOctetAs === false ? 4 : cfg.fourOctetAs ? 4 : 2;
  switch (code) {
    case 1:
      w.u8(a.origin!);
      break;
    case 2:
      writeSegments(w, a.asPath!, asnSize);
      break;
    case 3:
      ipv4Bytes(w, a.nextHop!, 'NEXT_HOP');
      break;
    case 4:
      w.u32(a.med!);
      break;
    case 5:
      w.u32(a.localPref!);
      break;
    case 6:
      break;
    case 7:
      writeAggregator(w, a.aggregator!, a.aggregator!.wireAsnSize ?? asnSize);
      break;
    case 8:
      for (const c of a.communities!) w.u32(c);
      break;
    case 9:
      ipv4Bytes(w, a.originatorId!, 'ORIGINATOR_ID');
      break;
    case 10:
      for (const c of a.clusterList!) ipv4Bytes(w, c, 'CLUSTER_LIST id');
      break;
    case 14:
      encodeMpReach(w, a.mpReach!, cfg);
      break;
    case 15:
      encodeMpUnreach(w, a.mpUnreach!, cfg);
      break;
    case 16:
      for (const c of a.extendedCommunities!) {
        if (c.length !== 8) throw new RangeError(`extended community of ${c.length} bytes is not 8`);
        w.bytes(c);
      }
      break;
    case 17:
      writeSegments(w, a.as4Path!, 4);
      break;
    case 18:
      writeAggregator(w, a.as4Aggregator!, 4);
      break;
    case 32:
      for (const [x, y, z] of a.largeCommunities!) w.u32(x).u32(y).u32(z);
      break;
    default:
      throw new RangeError(`attribute ${code} is not a known one`);
  }
  return w.finish();
}

function writeAttr(w: Writer, flags: number, code: number, value: Uint8Array): void {
  if (value.length > 0xffff) throw new RangeError(`attribute ${code} of ${value.length} bytes exceeds 65535`);
  const ext = (flags & AttrFlag.ExtendedLength) !== 0 || value.length > 255;
  const f = ext ? flags | AttrFlag.ExtendedLength : flags;
  w.u8(f).u8(code);
  if (ext) w.u16(value.length);
  else w.u8(value.length);
  w.bytes(value);
}

function writeRaw(w: Writer, r: RawAttribute): void {
  // A raw attribute is written as it came: its own Extended Length bit decides the length size.
  if ((r.flags & AttrFlag.ExtendedLength) === 0 && r.value.length > 255) throw new RangeError(`raw attribute ${r.code} of ${r.value.length} bytes lacks the Extended Length flag`);
  writeAttr(w, r.flags, r.code, r.value);
}

/**
 * Writes the Path Attributes field. With `wireOrder` (a decoded UPDATE) the attributes come back in
 * their order and with their flags; attributes added since then follow in type-code order.
 */
export function encodePathAttributes(w: Writer, a: PathAttributes, cfg: SessionConfig): void {
  const done = new Uint8Array(256);
  let k = 0;
  if (a.wireOrder !== undefined) {
    for (const e of a.wireOrder) {
      const code = e & 0xff;
      const flags = (e >>> 8) & 0xff;
      if (e & 0x10000) {
        const r = a.other[k];
        if (r !== undefined) {
          writeRaw(w, r);
          k++;
        }
        continue;
      }
      if (done[code] || !hasKnown(a, code)) continue;
      done[code] = 1;
      writeAttr(w, flags, code, knownValue(a, code, cfg));
    }
  }
  for (const code of KNOWN_CODES) {
    if (done[code] || !hasKnown(a, code)) continue;
    done[code] = 1;
    writeAttr(w, DEFAULT_ATTR_FLAGS[code] ?? 0xc0, code, knownValue(a, code, cfg));
  }
  for (; k < a.other.length; k++) writeRaw(w, a.other[k]!);
}

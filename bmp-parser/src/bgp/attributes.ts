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
import type { Aggregator, PathAttributes, RawAttribute } from './types.js';
import { AttrCode } from './types.js';

export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

/** What decoding one attribute needs besides its bytes, and what it reports beyond the attribute. */
interface DecodeContext {
  cfg: SessionConfig;
  /** MP_REACH/MP_UNREACH path identifiers were decided by trial parsing. */
  guessed: boolean;
  nlriError: DecodeError | undefined;
  /** Set by MP_REACH/MP_UNREACH when the UPDATE cannot be decoded (RFC 7606 §5.3). */
  failure: Result<never> | undefined;
}

interface EncodeContext {
  readonly cfg: SessionConfig;
  /** The AS number width of AS_PATH and AGGREGATOR: the width they were read with, else the session's. */
  readonly asnSize: 2 | 4;
}

/** How ribwatch decodes and encodes one known path attribute. */
export interface AttributeCodec {
  /** The flags a speaker normally sends (RFC 4271 §5 and the attribute's RFC). */
  readonly flags: number;
  /** RFC 7606 §7 approach when it is malformed. */
  readonly malformed: 'treat-as-withdraw' | 'attribute-discard';
  /** Stores the value `b[vs..ve)` in `out`; returns why it is malformed instead, or undefined. */
  decode(b: Uint8Array, vs: number, ve: number, out: PathAttributes, cx: DecodeContext): string | undefined;
  /** Whether `a` holds a value for it. */
  has(a: PathAttributes): boolean;
  /** Writes the value (`has` is true). */
  encode(w: Writer, a: PathAttributes, cx: EncodeContext): void;
}

/** One row of the path attribute table: the IANA name, and the codec for the attributes ribwatch decodes. */
export interface PathAttributeType {
  readonly code: number;
  readonly name: string;
  readonly codec?: AttributeCodec;
}

function u32(v: Uint8Array, p: number): number {
  return v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!);
}

function aggregatorOf(b: Uint8Array, p: number, len: number): Aggregator | undefined {
  if (len === 8) return { asn: u32(b, p), address: formatIPv4(b, p + 4) };
  if (len === 6) return { asn: (b[p]! << 8) | b[p + 1]!, address: formatIPv4(b, p + 2) };
  return undefined;
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

/**
 * The IANA "BGP Path Attributes" registry as far as ribwatch names or decodes it, in code order.
 * Attributes without a codec are kept raw and re-encoded unchanged; codes not listed are "unknown".
 */
export const PATH_ATTRIBUTES: readonly PathAttributeType[] = [
  {
    code: AttrCode.Origin,
    name: 'ORIGIN',
    codec: {
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        if (ve - vs !== 1 || b[vs]! > 2) return 'ORIGIN must be one octet of 0, 1 or 2';
        out.origin = b[vs]!;
        return undefined;
      },
      has: (a) => a.origin !== undefined,
      encode: (w, a) => void w.u8(a.origin!),
    },
  },
  {
    code: AttrCode.AsPath,
    name: 'AS_PATH',
    codec: {
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out, cx) {
        const four = cx.cfg.fourOctetAs;
        let segs = decodeAsPath(b, four ? 4 : 2, vs, ve);
        let two = !four;
        if (segs === undefined && cx.cfg.trialParse !== false) {
          // 6WIND/FRR have sent 2-octet AS_PATHs on 4-octet sessions; peers without Peer Up may be either.
          segs = decodeAsPath(b, four ? 2 : 4, vs, ve);
          two = four;
        }
        if (segs === undefined) return 'AS_PATH does not parse';
        out.asPath = segs;
        // true: read as 2-octet; false: read as 4-octet although the session said 2; absent: as the session said (4).
        if (two) out.twoOctetAs = true;
        else if (!four) out.twoOctetAs = false;
        return undefined;
      },
      has: (a) => a.asPath !== undefined,
      encode: (w, a, cx) => encodeAsPath(w, a.asPath!, cx.asnSize),
    },
  },
  {
    code: AttrCode.NextHop,
    name: 'NEXT_HOP',
    codec: {
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        if (ve - vs !== 4) return `NEXT_HOP length ${ve - vs} is not 4`;
        out.nextHop = formatIPv4(b, vs);
        return undefined;
      },
      has: (a) => a.nextHop !== undefined,
      encode: (w, a) => ipv4Bytes(w, a.nextHop!, 'NEXT_HOP'),
    },
  },
  {
    code: AttrCode.Med,
    name: 'MULTI_EXIT_DISC',
    codec: {
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        if (ve - vs !== 4) return `MULTI_EXIT_DISC length ${ve - vs} is not 4`;
        out.med = u32(b, vs);
        return undefined;
      },
      has: (a) => a.med !== undefined,
      encode: (w, a) => void w.u32(a.med!),
    },
  },
  {
    code: AttrCode.LocalPref,
    name: 'LOCAL_PREF',
    codec: {
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        if (ve - vs !== 4) return `LOCAL_PREF length ${ve - vs} is not 4`;
        out.localPref = u32(b, vs);
        return undefined;
      },
      has: (a) => a.localPref !== undefined,
      encode: (w, a) => void w.u32(a.localPref!),
    },
  },
  {
    code: AttrCode.AtomicAggregate,
    name: 'ATOMIC_AGGREGATE',
    codec: {
      flags: 0x40,
      malformed: 'attribute-discard',
      decode(_b, vs, ve, out) {
        if (ve - vs !== 0) return `ATOMIC_AGGREGATE length ${ve - vs} is not 0`;
        out.atomicAggregate = true;
        return undefined;
      },
      has: (a) => a.atomicAggregate === true,
      encode: () => undefined,
    },
  },
  {
    code: AttrCode.Aggregator,
    name: 'AGGREGATOR',
    codec: {
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode(b, vs, ve, out) {
        // Read by its length (lenient); its width is checked against the encoder's choice once AS_PATH is known (decodePathAttributes).
        const a = aggregatorOf(b, vs, ve - vs);
        if (a === undefined) return `AGGREGATOR length ${ve - vs} is not 6 or 8`;
        out.aggregator = a;
        return undefined;
      },
      has: (a) => a.aggregator !== undefined,
      encode: (w, a, cx) => writeAggregator(w, a.aggregator!, a.aggregator!.wireAsnSize ?? cx.asnSize),
    },
  },
  {
    code: AttrCode.Communities,
    name: 'COMMUNITIES',
    codec: {
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        const len = ve - vs;
        if (len % 4 !== 0) return `COMMUNITIES length ${len} is not a multiple of 4`;
        const c = new Array<number>(len / 4);
        for (let i = 0; i < c.length; i++) c[i] = u32(b, vs + i * 4);
        out.communities = c;
        return undefined;
      },
      has: (a) => a.communities !== undefined,
      encode(w, a) {
        for (const c of a.communities!) w.u32(c);
      },
    },
  },
  {
    code: AttrCode.OriginatorId,
    name: 'ORIGINATOR_ID',
    codec: {
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        if (ve - vs !== 4) return `ORIGINATOR_ID length ${ve - vs} is not 4`;
        out.originatorId = formatIPv4(b, vs);
        return undefined;
      },
      has: (a) => a.originatorId !== undefined,
      encode: (w, a) => ipv4Bytes(w, a.originatorId!, 'ORIGINATOR_ID'),
    },
  },
  {
    code: AttrCode.ClusterList,
    name: 'CLUSTER_LIST',
    codec: {
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        const len = ve - vs;
        if (len % 4 !== 0) return `CLUSTER_LIST length ${len} is not a multiple of 4`;
        const c = new Array<string>(len / 4);
        for (let i = 0; i < c.length; i++) c[i] = formatIPv4(b, vs + i * 4);
        out.clusterList = c;
        return undefined;
      },
      has: (a) => a.clusterList !== undefined,
      encode(w, a) {
        for (const c of a.clusterList!) ipv4Bytes(w, c, 'CLUSTER_LIST id');
      },
    },
  },
  {
    code: AttrCode.MpReachNlri,
    name: 'MP_REACH_NLRI',
    codec: {
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out, cx) {
        const r = decodeMpReach(b.subarray(vs, ve), cx.cfg, vs);
        if (!r.ok) {
          cx.failure = r;
          return undefined;
        }
        out.mpReach = r.value.value;
        if (r.value.guessed) cx.guessed = true;
        cx.nlriError ??= r.value.truncated;
        return undefined;
      },
      has: (a) => a.mpReach !== undefined,
      encode: (w, a, cx) => encodeMpReach(w, a.mpReach!, cx.cfg),
    },
  },
  {
    code: AttrCode.MpUnreachNlri,
    name: 'MP_UNREACH_NLRI',
    codec: {
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out, cx) {
        const r = decodeMpUnreach(b.subarray(vs, ve), cx.cfg, vs);
        if (!r.ok) {
          cx.failure = r;
          return undefined;
        }
        out.mpUnreach = r.value.value;
        if (r.value.guessed) cx.guessed = true;
        cx.nlriError ??= r.value.truncated;
        return undefined;
      },
      has: (a) => a.mpUnreach !== undefined,
      encode: (w, a, cx) => encodeMpUnreach(w, a.mpUnreach!, cx.cfg),
    },
  },
  {
    code: AttrCode.ExtendedCommunities,
    name: 'EXTENDED_COMMUNITIES',
    codec: {
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        const len = ve - vs;
        if (len % 8 !== 0) return `EXTENDED_COMMUNITIES length ${len} is not a multiple of 8`;
        const c = new Array<Uint8Array>(len / 8);
        for (let i = 0; i < c.length; i++) c[i] = b.subarray(vs + i * 8, vs + i * 8 + 8);
        out.extendedCommunities = c;
        return undefined;
      },
      has: (a) => a.extendedCommunities !== undefined,
      encode(w, a) {
        for (const c of a.extendedCommunities!) {
          if (c.length !== 8) throw new RangeError(`extended community of ${c.length} bytes is not 8`);
          w.bytes(c);
        }
      },
    },
  },
  {
    code: AttrCode.As4Path,
    name: 'AS4_PATH',
    codec: {
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode(b, vs, ve, out) {
        const segs = decodeAsPath(b, 4, vs, ve);
        if (segs === undefined) return 'AS4_PATH does not parse';
        out.as4Path = segs;
        return undefined;
      },
      has: (a) => a.as4Path !== undefined,
      encode: (w, a) => encodeAsPath(w, a.as4Path!, 4),
    },
  },
  {
    code: AttrCode.As4Aggregator,
    name: 'AS4_AGGREGATOR',
    codec: {
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode(b, vs, ve, out) {
        if (ve - vs !== 8) return `AS4_AGGREGATOR length ${ve - vs} is not 8`;
        out.as4Aggregator = { asn: u32(b, vs), address: formatIPv4(b, vs + 4) };
        return undefined;
      },
      has: (a) => a.as4Aggregator !== undefined,
      encode: (w, a) => writeAggregator(w, a.as4Aggregator!, 4),
    },
  },
  { code: 22, name: 'PMSI_TUNNEL' },
  { code: 23, name: 'TUNNEL_ENCAPSULATION' },
  { code: 25, name: 'IPV6_EXTENDED_COMMUNITIES' },
  { code: 26, name: 'AIGP' },
  { code: 27, name: 'PE_DISTINGUISHER_LABELS' },
  { code: 29, name: 'BGP_LS' },
  {
    code: AttrCode.LargeCommunities,
    name: 'LARGE_COMMUNITY',
    codec: {
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode(b, vs, ve, out) {
        const len = ve - vs;
        if (len % 12 !== 0) return `LARGE_COMMUNITY length ${len} is not a multiple of 12`;
        const c = new Array<[number, number, number]>(len / 12);
        for (let i = 0; i < c.length; i++) c[i] = [u32(b, vs + i * 12), u32(b, vs + i * 12 + 4), u32(b, vs + i * 12 + 8)];
        out.largeCommunities = c;
        return undefined;
      },
      has: (a) => a.largeCommunities !== undefined,
      encode(w, a) {
        for (const [x, y, z] of a.largeCommunities!) w.u32(x).u32(y).u32(z);
      },
    },
  },
  { code: 33, name: 'BGPSEC_PATH' },
  { code: 35, name: 'OTC' },
  { code: 40, name: 'PREFIX_SID' },
  { code: 128, name: 'ATTR_SET' },
];

/** The table by type code, and the codecs alone (the decode loop's lookup). */
const BY_CODE: readonly (PathAttributeType | undefined)[] = (() => {
  const t = new Array<PathAttributeType | undefined>(256).fill(undefined);
  for (const a of PATH_ATTRIBUTES) t[a.code] = a;
  return t;
})();
const CODECS: readonly (AttributeCodec | undefined)[] = BY_CODE.map((a) => a?.codec);
/** Encoding order when a structure has no wire layout: by type code. */
const KNOWN: readonly (readonly [number, AttributeCodec])[] = PATH_ATTRIBUTES.flatMap((a) => (a.codec ? [[a.code, a.codec] as const] : [])).sort((x, y) => x[0] - y[0]);

/** The IANA name of a type code; "unknown" for codes not in the table. */
export function attributeName(code: number): string {
  return BY_CODE[code]?.name ?? 'unknown';
}

/** RFC 7606 §7 approach for a malformed attribute of this type code. */
export function malformedAction(code: number): ErrorAction {
  return CODECS[code]?.malformed ?? 'treat-as-withdraw';
}

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
  const cx: DecodeContext = { cfg, guessed: false, nlriError: undefined, failure: undefined };
  let action: ErrorAction = 'none';
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

    const codec = CODECS[code];
    if (codec === undefined) {
      attrs.other.push({ flags, code, value: b.subarray(vs, ve) });
      wire.push(0x10000 | (flags << 8) | code);
      continue;
    }
    const bad = codec.decode(b, vs, ve, attrs, cx);
    if (cx.failure !== undefined) return cx.failure;
    if (bad !== undefined) {
      const a = codec.malformed;
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
    // when it is not the one the encoder would pick (the same rule as encodePathAttributes: AS_PATH's width, else the session's).
    const encoderSize = asnSizeFor(attrs, cfg);
    const wireSize = aggregatorWireSize(b, start, end);
    if (wireSize !== undefined && wireSize !== encoderSize) attrs.aggregator = { ...agg, wireAsnSize: wireSize };
  }
  const out: { -readonly [K in keyof DecodedAttributes]: DecodedAttributes[K] } = { attributes: attrs, addPathGuessed: cx.guessed };
  if (action === 'treat-as-withdraw' || action === 'attribute-discard') out.action = action;
  if (cx.nlriError !== undefined) out.nlriError = cx.nlriError;
  return ok(out);
}

/** The AS number width the encoder writes AS_PATH and AGGREGATOR with: as read, else the session's. */
function asnSizeFor(a: PathAttributes, cfg: SessionConfig): 2 | 4 {
  return a.twoOctetAs === true ? 2 : a.twoOctetAs === false ? 4 : cfg.fourOctetAs ? 4 : 2;
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

function writeKnown(w: Writer, flags: number, code: number, codec: AttributeCodec, a: PathAttributes, cx: EncodeContext): void {
  const v = new Writer(64);
  codec.encode(v, a, cx);
  writeAttr(w, flags, code, v.finish());
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
  const cx: EncodeContext = { cfg, asnSize: asnSizeFor(a, cfg) };
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
      const codec = CODECS[code];
      if (done[code] || codec === undefined || !codec.has(a)) continue;
      done[code] = 1;
      writeKnown(w, flags, code, codec, a, cx);
    }
  }
  for (const [code, codec] of KNOWN) {
    if (done[code] || !codec.has(a)) continue;
    done[code] = 1;
    writeKnown(w, codec.flags, code, codec, a, cx);
  }
  for (; k < a.other.length; k++) writeRaw(w, a.other[k]!);
}

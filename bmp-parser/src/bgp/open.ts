/**
 * OPEN message, RFC 4271 §4.2: version, My Autonomous System, Hold Time, BGP Identifier, optional
 * parameters. Optional parameter 2 carries capabilities (RFC 5492). RFC 9072 extends the
 * parameter lengths to 2 octets, signalled by an Optional Parameters Length of 255 followed by a
 * parameter type of 255.
 */
import { Cursor, Writer } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import { formatIPv4, parseIPv4Into } from '../address.js';
import { capabilityList, interpretCapabilities } from './capabilities.js';
import { beginMessage, decodeHeader, finishMessage } from './header.js';
import type { BgpOpen, Capability, OpenCapabilities, OpenParameter } from './types.js';
import { BgpMessageType } from './types.js';

/** Optional parameter type carrying capabilities (RFC 5492 §4). */
export const OPEN_PARAM_CAPABILITIES = 2;
/** RFC 6793 §9: the 2-octet placeholder for a 4-octet ASN. */
export const AS_TRANS = 23456;

/** An OPEN, header included. */
export function decodeOpen(buf: Uint8Array): Result<BgpOpen> {
  const h = decodeHeader(buf);
  if (!h.ok) return h;
  if (h.value.type !== BgpMessageType.Open) return fail(ErrorCode.BgpType, `expected OPEN (1), got type ${h.value.type}`, 18);
  return decodeOpenBody(buf.subarray(19, h.value.length), 19);
}

/** The OPEN body (after the header); `base` offsets error positions. */
export function decodeOpenBody(b: Uint8Array, base = 0): Result<BgpOpen> {
  const c = new Cursor(b);
  const version = c.u8();
  const myAs = c.u16();
  const holdTime = c.u16();
  const id = c.bytes(4);
  let optLen = c.u8();
  if (id === undefined || optLen < 0) return fail(ErrorCode.Short, `OPEN body needs 10 bytes, have ${b.length}`, base);
  const bgpId = formatIPv4(id, 0);
  let extended = false;
  // RFC 9072 §2: a length of 255 and a first parameter type of 255 announce a 2-octet length.
  if (optLen === 255 && b[10] === 255) {
    c.skip(1);
    optLen = c.u16();
    if (optLen < 0) return fail(ErrorCode.Short, 'extended optional parameters length is cut', base + 11);
    extended = true;
  }
  const params = c.sub(optLen);
  if (params === undefined) return fail(ErrorCode.Length, `optional parameters length ${optLen} exceeds the OPEN`, base + 9);
  if (c.remaining > 0) return fail(ErrorCode.Length, `${c.remaining} bytes follow the optional parameters`, base + c.pos);
  const parameters: OpenParameter[] = [];
  const all: Capability[] = [];
  while (params.remaining > 0) {
    const at = params.pos;
    const type = params.u8();
    const len = extended ? params.u16() : params.u8();
    if (len < 0) return fail(ErrorCode.Short, 'optional parameter header is cut', base + at);
    const value = params.bytes(len);
    if (value === undefined) return fail(ErrorCode.Length, `optional parameter ${type} length ${len} exceeds the parameters`, base + at);
    parameters.push({ type, value });
    if (type !== OPEN_PARAM_CAPABILITIES) continue;
    const caps = new Cursor(value);
    while (caps.remaining > 0) {
      const capAt = params.pos - len + caps.pos;
      const code = caps.u8();
      const clen = caps.u8();
      if (clen < 0) return fail(ErrorCode.Short, 'capability header is cut', base + capAt);
      const v = caps.bytes(clen);
      if (v === undefined) return fail(ErrorCode.Length, `capability ${code} length ${clen} exceeds its parameter`, base + capAt);
      all.push({ code, value: v });
    }
  }
  const capabilities = interpretCapabilities(all);
  const open: BgpOpen = {
    version,
    myAs,
    holdTime,
    bgpId,
    capabilities,
    asn: capabilities.fourOctetAs ?? myAs,
    parameters,
  };
  return ok(extended ? { ...open, extendedParameters: true } : open);
}

/** What {@link encodeOpen} needs; `capabilities` may be partial (fields without `all`). */
export type OpenInput = Omit<BgpOpen, 'capabilities' | 'asn' | 'myAs'> & {
  readonly capabilities: Partial<OpenCapabilities>;
  readonly myAs?: number;
  readonly asn?: number;
};

function capabilityParameters(caps: readonly Capability[]): OpenParameter[] {
  // One capability parameter holding them all, split when it would exceed 255 octets.
  const params: OpenParameter[] = [];
  let w = new Writer(64);
  for (const c of caps) {
    if (c.value.length > 255) throw new RangeError(`capability ${c.code} value of ${c.value.length} bytes exceeds 255`);
    if (w.pos + 2 + c.value.length > 255) {
      params.push({ type: OPEN_PARAM_CAPABILITIES, value: w.finish() });
      w = new Writer(64);
    }
    w.u8(c.code).u8(c.value.length).bytes(c.value);
  }
  if (w.pos > 0) params.push({ type: OPEN_PARAM_CAPABILITIES, value: w.finish() });
  return params;
}

/**
 * An OPEN, header included. A decoded OPEN's `parameters` are written as they came, so the bytes
 * are reproduced exactly (drop `parameters` to encode edited capabilities instead). Without
 * `myAs`, My Autonomous System is `asn`, or AS_TRANS when `asn` needs 4 octets (RFC 6793 §4.1).
 */
export function encodeOpen(open: OpenInput): Uint8Array {
  const params = open.parameters ?? capabilityParameters(capabilityList(open.capabilities));
  let total = 0;
  for (const p of params) total += 2 + p.value.length;
  const extended = open.extendedParameters === true || total > 255 || params.some((p) => p.value.length > 255);
  const w = beginMessage(BgpMessageType.Open, 64 + total);
  const asn = open.asn ?? open.capabilities.fourOctetAs ?? AS_TRANS;
  w.u8(open.version).u16(open.myAs ?? (asn <= 0xffff ? asn : AS_TRANS)).u16(open.holdTime);
  const id = new Uint8Array(4);
  if (!parseIPv4Into(open.bgpId, id)) throw new RangeError(`BGP identifier "${open.bgpId}" is not an IPv4 address`);
  w.bytes(id);
  if (extended) {
    let ext = 0;
    for (const p of params) ext += 3 + p.value.length;
    if (ext > 0xffff) throw new RangeError('optional parameters exceed 65535 bytes');
    w.u8(255).u8(255).u16(ext);
    for (const p of params) w.u8(p.type).u16(p.value.length).bytes(p.value);
  } else {
    w.u8(total);
    for (const p of params) w.u8(p.type).u8(p.value.length).bytes(p.value);
  }
  return finishMessage(w);
}

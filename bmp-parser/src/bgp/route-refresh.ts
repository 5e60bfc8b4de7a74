/**
 * ROUTE-REFRESH message, RFC 2918 §3 with the Enhanced Route Refresh subtype of RFC 7313 §3:
 * AFI (2), subtype (1: 0 normal, 1 BoRR, 2 EoRR), SAFI (1).
 */
import { Cursor } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import { beginMessage, finishMessage } from './header.js';
import { BgpMessageType } from './types.js';

export interface RouteRefresh {
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export const RouteRefreshSubtype = { Normal: 0, BeginningOfRouteRefresh: 1, EndOfRouteRefresh: 2 } as const;

/** The body after the header; `base` offsets error positions. */
export function decodeRouteRefreshBody(body: Uint8Array, base = 0): Result<RouteRefresh> {
  if (body.length !== 4) return fail(ErrorCode.Length, `ROUTE-REFRESH body is ${body.length} bytes, not 4`, base);
  const c = new Cursor(body);
  const afi = c.u16();
  const subtype = c.u8();
  return ok({ afi, subtype, safi: c.u8() });
}

export function encodeRouteRefresh(r: RouteRefresh): Uint8Array {
  const w = beginMessage(BgpMessageType.RouteRefresh, 23);
  w.u16(r.afi).u8(r.subtype).u8(r.safi);
  return finishMessage(w);
}

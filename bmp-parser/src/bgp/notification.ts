/**
 * NOTIFICATION message, RFC 4271 §4.5: error code, error subcode, data. Names come from the IANA
 * "BGP Error (Notification) Codes" and subcode registries: RFC 4271 §6, RFC 5492 (Unsupported
 * Capability), RFC 6608 (FSM errors), RFC 4486 and RFC 8538/9384 (Cease), RFC 7313 (ROUTE-REFRESH),
 * RFC 9234 (Role Mismatch), RFC 9687 (Send Hold Timer). RFC 8203/9003 shutdown communications are
 * decoded from the data of Cease/Administrative Shutdown and Administrative Reset.
 */
import { Cursor } from '../cursor.js';
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import type { BgpNotification } from './types.js';
import { BgpMessageType } from './types.js';
import { beginMessage, decodeHeader, finishMessage } from './header.js';

export const NotificationCode = {
  MessageHeaderError: 1,
  OpenMessageError: 2,
  UpdateMessageError: 3,
  HoldTimerExpired: 4,
  FiniteStateMachineError: 5,
  Cease: 6,
  RouteRefreshMessageError: 7,
  SendHoldTimerExpired: 8,
} as const;

/** Error code names (RFC 4271 §4.5 and later RFCs). */
export const NOTIFICATION_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

/** Subcode names per code. Subcode 0 is "Unspecific" for every code (IANA). */
export const NOTIFICATION_SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  // RFC 4271 §6.1
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  // RFC 4271 §6.2, RFC 5492 §5, RFC 9234 §4.2
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  // RFC 4271 §6.3
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  4: {},
  // RFC 6608 §3
  5: {
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  // RFC 4486 §4, RFC 8538 §5 (Hard Reset), RFC 9384 (BFD Down)
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  // RFC 7313 §5
  7: { 1: 'Invalid Message Length' },
  8: {},
};

export function notificationCodeName(code: number): string {
  return NOTIFICATION_CODE_NAMES[code] ?? 'unknown';
}

export function notificationSubcodeName(code: number, subcode: number): string {
  const table = NOTIFICATION_SUBCODE_NAMES[code];
  if (table === undefined) return 'unknown';
  if (subcode === 0) return 'Unspecific';
  return table[subcode] ?? 'unknown';
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * RFC 8203 / RFC 9003 §2: Cease subcodes 2 and 4 may carry a length-prefixed UTF-8 message
 * (up to 255 octets). Returned only when the length octet matches the data exactly.
 */
export function shutdownCommunication(code: number, subcode: number, data: Uint8Array): string | undefined {
  if (code !== 6 || (subcode !== 2 && subcode !== 4) || data.length === 0) return undefined;
  const len = data[0]!;
  if (len !== data.length - 1) return undefined;
  return utf8.decode(data.subarray(1));
}

/** A NOTIFICATION, header included. */
export function decodeNotification(buf: Uint8Array): Result<BgpNotification> {
  const h = decodeHeader(buf);
  if (!h.ok) return h;
  if (h.value.type !== BgpMessageType.Notification) return fail(ErrorCode.BgpType, `expected NOTIFICATION (3), got type ${h.value.type}`, 18);
  return decodeNotificationBody(buf.subarray(19, h.value.length), 19);
}

/** The NOTIFICATION body (after the 19-byte header); `base` offsets error positions. */
export function decodeNotificationBody(body: Uint8Array, base = 0): Result<BgpNotification> {
  const c = new Cursor(body);
  const code = c.u8();
  const subcode = c.u8();
  if (subcode < 0) return fail(ErrorCode.Short, `NOTIFICATION needs code and subcode, have ${body.length} bytes`, base);
  const data = c.bytes(c.remaining)!;
  const n: BgpNotification = { code, subcode, codeName: notificationCodeName(code), subcodeName: notificationSubcodeName(code, subcode), data };
  const msg = shutdownCommunication(code, subcode, data);
  return ok(msg === undefined ? n : { ...n, shutdownCommunication: msg });
}

export function encodeNotification(n: Pick<BgpNotification, 'code' | 'subcode' | 'data'>): Uint8Array {
  const w = beginMessage(BgpMessageType.Notification, 21 + n.data.length);
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(n.data);
  return finishMessage(w);
}

/** RFC 9003 data for a Cease with a shutdown communication (message truncated to 255 octets of UTF-8). */
export function shutdownCommunicationData(message: string): Uint8Array {
  const text = new TextEncoder().encode(message).subarray(0, 255);
  const out = new Uint8Array(text.length + 1);
  out[0] = text.length;
  out.set(text, 1);
  return out;
}

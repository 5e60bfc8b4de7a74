/**
 * Any BGP message (RFC 4271 §4.1 types, RFC 2918 ROUTE-REFRESH), dispatched on the header's type.
 * KEEPALIVE (§4.4) is a bare header; an unknown type keeps its body.
 */
import { ErrorCode, fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import type { SessionConfig } from '../session.js';
import { decodeHeader, encodeMessage } from './header.js';
import { decodeNotificationBody, encodeNotification } from './notification.js';
import { decodeOpenBody, encodeOpen } from './open.js';
import { decodeRouteRefreshBody, encodeRouteRefresh } from './route-refresh.js';
import type { BgpMessage } from './types.js';
import { BgpMessageType } from './types.js';
import { decodeUpdateBody, encodeUpdate } from './update.js';

/** Any BGP message, header included. */
export function decodeBgpMessage(buf: Uint8Array, cfg: SessionConfig): Result<BgpMessage> {
  const h = decodeHeader(buf);
  if (!h.ok) return h;
  const { length, type } = h.value;
  const body = buf.subarray(19, length);
  switch (type) {
    case BgpMessageType.Open: {
      const r = decodeOpenBody(body, 19);
      return r.ok ? ok({ type: 'open', open: r.value }) : r;
    }
    case BgpMessageType.Update: {
      const r = decodeUpdateBody(buf, 19, length, cfg);
      return r.ok ? ok({ type: 'update', update: r.value }) : r;
    }
    case BgpMessageType.Notification: {
      const r = decodeNotificationBody(body, 19);
      return r.ok ? ok({ type: 'notification', notification: r.value }) : r;
    }
    case BgpMessageType.Keepalive:
      if (length !== 19) return fail(ErrorCode.Length, `KEEPALIVE of ${length} bytes is not 19`, 16);
      return ok({ type: 'keepalive' });
    case BgpMessageType.RouteRefresh: {
      const r = decodeRouteRefreshBody(body, 19);
      return r.ok ? ok({ type: 'route-refresh', afi: r.value.afi, safi: r.value.safi, subtype: r.value.subtype }) : r;
    }
    default:
      return ok({ type: 'unknown', code: type, body });
  }
}

/** Any BGP message, header included. Throws RangeError for input that cannot be encoded. */
export function encodeBgpMessage(msg: BgpMessage, cfg: SessionConfig): Uint8Array {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg.open);
    case 'update':
      return encodeUpdate(msg.update, cfg);
    case 'notification':
      return encodeNotification(msg.notification);
    case 'keepalive':
      return encodeMessage(BgpMessageType.Keepalive, new Uint8Array(0));
    case 'route-refresh':
      return encodeRouteRefresh(msg);
    case 'unknown':
      return encodeMessage(msg.code, msg.body);
  }
}

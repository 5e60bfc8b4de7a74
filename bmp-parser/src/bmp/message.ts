/**
 * Decoding and encoding one whole BMP message (RFC 7854 §4): the common header is checked
 * (version 3 or 4, Message Length equal to the frame, a known type, the type's minimum length),
 * then the per-peer header where the type has one, then the body by type. Version 4
 * (draft-ietf-grow-bmp-tlv) changes only Route Monitoring (TLVs after the per-peer header,
 * messages/route-monitoring-v4.ts); its other messages are laid out as in version 3 and are
 * decoded as such, marked `version: 4`.
 */
import { Cursor, Writer } from '../cursor.js';
import { ErrorCode, fail } from '../errors.js';
import type { Result } from '../errors.js';
import { DEFAULT_SESSION } from '../session.js';
import type { SessionConfig } from '../session.js';
import { statelessConfigFor } from './config.js';
import {
  BMP_VERSION,
  BMP_VERSION_4,
  COMMON_HEADER_LENGTH,
  decodePerPeerHeader,
  encodePerPeerHeader,
  finishMessage,
  minMessageLength,
  readCommonHeader,
  writeCommonHeader,
} from './header.js';
import { exhaustive } from '../exhaustive.js';
import { isBmpMessageType } from './names.js';
import type { CommonHeader } from './header.js';
import { BmpMessageType } from './types.js';
import type { BmpMessage, PerPeerHeader } from './types.js';
import { decodeInitiation, encodeInitiationBody } from './messages/initiation.js';
import { decodePeerDown, encodePeerDownBody } from './messages/peer-down.js';
import { decodePeerUp, encodePeerUpBody } from './messages/peer-up.js';
import { decodeRouteMirroring, encodeRouteMirroringBody } from './messages/route-mirroring.js';
import { decodeRouteMonitoring, encodeRouteMonitoringBody } from './messages/route-monitoring.js';
import { decodeRouteMonitoringV4, encodeRouteMonitoringV4Body } from './messages/route-monitoring-v4.js';
import { decodeStatisticsReport, encodeStatisticsReportBody } from './messages/statistics-report.js';
import { decodeTermination, encodeTerminationBody } from './messages/termination.js';

/** Where Route Monitoring and Route Mirroring get their SessionConfig (BmpRouterState is one). */
export interface SessionConfigSource {
  sessionConfigFor(peer: PerPeerHeader): SessionConfig;
}

/**
 * Decode one frame. Without `state`: no Peer Up knowledge (4-octet AS unless the A flag, no
 * ADD-PATH, trial parsing; a version 4 Route Monitoring's Stateless Parsing TLV still applies).
 * Fails with RW_ERR_BMP_VERSION for versions other than 3 and 4, RW_ERR_BMP_TYPE for types
 * outside 0-6, and a structural code when the frame is broken; a malformed BGP UPDATE or
 * NOTIFICATION inside a sound frame is not a failure.
 */
export function decodeBmpMessage(frame: Uint8Array, state?: SessionConfigSource): Result<BmpMessage> {
  try {
    return decodeFrame(frame, state);
  } catch (e) {
    // Safety net for the collector's hot path: a decoder bug must not take the session down.
    return fail(ErrorCode.Form, `BMP decoder bug (please report with the frame bytes): ${e instanceof Error ? e.message : String(e)}`, 0);
  }
}

function decodeFrame(frame: Uint8Array, state: SessionConfigSource | undefined): Result<BmpMessage> {
  const h = readCommonHeader(frame);
  if (!h) return fail(ErrorCode.Short, `BMP message: ${frame.length} bytes cannot hold the common header`, 0);
  if (h.version !== BMP_VERSION) {
    if (h.version !== BMP_VERSION_4) return fail(ErrorCode.BmpVersion, `BMP version ${h.version} is not supported (only 3 and 4)`, 0);
    const r = decodeBody(frame, h, state);
    return r.ok ? { ok: true, value: { ...r.value, version: BMP_VERSION_4 } } : r;
  }
  return decodeBody(frame, h, state);
}

function decodeBody(frame: Uint8Array, h: CommonHeader, state: SessionConfigSource | undefined): Result<BmpMessage> {
  if (h.length !== frame.length) return fail(ErrorCode.Length, `BMP message length ${h.length} disagrees with the ${frame.length}-byte frame`, 1);
  const type = h.type;
  if (!isBmpMessageType(type)) return fail(ErrorCode.BmpType, `BMP message type ${type} is unknown`, 5);
  const min = minMessageLength(h.version, type);
  if (h.length < min) return fail(ErrorCode.Short, `BMP message type ${type}: length ${h.length} is below the minimum ${min}`, 1);
  const c = new Cursor(frame, COMMON_HEADER_LENGTH);
  if (type === BmpMessageType.Initiation) return decodeInitiation(c);
  if (type === BmpMessageType.Termination) return decodeTermination(c);
  const p = decodePerPeerHeader(c);
  if (!p.ok) return p;
  const peer = p.value;
  switch (type) {
    case BmpMessageType.RouteMonitoring: {
      const cfg = state ? state.sessionConfigFor(peer) : statelessConfigFor(peer);
      return h.version === BMP_VERSION ? decodeRouteMonitoring(c, peer, cfg) : decodeRouteMonitoringV4(c, peer, cfg);
    }
    case BmpMessageType.StatisticsReport:
      return decodeStatisticsReport(c, peer);
    case BmpMessageType.PeerDown:
      return decodePeerDown(c, peer);
    case BmpMessageType.PeerUp:
      return decodePeerUp(c, peer);
    case BmpMessageType.RouteMirroring:
      return decodeRouteMirroring(c, peer, state ? state.sessionConfigFor(peer) : statelessConfigFor(peer));
    default:
      return fail(ErrorCode.BmpType, `BMP message type ${String(exhaustive(type))} is unknown`, 5);
  }
}

/**
 * Encode a BMP message (lengths computed): version 3, or 4 when `msg.version` says so. Raw bytes the structure keeps are written as they
 * are: the Route Monitoring `pdu`, Peer Up OPEN PDUs, Peer Down `data`, TLV lists, stat values;
 * the structured fields are encoded only where no raw bytes are kept. UPDATEs (and mirrored BGP
 * messages) are encoded with cfg (default: 4-octet AS, no ADD-PATH).
 */
export function encodeBmpMessage(msg: BmpMessage, cfg: SessionConfig = DEFAULT_SESSION): Uint8Array {
  const w = new Writer(msg.type === BmpMessageType.RouteMonitoring ? 64 + msg.pdu.length : 256);
  const start = writeCommonHeader(w, msg.type, msg.version ?? BMP_VERSION);
  switch (msg.type) {
    case BmpMessageType.Initiation:
      encodeInitiationBody(w, msg);
      break;
    case BmpMessageType.Termination:
      encodeTerminationBody(w, msg);
      break;
    case BmpMessageType.RouteMonitoring:
      encodePerPeerHeader(w, msg.peer);
      if (msg.version === BMP_VERSION_4) encodeRouteMonitoringV4Body(w, msg, cfg);
      else encodeRouteMonitoringBody(w, msg, cfg);
      break;
    case BmpMessageType.StatisticsReport:
      encodePerPeerHeader(w, msg.peer);
      encodeStatisticsReportBody(w, msg);
      break;
    case BmpMessageType.PeerDown:
      encodePerPeerHeader(w, msg.peer);
      encodePeerDownBody(w, msg);
      break;
    case BmpMessageType.PeerUp:
      encodePerPeerHeader(w, msg.peer);
      encodePeerUpBody(w, msg);
      break;
    case BmpMessageType.RouteMirroring:
      encodePerPeerHeader(w, msg.peer);
      encodeRouteMirroringBody(w, msg, cfg);
      break;
    default:
      throw new RangeError(`BMP message type ${String((exhaustive(msg) as { type?: unknown }).type)} cannot be encoded`);
  }
  finishMessage(w, start);
  return w.finish();
}

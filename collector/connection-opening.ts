/**
 * The first bytes of a router connection, read before its session starts: the PROXY protocol
 * header when a load balancer sends one (collector/proxy-protocol.ts), and, when the router's
 * address is shared with another router, its first BMP message (the Initiation, whose sysName keys
 * it: collector/router-identity.ts). Whatever was read beyond the header is handed back for the
 * session to read first, so no byte is lost.
 *
 * Bounded: one deadline for the whole opening, the header at most 16 + 65535 bytes, the first
 * message at most `maxFirstMessageBytes` (longer ones are not peeked at: the session reads them).
 */
import type { Socket } from 'node:net';
import { decodeBmpMessage } from '@ribwatch/bmp-parser';
import { parseProxyHeader, PROXY_V2_HEADER_LENGTH } from './proxy-protocol.js';
import type { ProxyEndpoint } from './proxy-protocol.js';

export type ProxyProtocolMode = 'off' | 'optional' | 'required';

/** Why a connection was closed during its opening (the label of ribwatch_bmp_proxy_errors_total). */
export type OpeningFailure = 'proxy-malformed' | 'proxy-spoofed' | 'proxy-missing' | 'opening-timeout';

export interface OpeningOptions {
  readonly mode: ProxyProtocolMode;
  /** The connection comes from collector.proxyFrom: it may (or, when required, must) send a header. */
  readonly fromProxy: boolean;
  /** The router's address (from the header, or the socket) is shared: read its first message too. */
  readonly needSysName: (address: string) => boolean;
  readonly timeoutMs: number;
  readonly maxFirstMessageBytes: number;
}

export type Opening =
  | {
      readonly ok: true;
      /** The router: the header's source, or the socket's peer. */
      readonly remote: ProxyEndpoint;
      readonly proxied: boolean;
      /** The first message's sysName; null without one; undefined when it was not read. */
      readonly sysName: string | null | undefined;
      /** Bytes read past the header, for the session to read first. */
      readonly rest: Buffer;
      /** The router closed before its first message was whole: a session that ends at once. */
      readonly closed?: boolean;
    }
  | { readonly ok: false; readonly failure: OpeningFailure; readonly reason: string; readonly remote: ProxyEndpoint }
  /** The connection ended before its opening was whole (nothing to collect). */
  | { readonly ok: false; readonly failure: 'closed'; readonly reason: string; readonly remote: ProxyEndpoint };

const BMP_COMMON_HEADER = 6;
const MAX_HEADER = PROXY_V2_HEADER_LENGTH + 0xffff;

/** Reads the opening of `socket` (which must not be read by anyone else meanwhile) and pauses it. */
export function readOpening(socket: Socket, socketRemote: ProxyEndpoint, o: OpeningOptions): Promise<Opening> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let remote = socketRemote;
    let proxied = false;
    /** 'header' while a PROXY header may still come; then 'first' while the Initiation is awaited. */
    let phase: 'header' | 'first' = o.mode === 'off' ? 'first' : 'header';
    let done = false;

    const finish = (r: Opening): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(r);
    };
    const ok = (sysName: string | null | undefined, closed = false): void => finish({ ok: true, remote, proxied, sysName, rest: buf, ...(closed ? { closed } : {}) });
    const fail = (failure: OpeningFailure | 'closed', reason: string): void => finish({ ok: false, failure, reason, remote });

    const step = (): void => {
      if (phase === 'header') {
        const h = parseProxyHeader(buf);
        if (h.kind === 'incomplete') {
          if (buf.length > MAX_HEADER) fail('proxy-malformed', 'PROXY header longer than its length field allows');
          return;
        }
        if (!o.fromProxy) {
          // A router speaking for someone else's address: only collector.proxyFrom may.
          if (h.kind !== 'absent') return fail('proxy-spoofed', 'a PROXY header from a source not in collector.proxyFrom');
        } else if (h.kind === 'absent') {
          if (o.mode === 'required') return fail('proxy-missing', 'no PROXY header from a load balancer (collector.proxyProtocol is required)');
        } else if (h.kind === 'malformed') {
          return fail('proxy-malformed', h.reason);
        } else {
          if (h.source !== undefined) {
            remote = h.source;
            proxied = true;
          }
          buf = buf.subarray(h.length);
        }
        phase = 'first';
      }
      if (!o.needSysName(remote.address)) return ok(undefined);
      if (buf.length < BMP_COMMON_HEADER) return;
      const version = buf[0]!;
      const length = buf.readUInt32BE(1);
      // Not BMP v3, or too long to peek at: the session reads it (and reports what is wrong).
      if (version !== 3 || length < BMP_COMMON_HEADER || length > o.maxFirstMessageBytes) return ok(null);
      if (buf.length < length) return;
      const m = decodeBmpMessage(new Uint8Array(buf.buffer, buf.byteOffset, length));
      ok(m.ok && m.value.type === 4 ? (m.value.sysName ?? null) : null);
    };

    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      step();
    };
    const onClose = (): void => {
      // Before a header there is no router to name; after it, the router had a (short) session.
      if (phase === 'header') fail('closed', 'closed before a PROXY header');
      else ok(null, true);
    };
    const timer = setTimeout(() => {
      if (phase === 'header') fail('opening-timeout', `no PROXY header within ${o.timeoutMs} ms`);
      // The router said nothing yet: keyed by its address, like a router that sends no sysName.
      else ok(null);
    }, o.timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    // Nothing to read when there is no header to expect and the address is not shared.
    step();
  });
}

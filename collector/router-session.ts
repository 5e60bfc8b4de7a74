/**
 * One router's BMP session: one TCP connection, from accept to close.
 *
 * Bytes → BmpFramer (bounded by maxMessageBytes) → BmpRouterState.decode → records, batched per
 * socket chunk and handed to the sink in one write. When the sink says it is full the socket is
 * paused, so TCP pushes back on the router, and resumed when the sink drains; nothing is buffered
 * without bound and nothing is dropped.
 *
 * Bad input (docs/architecture.md, "Bad input"): a framing error cannot be resynchronised, so it
 * closes this session with one log line (router, stream offset, reason) and a metric; a broken
 * message inside a sound frame is counted by kind, logged once per kind per session, and skipped.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { BmpFramer, BmpMessageType, BmpRouterState, exhaustive } from '@ribwatch/bmp-parser';
import type { DecodeError, PeerDown, PeerUp } from '@ribwatch/bmp-parser';
import type { Logger } from '../telemetry/log.js';
import { peerLogger, routerLogger } from '../telemetry/log.js';
import { canonicalAddress, formatHostPort } from '../net/addresses.js';
import type { BusRecord } from '../records/types.js';
import type { RawBmpSink, RecordSink } from '../records/sink.js';
import { bmpMessageTypeIndex, errorKind } from './bmp-names.js';
import type { CollectorMetrics } from './metrics.js';
import { RecordContext, appendRecordsFromBmp, arrivalTime, routerDownRecord, routerUpRecord } from './records-from-bmp.js';


export interface SessionDeps {
  readonly sink: RecordSink;
  readonly raw?: RawBmpSink;
  readonly metrics: CollectorMetrics;
  /** The collector's logger; the session makes a child with its router and session id. */
  readonly log: Logger;
  /** Milliseconds since the epoch; injectable so tests control time. */
  readonly clock: () => number;
  readonly maxMessageBytes: number;
  readonly dumpQuietMs: number;
  readonly onClosed: (s: RouterSession) => void;
  /** The router key when it is not the socket's address (PROXY protocol, sysName keying: collector/router-identity.ts). */
  readonly router?: string;
  /** The router's TCP port when a PROXY header named it. */
  readonly remotePort?: number;
  /** Told the Initiation's sysName (null: none), so a shared address learns who holds it. */
  readonly onInitiation?: (sysName: string | null) => void;
}

export class RouterSession {
  readonly id: string = randomUUID();
  /** The router: its connection's source address, or the key deps.router gave it. */
  readonly router: string;
  readonly ctx: RecordContext;
  private log: Logger;
  private readonly framer: BmpFramer;
  private readonly state = new BmpRouterState();
  private readonly loggedKinds = new Set<string>();
  /** Messages per BMP type index since the last metrics update. */
  private readonly typeCounts = new Uint32Array(8);
  private down = false;
  private socketError: Error | undefined;
  private pausedBySink = false;
  /** Totals for the closing log line and tests. */
  messages = 0;
  bytes = 0;
  records = 0;
  pauses = 0;

  constructor(
    private readonly socket: Socket,
    private readonly deps: SessionDeps,
  ) {
    this.router = deps.router ?? canonicalAddress(socket.remoteAddress ?? 'unknown');
    this.framer = new BmpFramer({ maxMessageLength: deps.maxMessageBytes });
    this.ctx = new RecordContext(this.router, this.id, deps.clock(), deps.dumpQuietMs);
    this.ctx.onProblem = this.problem;
    this.log = routerLogger(deps.log, this.router).child({ session: this.id });
  }

  /** Emits router_up and starts reading. */
  start(): void {
    const now = this.deps.clock();
    const local = formatHostPort({ host: canonicalAddress(this.socket.localAddress ?? ''), port: this.socket.localPort ?? 0 });
    const remotePort = this.deps.remotePort ?? this.socket.remotePort ?? 0;
    if (!this.emit([routerUpRecord(this.ctx, arrivalTime(now), remotePort, local)])) this.pauseUntil([this.deps.sink.drained()]);
    this.deps.metrics.sessions.inc();
    this.log.info({ remote_port: remotePort }, 'BMP session up');
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  /** True while reading is paused because the sink is full. */
  get paused(): boolean {
    return this.pausedBySink;
  }

  get closed(): boolean {
    return this.down;
  }

  /** Ends the session from our side ("shutdown", "desync ..."): router_down first, then the socket. */
  close(cause: string): void {
    if (this.down) return;
    this.finish(cause);
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.down) return;
    const now = this.deps.clock();
    const time = arrivalTime(now);
    this.bytes += chunk.length;
    this.deps.metrics.bytes.inc(chunk.length);
    // A plain Uint8Array view: the framer and decoders slice it per message and field, and
    // Buffer#subarray is several times slower than Uint8Array#subarray (it builds a FastBuffer).
    this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const out: BusRecord[] = [];
    const counts = this.typeCounts;
    const raw = this.deps.raw;
    let rawFull = false;
    let error: DecodeError | undefined;
    for (;;) {
      const f = this.framer.next();
      if (f === undefined) break;
      if (!f.ok) {
        error = f.error;
        break;
      }
      counts[bmpMessageTypeIndex(f.type)]!++;
      this.messages++;
      // Every whole frame, decodable or not (v4 too): raw consumers decide for themselves.
      if (raw !== undefined && !raw.write(this.router, f.frame, now)) rawFull = true;
      let r: ReturnType<BmpRouterState['decode']>;
      try {
        r = this.state.decode(f.frame);
      } catch (err) {
        // The decoder promises not to throw; if it ever does, that message is lost, not the process.
        this.problem('internal-error', `decoder threw at offset ${f.offset}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (!r.ok) {
        // Versions 3 and 4 (draft-ietf-grow-bmp-tlv) are decoded; another version is counted as unsupported.
        this.problem(f.version === 3 || f.version === 4 ? errorKind('bmp', r.error.code) : 'bmp-unsupported-version', `message at offset ${f.offset}: ${r.error.message}`);
        continue;
      }
      const m = r.value;
      const before = out.length;
      const seqBefore = this.ctx.seq;
      try {
        appendRecordsFromBmp(out, m, this.ctx, time, now);
      } catch (err) {
        // A bug met by one router's input must cost that message, not the process or other routers.
        out.length = before;
        this.ctx.seq = seqBefore;
        this.problem('internal-error', `message at offset ${f.offset}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        continue;
      }
      switch (m.type) {
        case BmpMessageType.PeerUp:
        case BmpMessageType.PeerDown:
          this.logPeer(m, out[out.length - 1]);
          break;
        case BmpMessageType.Initiation:
          this.initiation(m.sysName, m.sysDescr);
          break;
        case BmpMessageType.RouteMonitoring:
        case BmpMessageType.StatisticsReport:
        case BmpMessageType.Termination:
        case BmpMessageType.RouteMirroring:
          break;
        default:
          exhaustive(m);
      }
    }
    this.flushCounts();
    const waits: Promise<void>[] = [];
    if (out.length > 0 && !this.emit(out)) waits.push(this.deps.sink.drained());
    if (rawFull && raw !== undefined) waits.push(raw.drained());
    if (waits.length > 0) this.pauseUntil(waits);
    if (error !== undefined) this.desync(error);
  };

  private initiation(sysName: string | undefined, sysDescr: string | undefined): void {
    this.deps.onInitiation?.(sysName ?? null);
    if (sysName === undefined) return;
    this.log = routerLogger(this.deps.log, this.router, sysName).child({ session: this.id });
    this.log.info({ sys_descr: sysDescr }, 'BMP Initiation');
  }

  private readonly onError = (err: Error): void => {
    // 'close' follows; the error only names the cause.
    this.socketError = err;
  };

  private readonly onClose = (): void => {
    if (this.down) return;
    const cause =
      this.ctx.termination !== null
        ? 'termination'
        : this.socketError !== undefined
          ? `connection error: ${(this.socketError as NodeJS.ErrnoException).code ?? this.socketError.message}`
          : 'connection closed';
    this.finish(cause);
  };

  private readonly onDrained = (): void => {
    this.pausedBySink = false;
    if (!this.down) this.socket.resume();
  };

  /** Peer Up/Down are rare and what an operator greps for: one line each, with a `peer` binding. */
  private logPeer(m: PeerUp | PeerDown, rec: BusRecord | undefined): void {
    const log = peerLogger(this.log, m.peer.address);
    if (rec?.type === 'peer_up') log.info({ asn: m.peer.asn, reset: rec.reset }, 'peer up');
    else if (rec?.type === 'peer_down') {
      const n = rec.notification;
      log.info({ asn: m.peer.asn, reason: rec.reason_name, notification: n === null ? null : `${n.code_name} / ${n.subcode_name}`, was_up: rec.was_up }, 'peer down');
    }
  }

  /** Hands records to the sink; false when the sink is now full. */
  private emit(records: BusRecord[]): boolean {
    const m = this.deps.metrics;
    let routes = 0;
    for (const r of records) {
      if (r.type === 'route') routes++;
      else m.record(r.type).inc();
    }
    if (routes > 0) m.record('route').inc(routes);
    this.records += records.length;
    return this.deps.sink.write(records);
  }

  /** Stops reading the router's socket (TCP pushes back on the router) until every full sink drained. */
  private pauseUntil(waits: Promise<void>[]): void {
    if (this.pausedBySink || this.down) return;
    this.pausedBySink = true;
    this.pauses++;
    this.deps.metrics.sinkPaused.inc();
    this.socket.pause();
    Promise.all(waits).then(this.onDrained, this.onDrained);
  }

  private flushCounts(): void {
    const counts = this.typeCounts;
    const children = this.deps.metrics.messagesByType;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== 0) {
        children[i]!.inc(counts[i]);
        counts[i] = 0;
      }
    }
  }

  /** Counted always; logged once per kind per session (a broken router repeats itself). */
  private readonly problem = (kind: string, detail: string): void => {
    this.deps.metrics.errors.labels(kind).inc();
    if (this.loggedKinds.has(kind)) return;
    this.loggedKinds.add(kind);
    this.log.warn({ kind, detail, offset: this.framer.offset }, 'skipped a malformed message (further ones of this kind are counted, not logged)');
  };

  private desync(e: DecodeError): void {
    const kind = e.code === 'RW_ERR_TOO_LARGE' ? 'too-large' : 'desync';
    const offset = e.offset ?? this.framer.offset;
    this.deps.metrics.errors.labels(kind).inc();
    this.log.error({ kind, offset, reason: e.message }, 'BMP stream cannot be resynchronised: closing the session');
    this.close(`${kind} at offset ${offset}: ${e.message}`);
  }

  private finish(cause: string): void {
    this.down = true;
    this.flushCounts();
    const rec = routerDownRecord(this.ctx, arrivalTime(this.deps.clock()), cause);
    this.deps.metrics.record('router_down').inc();
    this.records++;
    // The last record goes in whatever the sink's fill: the session holds nothing after it.
    this.deps.sink.write([rec]);
    this.deps.metrics.sessions.dec();
    this.log.info(
      { cause, termination: this.ctx.termination, messages: this.messages, bytes: this.bytes, records: this.records, incomplete_bytes: this.framer.buffered },
      'BMP session down',
    );
    this.deps.onClosed(this);
  }
}

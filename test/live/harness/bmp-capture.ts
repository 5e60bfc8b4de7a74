/**
 * A minimal BMP station for live tests: accepts routers' BMP connections on 127.0.0.1:<free
 * port>, keeps every connection's raw bytes (also written to the run dir, for tshark or a replay),
 * and decodes them as they arrive with @ribwatch/bmp-parser (BmpFramer + BmpRouterState), so a
 * test can wait for "a Peer Up from X" instead of sleeping.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { appendFileSync } from 'node:fs';
import { BmpFramer, BmpRouterState } from '@ribwatch/bmp-parser';
import type { BmpMessage, DecodeError } from '@ribwatch/bmp-parser';
import { waitFor } from './procs.js';

export interface DecodedMessage {
  /** Stream offset of the frame. */
  readonly offset: number;
  readonly type: number;
  readonly msg?: BmpMessage;
  readonly error?: DecodeError;
  /** Local receive time (ms since epoch). */
  readonly at: number;
}

export class BmpConnection {
  readonly chunks: Buffer[] = [];
  readonly messages: DecodedMessage[] = [];
  readonly errors: DecodeError[] = [];
  closed = false;
  private readonly framer = new BmpFramer();
  private readonly state = new BmpRouterState();
  private size = 0;

  constructor(
    readonly index: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly file: string,
    readonly socket: Socket,
  ) {}

  get bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    appendFileSync(this.file, chunk);
    this.framer.push(chunk);
    for (;;) {
      const f = this.framer.next();
      if (f === undefined) break;
      if (!f.ok) {
        // the stream cannot be trusted past this point; keep the error for the assertion message
        this.errors.push(f.error);
        this.socket.destroy();
        break;
      }
      const d = this.state.decode(f.frame);
      this.messages.push(d.ok ? { offset: f.offset, type: f.type, msg: d.value, at: Date.now() } : { offset: f.offset, type: f.type, error: d.error, at: Date.now() });
      if (!d.ok) this.errors.push(d.error);
    }
  }

  /** Decoded messages (failed decodes left out). */
  decoded(): BmpMessage[] {
    const out: BmpMessage[] = [];
    for (const m of this.messages) if (m.msg) out.push(m.msg);
    return out;
  }
}

export class BmpCaptureServer {
  readonly connections: BmpConnection[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly filePrefix: string,
  ) {}

  /** Listens on host:port (port 0 = a free one); files are `<filePrefix>.connN.bmp`. */
  static start(filePrefix: string, host = '127.0.0.1', port = 0): Promise<BmpCaptureServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ host, port }, () => {
        const addr = server.address();
        if (!addr || typeof addr === 'string') return reject(new Error('no address'));
        const cap = new BmpCaptureServer(server, host, addr.port, filePrefix);
        server.on('connection', (s) => cap.accept(s));
        resolve(cap);
      });
    });
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    const conn = new BmpConnection(this.connections.length + 1, s.remoteAddress ?? '?', s.remotePort ?? 0, `${this.filePrefix}.conn${this.connections.length + 1}.bmp`, s);
    this.connections.push(conn);
    appendFileSync(conn.file, Buffer.alloc(0));
    s.on('data', (b: Buffer) => conn.push(b));
    s.on('close', () => {
      conn.closed = true;
      this.sockets.delete(s);
    });
    s.on('error', () => {
      /* a reset by the router is a normal end here */
    });
  }

  /** Waits for the n-th connection (1-based). */
  waitConnection(n = 1, timeoutMs = 15_000, explain?: () => string): Promise<BmpConnection> {
    return waitFor(`BMP connection #${n} on ${this.host}:${this.port}`, () => this.connections[n - 1], { timeoutMs, intervalMs: 50, ...(explain ? { explain } : {}) });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Waits until `pick` finds something in the connection's decoded messages (re-run on every poll),
 * failing with a summary of what did arrive.
 */
export function waitMessages<T>(conn: BmpConnection, what: string, pick: (msgs: BmpMessage[]) => T | undefined | false, timeoutMs = 20_000, explain?: () => string): Promise<T> {
  return waitFor(what, () => pick(conn.decoded()), {
    timeoutMs,
    intervalMs: 100,
    explain: () => `${summarize(conn)}${explain ? `\n${explain()}` : ''}`,
  });
}

const TYPE_NAMES = ['RouteMonitoring', 'StatisticsReport', 'PeerDown', 'PeerUp', 'Initiation', 'Termination', 'RouteMirroring'];

/** "N bytes, M messages: RouteMonitoring×12, PeerUp×3, ...; errors: ..." for failure messages. */
export function summarize(conn: BmpConnection): string {
  const counts = new Map<string, number>();
  for (const m of conn.messages) {
    const n = TYPE_NAMES[m.type] ?? `type-${m.type}`;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, v]) => `${k}×${v}`).join(', ');
  const errs = conn.errors.slice(0, 5).map((e) => `${e.code} ${e.message}`).join('; ');
  return `BMP conn #${conn.index} from ${conn.remoteAddress}: ${conn.length} bytes, ${conn.messages.length} messages (${parts})${errs ? `; errors: ${errs}` : ''}; raw: ${conn.file}`;
}

/**
 * A local HTTP server standing in for Slack and webhook receivers (127.0.0.1, port 0): it records
 * every request and answers from a script (status, headers, body) or a function, so tests can
 * answer 429 with Retry-After, 500, 400, or hold a request open.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** What was answered. */
  status: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Hold the answer this long (ms). */
  readonly delayMs?: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Answers used in order; when empty, `fallback`. */
  readonly script: Answer[] = [];
  fallback: (r: Received) => Answer = () => ({ status: 200, body: 'ok' });
  private server: Server | undefined;
  private waiters: { n: number; resolve: () => void }[] = [];
  url = '';

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status: 0 };
        const a = this.script.shift() ?? this.fallback(r);
        r.status = a.status;
        this.requests.push(r);
        const send = (): void => {
          res.writeHead(a.status, { 'content-type': a.body?.startsWith('{') ? 'application/json' : 'text/plain', ...a.headers }).end(a.body ?? '');
          this.wake();
        };
        if (a.delayMs) setTimeout(send, a.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${addr.port}`;
    this.server = server;
    return this;
  }

  /** Requests answered with 2xx. */
  get accepted(): Received[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  json<T = Record<string, unknown>>(i: number): T {
    return JSON.parse(this.requests[i]?.body ?? 'null') as T;
  }

  /** Resolves once `n` requests have been answered (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} requests, got ${this.requests.length}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => this.requests.length >= w.n);
    this.waiters = this.waiters.filter((w) => this.requests.length < w.n);
    for (const w of ready) setImmediate(w.resolve);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

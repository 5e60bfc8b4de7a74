/**
 * One JSON POST over node:http(s), with a timeout and a bounded response body, and the errors a
 * notifier needs to decide whether to retry: status, Retry-After, network failure. URLs and
 * headers are never put in an error message (a Slack webhook URL is its own credential).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

const MAX_BODY = 64 * 1024;

/** POSTs `body`; resolves with any HTTP status, rejects on network errors and timeouts. */
export function postJson(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error('the configured URL is not a URL'));
      return;
    }
    const request = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : undefined;
    if (!request) {
      reject(new Error(`the configured URL's scheme ${u.protocol} is not http or https`));
      return;
    }
    const payload = Buffer.from(body);
    const req = request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length), 'user-agent': 'ribwatch', ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) }));
        res.on('error', (e) => reject(new Error(`response: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // Node's messages name host and port at most (never the path or the query of the URL).
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code !== undefined ? `${e.code}: ${e.message}` : e.message)));
    req.end(payload);
  });
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date; ms, or undefined. */
export function retryAfterMs(v: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  if (s === undefined || s === '') return undefined;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** A failed delivery attempt: whether to try again and when the server asked us to. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Maps an HTTP answer to success or a DeliveryError: 2xx ok; 408, 425, 429, 5xx retriable; other 4xx final. */
export function checkResponse(r: HttpResponse, what: string): void {
  if (r.status >= 200 && r.status < 300) return;
  const detail = r.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const retriable = r.status === 408 || r.status === 425 || r.status === 429 || r.status >= 500;
  throw new DeliveryError(`${what}: HTTP ${r.status}${detail ? ` ${detail}` : ''}`, retriable, retryAfterMs(r.headers['retry-after']), r.status);
}

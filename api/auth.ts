/**
 * Bearer tokens with scopes. Configuration holds only SHA-256 hashes of tokens (api.tokens); the
 * clear-text api.token (RIBWATCH_API_TOKEN) is hashed at start and forgotten. A request's token
 * is hashed and compared with every configured hash by crypto.timingSafeEqual, all of them, so
 * neither which token matched nor how much of it did shows in the response time.
 *
 * Scopes: `read` for every GET; `admin` also acknowledges alerts and manages silences.
 * Unauthenticated access (read only) exists when explicitly enabled, and only on a loopback
 * listener: checked at start, where the address is known.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiTokenEntry } from '../config/config.js';
import { ApiError } from './errors.js';

export type Scope = 'read' | 'admin';
/** What a route needs: nothing (probes), a token of any scope, or admin. */
export type RouteAccess = 'public' | 'read' | 'admin';

export interface Principal {
  readonly name: string;
  readonly scope: Scope;
}

export interface TokenHash {
  readonly name: string;
  readonly scope: Scope;
  readonly hash: Uint8Array;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function sha256Hex(text: string): string {
  return sha256(text).toString('hex');
}

/** The configured hashes plus, hashed now, the clear-text admin token (when set). */
export function tokenHashes(entries: readonly ApiTokenEntry[], clearAdminToken = ''): TokenHash[] {
  const out: TokenHash[] = entries.map((e) => ({ name: e.name, scope: e.scope, hash: Buffer.from(e.sha256, 'hex') }));
  if (clearAdminToken !== '') out.push({ name: 'api.token', scope: 'admin', hash: sha256(clearAdminToken) });
  return out;
}

export class Authenticator {
  constructor(
    private readonly tokens: readonly TokenHash[],
    /** Requests without an Authorization header get read scope (loopback only; see checkListen). */
    readonly allowUnauthenticated: boolean,
  ) {}

  /** The caller of a request with this Authorization header, or an ApiError (401). */
  identify(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization === '') {
      if (this.allowUnauthenticated) return { name: 'anonymous', scope: 'read' };
      throw new ApiError('RW_API_UNAUTHENTICATED', 'this route needs a bearer token: Authorization: Bearer <token>', { 'www-authenticate': 'Bearer realm="ribwatch"' });
    }
    const m = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization);
    if (!m) throw new ApiError('RW_API_UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"', { 'www-authenticate': 'Bearer realm="ribwatch", error="invalid_request"' });
    const h = sha256(m[1] ?? '');
    let found: TokenHash | undefined;
    // Every hash is compared, whatever matched: the time taken does not depend on which did.
    for (const t of this.tokens) {
      if (timingSafeEqual(t.hash, h) && found === undefined) found = t;
    }
    if (!found) throw new ApiError('RW_API_UNAUTHENTICATED', 'the bearer token matches no configured token', { 'www-authenticate': 'Bearer realm="ribwatch", error="invalid_token"' });
    return { name: found.name, scope: found.scope };
  }

  /** Throws 401/403 unless the request may use a route with this access. */
  check(access: RouteAccess, authorization: string | undefined): Principal | undefined {
    if (access === 'public') return undefined;
    const p = this.identify(authorization);
    if (access === 'admin' && p.scope !== 'admin') throw new ApiError('RW_API_FORBIDDEN', `token "${p.name}" has scope read; this route needs admin`);
    return p;
  }

  get tokenCount(): number {
    return this.tokens.length;
  }
}

/** True for 127.0.0.0/8, ::1 and localhost: the only places unauthenticated access may listen. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

export const FIRST_RUN_TOKEN_FILE = 'api-token.sha256';

/**
 * The first run on the embedded default with no token configured: a random admin token is made,
 * its hash kept in the data directory (mode 0600) and the token returned once, for the caller to
 * print. Later runs find the hash and return only it.
 */
export function firstRunToken(dataDir: string): { readonly hash: TokenHash; readonly token?: string } {
  const file = join(dataDir, FIRST_RUN_TOKEN_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file}: expected a SHA-256 hex digest; delete the file to generate a new token`);
    return { hash: { name: 'first-run', scope: 'admin', hash: Buffer.from(hex, 'hex') } };
  }
  const token = `rw_${randomBytes(24).toString('base64url')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${sha256Hex(token)}\n`, { mode: 0o600 });
  return { hash: { name: 'first-run', scope: 'admin', hash: sha256(token) }, token };
}

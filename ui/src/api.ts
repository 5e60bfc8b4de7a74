/**
 * The data calls: every one carries the bearer token, which the user enters once (kept in this
 * tab's session storage) or passes in the URL fragment `#token=…` — a fragment never reaches the
 * server, and it is removed from the address bar as soon as it is read.
 */

const KEY = 'ribwatch.token';
export const API = '/api/v1';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Takes `#token=…` from the address into session storage, and out of the address bar. */
export function adoptFragmentToken(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(history.state, '', location.pathname + location.search);
}

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(t: string): void {
  sessionStorage.setItem(KEY, t.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t) headers['authorization'] = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    throw new ApiFailure(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? (text.slice(0, 200) || res.statusText));
  }
  return json as T;
}

export function get<T>(path: string): Promise<T> {
  return call<T>('GET', path);
}

export function post<T>(path: string, body?: unknown): Promise<T> {
  return call<T>('POST', path, body ?? {});
}

/** Follows `next` cursors to collect a whole list, up to `maxPages` pages. */
export async function getAll<T>(path: string, key: string, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Record<string, unknown> = await get<Record<string, unknown>>(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    out.push(...((page[key] as T[] | undefined) ?? []));
    cursor = (page['next'] as string | null | undefined) ?? null;
    if (!cursor) break;
  }
  return out;
}

/** A path with query parameters, empty values left out. */
export function q(path: string, params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * The server without a store (a stub that answers empty results): what start-up refuses, and the
 * HTTP behaviour every route shares — auth and scopes, unauthenticated access on loopback only,
 * the rate limit (429 with Retry-After, in the error catalogue's shape), 404/405, body limits,
 * and HTTPS when a certificate and key are configured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, startApi } from '../../api/index.js';
import type { ApiOptions } from '../../api/index.js';
import { sha256Hex } from '../../api/auth.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../telemetry/log.js';
import type { Store } from '../../store/index.js';

const ADMIN = 'admin-token-for-unit-tests';
const READ = 'read-token-for-unit-tests';
const store = { kind: 'server', where: 'stub', query: async () => Promise.resolve([]), ping: async () => Promise.resolve() } as unknown as Store;
const log = createLogger({ level: 'silent' });

function options(env: Record<string, string>, extra: Partial<ApiOptions> = {}): ApiOptions {
  const { config } = loadConfig({ env });
  return { store, config, log, listen: { host: '127.0.0.1', port: 0 }, ...extra };
}

const tokens = { RIBWATCH_API_TOKEN: ADMIN, RIBWATCH_API_TOKENS: `ci:read:${sha256Hex(READ)}` };

void test('start-up refuses no token at all, and unauthenticated access off loopback', async () => {
  await assert.rejects(buildApi(options({})), /no token configured/);
  await assert.rejects(buildApi(options({ RIBWATCH_API_ALLOW_UNAUTHENTICATED: 'true' }, { listen: { host: '0.0.0.0', port: 0 } })), /only allowed on a loopback address/);
  const app = await buildApi(options({ RIBWATCH_API_ALLOW_UNAUTHENTICATED: 'true' }));
  assert.equal((await app.inject('/api/v1/routers')).statusCode, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/silences/x' })).statusCode, 403);
  await app.close();
});

void test('tokens and scopes on every kind of route; probes and docs are public', async () => {
  const app = await buildApi(options(tokens));
  const code = async (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string): Promise<string> => {
    const r = await app.inject({ method, url, headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} });
    return `${r.statusCode} ${r.statusCode >= 400 ? String(r.json<{ code: string }>().code) : ''}`.trim();
  };
  assert.equal(await code('GET', '/healthz'), '200');
  assert.equal(await code('GET', '/readyz'), '200');
  assert.equal(await code('GET', '/docs/json'), '200');
  assert.equal(await code('GET', '/api/v1/peers'), '401 RW_API_UNAUTHENTICATED');
  assert.equal(await code('GET', '/api/v1/peers', 'nope'), '401 RW_API_UNAUTHENTICATED');
  assert.equal(await code('GET', '/api/v1/peers', READ), '200');
  assert.equal(await code('POST', '/api/v1/alerts/a1/acknowledge', READ), '403 RW_API_FORBIDDEN');
  assert.equal(await code('POST', '/api/v1/alerts/a1/acknowledge', ADMIN), '503 RW_API_NOT_AVAILABLE');
  assert.equal(await code('DELETE', '/api/v1/peers', READ), '405 RW_API_METHOD_NOT_ALLOWED');
  assert.equal(await code('GET', '/api/v2/peers', READ), '404 RW_API_NOT_FOUND');
  const r = await app.inject({ method: 'DELETE', url: '/api/v1/peers', headers: { authorization: `Bearer ${READ}` } });
  assert.equal(r.headers['allow'], 'GET, HEAD');
  await app.close();
});

void test('metrics can require a token', async () => {
  const app = await buildApi(options({ ...tokens, RIBWATCH_API_METRICS_TOKEN: 'true' }));
  assert.equal((await app.inject('/metrics')).statusCode, 401);
  assert.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).statusCode, 200);
  await app.close();
});

void test('the rate limit answers 429 in the catalogue shape, with Retry-After; probes are not limited', async () => {
  const app = await buildApi(options({ ...tokens, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '3' }));
  const h = { authorization: `Bearer ${READ}` };
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ url: '/api/v1/routers', headers: h })).statusCode, 200);
  const r = await app.inject({ url: '/api/v1/routers', headers: h });
  assert.equal(r.statusCode, 429);
  assert.equal(r.json<{ code: string }>().code, 'RW_API_RATE_LIMITED');
  assert.ok(Number(r.headers['retry-after']) > 0);
  for (let i = 0; i < 5; i++) assert.equal((await app.inject('/healthz')).statusCode, 200);
  await app.close();
});

void test('bodies: over the limit is 413, not JSON is 415, broken JSON is 400', async () => {
  const app = await buildApi(options({ ...tokens, RIBWATCH_API_BODY_LIMIT_BYTES: '1KiB' }));
  const h = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const big = await app.inject({ method: 'POST', url: '/api/v1/silences', headers: h, payload: JSON.stringify({ reason: 'x'.repeat(5000) }) });
  assert.deepEqual([big.statusCode, big.json<{ code: string }>().code], [413, 'RW_API_BODY_TOO_LARGE']);
  const xml = await app.inject({ method: 'POST', url: '/api/v1/silences', headers: { ...h, 'content-type': 'application/xml' }, payload: '<a/>' });
  assert.deepEqual([xml.statusCode, xml.json<{ code: string }>().code], [415, 'RW_API_UNSUPPORTED_MEDIA_TYPE']);
  const broken = await app.inject({ method: 'POST', url: '/api/v1/silences', headers: h, payload: '{"matchers":' });
  assert.equal(broken.statusCode, 400);
  await app.close();
});

const openssl = spawnSync('openssl', ['version']).status === 0;

void test('HTTPS when api.tls.cert and api.tls.key are set', { skip: openssl ? false : 'openssl is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    assert.equal(r.status, 0, r.stderr.toString());
    const api = await startApi(options({ ...tokens, RIBWATCH_API_TLS_CERT: cert, RIBWATCH_API_TLS_KEY: key }));
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${api.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(body), { status: 'ok', checks: {} });
    await api.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

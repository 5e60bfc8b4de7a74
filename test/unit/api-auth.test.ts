/**
 * Bearer tokens: only hashes are configured, the clear-text admin token is hashed at start, a
 * wrong token or a missing one is 401, a read token on an admin route 403; unauthenticated access
 * is read-only and only on loopback; the first run on an embedded store makes one admin token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator, firstRunToken, isLoopback, sha256Hex, tokenHashes } from '../../api/auth.js';
import { ApiError } from '../../api/errors.js';
import { loadConfig } from '../../config/load.js';

const READ = 'read-token-0123456789';
const ADMIN = 'admin-token-abcdefghij';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return `${e.statusCode} ${e.code}`;
  }
  return 'ok';
}

void test('configured hashes authenticate their tokens with their scope; others are 401/403', () => {
  const auth = new Authenticator(tokenHashes([{ name: 'grafana', scope: 'read', sha256: sha256Hex(READ) }], ADMIN), false);
  assert.deepEqual(auth.check('read', `Bearer ${READ}`), { name: 'grafana', scope: 'read' });
  assert.deepEqual(auth.check('admin', `Bearer ${ADMIN}`), { name: 'api.token', scope: 'admin' });
  assert.equal(code(() => auth.check('read', undefined)), '401 RW_API_UNAUTHENTICATED');
  assert.equal(code(() => auth.check('read', 'Bearer wrong')), '401 RW_API_UNAUTHENTICATED');
  assert.equal(code(() => auth.check('read', `Basic ${READ}`)), '401 RW_API_UNAUTHENTICATED');
  assert.equal(code(() => auth.check('read', `Bearer ${READ} `)), '401 RW_API_UNAUTHENTICATED');
  assert.equal(code(() => auth.check('admin', `Bearer ${READ}`)), '403 RW_API_FORBIDDEN');
  assert.equal(auth.check('public', undefined), undefined);
});

void test('the 401 carries a WWW-Authenticate challenge', () => {
  const auth = new Authenticator([], false);
  try {
    auth.identify(undefined);
    assert.fail('expected 401');
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.match(e.headers['www-authenticate'] ?? '', /^Bearer realm="ribwatch"/);
  }
});

void test('unauthenticated access, when enabled, is read scope; a bad token is still refused', () => {
  const auth = new Authenticator(tokenHashes([], ADMIN), true);
  assert.deepEqual(auth.check('read', undefined), { name: 'anonymous', scope: 'read' });
  assert.equal(code(() => auth.check('admin', undefined)), '403 RW_API_FORBIDDEN');
  assert.equal(code(() => auth.check('read', 'Bearer nope')), '401 RW_API_UNAUTHENTICATED');
});

void test('loopback is 127/8, ::1 and localhost only', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com']) assert.ok(!isLoopback(h), h);
});

void test('tokens come from configuration as hashes; RIBWATCH_API_TOKEN is the clear admin token', () => {
  const hash = sha256Hex(READ);
  const { config } = loadConfig({ env: { RIBWATCH_API_TOKENS: `grafana:read:${hash.toUpperCase()}`, RIBWATCH_API_TOKEN: ADMIN } });
  assert.deepEqual(config.api.tokens, [{ name: 'grafana', scope: 'read', sha256: hash }]);
  assert.equal(config.api.token, ADMIN);
  assert.throws(() => loadConfig({ text: 'api:\n  tokens:\n    - { name: x, scope: root, sha256: abc }\n' }), /scope must be read or admin/);
  assert.throws(() => loadConfig({ text: `api:\n  tokens:\n    - { name: x, scope: read, sha256: ${READ} }\n` }), /64 hex digits/);
});

void test('the first run makes one admin token, keeps only its hash (0600), and reuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-token-'));
  try {
    const first = firstRunToken(dir);
    assert.ok(first.token?.startsWith('rw_'));
    const file = join(dir, 'api-token.sha256');
    assert.equal(readFileSync(file, 'utf8').trim(), sha256Hex(first.token ?? ''));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = firstRunToken(dir);
    assert.equal(again.token, undefined);
    const auth = new Authenticator([again.hash], false);
    assert.equal(auth.check('admin', `Bearer ${first.token ?? ''}`)?.scope, 'admin');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

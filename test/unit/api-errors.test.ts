/**
 * The error catalogue stays in step with docs/api.md: every RW_API_* code is documented with its
 * status, and the docs name no code the API does not have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_ERRORS, API_ERROR_CODES } from '../../api/errors.js';

const docs = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

void test('every error code is in docs/api.md with its status', () => {
  for (const code of API_ERROR_CODES) {
    const row = new RegExp(`^\\| \`${code}\` \\| ${API_ERRORS[code].status} \\|`, 'm');
    assert.match(docs, row, `docs/api.md lacks the row for ${code} (${API_ERRORS[code].status})`);
  }
});

void test('docs/api.md names no code the catalogue lacks', () => {
  const named = new Set(docs.match(/RW_API_[A-Z_]+/g) ?? []);
  for (const c of named) assert.ok((API_ERROR_CODES as string[]).includes(c), `docs/api.md names ${c}, which api/errors.ts does not define`);
});

void test('codes are unique and statuses are HTTP error statuses', () => {
  assert.equal(new Set(API_ERROR_CODES).size, API_ERROR_CODES.length);
  for (const c of API_ERROR_CODES) assert.ok(API_ERRORS[c].status >= 400 && API_ERRORS[c].status < 600, c);
});

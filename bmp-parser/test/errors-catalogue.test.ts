// The error catalogue is a contract (STYLE.md §7): every code in ErrorCode is documented in
// docs/errors.md, and the page names no code that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCode } from '../src/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('every ErrorCode is documented in docs/errors.md', () => {
  for (const code of Object.values(ErrorCode)) assert.ok(doc.includes(`\`${code}\``), `${code} missing from docs/errors.md`);
});

test('docs/errors.md documents no code that ErrorCode lacks', () => {
  const documented = new Set(doc.match(/RW_ERR_[A-Z0-9_]+/g) ?? []);
  const known = new Set<string>(Object.values(ErrorCode));
  for (const code of documented) assert.ok(known.has(code), `${code} documented but not in ErrorCode`);
  assert.ok(documented.size >= known.size);
});

test('codes are unique and stable-looking', () => {
  const values = Object.values(ErrorCode);
  assert.equal(new Set(values).size, values.length);
  for (const v of values) assert.match(v, /^RW_ERR_[A-Z_]+$/);
});

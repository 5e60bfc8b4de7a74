/** store/clickhouse-text: the one DateTime64(3) text and TabSeparated escaping every writer of rows uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chTime, tsvEscape } from '../../store/clickhouse-text.js';

void test('times: RFC 3339 UTC becomes DateTime64(3) text; other offsets are converted to UTC', () => {
  assert.equal(chTime('2026-11-21T17:20:05.126Z'), '2026-11-21 17:20:05.126');
  assert.equal(chTime('2026-11-21T18:20:05+01:00'), '2026-11-21 17:20:05.000');
  assert.throws(() => chTime('yesterday'), /RFC 3339/);
});

void test('times: ms since the epoch give the same text as their RFC 3339 form', () => {
  const ms = Date.UTC(2026, 10, 21, 10, 0, 0, 125);
  assert.equal(chTime(ms), '2026-11-21 10:00:00.125');
  assert.equal(chTime(ms), chTime(new Date(ms).toISOString()));
  assert.equal(chTime(0), '1970-01-01 00:00:00.000');
});

void test('TabSeparated escaping: tab, newline, CR, NUL, backslash and the single quote; other text unchanged', () => {
  assert.equal(tsvEscape('a\tb\nc\\d\'e\rf\0g'), "a\\tb\\nc\\\\d\\'e\\rf\\0g");
  assert.equal(tsvEscape('leaf1 10.0.0.0/8 ü'), 'leaf1 10.0.0.0/8 ü');
  assert.equal(tsvEscape(''), '');
});

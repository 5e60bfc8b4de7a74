/** inventory/prefix-trie: parsing, formatting, exact/longest-match/covering/covered over both families. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixTrie, formatPrefix, parsePrefix, prefixContains, prefixesOverlap } from '../../inventory/prefix-trie.js';

const key = (s: string) => {
  const k = parsePrefix(s);
  assert.ok(k, s);
  return k;
};

void test('parsePrefix clears host bits and formats canonically', () => {
  assert.equal(formatPrefix(key('10.244.1.77/24')), '10.244.1.0/24');
  assert.equal(formatPrefix(key('10.0.0.1')), '10.0.0.1/32');
  assert.equal(formatPrefix(key('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatPrefix(key('255.255.255.255/1')), '128.0.0.0/1');
  assert.equal(formatPrefix(key('2001:DB8:0:0:1::/64')), '2001:db8::/64');
  assert.equal(formatPrefix(key('2001:db8::1/128')), '2001:db8::1/128');
  assert.equal(formatPrefix(key('::/0')), '::/0');
  assert.equal(formatPrefix(key('fd00:10:244:1::/64')), 'fd00:10:244:1::/64');
  assert.equal(formatPrefix(key('::ffff:10.0.0.0/104')), '::ffff:a00:0/104');
  assert.equal(formatPrefix(key('2001:db8:1:2:3:4:5:6/127')), '2001:db8:1:2:3:4:5:6/127');
  for (const bad of ['10.0.0/8', '10.0.0.256/32', '10.0.0.0/33', '2001:db8::/129', 'x', '1::2::3/64', '10.0.0.0/', '']) {
    assert.equal(parsePrefix(bad), undefined, bad);
  }
});

void test('containment and overlap, never across families', () => {
  assert.ok(prefixContains(key('10.244.0.0/16'), key('10.244.1.0/24')));
  assert.ok(prefixContains(key('10.244.0.0/16'), key('10.244.0.0/16')));
  assert.ok(!prefixContains(key('10.244.1.0/24'), key('10.244.0.0/16')));
  assert.ok(!prefixContains(key('10.244.0.0/16'), key('10.245.0.0/24')));
  assert.ok(prefixContains(key('0.0.0.0/0'), key('192.0.2.1/32')));
  assert.ok(!prefixContains(key('::/0'), key('192.0.2.1/32')));
  assert.ok(prefixContains(key('2001:db8::/32'), key('2001:db8:ffff::/48')));
  assert.ok(!prefixContains(key('2001:db8::/33'), key('2001:db8:8000::/48')));
  assert.ok(prefixesOverlap(key('10.244.1.0/24'), key('10.0.0.0/8')));
  assert.ok(!prefixesOverlap(key('10.244.1.0/24'), key('10.244.2.0/24')));
});

void test('exact, longest-match, covering and covered queries', () => {
  const t = new PrefixTrie<string>();
  t.set('10.0.0.0/8', 'a');
  t.set('10.244.0.0/16', 'b');
  t.set('10.244.1.0/24', 'c');
  t.set('10.244.2.0/25', 'd');
  t.set('2001:db8::/32', 'v6');
  t.set('2001:db8:1::/48', 'v6b');
  assert.equal(t.size, 6);
  assert.equal(t.get('10.244.0.0/16'), 'b');
  assert.equal(t.get('10.244.0.0/17'), undefined);
  assert.equal(t.longestMatch('10.244.1.5/32')?.value, 'c');
  assert.equal(t.longestMatch('10.244.1.5')?.prefix, '10.244.1.0/24');
  assert.equal(t.longestMatch('10.244.2.128/25')?.value, 'b');
  assert.equal(t.longestMatch('10.244.0.0/16')?.value, 'b', 'an equal prefix is its own longest match');
  assert.equal(t.longestMatch('11.0.0.0/8'), undefined);
  assert.equal(t.longestMatch('2001:db8:1:2::/64')?.value, 'v6b');
  assert.equal(t.longestMatch('2001:db9::/32'), undefined);
  assert.deepEqual(t.covering('10.244.1.128/25').map((e) => e.value), ['a', 'b', 'c']);
  assert.deepEqual(t.covering('10.0.0.0/7').map((e) => e.value), []);
  assert.deepEqual(t.covered('10.244.0.0/16').map((e) => e.prefix), ['10.244.0.0/16', '10.244.1.0/24', '10.244.2.0/25']);
  assert.deepEqual(t.covered('10.0.0.0/7').map((e) => e.value), ['a', 'b', 'c', 'd']);
  assert.deepEqual(t.covered('10.244.3.0/24'), []);
  assert.deepEqual(t.covered('::/0').map((e) => e.value), ['v6', 'v6b']);
  assert.equal(t.entries().length, 6);
  assert.ok(t.delete('10.244.0.0/16'));
  assert.ok(!t.delete('10.244.0.0/16'));
  assert.equal(t.size, 5);
  assert.equal(t.longestMatch('10.244.2.128/25')?.value, 'a');
  t.set('0.0.0.0/0', 'default');
  assert.equal(t.longestMatch('192.0.2.0/24')?.value, 'default');
  assert.throws(() => t.set('nope', 'x'), RangeError);
});

void test('a random set agrees with a linear scan', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const t = new PrefixTrie<number>();
  const list: { k: ReturnType<typeof key>; i: number }[] = [];
  for (let i = 0; i < 300; i++) {
    const len = 8 + Math.floor(rnd() * 20);
    const addr = `10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}/${len}`;
    const k = key(addr);
    if (t.has(k)) continue;
    t.set(k, i);
    list.push({ k, i });
  }
  for (let q = 0; q < 300; q++) {
    const qk = key(`10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}/${8 + Math.floor(rnd() * 25)}`);
    const cover = list.filter((e) => prefixContains(e.k, qk)).sort((a, b) => a.k.length - b.k.length);
    assert.deepEqual(t.covering(qk).map((e) => e.value), cover.map((e) => e.i));
    assert.equal(t.longestMatch(qk)?.value, cover.at(-1)?.i);
    const inside = list.filter((e) => prefixContains(qk, e.k)).map((e) => e.i).sort((a, b) => a - b);
    assert.deepEqual(t.covered(qk).map((e) => e.value).sort((a, b) => a - b), inside);
  }
});

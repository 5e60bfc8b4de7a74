/**
 * Address values in the configuration: HOST:PORT with bracketed IPv6, and CIDR allowlists that
 * match IPv4 routers arriving on a dual-stack listener as ::ffff:a.b.c.d.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyCidrContains, canonicalAddress, cidrContains, formatHostPort, parseCidr, parseHostPort } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';

/** The error text of a parse that must fail. */
function why(r: unknown): string {
  assert.equal(typeof r, 'string', `expected an error, got ${JSON.stringify(r)}`);
  return r as string;
}

function cidr(s: string): Cidr {
  const c = parseCidr(s);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

void test('HOST:PORT and [IPv6]:PORT parse; ambiguous or broken forms are explained', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:11019'), { host: '127.0.0.1', port: 11019 });
  assert.deepEqual(parseHostPort('[::1]:11019'), { host: '::1', port: 11019 });
  assert.deepEqual(parseHostPort('collector.example:11019'), { host: 'collector.example', port: 11019 });
  assert.match(why(parseHostPort('::1:11019')), /brackets/);
  assert.match(why(parseHostPort('127.0.0.1')), /HOST:PORT/);
  assert.match(why(parseHostPort('127.0.0.1:99999')), /out of range/);
  assert.match(why(parseHostPort('[zz]:1')), /not an IPv6 address/);
  assert.equal(formatHostPort({ host: '::', port: 11019 }), '[::]:11019');
});

void test('CIDRs match addresses of their own family, IPv4-mapped IPv6 as IPv4', () => {
  const v4 = cidr('10.0.0.0/8');
  assert.equal(cidrContains(v4, '10.255.0.1'), true);
  assert.equal(cidrContains(v4, '11.0.0.1'), false);
  assert.equal(cidrContains(v4, '::ffff:10.1.2.3'), true);
  const v6 = cidr('2001:db8::/32');
  assert.equal(cidrContains(v6, '2001:db8:ffff::1'), true);
  assert.equal(cidrContains(v6, '2001:db9::1'), false);
  assert.equal(cidrContains(v6, '10.0.0.1'), false);
  assert.equal(cidrContains(cidr('::1/128'), '::1'), true);
  assert.equal(cidrContains(cidr('0.0.0.0/0'), '203.0.113.9'), true);
  assert.equal(anyCidrContains([v4, v6], '192.0.2.1'), false);
  assert.equal(cidrContains(cidr('192.0.2.7'), '192.0.2.7'), true, 'a bare address is a host route');
  assert.match(why(parseCidr('10.0.0.0/33')), /prefix length/);
  assert.match(why(parseCidr('example.com/8')), /not an IPv4 or IPv6 network/);
  assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('2001:db8::1'), '2001:db8::1');
});

/**
 * Dump tracking with a fake clock: a dump runs from the session start or a Peer Up until that
 * key's End-of-RIB or a quiet period without route records from the peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DumpTracker } from '../../records/dump-tracker.js';

const QUIET = 10_000;

void test('routes are dump records from the session start until End-of-RIB for that key', () => {
  const d = new DumpTracker(0, QUIET);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 100), true);
  assert.equal(d.route('p1', 'adj-in-post', 'ipv4-unicast', 200), true);
  d.endOfRib('p1', 'adj-in-pre', 'ipv4-unicast', 300);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 400), false);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv6-unicast', 400), true, 'another AFI/SAFI still dumps');
  assert.equal(d.route('p1', 'adj-in-post', 'ipv4-unicast', 400), true, 'another RIB view still dumps');
  assert.equal(d.route('p2', 'adj-in-pre', 'ipv4-unicast', 400), true, 'another peer still dumps');
});

void test('a quiet period without route records from a peer ends its dump for every key, and stays ended', () => {
  const d = new DumpTracker(0, QUIET);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 1_000), true);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 10_999), true, 'routes keep coming: still dumping');
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 20_999), false, 'exactly the quiet period later');
  assert.equal(d.route('p1', 'adj-in-post', 'ipv6-unicast', 21_000), false, 'every key of the peer');
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 21_001), false, 'sticky: fast routes after the quiet do not reopen it');
});

void test('a peer first seen after the quiet period of the session start is live', () => {
  const d = new DumpTracker(0, QUIET);
  assert.equal(d.inDump('late', 'loc-rib', 'ipv4-unicast', 5_000), true);
  assert.equal(d.route('late', 'loc-rib', 'ipv4-unicast', 60_000), false);
});

void test('Peer Up restarts the dump for that peer only, clearing its End-of-RIBs', () => {
  const d = new DumpTracker(0, QUIET);
  d.route('p1', 'adj-in-pre', 'ipv4-unicast', 100);
  d.route('p2', 'adj-in-pre', 'ipv4-unicast', 100);
  d.endOfRib('p1', 'adj-in-pre', 'ipv4-unicast', 200);
  d.endOfRib('p2', 'adj-in-pre', 'ipv4-unicast', 200);
  d.peerUp('p1', 100_000);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 100_500), true);
  assert.equal(d.route('p2', 'adj-in-pre', 'ipv4-unicast', 100_500), false);
  assert.equal(d.route('p1', 'adj-in-pre', 'ipv4-unicast', 200_000), false, 'then the quiet period ends it');
});

void test('after Peer Down, routes without a new Peer Up are live', () => {
  const d = new DumpTracker(0, QUIET);
  d.peerUp('p1', 50_000);
  d.peerDown('p1');
  assert.equal(d.route('p1', 'adj-in-post', 'ipv4-unicast', 50_001), false);
});

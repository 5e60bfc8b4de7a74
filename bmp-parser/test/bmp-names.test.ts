// BMP code-point names (src/bmp/names.ts): the strings records, JSON and metric labels show. They
// are a public contract (docs/records.md), so the known ones are pinned here one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BMP_MESSAGE_TYPE_NAMES,
  BmpMessageType,
  PeerDownReason,
  PeerType,
  STAT_TYPES,
  TerminationReason,
  bmpTypeName,
  isBmpMessageType,
  peerDownReasonName,
  peerTypeName,
  statName,
  terminationReasonName,
} from '../src/index.js';

void test('message types are named in snake case by their code, unknown ones as type_<n>', () => {
  assert.deepEqual(
    Object.values(BmpMessageType).map(bmpTypeName),
    ['route_monitoring', 'statistics_report', 'peer_down', 'peer_up', 'initiation', 'termination', 'route_mirroring'],
  );
  assert.equal(BMP_MESSAGE_TYPE_NAMES.length, 7);
  assert.equal(bmpTypeName(7), 'type_7');
  assert.equal(bmpTypeName(255), 'type_255');
  assert.equal(isBmpMessageType(6), true);
  assert.equal(isBmpMessageType(7), false);
  assert.equal(isBmpMessageType(-1), false);
});

void test('peer types are global, rd, local and loc-rib, unknown ones type-<n>', () => {
  assert.deepEqual(Object.values(PeerType).map(peerTypeName), ['global', 'rd', 'local', 'loc-rib']);
  assert.equal(peerTypeName(4), 'type-4');
  assert.equal(peerTypeName(255), 'type-255');
});

void test('Peer Down and Termination reasons have their record names, unknown ones reason-<n>', () => {
  assert.deepEqual(Object.values(PeerDownReason).map(peerDownReasonName), [
    'local-notification',
    'local-no-notification',
    'remote-notification',
    'remote-no-notification',
    'peer-deconfigured',
    'local-system-closed',
  ]);
  assert.equal(peerDownReasonName(0), 'reason-0');
  assert.equal(peerDownReasonName(7), 'reason-7');
  assert.deepEqual(Object.values(TerminationReason).map(terminationReasonName), [
    'administratively-closed',
    'unspecified',
    'out-of-resources',
    'redundant-connection',
    'permanently-administratively-closed',
  ]);
  assert.equal(terminationReasonName(5), 'reason-5');
  // Inherited object keys are not reasons.
  assert.equal(terminationReasonName(Number('NaN')), 'reason-NaN');
});

void test('statistics types carry the names records have always shown, and type-<n> where they have none', () => {
  assert.equal(statName(0), 'prefixes-rejected-by-inbound-policy');
  assert.equal(statName(3), 'updates-invalidated-cluster-list-loop');
  assert.equal(statName(7), 'routes-adj-rib-in');
  assert.equal(statName(13), 'duplicate-updates');
  assert.equal(statName(22), 'routes-adj-rib-in-pre-rejected-per-afi-safi');
  assert.equal(statName(32), 'routes-left-before-license-threshold-per-afi-safi');
  assert.equal(statName(65531), 'frr-experimental-nexthop-invalid');
  for (const t of [24, 25, 33, 43, 44, 1000, 65535]) assert.equal(statName(t), `type-${t}`);
});

void test('every registered statistics type 0-43 has an encoding, per-AFI/SAFI ones by their name', () => {
  for (let t = 0; t <= 43; t++) assert.ok(STAT_TYPES.get(t)?.encoding, `type ${t}`);
  for (const [t, s] of STAT_TYPES) if (s.name?.endsWith('-per-afi-safi')) assert.equal(s.encoding, 'afsafi-g64', `type ${t}`);
  assert.equal(STAT_TYPES.get(65531)?.encoding, undefined);
});

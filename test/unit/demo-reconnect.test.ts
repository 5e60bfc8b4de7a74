/**
 * The demo fabric when its collector restarts: every router reconnects (bounded back-off) and
 * opens a new BMP session with Initiation, a Peer Up for each established peer (node6 stays down
 * after its teardown) and its whole current table, trouble included. Fed through the same
 * detectors after the first session's records, the re-dump raises nothing: a reconnect is not a
 * flap, not new dampening, not a new leak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import { DetectorSet } from '../../analyzer/detectors/index.js';
import type { Observation } from '../../analyzer/types.js';
import { startDemoFabric } from '../../simulator/index.js';
import { MemorySink, memoryLogger, until } from './collector-helpers.js';

function collector(port: number, sink: MemorySink): BmpCollector {
  const c = parseCidr('127.0.0.0/8') as Cidr;
  return new BmpCollector({
    listen: { host: '127.0.0.1', port },
    maxSessions: 8,
    maxMessageBytes: 1 << 20,
    tcpKeepaliveSeconds: 0,
    allow: [c],
    dumpQuietSeconds: 10,
    sink,
    log: memoryLogger().log,
    metrics: new CollectorMetrics(createRegistry({ processMetrics: false })),
  });
}

test('collector restart: the routers reconnect and re-dump their current tables; the detectors stay quiet', { timeout: 30_000 }, async () => {
  const a = new MemorySink();
  const first = collector(0, a);
  const { port } = await first.start();
  const fabric = startDemoFabric({ bmp: { host: '127.0.0.1', port }, speed: 25, seed: 5 });
  const b = new MemorySink();
  let second: BmpCollector | undefined;
  try {
    await fabric.scriptDone;
    await until(() => a.records.some((r) => r.type === 'peer_down'), 5000);
    await first.stop('restart');
    second = collector(port, b);
    await second.start();
    // 5 nodes x 2 views x 2 families + 2 x 2 leaf<-border + 2 x 2 border<-leaf + upstream pre/post/out.
    await until(() => b.records.filter((r) => r.type === 'end_of_rib').length === 31, 10_000);
  } finally {
    await fabric.stop();
    await second?.stop();
  }
  assert.deepEqual(
    fabric.status().map((s) => [s.name, s.sessions, s.gaveUp]),
    [
      ['leaf1', 2, false],
      ['leaf2', 2, false],
      ['border1', 2, false],
    ],
  );
  const story = fabric.story;
  const inB = <T extends BusRecord['type']>(t: T) => b.records.filter((r): r is Extract<BusRecord, { type: T }> => r.type === t);
  assert.deepEqual(inB('router_init').map((r) => r.sys_name).sort(), ['border1', 'leaf1', 'leaf2']);
  const ups = inB('peer_up');
  assert.equal(ups.length, 10);
  assert.ok(!ups.some((u) => u.peer.address === story.pressure.peer), 'node6 stays down after its teardown');
  assert.ok(ups.every((u) => !u.reset));
  // The re-dump carries the current state: the flapped /32 (re-announced last), the leaks, node6's routes gone.
  const dumped = (router: string, peer: string, rib = 'adj-in-pre') =>
    b.records
      .filter((r): r is RouteRecord => r.type === 'route' && r.router === router && r.peer.address === peer && r.rib === rib)
      .flatMap((r) => {
        assert.equal(r.dump, true);
        return r.announced.map((x) => x.prefix);
      });
  assert.ok(dumped('127.0.11.1', story.flap.peer).includes(story.flap.prefix));
  assert.ok(dumped('127.0.11.1', story.leak.peer).includes(story.leak.misOrigin));
  assert.ok(dumped('127.0.11.1', story.leak.peer).includes(story.leak.podIp));
  assert.deepEqual(dumped('127.0.11.254', story.leak.border.toPeer, 'adj-out-post').sort(), ['10.244.0.0/16', '172.16.0.0/24']);
  assert.equal(dumped('127.0.11.2', story.pressure.peer).length, 0);

  const detectors = new DetectorSet(fabric.inventory);
  const before: Observation[] = [];
  for (const r of a.records) before.push(...detectors.onRecord(r));
  assert.equal(before.filter((o) => o.kind === 'prefix-flap').length, 2);
  const after: Observation[] = [];
  for (const r of b.records) after.push(...detectors.onRecord(r));
  assert.deepEqual(
    after.map((o) => `${o.kind} ${o.subject.prefix ?? ''}`),
    [],
  );
});

/**
 * The analyzer pipeline end to end in one process, without a store: the demo fabric (25x speed)
 * → a real collector → the in-process bus → the analyzer as its own consumer group (beside a
 * second group standing in for the writer) → every detector → the alert lifecycle. The demo's
 * records produce exactly the expected alert kinds, one alert per condition (the pod range seen
 * at the border from two peers is one alert with two observers). And an inventory reload changes
 * a verdict: the same announcement is fine under one policy and a leak under the next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { MemoryBus } from '../../bus/index.js';
import type { BusBatch } from '../../bus/index.js';
import { loadConfig } from '../../config/load.js';
import { parseInventory } from '../../inventory/inventory.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';
import { AnalyzerPipeline, detectorOptions, startAnalyzer } from '../../analyzer/index.js';
import { startDemoFabric } from '../../simulator/index.js';
import type { Observation } from '../../analyzer/types.js';
import { memoryLogger, until } from './collector-helpers.js';

const loopback = (): Cidr[] => [parseCidr('127.0.0.0/8') as Cidr];

test('demo fabric → collector → in-process bus → analyzer group → detectors → alerts: exactly the demo story', { timeout: 60_000 }, async () => {
  const { log } = memoryLogger();
  const registry = createRegistry({ processMetrics: false });
  const { config } = loadConfig({ overrides: { 'analyzer.audit.startDelaySeconds': '0' } });
  const bus = new MemoryBus({ topic: 'demo' });
  // A second consumer group, as the writer is in `run`: the analyzer must not share its offsets.
  const seenByWriter: BusRecord[] = [];
  const writer = bus.consumer({ group: 'ribwatch-writer', maxWaitMs: 20 });
  await writer.start((b: BusBatch) => {
    seenByWriter.push(...b.records);
    return Promise.resolve();
  });
  const analyzer = await startAnalyzer({ bus, config, log, registry, env: {}, inventory: parseInventory('clusters: []\nrouters: []\n'), inventoryLabel: 'placeholder' });
  const producer = bus.producer();
  const collector = new BmpCollector({ listen: { host: '127.0.0.1', port: 0 }, maxSessions: 8, maxMessageBytes: 1 << 20, tcpKeepaliveSeconds: 0, allow: loopback(), dumpQuietSeconds: 10, sink: producer, log, metrics: new CollectorMetrics(registry) });
  const { port } = await collector.start();
  const fabric = startDemoFabric({ bmp: { host: '127.0.0.1', port }, speed: 25, seed: 1 });
  // The demo's own inventory, swapped in as a reload would (before the first route arrives).
  analyzer.pipeline.setInventory(fabric.inventory);
  try {
    await fabric.started;
    await fabric.scriptDone;
    const manager = analyzer.alerting.manager;
    await until(() => manager.list().some((a) => a.kind === 'max-prefix-teardown'), 10_000);
    await until(() => analyzer.pipeline.stats.records > 0 && analyzer.pipeline.stats.records === seenByWriter.length, 10_000);
    const alerts = manager.list();
    const kinds = [...new Set(alerts.map((a) => a.kind))].sort();
    assert.deepEqual(kinds, ['dampening', 'max-prefix-teardown', 'pod-cidr-leak', 'prefix-flap', 'prefix-limit']);
    const by = (k: string) => alerts.filter((a) => a.kind === k);
    assert.equal(by('dampening').length, 1);
    assert.equal(by('prefix-flap').length, 1);
    assert.equal(by('max-prefix-teardown').length, 1);
    assert.equal(by('prefix-limit').length, 1);
    const leaks = by('pod-cidr-leak');
    assert.equal(leaks.length, 3, leaks.map((a) => a.key).join('\n'));
    const border = leaks.find((a) => a.subject.prefix === '10.244.0.0/16');
    assert.ok(border);
    assert.equal(border.observerCount, 2, 'the pod range at the border from two peers is one alert with two observers');
    assert.equal(border.severity, 'critical');
    assert.equal(by('max-prefix-teardown')[0]?.severity, 'critical');
    assert.equal(by('prefix-flap')[0]?.severity, 'critical');
    assert.equal(by('dampening')[0]?.severity, 'critical');
    // Metrics: state sizes per detector and observations by kind.
    const text = await registry.metrics();
    assert.match(text, /ribwatch_analyzer_state_keys\{detector="rfd"\} [1-9]/);
    assert.match(text, /ribwatch_analyzer_observations_total\{kind="pod-cidr-leak",detector="leaks",active="true"\} [1-9]/);
  } finally {
    await fabric.stop();
    await collector.stop();
    await analyzer.stop(0);
    await writer.stop();
    await bus.close();
  }
});

const INV = (advertisePodCIDRs: boolean) => `
clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    loadBalancerPools: [172.16.0.0/24]
    egressIPs: []
    policy: { advertisePodCIDRs: ${advertisePodCIDRs}, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }
    nodes:
      - { name: node1, address: 192.0.2.11, asn: 64512, podCIDRs: [10.244.1.0/24] }
routers:
  - name: leaf1
    address: 192.0.2.1
    role: leaf
    asn: 65000
    peers:
      - { address: 192.0.2.11, maxPrefix: { ipv4-unicast: 100 } }
`;

let seq = 0;
function announce(prefix: string, at: string): RouteRecord {
  return {
    v: 1,
    type: 'route',
    router: '192.0.2.1',
    session: 's1',
    seq: ++seq,
    time: at,
    peer: { address: '192.0.2.11', asn: 64512, bgp_id: '192.0.2.11', type: 'global', rd: null },
    rib: 'adj-in-post',
    afi_safi: 'ipv4-unicast',
    router_time: at,
    attributes: { origin: 'igp', as_path: [64512], next_hop: '192.0.2.11', med: null, local_pref: null, atomic_aggregate: false, aggregator: null, communities: [], large_communities: [], ext_communities: [], originator_id: null, cluster_list: [], other: [] },
    announced: [{ prefix, path_id: null }],
    withdrawn: [],
    dump: false,
  };
}

test('an inventory reload changes a verdict: node1 announcing its PodCIDR is fine, then a leak once the policy forbids pod CIDRs', () => {
  const seen: Observation[] = [];
  const { config } = loadConfig();
  const t0 = Date.parse('2026-11-21T10:00:00Z');
  const p = new AnalyzerPipeline({ detectors: detectorOptions(config.analyzer), inventory: parseInventory(INV(true)), sink: { observeAll: (os) => seen.push(...os) }, clock: () => t0 });
  p.onRecords([announce('10.244.1.0/24', '2026-11-21T10:00:00.000Z')]);
  p.tick(t0);
  assert.deepEqual(seen.filter((o) => o.detector === 'leaks'), []);

  p.setInventory(parseInventory(INV(false)));
  p.onRecords([announce('10.244.1.0/24', '2026-11-21T10:00:05.000Z')]);
  const leak = seen.filter((o) => o.kind === 'pod-cidr-leak');
  assert.equal(leak.length, 1);
  assert.equal(leak[0]?.severity, 'critical');
  assert.deepEqual(leak[0]?.subject, { router: 'leaf1', peer: '192.0.2.11', cluster: 'prod', node: 'node1', prefix: '10.244.1.0/24' });
  assert.match(leak[0]?.summary ?? '', /advertisePodCIDRs: false/);
  assert.equal(p.stats.records, 2);
});

test('a detector that throws on a record is counted and skipped; the others still see it', () => {
  const seen: Observation[] = [];
  const { config } = loadConfig();
  const p = new AnalyzerPipeline({ detectors: detectorOptions(config.analyzer), inventory: parseInventory(INV(false)), sink: { observeAll: (os) => seen.push(...os) } });
  const first = p.detectors.detectors[0];
  assert.ok(first);
  (first as { onRecord: (r: BusRecord) => Observation[] }).onRecord = () => {
    throw new Error('boom');
  };
  p.onRecords([announce('10.244.1.0/24', '2026-11-21T10:00:00.000Z')]);
  assert.equal(p.stats.errors, 1);
  assert.equal(seen.filter((o) => o.kind === 'pod-cidr-leak').length, 1);
});

test('contradicting thresholds are refused naming the keys', () => {
  const { config } = loadConfig({ overrides: { 'analyzer.prefixFlap.warning': '30', 'analyzer.prefixLimit.warningPercent': '95' } });
  assert.throws(() => detectorOptions(config.analyzer), /analyzer\.prefixFlap\.warning \(30\) must be below analyzer\.prefixFlap\.critical \(20\); analyzer\.prefixLimit\.warningPercent \(95\) must be below analyzer\.prefixLimit\.criticalPercent \(90\)/);
});

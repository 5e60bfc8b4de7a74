/**
 * The analyzer role with its inventory from a file (analyzer.inventory), over the in-process bus:
 * the file edited to forbid pod CIDRs is reloaded and swapped into the detectors, so the same
 * announcement that raised nothing before is a pod-cidr-leak after; a broken edit keeps the last
 * good inventory. A broken file at start is one StartupError naming analyzer.inventory (exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus } from '../../bus/index.js';
import { loadConfig } from '../../config/load.js';
import { StartupError } from '../../lifecycle/startup.js';
import type { RouteRecord } from '../../records/types.js';
import { startAnalyzer } from '../../analyzer/index.js';
import { memoryLogger, until } from './collector-helpers.js';

const INV = (advertisePodCIDRs: boolean): string => `
clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: []
    loadBalancerPools: []
    egressIPs: []
    policy: { advertisePodCIDRs: ${advertisePodCIDRs}, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }
    nodes:
      - { name: node1, address: 192.0.2.11, asn: 64512, podCIDRs: [10.244.1.0/24] }
routers:
  - { name: leaf1, address: 192.0.2.1, role: leaf, asn: 65000 }
`;

let seq = 0;
function announce(prefix: string): RouteRecord {
  const at = new Date().toISOString();
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

test('analyzer.inventory is watched: an edit forbidding pod CIDRs turns the next announcement into a leak; a broken edit keeps the last good one', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-inv-'));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, INV(true));
  const { log } = memoryLogger();
  const { config } = loadConfig({ overrides: { 'analyzer.inventory': file, 'analyzer.maxWaitMs': '10' } });
  const bus = new MemoryBus({ topic: 't' });
  const analyzer = await startAnalyzer({ bus, config, log, env: {} });
  const producer = bus.producer();
  try {
    assert.deepEqual(analyzer.describe().slice(0, 2), [`inventory ${file} (reloaded when it changes); 1 cluster, 1 router`, 'detectors prefix-flap, session-flap, dampening, leaks, prefix-limit']);
    producer.write([announce('10.244.1.0/24')]);
    await until(() => analyzer.pipeline.stats.records === 1, 5000);
    assert.deepEqual(analyzer.alerting.manager.list(), []);

    const before = analyzer.inventory();
    writeFileSync(file, 'clusters: [ {name: broken');
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(analyzer.inventory(), before, 'a broken edit keeps the last good inventory');

    writeFileSync(file, INV(false));
    await until(() => analyzer.inventory() !== before, 5000);
    assert.equal(analyzer.inventory().cluster('prod')?.policy.advertisePodCIDRs, false);
    producer.write([announce('10.244.1.0/24')]);
    await until(() => analyzer.alerting.manager.list().length > 0, 5000);
    const [a] = analyzer.alerting.manager.list();
    assert.equal(a?.kind, 'pod-cidr-leak');
    assert.deepEqual(a?.subject, { cluster: 'prod', node: 'node1', prefix: '10.244.1.0/24' });
  } finally {
    await analyzer.stop(0);
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken inventory at start is one StartupError naming analyzer.inventory, exit status 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-inv-'));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, 'clusters:\n  - name: prod\n    podCidrs: [10.244.0.0/16]\n');
  const { config } = loadConfig({ overrides: { 'analyzer.inventory': file } });
  const bus = new MemoryBus({ topic: 't' });
  try {
    await assert.rejects(
      startAnalyzer({ bus, config, env: {} }),
      (e: unknown) => e instanceof StartupError && e.exitCode === 2 && /^analyzer\.inventory: inventory\.yaml: clusters\[0\]\.podCidrs: unknown key/.test(e.message),
    );
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** inventory/: the issue's YAML, the shipped example, every error naming file/key/line, lookups, overlaps, reload. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAMPENING_PROFILES, InventoryError, dampeningCeiling, loadInventory, parseInventory, watchInventory } from '../../inventory/inventory.js';

const ISSUE_YAML = `clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    loadBalancerPools: [172.16.0.0/24]
    egressIPs: []
    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }
    nodes:
      - { name: node1, address: 192.0.2.11, asn: 64512, podCIDRs: [10.244.1.0/24] }
routers:
  - name: leaf1
    sysName: leaf1
    address: 192.0.2.1
    role: leaf
    peers:
      - { address: 192.0.2.11, maxPrefix: { ipv4-unicast: 100 }, dampening: cisco }
      - { address: 203.0.113.1, external: true }
`;

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InventoryError) return err.problems;
    throw err;
  }
  assert.fail('expected an InventoryError');
}

void test('the YAML from issue 4 is accepted as written', () => {
  const inv = parseInventory(ISSUE_YAML, '/etc/ribwatch/inventory.yaml');
  assert.equal(inv.clusters.length, 1);
  const prod = inv.clusters[0];
  assert.ok(prod);
  assert.deepEqual(prod.podCIDRs, ['10.244.0.0/16']);
  assert.deepEqual(prod.policy, { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false });
  assert.deepEqual(prod.nodes[0], { name: 'node1', cluster: 'prod', address: '192.0.2.11', asn: 64512, podCIDRs: ['10.244.1.0/24'] });
  const leaf = inv.router('192.0.2.1');
  assert.equal(leaf?.name, 'leaf1');
  assert.equal(leaf.role, 'leaf');
  const p = inv.peer(leaf, '192.0.2.11');
  assert.deepEqual(p?.maxPrefix, { 'ipv4-unicast': 100 });
  assert.equal(p?.dampening, DAMPENING_PROFILES.cisco);
  assert.equal(p?.external, false);
  assert.equal(inv.peer(leaf, '203.0.113.1')?.external, true);
  assert.equal(inv.peer(leaf, '203.0.113.1')?.dampening, null);
  assert.deepEqual(inv.overlaps, []);
  assert.deepEqual(inv.warnings, []);
});

void test('the shipped example loads without problems or warnings', () => {
  const inv = loadInventory(new URL('../../../deploy/inventory.example.yaml', import.meta.url).pathname);
  assert.deepEqual(inv.warnings, []);
  assert.deepEqual(inv.overlaps, []);
  assert.equal(inv.clusters.length, 2);
  assert.equal(inv.router('127.0.0.1', 'leaf1')?.name, 'leaf1');
  assert.equal(inv.router('127.0.10.254')?.role, 'border');
  const leaf = inv.router('127.0.0.1', 'leaf1');
  assert.equal(inv.peer(leaf, '127.0.10.2')?.dampening?.profile, 'frr', 'router default applies');
  const explicit = inv.peer(leaf, '127.0.10.21')?.dampening;
  assert.equal(explicit?.profile, 'explicit(cisco)');
  assert.equal(explicit?.halfLifeSeconds, 600);
  assert.equal(explicit?.suppress, 3000);
  assert.equal(explicit?.withdrawal, 1000);
  assert.equal(inv.nodeByAddress('::1')?.name, 'node9');
});

void test('router matching: sysName, then address, then name against sysName', () => {
  const inv = parseInventory(`routers:
  - { name: a, sysName: leaf-a.example, role: leaf }
  - { name: b, address: 10.0.0.2, role: spine }
  - { name: leaf-c, role: border }
`);
  assert.equal(inv.router('10.9.9.9', 'leaf-a.example')?.name, 'a');
  assert.equal(inv.router('10.0.0.2', 'whatever')?.name, 'b');
  assert.equal(inv.router('10.0.0.2')?.name, 'b');
  assert.equal(inv.router('10.9.9.9', 'leaf-c')?.name, 'leaf-c');
  assert.equal(inv.router('10.9.9.9', 'nobody'), undefined);
  assert.equal(inv.router('10.9.9.9'), undefined);
});

void test('ownership lookups: covering ranges with node, strictly-inside ranges', () => {
  const inv = parseInventory(ISSUE_YAML);
  assert.deepEqual(inv.owners('10.244.1.5/32').map((o) => [o.kind, o.prefix, o.node?.name ?? null]), [
    ['pod', '10.244.0.0/16', null],
    ['node-pod', '10.244.1.0/24', 'node1'],
  ]);
  assert.deepEqual(inv.owners('172.16.0.7/32').map((o) => o.kind), ['lb']);
  assert.deepEqual(inv.owners('10.100.0.0/16').map((o) => o.kind), ['service']);
  assert.deepEqual(inv.owners('8.8.8.0/24'), []);
  assert.deepEqual(inv.inside('10.0.0.0/8').map((o) => o.prefix), ['10.96.0.0/12', '10.244.0.0/16', '10.244.1.0/24']);
  assert.deepEqual(inv.inside('10.244.1.0/24'), []);
});

void test('every problem at once, each naming the file, the key path and the line', () => {
  const bad = `clusters:
  - name: prod
    podCidrs: [10.244.0.0/16]
    podCIDRs: [10.244.0.0/33, nope]
    policy: { advertisePodCIDRs: yes-please }
    nodes:
      - { name: n1, address: 10.0.0.300, asn: 0, podCIDRs: [10.244.1.0/24] }
      - { name: n1, asn: 70000 }
routers:
  - name: leaf1
    role: tor
    peers:
      - { address: 192.0.2.1, maxPrefix: { ipv4-unicast: -1, bogus: 5 }, dampening: huawei }
      - { address: 192.0.2.2, dampening: { halfLife: 0, reuse: 3000, suppress: 2000 } }
`;
  const p = problems(() => parseInventory(bad, '/x/inv.yaml'));
  const expect = [
    'inv.yaml: clusters[0].podCidrs: unknown key (expected one of name, podCIDRs, serviceCIDRs, loadBalancerPools, egressIPs, policy, nodes) (line 3)',
    'inv.yaml: clusters[0].policy.advertisePodCIDRs: expected true or false, got "yes-please" (line 5)',
    'inv.yaml: clusters[0].nodes[0].address: expected an IPv4 or IPv6 address, got "10.0.0.300" (line 7)',
    'inv.yaml: clusters[0].nodes[0].asn: expected an AS number 1..4294967295, got 0 (line 7)',
    'inv.yaml: clusters[0].nodes[1].name: duplicate node name in this cluster, got "n1" (line 8)',
    'inv.yaml: clusters[0].nodes[1].address: is required (a string) (line 8)',
    'inv.yaml: clusters[0].podCIDRs[0]: expected an IPv4 or IPv6 CIDR, got "10.244.0.0/33" (line 4)',
    'inv.yaml: clusters[0].podCIDRs[1]: expected a CIDR ("10.244.0.0/16"), got "nope" (line 4)',
    'inv.yaml: routers[0].role: expected one of leaf, spine, border, got "tor" (line 11)',
    'inv.yaml: routers[0].peers[0].maxPrefix.ipv4-unicast: expected a positive integer, got -1 (line 13)',
    'inv.yaml: routers[0].peers[0].maxPrefix.bogus: expected an AFI/SAFI name such as ipv4-unicast (line 13)',
    'inv.yaml: routers[0].peers[0].dampening: expected a profile (cisco, juniper, frr, rfc7196, none) or explicit parameters, got "huawei" (line 13)',
    'inv.yaml: routers[0].peers[1].dampening.halfLife: expected a half-life in minutes > 0, got 0 (line 14)',
    'inv.yaml: routers[0].peers[1].dampening.reuse: must be below suppress (2000), got 3000 (line 14)',
  ];
  for (const e of expect) assert.ok(p.includes(e), `missing: ${e}\n got:\n${p.join('\n')}`);
  assert.ok(!p.some((x) => x.includes('nodes[1].asn')), 'asn 70000 is a valid 4-byte AS');
  assert.equal(p.length, expect.length, p.join('\n'));
});

void test('YAML syntax errors name the file and line', () => {
  const p = problems(() => parseInventory('clusters:\n  - name: [unclosed\n', 'inv.yaml'));
  assert.equal(p.length >= 1, true);
  assert.match(p[0] ?? '', /^inv\.yaml: .* \(line \d+\)$/);
  assert.match(problems(() => loadInventory('/nonexistent/inv.yaml'))[0] ?? '', /^inv\.yaml: cannot read/);
});

void test('an empty file is an empty inventory', () => {
  const inv = parseInventory('', 'inv.yaml');
  assert.equal(inv.clusters.length, 0);
  assert.deepEqual(inv.owners('10.0.0.0/8'), []);
});

void test('overlaps between clusters and between nodes of one cluster are found at load', () => {
  const inv = parseInventory(`clusters:
  - name: a
    podCIDRs: [10.244.0.0/16]
    nodes:
      - { name: n1, address: 10.0.0.1, asn: 64512, podCIDRs: [10.244.1.0/24] }
      - { name: n2, address: 10.0.0.2, asn: 64512, podCIDRs: [10.244.1.128/25] }
  - name: b
    podCIDRs: [10.244.128.0/17]
    loadBalancerPools: [172.16.0.0/24]
`);
  const text = inv.overlaps.map((o) => `${o.a.cluster}:${o.a.kind}:${o.a.prefix} ~ ${o.b.cluster}:${o.b.kind}:${o.b.prefix}`);
  assert.deepEqual(text, ['a:pod:10.244.0.0/16 ~ b:pod:10.244.128.0/17', 'a:node-pod:10.244.1.0/24 ~ a:node-pod:10.244.1.128/25']);
});

void test('dampening profiles: ceilings as docs/dampening.md derives them; a suppress above the ceiling warns', () => {
  assert.equal(dampeningCeiling(DAMPENING_PROFILES.cisco), 12000);
  assert.equal(dampeningCeiling(DAMPENING_PROFILES.frr), 12000);
  assert.equal(dampeningCeiling(DAMPENING_PROFILES.juniper), 12000);
  assert.ok(Math.abs(dampeningCeiling(DAMPENING_PROFILES.rfc7196) - 50000) < 1e-6);
  assert.ok(Math.abs(DAMPENING_PROFILES.rfc7196.maxSuppressSeconds / 60 - 90.88) < 0.01, 'Tmax ≈ 91 min');
  const inv = parseInventory(`routers:
  - name: r
    role: leaf
    peers:
      - { address: 10.0.0.1, dampening: { suppress: 13000 } }
`, 'i.yaml');
  assert.deepEqual(inv.warnings, ['i.yaml: routers[0].peers[0].dampening: suppress 13000 is above the ceiling 12000 (reuse·2^(maxSuppress/halfLife)): nothing will ever be suppressed (line 5)']);
});

void test('reload on change; a bad edit keeps the last good inventory and says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-inv-'));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, ISSUE_YAML);
  const warnings: unknown[] = [];
  const changes: number[] = [];
  const w = watchInventory({
    file,
    debounceMs: 30,
    log: { info: () => undefined, warn: (obj) => warnings.push(obj) },
    onChange: (next) => changes.push(next.clusters.length),
  });
  try {
    assert.equal(w.current.clusters.length, 1);
    writeFileSync(file, ISSUE_YAML.replace('routers:', '  - name: dev\n    podCIDRs: [10.250.0.0/16]\nrouters:'));
    for (let i = 0; i < 100 && changes.length === 0; i++) await sleep(20);
    assert.deepEqual(changes, [2]);
    assert.equal(w.current.clusters.length, 2);
    writeFileSync(file, 'clusters: [ { name: x, podCIDRs: [bad] } ]\n');
    for (let i = 0; i < 100 && w.failures === 0; i++) await sleep(20);
    assert.equal(w.failures, 1);
    assert.equal(w.current.clusters.length, 2, 'last good inventory kept');
    assert.deepEqual(warnings, [{ file, problems: ['inventory.yaml: clusters[0].podCIDRs[0]: expected a CIDR ("10.244.0.0/16"), got "bad" (line 1)'] }]);
    // Replaced by rename, as editors and ConfigMap mounts do.
    writeFileSync(join(dir, 'tmp.yaml'), ISSUE_YAML);
    renameSync(join(dir, 'tmp.yaml'), file);
    for (let i = 0; i < 100 && changes.length < 2; i++) await sleep(20);
    assert.deepEqual(changes, [2, 1]);
  } finally {
    w.close();
  }
});

/** kubernetes/: objects from a kubectl dump → what each node should announce, to whom, with which attributes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClusterObjects, changedPrefixes, computeIntent, mergeInventory, objectsFromText, toInventoryCluster } from '../../kubernetes/index.js';
import type { ClusterIntent } from '../../kubernetes/index.js';
import { parseInventory } from '../../inventory/inventory.js';
import { rangeToPrefixes } from '../../kubernetes/objects.js';

const FIXTURE = readFileSync(new URL('../../../test/fixtures/kubernetes/cilium-cluster.yaml', import.meta.url), 'utf8');

function intentOf(text: string, cluster = 'prod'): { intent: ClusterIntent; problems: string[]; ignored: number } {
  const r = objectsFromText(text, 'cluster.yaml');
  const objs = new ClusterObjects(cluster);
  for (const o of r.objects) objs.upsert(o);
  return { intent: computeIntent(objs), problems: r.problems, ignored: r.ignored };
}

function ads(i: ClusterIntent, node: string): string[] {
  return (i.nodes.find((n) => n.name === node)?.advertisements ?? []).map((a) => `${a.prefix} ${a.kind}${a.service ? ` ${a.service}` : ''}`);
}

test('a kubectl v1 List is read; the malformed Node is skipped with a line naming it and the Pod is ignored', () => {
  const { intent, problems, ignored } = intentOf(FIXTURE);
  assert.deepEqual(intent.nodes.map((n) => n.name), ['node1', 'node2', 'node3']);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^cluster\.yaml: Node broken: spec\.podCIDRs\[0\]: expected a CIDR, got "not-a-cidr"$/);
  assert.equal(ignored, 1);
});

test('Cilium v2 chain: cluster config → peer config → advertisements selected by label; PodCIDR on each selected node with its communities', () => {
  const { intent } = intentOf(FIXTURE);
  assert.ok(ads(intent, 'node1').includes('10.244.1.0/24 pod-cidr'));
  assert.ok(ads(intent, 'node2').includes('10.244.2.0/24 pod-cidr'));
  // node3 has no bgp=on label: nothing is expected from it.
  assert.deepEqual(ads(intent, 'node3'), []);
  const pod = intent.nodes.find((n) => n.name === 'node1')?.advertisements.find((a) => a.kind === 'pod-cidr');
  assert.deepEqual(pod?.communities, ['65010:100']);
  assert.deepEqual(pod?.peers, ['127.0.40.1']);
  assert.equal(pod?.source, 'CiliumBGPAdvertisement pod-and-lb');
});

test('externalTrafficPolicy Local: the LB IP only from nodes with a ready endpoint; Cluster: from every selected node', () => {
  const { intent } = intentOf(FIXTURE);
  assert.ok(!ads(intent, 'node1').includes('172.20.0.10/32 lb-ip shop/web'));
  assert.ok(ads(intent, 'node2').includes('172.20.0.10/32 lb-ip shop/web'));
  assert.ok(ads(intent, 'node1').includes('172.20.0.11/32 lb-ip shop/api'));
  assert.ok(ads(intent, 'node2').includes('172.20.0.11/32 lb-ip shop/api'));
  const web = intent.services.find((s) => s.name === 'web');
  assert.deepEqual(web?.readyNodes, ['node2']);
  assert.deepEqual(web?.announcers, ['node2']);
  const lb = intent.nodes.find((n) => n.name === 'node2')?.advertisements.find((a) => a.service === 'shop/web');
  assert.deepEqual(lb?.communities, ['65010:200', 'NO_EXPORT']);
  assert.equal(lb?.localPref, 150);
  // The ClusterIP advertisement is in an advertisement no peer config selects: not expected.
  assert.ok(!intent.nodes.some((n) => n.advertisements.some((a) => a.kind === 'cluster-ip')));
  assert.equal(intent.policy.advertiseServiceCIDRs, false);
  assert.equal(intent.policy.advertisePodCIDRs, true);
});

test('ASN from the node\'s CiliumBGPNodeConfig before the cluster config; its status is kept for the status check', () => {
  const { intent } = intentOf(FIXTURE);
  const n1 = intent.nodes.find((n) => n.name === 'node1');
  const n2 = intent.nodes.find((n) => n.name === 'node2');
  assert.equal(n1?.asn, 65011);
  assert.equal(n2?.asn, 65010);
  assert.equal(n1?.bgpStatus[0]?.routeCount[0]?.advertised, 3);
});

test('the egress IP is expected from one of the gateway nodes; LB pool start/stop blocks become exact prefixes', () => {
  const { intent } = intentOf(FIXTURE);
  const eg = intent.nodes.find((n) => n.name === 'node1')?.advertisements.find((a) => a.kind === 'egress-ip');
  assert.equal(eg?.prefix, '172.20.5.1/32');
  assert.equal(eg?.mode, 'any');
  assert.deepEqual(intent.ranges.loadBalancerPools, ['172.20.0.0/24', '172.20.1.10/31', '172.20.1.12/31']);
  assert.deepEqual(intent.ranges.egressIPs, ['172.20.5.1/32']);
  assert.deepEqual(rangeToPrefixes('10.0.0.1', '10.0.0.6'), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
});

test('the intent becomes the inventory\'s cluster: live wins over the file, the file\'s routers and policy gaps stay', () => {
  const { intent } = intentOf(FIXTURE);
  const file = parseInventory(`clusters:
  - name: prod
    podCIDRs: [10.99.0.0/16]
    policy: { noExportOnLoadBalancer: true }
    nodes: [ { name: old, address: 192.0.2.1, asn: 65099, podCIDRs: [10.99.1.0/24] } ]
routers:
  - { name: leaf1, address: 127.0.40.1, role: leaf }
`);
  const withPolicy = computeIntent((() => { const o = new ClusterObjects('prod'); for (const x of objectsFromText(FIXTURE, 'f').objects) o.upsert(x); return o; })(), { fileCluster: file.cluster('prod') });
  const conflicts: string[] = [];
  const merged = mergeInventory(file, [withPolicy], (c) => conflicts.push(c));
  assert.deepEqual(conflicts, ['prod']);
  assert.equal(merged.routers.length, 1);
  assert.equal(merged.clusters.length, 1);
  assert.equal(merged.nodeByAddress('127.0.40.12')?.name, 'node2');
  assert.equal(merged.nodeByAddress('192.0.2.1'), undefined);
  assert.equal(merged.cluster('prod')?.policy.noExportOnLoadBalancer, true);
  assert.deepEqual(toInventoryCluster(intent).nodes.map((n) => `${n.name}@${n.address}/${n.asn}`), ['node1@127.0.40.11/65011', 'node2@127.0.40.12/65010', 'node3@127.0.40.13/0']);
});

test('changedPrefixes names what a reallocated PodCIDR, a moved LB IP and a deleted Service touch, and nothing else', () => {
  const before = intentOf(FIXTURE).intent;
  const moved = FIXTURE.replace('podCIDRs: [10.244.2.0/24]', 'podCIDRs: [10.244.9.0/24]').replace('ip: 172.20.0.11', 'ip: 172.20.0.12');
  const after = intentOf(moved).intent;
  const changed = [...changedPrefixes(before, after)].sort();
  assert.deepEqual(changed, ['10.244.2.0/24', '10.244.9.0/24', '172.20.0.11/32', '172.20.0.12/32']);
  assert.equal(changedPrefixes(before, intentOf(FIXTURE).intent).size, 0);
});

test('MetalLB: pools, BGPAdvertisement with a named Community, aggregationLength, node selectors; Calico service ranges', () => {
  const text = `
apiVersion: v1
kind: List
items:
- { apiVersion: v1, kind: Node, metadata: { name: a, labels: { zone: x } }, status: { addresses: [ { type: InternalIP, address: 192.0.2.1 } ] } }
- { apiVersion: v1, kind: Node, metadata: { name: b, labels: { zone: y } }, status: { addresses: [ { type: InternalIP, address: 192.0.2.2 } ] } }
- { apiVersion: v1, kind: Service, metadata: { name: s, namespace: n }, spec: { type: LoadBalancer, clusterIPs: [10.96.0.9] }, status: { loadBalancer: { ingress: [ { ip: 198.51.100.7 } ] } } }
- { apiVersion: metallb.io/v1beta1, kind: IPAddressPool, metadata: { name: pub, namespace: metallb-system }, spec: { addresses: [198.51.100.0-198.51.100.15] } }
- { apiVersion: v1, kind: Service, metadata: { name: s2, namespace: metallb-system }, spec: { type: LoadBalancer }, status: { loadBalancer: { ingress: [ { ip: 198.51.100.9 } ] } } }
- { apiVersion: metallb.io/v1beta1, kind: Community, metadata: { name: c, namespace: metallb-system }, spec: { communities: [ { name: edge, value: "65100:7" } ] } }
- { apiVersion: metallb.io/v1beta2, kind: BGPPeer, metadata: { name: tor, namespace: metallb-system }, spec: { myASN: 64600, peerASN: 65100, peerAddress: 192.0.2.254 } }
- { apiVersion: metallb.io/v1beta1, kind: BGPAdvertisement, metadata: { name: ext, namespace: metallb-system }, spec: { ipAddressPools: [pub], communities: [edge, no-export], aggregationLength: 32, nodeSelectors: [ { matchLabels: { zone: x } } ], localPref: 120 } }
- { apiVersion: crd.projectcalico.org/v1, kind: BGPConfiguration, metadata: { name: default }, spec: { asNumber: 64700, serviceClusterIPs: [ { cidr: 10.96.0.0/12 } ] } }
`;
  const { intent, problems } = intentOf(text, 'mlb');
  assert.deepEqual(problems, []);
  assert.deepEqual(ads(intent, 'a'), ['10.96.0.0/12 service-range', '198.51.100.7/32 lb-ip n/s', '198.51.100.9/32 lb-ip metallb-system/s2']);
  assert.deepEqual(ads(intent, 'b'), ['10.96.0.0/12 service-range']);
  const lb = intent.nodes.find((n) => n.name === 'a')?.advertisements.find((x) => x.kind === 'lb-ip');
  assert.deepEqual(lb?.communities, ['65100:7', 'NO_EXPORT']);
  assert.equal(lb?.localPref, 120);
  // No peers named: to every BGPPeer.
  assert.equal(lb?.peers, null);
  assert.equal(intent.nodes.find((n) => n.name === 'a')?.asn, 64600);
  assert.deepEqual(intent.ranges.loadBalancerPools, ['198.51.100.0/28']);
  assert.equal(intent.policy.advertiseServiceCIDRs, true);
});

test('malformed input never throws: bad YAML, a list without items, a selector with a bad operator, a non-mapping', () => {
  for (const bad of ['{{{', 'kind: List\nitems: 3', 'apiVersion: cilium.io/v2\nkind: CiliumBGPClusterConfig\nmetadata: { name: x }\nspec: { nodeSelector: { matchExpressions: [ { key: a, operator: Near } ] } }', '- 1\n- 2', 'apiVersion: v1\nkind: Service\nmetadata: { name: s }\n']) {
    const r = objectsFromText(bad, 'bad.yaml');
    assert.equal(r.objects.length, 0, bad);
    assert.ok(r.problems.length >= 1, `no problem reported for ${JSON.stringify(bad)}`);
    assert.ok(r.problems.every((p) => p.startsWith('bad.yaml: ')));
  }
});

/**
 * The cluster as the source of truth, end to end with real components: a real kube-apiserver
 * (deploy/kubernetes/kube-apiserver.sh) holding Nodes, Services, EndpointSlices and the Cilium BGP
 * chain (the project's CRDs), a real FRR leaf exporting BMP, GoBGP nodes standing in for Cilium's
 * agent, and ribwatch's analyzer reading the cluster with informers (startAnalyzer, as `ribwatch
 * run --kubeconfig` does). Objects are created, changed and deleted with kubectl while the
 * routers announce; each new alert kind is raised on cue and resolved when fixed, and a scripted
 * scale-out, PodCIDR reallocation, LB IP move and Service deletion raise nothing.
 *
 * kubernetes.graceSeconds is 4 here (60 by default) so the cues fit in a bounded test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BmpCollector, collectorOptions } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { MemoryBus } from '../../bus/memory.js';
import { loadConfig } from '../../config/load.js';
import { startAnalyzer } from '../../analyzer/index.js';
import type { RunningAnalyzer } from '../../analyzer/index.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { Lab, kubeSkipReason, liveAvailable, startFabric, startKube, waitFor, LEAF } from './harness/index.js';
import type { Fabric, KubeTestServer } from './harness/index.js';

const skip = kubeSkipReason() || (liveAvailable().ok ? false : liveAvailable().reason);
const CRDS = fileURLToPath(new URL('../../../deploy/kubernetes/crds/cilium.yaml', import.meta.url));
const CLUSTERROLE = fileURLToPath(new URL('../../../deploy/kubernetes/clusterrole.yaml', import.meta.url));
const GRACE_S = 4;

/** node1 = 127.0.10.2, node2 = 127.0.10.3, node3 = 127.0.10.4 (scale-out), all AS 65010 as the CiliumBGPClusterConfig says. */
const node = (n: number, podCIDR: string, labels = 'bgp: "on"') =>
  `apiVersion: v1\nkind: Node\nmetadata: { name: node${n}, labels: { ${labels} } }\nspec: { podCIDRs: [${podCIDR}] }\nstatus: { addresses: [ { type: InternalIP, address: 127.0.10.${n + 1} } ] }\n`;

const CILIUM = `
apiVersion: cilium.io/v2
kind: CiliumBGPClusterConfig
metadata: { name: fabric }
spec:
  nodeSelector: { matchLabels: { bgp: "on" } }
  bgpInstances:
  - name: i65010
    localASN: 65010
    peers: [ { name: leaf1, peerAddress: ${LEAF.address}, peerASN: ${LEAF.asn}, peerConfigRef: { name: leaf } } ]
---
apiVersion: cilium.io/v2
kind: CiliumBGPPeerConfig
metadata: { name: leaf }
spec: { families: [ { afi: ipv4, safi: unicast, advertisements: { matchLabels: { advertise: bgp } } } ] }
---
apiVersion: cilium.io/v2
kind: CiliumBGPAdvertisement
metadata: { name: pods-and-lbs, labels: { advertise: bgp } }
spec:
  advertisements:
  - advertisementType: PodCIDR
    attributes: { communities: { standard: ["65010:100"] } }
  - advertisementType: Service
    service: { addresses: [LoadBalancerIP] }
    selector: { matchLabels: { bgp: "yes" } }
    attributes: { communities: { standard: ["65010:200"] } }
`;

/** The LB address is set afterwards through the status subresource, as an IPAM controller does. */
const service = (name: string, policy: 'Local' | 'Cluster') =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop, labels: { bgp: "yes" } }\nspec: { type: LoadBalancer, externalTrafficPolicy: ${policy}, ports: [ { port: 80, protocol: TCP } ] }\n`;

const slice = (svc: string, nodes: readonly string[]) =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: ${svc}-1, namespace: shop, labels: { kubernetes.io/service-name: ${svc} } }\naddressType: IPv4\nendpoints:\n${nodes.map((n, i) => `- { addresses: [10.244.9.${i + 1}], nodeName: ${n}, conditions: { ready: true } }`).join('\n') || '[]'}\n`;

let lab: Lab | undefined;
let kube: KubeTestServer | undefined;
let fabric: Fabric | undefined;
let analyzer: RunningAnalyzer | undefined;
let collector: BmpCollector | undefined;
let bus: MemoryBus | undefined;

function open(kind: string): { kind: string; subject: Record<string, unknown>; summary: string }[] {
  return (analyzer?.alerting.manager.list() ?? []).filter((a) => a.kind === kind && a.status !== 'resolved').map((a) => ({ kind: a.kind, subject: { ...a.subject }, summary: a.summary }));
}

function explain(): string {
  return `alerts now: ${JSON.stringify((analyzer?.alerting.manager.list() ?? []).map((a) => `${a.status} ${a.kind} ${JSON.stringify(a.subject)}`), null, 1)}`;
}

async function apply(yaml: string): Promise<void> {
  await kube?.kubectl(['apply', '-f', '-'], yaml);
}

async function setLbIp(name: string, ip: string): Promise<void> {
  await kube?.kubectl(['-n', 'shop', 'patch', 'service', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } })]);
}

before(async () => {
  if (skip) return;
  lab = new Lab('kubernetes');
  kube = await startKube();
  await kube.kubectl(['apply', '-f', CRDS]);
  await kube.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  await kube.kubectl(['create', 'namespace', 'shop']);
  // ribwatch reads through the documented read-only ClusterRole, as the reader user.
  await kube.kubectl(['apply', '-f', CLUSTERROLE]);
  await kube.kubectl(['create', 'clusterrolebinding', 'ribwatch-reader', '--clusterrole=ribwatch-reader', '--user=ribwatch-reader']);
  await apply(`${node(1, '10.244.1.0/24')}---\n${node(2, '10.244.2.0/24')}---\n${CILIUM}`);
  await apply(service('web', 'Local'));
  await setLbIp('web', '172.20.0.10');
  await apply(slice('web', ['node2']));

  const inventory = lab.path('routers.yaml');
  writeFileSync(inventory, `routers:\n  - { name: leaf1, address: ${LEAF.address}, role: leaf }\n`);
  const config = loadConfig({
    text: `collector: { listen: "127.0.0.1:0", metricsListen: "" }\nanalyzer: { inventory: ${JSON.stringify(inventory)}, metricsListen: "" }\nkubernetes: { graceSeconds: ${GRACE_S} }\nalerts: { resolveAfterSeconds: 1, squashSeconds: 0 }\nlog: { level: warn }\n`,
  }).config;
  const log = createLogger({ level: 'warn' });
  bus = new MemoryBus({ topic: 'k8s-test' });
  analyzer = await startAnalyzer({ bus, config, log, registry: createRegistry(), env: {}, kubernetes: { kubeconfigs: [`prod=${kube.readerKubeconfig}`] } });
  collector = new BmpCollector(collectorOptions(config.collector, { sink: bus.producer({ onError: () => undefined }), log, metrics: new CollectorMetrics(createRegistry()) }));
  const bound = await collector.start();
  fabric = await startFabric(lab, { nodes: [{ index: 1, asn: 65010 }, { index: 2, asn: 65010 }, { index: 3, asn: 65010 }], bmp: { connect: [{ host: bound.host, port: bound.port }] }, networks: [] });
  await Promise.all(fabric.nodes.map((n) => n.waitEstablished()));
});

after(async () => {
  await fabric?.nodes[0]?.stop().catch(() => undefined);
  await lab?.close();
  await collector?.stop().catch(() => undefined);
  await analyzer?.stop(0).catch(() => undefined);
  await bus?.close().catch(() => undefined);
  await kube?.stop();
});

test('the cluster read through the read-only ClusterRole: nodes and Services with their expected announcers', { skip, timeout: 60_000 }, () => {
  const k = analyzer?.kubernetes;
  assert.ok(k, 'the analyzer reads the cluster');
  const st = k.status()[0];
  assert.equal(st?.source, 'live');
  assert.ok(st?.resources.every((r) => r.state === 'synced' || r.state === 'absent'), JSON.stringify(st?.resources));
  const web = k.intent('prod')?.services.find((s) => s.name === 'web');
  assert.deepEqual(web?.announcers, ['node2']);
});

test('missing-advertisement: raised for node1\'s PodCIDR after the grace, resolved when node1 announces it', { skip, timeout: 90_000 }, async () => {
  const n1 = fabric?.node(1);
  const n2 = fabric?.node(2);
  assert.ok(n1 && n2);
  // Everything expected except node1's PodCIDR.
  await n2.addRoute({ prefix: '10.244.2.0/24', nextHop: '10.0.0.3', communities: ['65010:100'] });
  await n2.addRoute({ prefix: '172.20.0.10/32', nextHop: '10.0.0.3', communities: ['65010:200'] });
  const a = await waitFor('missing-advertisement for node1', () => open('missing-advertisement').find((x) => x.subject['node'] === 'node1' && x.subject['prefix'] === '10.244.1.0/24'), { timeoutMs: 30_000, explain });
  assert.equal(a.subject['cluster'], 'prod');
  assert.match(a.summary, /CiliumBGPAdvertisement pods-and-lbs/);
  await n1.addRoute({ prefix: '10.244.1.0/24', nextHop: '10.0.0.2', communities: ['65010:100'] });
  await waitFor('missing-advertisement resolved', () => open('missing-advertisement').length === 0, { timeoutMs: 20_000, explain });
});

test('unexpected-announcer: node1 announcing the Local Service web without a ready endpoint is raised; resolved when node1 gets an endpoint', { skip, timeout: 90_000 }, async () => {
  const n1 = fabric?.node(1);
  assert.ok(n1);
  await n1.addRoute({ prefix: '172.20.0.10/32', nextHop: '10.0.0.2', communities: ['65010:200'] });
  const a = await waitFor('unexpected-announcer for node1', () => open('unexpected-announcer').find((x) => x.subject['node'] === 'node1'), { timeoutMs: 30_000, explain });
  assert.equal(a.subject['service'], 'shop/web');
  // The endpoint moves onto node1 too: node1 is now expected to announce it.
  await apply(slice('web', ['node1', 'node2']));
  await waitFor('unexpected-announcer resolved', () => open('unexpected-announcer').length === 0, { timeoutMs: 20_000, explain });
});

test('community-mismatch: node2\'s PodCIDR without 65010:100 is raised; resolved when the community is back', { skip, timeout: 90_000 }, async () => {
  const n2 = fabric?.node(2);
  assert.ok(n2);
  await n2.addRoute({ prefix: '10.244.2.0/24', nextHop: '10.0.0.3', communities: [] });
  const a = await waitFor('community-mismatch for node2', () => open('community-mismatch').find((x) => x.subject['node'] === 'node2'), { timeoutMs: 30_000, explain });
  assert.match(a.summary, /missing communities 65010:100/);
  await n2.addRoute({ prefix: '10.244.2.0/24', nextHop: '10.0.0.3', communities: ['65010:100'] });
  await waitFor('community-mismatch resolved', () => open('community-mismatch').length === 0, { timeoutMs: 20_000, explain });
});

test('bgp-status-mismatch: CiliumBGPNodeConfig status says 3 routes to the leaf, node1 sends 2; resolved when the status says 2', { skip, timeout: 90_000 }, async () => {
  const status = (n: number) => `apiVersion: cilium.io/v2\nkind: CiliumBGPNodeConfig\nmetadata: { name: node1 }\nspec: { bgpInstances: [ { name: i65010, localASN: 65010, peers: [ { name: leaf1, peerAddress: ${LEAF.address}, peerASN: ${LEAF.asn} } ] } ] }\nstatus: { bgpInstances: [ { name: i65010, peers: [ { name: leaf1, peerAddress: ${LEAF.address}, peeringState: established, routeCount: [ { afi: ipv4, safi: unicast, advertised: ${n} } ] } ] } ] }\n`;
  await apply(status(3));
  const a = await waitFor('bgp-status-mismatch for node1', () => open('bgp-status-mismatch').find((x) => x.subject['node'] === 'node1'), { timeoutMs: 30_000, explain });
  assert.equal(a.subject['afiSafi'], 'ipv4-unicast');
  await apply(status(2));
  await waitFor('bgp-status-mismatch resolved', () => open('bgp-status-mismatch').length === 0, { timeoutMs: 20_000, explain });
  // The agent would keep the status current through the churn below; without an agent, no status.
  await kube?.kubectl(['delete', 'ciliumbgpnodeconfig', 'node1']);
});

test('no alert at all during a scale-out, a PodCIDR reallocation, an LB IP move and a Service deletion', { skip, timeout: 120_000 }, async () => {
  const n1 = fabric?.node(1);
  const n2 = fabric?.node(2);
  const n3 = fabric?.node(3);
  assert.ok(n1 && n2 && n3);
  const before = new Set((analyzer?.alerting.manager.list() ?? []).map((a) => a.id));
  const fresh = () => (analyzer?.alerting.manager.list() ?? []).filter((a) => !before.has(a.id));
  // Scale-out: node3 joins (Node first, as the kubelet registers before the agent peers), then announces.
  await apply(node(3, '10.244.3.0/24'));
  await new Promise((r) => setTimeout(r, 500));
  await n3.addRoute({ prefix: '10.244.3.0/24', nextHop: '10.0.0.4', communities: ['65010:100'] });
  // PodCIDR reallocation: node1 is recreated with 10.244.7.0/24 (spec.podCIDRs cannot change); its agent follows.
  await kube?.kubectl(['delete', 'node', 'node1']);
  await apply(node(1, '10.244.7.0/24'));
  await new Promise((r) => setTimeout(r, 1000));
  await n1.addRoute({ prefix: '10.244.7.0/24', nextHop: '10.0.0.2', communities: ['65010:100'] });
  await n1.delRoute('10.244.1.0/24');
  // LB IP move: web gets 172.20.0.20; the speakers follow.
  await setLbIp('web', '172.20.0.20');
  await new Promise((r) => setTimeout(r, 1000));
  for (const [n, a] of [[n1, '10.0.0.2'], [n2, '10.0.0.3']] as const) {
    await n.addRoute({ prefix: '172.20.0.20/32', nextHop: a, communities: ['65010:200'] });
    await n.delRoute('172.20.0.10/32');
  }
  // Service deletion: web goes, its routes follow a moment later.
  await kube?.kubectl(['-n', 'shop', 'delete', 'service', 'web']);
  await new Promise((r) => setTimeout(r, 1000));
  await n1.delRoute('172.20.0.20/32');
  await n2.delRoute('172.20.0.20/32');
  // Twice the grace: anything the churn left behind would be raised by now.
  await new Promise((r) => setTimeout(r, 2 * GRACE_S * 1000 + 2000));
  assert.deepEqual(fresh().map((a) => `${a.kind} ${JSON.stringify(a.subject)}`), [], explain());
});

// Keep the fixture honest: the same CRDs load the checked-in kubectl dump used by the unit tests.
test('the project CRDs accept the objects as a kubectl dump holds them', { skip, timeout: 60_000 }, async () => {
  const crds = readFileSync(CRDS, 'utf8');
  assert.match(crds, /x-kubernetes-preserve-unknown-fields: true/);
  const got = await kube?.kubectl(['get', 'ciliumbgpclusterconfigs,ciliumbgppeerconfigs,ciliumbgpadvertisements', '-o', 'name']);
  assert.match(got ?? '', /ciliumbgpclusterconfig.cilium.io\/fabric/);
});

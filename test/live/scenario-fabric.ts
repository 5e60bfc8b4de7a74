/**
 * The scenario topology: two FRR routers and Cilium-like GoBGP nodes, with an inventory that
 * matches it.
 *
 *   node1..nodeN (gobgpd, AS 64512.., 127.0.10.(N+1)) ──eBGP──► leaf1 (FRR, AS 65001, 127.0.10.1)
 *   leaf1 (from the veth's root side) ──eBGP──► border1 (FRR, AS 65000, in its own netns)
 *   leaf1 and border1 ──BMP──► collector on the veth's root-side address
 *
 * So the collector sees leaf1 from the root-side address and border1 from the namespace's address:
 * two routers, each with its own sysName and BMP source address (scenario-netns.ts). The leaf sends
 * the border only what may leave the fabric (LoadBalancer pool, default route): pod ranges stay
 * inside, as a real fabric's export policy does, so steady state raises no leak at the border.
 */
import type { Netns } from './scenario-netns.js';
import { FrrRouter, GobgpNode, freePort, freePorts } from './harness/index.js';
import type { FrrNeighbor, Lab } from './harness/index.js';

export const LEAF = { hostname: 'leaf1', asn: 65001, address: '127.0.10.1', routerId: '10.0.0.1' } as const;
export const BORDER = { hostname: 'border1', asn: 65000, routerId: '10.0.0.254' } as const;
export const CLUSTER = { name: 'prod', pods: '10.244.0.0/16', services: '10.96.0.0/12', lb: '172.16.0.0/24' } as const;

export interface ScenarioNode {
  readonly index: number;
  readonly asn: number;
  /** FRR's `neighbor X maximum-prefix` for this node (IPv4), and the inventory's maxPrefix. */
  readonly maxPrefix?: number;
}

export const nodeAddress = (n: { index: number }): string => `127.0.10.${n.index + 1}`;
export const podCidr = (n: { index: number }): string => `10.244.${n.index}.0/24`;

export interface ScenarioFabric {
  readonly leaf: FrrRouter;
  readonly border: FrrRouter;
  readonly nodes: GobgpNode[];
  node(index: number): GobgpNode;
}

/** The inventory for this topology (leaf/border roles, nodes with PodCIDRs, peers with maxPrefix and cisco dampening). */
export function scenarioInventory(ns: Netns, nodes: readonly ScenarioNode[]): string {
  const L: string[] = [];
  L.push('clusters:', `  - name: ${CLUSTER.name}`, `    podCIDRs: [${CLUSTER.pods}]`, `    serviceCIDRs: [${CLUSTER.services}]`, `    loadBalancerPools: [${CLUSTER.lb}]`, '    egressIPs: []');
  L.push('    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }', '    nodes:');
  for (const n of nodes) L.push(`      - { name: node${n.index}, address: ${nodeAddress(n)}, asn: ${n.asn}, podCIDRs: [${podCidr(n)}] }`);
  L.push('routers:');
  L.push(`  - name: ${LEAF.hostname}`, `    sysName: ${LEAF.hostname}`, `    address: ${ns.rootAddr}`, '    role: leaf', `    asn: ${LEAF.asn}`, '    peers:');
  for (const n of nodes) L.push(`      - { address: ${nodeAddress(n)}, name: node${n.index}, maxPrefix: { ipv4-unicast: ${n.maxPrefix ?? 100} }, dampening: cisco }`);
  L.push(`      - { address: ${ns.nsAddr}, name: ${BORDER.hostname} }`);
  L.push(`  - name: ${BORDER.hostname}`, `    sysName: ${BORDER.hostname}`, `    address: ${ns.nsAddr}`, '    role: border', `    asn: ${BORDER.asn}`, '    peers:');
  L.push(`      - { address: ${ns.rootAddr}, name: ${LEAF.hostname} }`);
  return `${L.join('\n')}\n`;
}

/**
 * Starts border1 (in the namespace), leaf1 and the nodes, all exporting BMP to `collector`; the
 * leaf's export to the border keeps pod ranges in. Resolves when every BGP session is established.
 */
export async function startScenarioFabric(lab: Lab, ns: Netns, collector: { host: string; port: number }, nodes: readonly ScenarioNode[]): Promise<ScenarioFabric> {
  const bgpPort = await freePort(LEAF.address);
  const borderPort = await freePort('127.0.0.1');
  const apiPorts = await freePorts(nodes.length);
  const bmp = { connect: [collector], families: ['ipv4' as const], statsIntervalMs: 5000 };
  const border = await FrrRouter.start(lab, {
    hostname: BORDER.hostname,
    asn: BORDER.asn,
    routerId: BORDER.routerId,
    listen: [ns.nsAddr],
    port: borderPort,
    neighbors: [{ address: ns.rootAddr, remoteAs: LEAF.asn, description: LEAF.hostname, passive: true, inboundPolicy: false, families: ['ipv4'] }],
    bmp,
    outboundNextHopV4: '10.0.0.254',
  });
  const neighbors: FrrNeighbor[] = nodes.map((n) => ({
    address: nodeAddress(n),
    remoteAs: n.asn,
    description: `node${n.index}`,
    families: ['ipv4'],
    ...(n.maxPrefix !== undefined ? { maximumPrefix: String(n.maxPrefix) } : {}),
  }));
  neighbors.push({ address: ns.nsAddr, remoteAs: BORDER.asn, description: BORDER.hostname, passive: false, port: borderPort, updateSource: ns.rootAddr, families: ['ipv4'], inboundPolicy: false });
  const leaf = await FrrRouter.start(lab, { hostname: LEAF.hostname, asn: LEAF.asn, routerId: LEAF.routerId, listen: [LEAF.address], port: bgpPort, neighbors, networks: ['0.0.0.0/0'], bmp });
  // Export policy toward the border: pod ranges never leave the fabric (a leak otherwise), LB IPs do.
  await leaf.configure(
    `ip prefix-list TO-BORDER seq 5 deny ${CLUSTER.pods} le 32`,
    'ip prefix-list TO-BORDER seq 10 permit 0.0.0.0/0 le 32',
    'route-map BORDER-OUT permit 10',
    ' match ip address prefix-list TO-BORDER',
    ' set ip next-hop 10.0.0.1',
    'exit',
    `router bgp ${LEAF.asn}`,
    ' address-family ipv4 unicast',
    `  neighbor ${ns.nsAddr} route-map BORDER-OUT out`,
    ' exit-address-family',
  );
  const started: GobgpNode[] = [];
  for (const [i, n] of nodes.entries()) {
    started.push(
      await GobgpNode.start(lab, {
        name: `node${n.index}`,
        asn: n.asn,
        routerId: `10.0.0.${n.index + 1}`,
        localAddress: nodeAddress(n),
        neighbor: LEAF.address,
        neighborAs: LEAF.asn,
        neighborPort: bgpPort,
        apiPort: apiPorts[i] ?? 0,
        families: ['ipv4-unicast'],
      }),
    );
  }
  await Promise.all([...started.map((g) => g.waitEstablished(45_000)), leaf.waitEstablished(ns.nsAddr, 45_000)]);
  return {
    leaf,
    border,
    nodes: started,
    node(index: number): GobgpNode {
      const found = started.find((x) => x.name === `node${index}`);
      if (!found) throw new Error(`no node${index}`);
      return found;
    },
  };
}

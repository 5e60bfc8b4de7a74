/**
 * The demo fabric's topology, fixed (the seed varies the routes, never the topology): one
 * Kubernetes cluster "demo" of six Cilium nodes, two leafs with three nodes each over eBGP, and a
 * border router with an upstream. The inventory the analyzer needs is generated from the same
 * description, so what the detectors find is right by construction; deploy/inventory.demo.yaml
 * is this module's output, committed for documentation (a test keeps the two equal).
 *
 *                      upstream AS 64496 (203.0.113.1, external, ADD-PATH)
 *                                  |
 *                        border1 AS 65000 (BMP from 127.0.11.254)
 *                         /                 \
 *   leaf1 AS 65101 (127.0.11.1)          leaf2 AS 65102 (127.0.11.2)
 *    node1 node2 node3 (AS 64512)         node4 node5 node6 (AS 4200000104..106)
 *
 * Leafs aggregate the LoadBalancer pool towards the border (summary-only) and send it nothing
 * else, so a node's LB /32 churning or growing is not seen twice, and pod ranges never reach the
 * border unless the scenario leaks them there.
 */
import { parseInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/inventory.js';

export interface DemoNode {
  readonly name: string;
  readonly leaf: string;
  /** The node's BGP source address: the peer address its leaf sees. */
  readonly address: string;
  readonly asn: number;
  readonly podV4: string;
  readonly podV6: string;
  /** MP_REACH next hop for the node's IPv6 routes. */
  readonly nextHopV6: string;
}

export type PeerKind = 'node' | 'fabric' | 'upstream';

export interface DemoPeer {
  readonly name: string;
  readonly kind: PeerKind;
  readonly address: string;
  readonly asn: number;
  readonly bgpId: string;
  /** The monitored router's address on this session (Peer Up Local Address). */
  readonly localAddress: string;
  /** AFIs negotiated (1 IPv4, 2 IPv6), unicast. */
  readonly afis: readonly number[];
  /** IPv4 unicast ADD-PATH: the peer sends path IDs, the router receives them. */
  readonly addPath: boolean;
  /** The router monitors its Adj-RIB-Out (post-policy) towards this peer (RFC 8671). */
  readonly adjOut: boolean;
  readonly maxPrefix?: Readonly<Record<string, number>>;
  readonly dampening?: string;
  readonly external?: boolean;
  /** The node this peer is, for node peers. */
  readonly node?: DemoNode;
}

export interface DemoRouter {
  readonly name: string;
  readonly sysName: string;
  readonly role: 'leaf' | 'border';
  readonly asn: number;
  readonly routerId: string;
  /** The BMP session's source address: how the collector tells routers apart. */
  readonly source: string;
  readonly peers: readonly DemoPeer[];
}

export const DEMO_CLUSTER = {
  name: 'demo',
  podCIDRs: ['10.244.0.0/16', '2001:db8:244::/48'],
  serviceCIDRs: ['10.96.0.0/12'],
  loadBalancerPools: ['172.16.0.0/24'],
  egressIPs: ['172.16.1.10'],
} as const;

/** The pod supernet the border leak shows (leaf1's export policy lets the aggregate through). */
export const POD_SUPERNET = '10.244.0.0/16';
export const LB_POOL = '172.16.0.0/24';
export const UPSTREAM_ASN = 64496;

const NODE_SPECS: readonly [string, string, string, number, number][] = [
  ['node1', 'leaf1', '192.168.11.11', 64512, 1],
  ['node2', 'leaf1', '192.168.11.12', 64512, 2],
  ['node3', 'leaf1', '192.168.11.13', 64512, 3],
  ['node4', 'leaf2', '192.168.12.14', 4200000104, 4],
  ['node5', 'leaf2', '192.168.12.15', 4200000105, 5],
  ['node6', 'leaf2', '192.168.12.16', 4200000106, 6],
];

export const DEMO_NODES: readonly DemoNode[] = NODE_SPECS.map(([name, leaf, address, asn, n]) => ({
  name,
  leaf,
  address,
  asn,
  podV4: `10.244.${n}.0/24`,
  podV6: `2001:db8:244:${n}::/64`,
  nextHopV6: `2001:db8:ff:${leaf === 'leaf1' ? 11 : 12}::${10 + n}`,
}));

/** Default BMP source addresses (loopback: Linux routes all of 127/8 to lo). */
export const DEFAULT_SOURCES: Readonly<Record<string, string>> = { leaf1: '127.0.11.1', leaf2: '127.0.11.2', border1: '127.0.11.254' };

/** The maximum-prefix the leafs apply to every node session (Cilium-scale: a PodCIDR and LB IPs). */
export const NODE_MAX_PREFIX = 100;

function leaf(name: string, asn: number, id: number, rack: number, borderLink: [string, string], sources: Readonly<Record<string, string>>): DemoRouter {
  const nodes = DEMO_NODES.filter((n) => n.leaf === name);
  return {
    name,
    sysName: name,
    role: 'leaf',
    asn,
    routerId: `10.255.0.${id}`,
    source: sources[name] ?? DEFAULT_SOURCES[name] ?? '127.0.11.1',
    peers: [
      ...nodes.map(
        (n): DemoPeer => ({
          name: n.name,
          kind: 'node',
          address: n.address,
          asn: n.asn,
          bgpId: n.address,
          localAddress: `192.168.${rack}.1`,
          afis: [1, 2],
          addPath: false,
          adjOut: false,
          maxPrefix: { 'ipv4-unicast': NODE_MAX_PREFIX, 'ipv6-unicast': NODE_MAX_PREFIX },
          dampening: 'cisco',
          node: n,
        }),
      ),
      { name: 'border1', kind: 'fabric', address: borderLink[0], asn: 65000, bgpId: '10.255.0.254', localAddress: borderLink[1], afis: [1], addPath: false, adjOut: false },
    ],
  };
}

/** The three routers; `sources` overrides BMP source addresses by router name. */
export function demoRouters(sources: Readonly<Record<string, string>> = {}): DemoRouter[] {
  return [
    leaf('leaf1', 65101, 1, 11, ['172.31.0.0', '172.31.0.1'], sources),
    leaf('leaf2', 65102, 2, 12, ['172.31.0.2', '172.31.0.3'], sources),
    {
      name: 'border1',
      sysName: 'border1',
      role: 'border',
      asn: 65000,
      routerId: '10.255.0.254',
      source: sources['border1'] ?? DEFAULT_SOURCES['border1'] ?? '127.0.11.254',
      peers: [
        { name: 'leaf1', kind: 'fabric', address: '172.31.0.1', asn: 65101, bgpId: '10.255.0.1', localAddress: '172.31.0.0', afis: [1], addPath: false, adjOut: false },
        { name: 'leaf2', kind: 'fabric', address: '172.31.0.3', asn: 65102, bgpId: '10.255.0.2', localAddress: '172.31.0.2', afis: [1], addPath: false, adjOut: false },
        {
          name: 'upstream',
          kind: 'upstream',
          address: '203.0.113.1',
          asn: UPSTREAM_ASN,
          bgpId: '203.0.113.1',
          localAddress: '203.0.113.2',
          afis: [1],
          addPath: true,
          adjOut: true,
          maxPrefix: { 'ipv4-unicast': 1000 },
          dampening: 'juniper',
          external: true,
        },
      ],
    },
  ];
}

function flow(m: Readonly<Record<string, unknown>>): string {
  const v = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(v).join(', ')}]`;
    if (typeof x === 'object' && x !== null) return flow(x as Record<string, unknown>);
    if (typeof x === 'string' && /[:\s]/.test(x)) return JSON.stringify(x);
    return String(x);
  };
  return `{ ${Object.entries(m)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${k}: ${v(x)}`)
    .join(', ')} }`;
}

/** The inventory for the demo fabric as commented YAML (what deploy/inventory.demo.yaml holds). */
export function demoInventoryYaml(sources: Readonly<Record<string, string>> = {}): string {
  const routers = demoRouters(sources);
  const c = DEMO_CLUSTER;
  const lines: string[] = [
    '# The inventory of the simulated fabric behind `ribwatch run --demo` and `ribwatch sim`',
    '# (generated by simulator/topology.ts; a test keeps this file equal to its output).',
    '#',
    '# One cluster of six Cilium nodes peering over eBGP with two leafs; a border router with an',
    '# external upstream. Each simulated router opens its own BMP session from its own loopback',
    '# source address, which is how the collector and this file tell them apart.',
    '',
    'clusters:',
    `  - name: ${c.name}`,
    `    podCIDRs: [${c.podCIDRs.map((p) => (p.includes(':') ? JSON.stringify(p) : p)).join(', ')}]`,
    `    serviceCIDRs: [${c.serviceCIDRs.join(', ')}]`,
    '    # LoadBalancer IPs are meant to leave the fabric; the leafs aggregate them towards the border.',
    `    loadBalancerPools: [${c.loadBalancerPools.join(', ')}]`,
    `    egressIPs: [${c.egressIPs.join(', ')}]`,
    '    # Routed pod networking: nodes announce their own PodCIDRs to their leaf, nothing further.',
    '    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }',
    '    nodes:',
    ...DEMO_NODES.map((n) => `      - ${flow({ name: n.name, address: n.address, asn: n.asn, podCIDRs: [n.podV4, n.podV6] })}`),
    '',
    'routers:',
  ];
  for (const r of routers) {
    lines.push(`  - name: ${r.name}`, `    sysName: ${r.sysName}`, `    address: ${r.source}   # BMP source address`, `    role: ${r.role}`, `    asn: ${r.asn}`);
    if (r.role === 'leaf') lines.push('    # Cilium nodes over eBGP; maximum-prefix and Cisco-style dampening on every node session.');
    lines.push('    peers:');
    for (const p of r.peers) {
      const comment = p.kind === 'node' ? '' : p.kind === 'fabric' ? '   # fabric link' : '   # upstream/transit';
      lines.push(`      - ${flow({ address: p.address, name: p.name, asn: p.asn, maxPrefix: p.maxPrefix, dampening: p.dampening, external: p.external })}${comment}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The demo inventory, loaded through the real parser (so the YAML is proven valid). */
export function demoInventory(sources: Readonly<Record<string, string>> = {}): Inventory {
  return parseInventory(demoInventoryYaml(sources), 'inventory.demo.yaml');
}

/**
 * The routes the Cilium-like nodes advertise in the FRR-leaf live tests (raw BMP station and real
 * collector alike): pod CIDR /24s, LoadBalancer /32s with communities and large communities, IPv6
 * pod /64s, IPv4 NLRI over the IPv6 session, and prefixes the leaf's inbound policy rejects.
 */
import { ipv6LoopbackAvailable } from './harness/index.js';
import type { Fabric, NodeRoute } from './harness/index.js';

export const LEAF_AS = 65001;
export const POLICY_COMMUNITY = '65001:1000';

export interface NodePlan {
  readonly index: number;
  readonly asn: number;
  readonly address: string;
  readonly ipv6?: boolean;
  readonly routes: readonly NodeRoute[];
  /** Routes the leaf's inbound policy rejects. */
  readonly rejected: readonly NodeRoute[];
}

export const PLAN: readonly NodePlan[] = [
  {
    index: 1,
    asn: 64512,
    address: '127.0.10.2',
    routes: [
      { prefix: '10.244.1.0/24', nextHop: '10.0.0.2' },
      { prefix: '172.16.0.11/32', nextHop: '10.0.0.2', communities: ['64512:100', '64512:200'], largeCommunities: ['64512:1:1'] },
      { prefix: '2001:db8:244:1::/64', nextHop: '2001:db8::2', communities: ['64512:600'] },
    ],
    rejected: [{ prefix: '192.0.2.1/32', nextHop: '10.0.0.2' }],
  },
  {
    index: 2,
    asn: 4200000002,
    address: '127.0.10.3',
    routes: [
      { prefix: '10.244.2.0/24', nextHop: '10.0.0.3' },
      { prefix: '172.16.0.12/32', nextHop: '10.0.0.3', communities: ['64512:100'], largeCommunities: ['4200000002:1:2'] },
      { prefix: '2001:db8:244:2::/64', nextHop: '2001:db8::3' },
    ],
    rejected: [],
  },
  {
    index: 9,
    asn: 64513,
    address: '::1',
    ipv6: true,
    routes: [
      { prefix: '2001:db8:244:9::/64', nextHop: '2001:db8::9', communities: ['64513:600'], largeCommunities: ['64513:9:9'] },
      // IPv4 NLRI over the IPv6 session
      { prefix: '10.244.9.0/24', nextHop: '10.0.0.10' },
    ],
    rejected: [{ prefix: '2001:db8:dead::1/128', nextHop: '2001:db8::9' }],
  },
];

export const fam = (p: string): 'ipv4' | 'ipv6' => (p.includes(':') ? 'ipv6' : 'ipv4');
export const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/**
 * The plan for this machine: without a usable ::1 (IPv6 disabled in some containers) the IPv6
 * session's node is left out, and `note` says so; IPv6 prefixes still travel over IPv4 sessions.
 */
export async function planForThisHost(note: (msg: string) => void): Promise<readonly NodePlan[]> {
  if (await ipv6LoopbackAvailable()) return PLAN;
  note('::1 is not usable on this host: the IPv6-session node (node9) is left out');
  return PLAN.filter((p) => !p.ipv6);
}

/** Adds every node's routes and waits until FRR has accepted the ones its policy lets in. */
export async function announcePlan(fabric: Fabric, plan: readonly NodePlan[] = PLAN): Promise<void> {
  for (const p of plan) {
    const node = fabric.node(p.index);
    for (const r of [...p.routes, ...p.rejected]) await node.addRoute(r);
  }
  for (const p of plan) {
    for (const f of ['ipv4', 'ipv6'] as const) {
      const n = p.routes.filter((r) => fam(r.prefix) === f).length;
      if (n) await fabric.leaf.waitPrefixes(p.address, f, n, 20_000);
    }
  }
}

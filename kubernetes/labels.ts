/**
 * Names for what the routers see: the node a BMP peer is (its InternalIP, v4 or v6, equals the
 * peer address) and the Service a route is an address of. Built once per intent and kept: the API
 * labels every row of a page with it.
 */
import { canonicalAddress } from '../net/addresses.js';
import { formatPrefix, parsePrefix } from '../inventory/prefix-trie.js';

/** One spelling per address ("fd00::0001" and "fd00::1" alike; IPv4-mapped IPv6 as IPv4). */
function addressKey(a: string): string {
  const c = canonicalAddress(a);
  const k = c.includes(':') ? parsePrefix(c) : undefined;
  return k ? (formatPrefix(k).split('/')[0] ?? c) : c;
}
import type { ClusterIntent } from './intent.js';

export interface PeerLabel {
  readonly cluster: string;
  readonly node: string;
}

export class RouteLabels {
  private readonly nodes = new Map<string, PeerLabel>();
  /** prefix → [cluster, "namespace/name"] for every Service address. */
  private readonly services = new Map<string, { cluster: string; service: string }[]>();

  constructor(intents: readonly ClusterIntent[]) {
    for (const ci of intents) {
      for (const n of ci.nodes) for (const a of n.addresses) this.nodes.set(addressKey(a), { cluster: ci.name, node: n.name });
      for (const s of ci.services) {
        for (const a of s.addresses) {
          const list = this.services.get(a.prefix) ?? [];
          list.push({ cluster: ci.name, service: `${s.namespace}/${s.name}` });
          this.services.set(a.prefix, list);
        }
      }
    }
  }

  peer(address: string): PeerLabel | null {
    return this.nodes.get(addressKey(address)) ?? null;
  }

  /** The Service whose address the prefix is; within the peer's cluster when it is a node. */
  service(prefix: string, cluster: string | null): string | null {
    const list = this.services.get(prefix);
    if (!list) return null;
    return (cluster !== null ? list.find((x) => x.cluster === cluster) : list[0])?.service ?? null;
  }

  /** cluster, node and service for one route row. */
  route(peer: string, prefix: string): { cluster: string | null; node: string | null; service: string | null } {
    const p = this.peer(peer);
    const service = this.service(prefix, p?.cluster ?? null);
    const cluster = p?.cluster ?? (service !== null ? (this.services.get(prefix)?.[0]?.cluster ?? null) : null);
    return { cluster, node: p?.node ?? null, service };
  }
}

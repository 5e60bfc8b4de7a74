/**
 * The standard live topology: an FRR leaf (AS 65001, 127.0.10.1) with Cilium-like GoBGP nodes
 * dialling in from 127.0.10.(N+1) (and one IPv6 node over ::1, the only IPv6 loopback address),
 * optionally an FRR border (AS 65000, 127.0.20.1) peering with the leaf. Every port is free-picked.
 */
import { FrrRouter } from './frr.js';
import type { FrrBmpOptions, FrrNeighbor } from './frr.js';
import { GobgpNode } from './gobgp.js';
import type { GobgpNodeOptions } from './gobgp.js';
import { freePort, freePorts } from './ports.js';
import type { Lab } from './procs.js';

export const LEAF = { hostname: 'leaf1', asn: 65001, address: '127.0.10.1', routerId: '10.0.0.1' } as const;
export const BORDER = { hostname: 'border1', asn: 65000, address: '127.0.20.1', routerId: '10.0.0.254' } as const;

export interface NodeSpec {
  /** 1-based index: address 127.0.10.(index+1), router-id 10.0.0.(index+1). */
  readonly index: number;
  readonly asn: number;
  /** Peer over IPv6 (::1 to ::1) instead of 127.0.10.x. */
  readonly ipv6?: boolean;
  readonly addPaths?: GobgpNodeOptions['addPaths'];
  readonly bmpServers?: GobgpNodeOptions['bmpServers'];
  readonly importReject?: GobgpNodeOptions['importReject'];
  readonly prefixLimit?: number;
  /** Extra FRR-side neighbor settings for this node. */
  readonly leafSide?: Partial<Omit<FrrNeighbor, 'address' | 'remoteAs'>>;
}

export function nodeAddress(s: NodeSpec): string {
  return s.ipv6 ? '::1' : `127.0.10.${s.index + 1}`;
}

export interface FabricOptions {
  readonly nodes: readonly NodeSpec[];
  readonly bmp?: FrrBmpOptions;
  /** Add an FRR border router peering with the leaf (leaf dials it). */
  readonly border?: { readonly bmp?: FrrBmpOptions };
  /** Leaf's locally originated networks (default 0.0.0.0/0 and ::/0: FRR's self-peer quirk). */
  readonly networks?: readonly string[];
  readonly statsIntervalMs?: number;
}

export interface Fabric {
  readonly leaf: FrrRouter;
  readonly border?: FrrRouter;
  readonly nodes: GobgpNode[];
  readonly bgpPort: number;
  readonly borderPort?: number;
  node(index: number): GobgpNode;
}

export async function startFabric(lab: Lab, o: FabricOptions): Promise<Fabric> {
  const anyV6 = o.nodes.some((n) => n.ipv6);
  const listen = [LEAF.address, ...(anyV6 ? ['::1'] : [])];
  const bgpPort = await freePort(...listen);
  const borderPort = o.border ? await freePort(BORDER.address) : undefined;
  const apiPorts = await freePorts(o.nodes.length);

  const neighbors: FrrNeighbor[] = o.nodes.map((n) => ({ address: nodeAddress(n), remoteAs: n.asn, description: `node${n.index}`, ...n.leafSide }));
  if (o.border && borderPort !== undefined) {
    neighbors.push({ address: BORDER.address, remoteAs: BORDER.asn, description: 'border1', passive: false, port: borderPort, updateSource: LEAF.address, families: ['ipv4', 'ipv6'] });
  }
  let border: FrrRouter | undefined;
  if (o.border && borderPort !== undefined) {
    border = await FrrRouter.start(lab, {
      hostname: BORDER.hostname,
      asn: BORDER.asn,
      routerId: BORDER.routerId,
      listen: [BORDER.address],
      port: borderPort,
      neighbors: [{ address: LEAF.address, remoteAs: LEAF.asn, description: 'leaf1', passive: true, inboundPolicy: false }],
      ...(o.border.bmp ? { bmp: o.border.bmp } : {}),
      outboundNextHopV4: '10.0.0.254',
      outboundNextHopV6: '2001:db8::254',
    });
  }
  const leaf = await FrrRouter.start(lab, {
    hostname: LEAF.hostname,
    asn: LEAF.asn,
    routerId: LEAF.routerId,
    listen,
    port: bgpPort,
    neighbors,
    networks: o.networks ?? ['0.0.0.0/0', '::/0'],
    ...(o.bmp ? { bmp: o.bmp } : {}),
  });
  const nodes: GobgpNode[] = [];
  for (const [i, n] of o.nodes.entries()) {
    nodes.push(
      await GobgpNode.start(lab, {
        name: `node${n.index}`,
        asn: n.asn,
        routerId: `10.0.0.${n.index + 1}`,
        localAddress: nodeAddress(n),
        neighbor: n.ipv6 ? '::1' : LEAF.address,
        neighborAs: LEAF.asn,
        neighborPort: bgpPort,
        apiPort: apiPorts[i] ?? 0,
        ...(n.addPaths ? { addPaths: n.addPaths } : {}),
        ...(n.bmpServers ? { bmpServers: n.bmpServers } : {}),
        ...(n.importReject ? { importReject: n.importReject } : {}),
        ...(n.prefixLimit !== undefined ? { prefixLimit: n.prefixLimit } : {}),
      }),
    );
  }
  return {
    leaf,
    ...(border ? { border } : {}),
    nodes,
    bgpPort,
    ...(borderPort !== undefined ? { borderPort } : {}),
    node(index: number): GobgpNode {
      const found = nodes.find((x) => x.name === `node${index}`);
      if (!found) throw new Error(`no node${index}`);
      return found;
    },
  };
}

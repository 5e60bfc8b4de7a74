/**
 * Replays decoded BMP Route Monitoring into per-peer, per-RIB tables, so a live test can compare
 * "what the BMP feed says peer X's Adj-RIB-In holds" with what the router itself shows.
 */
import type { BgpUpdate, BmpMessage, Nlri, PerPeerHeader, PathAttributes } from '@ribwatch/bmp-parser';

export type View = 'pre' | 'post' | 'loc-rib';
export type Family = 'ipv4' | 'ipv6';

export interface ViewRoute {
  readonly prefix: string;
  readonly pathId: number | null;
  readonly asPath: readonly number[];
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly nextHop: string | null;
  readonly localPref: number | null;
}

/** RFC 1997 community as "asn:value". */
export function communityText(c: number): string {
  return `${Math.floor(c / 65536)}:${c % 65536}`;
}

export function viewOf(peer: PerPeerHeader): View {
  if (peer.peerType === 3) return 'loc-rib';
  return peer.flags & 0x40 ? 'post' : 'pre';
}

const famOf = (prefix: string): Family => (prefix.includes(':') ? 'ipv6' : 'ipv4');

function flatAsPath(a: PathAttributes): number[] {
  const out: number[] = [];
  for (const seg of a.asPath ?? []) out.push(...seg.asns);
  return out;
}

function routeOf(n: Nlri, a: PathAttributes, nextHop: string | null): ViewRoute {
  return {
    prefix: n.prefix,
    pathId: n.pathId,
    asPath: flatAsPath(a),
    communities: (a.communities ?? []).map(communityText),
    largeCommunities: (a.largeCommunities ?? []).map(([g, l1, l2]) => `${g}:${l1}:${l2}`),
    nextHop,
    localPref: a.localPref ?? null,
  };
}

/** Announced and withdrawn NLRI of one UPDATE, both the IPv4 fields and MP_REACH/MP_UNREACH. */
export function updateNlri(u: BgpUpdate): { announced: ViewRoute[]; withdrawn: Nlri[] } {
  const a = u.attributes;
  const announced: ViewRoute[] = [];
  for (const n of u.nlri) announced.push(routeOf(n, a, a.nextHop ?? null));
  if (a.mpReach) for (const n of a.mpReach.nlri) announced.push(routeOf(n, a, a.mpReach.nextHops[0] ?? null));
  const withdrawn: Nlri[] = [...u.withdrawn, ...(a.mpUnreach?.withdrawn ?? [])];
  return { announced, withdrawn };
}

const key = (peer: string, view: View, fam: Family): string => `${peer}|${view}|${fam}`;
const rkey = (prefix: string, pathId: number | null): string => (pathId === null ? prefix : `${prefix}#${pathId}`);

/** Per (peer address, view, family): the routes the feed says are there now. */
export class BmpRibs {
  private readonly tables = new Map<string, Map<string, ViewRoute>>();
  /** Every announcement seen, in order (for "it appeared at some point" checks). */
  readonly announcements: { peer: string; view: View; route: ViewRoute }[] = [];
  readonly withdrawals: { peer: string; view: View; prefix: string; pathId: number | null }[] = [];

  constructor(msgs: Iterable<BmpMessage> = []) {
    for (const m of msgs) this.apply(m);
  }

  apply(m: BmpMessage): void {
    if (m.type !== 0 || !m.update) return;
    const view = viewOf(m.peer);
    const peer = m.peer.address;
    const { announced, withdrawn } = updateNlri(m.update);
    for (const r of announced) {
      this.table(peer, view, famOf(r.prefix)).set(rkey(r.prefix, r.pathId), r);
      this.announcements.push({ peer, view, route: r });
    }
    for (const n of withdrawn) {
      this.table(peer, view, famOf(n.prefix)).delete(rkey(n.prefix, n.pathId));
      this.withdrawals.push({ peer, view, prefix: n.prefix, pathId: n.pathId });
    }
  }

  private table(peer: string, view: View, fam: Family): Map<string, ViewRoute> {
    const k = key(peer, view, fam);
    let t = this.tables.get(k);
    if (!t) this.tables.set(k, (t = new Map<string, ViewRoute>()));
    return t;
  }

  routes(peer: string, view: View, fam: Family): ViewRoute[] {
    return [...(this.tables.get(key(peer, view, fam))?.values() ?? [])];
  }

  prefixes(peer: string, view: View, fam: Family): string[] {
    return [...new Set(this.routes(peer, view, fam).map((r) => r.prefix))].sort();
  }

  route(peer: string, view: View, prefix: string): ViewRoute | undefined {
    return this.routes(peer, view, famOf(prefix)).find((r) => r.prefix === prefix);
  }

  peers(): string[] {
    return [...new Set([...this.tables.keys()].map((k) => k.split('|')[0] ?? ''))];
  }
}

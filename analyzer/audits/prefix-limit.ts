/**
 * The prefix-limit audit: each peer's current routes in ClickHouse (rib FINAL, not withdrawn;
 * post-policy Adj-RIB-In, pre-policy for a peer with no post-policy routes — the stream detector's
 * preference) counted per AFI/SAFI against the max-prefix the inventory gives it. Findings carry
 * the stream detector's kind and subject (`prefix-limit`, router/peer/afiSafi and the node when
 * the peer is one), so they merge with its alerts. It catches pressure the stream missed across a
 * restart (the analyzer's detector rebuilds its counts only from the next dump).
 *
 * Only peers with a configured limit are counted (bounded by the inventory), and at most `maxRows`
 * (router, peer, view, family) groups are read.
 */
import type { Inventory } from '../../inventory/inventory.js';
import type { Store } from '../../store/index.js';
import type { AlertSubject, Observation, Severity } from '../types.js';
import { AuditLedger, routerName, routerSysNames } from './common.js';
import type { AuditResult } from './leaks.js';

const SQL = `SELECT router, peer_address, rib, afi_safi, count() AS n
FROM rib FINAL
WHERE is_withdrawn = 0 AND rib IN ('adj-in-post', 'adj-in-pre') AND peer_address IN {peers:Array(String)}
GROUP BY router, peer_address, rib, afi_safi
ORDER BY router, peer_address, afi_safi, rib
LIMIT {limit:UInt64}`;

export interface PeerCount {
  readonly router: string;
  /** The name alerts use. */
  readonly routerName: string;
  readonly peer: string;
  readonly afiSafi: string;
  readonly received: number;
  readonly limit: number;
  readonly view: string;
}

export interface PrefixLimitAuditOptions {
  readonly store: Store;
  readonly inventory: () => Inventory;
  readonly maxRows: number;
  /** Fractions of the limit (analyzer.prefixLimit.*Percent / 100). */
  readonly warningRatio: number;
  readonly criticalRatio: number;
  /** A raised condition holds until the count falls this far below the warning level. Default 0.05. */
  readonly hysteresis?: number;
}

/** Current counts of every peer with a configured limit (for the audit and the digest's headroom). */
export async function peerCounts(store: Store, inv: Inventory, maxRows: number): Promise<{ counts: PeerCount[]; partial: boolean }> {
  const peers = new Set<string>();
  for (const r of inv.routers) for (const p of r.peers) if (Object.keys(p.maxPrefix).length > 0) peers.add(p.address);
  if (peers.size === 0) return { counts: [], partial: false };
  const rows = await store.query<{ router: string; peer_address: string; rib: string; afi_safi: string; n: string | number }>(SQL, { peers: [...peers], limit: maxRows });
  const sysNames = await routerSysNames(store);
  // Post-policy wins when the peer has routes there (FRR without soft-reconfiguration sends its
  // pre-policy view as withdrawals only).
  const best = new Map<string, { router: string; peer: string; afi: string; view: string; n: number }>();
  for (const r of rows) {
    const n = Number(r.n);
    const k = `${r.router}|${r.peer_address}|${r.afi_safi}`;
    const prev = best.get(k);
    if (!prev || (r.rib === 'adj-in-post' && n > 0) || (prev.n === 0 && n > 0)) best.set(k, { router: r.router, peer: r.peer_address, afi: r.afi_safi, view: r.rib, n });
  }
  const counts: PeerCount[] = [];
  for (const b of best.values()) {
    const invRouter = inv.router(b.router, sysNames.get(b.router));
    const limit = inv.peer(invRouter, b.peer)?.maxPrefix[b.afi];
    if (limit === undefined) continue;
    counts.push({ router: b.router, routerName: routerName(inv, b.router, sysNames), peer: b.peer, afiSafi: b.afi, received: b.n, limit, view: b.view });
  }
  return { counts, partial: rows.length >= maxRows };
}

export class PrefixLimitAudit {
  private readonly ledger = new AuditLedger();
  /** Level last raised per observer key, for the hysteresis. */
  private levels = new Map<string, Severity>();

  constructor(private readonly o: PrefixLimitAuditOptions) {}

  async run(now: number = Date.now()): Promise<{ observations: Observation[]; result: AuditResult }> {
    const inv = this.o.inventory();
    const at = new Date(now).toISOString();
    const { counts, partial } = await peerCounts(this.o.store, inv, this.o.maxRows);
    const h = this.o.hysteresis ?? 0.05;
    const found: Observation[] = [];
    const levels = new Map<string, Severity>();
    for (const c of counts) {
      const ratio = c.received / c.limit;
      const key = `${c.router}|${c.peer}|${c.afiSafi}`;
      const was = this.levels.get(key);
      let severity: Severity | null = null;
      if (ratio >= this.o.criticalRatio || (was === 'critical' && ratio >= this.o.criticalRatio - h)) severity = 'critical';
      else if (ratio >= this.o.warningRatio || (was !== undefined && ratio >= this.o.warningRatio - h)) severity = 'warning';
      if (severity === null) continue;
      levels.set(key, severity);
      found.push(observation(inv, c, severity, at, this.o));
    }
    if (!partial) this.levels = levels;
    else for (const [k, v] of levels) this.levels.set(k, v);
    const observations = this.ledger.settle(found, at, partial, (o) => `${o.subject.peer ?? ''} → ${o.subject.router ?? ''} ${o.subject.afiSafi ?? ''} back below the warning level (${Number(this.o.warningRatio * 100)}% of its limit) in the RIB`);
    return { observations, result: { rows: counts.length, partial, active: found.length, cleared: observations.length - found.length } };
  }
}

function observation(inv: Inventory, c: PeerCount, severity: Severity, at: string, o: PrefixLimitAuditOptions): Observation {
  const node = inv.nodeByAddress(c.peer);
  const subject: AlertSubject = { router: c.routerName, peer: c.peer, afiSafi: c.afiSafi, ...(node ? { cluster: node.cluster, node: node.name } : {}) };
  const pct = Math.round((c.received / c.limit) * 1000) / 10;
  return {
    kind: 'prefix-limit',
    severity,
    subject,
    summary: `${c.peer} sends ${c.received} ${c.afiSafi} prefixes to ${c.routerName}: ${pct}% of its limit ${c.limit} (RIB audit)`,
    facts: {
      received: c.received,
      limit: c.limit,
      limit_source: 'inventory',
      percent: pct,
      warning_percent: o.warningRatio * 100,
      critical_percent: o.criticalRatio * 100,
      count_source: 'rib audit',
      rib: c.view,
    },
    nextStep: `Find what ${c.peer} started announcing ("show bgp neighbor ${c.peer} received-routes" on ${c.routerName}): new LoadBalancer IPs, /32 pod routes, a leak from upstream. Raise maximum-prefix only if the growth is expected; at 100% the session is torn down.`,
    at,
    active: true,
    detector: 'prefix-limit-audit',
  };
}

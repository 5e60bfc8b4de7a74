/**
 * What the audits share: the routers' sysNames as the store knows them (so an audit names a
 * router exactly as the stream detectors do: inventory name, else sysName, else BMP address),
 * the owned address ranges of an inventory, and the way an audit reports: each run says which
 * conditions hold now (active) and clears the ones it raised before that no longer hold, so the
 * lifecycle merges audit findings with the stream's (same kind and subject, same observer) and
 * never duplicates them.
 */
import type { Inventory } from '../../inventory/inventory.js';
import type { Store } from '../../store/index.js';
import { observerKey } from '../grouping.js';
import type { Observation } from '../types.js';

/** router (BMP source address) → sysName from its latest Initiation. */
export async function routerSysNames(store: Store, limit = 100_000): Promise<Map<string, string>> {
  const rows = await store.query<{ router: string; name: string }>(
    `SELECT router, argMax(sys_name, (time, seq)) AS name FROM routers WHERE event = 'init' AND sys_name != '' GROUP BY router LIMIT {limit:UInt64}`,
    { limit },
  );
  return new Map(rows.map((r) => [r.router, r.name]));
}

/** The name alerts use for a router: the inventory's, else its sysName, else its BMP address. */
export function routerName(inv: Inventory, router: string, sysNames: ReadonlyMap<string, string>): string {
  const sys = sysNames.get(router);
  return inv.router(router, sys)?.name ?? sys ?? router;
}

/** Every range the inventory assigns (pods, nodes' PodCIDRs, services, LB pools, egress IPs). */
export function ownedRanges(inv: Inventory): string[] {
  const out = new Set<string>();
  for (const c of inv.clusters) {
    for (const p of [...c.podCIDRs, ...c.serviceCIDRs, ...c.loadBalancerPools, ...c.egressIPs]) out.add(p);
    for (const n of c.nodes) for (const p of n.podCIDRs) out.add(p);
  }
  return [...out];
}

/**
 * Raise-and-clear bookkeeping of one audit: `settle(found)` returns the observations to send —
 * everything found now, and a clear for each condition raised by the previous run and not found
 * now. With `partial` (the run hit its LIMIT) nothing is cleared: absence proves nothing then.
 */
export class AuditLedger {
  private raised = new Map<string, Observation>();

  get size(): number {
    return this.raised.size;
  }

  settle(found: readonly Observation[], at: string, partial: boolean, clearedSummary: (o: Observation) => string): Observation[] {
    const now = new Map<string, Observation>();
    for (const o of found) now.set(observerKey(o), o);
    const out = [...now.values()];
    if (!partial) {
      for (const [k, o] of this.raised) {
        if (!now.has(k)) out.push({ ...o, active: false, at, summary: clearedSummary(o), nextStep: 'Nothing: cleared.' });
      }
      this.raised = now;
    } else {
      for (const [k, o] of now) this.raised.set(k, o);
    }
    return out;
  }
}

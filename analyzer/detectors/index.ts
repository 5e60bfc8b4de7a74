/**
 * All stream detectors behind one Detector: each record goes to every enabled detector in turn,
 * their observations come out in that order; tick() drives time-based clearing; setInventory()
 * hands a reloaded inventory to each (wire it to the inventory's watcher, inventory/inventory.ts). State sizes per
 * detector are exposed for the `ribwatch_analyzer_state_keys{detector}` gauge.
 */
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord } from '../../records/types.js';
import type { Detector, Observation } from '../types.js';
import { PrefixFlapDetector, SessionFlapDetector } from './flap.js';
import type { PrefixFlapOptions, SessionFlapOptions } from './flap.js';
import { LeakDetector } from './leaks.js';
import type { LeakOptions } from './leaks.js';
import { PrefixLimitDetector } from './prefix-limit.js';
import type { PrefixLimitOptions } from './prefix-limit.js';
import { RfdDetector } from './rfd.js';
import type { RfdOptions } from './rfd.js';

export { PrefixFlapDetector, SessionFlapDetector, LeakDetector, PrefixLimitDetector, RfdDetector };
export type { PrefixFlapOptions, SessionFlapOptions, LeakOptions, PrefixLimitOptions, RfdOptions };
export { classifyPeerDown, describePeerDown } from './common.js';
export type { DownClass } from './common.js';

type Toggle<T> = T & { readonly enabled?: boolean };

export interface DetectorsOptions {
  readonly prefixFlap?: Toggle<PrefixFlapOptions>;
  readonly sessionFlap?: Toggle<SessionFlapOptions>;
  readonly rfd?: Toggle<RfdOptions>;
  readonly leaks?: Toggle<LeakOptions>;
  readonly prefixLimit?: Toggle<PrefixLimitOptions>;
  /** The clock for every detector's tick() without an argument. */
  readonly clock?: () => number;
}

export interface InventoryAware extends Detector {
  setInventory(inv: Inventory): void;
}

export class DetectorSet implements Detector {
  readonly name = 'detectors';
  readonly detectors: readonly InventoryAware[];
  private readonly clock: () => number;

  constructor(inventory: Inventory = Inventory.empty(), opts: DetectorsOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    const withClock = <T extends object>(o: T | undefined): T => ({ clock: this.clock, ...(o ?? ({} as T)) });
    const list: InventoryAware[] = [];
    if (opts.prefixFlap?.enabled !== false) list.push(new PrefixFlapDetector(inventory, withClock(opts.prefixFlap)));
    if (opts.sessionFlap?.enabled !== false) list.push(new SessionFlapDetector(inventory, withClock(opts.sessionFlap)));
    if (opts.rfd?.enabled !== false) list.push(new RfdDetector(inventory, withClock(opts.rfd)));
    if (opts.leaks?.enabled !== false) list.push(new LeakDetector(inventory, withClock(opts.leaks)));
    if (opts.prefixLimit?.enabled !== false) list.push(new PrefixLimitDetector(inventory, withClock(opts.prefixLimit)));
    this.detectors = list;
  }

  onRecord(r: BusRecord): Observation[] {
    const out: Observation[] = [];
    for (const d of this.detectors) {
      const o = d.onRecord(r);
      if (o.length > 0) out.push(...o);
    }
    return out;
  }

  tick(nowMs: number = this.clock()): Observation[] {
    const out: Observation[] = [];
    for (const d of this.detectors) out.push(...d.tick(nowMs));
    return out;
  }

  setInventory(inv: Inventory): void {
    for (const d of this.detectors) d.setInventory(inv);
  }

  stateSize(): number {
    let n = 0;
    for (const d of this.detectors) n += d.stateSize();
    return n;
  }

  /** Tracked keys per detector name. */
  stateSizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.detectors) out[d.name] = d.stateSize();
    return out;
  }
}

export function createDetectors(inventory?: Inventory, opts?: DetectorsOptions): DetectorSet {
  return new DetectorSet(inventory, opts);
}

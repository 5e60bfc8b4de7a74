/**
 * All stream detectors behind one Detector: each record goes to every enabled detector in turn,
 * their observations come out in that order; tick() drives time-based clearing; setInventory()
 * hands a reloaded inventory to each (wire it to the inventory's watcher, inventory/inventory.ts). State sizes per detector
 * are exposed for the `ribwatch_analyzer_state_keys{detector}` gauge.
 *
 * A detector is one module exporting a class that implements InventoryAware (records in,
 * observations out, bounded state, no I/O) and its options; adding one is a row in DETECTORS and
 * a key in DetectorsOptions. What they share lives beside them: common.ts (bounded maps, routers,
 * RIB views, Peer Down classes), path-presence.ts (what a route record did to a path), levels.ts
 * (thresholds and when a level is reported).
 */
import { Inventory } from '../../inventory/inventory.js';
import type { BusRecord } from '../../records/types.js';
import type { Detector, Observation } from '../types.js';
import { DampeningDetector } from './dampening.js';
import type { DampeningOptions } from './dampening.js';
import { LeakDetector } from './leaks.js';
import type { LeakOptions } from './leaks.js';
import { PrefixFlapDetector } from './prefix-flap.js';
import type { PrefixFlapOptions } from './prefix-flap.js';
import { PrefixLimitDetector } from './prefix-limit.js';
import type { PrefixLimitOptions } from './prefix-limit.js';
import { SessionFlapDetector } from './session-flap.js';
import type { SessionFlapOptions } from './session-flap.js';

export { PrefixFlapDetector, SessionFlapDetector, LeakDetector, PrefixLimitDetector, DampeningDetector };
export type { PrefixFlapOptions, SessionFlapOptions, LeakOptions, PrefixLimitOptions, DampeningOptions };
export { classifyPeerDown, describePeerDown } from './common.js';
export type { DownClass } from './common.js';

type Toggle<T> = T & { readonly enabled?: boolean };

export interface DetectorsOptions {
  readonly prefixFlap?: Toggle<PrefixFlapOptions>;
  readonly sessionFlap?: Toggle<SessionFlapOptions>;
  readonly dampening?: Toggle<DampeningOptions>;
  readonly leaks?: Toggle<LeakOptions>;
  readonly prefixLimit?: Toggle<PrefixLimitOptions>;
  /** The clock for every detector's tick() without an argument. */
  readonly clock?: () => number;
}

export type DetectorKey = Exclude<keyof DetectorsOptions, 'clock'>;

export interface InventoryAware extends Detector {
  setInventory(inv: Inventory): void;
}

type Factory<K extends DetectorKey> = (inventory: Inventory, o: NonNullable<DetectorsOptions[K]>) => InventoryAware;

/** Every stream detector, in the order records reach them (and their observations come out). */
const DETECTORS: { readonly [K in DetectorKey]: Factory<K> } = {
  prefixFlap: (inv, o) => new PrefixFlapDetector(inv, o),
  sessionFlap: (inv, o) => new SessionFlapDetector(inv, o),
  dampening: (inv, o) => new DampeningDetector(inv, o),
  leaks: (inv, o) => new LeakDetector(inv, o),
  prefixLimit: (inv, o) => new PrefixLimitDetector(inv, o),
};

export const DETECTOR_KEYS = Object.keys(DETECTORS) as DetectorKey[];

function build<K extends DetectorKey>(key: K, inventory: Inventory, o: DetectorsOptions[K], clock: () => number): InventoryAware | null {
  if (o?.enabled === false) return null;
  return DETECTORS[key](inventory, { clock, ...o });
}

export class DetectorSet implements Detector {
  readonly name = 'detectors';
  readonly detectors: readonly InventoryAware[];
  private readonly clock: () => number;

  constructor(inventory: Inventory = Inventory.empty(), opts: DetectorsOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    const list: InventoryAware[] = [];
    for (const key of DETECTOR_KEYS) {
      const d = build(key, inventory, opts[key], this.clock);
      if (d) list.push(d);
    }
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

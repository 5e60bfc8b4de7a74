/**
 * The contract between the stream detectors (analyzer/detectors/) and the alert lifecycle
 * (analyzer/alerts/): detectors turn bus records into Observations; the lifecycle turns
 * Observations into alerts (open, update, escalate, resolve), persists them and notifies.
 *
 * Identity: one alert per (kind, subject). `alertKey()` below is the canonical string for it:
 * the kind plus every subject key that is present, in a fixed order. A detector that reports the
 * same condition again (a count rising, a penalty changing) emits another Observation with the same
 * kind and subject and `active: true`; when the condition clears it emits one with `active: false`.
 * Detectors never emit `active: false` for a subject they have not reported active since they
 * started (a restart can therefore leave an open alert to the lifecycle's quiet-period resolve).
 *
 * Time: `at` is event time, the arrival time of the record that caused the Observation (the
 * record's `time`), or the clock time passed to `tick()` for time-based clearing; never the
 * router's timestamp (FRR stamps Peer Up with its boot time).
 */
import type { AlertKind, Severity } from '../records/alerts.js';
import type { BusRecord } from '../records/types.js';

export type { AlertKind, Severity } from '../records/alerts.js';
export { ALERT_KINDS, SEVERITY_RANK } from '../records/alerts.js';

/**
 * Where the condition is. Keys are present only when they apply:
 * - `router`: the router's inventory name when known, else its BMP sysName, else its BMP source address;
 * - `peer`: the BGP peer's address as the router sees it;
 * - `prefix`: a CIDR (host bits cleared);
 * - `cluster`, `node`: inventory names (or the Kubernetes cluster and Node);
 * - `service`: a Kubernetes Service, "namespace/name", when the route is one of its addresses;
 * - `afiSafi`: for per-family conditions (prefix-limit per AFI/SAFI, dampening state per family);
 * - `pathId`: the ADD-PATH path identifier, only when the path has one (RFC 7911).
 */
export interface AlertSubject {
  readonly router?: string;
  readonly peer?: string;
  readonly prefix?: string;
  readonly cluster?: string;
  readonly node?: string;
  readonly service?: string;
  readonly afiSafi?: string;
  readonly pathId?: number;
}

export const SUBJECT_KEYS = ['cluster', 'node', 'service', 'router', 'peer', 'afiSafi', 'prefix', 'pathId'] as const satisfies readonly (keyof AlertSubject)[];

export type FactValue = string | number | boolean | null;

export interface Observation {
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly subject: AlertSubject;
  /** One line for a human: what and where ("10.244.1.0/24 from 127.0.10.2 flapped 7 times in 10 min"). */
  readonly summary: string;
  /**
   * Evidence, flat, for the message body and the API: counts, penalty, thresholds, times
   * (RFC 3339 strings), reasons. Keys are snake_case and stable per kind (docs/analyzer.md).
   */
  readonly facts: Readonly<Record<string, FactValue>>;
  /** The next thing to check, for on-call ("show bgp neighbor 127.0.10.2 received-routes | count"). */
  readonly nextStep: string;
  /** Event time, RFC 3339 UTC: the causing record's arrival time, or the tick time when clearing. */
  readonly at: string;
  /** false: the condition cleared (quiet period passed, penalty decayed, count fell back). */
  readonly active: boolean;
  /** Which detector said it ("flap", "session-flap", "rfd", "leaks", "prefix-limit"), for logs and metrics. */
  readonly detector: string;
}

/** A streaming detector: records in, observations out; bounded state; no I/O. */
export interface Detector {
  readonly name: string;
  /** Feed one record, in bus order. Returns what changed (possibly nothing). */
  onRecord(r: BusRecord): Observation[];
  /** Time-based work (clearing after quiet periods, reuse, eviction), with the clock's now in ms. */
  tick(nowMs: number): Observation[];
  /** Tracked keys, for the state-size metric. */
  stateSize(): number;
}

/** The canonical identity of the alert an Observation belongs to: kind + present subject keys. */
export function alertKey(o: Pick<Observation, 'kind' | 'subject'>): string {
  let k: string = o.kind;
  for (const key of SUBJECT_KEYS) {
    const v = o.subject[key];
    if (v !== undefined) k += `|${key}=${v}`;
  }
  return k;
}

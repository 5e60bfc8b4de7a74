/**
 * One cluster's objects as a source last said them: a keyed set per kind, written by the file
 * loader (all at once) or by the informers (add/update/delete as the watch reports them). A
 * version counter lets the intent be recomputed only when something changed.
 */
import { objectKey } from './objects.js';
import type { KubeObject, ObjectKind } from './objects.js';

type OfKind<K extends ObjectKind> = Extract<KubeObject, { kind: K }>;

export class ClusterObjects {
  private readonly byKind = new Map<ObjectKind, Map<string, KubeObject>>();
  /** Bumped on every change that is a change (an identical update is not). */
  version = 0;

  constructor(readonly cluster: string) {}

  upsert(o: KubeObject): void {
    let m = this.byKind.get(o.kind);
    if (!m) this.byKind.set(o.kind, (m = new Map<string, KubeObject>()));
    const k = objectKey(o);
    const prev = m.get(k);
    if (prev !== undefined && JSON.stringify(prev) === JSON.stringify(o)) return;
    m.set(k, o);
    this.version++;
  }

  delete(kind: ObjectKind, namespace: string, name: string): void {
    if (this.byKind.get(kind)?.delete(objectKey({ kind, namespace, name }))) this.version++;
  }

  /** Replaces every object of the kind (a relist). */
  replaceKind(kind: ObjectKind, objects: readonly KubeObject[]): void {
    const before = this.byKind.get(kind);
    const next = new Map(objects.map((o) => [objectKey(o), o]));
    if (before && before.size === next.size && [...next].every(([k, o]) => JSON.stringify(before.get(k)) === JSON.stringify(o))) return;
    this.byKind.set(kind, next);
    this.version++;
  }

  list<K extends ObjectKind>(kind: K): OfKind<K>[] {
    const m = this.byKind.get(kind);
    return m ? ([...m.values()] as OfKind<K>[]) : [];
  }

  get<K extends ObjectKind>(kind: K, namespace: string, name: string): OfKind<K> | undefined {
    return this.byKind.get(kind)?.get(objectKey({ kind, namespace, name })) as OfKind<K> | undefined;
  }

  countOf(kind: ObjectKind): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  /** Objects per kind, for status lines and the API. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, m] of this.byKind) if (m.size > 0) out[k] = m.size;
    return out;
  }

  get size(): number {
    let n = 0;
    for (const m of this.byKind.values()) n += m.size;
    return n;
  }
}

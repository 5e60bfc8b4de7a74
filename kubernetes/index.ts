/**
 * The cluster as the source of truth: every configured source of Kubernetes objects (live API
 * servers through informers, kubectl dumps from files), one intent per cluster computed from them
 * (kubernetes/intent.ts), recomputed within `debounceMs` of a change, and merged with the
 * hand-written inventory for the leak checks: where the file and a Kubernetes source describe the
 * same cluster, the Kubernetes one wins (logged once); the routers section always comes from the file.
 *
 * A shared layer: the analyzer (leak checks, the kubernetes detector) and the API (which node and
 * Service a route belongs to) both use it; it imports no role.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Inventory } from '../inventory/inventory.js';
import type { InventoryCluster } from '../inventory/inventory.js';
import { ClusterObjects } from './cluster-objects.js';
import { inPod, parseClusterSpec, parseObjectFileSpec } from '../config/kubernetes.js';
import type { ClusterSourceConfig, ObjectFileConfig } from '../config/kubernetes.js';
import { objectsFromFile } from './files.js';
import { changedPrefixes, computeIntent, toInventoryCluster } from './intent.js';
import type { ClusterIntent } from './intent.js';
import { LiveCluster } from './live.js';
import type { KubeLog, LiveClusterStatus, ResourceStatus } from './live.js';

export { computeIntent, changedPrefixes, toInventoryCluster } from './intent.js';
export type { AdvertisementKind, ClusterIntent, ExpectedAdvertisement, NodeIntent, ServiceIntent, ClusterRanges } from './intent.js';
export { ClusterObjects } from './cluster-objects.js';
export { objectsFromFile, objectsFromText } from './files.js';
export { parseObject, RESOURCES } from './objects.js';
export type { KubeObject } from './objects.js';
export { LiveCluster } from './live.js';
export { kubernetesConfigSchema } from '../config/kubernetes.js';
export type { KubeLog, LiveClusterStatus, ResourceStatus } from './live.js';

export interface ObjectFileSource {
  readonly cluster: string;
  readonly file: string;
}

export interface LiveSource {
  readonly name: string;
  /** null: in-cluster (service account). */
  readonly kubeconfig: string | null;
  readonly context: string | null;
}

export interface KubernetesOptions {
  readonly files?: readonly ObjectFileSource[];
  readonly clusters?: readonly LiveSource[];
  readonly log?: KubeLog;
  /** The hand-written inventory in force (for policy and ASN gaps, and the merge). */
  readonly fileInventory?: () => Inventory;
  /** Wait this long after a change before recomputing (bursts of watch events). Default 100 ms. */
  readonly debounceMs?: number;
  /** How long start() waits for every live cluster's first complete list. Default 30 s. */
  readonly syncTimeoutMs?: number;
  /** For tests: live clusters' retry timings. */
  readonly retry?: { readonly absentMs?: number; readonly forbiddenMs?: number; readonly maxBackoffMs?: number };
}

export interface ClusterStatus {
  readonly name: string;
  readonly source: 'live' | 'files';
  readonly server: string | null;
  readonly files: readonly string[];
  readonly stale: boolean;
  readonly synced: boolean;
  /** RFC 3339: when the intent was last recomputed. */
  readonly updatedAt: string | null;
  readonly nodes: number;
  readonly services: number;
  readonly objects: Readonly<Record<string, number>>;
  readonly resources: readonly ResourceStatus[];
  readonly notes: readonly string[];
  readonly problems: readonly string[];
}

export interface IntentChange {
  readonly intents: readonly ClusterIntent[];
  /** Per cluster, the prefixes whose expectation changed. */
  readonly changed: ReadonlyMap<string, ReadonlySet<string>>;
  /** ms since the epoch when the change was computed. */
  readonly at: number;
}

interface Entry {
  readonly name: string;
  readonly source: 'live' | 'files';
  readonly objects: ClusterObjects;
  readonly live: LiveCluster | undefined;
  readonly files: string[];
  readonly problems: string[];
  intent: ClusterIntent | undefined;
  computedVersion: number;
  updatedAt: string | null;
}

export class KubernetesIntent {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: ((c: IntentChange) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly debounceMs: number;
  private started = false;
  private readonly loggedConflicts = new Set<string>();
  private readonly loggedNotes = new Set<string>();
  /** Recomputations done, for tests and metrics. */
  recomputes = 0;
  private generation = 0;
  private snap: { generation: number; at: number; value: IntentSnapshot } | undefined;

  constructor(private readonly o: KubernetesOptions) {
    this.debounceMs = o.debounceMs ?? 100;
    for (const f of o.files ?? []) {
      let e = this.entries.get(f.cluster);
      if (!e) {
        e = { name: f.cluster, source: 'files', objects: new ClusterObjects(f.cluster), live: undefined, files: [], problems: [], intent: undefined, computedVersion: -1, updatedAt: null };
        this.entries.set(f.cluster, e);
      }
      e.files.push(f.file);
    }
    for (const c of o.clusters ?? []) {
      const prev = this.entries.get(c.name);
      if (prev?.source === 'live') throw new Error(`kubernetes.clusters: two clusters named "${c.name}"`);
      if (prev) o.log?.warn({ cluster: c.name }, `kubernetes: cluster ${c.name} is both live and in object files (${prev.files.join(', ')}): the live API wins, the files are not read for it`);
      const live = new LiveCluster({
        name: c.name,
        kubeconfig: c.kubeconfig,
        context: c.context,
        ...(o.log && { log: o.log }),
        onChange: () => this.schedule(),
        ...(o.retry?.absentMs !== undefined && { absentRetryMs: o.retry.absentMs }),
        ...(o.retry?.forbiddenMs !== undefined && { forbiddenRetryMs: o.retry.forbiddenMs }),
        ...(o.retry?.maxBackoffMs !== undefined && { maxBackoffMs: o.retry.maxBackoffMs }),
      });
      this.entries.set(c.name, { name: c.name, source: 'live', objects: live.objects, live, files: [], problems: [], intent: undefined, computedVersion: -1, updatedAt: null });
    }
  }

  /** True when at least one source is configured. */
  get enabled(): boolean {
    return this.entries.size > 0;
  }

  onChange(f: (c: IntentChange) => void): void {
    this.listeners.push(f);
  }

  /** Reads the files, starts the informers, and waits (bounded) for the first complete intent. */
  async start(): Promise<void> {
    for (const e of this.entries.values()) {
      if (e.source !== 'files') continue;
      for (const file of e.files) {
        const r = objectsFromFile(file);
        for (const obj of r.objects) e.objects.upsert(obj);
        for (const p of r.problems) {
          e.problems.push(p);
          this.o.log?.warn({ cluster: e.name, file }, `kubernetes: ${p} (skipped)`);
        }
        this.o.log?.info({ cluster: e.name, file, objects: r.objects.length, ignored: r.ignored, problems: r.problems.length }, 'kubernetes: objects read from file');
      }
    }
    const lives = [...this.entries.values()].flatMap((e) => (e.live ? [e.live] : []));
    for (const l of lives) l.start();
    const timeout = this.o.syncTimeoutMs ?? 30_000;
    const synced = await Promise.all(lives.map((l) => l.whenSynced(timeout)));
    synced.forEach((ok, i) => {
      if (!ok) this.o.log?.warn({ cluster: lives[i]?.status().name }, `kubernetes: not every resource listed within ${timeout / 1000} s; going on with what is known (the rest follows as it lists)`);
    });
    this.started = true;
    this.recompute();
  }

  private schedule(): void {
    if (!this.started || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.recompute();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Recomputes every cluster whose objects changed; tells the listeners what changed. */
  recompute(): void {
    const changed = new Map<string, Set<string>>();
    const file = this.o.fileInventory?.();
    for (const e of this.entries.values()) {
      if (e.computedVersion === e.objects.version && e.intent) continue;
      const next = computeIntent(e.objects, { ...(file?.cluster(e.name) && { fileCluster: file.cluster(e.name) as InventoryCluster }) });
      this.recomputes++;
      for (const n of next.notes) {
        if (this.loggedNotes.has(n)) continue;
        this.loggedNotes.add(n);
        this.o.log?.warn({ cluster: e.name }, `kubernetes: ${n}`);
      }
      const diff = changedPrefixes(e.intent, next);
      e.intent = next;
      e.computedVersion = e.objects.version;
      e.updatedAt = new Date().toISOString();
      // Every recomputation is told, even with no prefix changed: a status or an ASN may have.
      changed.set(e.name, diff);
      this.generation++;
    }
    if (changed.size === 0) return;
    const c: IntentChange = { intents: this.intents(), changed, at: Date.now() };
    for (const l of this.listeners) l(c);
  }

  /** Intents and status for the API; the same object until the intent changes (status at most 1 s old). */
  snapshot(now = Date.now()): IntentSnapshot {
    if (this.snap && this.snap.generation === this.generation && now - this.snap.at < 1000) return this.snap.value;
    const value = { intents: this.intents(), status: this.status() };
    this.snap = { generation: this.generation, at: now, value };
    return value;
  }

  intents(): ClusterIntent[] {
    return [...this.entries.values()].flatMap((e) => (e.intent ? [e.intent] : []));
  }

  intent(cluster: string): ClusterIntent | undefined {
    return this.entries.get(cluster)?.intent;
  }

  status(): ClusterStatus[] {
    return [...this.entries.values()].map((e) => {
      const ls: LiveClusterStatus | undefined = e.live?.status();
      return {
        name: e.name,
        source: e.source,
        server: ls?.server ?? null,
        files: e.files,
        stale: ls?.stale ?? false,
        synced: ls?.synced ?? true,
        updatedAt: e.updatedAt,
        nodes: e.intent?.nodes.length ?? 0,
        services: e.intent?.services.length ?? 0,
        objects: e.objects.counts(),
        resources: ls?.resources ?? [],
        notes: e.intent?.notes ?? [],
        problems: e.problems,
      };
    });
  }

  /** The hand-written inventory with each Kubernetes-described cluster replaced by (or added as) its intent. */
  inventory(file: Inventory = this.o.fileInventory?.() ?? Inventory.empty()): Inventory {
    return mergeInventory(file, this.intents(), (name) => {
      if (this.loggedConflicts.has(name)) return;
      this.loggedConflicts.add(name);
      this.o.log?.info({ cluster: name }, `kubernetes: cluster ${name} is described both by the inventory file and by Kubernetes: the Kubernetes objects win (the file's policy and node ASNs fill only what no object says)`);
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const e of this.entries.values()) await e.live?.stop();
  }
}

export function mergeInventory(file: Inventory, intents: readonly ClusterIntent[], onConflict?: (cluster: string) => void): Inventory {
  if (intents.length === 0) return file;
  const byName = new Map(intents.map((i) => [i.name, toInventoryCluster(i)]));
  const clusters: InventoryCluster[] = [];
  for (const c of file.clusters) {
    const live = byName.get(c.name);
    if (live) {
      onConflict?.(c.name);
      clusters.push(live);
      byName.delete(c.name);
    } else clusters.push(c);
  }
  clusters.push(...byName.values());
  return new Inventory(clusters, file.routers, file.file, file.warnings);
}

export interface KubernetesFlags {
  /** --kubeconfig [NAME=]FILE (repeatable). */
  readonly kubeconfigs?: readonly string[];
  /** --kube-context NAME: the context for every --kubeconfig without its own #CONTEXT. */
  readonly context?: string;
  /** --kube-objects [CLUSTER=]FILE (repeatable). */
  readonly objectFiles?: readonly string[];
}

export interface KubernetesSection {
  readonly clusters: readonly ClusterSourceConfig[];
  readonly objectFiles: readonly ObjectFileConfig[];
  readonly graceSeconds: number;
  readonly inCluster: 'auto' | 'true' | 'false';
  readonly inClusterName: string;
}

/**
 * The sources from `kubernetes.*` and the command line (flags add to the file's lists). A
 * kubeconfig without a name is named after its context's cluster; an object file without a
 * cluster takes the inventory's only cluster, else "default". Throws (naming the flag or key) on
 * a kubeconfig that cannot be read.
 */
export function kubernetesSources(section: KubernetesSection, flags: KubernetesFlags, fileInventory: Inventory, env: Readonly<Record<string, string | undefined>> = process.env): { files: ObjectFileSource[]; clusters: LiveSource[] } {
  const clusters: LiveSource[] = [];
  const specs: ClusterSourceConfig[] = [...section.clusters];
  for (const k of flags.kubeconfigs ?? []) {
    const c = parseClusterSpec(k);
    if (typeof c === 'string') throw new Error(`--kubeconfig: ${c}`);
    specs.push(c.context === '' && flags.context !== undefined ? { ...c, context: flags.context } : c);
  }
  for (const c of specs) {
    let name = c.name;
    if (name === '') {
      const kc = new KubeConfig();
      try {
        kc.loadFromFile(c.kubeconfig);
      } catch (e) {
        throw new Error(`kubeconfig ${c.kubeconfig}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (c.context !== '') kc.setCurrentContext(c.context);
      name = kc.getContextObject(kc.getCurrentContext())?.cluster ?? '';
      if (name === '') throw new Error(`kubeconfig ${c.kubeconfig}: no current context to name the cluster after (give it one: NAME=${c.kubeconfig})`);
    }
    if (clusters.some((x) => x.name === name)) throw new Error(`kubernetes: two live clusters named "${name}" (name them: --kubeconfig NAME=FILE)`);
    clusters.push({ name, kubeconfig: c.kubeconfig, context: c.context === '' ? null : c.context });
  }
  const defaultCluster = fileInventory.clusters.length === 1 ? (fileInventory.clusters[0]?.name ?? 'default') : 'default';
  const files: ObjectFileSource[] = [];
  for (const f of [...section.objectFiles, ...(flags.objectFiles ?? []).map((s) => parseObjectFileSpec(s))]) {
    if (typeof f === 'string') throw new Error(`--kube-objects: ${f}`);
    files.push({ cluster: f.cluster === '' ? defaultCluster : f.cluster, file: f.file });
  }
  const inCluster = section.inCluster === 'true' || (section.inCluster === 'auto' && clusters.length === 0 && files.length === 0 && inPod(env));
  if (inCluster) clusters.push({ name: section.inClusterName, kubeconfig: null, context: null });
  return { files, clusters };
}

export { RouteLabels } from './labels.js';
export type { PeerLabel } from './labels.js';

/** What the API is given: the intents and the sources' state, from this process or from the store. */
export interface IntentSnapshot {
  readonly intents: readonly ClusterIntent[];
  readonly status: readonly ClusterStatus[];
}

/**
 * One cluster, live: an informer (list, then watch from the list's resourceVersion; a relist when
 * the server says the version is gone) per resource ribwatch reads, through the official client
 * `@kubernetes/client-node`. Credentials come from a kubeconfig file and context, or, in a pod,
 * from the service account.
 *
 * Faults, per resource, never fatal:
 * - the resource is not served (a CRD not installed): one info line, looked for again every
 *   `absentRetryMs` (a CRD installed later is picked up);
 * - RBAC forbids it (403): that resource is off, with one warning naming the verb and resource;
 *   tried again every `forbiddenRetryMs`;
 * - anything else (API server unreachable, a watch cut): one warning, retries with exponential
 *   backoff (1 s doubling to 30 s); the objects last seen are kept and the cluster is marked stale
 *   until the resource lists again.
 * - a malformed object: skipped with one line naming it.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { ClusterObjects } from './cluster-objects.js';
import { RESOURCES, parseObjectAs } from './objects.js';
import type { KubeObject, Resource } from './objects.js';

export interface KubeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LiveClusterOptions {
  /** The cluster's name in ribwatch (alerts, API). */
  readonly name: string;
  /** A kubeconfig file; null: the pod's service account (in-cluster). */
  readonly kubeconfig: string | null;
  /** A context of that file; null: its current-context. */
  readonly context: string | null;
  readonly log?: KubeLog;
  /** Called after each change to the objects (debounce in the caller). */
  readonly onChange?: () => void;
  readonly absentRetryMs?: number;
  readonly forbiddenRetryMs?: number;
  readonly maxBackoffMs?: number;
  /** Which resources to read; default all of RESOURCES. */
  readonly resources?: readonly Resource[];
}

export type ResourceState = 'starting' | 'synced' | 'absent' | 'forbidden' | 'failing';

export interface ResourceStatus {
  readonly kind: string;
  readonly resource: string;
  readonly version: string | null;
  readonly state: ResourceState;
  readonly objects: number;
  readonly error: string | null;
  /** RFC 3339 of the last successful list. */
  readonly listedAt: string | null;
}

export interface LiveClusterStatus {
  readonly name: string;
  readonly server: string | null;
  /** Some resource is failing: the intent may lag the cluster. */
  readonly stale: boolean;
  /** Every resource has listed once (or is absent/forbidden). */
  readonly synced: boolean;
  readonly resources: readonly ResourceStatus[];
}

interface Watched {
  readonly res: Resource;
  version: string | null;
  state: ResourceState;
  error: string | null;
  listedAt: string | null;
  informer: (Informer<KubernetesObject> & ObjectCache<KubernetesObject>) | undefined;
  timer: NodeJS.Timeout | undefined;
  backoffMs: number;
  /** Malformed objects already logged (name → problem), so a resync does not repeat them. */
  malformed: Map<string, string>;
  count: number;
}

function errCode(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof o.code === 'number') return o.code;
  if (typeof o.statusCode === 'number') return o.statusCode;
  return undefined;
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e).message);
  return String(e);
}

function fullName(res: Resource): string {
  return res.group === '' ? res.plural : `${res.plural}.${res.group}`;
}

export class LiveCluster {
  readonly objects: ClusterObjects;
  private readonly kc = new KubeConfig();
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly watched: Watched[];
  private stopped = false;
  private readonly absentRetryMs: number;
  private readonly forbiddenRetryMs: number;
  private readonly maxBackoffMs: number;
  private syncedWaiters: (() => void)[] = [];

  constructor(private readonly o: LiveClusterOptions) {
    this.objects = new ClusterObjects(o.name);
    if (o.kubeconfig === null) this.kc.loadFromCluster();
    else {
      this.kc.loadFromFile(o.kubeconfig);
      if (o.context !== null) {
        if (!this.kc.getContextObject(o.context)) throw new Error(`${o.kubeconfig}: no context "${o.context}" (contexts: ${this.kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
        this.kc.setCurrentContext(o.context);
      }
    }
    if (!this.kc.getCurrentCluster()) throw new Error(`${o.kubeconfig ?? 'in-cluster config'}: no cluster in the current context`);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.absentRetryMs = o.absentRetryMs ?? 60_000;
    this.forbiddenRetryMs = o.forbiddenRetryMs ?? 300_000;
    this.maxBackoffMs = o.maxBackoffMs ?? 30_000;
    this.watched = (o.resources ?? RESOURCES).map((res) => ({ res, version: null, state: 'starting', error: null, listedAt: null, informer: undefined, timer: undefined, backoffMs: 1000, malformed: new Map(), count: 0 }));
  }

  get server(): string | null {
    return this.kc.getCurrentCluster()?.server ?? null;
  }

  start(): void {
    for (const w of this.watched) void this.begin(w);
  }

  /** Resolves once every resource has listed once (or is absent/forbidden), or after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.synced()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.synced()), timeoutMs);
      t.unref();
      this.syncedWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private synced(): boolean {
    return this.watched.every((w) => w.state !== 'starting' && !(w.state === 'failing' && w.listedAt === null));
  }

  private checkSynced(): void {
    if (!this.synced()) return;
    const ws = this.syncedWaiters;
    this.syncedWaiters = [];
    for (const f of ws) f();
  }

  status(): LiveClusterStatus {
    return {
      name: this.o.name,
      server: this.server,
      stale: this.watched.some((w) => w.state === 'failing'),
      synced: this.synced(),
      resources: this.watched.map((w) => ({ kind: w.res.kind, resource: fullName(w.res), version: w.version, state: w.state, objects: w.count, error: w.error, listedAt: w.listedAt })),
    };
  }

  private list(res: Resource, version: string, limit?: number): Promise<KubernetesListObject<KubernetesObject>> {
    if (res.group === '') {
      const p = limit !== undefined ? { limit } : {};
      if (res.plural === 'nodes') return this.core.listNode(p);
      if (res.plural === 'services') return this.core.listServiceForAllNamespaces(p);
      return Promise.reject(new Error(`core resource ${res.plural} is not read`));
    }
    return this.custom.listClusterCustomObject({ group: res.group, version, plural: res.plural, ...(limit !== undefined && { limit }) }) as Promise<KubernetesListObject<KubernetesObject>>;
  }

  private path(res: Resource, version: string): string {
    return res.group === '' ? `/api/${version}/${res.plural}` : `/apis/${res.group}/${version}/${res.plural}`;
  }

  private later(w: Watched, ms: number): void {
    if (this.stopped) return;
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.begin(w);
    }, ms);
    w.timer.unref();
  }

  /** Finds the served version (several for some CRDs), then runs the informer. */
  private async begin(w: Watched): Promise<void> {
    if (this.stopped) return;
    if (w.informer) {
      // A restart after an error: the informer relists or rewatches from its resourceVersion.
      void w.informer.start().catch((e: unknown) => this.failed(w, e));
      return;
    }
    let version: string | null = null;
    let lastErr: unknown;
    if (w.res.versions.length === 1) version = w.res.versions[0] ?? null;
    else {
      for (const v of w.res.versions) {
        try {
          await this.list(w.res, v, 1);
          version = v;
          break;
        } catch (e) {
          lastErr = e;
          if (errCode(e) !== 404) break;
        }
      }
    }
    if (this.stopped) return;
    if (version === null) {
      this.failed(w, lastErr);
      return;
    }
    w.version = version;
    const res = w.res;
    const informer = makeInformer<KubernetesObject>(this.kc, this.path(res, version), async () => {
      const list = await this.list(res, version);
      // A complete list: every object now known (the informer reports deletions for the rest).
      w.listedAt = new Date().toISOString();
      w.backoffMs = 1000;
      if (w.state !== 'synced') {
        if (w.state === 'failing') this.o.log?.info({ cluster: this.o.name, resource: fullName(res) }, 'kubernetes: listing again after errors');
        w.state = 'synced';
        w.error = null;
      }
      // Items of a list carry no kind: parse them as this resource.
      this.replace(w, list.items);
      setImmediate(() => this.checkSynced());
      return list;
    });
    w.informer = informer;
    const upsert = (obj: KubernetesObject) => this.upsert(w, obj);
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (obj) => {
      this.objects.delete(res.kind, res.namespaced ? (obj.metadata?.namespace ?? '') : '', obj.metadata?.name ?? '');
      w.count = Math.max(0, w.count - 1);
      this.o.onChange?.();
    });
    informer.on('error', (e: unknown) => this.failed(w, e));
    void informer.start().catch((e: unknown) => this.failed(w, e));
  }

  private parse(w: Watched, obj: unknown): KubeObject | undefined {
    const r = parseObjectAs(w.res, obj);
    if (r.ok === true) return r.object;
    if (r.ok === false) {
      const md = (obj as { metadata?: { name?: string; namespace?: string } }).metadata;
      const id = `${md?.namespace ?? ''}/${md?.name ?? ''}`;
      if (w.malformed.get(id) !== r.problem) {
        w.malformed.set(id, r.problem);
        this.o.log?.warn({ cluster: this.o.name, resource: fullName(w.res) }, `kubernetes: skipped a malformed object: ${r.problem}`);
      }
      // A malformed update leaves the object out rather than half-read.
      this.objects.delete(w.res.kind, w.res.namespaced ? (md?.namespace ?? '') : '', md?.name ?? '');
    }
    return undefined;
  }

  private upsert(w: Watched, obj: KubernetesObject): void {
    const o = this.parse(w, obj);
    if (o) this.objects.upsert(o);
    w.count = this.objects.countOf(w.res.kind);
    this.o.onChange?.();
  }

  private replace(w: Watched, items: readonly KubernetesObject[]): void {
    const parsed: KubeObject[] = [];
    for (const it of items) {
      const o = this.parse(w, it);
      if (o) parsed.push(o);
    }
    this.objects.replaceKind(w.res.kind, parsed);
    w.count = parsed.length;
    this.o.onChange?.();
  }

  private failed(w: Watched, e: unknown): void {
    if (this.stopped) return;
    const code = errCode(e);
    const name = fullName(w.res);
    if (code === 404) {
      if (w.state !== 'absent') this.o.log?.info({ cluster: this.o.name, resource: name }, `kubernetes: ${name} is not served by this cluster (CRD not installed?): skipped, looked for again every ${Math.round((this.absentRetryMs) / 1000)} s`);
      w.state = 'absent';
      w.error = 'not served';
      w.informer = undefined;
      w.version = null;
      this.later(w, this.absentRetryMs);
    } else if (code === 403 || code === 401) {
      const user = this.kc.getCurrentUser()?.name ?? 'this user';
      const what = code === 403 ? `RBAC forbids list/watch on ${name} for ${user}` : `the API server rejects ${user}'s credentials (401) for ${name}`;
      if (w.state !== 'forbidden') this.o.log?.warn({ cluster: this.o.name, resource: name, status: code }, `kubernetes: ${what}: this source is off (grant get, list, watch on ${name}: see the ClusterRole in docs/kubernetes.md); the rest runs`);
      w.state = 'forbidden';
      w.error = what;
      w.informer = undefined;
      this.later(w, this.forbiddenRetryMs);
    } else if (code === 429 && w.state !== 'failing') {
      // API priority and fairness asks to come back later (many lists at start-up): not a fault.
      this.later(w, 500 + Math.floor(Math.random() * 1000));
    } else {
      const text = errText(e);
      if (w.state !== 'failing') this.o.log?.warn({ cluster: this.o.name, resource: name, err: text }, `kubernetes: ${name}: ${text}; retrying with backoff, keeping the objects last seen (intent marked stale)`);
      w.state = 'failing';
      w.error = text;
      this.later(w, w.backoffMs);
      w.backoffMs = Math.min(this.maxBackoffMs, w.backoffMs * 2);
      this.o.onChange?.();
    }
    setImmediate(() => this.checkSynced());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watched) {
      if (w.timer) clearTimeout(w.timer);
      await w.informer?.stop().catch(() => undefined);
    }
    for (const f of this.syncedWaiters) f();
    this.syncedWaiters = [];
  }
}

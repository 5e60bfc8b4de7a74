/**
 * The `kubernetes` configuration section (registered in config/config.ts's schema): where the
 * cluster objects come from and how long the analyzer lets the routers catch up with a change.
 *
 *   kubernetes:
 *     clusters:                     # live API servers, read with informers
 *       - { name: prod, kubeconfig: /etc/ribwatch/prod.kubeconfig, context: prod-admin }
 *     objectFiles:                  # kubectl dumps: "FILE" or "CLUSTER=FILE"
 *       - staging=/srv/dumps/staging.yaml
 *     graceSeconds: 60
 *     inCluster: auto               # in a pod: the service account, as cluster inClusterName
 *
 * Environment: RIBWATCH_KUBERNETES_CLUSTERS="prod=/etc/k.yaml#ctx,lab=/etc/lab.yaml",
 * RIBWATCH_KUBERNETES_OBJECT_FILES="staging=/srv/s.yaml".
 */
import { existsSync } from 'node:fs';
import { ConfigKey } from './key.js';
import type { ConfigKind, Parsed } from './key.js';

export interface ClusterSourceConfig {
  readonly name: string;
  readonly kubeconfig: string;
  /** "" : the kubeconfig's current-context. */
  readonly context: string;
}

export interface ObjectFileConfig {
  /** "": the default cluster name (see `defaultClusterName`). */
  readonly cluster: string;
  readonly file: string;
}

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** "NAME=FILE#CONTEXT" (NAME= and #CONTEXT optional) → a cluster source. */
export function parseClusterSpec(text: string): ClusterSourceConfig | string {
  let rest = text.trim();
  let name = '';
  const eq = rest.indexOf('=');
  if (eq > 0 && NAME.test(rest.slice(0, eq))) {
    name = rest.slice(0, eq);
    rest = rest.slice(eq + 1);
  }
  let context = '';
  const hash = rest.lastIndexOf('#');
  if (hash > 0) {
    context = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  if (rest === '') return `"${text}": no kubeconfig file`;
  return { name, kubeconfig: rest, context };
}

/** "CLUSTER=FILE" or "FILE". */
export function parseObjectFileSpec(text: string): ObjectFileConfig | string {
  const t = text.trim();
  const eq = t.indexOf('=');
  if (eq > 0 && NAME.test(t.slice(0, eq))) return t.slice(eq + 1) === '' ? `"${text}": no file` : { cluster: t.slice(0, eq), file: t.slice(eq + 1) };
  return t === '' ? 'an empty file name' : { cluster: '', file: t };
}

const clusterList: ConfigKind<readonly ClusterSourceConfig[]> = {
  type: 'list of { name, kubeconfig, context } (env: comma-separated NAME=FILE#CONTEXT)',
  fromYaml: (raw) => {
    if (!Array.isArray(raw)) return bad('a list of { name, kubeconfig, context }');
    const out: ClusterSourceConfig[] = [];
    const names = new Set<string>();
    for (const [i, item] of (raw as unknown[]).entries()) {
      if (typeof item === 'string') {
        const c = parseClusterSpec(item);
        if (typeof c === 'string') return bad(`[${i}]: ${c}`);
        out.push(c);
        continue;
      }
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return bad(`[${i}]: a mapping { name, kubeconfig, context }`);
      const m = item as Record<string, unknown>;
      const unknown = Object.keys(m).filter((k) => !['name', 'kubeconfig', 'context'].includes(k));
      if (unknown.length > 0) return bad(`[${i}]: unknown key ${unknown.join(', ')} (expected name, kubeconfig, context)`);
      const name = m['name'] ?? '';
      const kubeconfig = m['kubeconfig'];
      const context = m['context'] ?? '';
      if (typeof name !== 'string' || (name !== '' && !NAME.test(name))) return bad(`[${i}].name: a cluster name (letters, digits, . _ -)`);
      if (typeof kubeconfig !== 'string' || kubeconfig === '') return bad(`[${i}].kubeconfig: a kubeconfig file`);
      if (typeof context !== 'string') return bad(`[${i}].context: a context name`);
      if (name !== '' && names.has(name)) return bad(`[${i}].name: "${name}" is used twice`);
      names.add(name);
      out.push({ name, kubeconfig, context });
    }
    return good(out);
  },
  fromText: (t) => {
    const out: ClusterSourceConfig[] = [];
    for (const part of t.split(',').filter((s) => s.trim() !== '')) {
      const c = parseClusterSpec(part);
      if (typeof c === 'string') return bad(`NAME=FILE#CONTEXT, comma-separated; ${c}`);
      out.push(c);
    }
    return good(out);
  },
  toYaml: (v) => v.map((c) => ({ name: c.name, kubeconfig: c.kubeconfig, ...(c.context !== '' && { context: c.context }) })),
};

const objectFileList: ConfigKind<readonly ObjectFileConfig[]> = {
  type: 'list of "FILE" or "CLUSTER=FILE" (env: comma-separated)',
  fromYaml: (raw) => {
    if (!Array.isArray(raw)) return bad('a list of "FILE" or "CLUSTER=FILE"');
    const out: ObjectFileConfig[] = [];
    for (const [i, item] of (raw as unknown[]).entries()) {
      if (typeof item !== 'string') return bad(`[${i}]: "FILE" or "CLUSTER=FILE"`);
      const f = parseObjectFileSpec(item);
      if (typeof f === 'string') return bad(`[${i}]: ${f}`);
      out.push(f);
    }
    return good(out);
  },
  fromText: (t) => objectFileList.fromYaml(t.split(',').filter((s) => s.trim() !== '')),
  toYaml: (v) => v.map((f) => (f.cluster === '' ? f.file : `${f.cluster}=${f.file}`)),
};

const inClusterKind: ConfigKind<'auto' | 'true' | 'false'> = {
  type: 'auto | true | false',
  fromYaml: (raw) => (raw === true ? good('true') : raw === false ? good('false') : raw === 'auto' ? good('auto') : bad('auto, true or false')),
  fromText: (t) => {
    const v = t.trim().toLowerCase();
    return v === 'auto' || v === '' ? good('auto') : v === 'true' || v === '1' ? good('true') : v === 'false' || v === '0' ? good('false') : bad('auto, true or false');
  },
  toYaml: (v) => (v === 'auto' ? 'auto' : v === 'true'),
};

const graceKind: ConfigKind<number> = {
  type: 'integer 0..3600',
  fromYaml: (raw) => (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 && raw <= 3600 ? good(raw) : bad('whole seconds from 0 to 3600')),
  fromText: (t) => (/^\s*\d+\s*$/.test(t) ? graceKind.fromYaml(Number(t)) : bad('whole seconds from 0 to 3600')),
  toYaml: (v) => v,
};

const nameKind: ConfigKind<string> = {
  type: 'cluster name',
  fromYaml: (raw) => (typeof raw === 'string' && NAME.test(raw) ? good(raw) : bad('a cluster name (letters, digits, . _ -)')),
  fromText: (t) => nameKind.fromYaml(t.trim()),
  toYaml: (v) => v,
};

export const kubernetesConfigSchema = {
  kubernetes: {
    clusters: new ConfigKey(clusterList, [] as readonly ClusterSourceConfig[], 'Live Kubernetes API servers to read (list + watch): name (default: the context\'s cluster name), kubeconfig file, context (default: its current-context). Several at once. Also --kubeconfig FILE and --kube-context NAME.'),
    objectFiles: new ConfigKey(objectFileList, [] as readonly ObjectFileConfig[], 'Kubernetes objects from files, as `kubectl get … -A -o yaml|json` writes them: "FILE" or "CLUSTER=FILE". Also --kube-objects FILE.'),
    graceSeconds: new ConfigKey(graceKind, 60, 'After a cluster change (new node, reallocated PodCIDR, moved LB IP, deleted Service), findings about the prefixes it touched wait this long for the routers to catch up.'),
    inCluster: new ConfigKey(inClusterKind, 'auto', 'Read the cluster ribwatch runs in through its service account: auto = when in a pod and no cluster or object file is configured.'),
    inClusterName: new ConfigKey(nameKind, 'local', 'The name the in-cluster cluster gets in alerts and the API.'),
  },
};

/** Running in a pod with a service account token. */
export function inPod(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/**
 * A real Kubernetes API server (and its etcd) for live tests, through the project's own runner
 * (deploy/kubernetes/kube-apiserver.sh): loopback, free ports from the kernel, a state directory
 * of its own per test file, RBAC on, an admin and a read-only user with static tokens.
 *
 * The binaries are built once per machine from the Go module proxy (`kube-apiserver.sh fetch`,
 * run by .ci/run) and cached; `kubeSkipReason()` says when they are absent so the tests skip
 * with that message instead of building for half an hour inside a test.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'deploy/kubernetes/kube-apiserver.sh'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
export const KUBE_SH = join(findRepo(), 'deploy/kubernetes/kube-apiserver.sh');

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    // printf %q quoting: paths and hex tokens need none; strip quotes if any.
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** Why the Kubernetes live tests cannot run here ('' when they can). */
export function kubeSkipReason(): string {
  if (process.env['RIBWATCH_SKIP_LIVE']) return 'RIBWATCH_SKIP_LIVE is set';
  try {
    execFileSync('bash', [KUBE_SH, 'binaries'], { stdio: 'pipe' });
    return '';
  } catch {
    return 'Kubernetes live tests skipped: kube-apiserver, kubectl and etcd are not built (run deploy/kubernetes/kube-apiserver.sh fetch once: a Go build from the module proxy, several minutes)';
  }
}

export interface KubeTestServer {
  readonly dir: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** Admin (system:masters). */
  readonly kubeconfig: string;
  /** User ribwatch-reader: no permission until a test binds one. */
  readonly readerKubeconfig: string;
  readonly kubectlPath: string;
  readonly apiserverPid: number;
  /** kubectl as admin; resolves stdout, rejects with stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** Stops both processes (the runner TERMs, then KILLs) and removes the state directory. */
  stop(): Promise<void>;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Starts an API server with its own etcd in a new state directory. */
export async function startKube(): Promise<KubeTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-kube-'));
  const env = { ...process.env, DEVKUBE_DIR: dir };
  try {
    await run('bash', [KUBE_SH, 'start'], env);
  } catch (e) {
    await run('bash', [KUBE_SH, 'stop'], env).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const v = parseEnv(await run('bash', [KUBE_SH, 'env'], env));
  const kubectlPath = v['KUBECTL'] ?? 'kubectl';
  const kubeconfig = v['KUBECONFIG'] ?? join(dir, 'kubeconfig');
  return {
    dir,
    server: v['DEVKUBE_SERVER'] ?? '',
    kubeconfig,
    readerKubeconfig: v['DEVKUBE_READER_KUBECONFIG'] ?? join(dir, 'kubeconfig-reader'),
    kubectlPath,
    apiserverPid: Number(v['DEVKUBE_APISERVER_PID']),
    kubectl: (args, input) => run(kubectlPath, ['--kubeconfig', kubeconfig, ...args], env, input, 60_000),
    async stop() {
      await run('bash', [KUBE_SH, 'stop'], env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

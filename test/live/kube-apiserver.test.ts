/**
 * deploy/kubernetes/kube-apiserver.sh: a real API server with a real etcd, on loopback, with a
 * self-made CA, static tokens and RBAC — what the Kubernetes live tests and `kubectl apply
 * --dry-run=server` of the Helm chart run against.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeSkipReason, startKube } from './harness/index.js';
import type { KubeTestServer } from './harness/index.js';

const skip = kubeSkipReason() || false;

test('kube-apiserver.sh serves the real API on 127.0.0.1 with RBAC: the admin writes, the reader is refused until bound, server dry-run works', { skip, timeout: 180_000 }, async () => {
  let k: KubeTestServer | undefined;
  try {
    k = await startKube();
    assert.match(k.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const version = JSON.parse(await k.kubectl(['version', '-o', 'json'])) as { serverVersion?: { gitVersion?: string } };
    assert.equal(version.serverVersion?.gitVersion, 'v1.32.13');
    await k.kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: Node\nmetadata: { name: node1 }\nspec: { podCIDRs: [10.244.1.0/24] }\n');
    assert.match(await k.kubectl(['get', 'nodes', '-o', 'name']), /node\/node1/);
    const dry = await k.kubectl(['apply', '--dry-run=server', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: { name: dry }\n');
    assert.match(dry, /created \(server dry run\)/);
    await assert.rejects(k.kubectl(['--kubeconfig', k.readerKubeconfig, 'get', 'nodes']), /forbidden/i);
    await k.kubectl(['create', 'clusterrole', 'node-reader', '--verb=get,list,watch', '--resource=nodes']);
    await k.kubectl(['create', 'clusterrolebinding', 'node-reader', '--clusterrole=node-reader', '--user=ribwatch-reader']);
    // RBAC changes take effect without a restart (the authorizer watches its objects).
    let listed = '';
    for (let i = 0; i < 50 && listed === ''; i++) {
      listed = await k.kubectl(['--kubeconfig', k.readerKubeconfig, 'get', 'nodes', '-o', 'name']).catch(() => '');
      if (listed === '') await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(listed, /node\/node1/);
  } finally {
    await k?.stop();
  }
});

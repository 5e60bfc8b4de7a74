import type { IntentSnapshot, KubernetesIntent } from '../../kubernetes/index.js';

/** --kubeconfig, --kube-context, --kube-objects (run, analyzer) as the analyzer takes them. */
export interface KubeFlagValues {
  kubeconfig?: string[];
  'kube-context'?: string;
  'kube-objects'?: string[];
}

export function kubeFlags(v: KubeFlagValues): { kubeconfigs: string[]; objectFiles: string[]; context?: string } {
  return { kubeconfigs: v.kubeconfig ?? [], objectFiles: v['kube-objects'] ?? [], ...(v['kube-context'] !== undefined && { context: v['kube-context'] }) };
}

/** The API's view of the analyzer's intent in this process. */
export function snapshotOf(k: KubernetesIntent): () => IntentSnapshot {
  return () => k.snapshot();
}

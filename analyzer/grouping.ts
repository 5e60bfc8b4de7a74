/**
 * Grouping: which subject keys identify an alert, per kind. The keys left out are the
 * "observer": the router (and peer) that saw the condition. A pod CIDR leaked by node1 and seen
 * by four leafs is one `pod-cidr-leak` alert for (cluster, node, prefix) with four observers,
 * not four alerts; a session flapping is per (router, peer), because each session is its own
 * problem.
 */
import { SUBJECT_KEYS, alertKey } from './types.js';
import type { AlertKind, AlertSubject, Observation } from './types.js';

export type SubjectKey = (typeof SUBJECT_KEYS)[number];

/** The subject keys that identify one alert of each kind (present ones only are used). */
export const GROUP_BY: Readonly<Record<AlertKind, readonly SubjectKey[]>> = {
  // A node flapping its pod CIDR is seen by every router downstream: one alert per prefix origin.
  'prefix-flap': ['cluster', 'node', 'afiSafi', 'prefix'],
  'session-flap': ['router', 'peer'],
  // Damping state (penalty, reuse time) belongs to one router's view of one peer.
  dampening: ['router', 'peer', 'afiSafi', 'prefix'],
  'pod-cidr-leak': ['cluster', 'node', 'prefix'],
  'service-cidr-leak': ['cluster', 'node', 'prefix'],
  'lb-ip-leak': ['cluster', 'node', 'prefix'],
  'cluster-overlap': ['cluster', 'node', 'prefix'],
  'foreign-overlap': ['cluster', 'node', 'prefix'],
  'missing-no-export': ['cluster', 'node', 'prefix'],
  'prefix-limit': ['router', 'peer', 'afiSafi'],
  'max-prefix-teardown': ['router', 'peer'],
  // Kubernetes intent (analyzer/kubernetes/): one alert per node and route, the routers observe it.
  'missing-advertisement': ['cluster', 'node', 'service', 'prefix'],
  'unexpected-announcer': ['cluster', 'node', 'service', 'prefix'],
  'community-mismatch': ['cluster', 'node', 'service', 'prefix'],
  'bgp-status-mismatch': ['cluster', 'node', 'router', 'afiSafi'],
};

export type GroupBy = Readonly<Partial<Record<AlertKind, readonly SubjectKey[]>>>;

/** The subject restricted to the kind's identifying keys; with none of them present, the whole subject. */
export function groupSubject(kind: AlertKind, subject: AlertSubject, groupBy: GroupBy = GROUP_BY): AlertSubject {
  const keys = groupBy[kind] ?? GROUP_BY[kind] ?? SUBJECT_KEYS;
  const out: Record<string, string | number> = {};
  let any = false;
  for (const k of keys) {
    const v = subject[k];
    if (v !== undefined) {
      out[k] = v;
      any = true;
    }
  }
  return any ? (out) : { ...subject };
}

/** The alert identity: kind + group subject, in SUBJECT_KEYS order. */
export function groupKey(kind: AlertKind, subject: AlertSubject, groupBy: GroupBy = GROUP_BY): string {
  return alertKey({ kind, subject: groupSubject(kind, subject, groupBy) });
}

/** The observer identity: the observation's full key. */
export function observerKey(o: Pick<Observation, 'kind' | 'subject'>): string {
  return alertKey(o);
}

/** "cluster=prod node=node1 prefix=10.244.1.0/24": the subject as one line, in SUBJECT_KEYS order. */
export function subjectLine(s: AlertSubject): string {
  const parts: string[] = [];
  for (const k of SUBJECT_KEYS) {
    const v = s[k];
    if (v !== undefined) parts.push(`${k}=${v}`);
  }
  return parts.join(' ');
}

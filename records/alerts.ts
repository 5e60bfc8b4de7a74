/**
 * The alert vocabulary users and their scripts depend on (alert kinds and severities): the
 * analyzer produces alerts of these kinds, the alerts table and the API carry them, and the
 * configuration checks silence matchers against them. A public contract: add, never rename.
 */

export type AlertKind =
  | 'prefix-flap'
  | 'session-flap'
  | 'dampening'
  | 'pod-cidr-leak'
  | 'service-cidr-leak'
  | 'lb-ip-leak'
  | 'cluster-overlap'
  | 'foreign-overlap'
  | 'missing-no-export'
  | 'prefix-limit'
  | 'max-prefix-teardown'
  | 'missing-advertisement'
  | 'unexpected-announcer'
  | 'community-mismatch'
  | 'bgp-status-mismatch';

export const ALERT_KINDS: readonly AlertKind[] = [
  'prefix-flap',
  'session-flap',
  'dampening',
  'pod-cidr-leak',
  'service-cidr-leak',
  'lb-ip-leak',
  'cluster-overlap',
  'foreign-overlap',
  'missing-no-export',
  'prefix-limit',
  'max-prefix-teardown',
  'missing-advertisement',
  'unexpected-announcer',
  'community-mismatch',
  'bgp-status-mismatch',
];

export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

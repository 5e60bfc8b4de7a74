/** Alerting: manager.ts composes lifecycle.ts (states and rules), dispatch.ts, silences.ts, persistence.ts + store.ts, metrics.ts; options.ts maps the configuration. */
export { AlertManager, decide, fingerprint } from './manager.js';
export { step } from './lifecycle.js';
export type { LifecycleAction, LifecycleContext, LifecycleEvent, LifecycleResult } from './lifecycle.js';
export type { AlertManagerOptions } from './manager.js';
export { GROUP_BY, groupKey, groupSubject, subjectLine } from '../grouping.js';
export { DEFAULT_ALERTS_OPTIONS, SECRET_ENV, alertsConfigSchema, optionsFromConfig } from './options.js';
export type { AlertsConfig, AlertsOptions } from './options.js';
export { MATCHER_KEYS, matches, silenceProblems } from './silences.js';
export type { Matchers, Silence, SilenceInput } from './silences.js';
export { ClickHouseAlertStore, MemoryAlertStore } from './store.js';
export type { AlertStore } from './store.js';
export { viewOf } from '../alert.js';
export type { Alert, AlertStatus, AlertView, ChannelState, NotifyEvent } from '../alert.js';
export { startAlerting } from './run.js';
export type { Alerting, AlertingDeps } from './run.js';

/** The alert lifecycle: see manager.ts (states and knobs), grouping.ts, silences.ts, store.ts, options.ts. */
export { AlertManager, decide, fingerprint } from './manager.js';
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

/**
 * Alerting wired from configuration, for `ribwatch analyzer` and `ribwatch run`: options (with the
 * RIBWATCH_* secret fallbacks), the configured notification channels, the ClickHouse store when
 * one is given, and the lifecycle started (open alerts and silences loaded, timers running).
 * Detector output goes to `manager.observeAll(...)`.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import type { Store } from '../../store/index.js';
import { createNotifiers } from '../notify/index.js';
import type { Notifier } from '../notify/types.js';
import { AlertManager } from './manager.js';
import { optionsFromConfig } from './options.js';
import type { AlertsConfig, AlertsOptions } from './options.js';
import { ClickHouseAlertStore } from './store.js';

export interface AlertingDeps {
  /** The store with migration 0010 applied; without it alerts live in memory only. */
  readonly store?: Store;
  readonly log?: Logger;
  readonly registry?: Registry;
  /** For RIBWATCH_SLACK_WEBHOOK_URL & co. when the configuration leaves them empty (pass process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Alerting {
  readonly options: AlertsOptions;
  readonly manager: AlertManager;
  readonly notifiers: readonly Notifier[];
  /** Lets the channels drain up to drainMs, writes the last state, closes the channels. */
  stop(drainMs?: number): Promise<void>;
}

export async function startAlerting(config: Partial<AlertsConfig>, deps: AlertingDeps = {}): Promise<Alerting> {
  const options = optionsFromConfig(config, deps.env ?? {});
  const notifiers = createNotifiers(options, { ...(deps.log && { log: deps.log }), ...(deps.registry && { registry: deps.registry }) });
  const manager = new AlertManager({
    options,
    notifiers,
    ...(deps.store && { store: new ClickHouseAlertStore(deps.store, deps.log) }),
    ...(deps.log && { log: deps.log }),
    ...(deps.registry && { registry: deps.registry }),
  });
  await manager.start();
  return {
    options,
    manager,
    notifiers,
    async stop(drainMs = 5000) {
      await manager.stop(drainMs);
      for (const n of notifiers) await n.close();
    },
  };
}

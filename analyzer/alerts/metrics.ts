/** The alert lifecycle's Prometheus metrics (names are a public contract). */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface AlertCounts {
  readonly open: number;
  readonly acknowledged: number;
  readonly silenced: number;
}

export type AlertMetrics = ReturnType<typeof alertMetrics>;

export function alertMetrics(registry: Registry, counts: () => AlertCounts) {
  const registers = [registry];
  return {
    observations: new Counter({ name: 'ribwatch_alert_observations_total', help: 'Observations received by the alert lifecycle, by kind and active.', labelNames: ['kind', 'active'], registers }),
    transitions: new Counter({ name: 'ribwatch_alert_transitions_total', help: 'Alert lifecycle transitions: open, escalate, acknowledge, resolve.', labelNames: ['kind', 'transition'], registers }),
    notifications: new Counter({ name: 'ribwatch_alert_notifications_total', help: 'Notifications by channel, event and outcome (sent, gave-up, rejected, dropped, closed).', labelNames: ['channel', 'event', 'outcome'], registers }),
    dropped: new Counter({ name: 'ribwatch_alert_observations_dropped_total', help: 'Observations dropped by the alert lifecycle, by reason.', labelNames: ['reason'], registers }),
    storeErrors: new Counter({ name: 'ribwatch_alert_store_errors_total', help: 'Failed writes of alert state (retried).', registers }),
    open: new Gauge({
      name: 'ribwatch_alerts',
      help: 'Alerts held now, by status (open, acknowledged) and silenced.',
      labelNames: ['status'],
      registers,
      collect() {
        const c = counts();
        this.set({ status: 'open' }, c.open);
        this.set({ status: 'acknowledged' }, c.acknowledged);
        this.set({ status: 'silenced' }, c.silenced);
      },
    }),
  };
}

/**
 * Role start-up and shutdown, written once for every command: what has started is remembered, and
 * stopped newest first, each once; on a start-up failure the same list unwinds what had started.
 * Commands order their starts so that this reverse order is the shutdown they want (for `run`:
 * routers first, then the bus drains into the store, then the API and the store close).
 */
import type { Registry } from 'prom-client';
import type { RunningRole } from '../../lifecycle/role.js';
import { StartupError } from '../../lifecycle/startup.js';
import type { HostPort } from '../../net/addresses.js';
import { formatHostPort } from '../../net/addresses.js';
import type { Logger } from '../../telemetry/log.js';
import { startMetricsServer } from '../../telemetry/metrics.js';
import type { MetricsServer } from '../../telemetry/metrics.js';

export class Started {
  private readonly parts: { readonly name: string; readonly stop: () => Promise<void> }[] = [];

  /** Remembers a started role (or anything with stop()) and returns it. */
  add<T extends RunningRole>(name: string, running: T): T {
    this.parts.push({ name, stop: () => running.stop() });
    return running;
  }

  /** Remembers a step of the shutdown that is not a role (drain the bus, close the store). */
  onStop(name: string, stop: () => Promise<void>): void {
    this.parts.push({ name, stop });
  }

  /** Stops everything started, newest first; a failing step is logged and the rest still stop. */
  async stopAll(log?: Logger): Promise<void> {
    while (this.parts.length > 0) {
      const p = this.parts.pop()!;
      try {
        await p.stop();
      } catch (err) {
        log?.error({ err: err instanceof Error ? err.message : String(err), part: p.name }, 'shutdown step failed');
      }
    }
  }
}

/** Serves a registry on /metrics at `listen` (a config key's value); a failure names the key. */
export async function serveMetrics(registry: Registry, listen: HostPort, key: string): Promise<MetricsServer> {
  return startMetricsServer(registry, listen).catch((err: unknown) => {
    throw new StartupError(`${key} ${formatHostPort(listen)}: ${err instanceof Error ? err.message : String(err)}`);
  });
}

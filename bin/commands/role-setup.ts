/**
 * What the role commands (run, writer, sql; collector and migrate for the store and bus) share:
 * loading the configuration with flag overrides, turning start-up failures into one line and an
 * exit status, and waiting for SIGINT/SIGTERM.
 */
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/index.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import type { Config } from '../../config/config.js';
import type { RunningRole } from '../../lifecycle/role.js';
import type { HostPort } from '../../net/addresses.js';
import { formatHostPort } from '../../net/addresses.js';
import { createLogger } from '../../telemetry/log.js';
import type { Logger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { appliedMigrations, loadMigrations } from '../../store/migrate.js';
import { StartupError } from '../../lifecycle/startup.js';
import { connectKafka, kafkaOptions } from '../setup/bus.js';
import { serveMetrics, Started } from '../setup/compose.js';
import { connectStore, storeOptions } from '../setup/store.js';
import type { Store } from '../../store/index.js';
import type { CliIo } from './command.js';

/** The file named by --config, else $RIBWATCH_CONFIG, else none (defaults and environment only). */
export function configFile(flag: string | undefined): string | undefined {
  const file = flag ?? process.env['RIBWATCH_CONFIG'];
  return file !== undefined && file !== '' ? file : undefined;
}

/** Loads the configuration (file < environment < flags); on error prints it and returns 2. */
export function loadRoleConfig(command: string, io: CliIo, file: string | undefined, overrides: Readonly<Record<string, string>> = {}): Config | number {
  try {
    const { config, warnings } = loadConfig({ ...(file !== undefined ? { file } : {}), env: process.env, overrides });
    for (const w of warnings) io.stderr.write(`ribwatch ${command}: warning: ${w}\n`);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`ribwatch ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** Prints a start-up failure as one line; returns its exit status (StartupError's, else 1). */
export function startupFailed(command: string, io: CliIo, err: unknown): number {
  const msg = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  io.stderr.write(`ribwatch ${command}: ${msg}\n`);
  return err instanceof StartupError ? err.exitCode : 1;
}

/**
 * A Kafka consumer role (writer, analyzer) needs bus.kind kafka: otherwise prints why, and the
 * single-process alternative, and returns 2; undefined when the bus is Kafka.
 */
export function requireKafka(command: string, config: Config, file: string | undefined, io: CliIo): number | undefined {
  if (config.bus.kind === 'kafka') return undefined;
  io.stderr.write(
    `ribwatch ${command}: bus.kind: the ${command} consumes Kafka, but bus.kind is ${config.bus.kind}${file !== undefined ? ` (${file})` : ''}: set bus.kind: kafka and bus.brokers (or run \`ribwatch run\`: collector, writer and analyzer in one process, no Kafka)\n`,
  );
  return 2;
}

/**
 * Opens the configured store for a role that does not migrate it (writer, analyzer): a store with
 * migrations not yet applied is a StartupError naming `ribwatch migrate`, so roles never write
 * into an old schema. The store is closed again on that error.
 */
export async function openMigratedStore(config: Config, file: string | undefined): Promise<Store> {
  const store = await connectStore(storeOptions(config.store));
  const cluster = store.kind === 'server' && config.store.cluster !== '' ? config.store.cluster : undefined;
  const applied = await appliedMigrations(store, { cluster, retentionDays: config.store.retentionDays });
  const pending = loadMigrations().filter((f) => !applied.has(f.name));
  if (pending.length > 0) {
    await store.close().catch(() => undefined);
    const how = `ribwatch migrate${file !== undefined ? ` --config ${shellWord(file)}` : ''}`;
    throw new StartupError(`store ${store.where}: ${pending.length} migration${pending.length === 1 ? '' : 's'} not applied (${pending[0]?.name ?? ''}${pending.length > 1 ? ', ...' : ''}): run \`${how}\` first`);
  }
  return store;
}

/** Resolves at the first SIGINT or SIGTERM; a second one exits at once. */
export function waitForSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      log.info({ signal: sig }, 'shutting down');
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** A word for a shell command line: quoted when it needs to be. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ConsumerRoleDeps {
  readonly bus: Bus;
  readonly store: Store;
  readonly log: Logger;
  readonly registry: Registry;
}

/**
 * A Kafka consumer role on its own (`ribwatch writer`, `ribwatch analyzer`): Kafka required, the
 * migrated store and the bus opened (bounded), the role started, its metrics served; one line on
 * stdout once up; at SIGINT/SIGTERM everything stops, newest first.
 */
export async function serveConsumerRole<R extends RunningRole>(o: {
  readonly command: string;
  readonly io: CliIo;
  readonly file: string | undefined;
  readonly config: Config;
  readonly metrics: { readonly listen: HostPort | null; readonly key: string };
  start(deps: ConsumerRoleDeps): Promise<R>;
  /** What the role says on stdout once up (the metrics part is appended by the caller's text). */
  banner(role: R, deps: ConsumerRoleDeps, metricsText: string): string;
  /** Logs the role's totals after it stopped. */
  stopped(role: R, log: Logger): void;
}): Promise<number> {
  const { command, io, file, config } = o;
  const notKafka = requireKafka(command, config, file, io);
  if (notKafka !== undefined) return notKafka;
  const log = createLogger({ level: config.log.level });
  const registry = createRegistry();
  const started = new Started();
  let deps: ConsumerRoleDeps;
  let role: R;
  let metricsAt: HostPort | undefined;
  try {
    const busOpts = kafkaOptions(config.bus, log);
    const store = await openMigratedStore(config, file);
    started.onStop('store', () => store.close());
    const bus = await connectKafka(busOpts);
    started.onStop('bus', () => bus.close());
    deps = { bus, store, log, registry };
    role = started.add(command, await o.start(deps));
    if (o.metrics.listen !== null) {
      const server = await serveMetrics(registry, o.metrics.listen, o.metrics.key);
      started.onStop('metrics', () => server.close());
      metricsAt = server.address;
    }
  } catch (err) {
    await started.stopAll();
    return startupFailed(command, io, err);
  }
  io.stdout.write(o.banner(role, deps, metricsAt ? `; metrics on http://${formatHostPort(metricsAt)}/metrics` : ''));
  await waitForSignal(log);
  await started.stopAll(log);
  o.stopped(role, log);
  log.flush();
  return 0;
}

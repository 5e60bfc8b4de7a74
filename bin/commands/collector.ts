/**
 * `ribwatch collector`: the BMP collector role. Routers connect (BMP over TCP), records go to the
 * sink: NDJSON on stdout or a file until a bus is configured. SIGINT/SIGTERM stop it gracefully:
 * no new connections, every session ends with router_down cause "shutdown", the sink is flushed,
 * exit 0. A second signal exits at once.
 */
import { bgpEnabled, start as startBgp } from '../../bgp/index.js';
import type { RunningBgp } from '../../bgp/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CollectorMetrics, start } from '../../collector/index.js';
import type { RunningCollector } from '../../collector/index.js';
import type { Config } from '../../config/config.js';
import { createLogger } from '../../telemetry/log.js';
import { createRegistry, startMetricsServer } from '../../telemetry/metrics.js';
import type { MetricsServer } from '../../telemetry/metrics.js';
import { formatHostPort } from '../../net/addresses.js';
import { connectKafka, kafkaOptions } from '../setup/bus.js';
import { openNdjsonSink } from '../../records/sink.js';
import type { RecordSink } from '../../records/sink.js';
import type { Bus } from '../../bus/index.js';
// Type only: kafkajs loads when the bus is opened, not with this command.
import type { KafkaBus } from '../../bus/kafka.js';
import { configFile, loadRoleConfig, startupFailed, waitForSignal } from './role-setup.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';

const USAGE = `usage: ribwatch collector [--config FILE] [--listen HOST:PORT]

Accepts BMP (RFC 7854) sessions from routers and writes one JSON record per line
(docs/records.md) to stdout, or to the file named by output.ndjson; with bus.kind kafka it
publishes them to Kafka (bus.brokers, bus.topic) for \`ribwatch writer\` instead.

options:
  --config FILE        YAML configuration (default: $RIBWATCH_CONFIG, else built-in defaults);
                       every key can also be set by RIBWATCH_* variables (docs/configuration.md)
  --listen HOST:PORT   overrides collector.listen (default 127.0.0.1:11019; [::]:11019 for IPv6)
  -h, --help           this text

Logs are JSON lines on stderr. Prometheus metrics: collector.metricsListen (default
127.0.0.1:9108/metrics). Stop with SIGINT or SIGTERM.`;

const SHUTDOWN_FLUSH_MS = 20_000;

function load(argv: readonly string[], io: CliIo): Config | number {
  let values: { config?: string; listen?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, listen: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    return usageError(io, 'collector', err instanceof Error ? err.message : String(err));
  }
  return loadRoleConfig('collector', io, configFile(values.config), values.listen !== undefined ? { 'collector.listen': values.listen } : {});
}

export const command: Command = {
  usage: USAGE,
  async run(argv, io) {
    const config = load(argv, io);
    if (typeof config === 'number') return config;
    const log = createLogger({ level: config.log.level });
    const registry = createRegistry();
    const metrics = new CollectorMetrics(registry);
    let sinkFailed = false;
    let bus: Bus | undefined;
    if (config.bus.kind === 'memory') {
      io.stderr.write('ribwatch collector: bus.kind: memory is the in-process bus of `ribwatch run`; the collector alone writes NDJSON (none) or publishes to Kafka (kafka)\n');
      return 2;
    }
    if (config.bus.kind === 'kafka') {
      try {
        bus = await connectKafka(kafkaOptions(config.bus, log));
      } catch (err) {
        return startupFailed('collector', io, err);
      }
    }
    const output = bus ? `Kafka topic ${bus.topic} at ${config.bus.brokers.join(',')}` : config.output.ndjson === '-' ? 'stdout' : config.output.ndjson;
    const sink: RecordSink = bus
      ? bus.producer({ onError: (err, context) => log.error({ err: err.message, context }, 'Kafka producer: retrying') })
      : openNdjsonSink(config.output.ndjson, {
          onError: (err) => {
            sinkFailed = true;
            log.error({ err, output: config.output.ndjson }, 'record output failed; records are dropped from now on');
          },
        });
    // The OpenBMP raw feed (bus.openbmpRawTopic): every frame as received, for GoBMP/OpenBMP consumers.
    const raw = bus?.kind === 'kafka' && config.bus.openbmpRawTopic !== '' ? (bus as KafkaBus).rawProducer({ onError: (err, context) => log.error({ err: err.message, context }, 'Kafka raw producer: retrying') }) : undefined;
    let collector: RunningCollector | undefined;
    let metricsServer: MetricsServer | undefined;
    let bgp: RunningBgp | undefined;
    try {
      collector = await start({ sink, log, metrics, ...(raw !== undefined ? { raw } : {}) }, config.collector);
      const bound = collector.address;
      // The BGP speaker (bgp.listen, or active neighbors) publishes on the same sink.
      if (bgpEnabled(config.bgp)) bgp = await startBgp({ sink, log, registry }, config.bgp);
      if (config.collector.metricsListen !== null) metricsServer = await startMetricsServer(registry, config.collector.metricsListen);
      const where = [
        `listening for BMP on ${formatHostPort(bound)}`,
        ...(bgp !== undefined ? [bgp.bound !== null ? `for BGP on ${formatHostPort(bgp.bound)} (AS ${config.bgp.asn})` : 'BGP to active neighbors only'] : []),
        `records to ${output}`,
        metricsServer ? `metrics on http://${formatHostPort(metricsServer.address)}/metrics` : 'metrics off',
      ].join('; ');
      // stdout may be the record stream: say it where it cannot corrupt records.
      (!bus && config.output.ndjson === '-' ? io.stderr : io.stdout).write(`ribwatch collector: ${where}\n`);
      log.info({ listen: formatHostPort(bound), output, metrics: metricsServer ? formatHostPort(metricsServer.address) : null }, 'collector started');
    } catch (err) {
      io.stderr.write(`ribwatch collector: ${err instanceof Error ? err.message : String(err)}\n`);
      await bgp?.stop().catch(() => {});
      await collector?.stop().catch(() => {});
      await sink.close();
      await bus?.close();
      return 1;
    }
    await waitForSignal(log);
    // A destination that stopped reading (a stuck pipe) must not hold the process past its
    // grace period (Kubernetes gives 30 s): flush for at most SHUTDOWN_FLUSH_MS, then give up.
    const flushed = await Promise.race([
      (async () => {
        await bgp?.stop();
        await collector.stop('shutdown');
        await sink.close();
        await bus?.close();
        return true;
      })(),
      sleep(SHUTDOWN_FLUSH_MS, false, { ref: false }),
    ]);
    await metricsServer?.close();
    if (!flushed) {
      io.stderr.write(`ribwatch collector: output ${output} did not drain within ${SHUTDOWN_FLUSH_MS} ms of shutdown; records still buffered are lost\n`);
      // The stuck write would keep the event loop alive forever.
      process.exit(1);
    }
    log.info({ sink_failed: sinkFailed }, 'collector stopped');
    log.flush();
    return 0;
  },
};

/**
 * The bus of a role, from configuration: Kafka options from `bus.*` and a bounded first contact.
 * The SASL password goes into the options and nowhere else: messages name brokers and keys only.
 */
import type { Config } from '../../config/config.js';
import { openBus } from '../../bus/index.js';
import type { Bus, BusOptions, KafkaBusOptions } from '../../bus/index.js';
import type { Logger } from '../../telemetry/log.js';
import { oneLine, readPem, StartupError, within } from '../../lifecycle/startup.js';

/** The Kafka bus options of `bus.*` (kind kafka). */
export function kafkaOptions(c: Config['bus'], logger?: Logger): { readonly kind: 'kafka' } & KafkaBusOptions {
  if (c.brokers.length === 0) throw new StartupError('bus.brokers: no Kafka brokers configured (bus.kind is kafka); set bus.brokers or RIBWATCH_BUS_BROKERS=host:9092', 2);
  if (c.sasl.mechanism !== 'none' && c.sasl.username === '') throw new StartupError(`bus.sasl.username: empty, but bus.sasl.mechanism is ${c.sasl.mechanism}`, 2);
  const ca = readPem(c.tls.ca, 'bus.tls.ca');
  const cert = readPem(c.tls.cert, 'bus.tls.cert');
  const key = readPem(c.tls.key, 'bus.tls.key');
  if ((cert === undefined) !== (key === undefined)) throw new StartupError('bus.tls.cert and bus.tls.key: set both (mutual TLS) or neither', 2);
  const tlsWanted = c.tls.enabled || ca !== undefined || cert !== undefined;
  return {
    kind: 'kafka',
    brokers: c.brokers,
    topic: c.topic,
    clientId: c.clientId,
    partitions: c.partitions,
    replicationFactor: c.replicationFactor,
    ...(tlsWanted ? { tls: ca === undefined && cert === undefined ? true : { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) } } : {}),
    ...(c.sasl.mechanism !== 'none' ? { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } } : {}),
    ...(c.openbmpRawTopic !== '' ? { rawTopic: c.openbmpRawTopic } : {}),
    ...(logger ? { logger } : {}),
  };
}

export const KAFKA_SETUP_TIMEOUT_MS = 15_000;

/**
 * Reaches Kafka and creates the topic (bounded), then returns the bus to work with. The probe runs
 * without the logger: kafkajs's retry chatter would bury the one line that matters.
 */
export async function connectKafka(opts: { readonly kind: 'kafka' } & KafkaBusOptions, timeoutMs = KAFKA_SETUP_TIMEOUT_MS): Promise<Bus> {
  const brokers = opts.brokers.join(',');
  const probeOpts: BusOptions = { ...opts, logger: undefined };
  const probe = await openBus(probeOpts);
  try {
    await within(probe.setup(), timeoutMs, () => `no answer within ${timeoutMs / 1000} s`);
  } catch (e) {
    const reason = oneLine(e)
      .replace(/^cannot reach Kafka at \S+: /, '')
      .replace(/^Kafka at \S+: /, '');
    throw new StartupError(`kafka: cannot reach brokers ${brokers}: ${reason} (check bus.brokers, and that the brokers advertise an address this host can reach)`);
  } finally {
    await probe.close().catch(() => undefined);
  }
  return openBus(opts);
}

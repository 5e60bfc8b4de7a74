/**
 * A real Kafka broker for live tests, through the project's own runner (deploy/kafka/kafka.sh):
 * KRaft, one node, loopback. Tests get a broker of their own (ports 19192/19193, data under
 * .scratch/kafka-test) so a developer's broker on 19092 is never touched; set RIBWATCH_TEST_KAFKA
 * to HOST:PORT to run against a broker that is already up instead.
 *
 * `kafkaSkipReason()` says why a machine cannot run these tests (no JDK, no Maven and no cached
 * jars) so the tests skip with that message rather than fail.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaBus } from '../../bus/kafka.js';

/** The repository: the nearest directory above this (compiled) file that holds deploy/kafka/kafka.sh. */
function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'deploy/kafka/kafka.sh'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
const repo = findRepo();
export const KAFKA_SH = join(repo, 'deploy/kafka/kafka.sh');

export interface KafkaTestBroker {
  readonly brokers: string[];
  /** False when RIBWATCH_TEST_KAFKA pointed at a broker someone else runs. */
  readonly ours: boolean;
  readonly dir: string;
  /** The broker's PID (from the runner's PID file), when ours. */
  pid(): number | undefined;
  /** SIGKILL the broker (fault tests); `start()` brings it back on the same data. */
  kill9(): void;
  start(): Promise<void>;
  /** Stops the broker and removes its data (when ours). */
  stop(): Promise<void>;
}

function has(cmd: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function kafkaSkipReason(): false | string {
  if (process.env['RIBWATCH_SKIP_LIVE']) return 'RIBWATCH_SKIP_LIVE is set';
  if (process.env['RIBWATCH_TEST_KAFKA']) return false;
  if (!has('java')) return 'live Kafka tests skipped: no java on PATH (install a JDK ≥ 17, e.g. apt-get install openjdk-17-jre-headless)';
  if (!has('mvn') && !existsSync(join(process.env['DEVKAFKA_CACHE'] ?? join(repo, '.scratch/kafka-jars'), 'classpath.txt'))) {
    return 'live Kafka tests skipped: no mvn on PATH to fetch the broker jars (apt-get install maven), and no cached classpath';
  }
  if (!existsSync(KAFKA_SH)) return `live Kafka tests skipped: ${KAFKA_SH} not found`;
  return false;
}

function sh(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [KAFKA_SH, ...args], { env, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kafka.sh ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

export interface KafkaTestOptions {
  readonly port?: number;
  readonly controllerPort?: number;
  readonly dir?: string;
}

/** Starts (or finds) the test broker; resolves when it serves metadata. */
export async function startTestKafka(o: KafkaTestOptions = {}): Promise<KafkaTestBroker> {
  const external = process.env['RIBWATCH_TEST_KAFKA'];
  if (external) {
    return {
      brokers: external.split(','),
      ours: false,
      dir: '',
      pid: () => undefined,
      kill9: () => {
        throw new Error('kill9: RIBWATCH_TEST_KAFKA is an external broker');
      },
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  }
  const port = o.port ?? 19192;
  const dir = o.dir ?? join(repo, '.scratch/kafka-test');
  const env = {
    ...process.env,
    DEVKAFKA_HOST: '127.0.0.1',
    DEVKAFKA_PORT: String(port),
    DEVKAFKA_CONTROLLER_PORT: String(o.controllerPort ?? port + 1),
    DEVKAFKA_DIR: dir,
    DEVKAFKA_START_TIMEOUT: '120',
  };
  const pidOf = (): number | undefined => {
    const f = join(dir, 'kafka.pid');
    if (!existsSync(f)) return undefined;
    const n = Number(readFileSync(f, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const start = async (): Promise<void> => {
    await sh(['start'], env, 300_000);
  };
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    ours: true,
    dir,
    pid: pidOf,
    kill9: () => {
      const pid = pidOf();
      if (pid) process.kill(pid, 'SIGKILL');
    },
    start,
    stop: async () => {
      await sh(['clean'], env, 60_000);
    },
  };
}

/**
 * Reads up to `max` messages of a topic from the beginning, as bytes (the raw feed's tests): a
 * throwaway consumer group, no commits.
 */
export async function peekTopic(bus: KafkaBus, topic: string, max: number, timeoutMs: number): Promise<{ key: string | null; value: Buffer; partition: number; offset: string }[]> {
  const out: { key: string | null; value: Buffer; partition: number; offset: string }[] = [];
  const consumer = bus.kafka.consumer({ groupId: `ribwatch-peek-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachMessage: ({ message, partition }) => {
          if (message.value && out.length < max) out.push({ key: message.key?.toString('utf8') ?? null, value: message.value, partition, offset: message.offset });
          if (out.length >= max) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}

/**
 * `ribwatch analyzer` as its own process over a real Kafka broker (deploy/kafka/kafka.sh, ports
 * of its own) with its alerts in an embedded store (chDB, temporary directory, `ribwatch migrate`
 * first): `ribwatch collector` publishes what `ribwatch sim` (the demo fabric at 10x) sends it,
 * the analyzer — consumer group ribwatch-analyzer, inventory from a file — posts the alerts to a
 * local server standing in for Slack; SIGTERM exits 0 and `ribwatch sql` shows them stored.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChdb } from '../../store/index.js';
import { until } from '../unit/collector-helpers.js';
import { Receiver } from '../unit/notify-receiver.js';
import { kafkaSkipReason, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';

let skip: false | string = kafkaSkipReason();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `ribwatch analyzer over Kafka skipped: ${(e as Error).message}`;
  }
}

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));
const DEMO_INVENTORY = fileURLToPath(new URL('../../../deploy/inventory.demo.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-analyzer-kafka-'));
const slack = new Receiver();
let broker: KafkaTestBroker | undefined;
const children: ChildProcessWithoutNullStreams[] = [];

before(async () => {
  await slack.start();
  if (skip) return;
  broker = await startTestKafka({ port: 19392, controllerPort: 19393, dir: join(dir, 'kafka') });
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  await broker?.stop();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

void test('ribwatch analyzer: Kafka consumer group → detectors → Slack, alerts stored in ClickHouse; SIGTERM exits 0', { skip, timeout: 240_000 }, async () => {
  if (!broker) throw new Error('broker not started');
  const tag = Date.now().toString(36);
  const env = {
    PATH: process.env['PATH'] ?? '',
    RIBWATCH_LOG_LEVEL: 'info',
    RIBWATCH_BUS_KIND: 'kafka',
    RIBWATCH_BUS_BROKERS: broker.brokers.join(','),
    RIBWATCH_BUS_TOPIC: `ribwatch.analyzer-test.${tag}`,
    RIBWATCH_BUS_PARTITIONS: '2',
    RIBWATCH_STORE_KIND: 'embedded',
    RIBWATCH_STORE_DATA_DIR: join(dir, 'data'),
    RIBWATCH_COLLECTOR_METRICS_LISTEN: '',
    RIBWATCH_ANALYZER_METRICS_LISTEN: '',
    RIBWATCH_SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B1/kafka`,
    RIBWATCH_ALERTS_SQUASH_SECONDS: '2',
    RIBWATCH_SLACK_MESSAGES_PER_SECOND: '20',
  };
  const start = (args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return { child, out: () => out, err: () => err, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  };
  const once = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000, killSignal: 'SIGKILL' }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : null) : 0, stdout, stderr }),
      );
    });

  const migrated = await once(['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr);

  const analyzer = start(['analyzer', '--inventory', DEMO_INVENTORY]);
  await until(() => /^ {2}audits /m.test(analyzer.out()), 60_000).catch(() => assert.fail(`analyzer did not start; stdout:\n${analyzer.out()}\nstderr:\n${analyzer.err().slice(-3000)}`));
  assert.match(analyzer.out(), /^ribwatch analyzer: consuming ribwatch\.analyzer-test\.\S+ from 127\.0\.0\.1:19392 as group ribwatch-analyzer; alerts in \S+ \(database ribwatch\)$/m);
  assert.match(analyzer.out(), /^ {2}inventory \S+inventory\.demo\.yaml \(reloaded when it changes\); 1 cluster, 3 routers$/m);
  assert.match(analyzer.out(), /^ {2}notify +Slack incoming webhook/m);
  assert.ok(!analyzer.out().includes('/services/T1') && !analyzer.err().includes('/services/T1'), 'the webhook URL is never shown');

  const port = await freePort();
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`]);
  await until(() => /listening/i.test(collector.out() + collector.err()), 60_000).catch(() => assert.fail(`collector did not start:\n${collector.err().slice(-2000)}`));
  const sim = start(['sim', '--to', `127.0.0.1:${port}`, '--speed', '10', '--seconds', '20', '--quiet']);

  const kinds = (): string[] => [...new Set(slack.requests.map((r) => /^\S+ \S+ (\S+) ·/.exec((JSON.parse(r.body) as { text: string }).text)?.[1] ?? '?'))].sort();
  const want = ['dampening', 'max-prefix-teardown', 'pod-cidr-leak', 'prefix-flap', 'prefix-limit'];
  await until(() => want.every((k) => kinds().includes(k)), 90_000).catch(() => assert.fail(`Slack got ${kinds().join(', ')}; analyzer stderr:\n${analyzer.err().slice(-3000)}`));

  sim.child.kill('SIGTERM');
  await sim.exit;
  collector.child.kill('SIGTERM');
  assert.equal(await collector.exit, 0, collector.err().slice(-2000));
  analyzer.child.kill('SIGTERM');
  assert.equal(await analyzer.exit, 0, analyzer.err().slice(-2000));
  assert.match(analyzer.err(), /"msg":"analyzer stopped"/);

  const sql = await once(['sql', 'SELECT kind, severity, status FROM alerts FINAL ORDER BY kind, severity']);
  assert.equal(sql.code, 0, sql.stderr);
  const rows = sql.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
  assert.deepEqual([...new Set(rows.map((r) => r[0]))].sort(), want);
});

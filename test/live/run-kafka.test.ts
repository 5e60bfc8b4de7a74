/**
 * The separate roles as processes over a real Kafka broker (deploy/kafka/kafka.sh, a broker of
 * this file's own on 19292 so other live tests' brokers are untouched): `ribwatch migrate`
 * creates the tables in an embedded store, `ribwatch collector` with bus.kind kafka publishes a
 * replayed BMP stream, `ribwatch writer` consumes it into the store (the consumer group's committed
 * offsets reach the end of the topic), both stop on SIGTERM with exit 0, and `ribwatch sql`
 * shows the exact RIB; the OpenBMP raw topic (bus.openbmpRawTopic) carries every BMP message as
 * sent, behind the OBMP header. All configuration comes from RIBWATCH_* variables.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { loadChdb } from '../../store/index.js';
import { decodeObmpRaw } from '../../bus/openbmp.js';
import { announce4, concat, endOfRib, initiation, peer, peerDown, peerUp, termination, until, withdraw4 } from '../unit/collector-helpers.js';
import { kafkaSkipReason, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';

let skip: false | string = kafkaSkipReason();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `collector → Kafka → writer tests skipped: ${(e as Error).message}`;
  }
}

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-run-kafka-'));
const children: ChildProcessWithoutNullStreams[] = [];
let broker: KafkaTestBroker | undefined;
const tag = `${process.pid}-${Date.now().toString(36)}`;

before(async () => {
  if (skip) return;
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  broker = await startTestKafka({ port: 19292, dir: join(repo, '.scratch/kafka-run-test') });
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    RIBWATCH_COLLECTOR_METRICS_LISTEN: '',
    RIBWATCH_BUS_KIND: 'kafka',
    RIBWATCH_BUS_BROKERS: (broker?.brokers ?? []).join(','),
    RIBWATCH_BUS_TOPIC: `records-${tag}`,
    RIBWATCH_BUS_OPENBMP_RAW_TOPIC: `raw-${tag}`,
    RIBWATCH_BUS_PARTITIONS: '2',
    RIBWATCH_BUS_REPLICATION_FACTOR: '1',
    RIBWATCH_WRITER_GROUP: `writer-${tag}`,
    RIBWATCH_WRITER_MAX_WAIT_MS: '200',
    RIBWATCH_WRITER_METRICS_LISTEN: '127.0.0.1:0',
    RIBWATCH_STORE_DATA_DIR: join(dir, 'data'),
  };
}

function start(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: env() });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

function ribwatch(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: env(), timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Reads up to `n` messages of a topic from the beginning, in partition/offset order, within a time bound. */
async function readTopic(brokers: string[], topic: string, n: number, timeoutMs: number): Promise<Buffer[]> {
  const consumer = new Kafka({ clientId: 'ribwatch-test', brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `raw-reader-${tag}`, maxWaitTimeInMs: 200 });
  const got: { partition: number; offset: bigint; value: Buffer }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        if (message.value) got.push({ partition, offset: BigInt(message.offset), value: message.value });
        return Promise.resolve();
      },
    });
    await until(() => got.length >= n, timeoutMs).catch(() => undefined);
  } finally {
    await consumer.disconnect();
  }
  got.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return got.map((g) => g.value);
}

/** True when the writer's group has committed every partition up to the topic's end. */
async function caughtUp(brokers: string[], topic: string, group: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'ribwatch-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const total = ends.reduce((n, e) => n + Number(e.high), 0);
    return (
      total > 0 &&
      ends.every((e) => {
        const c = committed?.partitions.find((p) => p.partition === e.partition);
        return Number(e.high) === 0 || (c !== undefined && Number(c.offset) === Number(e.high));
      })
    );
  } finally {
    await admin.disconnect();
  }
}

void test('collector → Kafka → writer → embedded store, as separate processes from RIBWATCH_* configuration', { skip, timeout: 240_000 }, async () => {
  if (!broker) throw new Error('broker not started');
  const migrated = await ribwatch(['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr);

  const p1 = peer('127.0.10.2', 64512);
  const p2 = peer('127.0.10.3', 64513);
  const msgs = [initiation('leaf2'), peerUp(p1), peerUp(p2)];
  for (let i = 0; i < 20; i++) msgs.push(announce4(p1, `10.246.${i}.0/24`));
  for (let i = 0; i < 5; i++) msgs.push(announce4(p2, `10.247.${i}.0/24`));
  msgs.push(endOfRib(p1), endOfRib(p2), withdraw4(p1, '10.246.0.0/24'), withdraw4(p1, '10.246.1.0/24'), peerDown(p2), termination(0));
  const capture = join(dir, 'leaf2.bmp');
  writeFileSync(capture, concat(msgs));

  const writer = start(['writer']);
  const collector = start(['collector', '--listen', '127.0.0.1:0']);
  try {
    await until(() => /^ribwatch writer: consuming records-\S+ from 127\.0\.0\.1:19292 as group writer-\S+ into .*; metrics on http:\/\/127\.0\.0\.1:\d+\/metrics$/m.test(writer.out()), 60_000).catch(() =>
      assert.fail(`writer did not start:\n${writer.err()}`),
    );
    await until(() => /listening for BMP on 127\.0\.0\.1:\d+; records to Kafka topic records-/.test(collector.out()), 60_000).catch(() =>
      assert.fail(`collector did not start:\n${collector.out()}\n${collector.err()}`),
    );
    const port = Number(/listening for BMP on 127\.0\.0\.1:(\d+)/.exec(collector.out())?.[1]);
    const replay = await ribwatch(['replay', capture, '--to', `127.0.0.1:${port}`]);
    assert.equal(replay.code, 0, replay.stderr);
    await until(() => /"termination"/.test(collector.err()), 30_000);
    collector.child.kill('SIGTERM');
    assert.equal(await collector.exit, 0, collector.err());

    // The raw feed: one OBMP record per BMP message, keyed by the router, bytes as sent, in order.
    const raw = (await readTopic(broker.brokers, `raw-${tag}`, msgs.length, 30_000)).map(decodeObmpRaw);
    assert.equal(raw.length, msgs.length);
    assert.deepEqual(
      raw.map((r) => r.bmp.toString('hex')),
      msgs.map((m) => Buffer.from(m).toString('hex')),
    );
    assert.ok(raw.every((r) => r.router === '127.0.0.1'));

    const deadline = Date.now() + 60_000;
    while (!(await caughtUp(broker.brokers, `records-${tag}`, `writer-${tag}`))) {
      if (Date.now() > deadline) assert.fail(`writer did not catch up:\n${writer.err()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const metricsUrl = /metrics on (http:\/\/\S+\/metrics)/.exec(writer.out())?.[1] ?? '';
    const metrics = await (await fetch(metricsUrl)).text();
    // At least the 27 route records (25 announcements, 2 withdrawals), besides the session records.
    const stored = Number(/^ribwatch_writer_records_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(stored >= 27, metrics);
    writer.child.kill('SIGTERM');
    assert.equal(await writer.exit, 0, writer.err());
  } finally {
    for (const c of [writer.child, collector.child]) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  }

  const rib = await ribwatch(['sql', '--format', 'tsv', 'SELECT peer_address, count() FROM rib FINAL WHERE NOT is_withdrawn GROUP BY peer_address ORDER BY peer_address']);
  assert.equal(rib.code, 0, rib.stderr);
  assert.equal(rib.stdout, 'peer_address\tcount()\n127.0.10.2\t18\n');
  const history = await ribwatch(['sql', '--format', 'tsv', 'SELECT synthetic, action, count() FROM route_updates GROUP BY 1, 2 ORDER BY 1, 2']);
  assert.equal(history.stdout, 'synthetic\taction\tcount()\n0\twithdraw\t2\n0\tannounce\t25\n1\twithdraw\t5\n');
});

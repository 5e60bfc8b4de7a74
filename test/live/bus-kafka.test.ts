/**
 * The bus contract against a real Apache Kafka broker (deploy/kafka/kafka.sh, KRaft, loopback),
 * plus what only Kafka does: topic creation with the configured partitions, a broker killed
 * (SIGKILL) and restarted while the producer is writing — nothing lost, order kept.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaBus, kafkaClientConfig } from '../../bus/kafka.js';
import { decodeObmpRaw } from '../../bus/openbmp.js';
import type { BusRecord } from '../../records/types.js';
import { busContract, route, routerUp } from '../unit/bus-contract.js';
import { kafkaSkipReason, peekTopic, startTestKafka } from './harness-kafka.js';
import type { KafkaTestBroker } from './harness-kafka.js';

const skip = kafkaSkipReason();
let broker: KafkaTestBroker | undefined;
const run = `${process.pid}-${Date.now().toString(36)}`;
let n = 0;

if (skip) {
  test('Kafka bus (live)', { skip }, () => undefined);
} else {
  before(async () => {
    broker = await startTestKafka();
  });
  after(async () => {
    await broker?.stop();
  });

  busContract('kafka bus', () => ({
    timeoutMs: 30_000,
    make: async (partitions) => {
      if (!broker) throw new Error('broker not started');
      const bus = new KafkaBus({ brokers: broker.brokers, topic: `contract-${run}-${++n}`, partitions, replicationFactor: 1 });
      await bus.setup();
      return bus;
    },
  }));

  test('kafka bus: setup creates the topic with the configured partitions and is idempotent', async () => {
    if (!broker) throw new Error('broker not started');
    const bus = new KafkaBus({ brokers: broker.brokers, topic: `setup-${run}`, partitions: 5, replicationFactor: 1, topicConfig: { 'retention.ms': '3600000' } });
    await bus.setup();
    await bus.setup();
    assert.equal(await bus.partitionCount(), 5);
    await bus.close();
  });

  test('kafka bus: the OpenBMP raw feed (OBMP v1.7) carries each BMP message as received, keyed by router', async () => {
    if (!broker) throw new Error('broker not started');
    const bus = new KafkaBus({ brokers: broker.brokers, topic: `rec-${run}`, rawTopic: `raw-${run}`, rawAdminId: 'rw-test', partitions: 2, replicationFactor: 1 });
    await bus.setup();
    const raw = bus.rawProducer();
    const messages = [Buffer.from([3, 0, 0, 0, 6, 4]), Buffer.from([3, 0, 0, 0, 6, 5])];
    raw.write('192.0.2.1', messages[0] as Buffer, Date.UTC(2026, 0, 1));
    raw.write('192.0.2.1', messages[1] as Buffer, Date.UTC(2026, 0, 1, 0, 0, 1));
    await raw.flush();
    const got = await peekTopic(bus, `raw-${run}`, 2, 20_000);
    await bus.close();
    assert.equal(got.length, 2);
    const decoded = got.map((m) => ({ key: m.key, ...decodeObmpRaw(m.value) }));
    assert.deepEqual(
      decoded.map((d) => [d.key, d.router, d.adminId, d.bmp.toString('hex')]),
      [
        ['192.0.2.1', '192.0.2.1', 'rw-test', '030000000604'],
        ['192.0.2.1', '192.0.2.1', 'rw-test', '030000000605'],
      ],
    );
  });

  test('kafka bus: two consumers in one group share the partitions; when one leaves the other takes over, nothing lost', { timeout: 180_000 }, async () => {
    if (!broker) throw new Error('broker not started');
    const bus = new KafkaBus({ brokers: broker.brokers, topic: `group-${run}`, partitions: 4, replicationFactor: 1 });
    await bus.setup();
    const producer = bus.producer();
    const routers = 8;
    const write = async (from: number, to: number): Promise<void> => {
      for (let s = from; s <= to; s++) {
        const batch: BusRecord[] = [];
        for (let r = 0; r < routers; r++) batch.push(routerUp(`10.7.0.${r}`, s));
        if (!producer.write(batch)) await producer.drained();
      }
      await producer.flush();
    };
    const seen = new Map<string, number>();
    const byConsumer = [0, 0];
    let dup = 0;
    const gaps: string[] = [];
    const handler = (i: number) => (b: { records: readonly BusRecord[] }): Promise<void> => {
      for (const r of b.records) {
        const last = seen.get(r.router) ?? 0;
        if (r.seq <= last) {
          dup++;
          continue;
        }
        if (r.seq !== last + 1) gaps.push(`${r.router}: ${r.seq} after ${last}`);
        seen.set(r.router, r.seq);
        byConsumer[i] = (byConsumer[i] ?? 0) + 1;
      }
      return Promise.resolve();
    };
    const total = (): number => [...seen.values()].reduce((a, b) => a + b, 0);
    const waitTotal = async (n: number): Promise<void> => {
      const deadline = Date.now() + 90_000;
      while (total() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    const a = bus.consumer({ group: 'scale', maxRecords: 500, maxWaitMs: 100 });
    const b = bus.consumer({ group: 'scale', maxRecords: 500, maxWaitMs: 100 });
    await a.start(handler(0));
    await b.start(handler(1));
    await write(1, 500);
    await waitTotal(routers * 500);
    assert.ok((byConsumer[0] ?? 0) > 0 && (byConsumer[1] ?? 0) > 0, `both consumers got records (${byConsumer.join(' / ')})`);
    await b.stop();
    await write(501, 1000);
    await waitTotal(routers * 1000);
    await a.stop();
    await bus.close();
    assert.deepEqual(gaps.slice(0, 5), []);
    assert.equal(total(), routers * 1000, 'every record arrived, in order per router');
    if (dup > 0) console.log(`note: ${dup} records delivered twice around the rebalance (committed offsets lag the handler by one batch at most)`);
  });

  test('kafka bus: an unreachable broker is a one-line error naming the address', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], topic: 'nowhere', connectionTimeoutMs: 500 });
    await assert.rejects(() => bus.setup(), (e: Error) => {
      assert.match(e.message, /^cannot reach Kafka at 127\.0\.0\.1:1: /);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  });

  test('kafka bus: the broker killed (SIGKILL) and restarted mid-stream: nothing lost, order kept', { timeout: 240_000 }, async () => {
    if (!broker?.ours) return;
    const bus = new KafkaBus({ brokers: broker.brokers, topic: `fault-${run}`, partitions: 3, replicationFactor: 1 });
    await bus.setup();
    const errors: string[] = [];
    const producer = bus.producer({ highWaterBytes: 2 * 1024 * 1024, onError: (_e, ctx) => errors.push(ctx) });
    const routers = 4;
    const each = 5000;
    let restarted: Promise<void> | undefined;
    let paused = 0;
    let maxPending = 0;
    for (let s = 1; s <= each; s++) {
      const batch: BusRecord[] = [];
      for (let r = 0; r < routers; r++) batch.push(s % 3 === 0 ? route(`10.9.0.${r}`, s, 5) : routerUp(`10.9.0.${r}`, s));
      if (!producer.write(batch)) {
        paused++;
        maxPending = Math.max(maxPending, producer.stats().pendingBytes);
        await producer.drained();
      }
      if (s === 1500) {
        await producer.flush();
        broker.kill9();
        // Keep writing into the outage: write() must turn false and hold us until the broker is back.
        const b = broker;
        restarted = new Promise((r) => setTimeout(r, 3000)).then(() => b.start());
      }
    }
    await restarted;
    await producer.flush();
    assert.equal(producer.stats().acked, routers * each);
    assert.ok(paused > 0, 'the producer pushed back during the outage');
    assert.ok(maxPending < 3 * 1024 * 1024, `pending bytes stayed bounded during the outage (max ${maxPending})`);

    const seen = new Map<string, number>();
    let total = 0;
    let dup = 0;
    const gaps: string[] = [];
    const c = bus.consumer({ group: 'fault', maxRecords: 5000, maxWaitMs: 200 });
    await c.start((b) => {
      for (const r of b.records) {
        const last = seen.get(r.router) ?? 0;
        if (r.seq <= last) {
          dup++;
          continue;
        }
        if (r.seq !== last + 1) gaps.push(`${r.router}: seq ${r.seq} after ${last}`);
        seen.set(r.router, r.seq);
        total++;
      }
      return Promise.resolve();
    });
    const deadline = Date.now() + 60_000;
    while (total < routers * each && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await c.stop();
    await bus.close();
    assert.deepEqual(gaps.slice(0, 5), [], 'no gap in any router\'s sequence');
    assert.equal(total, routers * each, 'every record arrived, in order per router');
    // Idempotent producer: the broker drops resent batches; report (not fail on) any duplicate.
    if (dup > 0) console.log(`note: ${dup} duplicate records after the broker restart (consumers skip seq ≤ last seen)`);
  });
}

test('kafka client config: TLS and SASL options map to kafkajs', () => {
  const c = kafkaClientConfig({
    brokers: ['k1:9093'],
    tls: { ca: 'PEM', rejectUnauthorized: false, servername: 'kafka.example' },
    sasl: { mechanism: 'scram-sha-512', username: 'ribwatch', password: 'secret' },
  });
  assert.deepEqual(c.ssl, { ca: ['PEM'], servername: 'kafka.example', rejectUnauthorized: false });
  assert.deepEqual(c.sasl, { mechanism: 'scram-sha-512', username: 'ribwatch', password: 'secret' });
  assert.equal(kafkaClientConfig({ brokers: ['k'], tls: true }).ssl, true);
  assert.equal(kafkaClientConfig({ brokers: ['k'] }).ssl, undefined);
  assert.throws(() => kafkaClientConfig({ brokers: [] }), /no brokers/);
  assert.throws(() => kafkaClientConfig({ brokers: ['k'], sasl: { mechanism: 'plain', username: '', password: 'x' } }), /sasl.username/);
});

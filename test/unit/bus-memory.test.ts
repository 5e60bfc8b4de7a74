/**
 * The in-process bus: the shared contract, plus what only it promises (retention bounded by the
 * slowest group, producer held back by a writer that falls behind).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, partitionFor, estimateBytes } from '../../bus/memory.js';
import { openBus } from '../../bus/index.js';
import { busContract, route, routerUp } from './bus-contract.js';

let n = 0;
busContract('memory bus', {
  timeoutMs: 5000,
  make: async (partitions) => {
    const bus = new MemoryBus({ topic: `t${++n}`, partitions });
    await bus.setup();
    return bus;
  },
});

test('memory bus: partitions are stable per key and spread keys', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const p = partitionFor(`10.0.0.${i}`, 8);
    assert.equal(p, partitionFor(`10.0.0.${i}`, 8));
    assert.ok(p >= 0 && p < 8);
    seen.add(p);
  }
  assert.ok(seen.size >= 6, `64 routers over 8 partitions used ${seen.size}`);
});

test('memory bus: retention is released as the slowest group commits, and a slow writer holds the producer', async () => {
  const bus = new MemoryBus();
  const producer = bus.producer({ highWaterBytes: 200_000 });
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  let got = 0;
  const c = bus.consumer({ group: 'slow', maxRecords: 100, maxWaitMs: 10 });
  await c.start(async (b) => {
    await gate;
    got += b.records.length;
  });
  let seq = 0;
  let accepted = true;
  while (accepted && seq < 100_000) accepted = producer.write([route('10.1.1.1', ++seq, 10)]);
  assert.equal(accepted, false, 'the producer hit the high-water mark');
  assert.ok(bus.retainedBytes >= 200_000);
  const written = seq;
  let drained = false;
  void producer.drained().then(() => (drained = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(drained, false, 'still held while the writer is stuck');
  release();
  gate = Promise.resolve();
  await producer.drained();
  assert.ok(bus.retainedBytes <= 100_000, `retained ${bus.retainedBytes} after drain`);
  const deadline = Date.now() + 5000;
  while (got < written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(got, written);
  assert.equal(bus.retainedBytes, 0, 'everything committed is released');
  await c.stop();
  await bus.close();
});

test('memory bus: one consumer per group; a second is refused with the reason', async () => {
  const bus = new MemoryBus();
  const a = bus.consumer({ group: 'g' });
  await a.start(() => Promise.resolve());
  await assert.rejects(() => bus.consumer({ group: 'g' }).start(() => Promise.resolve()), /already has a consumer/);
  await a.stop();
  await bus.close();
});

test('memory bus: a group that starts at the end sees only new records', async () => {
  const bus = new MemoryBus();
  const p = bus.producer();
  p.write([routerUp('10.2.2.2', 1), routerUp('10.2.2.2', 2)]);
  const seqs: number[] = [];
  const c = bus.consumer({ group: 'late', fromBeginning: false, maxWaitMs: 10 });
  await c.start((b) => {
    seqs.push(...b.records.map((r) => r.seq));
    return Promise.resolve();
  });
  p.write([routerUp('10.2.2.2', 3)]);
  const deadline = Date.now() + 2000;
  while (seqs.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await c.stop();
  assert.deepEqual(seqs, [3]);
  await bus.close();
});

test('memory bus: openBus builds it from options; sizes are estimated from the record shape', async () => {
  const bus = await openBus({ kind: 'memory', partitions: 2 });
  assert.equal(bus.kind, 'memory');
  assert.ok(estimateBytes(route('r', 1, 100)) > estimateBytes(route('r', 1, 1)));
  assert.throws(() => new MemoryBus({ partitions: 0 }), /partitions must be an integer/);
  await bus.close();
});

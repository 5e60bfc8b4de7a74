/**
 * The bus contract, run against every implementation (memory: test/unit/bus-memory.test.ts;
 * Kafka: test/live/bus-kafka.test.ts). What the collector and the writer rely on:
 * per-router order, no loss, commit only after the handler succeeded, redelivery of what was not
 * committed, independent groups, batching limits, producer backpressure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, BusBatch } from '../../bus/index.js';
import type { BusRecord, RouterUpRecord, RouteRecord } from '../../records/types.js';

export interface BusFixture {
  /** A fresh bus on a topic of its own, set up. */
  make(partitions: number): Promise<Bus>;
  /** Time bound for one wait in this implementation. */
  readonly timeoutMs: number;
}

/** A handler that keeps what it is given. */
export const collect =
  (into: BusRecord[]) =>
  (b: BusBatch): Promise<void> => {
    into.push(...b.records);
    return Promise.resolve();
  };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function routerUp(router: string, seq: number, session = 's1'): RouterUpRecord {
  return { v: 1, type: 'router_up', router, session, seq, time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(), remote_port: 40000 + seq, local: '127.0.0.1:11019' };
}

export function route(router: string, seq: number, prefixes: number): RouteRecord {
  return {
    v: 1,
    type: 'route',
    router,
    session: 's1',
    seq,
    time: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    peer: { address: '10.0.0.1', asn: 65001, bgp_id: '10.0.0.1', type: 'global', rd: null },
    rib: 'adj-in-pre',
    afi_safi: 'ipv4-unicast',
    router_time: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    attributes: {
      origin: 'igp',
      as_path: [65001, 65002],
      next_hop: '10.0.0.1',
      med: null,
      local_pref: 100,
      atomic_aggregate: false,
      aggregator: null,
      communities: ['65001:100'],
      large_communities: [],
      ext_communities: [],
      originator_id: null,
      cluster_list: [],
      other: [],
    },
    announced: Array.from({ length: prefixes }, (_, i) => ({ prefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`, path_id: null })),
    withdrawn: [],
    dump: false,
  };
}

/** Routers r0..r(n-1), `each` records per router, interleaved the way a collector would write them. */
function interleaved(routers: number, each: number, from = 1): BusRecord[][] {
  const writes: BusRecord[][] = [];
  for (let s = from; s < from + each; s += 10) {
    for (let r = 0; r < routers; r++) {
      const batch: BusRecord[] = [];
      for (let k = s; k < Math.min(s + 10, from + each); k++) batch.push(k % 7 === 0 ? route(`192.0.2.${r}`, k, 3) : routerUp(`192.0.2.${r}`, k));
      writes.push(batch);
    }
  }
  return writes;
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Checks order and completeness: per router, seq from..to with no gap, no repeat. */
function assertInOrder(records: readonly BusRecord[], routers: number, from: number, to: number): void {
  const byRouter = new Map<string, number[]>();
  for (const r of records) {
    const list = byRouter.get(r.router) ?? [];
    list.push(r.seq);
    byRouter.set(r.router, list);
  }
  assert.equal(byRouter.size, routers, 'every router arrived');
  for (const [router, seqs] of byRouter) {
    const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    assert.deepEqual(seqs, expected, `records of ${router} in order, complete, once`);
  }
}

export function busContract(name: string, fx: BusFixture | (() => BusFixture | string)): void {
  const fixture = (): BusFixture => {
    const f = typeof fx === 'function' ? fx() : fx;
    if (typeof f === 'string') throw new Error(f);
    return f;
  };

  test(`${name}: one router's records arrive in order, all of them, once`, async () => {
    const f = fixture();
    const bus = await f.make(3);
    try {
      const producer = bus.producer();
      for (const w of interleaved(5, 400)) if (!producer.write(w)) await producer.drained();
      await producer.flush();
      assert.equal(producer.stats().acked, 2000);
      const got: BusRecord[] = [];
      const batches: BusBatch[] = [];
      const consumer = bus.consumer({ group: 'order', maxRecords: 300, maxWaitMs: 100 });
      await consumer.start((b) => {
        batches.push(b);
        got.push(...b.records);
        return Promise.resolve();
      });
      await waitUntil('2000 records', () => got.length >= 2000, f.timeoutMs);
      await consumer.stop();
      assertInOrder(got, 5, 1, 400);
      assert.ok(batches.every((b) => b.records.length <= 300), 'batches respect maxRecords');
      assert.ok(batches.every((b) => b.token.startsWith(`${bus.topic}/`)), 'batch token names the topic');
      assert.equal(got.filter((r) => r.type === 'route').length, 5 * Math.floor(400 / 7));
    } finally {
      await bus.close();
    }
  });

  test(`${name}: a failing handler gets the same batch again; offsets commit only after success`, async () => {
    const f = fixture();
    const bus = await f.make(1);
    try {
      const producer = bus.producer();
      producer.write(interleaved(1, 50).flat());
      await producer.flush();
      const tokens: string[] = [];
      const got: BusRecord[] = [];
      const errors: string[] = [];
      let fail = 2;
      const c1 = bus.consumer({ group: 'retry', maxRecords: 20, maxWaitMs: 50, retryMinMs: 20, onError: (_e, ctx) => errors.push(ctx) });
      await c1.start((b) => {
        tokens.push(b.token);
        if (fail > 0) {
          fail--;
          return Promise.reject(new Error('insert failed'));
        }
        got.push(...b.records);
        return Promise.resolve();
      });
      await waitUntil('50 records', () => got.length >= 50, f.timeoutMs);
      await c1.stop();
      assert.equal(tokens[0], tokens[1], 'the same batch (same offsets) came again');
      assert.equal(tokens[1], tokens[2]);
      assert.equal(errors.filter((e) => e.startsWith('handler failed')).length, 2);
      assertInOrder(got, 1, 1, 50);

      // Everything was committed: a new consumer of the group sees only what comes next.
      producer.write(interleaved(1, 5, 51).flat());
      await producer.flush();
      const after: BusRecord[] = [];
      const c2 = bus.consumer({ group: 'retry', maxRecords: 100, maxWaitMs: 50 });
      await c2.start(collect(after));
      await waitUntil('5 more records', () => after.length >= 5, f.timeoutMs);
      await sleep(300);
      await c2.stop();
      assertInOrder(after, 1, 51, 55);
    } finally {
      await bus.close();
    }
  });

  test(`${name}: records not committed (the handler never succeeded) come again to the next consumer`, async () => {
    const f = fixture();
    const bus = await f.make(2);
    try {
      const producer = bus.producer();
      producer.write(interleaved(2, 30).flat());
      await producer.flush();
      let attempts = 0;
      const c1 = bus.consumer({ group: 'crash', maxRecords: 1000, maxWaitMs: 50, retryMinMs: 20 });
      await c1.start(() => {
        attempts++;
        return Promise.reject(new Error('store down'));
      });
      await waitUntil('a failed attempt', () => attempts >= 1, f.timeoutMs);
      await c1.stop();
      const got: BusRecord[] = [];
      const c2 = bus.consumer({ group: 'crash', maxRecords: 1000, maxWaitMs: 50 });
      await c2.start(collect(got));
      await waitUntil('60 records', () => got.length >= 60, f.timeoutMs);
      await c2.stop();
      assertInOrder(got, 2, 1, 30);
    } finally {
      await bus.close();
    }
  });

  test(`${name}: consumer groups are independent`, async () => {
    const f = fixture();
    const bus = await f.make(2);
    try {
      const producer = bus.producer();
      producer.write(interleaved(3, 20).flat());
      await producer.flush();
      const a: BusRecord[] = [];
      const b: BusRecord[] = [];
      const ca = bus.consumer({ group: 'writer', maxWaitMs: 50 });
      const cb = bus.consumer({ group: 'analyzer', maxWaitMs: 50 });
      await ca.start(collect(a));
      await cb.start(collect(b));
      await waitUntil('both groups', () => a.length >= 60 && b.length >= 60, f.timeoutMs);
      await Promise.all([ca.stop(), cb.stop()]);
      assertInOrder(a, 3, 1, 20);
      assertInOrder(b, 3, 1, 20);
    } finally {
      await bus.close();
    }
  });

  test(`${name}: a lone record is delivered after maxWaitMs, not held for a full batch`, async () => {
    const f = fixture();
    const bus = await f.make(1);
    try {
      const got: BusRecord[] = [];
      const c = bus.consumer({ group: 'lone', maxRecords: 10_000, maxWaitMs: 200, fromBeginning: true });
      await c.start(collect(got));
      const producer = bus.producer();
      producer.write([routerUp('198.51.100.1', 1)]);
      await producer.flush();
      const t0 = Date.now();
      await waitUntil('the lone record', () => got.length === 1, f.timeoutMs);
      const waited = Date.now() - t0;
      await c.stop();
      assert.ok(waited < f.timeoutMs, `delivered in ${waited} ms`);
    } finally {
      await bus.close();
    }
  });

  test(`${name}: write() says false above the high-water mark and drained() resolves once the bus has caught up`, async () => {
    const f = fixture();
    const bus = await f.make(1);
    try {
      const producer = bus.producer({ highWaterBytes: 20_000 });
      let accepted = true;
      let n = 0;
      while (accepted && n < 10_000) accepted = producer.write([route('203.0.113.9', ++n, 20)]);
      assert.equal(accepted, false, 'write() signalled the high-water mark');
      const got: BusRecord[] = [];
      const c = bus.consumer({ group: 'bp', maxWaitMs: 50 });
      await c.start(collect(got));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        producer.drained(),
        new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('drained() did not resolve')), f.timeoutMs))),
      ]);
      clearTimeout(timer);
      await producer.flush();
      await waitUntil(`${n} records`, () => got.length >= n, f.timeoutMs);
      await c.stop();
      assertInOrder(got, 1, 1, n);
    } finally {
      await bus.close();
    }
  });
}

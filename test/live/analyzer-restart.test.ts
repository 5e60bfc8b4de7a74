/**
 * An analyzer restart while the routers stay connected (the separate `ribwatch analyzer` role
 * being redeployed), on the real engine: the demo fabric (25x) through a real collector, the
 * in-process bus, the writer (chDB) and analyzer #1 opens the demo's alerts and tells a Slack
 * stand-in. Analyzer #1 stops; analyzer #2 starts on the same store and group: it loads the open
 * alerts (same ids), re-notifies nothing, and its start-up leak audit confirms the leaks still in
 * the RIB — their observers active again, so they do not fade off.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { startWriter } from '../../writer/index.js';
import { MemoryBus } from '../../bus/index.js';
import { loadConfig } from '../../config/load.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { migrate } from '../../store/migrate.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr } from '../../net/addresses.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { startAnalyzer } from '../../analyzer/index.js';
import { demoInventory, startDemoFabric } from '../../simulator/index.js';
import { memoryLogger, until } from '../unit/collector-helpers.js';
import { Receiver } from '../unit/notify-receiver.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `analyzer restart test skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-restart-'));
let store: Store | undefined;
const slack = new Receiver();

before(async () => {
  await slack.start();
  if (skip) return;
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_restart' });
  await migrate(store);
});
after(async () => {
  await store?.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

void test('analyzer restart with the routers still connected: open alerts loaded with their ids, nothing re-notified, the start-up leak audit confirms the leaks', { skip, timeout: 90_000 }, async () => {
  const s = store as Store;
  const { log } = memoryLogger();
  const env = { RIBWATCH_SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/restart` };
  const { config } = loadConfig({
    overrides: { 'alerts.squashSeconds': '1', 'slack.messagesPerSecond': '50', 'slack.burst': '50', 'analyzer.audit.startDelaySeconds': '1', 'analyzer.maxWaitMs': '20' },
  });
  const bus = new MemoryBus({ topic: 'restart' });
  const writer = await startWriter(bus, s, { maxWaitMs: 50 });
  const producer = bus.producer();
  const collector = new BmpCollector({
    listen: { host: '127.0.0.1', port: 0 },
    maxSessions: 8,
    maxMessageBytes: 1 << 20,
    tcpKeepaliveSeconds: 0,
    allow: [parseCidr('127.0.0.0/8') as Cidr],
    dumpQuietSeconds: 10,
    sink: producer,
    log,
    metrics: new CollectorMetrics(createRegistry({ processMetrics: false })),
  });
  const first = await startAnalyzer({ bus, store: s, config, log, env, inventory: demoInventory(), inventoryLabel: 'demo' });
  let second: Awaited<ReturnType<typeof startAnalyzer>> | undefined;
  let firstStopped = false;
  const { port } = await collector.start();
  const fabric = startDemoFabric({ bmp: { host: '127.0.0.1', port }, speed: 25, seed: 1 });
  try {
    await fabric.scriptDone;
    const m1 = first.alerting.manager;
    await until(() => m1.list().some((a) => a.kind === 'max-prefix-teardown'), 15_000);
    const open1 = m1.list().filter((a) => a.status !== 'resolved');
    await until(() => slack.requests.length >= open1.length, 15_000).catch(() => assert.fail(`Slack got ${slack.requests.length} of ${open1.length}`));
    const leaks1 = open1.filter((a) => a.kind === 'pod-cidr-leak');
    assert.equal(leaks1.length, 3);
    // The RIB has caught up with the leaks (the audit reads it).
    await until(() => bus.retainedBytes === 0, 15_000);

    await first.stop(2000);
    firstStopped = true;
    const told = slack.requests.length;

    second = await startAnalyzer({ bus, store: s, config, log, env, inventory: first.inventory(), inventoryLabel: 'demo' });
    const m2 = second.alerting.manager;
    const ids = (xs: { id: string }[]) => xs.map((a) => a.id).sort();
    assert.deepEqual(ids(m2.list().filter((a) => a.status !== 'resolved')), ids(open1), 'the open alerts come back with their ids');
    // Loaded observers count as inactive until reported again; the start-up audit reports the leaks.
    const leakObserversActive = () =>
      m2
        .list()
        .filter((a) => a.kind === 'pod-cidr-leak')
        .every((a) => a.observers.some((o) => o.active));
    await until(leakObserversActive, 20_000).catch(() => assert.fail(`leak observers after the audit: ${JSON.stringify(m2.list().filter((a) => a.kind === 'pod-cidr-leak').map((a) => a.observers.map((o) => [o.subject.router, o.active])))}`));
    const border = m2.list().find((a) => a.kind === 'pod-cidr-leak' && a.subject.prefix === '10.244.0.0/16');
    assert.equal(border?.observerCount, 2, 'the audit merged into the existing alert, it did not open another');
    assert.equal(m2.list().filter((a) => a.kind === 'pod-cidr-leak').length, 3);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(slack.requests.length, told, 'nothing re-notified after the restart');
  } finally {
    await fabric.stop();
    await collector.stop();
    await second?.stop(0);
    if (!firstStopped) await first.stop(0);
    await writer.stop();
    await bus.close();
  }
});

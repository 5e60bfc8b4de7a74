/**
 * Alert persistence on the real engine (chDB, temporary data directory, migrations applied): an
 * alert opened and announced, the process "restarted" (store closed and reopened, a new
 * AlertManager loading from it) — nothing is announced again, the state is intact, the next
 * change is notified as a change, and silences survive too. The notification goes to a local
 * server standing in for Slack.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../store/migrate.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_ALERTS_OPTIONS, DEFAULT_DELIVERY } from '../../analyzer/alerts/options.js';
import { ClickHouseAlertStore } from '../../analyzer/alerts/store.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import type { Notifier } from '../../analyzer/notify/types.js';
import { FakeClock, atRouter, observation } from '../unit/alerts-helpers.js';
import { Receiver } from '../unit/notify-receiver.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB alert persistence tests skipped: ${(e as Error).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-alerts-'));
const dataDir = join(dir, 'data');
const DB = 'rw_alerts';
let store: Store | undefined;
const slack = new Receiver();

before(async () => {
  await slack.start();
  if (skip) return;
  store = await openStore({ kind: 'embedded', dataDir, database: DB });
  await migrate(store);
});
after(async () => {
  await store?.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

const knobs = { squashSeconds: 30, notifyIntervalSeconds: 3600, resolveAfterSeconds: 300, flushIntervalMs: 50 };

function notifiers(): Notifier[] {
  return createNotifiers({
    slack: { ...DEFAULT_ALERTS_OPTIONS.slack, webhookUrl: `${slack.url}/services/T/B/X`, messagesPerSecond: 100, burst: 100 },
    webhook: DEFAULT_ALERTS_OPTIONS.webhook,
    delivery: { ...DEFAULT_DELIVERY, retryBaseMs: 20 },
  });
}

async function reopen(): Promise<Store> {
  await store?.close();
  store = await openStore({ kind: 'embedded', dataDir, database: DB });
  return store;
}

void test('alerts (chDB): an announced alert survives a restart, is not announced again, and its next change is', { skip }, async () => {
  const clock = new FakeClock();
  const n1 = notifiers();
  const m1 = new AlertManager({ options: knobs, store: new ClickHouseAlertStore(store!), notifiers: n1, now: clock.now, timers: false });
  await m1.start();
  for (const r of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) m1.observe(observation(clock, atRouter(r, { peer: '192.0.2.11' }), { facts: { origin_as: 64513, expected_origin_as: 64512 } }));
  clock.advance(30);
  m1.tick();
  await Promise.all(n1.map((n) => n.drain(5000)));
  assert.equal(slack.accepted.length, 1, 'announced once');
  await m1.flush();
  const id = m1.list()[0]!.id;
  const silence = await m1.addSilence({ matchers: { router: 'spine*' }, endsAt: new Date(clock.t + 86_400_000).toISOString(), reason: 'spine upgrades', createdBy: 'ops' });
  assert.ok(!Array.isArray(silence));
  m1.observe(observation(clock, atRouter('leaf1', { peer: '192.0.2.11' }))); // another version of the row
  const before = m1.get(id)!;
  await m1.stop(1000);
  for (const n of n1) await n.close();

  // In the table: several versions of the row; FINAL gives the latest.
  const [versions] = await store!.query<{ n: string }>('SELECT count() AS n FROM alerts WHERE id = {id:String}', { id });
  assert.ok(Number(versions?.n) >= 2, `${versions?.n} versions written`);
  const rows = await store!.query<{ status: string; observations: number; routers: string[]; channels: string }>(
    'SELECT status, observations, routers, channels FROM alerts FINAL WHERE id = {id:String}',
    { id },
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'open');
  assert.equal(rows[0]!.observations, 4);
  assert.deepEqual(rows[0]!.routers, ['leaf1', 'leaf2', 'leaf3', 'leaf4']);
  assert.match(rows[0]!.channels, /"slack-webhook":\{"status":"open","severity":"warning"/);

  // A row from a newer build (a kind this one does not know) must not stop the start.
  await store!.insert('alerts', [{ id: 'from-the-future', version: 1, kind: 'future-kind', status: 'open', severity: 'warning', peak_severity: 'warning', opened_at: '2026-11-21 10:00:00.000', updated_at: '2026-11-21 10:00:00.000', last_active_at: '2026-11-21 10:00:00.000' }]);

  // The restart.
  const s2 = await reopen();
  clock.advance(10);
  const n2 = notifiers();
  const m2 = new AlertManager({ options: knobs, store: new ClickHouseAlertStore(s2), notifiers: n2, now: clock.now, timers: false });
  await m2.start();
  const loaded = m2.get(id)!;
  assert.deepEqual(
    { ...loaded, observers: loaded.observers.map((o) => ({ ...o, active: true })) },
    { ...before, observers: before.observers.map((o) => ({ ...o, active: true })) },
    'state intact',
  );
  assert.deepEqual(m2.listSilences().map((s) => [s.id, s.reason, s.matchers]), [[silence.id, 'spine upgrades', { router: 'spine*' }]]);
  for (const r of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) m2.observe(observation(clock, atRouter(r, { peer: '192.0.2.11' })));
  m2.tick();
  clock.advance(60);
  m2.tick();
  await Promise.all(n2.map((n) => n.drain(2000)));
  assert.equal(slack.accepted.length, 1, 'no re-notification after the restart');
  assert.deepEqual(m2.list().map((a) => a.id), [id], 'the same alert, not a new one (and the unreadable row skipped)');

  // The next change is notified as that change.
  m2.observe(observation(clock, atRouter('leaf2', { peer: '192.0.2.11' }), { severity: 'critical' }));
  await Promise.all(n2.map((n) => n.drain(5000)));
  assert.equal(slack.accepted.length, 2);
  assert.match(slack.json<{ text: string }>(1).text, /^🔴 Escalated: CRITICAL pod-cidr-leak/);
  await m2.stop(1000);
  for (const n of n2) await n.close();

  // And once more: the escalation's bookkeeping was stored too.
  const s3 = await reopen();
  const m3 = new AlertManager({ options: knobs, store: new ClickHouseAlertStore(s3), notifiers: notifiers(), now: clock.now, timers: false });
  await m3.start();
  m3.observe(observation(clock, atRouter('leaf2', { peer: '192.0.2.11' }), { severity: 'critical' }));
  m3.tick();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(slack.accepted.length, 2);
  assert.equal(m3.get(id)?.severity, 'critical');
  await m3.stop(1000);
});

/**
 * The scheduled audits on the real engine (chDB, temporary data directory, migrations applied),
 * over a RIB seeded through route_updates (the writer's path: the materialized view fills rib):
 *
 * - leak audit: a leak the stream saw at leaf1 and one it missed at leaf2 (announced while the
 *   analyzer was down) become ONE alert with two observers — the audit's leaf1 finding merges
 *   with the stream's, not a second alert; the leaf2 route withdrawn, the next audit clears only
 *   that observer;
 * - prefix-limit audit: 9 of 10 allowed prefixes is critical, with the stream detector's kind and
 *   subject; back to 4, cleared;
 * - retention: a route_updates partition past the retention dropped (the TTL only acts at merges),
 *   an old resolved alert deleted, open and recent ones kept;
 * - digest: one Block Kit message to a local server standing in for Slack, one signed webhook.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory } from '../../inventory/inventory.js';
import { migrate } from '../../store/migrate.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import type { RouteRecord } from '../../records/types.js';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_ALERTS_OPTIONS, DEFAULT_DELIVERY } from '../../analyzer/alerts/options.js';
import { chTime } from '../../store/clickhouse-text.js';
import { LeakAudit, PrefixLimitAudit, buildDigest, runRetention, sendDigest } from '../../analyzer/audits/index.js';
import { AnalyzerPipeline } from '../../analyzer/pipeline.js';
import { verifySignature } from '../../analyzer/notify/webhook.js';
import type { Observation } from '../../analyzer/types.js';
import { Receiver } from '../unit/notify-receiver.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB audit tests skipped: ${(e as Error).message}`;
  }
}

const INV = parseInventory(`
clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    loadBalancerPools: [172.16.0.0/24]
    egressIPs: []
    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }
    nodes:
      - { name: node1, address: 192.0.2.11, asn: 64512, podCIDRs: [10.244.1.0/24] }
      - { name: node2, address: 192.0.2.12, asn: 64513, podCIDRs: [10.244.2.0/24] }
routers:
  - name: leaf1
    address: 192.0.2.1
    role: leaf
    asn: 65000
    peers:
      - { address: 192.0.2.11, maxPrefix: { ipv4-unicast: 10 } }
      - { address: 192.0.2.12 }
  - name: leaf2
    address: 192.0.2.2
    role: leaf
    asn: 65000
    peers:
      - { address: 192.0.2.12 }
`, 'audit-inventory.yaml');

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-audits-'));
let store: Store | undefined;
const slack = new Receiver();
const hook = new Receiver();
let seq = 0;

before(async () => {
  await slack.start();
  await hook.start();
  if (skip) return;
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_audits' });
  await migrate(store);
});
after(async () => {
  await store?.close();
  await slack.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});


/** One route_updates row (the materialized view makes it the route's current state in rib). */
function row(router: string, peer: string, peerAsn: number, prefix: string, action: 'announce' | 'withdraw', asPath: number[], atMs = Date.now()) {
  return {
    time: chTime(atMs),
    router,
    session: 's1',
    seq: ++seq,
    router_time: chTime(atMs),
    peer_address: peer,
    peer_asn: peerAsn,
    peer_bgp_id: peer,
    peer_type: 'global',
    peer_rd: '',
    rib: 'adj-in-pre',
    afi_safi: 'ipv4-unicast',
    prefix,
    rd: '',
    path_id: 0,
    action,
    dump: 0,
    synthetic: 0,
    origin: action === 'announce' ? 'igp' : '',
    as_path: action === 'announce' ? asPath : [],
    as_path_json: '',
    origin_as: action === 'announce' ? (asPath.at(-1) ?? 0) : 0,
    next_hop: action === 'announce' ? peer : '',
    med: null,
    local_pref: null,
    communities: [],
    large_communities: [],
    ext_communities: [],
    extra: '',
  };
}

function streamLeak(): RouteRecord {
  const at = new Date().toISOString();
  return {
    v: 1,
    type: 'route',
    router: '192.0.2.1',
    session: 's1',
    seq: 1,
    time: at,
    peer: { address: '192.0.2.12', asn: 64513, bgp_id: '192.0.2.12', type: 'global', rd: null },
    rib: 'adj-in-pre',
    afi_safi: 'ipv4-unicast',
    router_time: at,
    attributes: { origin: 'igp', as_path: [64513], next_hop: '192.0.2.12', med: null, local_pref: null, atomic_aggregate: false, aggregator: null, communities: [], large_communities: [], ext_communities: [], originator_id: null, cluster_list: [], other: [] },
    announced: [{ prefix: '10.244.1.0/24', path_id: null }],
    withdrawn: [],
    dump: false,
  };
}

test('leak audit: a leak the stream saw and one it missed are one alert with two observers; a withdrawal clears only its observer', { skip, timeout: 60_000 }, async () => {
  const s = store as Store;
  const manager = new AlertManager({ timers: false });
  await manager.start();
  // The stream: node2 announces node1's PodCIDR to leaf1.
  const stream = new AnalyzerPipeline({ inventory: INV, sink: manager });
  stream.onRecords([streamLeak()]);
  let alerts = manager.list().filter((a) => a.kind === 'pod-cidr-leak');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.observerCount, 1);

  // The RIB: the same route at leaf1, and the same leak at leaf2 that the stream never saw.
  await s.insert('route_updates', [row('192.0.2.1', '192.0.2.12', 64513, '10.244.1.0/24', 'announce', [64513]), row('192.0.2.2', '192.0.2.12', 64513, '10.244.1.0/24', 'announce', [64513])]);
  await s.insert('routers', [{ time: chTime(Date.now()), router: '192.0.2.2', session: 's1', seq: 1, event: 'init', sys_name: 'leaf2' }]);
  const audit = new LeakAudit({ store: s, inventory: () => INV, maxRows: 10_000 });
  const first = await audit.run();
  assert.equal(first.result.partial, false);
  assert.deepEqual(first.observations.map((o) => `${o.kind} ${o.severity} ${o.active} ${o.subject.router} ${o.subject.peer} ${o.subject.node} ${o.subject.prefix}`).sort(), [
    'pod-cidr-leak critical true leaf1 192.0.2.12 node1 10.244.1.0/24',
    'pod-cidr-leak critical true leaf2 192.0.2.12 node1 10.244.1.0/24',
  ]);
  manager.observeAll(first.observations);
  alerts = manager.list().filter((a) => a.kind === 'pod-cidr-leak');
  assert.equal(alerts.length, 1, 'merged into the stream\'s alert, not a second one');
  assert.equal(alerts[0]?.observerCount, 2);
  assert.deepEqual(alerts[0]?.observers.map((o) => o.subject.router).sort(), ['leaf1', 'leaf2']);

  // leaf2's route withdrawn: the next audit clears that observer only.
  await s.insert('route_updates', [row('192.0.2.2', '192.0.2.12', 64513, '10.244.1.0/24', 'withdraw', [])]);
  const second = await audit.run();
  const cleared = second.observations.filter((o) => !o.active);
  assert.deepEqual(cleared.map((o) => o.subject.router), ['leaf2']);
  assert.match(cleared[0]?.summary ?? '', /^No longer in the RIB: /);
  manager.observeAll(second.observations);
  const a = manager.list().find((x) => x.kind === 'pod-cidr-leak');
  assert.deepEqual(a?.observers.map((o) => `${o.subject.router}:${o.active}`).sort(), ['leaf1:true', 'leaf2:false']);
  assert.equal(a?.status, 'open');
});

test('prefix-limit audit: 9 of 10 is critical with the stream detector\'s kind and subject; back to 4, cleared', { skip, timeout: 60_000 }, async () => {
  const s = store as Store;
  const prefixes = Array.from({ length: 9 }, (_, i) => `10.244.1.${i * 16}/28`);
  await s.insert('route_updates', prefixes.map((p) => row('192.0.2.1', '192.0.2.11', 64512, p, 'announce', [64512])));
  const audit = new PrefixLimitAudit({ store: s, inventory: () => INV, maxRows: 10_000, warningRatio: 0.75, criticalRatio: 0.9 });
  const r1 = await audit.run();
  assert.equal(r1.observations.length, 1);
  const o = r1.observations[0] as Observation;
  assert.equal(o.kind, 'prefix-limit');
  assert.equal(o.severity, 'critical');
  assert.equal(o.active, true);
  assert.deepEqual(o.subject, { router: 'leaf1', peer: '192.0.2.11', afiSafi: 'ipv4-unicast', cluster: 'prod', node: 'node1' });
  assert.equal(o.facts['received'], 9);
  assert.equal(o.facts['limit'], 10);

  await s.insert('route_updates', prefixes.slice(0, 5).map((p) => row('192.0.2.1', '192.0.2.11', 64512, p, 'withdraw', [])));
  const r2 = await audit.run();
  assert.deepEqual(r2.observations.map((x) => [x.kind, x.active, x.subject.peer]), [['prefix-limit', false, '192.0.2.11']]);
});

test('retention drops route_updates partitions wholly past the retention and deletes old resolved alerts, nothing else', { skip, timeout: 60_000 }, async () => {
  const s = store as Store;
  // Five days old: inside the table's TTL (30 days, applied at merges), past a 2-day retention.
  const old = Date.now() - 5 * 86_400_000;
  const day = new Date(old).toISOString().slice(0, 10).replace(/-/g, '');
  await s.insert('route_updates', [row('192.0.2.9', '192.0.2.99', 64999, '10.9.9.0/24', 'announce', [64999], old)]);
  await s.insert('alerts', [
    { id: 'old-resolved', version: 1, kind: 'prefix-flap', status: 'resolved', opened_at: chTime(old - 100 * 86_400_000), updated_at: chTime(old), last_active_at: chTime(old), resolved_at: chTime(old - 95 * 86_400_000) },
    { id: 'recent-resolved', version: 1, kind: 'prefix-flap', status: 'resolved', opened_at: chTime(old), updated_at: chTime(old), last_active_at: chTime(old), resolved_at: chTime(old) },
    { id: 'old-open', version: 1, kind: 'prefix-flap', status: 'open', opened_at: chTime(old - 100 * 86_400_000), updated_at: chTime(old), last_active_at: chTime(old), resolved_at: null },
  ]);
  const count = async (): Promise<Record<string, number>> => Object.fromEntries((await s.query<{ p: string; n: string }>(`SELECT _partition_id AS p, count() AS n FROM route_updates GROUP BY p`)).map((x) => [x.p, Number(x.n)]));
  const before = await count();
  assert.equal(before[day], 1);
  const r = await runRetention({ store: s, retentionDays: 2, resolvedAlertsDays: 90 });
  assert.deepEqual(r.droppedPartitions, [day]);
  assert.equal(r.deletedAlerts, 1);
  const afterDrop = await count();
  assert.equal(afterDrop[day], undefined);
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  assert.equal(afterDrop[today], before[today], 'today\'s partition untouched');
  const ids = await s.query<{ id: string }>(`SELECT id FROM alerts FINAL WHERE id LIKE '%-resolved' OR id LIKE 'old-%' ORDER BY id`);
  assert.deepEqual(ids.map((x) => x.id), ['old-open', 'recent-resolved']);
});

test('digest: one Block Kit message to Slack and one signed webhook, with open alerts, churn and headroom', { skip, timeout: 60_000 }, async () => {
  const s = store as Store;
  // Churn for the top-flapping list: live (not dump) changes of one prefix.
  const t = Date.now();
  await s.insert('route_updates', [0, 1, 2].flatMap((i) => [row('192.0.2.1', '192.0.2.12', 64513, '172.16.0.7/32', 'announce', [64513], t + i * 2), row('192.0.2.1', '192.0.2.12', 64513, '172.16.0.7/32', 'withdraw', [], t + i * 2 + 1)]));
  await s.insert('route_updates', [row('192.0.2.1', '192.0.2.11', 64512, '10.244.1.240/28', 'announce', [64512])]);
  const manager = new AlertManager({ timers: false });
  manager.observeAll([{ kind: 'dampening', severity: 'critical', subject: { router: 'leaf1', peer: '192.0.2.12', afiSafi: 'ipv4-unicast', prefix: '172.16.0.7/32' }, summary: 'suppressed', facts: {}, nextStep: 'x', at: new Date().toISOString(), active: true, detector: 'rfd' }]);
  const d = await buildDigest({ store: s, inventory: () => INV, alerts: () => manager.list(), maxRows: 10_000 });
  assert.deepEqual(d.openAlerts, [{ kind: 'dampening', severity: 'critical', count: 1 }]);
  assert.equal(d.topFlapping[0]?.prefix, '172.16.0.7/32');
  assert.equal(d.topFlapping[0]?.changes, 6);
  assert.deepEqual(d.prefixLimits.map((p) => [p.routerName, p.peer, p.received, p.limit]), [['leaf1', '192.0.2.11', 5, 10]]);
  const sent = await sendDigest(d, {
    slack: { ...DEFAULT_ALERTS_OPTIONS.slack, webhookUrl: `${slack.url}/services/T/B/X` },
    webhook: { ...DEFAULT_ALERTS_OPTIONS.webhook, url: `${hook.url}/hook`, secret: 's3cret' },
    delivery: DEFAULT_DELIVERY,
  });
  assert.deepEqual(sent.map((x) => [x.channel, x.ok]).sort(), [['slack-webhook', true], ['webhook', true]]);
  assert.equal(slack.requests.length, 1);
  const m = slack.json<{ text: string; blocks: { type: string; text?: { text: string } }[] }>(0);
  assert.match(m.text, /ribwatch daily digest \d{4}-\d{2}-\d{2}: 1 open alert$/);
  assert.equal(m.blocks[0]?.type, 'header');
  assert.ok(m.blocks.some((b) => b.text?.text.includes('`172.16.0.7/32` at 192.0.2.1 from 192.0.2.12: 6 changes')));
  assert.ok(m.blocks.some((b) => b.text?.text.includes('192.0.2.11 → leaf1 ipv4-unicast: 5 of 10 (50%)')));
  const h = hook.requests[0];
  assert.ok(h);
  assert.ok(verifySignature('s3cret', h.headers['x-ribwatch-timestamp'] as string, h.headers['x-ribwatch-signature'] as string, h.body));
  assert.equal((JSON.parse(h.body) as { type: string }).type, 'ribwatch.digest');
});

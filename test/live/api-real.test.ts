/**
 * The API over real data: two real captures (Cisco IOS-XR and 6WIND FRR, both with Peer Downs)
 * go through the collector's decoding, the in-process bus and the writer into chDB; the API then
 * listens on 127.0.0.1:0 and every endpoint is asserted against what the captures said, computed
 * here from the very records the pipeline carried (announce, withdraw, Peer Down withdraws the
 * peer's routes). Then auth (no token, wrong token, read token on admin routes) and injection
 * attempts in every parameter of every route: 400, never 500, and the tables unharmed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from '../../api/index.js';
import type { AlertsControl, RunningApi, SilenceLike } from '../../api/index.js';
import { sha256Hex } from '../../api/auth.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../telemetry/log.js';
import { formatPrefix, parsePrefix, prefixContains } from '../../inventory/prefix-trie.js';
import type { BusRecord, PeerRef, RouteAttributes, RouteRecord } from '../../records/types.js';
import { loadChdb, openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { API_CAPTURES, loadCaptures } from './api-fixture.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `chDB API tests skipped: ${(e as Error).message}`;
  }
}

const READ = 'rw_read_token_for_tests_0001';
const ADMIN = 'rw_admin_token_for_tests_0001';
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-api-'));
let store: Store | undefined;
let api: RunningApi | undefined;
let records: BusRecord[] = [];
const acks: string[] = [];
const silences: SilenceLike[] = [];

/** A stand-in for the analyzer's lifecycle: records what the API asked of it. */
const control: AlertsControl = {
  acknowledge: (id, by) => {
    if (id === 'resolved-1') return `alert ${id} is resolved`;
    acks.push(`${id} by ${by}`);
    return { id };
  },
  addSilence: async (input) => {
    const s: SilenceLike = { id: `s${silences.length + 1}`, matchers: input.matchers, startsAt: Date.now(), endsAt: Date.parse(input.endsAt), reason: input.reason, createdBy: input.createdBy ?? '', createdAt: Date.now() };
    silences.push(s);
    return Promise.resolve(s);
  },
  expireSilence: async (id) => Promise.resolve(silences.some((s) => s.id === id)),
};

before(async () => {
  if (skip) return;
  store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_api' });
  ({ records } = await loadCaptures(store, API_CAPTURES, { startMs: Date.now() - 30 * 60_000, stepMs: 10, dumpQuietMs: 5 }));
  const { config } = loadConfig({ env: { RIBWATCH_API_TOKENS: `ci:read:${sha256Hex(READ)}`, RIBWATCH_API_TOKEN: ADMIN, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0' } });
  api = await startApi({ store, config, log: createLogger({ level: 'silent' }), listen: { host: '127.0.0.1', port: 0 }, alerts: control });
});
after(async () => {
  await api?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, token: string | null = READ, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const r = await fetch(`${api?.url ?? ''}${path}`, { ...init, headers });
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: r.status, body };
}

/** Follows `next` to the end; returns every item of the list. */
async function all(path: string, key: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(next === null ? path : `${path}${sep}cursor=${encodeURIComponent(next)}`);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    out.push(...(r.body[key] as Record<string, unknown>[]));
    next = r.body['next'] as string | null;
    if (next === null) return out;
  }
  throw new Error('pagination did not end');
}

// ---- the truth, from the records the pipeline carried ----

interface ModelRoute {
  router: string;
  peer: PeerRef;
  view: string;
  afi_safi: string;
  prefix: string;
  rd: string;
  path_id: number;
  attrs: RouteAttributes;
}

const peerId = (router: string, p: PeerRef): string => `${router}|${p.type}|${p.rd ?? ''}|${p.address}`;

function model(): Map<string, ModelRoute> {
  const rib = new Map<string, ModelRoute>();
  for (const r of records) {
    if (r.type === 'route') {
      for (const w of r.withdrawn) rib.delete(`${peerId(r.router, r.peer)}|${r.rib}|${r.afi_safi}|${w.prefix}|${w.rd ?? ''}|${w.path_id ?? 0}`);
      for (const a of r.announced) {
        if (!r.attributes) continue;
        rib.set(`${peerId(r.router, r.peer)}|${r.rib}|${r.afi_safi}|${a.prefix}|${a.rd ?? ''}|${a.path_id ?? 0}`, {
          router: r.router,
          peer: r.peer,
          view: r.rib,
          afi_safi: r.afi_safi,
          prefix: a.prefix,
          rd: a.rd ?? '',
          path_id: a.path_id ?? 0,
          attrs: r.attributes,
        });
      }
    } else if (r.type === 'peer_down') {
      const id = peerId(r.router, r.peer);
      for (const k of [...rib.keys()]) if (k.startsWith(`${id}|`)) rib.delete(k);
    }
  }
  return rib;
}

const routeKey = (r: Record<string, unknown>): string => {
  const pathId = r['path_id'] === null || r['path_id'] === undefined ? 0 : Number(r['path_id']);
  const rd = r['rd'] === null || r['rd'] === undefined || r['rd'] === '' ? '-' : (r['rd'] as string);
  return `${String(r['router'])} ${String(r['peer'])} ${String(r['view'])} ${String(r['afi_safi'])} ${String(r['prefix'])} ${rd} ${pathId}`;
};

const modelKey = (m: ModelRoute): string => routeKey({ router: m.router, peer: m.peer.address, view: m.view, afi_safi: m.afi_safi, prefix: m.prefix, rd: m.rd, path_id: m.path_id });

function ipRoutes(): ModelRoute[] {
  return [...model().values()].filter((m) => parsePrefix(m.prefix) !== undefined);
}

void test('the captures went through: reset-free, with IPv4 and IPv6 unicast routes and Peer Downs', { skip }, () => {
  assert.equal(records.filter((r) => r.type === 'peer_up' && r.reset).length, 0, 'the model here assumes no peer reset in these captures');
  assert.ok(records.filter((r) => r.type === 'peer_down').length >= 3);
  const routes = ipRoutes();
  assert.ok(routes.some((m) => m.afi_safi === 'ipv4-unicast'));
  assert.ok(routes.some((m) => m.afi_safi === 'ipv6-unicast'));
});

void test('GET /routers: both routers connected, with the sysName of their Initiation', { skip }, async () => {
  const routers = await all('/api/v1/routers?limit=1', 'routers');
  const inits = records.filter((r): r is Extract<BusRecord, { type: 'router_init' }> => r.type === 'router_init');
  assert.deepEqual(routers.map((r) => r['router']).sort(), [...new Set(records.map((r) => r.router))].sort());
  for (const r of routers) {
    assert.equal(r['state'], 'connected');
    const init = inits.find((i) => i.router === r['router']);
    assert.equal(r['sys_name'], init?.sys_name ?? '');
    assert.ok(typeof r['last_seen'] === 'string' && typeof r['since'] === 'string');
  }
});

void test('GET /peers: state and since from the last Peer Up/Down, the down reason decoded, prefixes per view and AFI/SAFI', { skip }, async () => {
  const peers = await all('/api/v1/peers?limit=3', 'peers');
  const rib = model();
  const last = new Map<string, BusRecord>();
  for (const r of records) if (r.type === 'peer_up' || r.type === 'peer_down') last.set(peerId(r.router, r.peer), r);
  // Every peer with events or routes is listed, once.
  const expectedIds = new Set([...last.keys(), ...[...rib.values()].map((m) => peerId(m.router, m.peer))]);
  const got = peers.map((p) => `${String(p['router'])}|${String(p['peer_type'])}|${((p['rd'] as string | null) ?? '')}|${String(p['address'])}`);
  assert.equal(new Set(got).size, got.length, 'a peer is listed twice');
  for (const id of expectedIds) assert.ok(got.includes(id), `peer ${id} missing`);
  const lastDown = new Map<string, Extract<BusRecord, { type: 'peer_down' }>>();
  for (const r of records) if (r.type === 'peer_down') lastDown.set(peerId(r.router, r.peer), r);
  let downs = 0;
  for (const p of peers) {
    const id = `${String(p['router'])}|${String(p['peer_type'])}|${((p['rd'] as string | null) ?? '')}|${String(p['address'])}`;
    const ev = last.get(id);
    if (!ev) {
      assert.equal(p['state'], 'unknown', `${id} has no Peer Up/Down`);
      continue;
    }
    assert.equal(p['state'], ev.type === 'peer_up' ? 'up' : 'down', id);
    assert.equal(p['since'], ev.time, id);
    const down = lastDown.get(id);
    if (down) {
      // The last Peer Down is reported even when the peer came back up since.
      downs++;
      const dr = p['down_reason'] as Record<string, unknown>;
      assert.equal(dr['at'], down.time);
      assert.equal(dr['reason'], down.reason);
      assert.equal(dr['reason_name'], down.reason_name);
      if (down.notification) {
        assert.deepEqual(dr['notification'], { code: down.notification.code, subcode: down.notification.subcode, name: `${down.notification.code_name} / ${down.notification.subcode_name}` });
      } else assert.equal(dr['notification'], null);
    } else assert.equal(p['down_reason'], null, id);
    // Prefix counts per view and AFI/SAFI equal the routes the model holds for the peer.
    const want: Record<string, Record<string, number>> = {};
    for (const m of rib.values()) if (peerId(m.router, m.peer) === id) (want[m.view] ??= {})[m.afi_safi] = (want[m.view]?.[m.afi_safi] ?? 0) + 1;
    const have: Record<string, Record<string, number>> = {};
    for (const [v, o] of Object.entries(p['prefixes'] as Record<string, Record<string, number>>)) {
      for (const [afi, n] of Object.entries(o)) if (n > 0) (have[v] ??= {})[afi] = n;
    }
    assert.deepEqual(have, want, `prefix counts of ${id}`);
  }
  assert.equal(downs, lastDown.size, 'every peer that went down has its down reason');
  const down = await get('/api/v1/peers?state=down&limit=1000');
  assert.ok((down.body['peers'] as unknown[]).every((p) => (p as Record<string, unknown>)['state'] === 'down'));
});

void test('GET /rib?match=exact: every current route of a prefix, with its attributes', { skip }, async () => {
  const routes = ipRoutes();
  const samples = [...new Set(routes.map((m) => m.prefix))].filter((_, i) => i % 7 === 0).slice(0, 25);
  assert.ok(samples.length > 5);
  for (const prefix of samples) {
    const got = await all(`/api/v1/rib?prefix=${encodeURIComponent(prefix)}&match=exact&limit=2`, 'routes');
    const want = routes.filter((m) => m.prefix === prefix);
    assert.deepEqual(got.map(routeKey).sort(), want.map(modelKey).sort(), prefix);
    for (const g of got) {
      const m = want.find((w) => modelKey(w) === routeKey(g));
      const a = g['attributes'] as Record<string, unknown>;
      assert.equal(a['origin'], m?.attrs.origin);
      assert.deepEqual(a['as_path'], m?.attrs.as_path);
      assert.equal(a['next_hop'], m?.attrs.next_hop);
      assert.equal(a['med'], m?.attrs.med);
      assert.equal(a['local_pref'], m?.attrs.local_pref);
      assert.deepEqual(a['communities'], m?.attrs.communities);
      assert.deepEqual(a['large_communities'], m?.attrs.large_communities);
    }
  }
  const withdrawn = records.filter((r): r is RouteRecord => r.type === 'route' && r.withdrawn.length > 0 && r.afi_safi.endsWith('unicast')).flatMap((r) => r.withdrawn.map((w) => w.prefix));
  const gone = withdrawn.find((p) => !routes.some((m) => m.prefix === p));
  if (gone !== undefined) assert.deepEqual((await get(`/api/v1/rib?prefix=${encodeURIComponent(gone)}`)).body['routes'], [], `${gone} was withdrawn`);
});

void test('GET /rib?match=longest: for each router/peer/view, exactly its most specific covering route', { skip }, async () => {
  const routes = ipRoutes();
  const routers = [...new Set(routes.map((m) => m.router))];
  // Addresses inside announced prefixes (the first address, and one under a more-specific when there is one).
  const addresses = [...new Set(routes.filter((m) => m.afi_safi.endsWith('unicast')).map((m) => m.prefix.split('/')[0] ?? ''))].slice(0, 15);
  for (const router of routers) {
    for (const addr of addresses) {
      const a = parsePrefix(addr);
      if (!a) continue;
      const got = await all(`/api/v1/rib?prefix=${encodeURIComponent(addr)}&match=longest&router=${encodeURIComponent(router)}`, 'routes');
      const covering = routes.filter((m) => {
        const k = parsePrefix(m.prefix);
        return m.router === router && k !== undefined && prefixContains(k, a);
      });
      const best = new Map<string, number>();
      for (const m of covering) {
        const g = `${peerId(m.router, m.peer)}|${m.view}|${m.afi_safi}|${m.rd}`;
        best.set(g, Math.max(best.get(g) ?? -1, parsePrefix(m.prefix)?.length ?? -1));
      }
      const want = covering.filter((m) => best.get(`${peerId(m.router, m.peer)}|${m.view}|${m.afi_safi}|${m.rd}`) === parsePrefix(m.prefix)?.length);
      assert.deepEqual(got.map(routeKey).sort(), want.map(modelKey).sort(), `${router} longest ${addr}`);
    }
  }
});

void test('GET /rib?match=more-specific: the prefix and everything inside it, across pages', { skip }, async () => {
  const routes = ipRoutes();
  const v4 = routes.filter((m) => m.prefix.includes('.') && (parsePrefix(m.prefix)?.length ?? 0) >= 16);
  const v6 = routes.filter((m) => m.prefix.includes(':') && !m.prefix.startsWith('::') && (parsePrefix(m.prefix)?.length ?? 0) >= 32);
  const parents = new Set<string>();
  for (const m of v4.slice(0, 5)) {
    const k = parsePrefix(m.prefix);
    if (k) parents.add(formatPrefix({ ...k, length: 8 }).replace(/\.\d+\.\d+\.\d+\//, '.0.0.0/'));
  }
  for (const m of v6.slice(0, 3)) {
    const k = parsePrefix(m.prefix.replace(/\/\d+$/, '/32'));
    if (k) parents.add(formatPrefix(k));
  }
  assert.ok(parents.size > 0);
  for (const parent of parents) {
    const pk = parsePrefix(parent);
    if (!pk) continue;
    const got = await all(`/api/v1/rib?prefix=${encodeURIComponent(parent)}&match=more-specific&limit=7`, 'routes');
    const want = routes.filter((m) => {
      const k = parsePrefix(m.prefix);
      return k !== undefined && prefixContains(pk, k);
    });
    assert.ok(want.length > 0, parent);
    assert.deepEqual(got.map(routeKey).sort(), want.map(modelKey).sort(), `more-specific ${parent}`);
  }
});

void test('GET /rib filters: router, peer, view, AFI/SAFI, community, origin AS', { skip }, async () => {
  const routes = ipRoutes();
  const withComm = routes.find((m) => m.attrs.communities.length > 0) ?? routes[0];
  assert.ok(withComm);
  const k = parsePrefix(withComm.prefix);
  assert.ok(k);
  const parent = k.family === 4 ? `${withComm.prefix.split('.')[0] ?? ''}.0.0.0/8` : formatPrefix({ ...k, length: 16 });
  const pk = parsePrefix(parent);
  assert.ok(pk);
  const inside = routes.filter((m) => {
    const x = parsePrefix(m.prefix);
    return x !== undefined && prefixContains(pk, x);
  });
  const origin = withComm.attrs.as_path.at(-1);
  const checks: [string, (m: ModelRoute) => boolean][] = [
    [`router=${withComm.router}`, (m) => m.router === withComm.router],
    [`peer=${withComm.peer.address}`, (m) => m.peer.address === withComm.peer.address],
    [`view=${withComm.view}`, (m) => m.view === withComm.view],
    [`afi_safi=${withComm.afi_safi}`, (m) => m.afi_safi === withComm.afi_safi],
  ];
  if (withComm.attrs.communities[0] !== undefined) checks.push([`community=${withComm.attrs.communities[0]}`, (m) => m.attrs.communities.includes(withComm.attrs.communities[0] ?? '')]);
  if (typeof origin === 'number') checks.push([`origin_as=AS${origin}`, (m) => m.attrs.as_path.at(-1) === origin]);
  for (const [q, keep] of checks) {
    const got = await all(`/api/v1/rib?prefix=${encodeURIComponent(parent)}&match=more-specific&${q.replace(/=(.*)$/, (_, v: string) => `=${encodeURIComponent(v)}`)}`, 'routes');
    assert.deepEqual(got.map(routeKey).sort(), inside.filter(keep).map(modelKey).sort(), q);
  }
});

void test('GET /history: every announcement and withdrawal of a prefix, in order, paginated', { skip }, async () => {
  const events = new Map<string, RouteRecord[]>();
  for (const r of records) {
    if (r.type !== 'route') continue;
    for (const p of [...r.announced, ...r.withdrawn]) {
      if (parsePrefix(p.prefix) === undefined || r.afi_safi !== 'ipv4-unicast' && r.afi_safi !== 'ipv6-unicast') continue;
      events.set(p.prefix, [...(events.get(p.prefix) ?? []), r]);
    }
  }
  const busiest = [...events.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, 3);
  for (const [prefix, recs] of busiest) {
    const got = (await all(`/api/v1/history?prefix=${encodeURIComponent(prefix)}&limit=2`, 'events')).filter((e) => e['synthetic'] !== true && (e['afi_safi'] === 'ipv4-unicast' || e['afi_safi'] === 'ipv6-unicast'));
    const want = recs.flatMap((r) => [
      ...r.withdrawn.filter((w) => w.prefix === prefix).map(() => `${r.time} ${r.router} ${r.peer.address} ${r.rib} withdraw ${String(r.dump)}`),
      ...r.announced.filter((a) => a.prefix === prefix).map(() => `${r.time} ${r.router} ${r.peer.address} ${r.rib} announce ${String(r.dump)}`),
    ]);
    assert.deepEqual(got.map((e) => `${String(e['time'])} ${String(e['router'])} ${String(e['peer'])} ${String(e['view'])} ${String(e['action'])} ${String(e['dump'])}`).sort(), want.sort(), prefix);
  }
  const r = await get('/api/v1/history?prefix=10.0.0.0/8&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z');
  assert.equal(r.status, 400);
  assert.equal(r.body['code'], 'RW_API_RANGE_TOO_WIDE');
});

void test('GET /flaps: live changes per prefix and per peer, dumps excluded, session downs counted', { skip }, async () => {
  const per = new Map<string, { a: number; w: number }>();
  const perPeer = new Map<string, { a: number; w: number }>();
  for (const r of records) {
    if (r.type !== 'route' || r.dump) continue;
    for (const [list, field] of [[r.announced, 'a'], [r.withdrawn, 'w']] as const) {
      for (const p of list) {
        const k = `${p.prefix} ${r.router} ${r.peer.address} ${r.rib} ${r.afi_safi}`;
        const c = per.get(k) ?? { a: 0, w: 0 };
        c[field]++;
        per.set(k, c);
        const pk = `${r.router} ${r.peer.address}`;
        const pc = perPeer.get(pk) ?? { a: 0, w: 0 };
        pc[field]++;
        perPeer.set(pk, pc);
      }
    }
  }
  assert.ok(per.size > 0, 'the replay has live (non-dump) changes');
  const got = await all('/api/v1/flaps/prefixes?window=2h&limit=50', 'prefixes');
  const have = new Map(got.map((g) => [`${String(g['prefix'])} ${String(g['router'])} ${String(g['peer'])} ${String(g['view'])} ${String(g['afi_safi'])}`, { a: Number(g['announcements']), w: Number(g['withdrawals']) }]));
  for (const [k, c] of per) assert.deepEqual(have.get(k), c, k);
  const ranks = got.map((g) => Number(g['changes']));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a), 'ranked by changes');
  const peers = await all('/api/v1/flaps/peers?window=2h', 'peers');
  for (const [k, c] of perPeer) {
    const p = peers.find((x) => `${String(x['router'])} ${String(x['peer'])}` === k);
    assert.deepEqual({ a: p?.['announcements'], w: p?.['withdrawals'] }, { a: c.a, w: c.w }, k);
  }
  const downs = records.filter((r) => r.type === 'peer_down');
  assert.equal(peers.reduce((n, p) => n + Number(p['session_downs']), 0), downs.length);
});

void test('alerts and silences: reads from the store, writes through the lifecycle, admin only', { skip }, async () => {
  assert.equal((await get('/api/v1/alerts/abc')).status, 404);
  assert.equal((await get('/api/v1/alerts/abc/acknowledge', READ, { method: 'POST' })).status, 403);
  const ack = await get('/api/v1/alerts/abc/acknowledge', ADMIN, { method: 'POST' });
  assert.equal(ack.status, 200);
  assert.deepEqual(acks, ['abc by api.token']);
  assert.equal((await get('/api/v1/alerts/resolved-1/acknowledge', ADMIN, { method: 'POST' })).body['code'], 'RW_API_CONFLICT');
  const body = JSON.stringify({ matchers: { router: 'leaf1' }, ends_at: new Date(Date.now() + 3_600_000).toISOString(), reason: 'maintenance' });
  assert.equal((await get('/api/v1/silences', READ, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status, 403);
  const made = await get('/api/v1/silences', ADMIN, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body['reason'], 'maintenance');
  assert.equal((await get(`/api/v1/silences/${String(made.body['id'])}`, ADMIN, { method: 'DELETE' })).status, 204);
  assert.equal((await get('/api/v1/silences/nope', ADMIN, { method: 'DELETE' })).status, 404);
  const bad = await get('/api/v1/silences', ADMIN, { method: 'POST', body: JSON.stringify({ matchers: {}, ends_at: 'x', reason: '' }), headers: { 'content-type': 'application/json' } });
  assert.equal(bad.status, 400);
  const big = await get('/api/v1/silences', ADMIN, { method: 'POST', body: JSON.stringify({ matchers: { router: 'x' }, ends_at: '2030-01-01T00:00:00Z', reason: 'x'.repeat(100_000) }), headers: { 'content-type': 'application/json' } });
  assert.equal(big.status, 413);
  assert.equal(big.body['code'], 'RW_API_BODY_TOO_LARGE');
});

void test('alerts as the analyzer stores them: listed by status and kind, newest change first, one by id; leaks view', { skip }, async () => {
  const now = Date.now();
  const row = (id: string, kind: string, status: string, version: number, updatedMs: number): Record<string, unknown> => ({
    id,
    version,
    kind,
    alert_key: `${kind}|10.244.3.0/24`,
    severity: 'critical',
    peak_severity: 'critical',
    status,
    subject: { router: 'leaf1', peer: '10.0.0.2', prefix: '10.244.3.0/24' },
    router: 'leaf1',
    peer: '10.0.0.2',
    prefix: '10.244.3.0/24',
    cluster: 'prod',
    node: '',
    afi_safi: 'ipv4-unicast',
    routers: ['leaf1', 'leaf2'],
    peers: ['10.0.0.2'],
    summary: `${kind} of 10.244.3.0/24 seen at leaf1`,
    next_step: 'check the export policy of leaf1',
    facts: JSON.stringify({ as_path: '64512 65001', count: 3 }),
    observers: '[]',
    observations: 3,
    events: 3,
    opened_at: new Date(now - 600_000).toISOString().replace('T', ' ').replace('Z', ''),
    updated_at: new Date(updatedMs).toISOString().replace('T', ' ').replace('Z', ''),
    last_active_at: new Date(updatedMs).toISOString().replace('T', ' ').replace('Z', ''),
    resolved_at: status === 'resolved' ? new Date(updatedMs).toISOString().replace('T', ' ').replace('Z', '') : null,
    acknowledged_at: null,
    acknowledged_by: '',
    escalated_at: null,
    silenced_by: [],
    reopened_from: '',
    last_notified_at: null,
    channels: '{}',
  });
  await store?.insert('alerts', [
    row('a1', 'pod-cidr-leak', 'open', 1, now - 300_000),
    row('a1', 'pod-cidr-leak', 'open', 2, now - 60_000),
    row('a2', 'prefix-flap', 'open', 1, now - 120_000),
    row('a3', 'session-flap', 'resolved', 1, now - 30_000),
  ]);
  const open = await all('/api/v1/alerts?status=open&limit=1', 'alerts');
  assert.deepEqual(open.map((a) => a['id']), ['a1', 'a2'], 'newest change first, one row per id (latest version)');
  const a1 = open[0] ?? {};
  assert.equal(a1['kind'], 'pod-cidr-leak');
  assert.equal(a1['severity'], 'critical');
  assert.equal(a1['status'], 'open');
  assert.deepEqual(a1['subject'], { router: 'leaf1', peer: '10.0.0.2', prefix: '10.244.3.0/24' });
  assert.equal(a1['updated_at'], new Date(now - 60_000).toISOString());
  assert.equal(a1['opened_at'], new Date(now - 600_000).toISOString());
  assert.deepEqual(a1['facts'], { as_path: '64512 65001', count: 3 });
  assert.equal(typeof a1['summary'], 'string');
  assert.deepEqual((await all('/api/v1/alerts?kind=prefix-flap', 'alerts')).map((a) => a['id']), ['a2']);
  assert.deepEqual((await all('/api/v1/alerts?status=resolved', 'alerts')).map((a) => a['id']), ['a3']);
  assert.deepEqual((await all('/api/v1/alerts?peer=10.0.0.2&prefix=10.244.3.0/24', 'alerts')).map((a) => a['id']), ['a3', 'a1', 'a2']);
  assert.equal((await get('/api/v1/alerts/a2')).body['kind'], 'prefix-flap');
  assert.deepEqual((await all('/api/v1/analysis/leaks', 'alerts')).map((a) => a['id']), ['a1']);
});

void test('auth: probes need no token; no token or a wrong one is 401; a read token on admin routes is 403', { skip }, async () => {
  assert.equal((await get('/healthz', null)).status, 200);
  const ready = await get('/readyz', null);
  assert.deepEqual([ready.status, ready.body['status']], [200, 'ok']);
  assert.match(String((await get('/metrics', null)).body['text']), /ribwatch_api_requests_total/);
  assert.equal((await get('/docs/json', null)).status, 200);
  for (const path of ['/api/v1/peers', '/api/v1/routers', '/api/v1/rib?prefix=10.0.0.0/8', '/api/v1/alerts']) {
    const none = await get(path, null);
    assert.deepEqual([none.status, none.body['code']], [401, 'RW_API_UNAUTHENTICATED'], path);
    const wrong = await get(path, 'not-a-token');
    assert.deepEqual([wrong.status, wrong.body['code']], [401, 'RW_API_UNAUTHENTICATED'], path);
  }
  const put = await get('/api/v1/peers', READ, { method: 'PUT' });
  assert.deepEqual([put.status, put.body['code']], [405, 'RW_API_METHOD_NOT_ALLOWED']);
  assert.equal((await get('/api/v1/nothing-here')).body['code'], 'RW_API_NOT_FOUND');
  for (const [method, path] of [['POST', '/api/v1/alerts/x/acknowledge'], ['POST', '/api/v1/silences'], ['DELETE', '/api/v1/silences/x']] as const) {
    const r = await get(path, READ, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
    assert.deepEqual([r.status, r.body['code']], [403, 'RW_API_FORBIDDEN'], path);
  }
});

void test('injection attempts in every parameter are 400s that say what is wrong; the tables are untouched', { skip }, async () => {
  const before = await store?.query<{ n: string }>('SELECT count() AS n FROM rib', {});
  const evil = ["'", "10.0.0.0/8'; DROP TABLE rib; --", "' OR '1'='1", '١٢٣٤', '\u0000', '99999999999999999999999', '-1', 'x'.repeat(5000), '%00', '{p:String}', '../../etc/passwd'];
  const routes: [string, string[], Record<string, string>][] = [
    ['/api/v1/rib', ['prefix', 'match', 'router', 'peer', 'view', 'afi_safi', 'community', 'origin_as', 'limit', 'cursor'], { prefix: '10.0.0.0/8', match: 'more-specific' }],
    ['/api/v1/history', ['prefix', 'from', 'to', 'router', 'peer', 'view', 'afi_safi', 'limit', 'cursor'], { prefix: '10.0.0.0/8' }],
    ['/api/v1/peers', ['router', 'peer', 'state', 'limit', 'cursor'], {}],
    ['/api/v1/routers', ['router', 'limit', 'cursor'], {}],
    ['/api/v1/flaps/prefixes', ['window', 'router', 'peer', 'view', 'afi_safi', 'limit', 'cursor'], {}],
    ['/api/v1/flaps/peers', ['window', 'router', 'peer', 'limit', 'cursor'], {}],
    ['/api/v1/alerts', ['status', 'kind', 'severity', 'router', 'peer', 'prefix', 'cluster', 'limit', 'cursor'], {}],
    ['/api/v1/silences', ['limit', 'cursor'], {}],
    ['/api/v1/analysis/prefix-limits', ['router', 'limit', 'cursor'], {}],
  ];
  let n = 0;
  for (const [path, params, base] of routes) {
    for (const param of params) {
      for (const v of evil) {
        // '-1' is a valid window/limit-free value only where it parses; everything here must be refused.
        const q = new URLSearchParams({ ...base, [param]: v });
        const r = await get(`${path}?${q.toString()}`);
        n++;
        // Alert router and cluster filters are names (inventory), not addresses: a plain name that matches nothing is a 200.
        if (path === '/api/v1/alerts' && (param === 'router' || param === 'cluster') && /^[A-Za-z0-9_.-]{1,64}$/.test(v)) {
          assert.deepEqual(r.body, { alerts: [], next: null });
          continue;
        }
        assert.equal(r.status, 400, `${path} ${param}=${JSON.stringify(v.slice(0, 40))}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        assert.match(String(r.body['code']), /^RW_API_/);
        assert.ok(String(r.body['message']).length > 0);
        assert.doesNotMatch(String(r.body['message']), /SELECT|FROM rib|ClickHouse/i);
      }
    }
  }
  for (const id of ["x'; DROP TABLE alerts; --", 'a'.repeat(300), '..%2F..%2Fetc']) {
    const r = await get(`/api/v1/alerts/${encodeURIComponent(id)}`);
    assert.ok(r.status === 400 || r.status === 404, `${id}: ${r.status}`);
  }
  assert.ok(n > 500);
  assert.deepEqual(await store?.query<{ n: string }>('SELECT count() AS n FROM rib', {}), before);
});

void test('OpenAPI: every route is documented with its parameters and its response schemas, shared by $id', { skip }, async () => {
  const doc = (await get('/docs/json', null)).body as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
  assert.match(doc.openapi, /^3\./);
  for (const p of ['/api/v1/routers', '/api/v1/peers', '/api/v1/rib', '/api/v1/history', '/api/v1/flaps/prefixes', '/api/v1/flaps/peers', '/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/acknowledge', '/api/v1/silences', '/api/v1/silences/{id}', '/api/v1/analysis/leaks', '/api/v1/analysis/dampening', '/api/v1/analysis/prefix-limits', '/healthz', '/readyz', '/metrics']) {
    assert.ok(doc.paths[p], `${p} is not in the OpenAPI document`);
  }
  for (const id of ['Route', 'RouteList', 'Peer', 'PeerList', 'Router', 'History', 'Alert', 'Silence', 'Error', 'Attributes']) assert.ok(doc.components.schemas[id], `components.schemas.${id}`);
});

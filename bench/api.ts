/**
 * `npm run bench:api`: the REST API on the embedded store (chDB) under load. A benchmark, not a
 * test: it prints numbers (and writes .scratch/bench/api-results.json).
 *
 * The store holds a full Internet-sized RIB — 1,000,000 IPv4 /24s plus 3,907 covering /16s and
 * 230,000 IPv6 /48s (1.23M prefixes), announced by one peer of one router as a dump a day ago —
 * plus a day of live churn (--churn, default 1,000,000 announcements and withdrawals of random
 * IPv4 prefixes, spread over the last 24 h) and 50 more peers. Rows are made in ClickHouse with
 * INSERT … SELECT FROM numbers() into route_updates, so the materialized views fill rib and the
 * churn rollup exactly as the writer's inserts do; peer_prefix_counts gets one snapshot.
 *
 * Then autocannon on 127.0.0.1, each scenario bounded in time (--seconds, default 10), every
 * request a different prefix: RIB exact, longest (an address, one router), more-specific (a /20,
 * one router), the peer list, a prefix's history over 24 h. Targets: RIB lookups p99 ≤ 50 ms,
 * ≥ 1000 requests/s.
 *
 * Options: --seconds N  --connections N (default 16)  --churn N  --v4 N  --v6 N  --keep
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startApi } from '../api/index.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../telemetry/log.js';
import { migrate } from '../store/migrate.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    churn: { type: 'string', default: '1000000' },
    v4: { type: 'string', default: '1000000' },
    v6: { type: 'string', default: '230000' },
    keep: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const V4 = Number(args.v4);
const V6 = Number(args.v6);
const CHURN = Number(args.churn);
const ROUTER = '10.255.0.1';
const PEER = '10.255.0.2';
const TOKEN = 'bench-token-0123456789';

const ATTRS = `'igp' AS origin, [64512, 3356, toUInt32(64496 + number % 1000)] AS as_path, '' AS as_path_json, toUInt32(64496 + number % 1000) AS origin_as,
  '10.255.0.2' AS next_hop, CAST(NULL AS Nullable(UInt32)) AS med, CAST(100 AS Nullable(UInt32)) AS local_pref,
  if(number % 10 = 0, ['64512:100', 'NO_EXPORT'], ['64512:200']) AS communities, CAST([] AS Array(String)) AS large_communities,
  CAST([] AS Array(String)) AS ext_communities, '' AS extra`;

function peerCols(peer: string, asn: number, rib: string, afi: string): string {
  return `'${ROUTER}' AS router, 'bench' AS session, number AS seq, time AS router_time, '${peer}' AS peer_address, toUInt32(${asn}) AS peer_asn,
    '${peer}' AS peer_bgp_id, 'global' AS peer_type, '' AS peer_rd, '${rib}' AS rib, '${afi}' AS afi_safi`;
}

async function load(store: Store): Promise<void> {
  const t0 = Date.now();
  const day = 86_400;
  const cols = 'time, router, session, seq, router_time, peer_address, peer_asn, peer_bgp_id, peer_type, peer_rd, rib, afi_safi, prefix, rd, path_id, labels, action, dump, synthetic, origin, as_path, as_path_json, origin_as, next_hop, med, local_pref, communities, large_communities, ext_communities, extra';
  const dumpTime = `toDateTime64(now() - ${day + 600}, 3, 'UTC') + toIntervalMillisecond(number % 600000) AS time`;
  const settings = { max_insert_block_size: '1048576' };
  // IPv4 /24s from 1.0.0.0 on, and a /16 over every 256 of them.
  await store.command(
    `INSERT INTO route_updates (${cols}) SELECT ${dumpTime}, ${peerCols(PEER, 64512, 'adj-in-post', 'ipv4-unicast')},
       concat(IPv4NumToString(toUInt32(16777216 + number * 256)), '/24') AS prefix, '' AS rd, 0 AS path_id, CAST([] AS Array(UInt32)) AS labels,
       'announce' AS action, 1 AS dump, 0 AS synthetic, ${ATTRS} FROM numbers(${V4})`,
    undefined,
    settings,
  );
  await store.command(
    `INSERT INTO route_updates (${cols}) SELECT ${dumpTime}, ${peerCols(PEER, 64512, 'adj-in-post', 'ipv4-unicast')},
       concat(IPv4NumToString(toUInt32(16777216 + number * 65536)), '/16') AS prefix, '' AS rd, 0 AS path_id, CAST([] AS Array(UInt32)) AS labels,
       'announce' AS action, 1 AS dump, 0 AS synthetic, ${ATTRS} FROM numbers(${Math.ceil(V4 / 256)})`,
  );
  // IPv6 /48s: 2a00:X:Y::/48, text made canonical by ClickHouse (checked against the API's below).
  await store.command(
    `INSERT INTO route_updates (${cols}) SELECT ${dumpTime}, ${peerCols(PEER, 64512, 'adj-in-post', 'ipv6-unicast')},
       concat(IPv6NumToString(IPv6StringToNum(concat('2a00:', hex(toUInt16(intDiv(number, 65536) + 1)), ':', hex(toUInt16(number % 65536)), '::'))), '/48') AS prefix,
       '' AS rd, 0 AS path_id, CAST([] AS Array(UInt32)) AS labels, 'announce' AS action, 1 AS dump, 0 AS synthetic, ${ATTRS} FROM numbers(${V6})`,
    undefined,
    settings,
  );
  const tDump = Date.now();
  // A day of churn: random /24s of the table, withdrawn and announced again, spread over 24 h.
  await store.command(
    `INSERT INTO route_updates (${cols}) SELECT toDateTime64(now() - ${day}, 3, 'UTC') + toIntervalMillisecond(intDiv(number * ${day * 1000}, ${CHURN})) AS time,
       ${peerCols(PEER, 64512, 'adj-in-post', 'ipv4-unicast').replace('number AS seq', `number + ${V4 + V6 + 10} AS seq`)},
       concat(IPv4NumToString(toUInt32(16777216 + (cityHash64(intDiv(number, 2)) % ${Math.min(V4, 20000)}) * 256)), '/24') AS prefix,
       '' AS rd, 0 AS path_id, CAST([] AS Array(UInt32)) AS labels, if(number % 2 = 0, 'withdraw', 'announce') AS action, 0 AS dump, 0 AS synthetic, ${ATTRS}
     FROM numbers(${CHURN})`,
    undefined,
    settings,
  );
  const tChurn = Date.now();
  // 50 more peers (a leaf's worth), each up with a few routes.
  for (let i = 0; i < 50; i++) {
    const peer = `10.254.${i}.2`;
    await store.command(
      `INSERT INTO peer_events (time, router, session, seq, router_time, event, peer_address, peer_asn, peer_bgp_id, peer_type, peer_rd)
       VALUES (now64(3) - 3600, '${ROUTER}', 'bench', ${i}, now64(3) - 3600, 'up', '${peer}', ${65000 + i}, '${peer}', 'global', '')`,
    );
    await store.command(
      `INSERT INTO route_updates (${cols}) SELECT ${dumpTime}, ${peerCols(peer, 65000 + i, 'adj-in-pre', 'ipv4-unicast')},
         concat('10.', toString(100 + ${i % 100}), '.', toString(number), '.0/24') AS prefix, '' AS rd, 0 AS path_id, CAST([] AS Array(UInt32)) AS labels,
         'announce' AS action, 1 AS dump, 0 AS synthetic, ${ATTRS} FROM numbers(20)`,
    );
  }
  await store.command(
    `INSERT INTO peer_events (time, router, session, seq, router_time, event, peer_address, peer_asn, peer_bgp_id, peer_type, peer_rd)
     VALUES (now64(3) - ${day + 700}, '${ROUTER}', 'bench', 100, now64(3) - ${day + 700}, 'up', '${PEER}', 64512, '${PEER}', 'global', '')`,
  );
  await store.command(`INSERT INTO routers (time, router, session, seq, event, sys_name) VALUES (now64(3) - ${day + 800}, '${ROUTER}', 'bench', 0, 'up', ''), (now64(3) - ${day + 800}, '${ROUTER}', 'bench', 1, 'init', 'bench-leaf1')`);
  await store.command(
    `INSERT INTO peer_prefix_counts SELECT now64(3), router, peer_type, peer_rd, peer_address, any(peer_asn), rib, afi_safi, count(), countIf(stale = 1)
     FROM rib FINAL WHERE is_withdrawn = 0 GROUP BY router, peer_type, peer_rd, peer_address, rib, afi_safi`,
  );
  // Background merges would get here on their own over the day; do it now so the numbers are the steady state's.
  await store.command('OPTIMIZE TABLE rib FINAL');
  const tEnd = Date.now();
  const [ribRows] = await store.query<{ n: string }>('SELECT count() AS n FROM rib FINAL WHERE is_withdrawn = 0', {});
  const [hist] = await store.query<{ n: string }>('SELECT count() AS n FROM route_updates', {});
  console.log(`loaded: rib ${ribRows?.n ?? '?'} current routes, route_updates ${hist?.n ?? '?'} rows; dump ${((tDump - t0) / 1000).toFixed(1)} s, churn ${((tChurn - tDump) / 1000).toFixed(1)} s, rest ${((tEnd - tChurn) / 1000).toFixed(1)} s`);
}

const rnd = (n: number): number => Math.floor(Math.random() * n);
const v4Of = (i: number): string => {
  const n = 16777216 + i * 256;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}`;
};

interface Scenario {
  readonly name: string;
  readonly path: () => string;
}

const SCENARIOS: Scenario[] = [
  { name: 'rib exact (/24)', path: () => `/api/v1/rib?prefix=${v4Of(rnd(V4))}.0/24&match=exact` },
  { name: 'rib longest (address, router)', path: () => `/api/v1/rib?prefix=${v4Of(rnd(V4))}.${rnd(256)}&match=longest&router=${ROUTER}` },
  { name: 'rib more-specific (/20, router)', path: () => `/api/v1/rib?prefix=${v4Of(rnd(V4) & ~15)}.0/20&match=more-specific&router=${ROUTER}` },
  { name: 'rib longest (IPv6 address)', path: () => `/api/v1/rib?prefix=2a00:${(Math.floor(rnd(V6) / 65536) + 1).toString(16)}:${(rnd(V6) % 65536).toString(16)}::1&match=longest` },
  { name: 'peers (51)', path: () => '/api/v1/peers' },
  { name: 'prefix history (24 h)', path: () => `/api/v1/history?prefix=${v4Of(rnd(Math.min(V4, 20000)))}.0/24` },
];

interface Result {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

async function run(url: string, s: Scenario, connections: number, seconds: number): Promise<Result> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: s.path() }) }],
  });
  return { name: s.name, requests: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, non2xx: r.non2xx, errors: r.errors };
}

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-bench-api-'));
const store = await openStore({ kind: 'embedded', dataDir: join(dir, 'data'), database: 'rw_bench' });
try {
  await migrate(store);
  console.log(`bench:api — ${V4} IPv4 + ${Math.ceil(V4 / 256)} /16 + ${V6} IPv6 prefixes, ${CHURN} churn rows; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  await load(store);
  const { config } = loadConfig({ env: { RIBWATCH_API_TOKEN: TOKEN, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0', RIBWATCH_API_MAX_RESULTS: '1000' } });
  const api = await startApi({ store, config, log: createLogger({ level: 'error' }), listen: { host: '127.0.0.1', port: 0 } });
  // The generated IPv6 text must be the API's canonical text, or the v6 scenario measures misses.
  const probe = (await (await fetch(`${api.url}/api/v1/rib?prefix=2a00:1:1::/48`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { routes: unknown[] };
  const hit = (await (await fetch(`${api.url}/api/v1/rib?prefix=${v4Of(5)}.77&match=longest`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { routes: { prefix: string }[] };
  console.log(`probe: 2a00:1:1::/48 → ${probe.routes.length} route(s); longest ${v4Of(5)}.77 → ${hit.routes.map((r) => r.prefix).join(', ')}`);
  const results: Record<string, Result[]> = {};
  // Two passes: one connection (the lookup's own latency) and many (throughput; latency then
  // includes the queue, since the embedded engine runs one query at a time).
  for (const [connections, seconds] of [[1, Math.max(3, Math.round(SECONDS / 2))], [CONNECTIONS, SECONDS]] as const) {
    const list: Result[] = (results[`c${connections}`] = []);
    console.log(`\nautocannon: ${connections} connection(s), ${seconds} s per scenario, 127.0.0.1\n`);
    console.log(`${'scenario'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p90 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'non-2xx'.padStart(8)}`);
    for (const s of SCENARIOS) {
      const r = await run(api.url, s, connections, seconds);
      list.push(r);
      console.log(`${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} ${String(r.p50).padStart(7)} ${String(r.p90).padStart(7)} ${String(r.p99).padStart(7)} ${String(r.max).padStart(7)} ${String(r.non2xx + r.errors).padStart(8)}`);
    }
  }
  // autocannon drops its sockets at the deadline; let the requests already queued on the engine finish.
  await new Promise((r) => setTimeout(r, 3000));
  await api.close();
  const out = join(ROOT, '.scratch', 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'api-results.json'), `${JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, v4: V4, v6: V6, churn: CHURN, results }, null, 2)}\n`);
} finally {
  await store.close();
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}

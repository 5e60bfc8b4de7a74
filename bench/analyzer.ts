/**
 * `npm run bench:analyzer`: the analyzer's stream detectors (all five: prefix-flap, session-flap,
 * rfd, leaks, prefix-limit) and the detection path. A benchmark, not a test: it prints numbers.
 *
 *   (a) throughput: a full-table dump (default 1,000,000 IPv4 prefixes from one peer, records of
 *       --per-record prefixes, adj-in-pre, dump=true) through every detector, then live churn
 *       (--churn single-prefix records alternating withdrawal/re-announcement over the table, as
 *       FRR's BMP sends them) — prefix events per second; record generation is not timed.
 *   (b) state memory: heap after gc with the table tracked, minus before, per tracked key; the
 *       whole set, then each detector alone (the per-key breakdown).
 *   (c) detection latency, BMP message in → webhook received: the in-process stack of the
 *       scenario tests (collector on 127.0.0.1, memory bus with the production batching of 1 s,
 *       detectors, AlertManager ticking every 1 s, squash 0, Slack webhook → a local HTTP server)
 *       while a BMP "router" over TCP churns at --rate messages/s; every --probe-ms a probe (a
 *       /32 pod IP, a new pod-cidr-leak each time) is written and timed to its Slack post.
 *
 * Options: --prefixes N  --per-record N  --churn N  --rate N  --probes N  --probe-ms N
 *          --only throughput,memory,latency
 * Targets (issue 4, to report, not gates): ≥ 500k events/s, ≤ 200 bytes per idle tracked key,
 * p99 ≤ 2 s.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DetectorSet } from '../analyzer/detectors/index.js';
import type { DetectorsOptions } from '../analyzer/detectors/index.js';
import { parseInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/inventory.js';
import type { BusRecord, PeerRef, RouteAttributes, RouteRecord } from '../records/types.js';
import { getGc } from '../test/fuzz/engine.js';
import { AnalyzerStack, parseSlack } from '../test/live/scenario-stack.js';
import { announce4, endOfRib, initiation, peer, peerUp, withdraw4 } from '../test/unit/collector-helpers.js';

const { values: args } = parseArgs({
  options: {
    prefixes: { type: 'string', default: '1000000' },
    'per-record': { type: 'string', default: '1' },
    churn: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '2000' },
    probes: { type: 'string', default: '25' },
    'probe-ms': { type: 'string', default: '1200' },
    only: { type: 'string', default: 'throughput,memory,latency' },
  },
});
const N = Number(args.prefixes);
const PER = Math.max(1, Number(args['per-record']));
const CHURN = Number(args.churn);
const only = new Set(args.only.split(','));
const gc = getGc();

const INVENTORY = `
clusters:
  - name: prod
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    loadBalancerPools: [172.16.0.0/24]
    egressIPs: []
    policy: { advertisePodCIDRs: true, advertiseServiceCIDRs: false, noExportOnLoadBalancer: false }
    nodes:
      - { name: node1, address: 127.0.10.2, asn: 64512, podCIDRs: [10.244.1.0/24] }
      - { name: node2, address: 127.0.10.3, asn: 64513, podCIDRs: [10.244.2.0/24] }
routers:
  - name: leaf1
    sysName: bench-leaf
    role: leaf
    asn: 65001
    peers:
      - { address: 127.0.10.2, maxPrefix: { ipv4-unicast: 2000000 }, dampening: cisco }
      - { address: 127.0.10.9, maxPrefix: { ipv4-unicast: 2000000 }, dampening: cisco, external: true }
`;

// ---- synthetic records ---------------------------------------------------------------------------

const PEER: PeerRef = { address: '127.0.10.9', asn: 64999, bgp_id: '10.0.0.9', type: 'global', rd: null };
const ROUTER = '127.0.0.1';
const SESSION = 'bench-session';
const BASE_MS = Date.parse('2026-11-21T12:00:00.000Z');

/** Prefix i of the table: distinct /24s in 11.0.0.0 – 26.255.255.0 (outside every cluster range). */
const prefixOf = (i: number): string => `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;

function attrs(i: number): RouteAttributes {
  return {
    origin: 'igp',
    as_path: [64999, 3356, 1299 + (i % 7), 20000 + (i % 50)],
    next_hop: '10.0.0.9',
    med: null,
    local_pref: null,
    atomic_aggregate: false,
    aggregator: null,
    communities: ['64999:100'],
    large_communities: [],
    ext_communities: [],
    originator_id: null,
    cluster_list: [],
    other: [],
  };
}
/** Attribute sets shared among prefixes (as in a real table: 3.3 prefixes per set on average). */
const ATTRS = Array.from({ length: 64 }, (_, i) => attrs(i));

let seq = 0;
function routeRecord(ms: number, announced: string[], withdrawn: string[], dump: boolean, a: RouteAttributes | null): RouteRecord {
  return {
    v: 1,
    type: 'route',
    router: ROUTER,
    session: SESSION,
    seq: ++seq,
    time: new Date(ms).toISOString(),
    peer: PEER,
    rib: 'adj-in-pre',
    afi_safi: 'ipv4-unicast',
    router_time: new Date(ms).toISOString(),
    attributes: a,
    announced: announced.map((prefix) => ({ prefix, path_id: null })),
    withdrawn: withdrawn.map((prefix) => ({ prefix, path_id: null })),
    dump,
  };
}

function preamble(): BusRecord[] {
  const t = new Date(BASE_MS).toISOString();
  const open = { asn: 65001, bgp_id: '10.0.0.1', hold_time: 90, families: ['ipv4-unicast'], four_octet_as: true, add_path: {}, capabilities: [1, 65], hostname: null };
  return [
    { v: 1, type: 'router_up', router: ROUTER, session: SESSION, seq: ++seq, time: t, remote_port: 40000, local: '127.0.0.1:11019' } as unknown as BusRecord,
    { v: 1, type: 'router_init', router: ROUTER, session: SESSION, seq: ++seq, time: t, sys_name: 'bench-leaf', sys_descr: 'bench', info: [] } as unknown as BusRecord,
    {
      v: 1,
      type: 'peer_up',
      router: ROUTER,
      session: SESSION,
      seq: ++seq,
      time: t,
      peer: PEER,
      router_time: t,
      local_address: '127.0.10.1',
      local_port: 179,
      remote_port: 40001,
      sent_open: open,
      received_open: { ...open, asn: PEER.asn, bgp_id: PEER.bgp_id },
      info: [],
      reset: false,
    } as unknown as BusRecord,
  ];
}

/** The dump in batches of ~1000 records (built lazily, so memory holds one batch). */
function* dumpBatches(n: number, per: number): Generator<BusRecord[]> {
  let batch: BusRecord[] = [];
  for (let i = 0; i < n; i += per) {
    const ps: string[] = [];
    for (let j = i; j < Math.min(n, i + per); j++) ps.push(prefixOf(j));
    batch.push(routeRecord(BASE_MS + 1000 + Math.floor(i / 1000), ps, [], true, ATTRS[(i / per) % ATTRS.length] ?? null));
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function endOfRibRecord(ms: number): BusRecord {
  const t = new Date(ms).toISOString();
  return { v: 1, type: 'end_of_rib', router: ROUTER, session: SESSION, seq: ++seq, time: t, peer: PEER, rib: 'adj-in-pre', afi_safi: 'ipv4-unicast', router_time: t };
}

/** Live churn: event k withdraws or re-announces prefix (k·7919 mod n); 1 ms apart. */
function* churnBatches(n: number, events: number, startMs: number): Generator<BusRecord[]> {
  let batch: BusRecord[] = [];
  const seenOnce = new Uint8Array(n);
  for (let k = 0; k < events; k++) {
    const i = (k * 7919) % n;
    const p = prefixOf(i);
    const wasWithdrawn = (seenOnce[i] ?? 0) & 1;
    seenOnce[i] = (seenOnce[i] ?? 0) + 1;
    batch.push(wasWithdrawn ? routeRecord(startMs + k, [p], [], false, ATTRS[i % ATTRS.length] ?? null) : routeRecord(startMs + k, [], [p], false, null));
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const prefixEvents = (b: readonly BusRecord[]): number => b.reduce((s, r) => s + (r.type === 'route' ? r.announced.length + r.withdrawn.length : 0), 0);

// ---- (a) throughput -------------------------------------------------------------------------------

interface Pass {
  readonly events: number;
  /** Wall time inside the detectors. */
  readonly seconds: number;
  /** This process's CPU time (user + system) over the same spans: on a loaded machine the fairer figure. */
  readonly cpuSeconds: number;
  readonly observations: number;
}

function feed(d: DetectorSet, batches: Iterable<BusRecord[]>): Pass {
  let events = 0;
  let ns = 0n;
  let observations = 0;
  let cpuUs = 0;
  for (const b of batches) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const r of b) observations += d.onRecord(r).length;
    ns += process.hrtime.bigint() - t0;
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    events += prefixEvents(b);
  }
  return { events, seconds: Number(ns) / 1e9, cpuSeconds: cpuUs / 1e6, observations };
}

const inventory = (): Inventory => parseInventory(INVENTORY, 'bench-inventory.yaml');
const rate = (p: Pass): string =>
  `${Math.round(p.events / p.seconds).toLocaleString('en-US')} events/s wall, ${Math.round(p.events / p.cpuSeconds).toLocaleString('en-US')} per CPU-second (${p.events.toLocaleString('en-US')} in ${p.seconds.toFixed(2)} s wall, ${p.cpuSeconds.toFixed(2)} s CPU, ${p.observations} observations)`;

function throughput(): Record<string, unknown> {
  const d = new DetectorSet(inventory(), { clock: () => BASE_MS + 3_600_000 });
  for (const r of preamble()) d.onRecord(r);
  const dump = feed(d, dumpBatches(N, PER));
  d.onRecord(endOfRibRecord(BASE_MS + 2_000_000));
  const churn = feed(d, churnBatches(N, CHURN, BASE_MS + 2_100_000));
  const t0 = process.hrtime.bigint();
  const ticked = d.tick(BASE_MS + 2_100_000 + CHURN + 1000).length;
  const tickS = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`(a) throughput, all detectors, ${N.toLocaleString('en-US')} prefixes in records of ${PER}`);
  console.log(`    dump:  ${rate(dump)}`);
  console.log(`    churn: ${rate(churn)}`);
  console.log(`    one tick over the state: ${tickS.toFixed(3)} s (${ticked} observations); keys ${JSON.stringify(d.stateSizes())}`);
  return { dump, churn, tickSeconds: tickS, keys: d.stateSizes() };
}

// ---- (b) state memory -----------------------------------------------------------------------------

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function memoryOf(label: string, opts: DetectorsOptions): { label: string; keys: number; bytes: number; perKey: number } {
  let d: DetectorSet | undefined = new DetectorSet(inventory(), { ...opts, clock: () => BASE_MS + 3_600_000 });
  const before = heap();
  for (const r of preamble()) d.onRecord(r);
  feed(d, dumpBatches(N, PER));
  d.onRecord(endOfRibRecord(BASE_MS + 2_000_000));
  const after = heap();
  const keys = d.stateSize();
  d = undefined;
  const bytes = after - before;
  return { label, keys, bytes, perKey: keys > 0 ? bytes / keys : 0 };
}

function memory(): Record<string, unknown> {
  if (!gc) console.log('    (no gc exposed: run with node --expose-gc for meaningful numbers)');
  const off = { enabled: false } as const;
  const all: DetectorsOptions = {};
  const alone = (k: keyof Omit<DetectorsOptions, 'clock'>): DetectorsOptions => ({ prefixFlap: off, sessionFlap: off, dampening: off, leaks: off, prefixLimit: off, [k]: {} });
  const rows = [
    memoryOf('all detectors', all),
    memoryOf('prefix-flap alone', alone('prefixFlap')),
    memoryOf('dampening alone', alone('dampening')),
    memoryOf('prefix-limit alone', alone('prefixLimit')),
    memoryOf('leaks alone', alone('leaks')),
  ];
  console.log(`(b) state memory after the dump of ${N.toLocaleString('en-US')} prefixes (heap after gc, minus before)`);
  const prefixes = N;
  for (const r of rows) {
    console.log(`    ${r.label.padEnd(20)} ${(r.bytes / 1048576).toFixed(1).padStart(8)} MiB  ${r.keys.toLocaleString('en-US').padStart(10)} keys  ${r.perKey.toFixed(0).padStart(5)} B/key  ${(r.bytes / prefixes).toFixed(0).padStart(5)} B/prefix`);
  }
  return { rows };
}

// ---- (c) detection latency ------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function write(sock: Socket, b: Uint8Array): Promise<void> {
  return new Promise((resolve) => (sock.write(b) ? resolve() : sock.once('drain', resolve)));
}

async function latency(): Promise<Record<string, unknown>> {
  const churnRate = Number(args.rate);
  const probes = Number(args.probes);
  const probeMs = Number(args['probe-ms']);
  const pool = 50_000;
  const stack = await AnalyzerStack.start({
    listen: { host: '127.0.0.1', port: 0 },
    allow: ['127.0.0.0/8'],
    inventory: INVENTORY,
    // The production defaults where they set the pace: bus batches of up to 1 s, alert tick 1 s.
    maxWaitMs: 1000,
    tickMs: 1000,
    alerts: { squashSeconds: 0 },
  });
  const node1 = peer('127.0.10.2', 64512);
  const sock = connect(stack.address.port, stack.address.host);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.setNoDelay(true);
  try {
    await write(sock, initiation('bench-leaf'));
    await write(sock, peerUp(node1));
    for (let i = 0; i < pool; i++) await write(sock, announce4(node1, prefixOf(i)));
    await write(sock, endOfRib(node1));
    // Wait for the analyzer to have the initial table.
    for (let i = 0; i < 600 && stack.records.filter((r) => r.type === 'end_of_rib').length === 0; i++) await sleep(100);

    const sent = new Map<string, number>();
    let k = 0;
    let stop = false;
    const startChurn = Date.now();
    const churn = (async () => {
      const tickMs = 10;
      const perTick = Math.max(1, Math.round((churnRate * tickMs) / 1000));
      let next = Date.now();
      while (!stop) {
        for (let j = 0; j < perTick; j++, k++) {
          const i = (k * 7919) % pool;
          const withdraw = Math.floor(k / pool) % 2 === 0;
          await write(sock, withdraw ? withdraw4(node1, prefixOf(i)) : announce4(node1, prefixOf(i)));
        }
        next += tickMs;
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();
    await sleep(2000);
    for (let p = 0; p < probes; p++) {
      const prefix = `10.244.1.${p + 1}/32`;
      sent.set(prefix, Date.now());
      await write(sock, announce4(node1, prefix));
      await sleep(probeMs);
    }
    for (let i = 0; i < 100 && got(stack, sent).length < probes; i++) await sleep(100);
    stop = true;
    await churn;
    const churnSeconds = (Date.now() - startChurn) / 1000;
    const lat = got(stack, sent).sort((a, b) => a - b);
    const q = (x: number): number => lat[Math.min(lat.length - 1, Math.ceil(x * lat.length) - 1)] ?? NaN;
    console.log(`(c) detection latency, BMP message in → Slack webhook received, under ${Math.round(k / churnSeconds).toLocaleString('en-US')} churn messages/s (${k.toLocaleString('en-US')} sent)`);
    console.log(`    ${lat.length}/${probes} probes: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat.at(-1)} ms, min ${lat[0]} ms (bus batch ≤ 1 s + alert tick 1 s, squash 0)`);
    console.log(`    records analysed ${stack.records.length.toLocaleString('en-US')}; Slack posts ${stack.slack.requests.length}`);
    return { churnPerSecond: k / churnSeconds, probes, received: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1) };
  } finally {
    sock.destroy();
    await stack.close();
  }
}

/** Latencies (ms) of the probes whose pod-cidr-leak reached Slack. */
function got(stack: AnalyzerStack, sent: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  for (const r of stack.slack.accepted) {
    const m = parseSlack(JSON.parse(r.body) as never);
    const prefix = /prefix=(\S+)/.exec(m.header)?.[1];
    if (!m.header.includes('pod-cidr-leak') || prefix === undefined || seen.has(prefix)) continue;
    const t0 = sent.get(prefix);
    if (t0 === undefined) continue;
    seen.add(prefix);
    out.push(r.at - t0);
  }
  return out;
}

async function main(): Promise<void> {
  console.log(`bench:analyzer — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results: Record<string, unknown> = {};
  if (only.has('throughput')) results['throughput'] = throughput();
  if (only.has('memory')) results['memory'] = memory();
  if (only.has('latency')) results['latency'] = await latency();
  console.log(JSON.stringify({ at: new Date().toISOString(), prefixes: N, perRecord: PER, churn: CHURN, ...results }));
}

await main();

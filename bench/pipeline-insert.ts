/**
 * Where the writer's time goes (bench:pipeline's second half): the writer alone, in this process,
 * on chDB, over synthetic route records shaped like the full-table bench's (packed UPDATEs: ~3
 * prefixes per record, 2-8 hop paths, communities), batch after batch of 50,000 records:
 *
 *   writer tsv        RowWriter.handle as deployed: TabSeparated into route_updates, rib through the
 *                     rib_from_updates materialized view
 *   writer json       the same with the JSONEachRow object path (writer format 'json')
 *   tsv, no view      the same TSV bodies into a route_updates without the view (what the view costs)
 *   rows only         building the TSV text (appendRouteUpdatesTsv), no insert (what JS costs)
 *
 *   node --expose-gc dist/bench/pipeline-insert.js [--records 150000] [--batch 50000]
 *
 * Prints rows/s and CPU seconds per variant (wall and CPU: the machine is shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RowWriter } from '../writer/index.js';
import { appendRouteUpdatesTsv, ROUTE_UPDATE_COLUMNS } from '../writer/rows.js';
import { migrate } from '../store/migrate.js';
import type { BusRecord, RouteRecord } from '../records/types.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function records(n: number, from: number, session: string): RouteRecord[] {
  const out: RouteRecord[] = [];
  const t = Date.now() - 60_000;
  const peer = { address: '192.0.2.1', asn: 65010, bgp_id: '192.0.2.1', type: 'global' as const, rd: null };
  for (let i = from; i < from + n; i++) {
    const k = 1 + (i % 5);
    const announced = Array.from({ length: k }, (_, j) => {
      const a = (0x0b000000 + (i * 5 + j) * 256) >>> 0;
      return { prefix: `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`, path_id: null };
    });
    out.push({
      v: 1,
      type: 'route',
      router: '127.0.0.1',
      session,
      seq: i + 1,
      time: new Date(t + Math.floor(i / 100)).toISOString(),
      router_time: new Date(t).toISOString(),
      peer,
      rib: 'adj-in-pre',
      afi_safi: 'ipv4-unicast',
      attributes: {
        origin: 'igp',
        as_path: [65010, 3356, 1299 + (i % 50), 64500 + (i % 300)].slice(0, 2 + (i % 3)),
        next_hop: '192.0.2.1',
        med: i % 3 === 0 ? i % 1000 : null,
        local_pref: null,
        atomic_aggregate: false,
        aggregator: null,
        communities: Array.from({ length: i % 6 }, (_, j) => `65010:${(i + j) % 1000}`),
        large_communities: [],
        ext_communities: [],
        originator_id: null,
        cluster_list: [],
        other: [],
      },
      announced,
      withdrawn: [],
      dump: true,
    });
  }
  return out;
}

async function timed(what: string, rowsOf: number, f: () => Promise<void>): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  process.stdout.write(`${what.padEnd(16)} ${fmt(rowsOf).padStart(9)} rows in ${s.toFixed(2).padStart(6)} s = ${fmt(rowsOf / s).padStart(8)} rows/s; CPU ${cpu.toFixed(2)} s (${fmt(rowsOf / cpu)} rows per CPU-s, chDB's threads included)\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '150000' }, batch: { type: 'string', default: '50000' } } });
  const n = Number(values.records);
  const batch = Number(values.batch);
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-bench-insert-'));
  const store: Store = await openStore({ kind: 'embedded', dataDir: dir, database: 'bench_insert' });
  try {
    await migrate(store);
    const batches: BusRecord[][] = [];
    let rowCount = 0;
    for (let i = 0; i < n; i += batch) {
      const b = records(Math.min(batch, n - i), i, 's-tsv');
      batches.push(b);
      for (const r of b) rowCount += (r).announced.length;
    }
    process.stdout.write(`${fmt(n)} route records, ${fmt(rowCount)} route_updates rows, batches of ${fmt(batch)} records\n`);

    await timed('rows only', rowCount, async () => {
      for (const b of batches) {
        const out: string[] = [];
        for (const r of b) appendRouteUpdatesTsv(r as RouteRecord, out);
        out.join('');
      }
      return Promise.resolve();
    });

    const tsvWriter = new RowWriter({ store, countsIntervalMs: 0 });
    let off = 0;
    await timed('writer tsv', rowCount, async () => {
      for (const b of batches) {
        await tsvWriter.handle({ topic: 'bench', records: b, ranges: [{ partition: 0, first: off, last: off + b.length - 1 }], token: `bench/0:${off}-${off + b.length - 1}` });
        off += b.length;
      }
    });

    const jsonBatches = batches.map((b) => b.map((r) => ({ ...r, session: 's-json' })));
    const jsonWriter = new RowWriter({ store, countsIntervalMs: 0, format: 'json' });
    await timed('writer json', rowCount, async () => {
      for (const b of jsonBatches) {
        await jsonWriter.handle({ topic: 'bench', records: b, ranges: [{ partition: 0, first: off, last: off + b.length - 1 }], token: `bench/0:${off}-${off + b.length - 1}` });
        off += b.length;
      }
    });

    // The same table without the view that feeds rib.
    await store.command('CREATE TABLE route_updates_noview AS route_updates');
    const bodies = batches.map((b) => {
      const out: string[] = [];
      for (const r of b) appendRouteUpdatesTsv({ ...(r as RouteRecord), session: 's-noview' }, out);
      return out.join('');
    });
    await timed('tsv, no view', rowCount, async () => {
      for (const body of bodies) await store.insertTsv('route_updates_noview', ROUTE_UPDATE_COLUMNS, body, { insert_deduplication_token: `noview-${Math.random()}` });
    });
    const [c] = await store.query<{ u: string; r: string }>("SELECT (SELECT count() FROM route_updates) AS u, (SELECT count() FROM rib) AS r");
    process.stdout.write(`check: route_updates ${fmt(Number(c?.u))} rows (tsv + json), rib ${fmt(Number(c?.r))} rows\n`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench pipeline-insert: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

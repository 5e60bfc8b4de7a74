/**
 * The writer: bus batches → ClickHouse rows (docs/schema.md), and the session rules of
 * docs/architecture.md ("Sessions, resets and time"), applied here and nowhere else (never put back on the bus):
 *
 * - peer_down: every current route of that peer is withdrawn by synthetic rows;
 * - router_down: the session's routes are marked stale (a BMP session that ends, with or without
 *   Termination, stops telling us what the router has; the next session's dump is the truth);
 * - router_up: routes of any other session still current are marked stale too (the previous
 *   session's router_down may never have been written, e.g. the collector crashed), and the
 *   router awaits reconciliation: each (peer, RIB view, AFI/SAFI) whose re-dump ends (End-of-RIB,
 *   or the first live record of that key) has its still-stale routes withdrawn by synthetic rows;
 *   whatever is still stale after `reconcileQuietMs` without dump activity goes the same way;
 * - peer_up with reset: that peer's routes are marked stale and reconciled after its re-dump;
 * - a re-dumped route identical to the current one is written (rib row, route_updates row with
 *   dump = 1) but is no withdraw/announce pair: stale marks are not history.
 *
 * Replays are harmless, two ways:
 * - each insert carries an insert_deduplication_token derived from the batch's offset range and
 *   the records it holds (session and sequence of its first and last), so the same batch
 *   delivered again inserts nothing twice (the tables keep a deduplication window), while new
 *   records that reuse offsets (the in-process bus restarts at 0) are never taken for a replay;
 * - a batch may come back cut differently (after a crash the bus gathers from the committed
 *   offset by count and time again), so for every session not known to be in step (first sight
 *   since start, or its batch failed) the writer first reads the highest sequence number each
 *   history table holds for it, and skips rows of records at or below it.
 * rib rows are versioned by (arrival time, sequence), so rewriting one changes nothing anyway;
 * stale marks are versioned by their trigger, and synthetic withdrawals select only routes still
 * current, so running one twice finds nothing the second time.
 *
 * One insert per table per batch, except that session events cut a batch into segments: the
 * INSERT ... SELECT over rib that a peer_down or a stale mark runs must see the rows before it.
 */
import type { Logger } from '../telemetry/log.js';
import type { BusBatch } from '../bus/index.js';
import type { BusRecord, PeerRef, RouteRecord } from '../records/types.js';
import type { Store } from '../store/index.js';
import { chTime } from '../store/clickhouse-text.js';
import { appendRouteUpdatesTsv, isIgnored, peerEventRow, ribVersion, routeUpdateRows, routerRow, ROUTE_UPDATE_COLUMNS, statsRows, timeMs, VERSION_SUB } from './rows.js';
import type { RouteUpdateRow } from './rows.js';
import { PENDING_RECONCILIATION, prefixCountsSnapshot, staleMarks, syntheticWithdrawals } from './sql.js';
import type { Cause, RibScope, Stmt } from './sql.js';

export interface WriterOptions {
  readonly store: Store;
  /** route_updates insert format: TabSeparated (default; measured faster on chDB) or JSONEachRow objects. */
  readonly format?: 'tsv' | 'json';
  /** A reconnected router's routes still stale after this long without dump activity are withdrawn. Default 30 s. */
  readonly reconcileQuietMs?: number;
  /** Snapshot prefix counts of changed routers at most this often; 0 disables. Default 60 s. */
  readonly countsIntervalMs?: number;
  /** Wall clock, for tests. */
  readonly now?: () => number;
  readonly log?: Logger;
}

export const WRITER_DEFAULTS = { format: 'tsv', reconcileQuietMs: 30_000, countsIntervalMs: 60_000 } as const;

export interface WriterStats {
  batches: number;
  records: number;
  routeUpdateRows: number;
  /** INSERT ... SELECT statements run (synthetic withdrawals, stale marks, snapshots). */
  statements: number;
  reconciliations: number;
  ignored: number;
  /** Batches whose handling failed (each is delivered again). */
  failures: number;
  /** Duration of the latest successful batch. */
  lastBatchMs: number;
}

/** A reconnected router whose stale routes await its re-dump. */
interface Pending {
  readonly session: string;
  /** Arrival time of the latest sign of dump activity (router_up, peer_up, dump record, End-of-RIB). */
  lastDumpMs: number;
  /** "peer|rib|afi_safi" keys already reconciled in this session. */
  readonly done: Set<string>;
}

/** Highest sequence number of a session stored in each history table (-1: none). */
interface Marks {
  route_updates: number;
  routers: number;
  peer_events: number;
  bmp_stats: number;
}
const HISTORY_TABLES = ['route_updates', 'routers', 'peer_events', 'bmp_stats'] as const;

interface Op {
  readonly stmt: Stmt;
  /** Deduplication token; '' for none. */
  readonly token: string;
  readonly router: string;
  readonly what: string;
}

function peerKey(p: PeerRef): string {
  return `${p.type}|${p.rd ?? ''}|${p.address}`;
}

function peerScope(p: PeerRef): NonNullable<RibScope['peer']> {
  return { type: p.type, rd: p.rd ?? '', address: p.address };
}

/** Rows of one segment of a batch: records first..last, inserted together. */
class Segment {
  first = -1;
  last = -1;
  readonly tsv: string[] = [];
  readonly json: RouteUpdateRow[] = [];
  routeRows = 0;
  readonly routers: Record<string, unknown>[] = [];
  readonly peerEvents: Record<string, unknown>[] = [];
  readonly stats: Record<string, unknown>[] = [];
  readonly ops: Op[] = [];

  note(i: number): void {
    if (this.first < 0) this.first = i;
    this.last = i;
  }
}

/** Bus batches into ClickHouse rows: the writer role's core (index.ts feeds it from the bus). */
export class RowWriter {
  private readonly store: Store;
  private readonly format: 'tsv' | 'json';
  private readonly reconcileQuietMs: number;
  private readonly countsIntervalMs: number;
  private readonly wall: () => number;
  private readonly log: Logger | undefined;
  private pending = new Map<string, Pending>();
  /** Routers whose rib changed since the last prefix-count snapshot. */
  private readonly changed = new Set<string>();
  /**
   * Sessions whose history in the store is known to end exactly where this writer left it. For
   * any other session (first sight since start, or its batch failed), the highest sequence
   * number each history table holds is read first, and rows of records at or below it are not
   * written again: a batch delivered again after a crash may be cut differently (the bus batches
   * by count and time), so its deduplication tokens alone cannot be relied on.
   */
  private readonly synced = new Set<string>();
  private marks = new Map<string, Marks>();
  private lastCountsMs = 0;
  /** Latest record arrival time seen, and the wall time when it was: the writer's clock. */
  private clockMs: number | undefined;
  private clockWall = 0;
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats: WriterStats = { batches: 0, records: 0, routeUpdateRows: 0, statements: 0, reconciliations: 0, ignored: 0, failures: 0, lastBatchMs: 0 };

  constructor(o: WriterOptions) {
    this.store = o.store;
    this.format = o.format ?? WRITER_DEFAULTS.format;
    this.reconcileQuietMs = o.reconcileQuietMs ?? WRITER_DEFAULTS.reconcileQuietMs;
    this.countsIntervalMs = o.countsIntervalMs ?? WRITER_DEFAULTS.countsIntervalMs;
    this.wall = o.now ?? Date.now;
    this.log = o.log;
  }

  /** How far behind the routers the stored state is: wall time minus the latest record's arrival time (0 before any). */
  lagMs(): number {
    return this.clockMs === undefined ? 0 : Math.max(0, this.wall() - this.clockMs);
  }

  /** Routers awaiting reconciliation (for tests and metrics). */
  pendingRouters(): string[] {
    return [...this.pending.keys()].sort();
  }

  /**
   * Picks up reconciliations that were under way when the writer last stopped: routers connected
   * (by their latest routers row) that still have stale routes. Their quiet period starts now.
   */
  recover(): Promise<void> {
    return this.serial(async () => {
      const rows = await this.store.query<{ router: string; session: string }>(PENDING_RECONCILIATION);
      const now = this.now();
      for (const r of rows) if (!this.pending.has(r.router)) this.pending.set(r.router, { session: r.session, lastDumpMs: now, done: new Set() });
      if (rows.length > 0) this.log?.info({ routers: rows.map((r) => r.router) }, 'stale routes await the re-dump of reconnected routers');
    });
  }

  /** The bus handler: resolves once every row of the batch is stored; throws (so the batch is redelivered) otherwise. */
  handle(batch: BusBatch): Promise<void> {
    return this.serial(() => this.handleBatch(batch));
  }

  /** Time-driven work: quiet-period reconciliation, prefix-count snapshots. Call every second or so. */
  tick(): Promise<void> {
    return this.serial(() => this.doTick());
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The writer's notion of now: the latest record time, advanced by the wall time since the writer last went idle. */
  private now(): number {
    const wall = this.wall();
    return this.clockMs === undefined ? wall : this.clockMs + Math.max(0, wall - this.clockWall);
  }

  private observe(ms: number): void {
    if (this.clockMs === undefined || ms > this.clockMs) {
      this.clockMs = ms;
      this.clockWall = this.wall();
    }
  }

  private async handleBatch(batch: BusBatch): Promise<void> {
    // A failed batch comes again: the session state must be as it was before it, or a
    // reconciliation noted as done but never run would be skipped on the redelivery.
    const saved = new Map([...this.pending].map(([k, p]) => [k, { ...p, done: new Set(p.done) }]));
    const sessions = new Set(batch.records.map((r) => r.session));
    const t0 = performance.now();
    try {
      await this.loadMarks(batch.records);
      let seg = new Segment();
      const records = batch.records;
      for (let i = 0; i < records.length; i++) {
        const r = records[i] as BusRecord;
        const ms = timeMs(r.time);
        this.observe(ms);
        seg.note(i);
        const cut = this.add(seg, r, i, ms, batch.token);
        if (cut) {
          await this.flush(seg, batch, seg.first, seg.last);
          seg = new Segment();
        }
      }
      await this.flush(seg, batch, seg.first, seg.last);
    } catch (e) {
      this.pending = saved;
      for (const x of sessions) this.synced.delete(x);
      this.stats.failures++;
      throw e;
    } finally {
      // The clock runs with the wall only while the writer is idle: time spent inserting a
      // backlog must not count as a router's quiet period.
      if (this.clockMs !== undefined) this.clockWall = this.wall();
    }
    // A session's marks go once its records are past them: a later batch may still hold records
    // the dead writer stored (its failed batch reached further than this one).
    const last = new Map<string, number>();
    for (const r of batch.records) last.set(r.session, Math.max(last.get(r.session) ?? 0, r.seq));
    for (const x of sessions) {
      this.synced.add(x);
      const m = this.marks.get(x);
      if (m && (last.get(x) ?? 0) > Math.max(m.route_updates, m.routers, m.peer_events, m.bmp_stats)) this.marks.delete(x);
    }
    // A session ends with its router_down: forget it (nothing of it follows).
    for (const r of batch.records) {
      if (r.type !== 'router_down') continue;
      this.synced.delete(r.session);
      this.marks.delete(r.session);
    }
    this.stats.batches++;
    this.stats.records += batch.records.length;
    this.stats.lastBatchMs = performance.now() - t0;
  }

  /** Reads the stored sequence marks of the batch's sessions not known to be in step. */
  private async loadMarks(records: readonly BusRecord[]): Promise<void> {
    const since = new Map<string, number>();
    for (const r of records) {
      if (this.synced.has(r.session)) continue;
      const t = timeMs(r.time);
      const cur = since.get(r.session);
      if (cur === undefined || t < cur) since.set(r.session, t);
    }
    if (since.size === 0) return;
    const sessions = [...since.keys()];
    // A replayed record's rows carry its own arrival time: nothing older than the batch can be one.
    const from = chTime(Math.min(...since.values()));
    const parts = HISTORY_TABLES.map(
      // Synthetic rows carry their trigger's sequence but say nothing of the trigger's own rows.
      (t) => `SELECT '${t}' AS t, session, toInt64(max(seq)) AS seq FROM ${t} WHERE time >= {from:DateTime64(3, 'UTC')} AND has({sessions:Array(String)}, session)${t === 'route_updates' ? ' AND synthetic = 0' : ''} GROUP BY session`,
    );
    const rows = await this.store.query<{ t: keyof Marks; session: string; seq: string | number }>(parts.join('\nUNION ALL\n'), { from, sessions });
    this.marks = new Map([...this.marks].filter(([k]) => !since.has(k)));
    for (const x of sessions) this.marks.set(x, { route_updates: -1, routers: -1, peer_events: -1, bmp_stats: -1 });
    for (const r of rows) {
      const m = this.marks.get(r.session);
      if (m) m[r.t] = Number(r.seq);
    }
  }

  /** True when this record's rows in `table` are already stored (a replay). */
  private stored(r: BusRecord, table: keyof Marks): boolean {
    const m = this.marks.get(r.session);
    return m !== undefined && r.seq <= m[table];
  }

  /**
   * True when rows of later records are stored: a statement this record triggers ran then (it
   * runs before any later record's rows). Otherwise it runs (again): synthetic withdrawals select
   * only routes still current in their scope, so a second run finds none.
   */
  private passed(r: BusRecord): boolean {
    const m = this.marks.get(r.session);
    return m !== undefined && r.seq < m.route_updates;
  }

  /** Adds one record's rows and operations to the segment; true when the segment must end after it. */
  private add(seg: Segment, r: BusRecord, i: number, ms: number, token: string): boolean {
    const opToken = (what: string): string => `${token}|${i}|${r.session}:${r.seq}|${what}`;
    const cause = (): Cause => ({ time: chTime(r.time), routerTime: 'router_time' in r ? chTime(r.router_time) : chTime(r.time), session: r.session, seq: r.seq });
    switch (r.type) {
      case 'route': {
        if (this.stored(r, 'route_updates')) {
          // already stored: only the session state below is replayed
        } else if (this.format === 'tsv') seg.routeRows += appendRouteUpdatesTsv(r, seg.tsv);
        else {
          const rows = routeUpdateRows(r);
          for (const x of rows) seg.json.push(x);
          seg.routeRows += rows.length;
        }
        this.changed.add(r.router);
        const p = this.pending.get(r.router);
        // A reconciliation runs right after this record's rows, before any later record's.
        if (p?.session === r.session) {
          if (r.dump) p.lastDumpMs = ms;
          else return this.reconcileKey(seg, p, r, cause(), opToken('reconcile'));
        }
        return false;
      }
      case 'end_of_rib': {
        const p = this.pending.get(r.router);
        if (p?.session === r.session) {
          p.lastDumpMs = ms;
          this.reconcileKey(seg, p, r, cause(), opToken('reconcile'));
        }
        return true;
      }
      case 'router_up': {
        if (!this.stored(r, 'routers')) seg.routers.push(routerRow(r));
        // Whatever an earlier session left current is unconfirmed now.
        const stmt = staleMarks({ router: r.router, notSession: r.session, stale: 0 }, ribVersion(ms, r.seq, VERSION_SUB.stale));
        seg.ops.push({ stmt, token: opToken('stale'), router: r.router, what: 'stale marks (new session)' });
        this.pending.set(r.router, { session: r.session, lastDumpMs: ms, done: new Set() });
        return true;
      }
      case 'router_init':
        if (!this.stored(r, 'routers')) seg.routers.push(routerRow(r));
        return false;
      case 'router_down': {
        if (!this.stored(r, 'routers')) seg.routers.push(routerRow(r));
        const stmt = staleMarks({ router: r.router, session: r.session, stale: 0 }, ribVersion(ms, r.seq, VERSION_SUB.stale));
        seg.ops.push({ stmt, token: opToken('stale'), router: r.router, what: 'stale marks (session down)' });
        if (this.pending.get(r.router)?.session === r.session) this.pending.delete(r.router);
        return true;
      }
      case 'peer_up': {
        if (!this.stored(r, 'peer_events')) seg.peerEvents.push(peerEventRow(r));
        let p = this.pending.get(r.router);
        if (r.reset) {
          const stmt = staleMarks({ router: r.router, peer: peerScope(r.peer), session: r.session, stale: 0 }, ribVersion(ms, r.seq, VERSION_SUB.stale));
          seg.ops.push({ stmt, token: opToken('stale'), router: r.router, what: 'stale marks (peer reset)' });
          if (p?.session !== r.session) {
            p = { session: r.session, lastDumpMs: ms, done: new Set() };
            this.pending.set(r.router, p);
          }
        }
        if (p?.session === r.session) {
          // This peer dumps (again) from here: its keys are to be reconciled afresh.
          p.lastDumpMs = ms;
          const k = `${peerKey(r.peer)}|`;
          for (const d of [...p.done]) if (d.startsWith(k)) p.done.delete(d);
        }
        return r.reset;
      }
      case 'peer_down': {
        if (!this.stored(r, 'peer_events')) seg.peerEvents.push(peerEventRow(r));
        const stmt = syntheticWithdrawals({ router: r.router, peer: peerScope(r.peer), session: r.session, orStale: true }, cause());
        if (!this.passed(r)) seg.ops.push({ stmt, token: opToken('withdraw'), router: r.router, what: 'synthetic withdrawals (peer down)' });
        return true;
      }
      case 'stats':
        if (!this.stored(r, 'bmp_stats')) for (const x of statsRows(r)) seg.stats.push(x);
        return false;
      case 'mirror':
        if (isIgnored(r)) this.stats.ignored++;
        return false;
    }
  }

  /** Queues the reconciliation of one (peer, RIB view, AFI/SAFI) whose re-dump ended, once per session. */
  private reconcileKey(seg: Segment, p: Pending, r: RouteRecord | (BusRecord & { type: 'end_of_rib' }), cause: Cause, token: string): boolean {
    const key = `${peerKey(r.peer)}|${r.rib}|${r.afi_safi}`;
    if (p.done.has(key)) return false;
    p.done.add(key);
    if (this.passed(r)) return false;
    const stmt = syntheticWithdrawals({ router: r.router, peer: peerScope(r.peer), rib: r.rib, afiSafi: r.afi_safi, stale: 1 }, cause);
    seg.ops.push({ stmt, token, router: r.router, what: `reconciliation of ${key}` });
    this.stats.reconciliations++;
    return true;
  }

  /**
   * Inserts one segment. Its token names the batch's offset range, the segment's place in it, and
   * its first and last records by session and sequence: the offsets alone repeat when the
   * in-process bus starts again from 0, and a token that repeats within the deduplication window
   * would silently drop new rows.
   */
  private async flush(seg: Segment, batch: BusBatch, first: number, last: number): Promise<void> {
    if (first < 0) return;
    const a = batch.records[first] as BusRecord;
    const b = batch.records[last] as BusRecord;
    const settings = { insert_deduplication_token: `${batch.token}|${first}-${last}|${a.session}:${a.seq}|${b.session}:${b.seq}` };
    if (seg.routeRows > 0) {
      if (this.format === 'tsv') await this.store.insertTsv('route_updates', ROUTE_UPDATE_COLUMNS, seg.tsv.join(''), settings);
      else await this.store.insert('route_updates', seg.json as unknown as Record<string, unknown>[], settings);
      this.stats.routeUpdateRows += seg.routeRows;
    }
    if (seg.routers.length > 0) await this.store.insert('routers', seg.routers, settings);
    if (seg.peerEvents.length > 0) await this.store.insert('peer_events', seg.peerEvents, settings);
    if (seg.stats.length > 0) await this.store.insert('bmp_stats', seg.stats, settings);
    for (const op of seg.ops) await this.exec(op);
  }

  private async exec(op: Op): Promise<void> {
    const t0 = performance.now();
    // Always say the token, even when empty: chDB keeps per-query settings for the session.
    await this.store.command(op.stmt.query, op.stmt.params, { insert_deduplication_token: op.token });
    this.stats.statements++;
    this.changed.add(op.router);
    this.log?.debug({ router: op.router, ms: Math.round(performance.now() - t0) }, op.what);
  }

  private async doTick(): Promise<void> {
    const now = this.now();
    for (const [router, p] of [...this.pending]) {
      if (now - p.lastDumpMs < this.reconcileQuietMs) continue;
      const time = chTime(now);
      const stmt = syntheticWithdrawals({ router, stale: 1 }, { time, routerTime: time, session: p.session, seq: 0 });
      await this.exec({ stmt, token: '', router, what: 'reconciliation after the quiet period' });
      this.stats.reconciliations++;
      this.pending.delete(router);
      this.log?.info({ router }, 'routes not re-dumped since the router reconnected are withdrawn');
    }
    if (this.countsIntervalMs > 0 && this.changed.size > 0 && now - this.lastCountsMs >= this.countsIntervalMs) {
      await this.snapshotCounts(now);
    }
  }

  /** Writes peer_prefix_counts for the routers whose rib changed; exposed for tests. */
  async snapshotCounts(now = this.now()): Promise<void> {
    const routers = [...this.changed].sort();
    this.changed.clear();
    const since = chTime(this.lastCountsMs);
    this.lastCountsMs = now;
    const stmt = prefixCountsSnapshot(routers, chTime(now), since);
    await this.store.command(stmt.query, stmt.params, { insert_deduplication_token: '' });
    this.stats.statements++;
  }
}

/**
 * Records → table rows (docs/schema.md), pure functions. Route records are the hot path: one
 * record holds the attributes once and many prefixes, so the TabSeparated path formats the
 * attribute columns once per record and each prefix line is a short concatenation. The object
 * path (`routeUpdateRows`) gives the same rows as objects, for JSONEachRow inserts and for tests.
 */
import type {
  BusRecord,
  PeerDownRecord,
  PeerRef,
  PeerUpRecord,
  RouteAttributes,
  RoutePrefix,
  RouteRecord,
  RouterDownRecord,
  RouterInitRecord,
  RouterUpRecord,
  StatsRecord,
} from '../records/types.js';
import { chTime, tsvEscape } from '../store/clickhouse-text.js';
import type { RouteAttributeColumns } from '../store/route-columns.js';

export { chTime } from '../store/clickhouse-text.js';


/** Milliseconds since the epoch of a record time. */
export function timeMs(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not an RFC 3339 time: ${JSON.stringify(iso)}`);
  return t;
}

/**
 * The rib version of a change (docs/schema.md): arrival ms * 2^22 + (seq mod 2^20) * 4 + sub,
 * as a decimal string (it exceeds 2^53). The rib_from_updates view computes the same in SQL.
 */
export function ribVersion(ms: number, seq: number, sub: 0 | 1 | 2): string {
  return ((BigInt(ms) << 22n) + BigInt((seq % 1048576) * 4 + sub)).toString();
}
export const VERSION_SUB = { withdraw: 0, stale: 1, announce: 2 } as const;

/** Flattened AS path: AS_SET members in place. */
export function flatAsPath(path: RouteAttributes['as_path']): number[] {
  const out: number[] = [];
  for (const seg of path) {
    if (typeof seg === 'number') out.push(seg);
    else out.push(...seg);
  }
  return out;
}

/** The origin AS: the last ASN of the path; 0 when the path is empty or ends in an AS_SET (no single origin, RFC 6811 §2). */
export function originAs(path: RouteAttributes['as_path']): number {
  const last = path[path.length - 1];
  return typeof last === 'number' ? last : 0;
}

/** The exact path as JSON when it has an AS_SET (the flat array loses the set), else ''. */
export function asPathJson(path: RouteAttributes['as_path']): string {
  return path.some((s) => typeof s !== 'number') ? JSON.stringify(path) : '';
}

/** The rarer attributes as one JSON object ('' when none of them is present). */
export function extraJson(a: RouteAttributes): string {
  const o: Record<string, unknown> = {};
  if (a.atomic_aggregate) o['atomic_aggregate'] = true;
  if (a.aggregator) o['aggregator'] = a.aggregator;
  if (a.originator_id !== null) o['originator_id'] = a.originator_id;
  if (a.cluster_list.length > 0) o['cluster_list'] = a.cluster_list;
  if (a.other.length > 0) o['other'] = a.other;
  return Object.keys(o).length === 0 ? '' : JSON.stringify(o);
}

/** One route_updates row: who, where and what happened to one prefix, then the shared attribute columns. */
export interface RouteUpdateRow extends RouteAttributeColumns {
  time: string;
  router: string;
  session: string;
  seq: number;
  router_time: string;
  peer_address: string;
  peer_asn: number;
  peer_bgp_id: string;
  peer_type: string;
  peer_rd: string;
  rib: string;
  afi_safi: string;
  prefix: string;
  rd: string;
  path_id: number;
  labels: number[];
  action: 'announce' | 'withdraw';
  dump: 0 | 1;
  synthetic: 0 | 1;
}

/** route_updates columns, in the order of RouteUpdateRow and of the TSV lines. */
export const ROUTE_UPDATE_COLUMNS = [
  'time',
  'router',
  'session',
  'seq',
  'router_time',
  'peer_address',
  'peer_asn',
  'peer_bgp_id',
  'peer_type',
  'peer_rd',
  'rib',
  'afi_safi',
  'prefix',
  'rd',
  'path_id',
  'labels',
  'action',
  'dump',
  'synthetic',
  'origin',
  'as_path',
  'as_path_json',
  'origin_as',
  'next_hop',
  'med',
  'local_pref',
  'communities',
  'large_communities',
  'ext_communities',
  'extra',
] as const satisfies readonly (keyof RouteUpdateRow)[];

type AttrColumns = Pick<RouteUpdateRow, 'origin' | 'as_path' | 'as_path_json' | 'origin_as' | 'next_hop' | 'med' | 'local_pref' | 'communities' | 'large_communities' | 'ext_communities' | 'extra'>;

const NO_ATTRS: Readonly<AttrColumns> = Object.freeze({
  origin: '',
  as_path: [] as number[],
  as_path_json: '',
  origin_as: 0,
  next_hop: '',
  med: null,
  local_pref: null,
  communities: [] as string[],
  large_communities: [] as string[],
  ext_communities: [] as string[],
  extra: '',
});

function attrColumns(a: RouteAttributes | null): Readonly<AttrColumns> {
  if (a === null) return NO_ATTRS;
  return {
    origin: a.origin ?? '',
    as_path: flatAsPath(a.as_path),
    as_path_json: asPathJson(a.as_path),
    origin_as: originAs(a.as_path),
    next_hop: a.next_hop ?? '',
    med: a.med,
    local_pref: a.local_pref,
    communities: a.communities as string[],
    large_communities: a.large_communities as string[],
    ext_communities: a.ext_communities as string[],
    extra: extraJson(a),
  };
}

/**
 * One row per prefix: withdrawals first, then announcements (RFC 7606 §5.3: a prefix in both is
 * announced). Withdrawals carry no attributes.
 */
export function routeUpdateRows(r: RouteRecord): RouteUpdateRow[] {
  const time = chTime(r.time);
  const routerTime = chTime(r.router_time);
  const dump: 0 | 1 = r.dump ? 1 : 0;
  const rows: RouteUpdateRow[] = [];
  const row = (p: RoutePrefix, action: 'announce' | 'withdraw', a: Readonly<AttrColumns>): RouteUpdateRow => ({
    time,
    router: r.router,
    session: r.session,
    seq: r.seq,
    router_time: routerTime,
    peer_address: r.peer.address,
    peer_asn: r.peer.asn,
    peer_bgp_id: r.peer.bgp_id,
    peer_type: r.peer.type,
    peer_rd: r.peer.rd ?? '',
    rib: r.rib,
    afi_safi: r.afi_safi,
    prefix: p.prefix,
    rd: p.rd ?? '',
    path_id: p.path_id ?? 0,
    labels: p.labels ? [...p.labels] : [],
    action,
    dump,
    synthetic: 0,
    origin: a.origin,
    as_path: a.as_path,
    as_path_json: a.as_path_json,
    origin_as: a.origin_as,
    next_hop: a.next_hop,
    med: a.med,
    local_pref: a.local_pref,
    communities: a.communities,
    large_communities: a.large_communities,
    ext_communities: a.ext_communities,
    extra: a.extra,
  });
  for (const p of r.withdrawn) rows.push(row(p, 'withdraw', NO_ATTRS));
  if (r.announced.length > 0) {
    // Rows of one record share the attribute arrays: they are read, never mutated.
    const attrs = attrColumns(r.attributes);
    for (const p of r.announced) rows.push(row(p, 'announce', attrs));
  }
  return rows;
}

// ---- TabSeparated ----


/** An array of numbers as TSV text: [1,2,3]. */
function tsvNumbers(a: readonly number[]): string {
  return a.length === 0 ? '[]' : `[${a.join(',')}]`;
}

/** An array of strings as TSV text: ['a','b'] with quotes escaped (inside TSV escaping). */
function tsvStrings(a: readonly string[]): string {
  if (a.length === 0) return '[]';
  let s = '[';
  for (let i = 0; i < a.length; i++) {
    if (i > 0) s += ',';
    s += `'${tsvEscape(a[i] as string)}'`;
  }
  return `${s}]`;
}

function tsvNullable(n: number | null): string {
  return n === null ? '\\N' : String(n);
}

/** Any RouteUpdateRow as one TSV line (without the newline): the reference for the fast path. */
export function routeUpdateTsvLine(row: RouteUpdateRow): string {
  return ROUTE_UPDATE_COLUMNS.map((c) => {
    if (c === 'labels' || c === 'as_path') return tsvNumbers(row[c]);
    if (c === 'communities' || c === 'large_communities' || c === 'ext_communities') return tsvStrings(row[c]);
    const v = row[c];
    if (v === null) return '\\N';
    return typeof v === 'number' ? String(v) : tsvEscape(v);
  }).join('\t');
}

const EMPTY_ATTRS_TSV = ['', '[]', '', '0', '', '\\N', '\\N', '[]', '[]', '[]', ''].join('\t');

function attrsTsv(a: RouteAttributes | null): string {
  if (a === null) return EMPTY_ATTRS_TSV;
  return [
    tsvEscape(a.origin ?? ''),
    tsvNumbers(flatAsPath(a.as_path)),
    tsvEscape(asPathJson(a.as_path)),
    String(originAs(a.as_path)),
    tsvEscape(a.next_hop ?? ''),
    tsvNullable(a.med),
    tsvNullable(a.local_pref),
    tsvStrings(a.communities),
    tsvStrings(a.large_communities),
    tsvStrings(a.ext_communities),
    tsvEscape(extraJson(a)),
  ].join('\t');
}

function nlriTsv(p: RoutePrefix): string {
  return `${tsvEscape(p.prefix)}\t${tsvEscape(p.rd ?? '')}\t${p.path_id ?? 0}\t${p.labels ? tsvNumbers(p.labels) : '[]'}`;
}

/** Appends the route_updates TSV lines of one record (each ending in "\n") to `out`; returns the row count. */
export function appendRouteUpdatesTsv(r: RouteRecord, out: string[]): number {
  const peer = r.peer;
  const head = `${chTime(r.time)}\t${tsvEscape(r.router)}\t${tsvEscape(r.session)}\t${r.seq}\t${chTime(r.router_time)}\t${tsvEscape(peer.address)}\t${peer.asn}\t${tsvEscape(peer.bgp_id)}\t${tsvEscape(peer.type)}\t${tsvEscape(peer.rd ?? '')}\t${tsvEscape(r.rib)}\t${tsvEscape(r.afi_safi)}\t`;
  const dump = r.dump ? '1' : '0';
  if (r.withdrawn.length > 0) {
    const tail = `\twithdraw\t${dump}\t0\t${EMPTY_ATTRS_TSV}\n`;
    for (const p of r.withdrawn) out.push(head + nlriTsv(p) + tail);
  }
  if (r.announced.length > 0) {
    const tail = `\tannounce\t${dump}\t0\t${attrsTsv(r.attributes)}\n`;
    for (const p of r.announced) out.push(head + nlriTsv(p) + tail);
  }
  return r.withdrawn.length + r.announced.length;
}

// ---- the small tables (JSONEachRow objects) ----

function peerColumns(p: PeerRef): { peer_address: string; peer_asn: number; peer_bgp_id: string; peer_type: string; peer_rd: string } {
  return { peer_address: p.address, peer_asn: p.asn, peer_bgp_id: p.bgp_id, peer_type: p.type, peer_rd: p.rd ?? '' };
}

export type RouterRow = Record<string, unknown>;

/** routers: one row per router_up, router_init, router_down. */
export function routerRow(r: RouterUpRecord | RouterInitRecord | RouterDownRecord): RouterRow {
  const base = {
    time: chTime(r.time),
    router: r.router,
    session: r.session,
    seq: r.seq,
    local: '',
    remote_port: 0,
    sys_name: '',
    sys_descr: '',
    info: [] as string[],
    termination: null as number | null,
    termination_name: '',
    cause: '',
  };
  switch (r.type) {
    case 'router_up':
      return { ...base, event: 'up', local: r.local, remote_port: r.remote_port };
    case 'router_init':
      return { ...base, event: 'init', sys_name: r.sys_name ?? '', sys_descr: r.sys_descr ?? '', info: [...r.info] };
    case 'router_down':
      return {
        ...base,
        event: 'down',
        // A Termination without a reason TLV is still a Termination: reason 65535 says "none given".
        termination: r.termination === null ? null : (r.termination.reason ?? 65535),
        termination_name: r.termination?.reason_name ?? '',
        info: r.termination ? [...r.termination.info] : [],
        cause: r.cause,
      };
  }
}

/** peer_events: one row per peer_up or peer_down. */
export function peerEventRow(r: PeerUpRecord | PeerDownRecord): Record<string, unknown> {
  const base = {
    time: chTime(r.time),
    router: r.router,
    session: r.session,
    seq: r.seq,
    router_time: chTime(r.router_time),
    ...peerColumns(r.peer),
    reset: 0,
    local_address: '',
    local_port: 0,
    remote_port: 0,
    hold_time: 0,
    sent_open: '',
    received_open: '',
    info: [] as string[],
    reason: 0,
    reason_name: '',
    notification_code: 0,
    notification_subcode: 0,
    notification: '',
    fsm_event: null as number | null,
    was_up: 0,
  };
  if (r.type === 'peer_up') {
    return {
      ...base,
      event: 'up',
      reset: r.reset ? 1 : 0,
      local_address: r.local_address,
      local_port: r.local_port,
      remote_port: r.remote_port,
      // The negotiated hold time is the smaller of the two (RFC 4271 §4.2).
      hold_time: Math.min(r.sent_open.hold_time, r.received_open.hold_time),
      sent_open: JSON.stringify(r.sent_open),
      received_open: JSON.stringify(r.received_open),
      info: [...r.info],
    };
  }
  const n = r.notification;
  return {
    ...base,
    event: 'down',
    reason: r.reason,
    reason_name: r.reason_name,
    notification_code: n?.code ?? 0,
    notification_subcode: n?.subcode ?? 0,
    notification: n ? `${n.code_name} / ${n.subcode_name}` : '',
    fsm_event: r.fsm_event,
    was_up: r.was_up ? 1 : 0,
  };
}

/** bmp_stats: one row per counter with a value (a counter whose length fit no encoding has none). */
export function statsRows(r: StatsRecord): Record<string, unknown>[] {
  const base = {
    time: chTime(r.time),
    router: r.router,
    session: r.session,
    seq: r.seq,
    router_time: chTime(r.router_time),
    peer_address: r.peer.address,
    peer_asn: r.peer.asn,
    peer_type: r.peer.type,
    peer_rd: r.peer.rd ?? '',
  };
  const rows: Record<string, unknown>[] = [];
  for (const c of r.counters) {
    if (c.value === null) continue;
    // Values above 2^53 come as decimal strings; JSONEachRow reads both into UInt64.
    rows.push({ ...base, counter_type: c.type, name: c.name, afi_safi: c.afi_safi ?? '', value: c.value });
  }
  return rows;
}

/** The record types the writer stores nowhere (Route Mirroring is for live debugging, not history). */
export function isIgnored(r: BusRecord): boolean {
  return r.type === 'mirror';
}

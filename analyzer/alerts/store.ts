/**
 * Where alerts and silences live between restarts: the `alerts` and `silences` tables
 * (migrations/0010_alerts.sql) through store/, or memory (tests, `--no-store` runs). Rows
 * are full snapshots with a version; the newest version of an id wins (ReplacingMergeTree, read
 * with FINAL), so saving is an insert and never an UPDATE.
 */
import type { Logger } from '../../telemetry/log.js';
import { chTime } from '../../store/clickhouse-text.js';
import type { Store } from '../../store/index.js';
import { ALERT_KINDS, SEVERITY_RANK } from '../types.js';
import type { AlertKind, AlertSubject, FactValue, Severity } from '../types.js';
import { MATCHER_KEYS } from './silences.js';
import type { Silence } from './silences.js';
import { ALERT_STATUSES } from '../alert.js';
import type { Alert, AlertStatus, ChannelState, Observer } from '../alert.js';

export interface AlertStore {
  /** Open and acknowledged alerts (the newest version of each). */
  loadActive(): Promise<Alert[]>;
  /** Writes these alerts' current state (their `version` already incremented). */
  saveAlerts(alerts: readonly Alert[]): Promise<void>;
  /** Silences that have not ended by `now` and are not deleted. */
  loadSilences(now: number): Promise<Silence[]>;
  saveSilence(s: Silence, version: number, deleted?: boolean): Promise<void>;
}

/** One `alerts` row, as JSONEachRow in and out. */
export interface AlertRow {
  id: string;
  version: number | string;
  kind: string;
  alert_key: string;
  severity: string;
  peak_severity: string;
  status: string;
  subject: Record<string, string>;
  router: string;
  peer: string;
  prefix: string;
  cluster: string;
  node: string;
  afi_safi: string;
  routers: string[];
  peers: string[];
  summary: string;
  next_step: string;
  facts: string;
  observers: string;
  observations: number;
  events: number | string;
  opened_at: string;
  updated_at: string;
  last_active_at: string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string;
  escalated_at: string | null;
  silenced_by: string[];
  reopened_from: string;
  last_notified_at: string | null;
  channels: string;
}

export interface SilenceRow {
  id: string;
  version: number | string;
  matchers: Record<string, string>;
  starts_at: string;
  ends_at: string;
  reason: string;
  created_by: string;
  created_at: string;
  deleted: number;
}

export { chTime } from '../../store/clickhouse-text.js';

/** DateTime64 text (or RFC 3339) → ms. */
export function parseChTime(s: string): number {
  const t = /[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`alerts store: ${JSON.stringify(s)} is not a time`);
  return ms;
}

const chTimeOrNull = (ms: number | null): string | null => (ms === null ? null : chTime(ms));
const parseOrNull = (s: string | null | undefined): number | null => (s === null || s === undefined || s === '' ? null : parseChTime(s));

/** An observer as the `observers` column holds it: the in-memory Observer, as JSON. */
type ObserverJson = Observer;

function subjectMap(s: AlertSubject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = String(v);
  return out;
}

function subjectFromMap(m: Record<string, string>): AlertSubject {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(m)) out[k] = k === 'pathId' ? Number(v) : v;
  return out;
}

export function alertToRow(a: Alert): AlertRow {
  const observers = [...a.observers.values()];
  const uniq = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => x !== undefined))].sort();
  const channels: Record<string, ChannelState> = {};
  for (const [k, v] of a.channels) channels[k] = v;
  return {
    id: a.id,
    version: a.version,
    kind: a.kind,
    alert_key: a.key,
    severity: a.severity,
    peak_severity: a.peakSeverity,
    status: a.status,
    subject: subjectMap(a.subject),
    router: a.subject.router ?? '',
    peer: a.subject.peer ?? '',
    prefix: a.subject.prefix ?? '',
    cluster: a.subject.cluster ?? '',
    node: a.subject.node ?? '',
    afi_safi: a.subject.afiSafi ?? '',
    routers: uniq(observers.map((o) => o.subject.router)),
    peers: uniq(observers.map((o) => o.subject.peer)),
    summary: a.summary,
    next_step: a.nextStep,
    facts: JSON.stringify(a.facts),
    observers: JSON.stringify(observers satisfies ObserverJson[]),
    observations: a.observerCount,
    events: a.events,
    opened_at: chTime(a.openedAt),
    updated_at: chTime(a.updatedAt),
    last_active_at: chTime(a.lastActiveAt),
    resolved_at: chTimeOrNull(a.resolvedAt),
    acknowledged_at: chTimeOrNull(a.acknowledgedAt),
    acknowledged_by: a.acknowledgedBy ?? '',
    escalated_at: chTimeOrNull(a.escalatedAt),
    silenced_by: [...a.silencedBy],
    reopened_from: a.reopenedFrom ?? '',
    last_notified_at: chTimeOrNull(a.lastNotifiedAt),
    channels: JSON.stringify(channels),
  };
}

const isSeverity = (s: string): s is Severity => Object.hasOwn(SEVERITY_RANK, s);
const isStatus = (s: string): s is AlertStatus => (ALERT_STATUSES as readonly string[]).includes(s);
const isKind = (s: string): s is AlertKind => (ALERT_KINDS as readonly string[]).includes(s);

/** A stored row back to an alert; undefined (with the reason) for a row this build cannot read. */
export function alertFromRow(r: AlertRow): Alert | string {
  if (!isKind(r.kind)) return `alert ${r.id}: unknown kind ${JSON.stringify(r.kind)}`;
  if (!isSeverity(r.severity) || !isSeverity(r.peak_severity)) return `alert ${r.id}: unknown severity ${JSON.stringify(r.severity)}`;
  if (!isStatus(r.status)) return `alert ${r.id}: unknown status ${JSON.stringify(r.status)}`;
  let facts: Record<string, FactValue>;
  let observers: ObserverJson[];
  let channels: Record<string, ChannelState>;
  try {
    facts = JSON.parse(r.facts || '{}') as Record<string, FactValue>;
    observers = JSON.parse(r.observers || '[]') as ObserverJson[];
    channels = JSON.parse(r.channels || '{}') as Record<string, ChannelState>;
  } catch (e) {
    return `alert ${r.id}: unreadable JSON column (${(e as Error).message})`;
  }
  return {
    id: r.id,
    kind: r.kind,
    key: r.alert_key,
    subject: subjectFromMap(r.subject),
    severity: r.severity,
    peakSeverity: r.peak_severity,
    status: r.status,
    summary: r.summary,
    nextStep: r.next_step,
    facts,
    observers: new Map(observers.map((o): [string, Observer] => [o.key, { ...o }])),
    observerCount: Number(r.observations),
    events: Number(r.events),
    openedAt: parseChTime(r.opened_at),
    updatedAt: parseChTime(r.updated_at),
    lastActiveAt: parseChTime(r.last_active_at),
    resolvedAt: parseOrNull(r.resolved_at),
    acknowledgedAt: parseOrNull(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by === '' ? null : r.acknowledged_by,
    escalatedAt: parseOrNull(r.escalated_at),
    silencedBy: [...r.silenced_by],
    reopenedFrom: r.reopened_from === '' ? null : r.reopened_from,
    channels: new Map(Object.entries(channels)),
    lastNotifiedAt: parseOrNull(r.last_notified_at),
    version: Number(r.version),
  };
}

export function silenceToRow(s: Silence, version: number, deleted = false): SilenceRow {
  const matchers: Record<string, string> = {};
  for (const k of MATCHER_KEYS) {
    const v = s.matchers[k];
    if (v !== undefined) matchers[k] = v;
  }
  return {
    id: s.id,
    version,
    matchers,
    starts_at: chTime(s.startsAt),
    ends_at: chTime(s.endsAt),
    reason: s.reason,
    created_by: s.createdBy,
    created_at: chTime(s.createdAt),
    deleted: deleted ? 1 : 0,
  };
}

export function silenceFromRow(r: SilenceRow): Silence {
  return {
    id: r.id,
    matchers: { ...r.matchers },
    startsAt: parseChTime(r.starts_at),
    endsAt: parseChTime(r.ends_at),
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: parseChTime(r.created_at),
    source: 'api',
  };
}

/** Keeps rows in memory, through the same row mapping as the ClickHouse store. */
export class MemoryAlertStore implements AlertStore {
  readonly alertRows = new Map<string, AlertRow>();
  readonly silenceRows = new Map<string, SilenceRow>();
  /** Saves so far (tests count them). */
  saves = 0;
  /** Makes the next saves fail (tests of write-behind retries). */
  failNext = 0;

  loadActive(): Promise<Alert[]> {
    const out: Alert[] = [];
    for (const r of this.alertRows.values()) {
      if (r.status === 'resolved') continue;
      const a = alertFromRow(JSON.parse(JSON.stringify(r)) as AlertRow);
      if (typeof a !== 'string') out.push(a);
    }
    return Promise.resolve(out);
  }

  saveAlerts(alerts: readonly Alert[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('memory store: failing on purpose'));
    }
    this.saves++;
    for (const a of alerts) {
      const row = JSON.parse(JSON.stringify(alertToRow(a))) as AlertRow;
      const old = this.alertRows.get(a.id);
      if (!old || Number(old.version) <= Number(row.version)) this.alertRows.set(a.id, row);
    }
    return Promise.resolve();
  }

  loadSilences(now: number): Promise<Silence[]> {
    return Promise.resolve([...this.silenceRows.values()].filter((r) => r.deleted === 0 && parseChTime(r.ends_at) > now).map(silenceFromRow));
  }

  saveSilence(s: Silence, version: number, deleted = false): Promise<void> {
    const old = this.silenceRows.get(s.id);
    if (!old || Number(old.version) <= version) this.silenceRows.set(s.id, silenceToRow(s, version, deleted));
    return Promise.resolve();
  }
}

// The writer's deduplication tokens are session settings on chDB; say explicitly there is none.
const NO_TOKEN = { insert_deduplication_token: '' };

/** The `alerts` and `silences` tables through store/ (migration 0010 applied). */
export class ClickHouseAlertStore implements AlertStore {
  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
  ) {}

  /** Rows this build cannot read (a kind added by a newer version) are skipped with a warning, never fatal. */
  async loadActive(): Promise<Alert[]> {
    const rows = await this.store.query<AlertRow>(
      "SELECT * FROM alerts FINAL WHERE status != 'resolved' ORDER BY opened_at",
    );
    const out: Alert[] = [];
    for (const r of rows) {
      const a = alertFromRow(r);
      if (typeof a === 'string') this.log?.warn({ alert: r.id }, `alerts store: skipped a row: ${a}`);
      else out.push(a);
    }
    return out;
  }

  async saveAlerts(alerts: readonly Alert[]): Promise<void> {
    await this.store.insert('alerts', alerts.map((a) => alertToRow(a) as unknown as Record<string, unknown>), NO_TOKEN);
  }

  async loadSilences(now: number): Promise<Silence[]> {
    const rows = await this.store.query<SilenceRow>(
      "SELECT * FROM silences FINAL WHERE deleted = 0 AND ends_at > {now:DateTime64(3, 'UTC')} ORDER BY starts_at",
      { now: chTime(now) },
    );
    return rows.map(silenceFromRow);
  }

  async saveSilence(s: Silence, version: number, deleted = false): Promise<void> {
    await this.store.insert('silences', [silenceToRow(s, version, deleted) as unknown as Record<string, unknown>], NO_TOKEN);
  }

  /** An alert by id, resolved ones included (the newest version). */
  async get(id: string): Promise<Alert | undefined> {
    const [r] = await this.store.query<AlertRow>('SELECT * FROM alerts FINAL WHERE id = {id:String}', { id });
    if (!r) return undefined;
    const a = alertFromRow(r);
    if (typeof a === 'string') throw new Error(`alerts store: ${a}`);
    return a;
  }
}

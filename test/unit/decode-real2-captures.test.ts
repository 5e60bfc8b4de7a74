/**
 * Conformance on the second set of real captures (testdata/real2, see its SOURCES.md): decoded as
 * `ribwatch decode --summary --port P FILE` decodes them, each file gives EXPECTED.tsv's counts of
 * BMP messages by type, of NLRI announced and withdrawn by AFI/SAFI and of End-of-RIB markers per
 * family, with no error, and its TCP streams hold the bytes EXPECTED.tsv lists, with no gap.
 *
 * The reference numbers are read from EXPECTED.tsv itself (columns, and the `NLRI ann[..] wd[..]
 * eor[..]` and `streams:` parts of its notes). A file whose notes say "Peer Up state from X" is
 * decoded after X in the same run, as a user would give both files, and only its own counts are
 * compared (the counts after X are subtracted).
 *
 * The shared folder is looked up at <repo>/../shared; without it these tests skip.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecodeRun, MESSAGE_KEYS } from '../../bin/commands/decode.js';
import { captureFiles, reencodeAll } from './real-capture-files.js';
import type { DecodeRecord, DecodeSummaryJson, MessageKey } from '../../bin/commands/decode.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled to dist/test/unit: the repo root is three levels up, the shared folder beside it. */
const REAL2 = resolve(here, '../../..', '..', 'shared', 'testdata', 'real2');
const haveReal2 = existsSync(join(REAL2, 'EXPECTED.tsv'));
const SKIP = `shared test data not found at ${REAL2} (expected <repo>/../shared/testdata/real2)`;

/** EXPECTED.tsv's message columns, in its order, by our summary's names. */
const COLUMNS: readonly MessageKey[] = ['initiation', 'peer_up', 'route_monitoring', 'statistics_report', 'peer_down', 'termination', 'route_mirroring'];

/**
 * Routes the reference counter leaves out and the decoder counts. EXPECTED.tsv's byte-stream
 * counter lists AFI 25 / SAFI 65 as an opaque family ("opaque-family msgs: mp_reach_25_65=1");
 * its note says the message holds one VPLS NLRI (RFC 4761 §3.2.2), which the decoder reads.
 */
const BEYOND_REFERENCE: Readonly<Record<string, { readonly announced: Readonly<Record<string, number>> }>> = {
  'akvorado/bmp-reach-vpls.pcap': { announced: { 'l2vpn-vpls': 1 } },
};

interface Row {
  readonly path: string;
  readonly port: number;
  readonly total: number;
  readonly messages: Readonly<Record<MessageKey, number>>;
  readonly announced: Readonly<Record<string, number>>;
  readonly withdrawn: Readonly<Record<string, number>>;
  readonly eor: Readonly<Record<string, number>>;
  /** Paths (under real2) decoded first: the files holding this session's Peer Ups. */
  readonly after: readonly string[];
  /** "src:port->dst:port" -> bytes of BMP in that stream. */
  readonly streams: ReadonlyMap<string, number>;
  readonly notes: string;
}

/** "ann[ipv4-unicast:4,ipv6-vpn:1]" -> counts; "[-]" -> {}. */
function familyCounts(notes: string, tag: string): Record<string, number> {
  const m = new RegExp(`\\b${tag}\\[([^\\]]*)\\]`).exec(notes);
  assert.ok(m, `no ${tag}[...] in the notes`);
  const out: Record<string, number> = {};
  if (m[1] === '-') return out;
  for (const part of (m[1] ?? '').split(',')) {
    const [fam, n] = part.split(':');
    out[fam ?? ''] = Number(n);
  }
  return out;
}

function parseRow(line: string): Row {
  const cols = line.split('\t');
  assert.equal(cols.length, 11, `EXPECTED.tsv row has ${cols.length} columns: ${line.slice(0, 80)}`);
  const [path = '', port, total, ...rest] = cols;
  const notes = rest[7] ?? '';
  const messages = Object.fromEntries(MESSAGE_KEYS.map((k) => [k, 0])) as Record<MessageKey, number>;
  COLUMNS.forEach((k, i) => (messages[k] = Number(rest[i])));
  const dir = dirname(path);
  const peerUps = /\(Peer Up state from ([^)]*)\)/.exec(notes);
  const after = peerUps === null ? [] : (peerUps[1] ?? '').trim().split(/\s+/).map((f) => join(dir, f));
  const streams = new Map<string, number>();
  const s = /streams: (.*?)(?:; \d+\/\d+ msgs also|$)/.exec(notes);
  for (const part of (s?.[1] ?? '').split(' | ')) {
    const m = /^(\S+->\S+) \d+ msgs\/(\d+)B/.exec(part.trim());
    if (m) streams.set(m[1] ?? '', Number(m[2]));
  }
  return { path, port: Number(port), total: Number(total), messages, announced: familyCounts(notes, 'ann'), withdrawn: familyCounts(notes, 'wd'), eor: familyCounts(notes, 'eor'), after, streams, notes };
}

const ROWS: readonly Row[] = haveReal2
  ? readFileSync(join(REAL2, 'EXPECTED.tsv'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map(parseRow)
  : [];

function guard(t: TestContext): boolean {
  if (!haveReal2) t.skip(SKIP);
  return haveReal2;
}

interface Outcome {
  /** This file's own counts (those of the `after` files subtracted). */
  readonly summary: DecodeSummaryJson;
  readonly records: DecodeRecord[];
  readonly streams: Map<string, { bytes: number; gaps: number }>;
}

function counts(o: Record<string, number | string>): Map<string, number> {
  return new Map(Object.entries(o).map(([k, v]) => [k, Number(v)]));
}

function minus(a: Record<string, number | string>, b: Record<string, number | string>): Record<string, number> {
  const out: Record<string, number> = {};
  const bm = counts(b);
  for (const [k, v] of counts(a)) {
    const d = v - (bm.get(k) ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function read(path: string, port: number): ReturnType<typeof DecodeRun.read> {
  return DecodeRun.read(path, readFileSync(join(REAL2, path)), { port });
}

const outcomes = new Map<string, Outcome>();
function outcomeOf(row: Row): Outcome {
  const known = outcomes.get(row.path);
  if (known !== undefined) return known;
  const records: DecodeRecord[] = [];
  let mine = false;
  const run = new DecodeRun({ port: row.port }, (r) => {
    if (mine) records.push(r);
  });
  for (const f of row.after) {
    const r = read(f, row.port);
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.message}`);
    run.addInput(f, r.input);
  }
  const before = run.summary();
  const r = read(row.path, row.port);
  assert.ok(r.ok, `${row.path}: ${r.ok ? '' : r.message}`);
  mine = true;
  run.addInput(row.path, r.input);
  const after = run.summary();
  const summary: DecodeSummaryJson = {
    ...after,
    messages: minus(after.messages, before.messages),
    announced: minus(after.announced, before.announced),
    withdrawn: minus(after.withdrawn, before.withdrawn),
    end_of_rib: minus(after.end_of_rib, before.end_of_rib),
    errors: Number(after.errors) - Number(before.errors),
    error_kinds: minus(after.error_kinds, before.error_kinds),
  };
  const ep = (a: string, p: number): string => `${a}:${p}`;
  const streams = new Map<string, { bytes: number; gaps: number }>();
  for (const s of r.input.streams) {
    if (s.tcp === undefined) continue;
    const key = `${ep(s.tcp.src, s.tcp.srcPort)}->${ep(s.tcp.dst, s.tcp.dstPort)}`;
    const prev = streams.get(key) ?? { bytes: 0, gaps: 0 };
    streams.set(key, { bytes: prev.bytes + s.data.length, gaps: prev.gaps + s.gaps.length });
  }
  const o = { summary, records, streams };
  outcomes.set(row.path, o);
  return o;
}

void test('every capture in testdata/real2 has a row in EXPECTED.tsv, and every row a capture', (t) => {
  if (!guard(t)) return;
  const found = captureFiles(REAL2);
  assert.equal(ROWS.length, 23);
  assert.deepEqual(found.sort(), ROWS.map((r) => r.path).sort());
});

for (const row of ROWS) {
  const name = row.path;
  const extra = BEYOND_REFERENCE[row.path];
  void test(`real2 ${name}: BMP messages by type equal EXPECTED.tsv's (${row.total} in all)`, (t) => {
    if (!guard(t)) return;
    const { summary } = outcomeOf(row);
    const want: Record<string, number> = {};
    for (const k of MESSAGE_KEYS) if (row.messages[k] !== 0) want[k] = row.messages[k];
    assert.deepEqual(summary.messages, want);
    assert.equal(Object.values(summary.messages).reduce((a: number, b) => a + Number(b), 0), row.total);
  });
  void test(`real2 ${name}: NLRI announced and withdrawn by AFI/SAFI and End-of-RIB per family equal EXPECTED.tsv's notes${extra ? ' (plus the VPLS route it leaves out)' : ''}`, (t) => {
    if (!guard(t)) return;
    const { summary } = outcomeOf(row);
    assert.deepEqual(summary.announced, { ...row.announced, ...(extra?.announced ?? {}) }, 'announced');
    assert.deepEqual(summary.withdrawn, row.withdrawn, 'withdrawn');
    assert.deepEqual(summary.end_of_rib, row.eor, 'end_of_rib');
  });
  void test(`real2 ${name}: decodes with no error, and its TCP streams hold the bytes EXPECTED.tsv lists with no gap`, (t) => {
    if (!guard(t)) return;
    const { summary, streams } = outcomeOf(row);
    assert.deepEqual(summary.error_kinds, {});
    assert.equal(summary.errors, 0);
    assert.deepEqual(
      new Map([...streams].map(([k, v]) => [k, v.bytes])),
      row.streams,
    );
    for (const [k, v] of streams) assert.equal(v.gaps, 0, `gaps in ${k}`);
  });
}

void test('real2 bmp-reach-unknown-family (AFI 57 / SAFI 65, one byte changed from the VPLS capture) is kept raw: no route counted, no error', (t) => {
  if (!guard(t)) return;
  const row = ROWS.find((r) => r.path === 'akvorado/bmp-reach-unknown-family.pcap');
  assert.ok(row);
  const { summary, records } = outcomeOf(row);
  assert.deepEqual(summary.announced, {});
  const rm = records.find((r) => r['type'] === 'route_monitoring');
  const reach = (rm?.['update'] as { attributes?: { mpReach?: { afi?: number; safi?: number; rawNlri?: string } } } | undefined)?.attributes?.mpReach;
  assert.equal(reach?.afi, 57);
  assert.equal(reach?.safi, 65);
  assert.ok((reach?.rawNlri ?? '').length > 0);
});

void test('real2: every message re-encodes byte for byte, and every UPDATE (the VPLS route among them) re-encodes from its decoded fields', (t) => {
  if (!guard(t)) return;
  let messages = 0;
  let updates = 0;
  const differ: string[] = [];
  for (const row of ROWS) {
    const r = reencodeAll(REAL2, [...row.after, row.path], row.port);
    messages += r.messages;
    updates += r.updates;
    differ.push(...r.differ);
  }
  assert.deepEqual(differ.slice(0, 5), []);
  assert.ok(messages >= ROWS.reduce((n, r) => n + r.total, 0));
  assert.ok(updates > 2000, `${updates} UPDATEs`);
});

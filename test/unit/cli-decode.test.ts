/**
 * The `ribwatch` CLI as a user runs it (a child process): help and dispatch, `decode` on raw,
 * gzipped and captured BMP, exit codes and messages for unreadable input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { LinkType } from '../../bin/capture/index.js';
import { bmpInitiation, concat, ethernet, ipv4Tcp, pcapFile } from './capture-synth.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../../..');
const BIN = join(REPO, 'bin', 'ribwatch.mjs');
const REAL = resolve(REPO, '..', 'shared', 'testdata', 'real');
const tmp = mkdtempSync(join(tmpdir(), 'ribwatch-cli-'));

function ribwatch(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

const THREE = concat([bmpInitiation('leaf1'), bmpInitiation('leaf2'), bmpInitiation('leaf3')]);

void test('ribwatch --help lists the commands; <command> --help prints its usage', () => {
  const top = ribwatch('--help');
  assert.equal(top.code, 0);
  assert.match(top.stdout, /decode/);
  assert.match(top.stdout, /replay/);
  for (const cmd of ['decode', 'replay']) {
    const r = ribwatch(cmd, '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^usage: ribwatch ${cmd}`));
  }
});

void test('an unknown command or option is a usage error (exit 2)', () => {
  const r = ribwatch('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(ribwatch('decode', '--bogus', 'x').code, 2);
  assert.equal(ribwatch('decode').code, 2);
  assert.equal(ribwatch('decode', '--port', '70000', 'x').code, 2);
  assert.equal(ribwatch('replay', 'x').code, 2);
});

void test('decode prints one JSON object per BMP message with router, stream offset and type', () => {
  const r = ribwatch('decode', '--router', '192.0.2.1', file('three.bmp', THREE));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l['offset']), [0, 15, 30]);
  for (const l of lines) {
    assert.equal(l['router'], '192.0.2.1');
    assert.equal(l['type'], 'initiation');
  }
  assert.equal(lines[1]?.['sysName'], 'leaf2');
});

void test('a raw file is named file:<name> unless --router is given', () => {
  const r = ribwatch('decode', file('named.bmp', THREE));
  assert.equal((JSON.parse(r.stdout.split('\n')[0] ?? '{}') as Record<string, unknown>)['router'], 'file:named.bmp');
});

void test('decode --summary prints one document with every message key, and a truncated last message counts as an error, not a failure', () => {
  const cut = THREE.subarray(0, THREE.length - 4);
  const r = ribwatch('decode', '--summary', file('cut.bmp.gz', gzipSync(cut)));
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(s['messages'], { route_monitoring: 0, statistics_report: 0, peer_down: 0, peer_up: 0, initiation: 2, termination: 0, route_mirroring: 0, unsupported_version: 0 });
  assert.equal(s['errors'], 1);
  assert.deepEqual(s['error_kinds'], { truncated_tail: 1 });
  assert.equal(s['streams'], 1);
  assert.equal(s['bytes'], cut.length);
  for (const k of ['announced', 'withdrawn', 'end_of_rib', 'peers']) assert.ok(k in s, k);
});

void test('decode reads pcap captures and reports each stream\'s router address', () => {
  const pcap = pcapFile([ethernet(ipv4Tcp({ src: '203.0.113.5', dst: '198.51.100.1', sport: 50000, dport: 1790, seq: 1, payload: THREE }))], { linkType: LinkType.Ethernet });
  const r = ribwatch('decode', file('one.pcap', pcap));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.trim().split('\n').every((l) => (JSON.parse(l) as Record<string, unknown>)['router'] === '203.0.113.5'));
});

void test('a missing file, or one that is neither a capture nor BMP, fails with a one-line message naming it', () => {
  const missing = ribwatch('decode', join(tmp, 'nope.pcap'));
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^ribwatch decode: .*nope\.pcap: no such file\n$/);
  const text = file('notes.txt', new TextEncoder().encode('just some text, not BMP\n'));
  const bad = ribwatch('decode', file('ok.bmp', THREE), text);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '', 'nothing is printed when any input is unreadable');
  assert.match(bad.stderr, /notes\.txt: not a pcap\/pcapng capture and not a BMP byte stream/);
});

void test('decoding 208 peer-up and route-monitoring captures together carries each router\'s Peer Up state across files', (t) => {
  const dir = join(REAL, 'pmacct', '208-BMP-mem-leak-test');
  if (!existsSync(dir)) {
    t.skip(`shared test data not found at ${REAL}`);
    return;
  }
  const r = ribwatch('decode', '--summary', join(dir, 'bmp-multi-sources-peer-up.pcap'), join(dir, 'bmp-multi-sources-route-monitoring.pcap'));
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { messages: Record<string, number>; routers: number };
  assert.equal(s.messages['peer_up'], 289);
  assert.equal(s.messages['route_monitoring'], 6955);
  // Routers are keyed by address: the route-monitoring capture adds no router the peer-up capture lacked.
  const alone = JSON.parse(ribwatch('decode', '--summary', join(dir, 'bmp-multi-sources-peer-up.pcap')).stdout) as { routers: number };
  assert.equal(s.routers, alone.routers);
});

void test('a segment missing from a capture is one capture_gap error; decoding resumes at the next message with true stream offsets', async () => {
  const { DecodeRun } = await import('../../bin/commands/decode.js');
  const msgs = ['r1', 'r2', 'r3', 'r4', 'r5'].map((n) => bmpInitiation(n));
  let seq = 1;
  const frames: Uint8Array[] = [];
  msgs.forEach((m, i) => {
    if (i !== 2) frames.push(ethernet(ipv4Tcp({ src: '192.0.2.7', dst: '198.51.100.1', sport: 41000, dport: 1790, seq, payload: m })));
    seq += m.length;
  });
  const read = DecodeRun.read('gap.pcap', pcapFile(frames, { linkType: LinkType.Ethernet }));
  assert.ok(read.ok);
  const records: Record<string, unknown>[] = [];
  const run = new DecodeRun({}, (r) => records.push(r));
  run.addInput('gap.pcap', read.input);
  const s = run.summary();
  assert.equal(s.messages.initiation, 4);
  assert.deepEqual(s.error_kinds, { capture_gap: 1 });
  assert.deepEqual(
    records.filter((r) => r['type'] === 'initiation').map((r) => [r['offset'], r['sysName']]),
    [[0, 'r1'], [12, 'r2'], [36, 'r4'], [48, 'r5']],
  );
});

void test('a message cut by a capture gap counts once, as the gap', async () => {
  const { DecodeRun } = await import('../../bin/commands/decode.js');
  const stream = concat(['r1', 'r2', 'r3', 'r4'].map((n) => bmpInitiation(n)));
  // 12-byte messages in 8-byte segments: dropping the third (bytes 16..23) cuts r2; r3 starts right after the gap.
  const frames: Uint8Array[] = [];
  for (let off = 0, i = 0; off < stream.length; off += 8, i++) {
    if (i !== 2) frames.push(ethernet(ipv4Tcp({ src: '192.0.2.8', dst: '198.51.100.1', sport: 41001, dport: 1790, seq: 1 + off, payload: stream.subarray(off, off + 8) })));
  }
  const read = DecodeRun.read('cut.pcap', pcapFile(frames, { linkType: LinkType.Ethernet }));
  assert.ok(read.ok);
  const run = new DecodeRun();
  run.addInput('cut.pcap', read.input);
  const s = run.summary();
  assert.equal(s.messages.initiation, 3);
  assert.deepEqual(s.error_kinds, { capture_gap: 1 });
});

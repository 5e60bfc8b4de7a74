/**
 * `ribwatch run --demo` as a process, as a newcomer would start it (ephemeral ports, a temporary
 * data directory, real chDB), with a local HTTP server on 127.0.0.1 standing in for Slack
 * (RIBWATCH_SLACK_WEBHOOK_URL): it says the demo is running and how to see the alerts; within
 * about a minute Slack receives Block Kit messages for prefix-flap, dampening, pod-cidr-leak,
 * prefix-limit and max-prefix-teardown; SIGTERM exits 0; `ribwatch sql` then shows those alerts
 * persisted. Bounded: under two minutes; children killed by PID in finally.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChdb } from '../../store/index.js';
import { until } from '../unit/collector-helpers.js';
import { Receiver } from '../unit/notify-receiver.js';

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `ribwatch run --demo test skipped: ${(e as Error).message}`;
  }
}

const CLI = fileURLToPath(new URL('../../../bin/ribwatch.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-demo-'));
const slack = new Receiver();
after(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

const KINDS = ['dampening', 'max-prefix-teardown', 'pod-cidr-leak', 'prefix-flap', 'prefix-limit'];

interface SlackMessage {
  text: string;
  blocks: { type: string; text?: { type: string; text: string }; fields?: unknown[] }[];
}

void test('ribwatch run --demo: Slack gets the five alert kinds within a minute; SIGTERM exits 0; the alerts are in the store', { skip, timeout: 120_000 }, async () => {
  await slack.start();
  const data = join(dir, 'data');
  const env = {
    PATH: process.env['PATH'] ?? '',
    RIBWATCH_COLLECTOR_METRICS_LISTEN: '',
    RIBWATCH_LOG_LEVEL: 'info',
    RIBWATCH_SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/XXXX`,
    // The demo's last trouble (the teardown) comes ~45 s in; a short squash keeps it inside a minute.
    RIBWATCH_ALERTS_SQUASH_SECONDS: '5',
    RIBWATCH_SLACK_MESSAGES_PER_SECOND: '10',
  };
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'run', '--demo', '--data', data, '--bmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], { env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  try {
    await until(() => /^ {2}alerts +curl /m.test(out), 60_000).catch(() => assert.fail(`no demo banner; stdout:\n${out}\nstderr:\n${err.slice(-3000)}`));
    assert.match(out, /^ {2}notify +Slack incoming webhook \(slack\.webhookUrl\): open, escalation, resolve; alerts from warning up$/m);
    assert.match(out, /^ {2}inventory the demo fabric's \(deploy\/inventory\.demo\.yaml\); 1 cluster, 3 routers$/m);
    assert.match(out, /^ {2}demo +a simulated fabric is running/m);
    assert.match(out, /alerts appear within a minute/);
    assert.match(out, /ribwatch sql --data \S+ "SELECT kind, severity, status, summary FROM alerts FINAL"/);
    assert.ok(!out.includes('T000/B000') && !err.includes('T000/B000'), 'the Slack webhook URL is never printed or logged');

    const kindsSeen = (): string[] => [...new Set(slack.requests.map((r) => /^\S+ \S+ (\S+) ·/.exec((JSON.parse(r.body) as SlackMessage).text)?.[1] ?? '?'))].sort();
    await until(() => KINDS.every((k) => kindsSeen().includes(k)), 75_000).catch(() => assert.fail(`Slack got ${kindsSeen().join(', ')} after ${Math.round((Date.now() - t0) / 1000)} s; stderr:\n${err.slice(-3000)}`));
    const took = (Date.now() - t0) / 1000;
    assert.ok(took < 90, `all five kinds took ${took} s`);
    for (const r of slack.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/services/T000/B000/XXXX');
      const m = JSON.parse(r.body) as SlackMessage;
      assert.equal(m.blocks[0]?.type, 'header', 'Block Kit: a header first');
      assert.ok(m.blocks.some((b) => b.type === 'section'), 'Block Kit: sections with the facts');
    }
    const teardown = slack.requests.map((r) => JSON.parse(r.body) as SlackMessage).find((m) => m.text.includes('max-prefix-teardown'));
    assert.match(teardown?.text ?? '', /^🔴 CRITICAL max-prefix-teardown · router=leaf2 peer=192\.168\.12\.16/);

    child.kill('SIGTERM');
    assert.equal(await exit, 0, `exit status; stderr:\n${err.slice(-3000)}`);

    const sql = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'sql', '--data', data, 'SELECT kind, severity, status FROM alerts FINAL ORDER BY kind, severity'], { env, timeout: 30_000, killSignal: 'SIGKILL' }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : null) : 0, stdout, stderr }),
      );
    });
    assert.equal(sql.code, 0, sql.stderr);
    const rows = sql.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
    assert.deepEqual([...new Set(rows.map((r) => r[0]))].sort(), KINDS);
    assert.ok(rows.every((r) => r[2] === 'open'), sql.stdout);
    assert.equal(rows.filter((r) => r[0] === 'pod-cidr-leak').length, 3, sql.stdout);
  } finally {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
});

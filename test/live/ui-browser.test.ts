/**
 * The web UI in a real browser (Debian's Chromium, driven by playwright-core) against
 * `ribwatch run --demo` as a process (real chDB), with a real router capture replayed into it
 * after the page opened: every page shows what the API holds — the demo's three routers and the
 * replayed one (appearing without a reload), its prefixes with the attributes side by side, the
 * flapping peer marked, the timeline and the dampening penalty of the flapping /32, the alerts
 * grouped with their next step, the churn charts — acknowledge is refused to a read token and
 * works with an admin one, the token never stays in the address bar, the fabric page fits a
 * phone's width, and axe-core finds no serious accessibility violation on any page. A screenshot
 * of each page goes to RIBWATCH_TEST_OUT (default .scratch/test-output/ui).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { loadChdb } from '../../store/index.js';
import { announce4, concat, initiation, peer, peerUp, until } from '../unit/collector-helpers.js';

const CHROMIUM = process.env['RIBWATCH_CHROMIUM'] ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'bin/ribwatch.mjs');
const OUT = process.env['RIBWATCH_TEST_OUT'] ?? join(ROOT, '.scratch/test-output/ui');
/** A real FRR router's session (Initiation, Peer Ups, IPv4 unicast and VPN routes, Peer Downs). */
const CAPTURE = join(ROOT, '../shared/testdata/real/pmacct/205-BMP-6wind-FRR-peer_down/traffic-00.pcap');

let skip: false | string = process.env['RIBWATCH_SKIP_LIVE'] ? 'RIBWATCH_SKIP_LIVE is set' : false;
if (!skip && !existsSync(CHROMIUM)) skip = `web UI browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set RIBWATCH_CHROMIUM)`;
if (!skip && !existsSync(join(ROOT, 'dist/ui/index.html'))) skip = 'web UI browser test skipped: the UI is not built (npm run build)';
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `web UI browser test skipped: ${(e as Error).message}`;
  }
}

const ADMIN = 'rw_ui_admin_token_0123456789abcdef';
const READER = 'rw_ui_read_token_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'ribwatch-ui-'));
const children: ChildProcessWithoutNullStreams[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => undefined);
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function ribwatch(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The router to replay: the real capture when ../shared is here, else a small synthetic session. */
async function routerToReplay(): Promise<{ file: string; sysName: string; prefix: string; source: string }> {
  if (existsSync(CAPTURE)) {
    const d = await ribwatch(['decode', CAPTURE]);
    assert.equal(d.code, 0, d.stderr);
    let sysName = '';
    let prefix = '';
    for (const line of d.stdout.split('\n')) {
      if (line === '') continue;
      const m = JSON.parse(line) as { type: string; sysName?: string; update?: { nlri?: { prefix: string }[] } };
      if (m.type === 'initiation' && m.sysName) sysName ||= m.sysName;
      if (m.type === 'route_monitoring' && m.update?.nlri?.[0]) prefix ||= m.update.nlri[0].prefix;
    }
    assert.ok(sysName && prefix, 'the capture has an Initiation and IPv4 routes');
    return { file: CAPTURE, sysName, prefix, source: 'real capture' };
  }
  const p = peer('127.0.20.2', 64530);
  const file = join(dir, 'synthetic.bmp');
  writeFileSync(file, concat([initiation('ui-test-router'), peerUp(p), announce4(p, '10.250.1.0/24'), announce4(p, '10.250.2.0/24')]));
  return { file, sysName: 'ui-test-router', prefix: '10.250.1.0/24', source: 'synthetic session (../shared absent)' };
}

async function api<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function eventually(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

async function axe(page: Page, name: string): Promise<void> {
  const source = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: source });
  const violations = await page.evaluate(async () => {
    // Runs in the page: its globals, typed here by hand (the tests compile without the DOM library).
    const w = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[] }> } };
    const r = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${name}: axe-core found serious violations: ${JSON.stringify(serious)}`);
}

void test('web UI in Chromium: fabric, prefix, alerts, Kubernetes and churn pages over ribwatch run --demo with a real router replayed', { skip, timeout: 300_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const data = join(dir, 'data');
  const config = join(dir, 'ribwatch.yaml');
  const readHash = createHash('sha256').update(READER).digest('hex');
  writeFileSync(config, `api:\n  tokens:\n    - { name: reader, scope: read, sha256: ${readHash} }\n`);
  const env = { PATH: process.env['PATH'] ?? '', RIBWATCH_COLLECTOR_METRICS_LISTEN: '', RIBWATCH_LOG_LEVEL: 'warn', RIBWATCH_API_TOKEN: ADMIN, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0' };
  const child = spawn(process.execPath, [CLI, 'run', '--demo', '--config', config, '--data', data, '--bmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], { env });
  let out = '';
  let err = '';
  children.push(child);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await until(() => /^Stop with /m.test(out), 90_000).catch(() => assert.fail(`no banner; stdout:\n${out}\nstderr:\n${err}`));
  const base = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/m.exec(out)?.[1];
  const bmpPort = /^ {2}BMP +listening on 127\.0\.0\.1:(\d+)/m.exec(out)?.[1];
  assert.ok(base && bmpPort, out);
  const replayed = await routerToReplay();

  // The page's files need no token; its data calls do.
  for (const path of ['/', '/prefix', '/alerts', '/kubernetes', '/churn', '/ui/app.js', '/ui/app.css']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    if (!path.startsWith('/ui/')) assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  }
  assert.equal((await fetch(`${base}/api/v1/routers`)).status, 401);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });

  // Fabric: the token comes in the fragment and leaves the address bar at once.
  await page.goto(`${base}/#token=${ADMIN}`);
  assert.equal(new URL(page.url()).hash, '');
  for (const name of ['leaf1', 'leaf2', 'border1']) await page.getByRole('heading', { name: new RegExp(`^${name} `) }).waitFor({ timeout: 60_000 });
  // A router that connects after the page opened appears without a reload.
  const replay = await ribwatch(['replay', replayed.file, '--to', `127.0.0.1:${bmpPort}`, '--port', '1790']);
  assert.equal(replay.code, 0, replay.stderr);
  await eventually(`the API knows ${replayed.sysName}`, 30_000, async () => (await api<{ routers: { sys_name: string | null }[] }>(base, '/routers')).routers.some((r) => r.sys_name === replayed.sysName));
  await page.getByRole('heading', { name: new RegExp(`^${replayed.sysName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }).waitFor({ timeout: 10_000 });
  // The demo's flapping node peer is marked.
  await page.locator('tr.flapping .b-flapping').first().waitFor({ timeout: 60_000 });
  assert.ok((await page.locator('.bar').count()) > 0, 'prefix bars');
  await shot(page, 'fabric');

  // Prefix: the replayed router's route, attributes side by side; the address bar is the page's address.
  await page.goto(`${base}/prefix?q=${encodeURIComponent(replayed.prefix)}`);
  const routes = page.locator('table.routes tbody tr');
  await routes.first().waitFor({ timeout: 20_000 });
  assert.ok((await page.locator('table.routes').innerText()).includes(replayed.sysName), `the route table names ${replayed.sysName} (${replayed.source})`);
  assert.ok((await page.locator('table.side th[scope=row]').allInnerTexts()).includes('AS path'));

  // The flapping /32: its timeline, and the dampening penalty against the thresholds once the analyzer damps it.
  const flapping = '172.16.0.88/32';
  await eventually('a dampening alert for the flapping /32', 90_000, async () => (await api<{ alerts: unknown[] }>(base, `/alerts?kind=dampening&prefix=${encodeURIComponent(flapping)}`)).alerts.length > 0);
  await page.getByRole('link', { name: 'Churn' }).click();
  await page.getByRole('link', { name: flapping }).first().click();
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, `/prefix?q=${encodeURIComponent(flapping)}`);
  await page.locator('section[aria-label=history] figure canvas').first().waitFor({ timeout: 20_000 });
  await page.locator('section[aria-label=dampening] figure canvas').first().waitFor({ timeout: 20_000 });
  assert.match(await page.locator('section[aria-label=dampening] figcaption').innerText(), /suppress 2,000, reuse 750/);
  await shot(page, 'prefix');

  // Alerts: grouped by kind with the next step; a read token cannot acknowledge, an admin token can.
  await page.goto(`${base}/alerts`);
  await page.locator('section[aria-label="dampening alerts"]').waitFor({ timeout: 20_000 });
  assert.ok((await page.locator('.alert .next').count()) > 0);
  await shot(page, 'alerts');
  const readPage = await (await browser.newContext()).newPage();
  await readPage.goto(`${base}/alerts#token=${READER}`);
  const firstAck = readPage.locator('.alert button.ack').first();
  await firstAck.waitFor({ timeout: 20_000 });
  await firstAck.click();
  await readPage.locator('.notice .error').waitFor({ timeout: 10_000 });
  assert.match(await readPage.locator('.notice .error').innerText(), /needs an admin token/);
  const card = page.locator('section[aria-label="dampening alerts"] .alert').first();
  const id = await card.getAttribute('data-id');
  assert.ok(id);
  await card.locator('button.ack').click();
  await page.locator('.notice .ok').waitFor({ timeout: 10_000 });
  // The lifecycle stores the change a moment later.
  await eventually('the alert stored as acknowledged', 15_000, async () => (await api<{ status: string }>(base, `/alerts/${id}`)).status === 'acknowledged');

  // Kubernetes: without a cluster source, the page says how to add one.
  await page.goto(`${base}/kubernetes`);
  await page.getByText('No cluster source is configured').waitFor({ timeout: 20_000 });
  await shot(page, 'kubernetes');

  // Churn: the charts and the top prefixes.
  await page.goto(`${base}/churn?window=1h`);
  await page.locator('section[aria-label="churning prefixes"] figure canvas').first().waitFor({ timeout: 20_000 });
  assert.ok((await page.locator('section[aria-label="churning prefixes"] tbody tr').count()) > 0);
  await shot(page, 'churn');

  // A phone's width: nothing wider than the screen (tables scroll inside their box).
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await phone.goto(`${base}/#token=${ADMIN}`);
  await phone.getByRole('heading', { name: /^leaf1 / }).waitFor({ timeout: 20_000 });
  const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.ok(overflow <= 1, `the fabric page is ${overflow}px wider than a phone`);
  await shot(phone, 'fabric-phone');

  // Accessibility: axe-core on every page (its script is injected, so this context bypasses the CSP).
  const a11y = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
  await a11y.goto(`${base}/#token=${ADMIN}`);
  await a11y.getByRole('heading', { name: /^leaf1 / }).waitFor({ timeout: 20_000 });
  await axe(a11y, 'fabric');
  for (const [name, path, ready] of [
    ['prefix', `/prefix?q=${encodeURIComponent(flapping)}`, 'section[aria-label=history] canvas'],
    ['alerts', '/alerts', '.alert'],
    ['kubernetes', '/kubernetes', '.empty'],
    ['churn', '/churn', 'section[aria-label="churning prefixes"] canvas'],
  ] as const) {
    await a11y.goto(base + path);
    await a11y.locator(ready).first().waitFor({ timeout: 20_000 });
    await axe(a11y, name);
  }
  assert.deepEqual(pageErrors, [], 'no script errors or CSP refusals in the pages');
  child.kill('SIGTERM');
});

void test('web UI in Chromium: the Kubernetes page with a cluster from --kube-objects — nodes and Services with their verdicts, mismatches first', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const data = join(dir, 'data-kube');
  const objects = join(ROOT, 'test/fixtures/kubernetes/cilium-cluster.yaml');
  const env = { PATH: process.env['PATH'] ?? '', RIBWATCH_COLLECTOR_METRICS_LISTEN: '', RIBWATCH_LOG_LEVEL: 'warn', RIBWATCH_API_TOKEN: ADMIN, RIBWATCH_API_RATE_LIMIT_PER_MINUTE: '0' };
  const run = spawn(process.execPath, [CLI, 'run', '--kube-objects', objects, '--data', data, '--bmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], { env });
  children.push(run);
  let out = '';
  run.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /^Stop with /m.test(out), 90_000).catch(() => assert.fail(`no banner; stdout:\n${out}`));
  const base = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/m.exec(out)?.[1];
  const bmpPort = /^ {2}BMP +listening on 127\.0\.0\.1:(\d+)/m.exec(out)?.[1];
  assert.ok(base && bmpPort, out);
  // The leaf hears node1 (127.0.40.11) announce its PodCIDR; node2 announces nothing.
  const node1 = peer('127.0.40.11', 65010);
  const file = join(dir, 'leaf-kube.bmp');
  writeFileSync(file, concat([initiation('leaf1'), peerUp(node1), announce4(node1, '10.244.1.0/24')]));
  const replay = await ribwatch(['replay', file, '--to', `127.0.0.1:${bmpPort}`]);
  assert.equal(replay.code, 0, replay.stderr);
  const nodes = await (async () => {
    let got: { nodes: { name: string; verdict: string }[] } = { nodes: [] };
    await eventually('the API lists the cluster nodes', 30_000, async () => {
      got = await api<typeof got>(base, '/kubernetes/nodes');
      return got.nodes.some((n) => n.name === 'node1') && got.nodes.some((n) => n.name === 'node2');
    });
    return got.nodes;
  })();
  const mismatched = nodes.filter((n) => n.verdict !== 'ok' && n.verdict !== 'no-bgp').map((n) => n.name);
  assert.ok(mismatched.includes('node2'), `node2 announces nothing it should: ${JSON.stringify(nodes)}`);

  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${base}/kubernetes#token=${ADMIN}`);
  const rows = page.locator('section[aria-label=nodes] tbody tr');
  await rows.first().waitFor({ timeout: 20_000 });
  const texts = await rows.allInnerTexts();
  assert.ok(texts.some((t) => t.startsWith('node1')) && texts.some((t) => t.startsWith('node2')), texts.join('\n'));
  // Mismatches first: every mismatched row comes before every matching one.
  const classes = await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { className: string }).className));
  const firstOk = classes.indexOf('');
  assert.ok(firstOk === -1 || !classes.slice(firstOk).includes('mismatch'), `mismatches first: ${JSON.stringify(classes)}`);
  assert.ok(classes.includes('mismatch'));
  await page.locator('section[aria-label=services] tbody tr').first().waitFor({ timeout: 10_000 });
  assert.match(await page.locator('section[aria-label=services]').innerText(), /shop\/web/);
  await shot(page, 'kubernetes-cluster');
  run.kill('SIGTERM');
});

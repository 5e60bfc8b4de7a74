/**
 * The analyzer against real routers, end to end in one process: FRR leaf1 and FRR border1 (two
 * routers: own hostnames → own sysNames, own BMP source addresses through a network namespace,
 * scenario-netns.ts), GoBGP "Cilium nodes" peering to the leaf, an inventory matching the
 * topology; BMP → collector → memory bus → every detector → AlertManager → Slack webhook → a local
 * HTTP server standing in for Slack, whose payloads are asserted (Block Kit header/sections/fields:
 * what, where, since, severity, evidence, next step; and the subject).
 *
 * Timeline sped up by configuration: prefix-flap warning at 3 flaps in 2 min, squash 1 s; RFD is
 * the inventory's cisco profile (suppress 2000, 1000 per withdrawal: 3 withdrawals in a burst
 * suppress). The fake Slack answers 429 (Retry-After: 1) and then 500 first: the retries are
 * observed and every alert still arrives.
 */
import { NS_ADDR, ROOT_ADDR, createNetns, netnsSkipReason } from './scenario-netns.js';
import type { Netns } from './scenario-netns.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLive, sleep, waitFor } from './harness/index.js';
import { CLUSTER, LEAF, BORDER, nodeAddress, podCidr, scenarioInventory, startScenarioFabric } from './scenario-fabric.js';
import type { ScenarioFabric, ScenarioNode } from './scenario-fabric.js';
import { AnalyzerStack, describeMessages, parseSlack } from './scenario-stack.js';
import type { ParsedSlack } from './scenario-stack.js';
import type { BusRecord, RouteRecord } from '../../records/types.js';

const skip = skipUnlessLive() || netnsSkipReason();
const NODES: readonly ScenarioNode[] = [
  { index: 1, asn: 64512 },
  { index: 2, asn: 64513 },
  { index: 3, asn: 64514, maxPrefix: 10 },
];

void describe('analyzer scenarios with real routers: alerts as Slack receives them', { skip, timeout: 150_000 }, () => {
  const lab = new Lab('analyzer-scenarios');
  let ns: Netns | undefined;
  let stack: AnalyzerStack;
  let fabric: ScenarioFabric;
  const started = Date.now();

  const explain = (): string =>
    `Slack got:\n${describeMessages(stack.slack.requests.map((r) => JSON.parse(r.body) as never))}\nalerts: ${stack.manager
      .list()
      .map((a) => `${a.kind}/${a.severity}/${a.status} ${JSON.stringify(a.subject)}`)
      .join('; ')}`;

  /** Waits for an accepted Slack message matching `pick` (bounded), returns it parsed. */
  const slackMessage = (what: string, pick: (m: ParsedSlack) => boolean, timeoutMs = 30_000): Promise<ParsedSlack> =>
    waitFor(`Slack message: ${what}`, () => stack.accepted().map(parseSlack).find(pick), { timeoutMs, intervalMs: 200, explain });

  /** Waits until the analyzer consumed a live (non-dump) route record matching `pick`. */
  const seen = (what: string, pick: (r: RouteRecord) => boolean, from = 0): Promise<RouteRecord> =>
    waitFor(`record: ${what}`, () => stack.records.slice(from).find((r): r is RouteRecord => r.type === 'route' && pick(r)), { timeoutMs: 20_000, intervalMs: 100, explain: () => fabric.leaf.explain() });

  const leafRouter = (r: BusRecord): boolean => r.router === ROOT_ADDR;

  before(() =>
    lab.guard(async () => {
      ns = createNetns();
      stack = await AnalyzerStack.start({
        listen: { host: ns.rootAddr, port: 0 },
        allow: ['198.51.100.0/24'],
        inventory: scenarioInventory(ns, NODES),
        detectors: { prefixFlap: { windowMs: 120_000, warning: 3, critical: 12 } },
      });
      // Slack is rate limiting, then failing, for the first two attempts.
      stack.slack.script.push({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }, { status: 500, body: 'internal_error' });
      fabric = await startScenarioFabric(lab, ns, { host: stack.address.host, port: stack.address.port }, NODES);
      // Every node announces its own PodCIDR: the fabric's normal state.
      for (const n of NODES) await fabric.node(n.index).addRoute({ prefix: podCidr(n), nextHop: `10.0.0.${n.index + 1}` });
      await fabric.leaf.waitPrefixes(nodeAddress({ index: 3 }), 'ipv4', 1);
      await waitFor('both routers initiated', () => stack.records.filter((r) => r.type === 'router_init').length >= 2, { timeoutMs: 20_000, explain: () => fabric.border.explain() });
      // Past the collector's dump quiet period (5 s) for every node: from here on changes are live.
      await sleep(6_000);
    }),
  );

  after(async () => {
    console.error(`# analyzer-scenarios: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await stack?.close();
    await lab.close();
    ns?.close();
  });

  void it('leaf1 and border1 are two routers: own sysName, own BMP source address', () =>
    lab.guard(() => {
      const inits = stack.records.filter((r): r is Extract<BusRecord, { type: 'router_init' }> => r.type === 'router_init');
      const by = new Map(inits.map((r) => [r.sys_name, r.router]));
      assert.equal(by.get(LEAF.hostname), ROOT_ADDR);
      assert.equal(by.get(BORDER.hostname), NS_ADDR);
      assert.ok(stack.records.some((r) => r.type === 'peer_up' && r.router === NS_ADDR && r.peer.address === ROOT_ADDR), "border1 reports its session with leaf1");
      assert.equal(stack.slack.requests.length, 0, `steady start, nothing to say:\n${explain()}`);
      return Promise.resolve();
    }));

  void it('node1 flapping its PodCIDR: prefix-flap (cluster/node/prefix) and dampening (router/peer/prefix)', () =>
    lab.guard(async () => {
      const node1 = fabric.node(1);
      const prefix = podCidr({ index: 1 });
      for (let i = 0; i < 4; i++) {
        const from = stack.records.length;
        await node1.delRoute(prefix);
        await seen(`withdrawal ${i + 1} of ${prefix}`, (r) => leafRouter(r) && !r.dump && r.withdrawn.some((p) => p.prefix === prefix), from);
        await sleep(800);
        const from2 = stack.records.length;
        await node1.addRoute({ prefix, nextHop: '10.0.0.2' });
        await seen(`re-advertisement ${i + 1} of ${prefix}`, (r) => leafRouter(r) && !r.dump && r.announced.some((p) => p.prefix === prefix), from2);
        await sleep(800);
      }
      const flap = await slackMessage('prefix-flap for node1 PodCIDR', (m) => m.header.includes('prefix-flap') && m.header.includes(prefix));
      assert.match(flap.header, /WARNING|CRITICAL/);
      for (const [k, v] of [['cluster', CLUSTER.name], ['node', 'node1'], ['prefix', prefix]] as const) assert.ok(flap.sections['Where']?.includes(`${k}: \`${v}\``), `Where names ${k}=${v}: ${flap.sections['Where']}`);
      assert.ok(flap.sections['Where']?.includes(LEAF.hostname), 'the observing router is named');
      assert.match(flap.sections['What'] ?? '', new RegExp(prefix.replace(/\./g, '\\.')));
      assert.match(flap.sections['Since'] ?? '', /^\d{4}-\d\d-\d\dT/);
      assert.match(flap.sections['Severity'] ?? '', /warning|critical/);
      assert.ok(Number(flap.evidence['flaps_in_window']) >= 3, `evidence flaps_in_window: ${JSON.stringify(flap.evidence)}`);
      assert.ok((flap.sections['Next step'] ?? '').length > 0);
      assert.equal(flap.event, 'open');

      const damp = await slackMessage('dampening suppressed', (m) => m.header.includes('dampening') && m.header.includes(prefix) && m.header.includes('CRITICAL'));
      for (const [k, v] of [['router', LEAF.hostname], ['peer', nodeAddress({ index: 1 })], ['prefix', prefix]] as const) assert.ok(damp.sections['Where']?.includes(`${k}: \`${v}\``), `Where names ${k}=${v}: ${damp.sections['Where']}`);
      assert.ok(Number(damp.evidence['penalty']) >= 2000, `penalty ≥ cisco suppress 2000: ${JSON.stringify(damp.evidence)}`);
      assert.match(damp.evidence['reuse_at'] ?? '', /^\d{4}-\d\d-\d\dT.*\(in /, 'reusable at T, in the future');
      assert.match(damp.sections['What'] ?? '', /suppress/i);
    }));

  void it("node1 announcing node2's PodCIDR: pod-cidr-leak (mis-origin)", () =>
    lab.guard(async () => {
      const stolen = podCidr({ index: 2 });
      await fabric.node(1).addRoute({ prefix: stolen, nextHop: '10.0.0.2' });
      const m = await slackMessage('mis-origin leak', (x) => x.header.includes('pod-cidr-leak') && x.header.includes(`prefix=${stolen}`));
      assert.ok(m.sections['Where']?.includes(`prefix: \`${stolen}\``));
      assert.ok(m.sections['Where']?.includes(`cluster: \`${CLUSTER.name}\``));
      assert.ok(m.sections['Where']?.includes(LEAF.hostname), m.sections['Where']);
      assert.match(m.sections['What'] ?? '', /node1|127\.0\.10\.2/, 'the summary names who announced it');
      assert.match(m.sections['What'] ?? '', /node2/, "the summary names whose PodCIDR it is");
      assert.match(m.header, /WARNING|CRITICAL/);
      await fabric.node(1).delRoute(stolen);
    }));

  void it('node2 announcing a /32 pod IP: pod-cidr-leak (more-specific)', () =>
    lab.guard(async () => {
      const podIp = '10.244.2.77/32';
      await fabric.node(2).addRoute({ prefix: podIp, nextHop: '10.0.0.3' });
      const m = await slackMessage('more-specific leak', (x) => x.header.includes('pod-cidr-leak') && x.header.includes(`prefix=${podIp}`));
      assert.ok(m.sections['Where']?.includes(`prefix: \`${podIp}\``));
      assert.ok(m.sections['Where']?.includes('node: `node2`'), m.sections['Where']);
      assert.match(m.sections['What'] ?? '', /more.specific|\/32/i);
      await fabric.node(2).delRoute(podIp);
    }));

  void it('FRR maximum-prefix on node3: prefix-limit warning, critical, then max-prefix-teardown (reason 2 / FSM 0)', () =>
    lab.guard(async () => {
      const node3 = fabric.node(3);
      const peer = nodeAddress({ index: 3 });
      // node3 has its PodCIDR (1 prefix) against a limit of 10; LoadBalancer /32s bring it to 8 (80 %).
      for (let i = 1; i <= 7; i++) await node3.addRoute({ prefix: `172.16.0.${100 + i}/32`, nextHop: '10.0.0.4' });
      const warn = await slackMessage('prefix-limit warning', (m) => m.header.includes('prefix-limit') && m.header.includes(`peer=${peer}`));
      assert.match(warn.header, /WARNING/);
      for (const [k, v] of [['router', LEAF.hostname], ['peer', peer]] as const) assert.ok(warn.sections['Where']?.includes(`${k}: \`${v}\``), warn.sections['Where']);
      assert.equal(Number(warn.evidence['limit'] ?? warn.evidence['max_prefix']), 10, JSON.stringify(warn.evidence));
      // 9 of 10 (90 %): critical.
      await node3.addRoute({ prefix: '172.16.0.108/32', nextHop: '10.0.0.4' });
      const crit = await slackMessage('prefix-limit critical', (m) => m.header.includes('prefix-limit') && m.header.includes(`peer=${peer}`) && m.header.includes('CRITICAL'));
      assert.match(crit.header, /Escalated|CRITICAL/);
      // A clear excess: FRR stops the session (Idle (PfxCt)); its BMP Peer Down says only reason 2, FSM event 0.
      for (let i = 9; i <= 14; i++) await node3.addRoute({ prefix: `172.16.0.${100 + i}/32`, nextHop: '10.0.0.4' });
      await waitFor('FRR to stop node3 on its prefix count', async () => (await fabric.leaf.peers())[peer]?.state === 'Idle (PfxCt)', { timeoutMs: 20_000, explain: () => fabric.leaf.explain() });
      const down = await waitFor('peer_down for node3', () => stack.records.find((r): r is Extract<BusRecord, { type: 'peer_down' }> => r.type === 'peer_down' && leafRouter(r) && r.peer.address === peer), { timeoutMs: 15_000 });
      assert.deepEqual([down.reason, down.fsm_event, down.notification], [2, 0, null], 'FRR 8.4 shape');
      const td = await slackMessage('max-prefix-teardown', (m) => m.header.includes('max-prefix-teardown') && m.header.includes(`peer=${peer}`));
      assert.match(td.header, /CRITICAL/);
      for (const [k, v] of [['router', LEAF.hostname], ['peer', peer]] as const) assert.ok(td.sections['Where']?.includes(`${k}: \`${v}\``), td.sections['Where']);
      assert.match(td.sections['What'] ?? '', /max(imum)?.prefix/i);
    }));

  void it('Slack answered 429 (Retry-After: 1) and 500 first: retried, nothing lost', () =>
    lab.guard(async () => {
      const reqs = stack.slack.requests;
      assert.deepEqual(reqs.slice(0, 2).map((r) => r.status), [429, 500]);
      // The same message (alert and event; its relative times are rendered afresh per attempt).
      const ident = (i: number): string => {
        const m = parseSlack(JSON.parse(reqs[i]?.body ?? '{}') as never);
        return `${m.alertId} ${m.event}`;
      };
      assert.equal(ident(1), ident(0), 'the same message retried after the 429');
      assert.ok((reqs[1]?.at ?? 0) - (reqs[0]?.at ?? 0) >= 950, `Retry-After: 1 honoured (${(reqs[1]?.at ?? 0) - (reqs[0]?.at ?? 0)} ms)`);
      assert.equal(ident(2), ident(0), 'and again after the 500');
      assert.equal(reqs[2]?.status, 200, 'then accepted');
      // Every alert at or above warning, unsilenced, has its open message delivered.
      await waitFor(
        'an accepted open message for every notifiable alert',
        () => {
          const opened = new Set(stack.accepted().map(parseSlack).map((m) => m.alertId));
          return stack.manager.list().filter((a) => a.peakSeverity !== 'info' && !a.silenced).every((a) => opened.has(a.id));
        },
        { timeoutMs: 15_000, explain },
      );
      const kinds = new Set(stack.accepted().map(parseSlack).map((m) => /(?:INFO|WARNING|CRITICAL) (\S+) ·/.exec(m.header)?.[1]));
      assert.deepEqual([...kinds].sort(), ['dampening', 'max-prefix-teardown', 'pod-cidr-leak', 'prefix-flap', 'prefix-limit'], explain());
    }));
});

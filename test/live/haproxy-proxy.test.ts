/**
 * Live proof (issue 11): routers behind a load balancer stay apart. A real HAProxy (Debian's 2.6)
 * sits in front of two `ribwatch collector` processes: frontends with `send-proxy-v2` and
 * `send-proxy` (v1) to collector A (collector.proxyProtocol required, proxyFrom 127.0.0.1/32), and a
 * plain TCP frontend to collector B (no PROXY protocol), so B sees every router from HAProxy's
 * one source address.
 *
 * Behind it: two real FRR routers (leaf1 and border1, dialling BMP from 127.0.0.1 through the v2
 * and the plain frontends), and two `ribwatch replay` routers connecting from 127.0.0.2 and
 * 127.0.0.3 with one default hostname ("frr"), through the v1 and the v2 frontends.
 *
 * - A keys the replayed routers by the address the PROXY header carries (v1 and v2), and their
 *   shared sysName does not merge them; the FRR routers, both 127.0.0.1 in the header, stay two
 *   by sysName.
 * - B, without PROXY protocol, tells the two FRR routers apart by sysName: `127.0.0.1` and
 *   `127.0.0.1/<sysName>`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { BusRecord } from '../../records/types.js';
import { announce4, concat, initiation, peer, peerUp, termination } from '../unit/collector-helpers.js';
import { CollectorProcess, Lab, RIBWATCH_CLI, freePorts, runOk, skipUnlessLive, startFabric, tail, waitFor } from './harness/index.js';
import type { Fabric, Tracked } from './harness/index.js';

const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
const skip = skipUnlessLive() || (haproxy.status === 0 ? false : 'haproxy not installed (apt-get install haproxy)');

function haproxyConfig(ports: { v2: number; v1: number; plain: number }, a: number, b: number): string {
  const fe = (name: string, port: number, server: string): string[] => [`frontend ${name}`, `  bind 127.0.0.1:${port}`, `  default_backend ${name}`, `backend ${name}`, `  server collector ${server}`];
  return [
    'global',
    '  maxconn 256',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    ...fe('v2', ports.v2, `127.0.0.1:${a} send-proxy-v2`),
    ...fe('v1', ports.v1, `127.0.0.1:${a} send-proxy`),
    ...fe('plain', ports.plain, `127.0.0.1:${b}`),
    '',
  ].join('\n');
}

/** A router's BMP session as a raw file: Initiation ("frr", every FRR's default hostname), a peer, a route, Termination. */
function routerFile(path: string, prefix: string): void {
  const p = peer('10.9.0.1', 64600);
  writeFileSync(path, concat([initiation('frr', 'replayed router'), peerUp(p), announce4(p, prefix), termination(0)]));
}

const routersOf = (rs: readonly BusRecord[]): string[] => [...new Set(rs.map((r) => r.router))].sort();
const sysNames = (rs: readonly BusRecord[]): [string, string | null][] =>
  rs.flatMap((r) => (r.type === 'router_init' ? [[r.router, r.sys_name] as [string, string | null]] : [])).sort((x, y) => x[0].localeCompare(y[0]));

void describe('routers behind HAProxy: PROXY protocol v1/v2 and sysName keying', { skip, timeout: 120_000 }, () => {
  const labA = new Lab('haproxy-a');
  const labB = new Lab('haproxy-b');
  let a: CollectorProcess;
  let b: CollectorProcess;
  let lb: Tracked;
  let fabric: Fabric;
  let fe: { v2: number; v1: number; plain: number };
  const explain = (): string => `${a.explain()}\n${b.explain()}\n--- haproxy ---\n${tail(lb.log)}\n${fabric?.leaf.explain() ?? ''}`;

  before(() =>
    labA.guard(async () => {
      a = await CollectorProcess.start(labA, { RIBWATCH_COLLECTOR_PROXY_PROTOCOL: 'required', RIBWATCH_COLLECTOR_PROXY_FROM: '127.0.0.1/32' });
      b = await CollectorProcess.start(labB, {});
      const [v2, v1, plain] = await freePorts(3);
      fe = { v2: v2!, v1: v1!, plain: plain! };
      const cfg = labA.path('haproxy.cfg');
      writeFileSync(cfg, haproxyConfig(fe, a.port, b.port));
      await runOk('haproxy', ['-c', '-q', '-f', cfg]);
      lb = labA.spawn('haproxy', 'haproxy', ['-db', '-f', cfg], { log: labA.path('haproxy.log') });
      await waitFor('HAProxy to listen', () => spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${fe.plain}`]).status === 0, { timeoutMs: 10_000, explain });
      fabric = await startFabric(labA, {
        nodes: [],
        bmp: { connect: [{ host: '127.0.0.1', port: fe.v2 }, { host: '127.0.0.1', port: fe.plain }], statsIntervalMs: 1000 },
        border: { bmp: { connect: [{ host: '127.0.0.1', port: fe.v2 }, { host: '127.0.0.1', port: fe.plain }] } },
      });
      // Two routers with one default hostname, each from its own address, through v1 and v2.
      for (const [i, from, port] of [[1, '127.0.0.2', fe.v1], [2, '127.0.0.3', fe.v2]] as const) {
        const file = labA.path(`router${i}.bmp`);
        routerFile(file, `10.244.${i}.0/24`);
        await runOk(process.execPath, [RIBWATCH_CLI, 'replay', file, '--to', `127.0.0.1:${port}`, '--from', from], 30_000);
      }
    }),
  );

  after(async () => {
    await labA.close();
    await labB.close();
  });

  void it('with PROXY protocol (v1 and v2), the replayed routers are keyed by the header address, one sysName notwithstanding', () =>
    labA.guard(async () => {
      const routes = await waitFor(
        'both replayed routers\' routes at collector A',
        () => {
          const rs = a.records().filter((r) => r.type === 'route' && r.peer.address === '10.9.0.1');
          return rs.length >= 2 ? rs : undefined;
        },
        { timeoutMs: 20_000, explain },
      );
      assert.deepEqual(routes.map((r) => [r.router, r.type === 'route' ? r.announced[0]?.prefix : '']).sort(), [['127.0.0.2', '10.244.1.0/24'], ['127.0.0.3', '10.244.2.0/24']]);
      const inits = sysNames(a.records()).filter(([r]) => r === '127.0.0.2' || r === '127.0.0.3');
      assert.deepEqual(inits, [['127.0.0.2', 'frr'], ['127.0.0.3', 'frr']]);
    }),
  );

  void it('with PROXY protocol, the two FRR routers behind one client address stay two', () =>
    labA.guard(async () => {
      const inits = await waitFor(
        'leaf1 and border1 Initiations at collector A',
        () => {
          const s = sysNames(a.records()).filter(([, n]) => n === 'leaf1' || n === 'border1');
          return s.length >= 2 ? s : undefined;
        },
        { timeoutMs: 30_000, explain },
      );
      const keys = inits.map(([r]) => r);
      assert.equal(new Set(keys).size, 2, `two keys: ${JSON.stringify(inits)}`);
      assert.ok(keys.every((k) => k === '127.0.0.1' || /^127\.0\.0\.1\/(leaf1|border1)$/.test(k)), JSON.stringify(inits));
      // Each key's Initiation names one router only.
      for (const [k, n] of inits) assert.ok(k === '127.0.0.1' || k.endsWith(`/${n}`));
      // And the router_up carries the client port HAProxy saw (not HAProxy's own).
      const ups = a.records().filter((r) => r.type === 'router_up' && keys.includes(r.router));
      assert.ok(ups.every((u) => u.type === 'router_up' && u.remote_port > 0));
    }),
  );

  void it('without PROXY protocol, two FRR routers from one source address stay two, keyed apart by sysName', () =>
    labA.guard(async () => {
      const inits = await waitFor(
        'leaf1 and border1 Initiations at collector B',
        () => {
          const s = sysNames(b.records());
          return s.length >= 2 ? s : undefined;
        },
        { timeoutMs: 30_000, explain },
      );
      const [first, second] = inits.map(([, n]) => n);
      assert.deepEqual([first, second].sort(), ['border1', 'leaf1']);
      assert.equal(routersOf(b.records()).length, 2);
      // The first to say its name holds the bare address; the other is <address>/<sysName>.
      const bare = inits.find(([r]) => r === '127.0.0.1');
      const other = inits.find(([r]) => r !== '127.0.0.1');
      assert.ok(bare !== undefined && other !== undefined, JSON.stringify(inits));
      assert.equal(other[0], `127.0.0.1/${other[1]}`);
      // Routes follow their router: leaf1's peer (border1 at 127.0.20.1) is only under leaf1's key.
      const leafKey = inits.find(([, n]) => n === 'leaf1')![0];
      await waitFor('leaf1 to report its peer border1', () => b.records().some((r) => r.type === 'peer_up' && r.router === leafKey && r.peer.address === '127.0.20.1'), { timeoutMs: 30_000, explain });
      assert.ok(!b.records().some((r) => r.type === 'peer_up' && r.router !== leafKey && r.peer.address === '127.0.20.1'));
    }),
  );
});

/**
 * Live proof (issue 14): `ribwatch run` with the issue's configuration (a free port instead of
 * 1179) peers with real speakers over BGP, and the API answers for what they sent:
 *   bgp: { listen: 127.0.0.1:PORT, asn: 65099, neighbors: [{ address: 127.0.0.0/8, asn: any }] }
 * (plus one more specific neighbor entry with maxPrefixes). Then the failures, each through records
 * into the store, the API and the alerts:
 *   - a session reset (FRR `clear bgp`): the peer goes down with FRR's Cease NOTIFICATION and comes
 *     back; a session-flap alert names the neighbor;
 *   - a hold-timer expiry (gobgpd stopped with SIGSTOP): ribwatch sends Hold Timer Expired, the peer
 *     is down with that reason and its routes are gone from /rib;
 *   - a max-prefix teardown: ribwatch closes with Cease / Maximum Number of Prefixes Reached and the
 *     analyzer raises max-prefix-teardown;
 *   - a graceful restart (FRR with `bgp graceful-restart`, killed): its routes stay in /rib as stale,
 *     with the peer not reported down, until its restart time runs out; then they are withdrawn.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { FrrRouter, GobgpNode, Lab, RIBWATCH_CLI, freePort, freePorts, skipUnlessLive, tail, waitFor } from './harness/index.js';
import type { Tracked } from './harness/index.js';
import { loadChdb } from '../../store/index.js';

let skip: false | string = skipUnlessLive();
if (!skip) {
  try {
    await loadChdb();
  } catch (e) {
    skip = `ribwatch run tests skipped: ${(e as Error).message}`;
  }
}

const OUR_AS = 65099;
const TOKEN = 'rw_bgp_live_test_token_0123456789abcdef';

interface RibRow {
  router: string;
  peer: string;
  peer_asn: number;
  view: string;
  afi_safi: string;
  prefix: string;
  path_id: number | null;
  stale?: boolean;
}
interface PeerRow {
  router: string;
  address: string;
  state: string;
  down_reason: { reason: number; reason_name: string; notification: { code: number; subcode: number; name: string } | null } | null;
}
interface AlertRow {
  kind: string;
  status: string;
  summary: string;
  subject: Record<string, string>;
}

void describe('`ribwatch run` with bgp.listen: the API answers for BGP neighbors, and failures give records and alerts', { skip, timeout: 240_000 }, () => {
  const lab = new Lab('bgp-run');
  let run: Tracked;
  let api = '';
  let frr: FrrRouter;
  let frrGr: FrrRouter;
  let held: GobgpNode;
  let greedy: GobgpNode;
  const explain = (): string => `--- run log ---\n${tail(run.log, 40)}`;

  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${api}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const rib = async (prefix: string, router?: string): Promise<RibRow[]> =>
    (await get<{ routes: RibRow[] }>(`/rib?prefix=${encodeURIComponent(prefix)}${router ? `&router=${encodeURIComponent(router)}` : ''}`)).routes;
  const peer = async (router: string): Promise<PeerRow | undefined> => (await get<{ peers: PeerRow[] }>(`/peers?router=${encodeURIComponent(router)}`)).peers[0];
  const alerts = async (): Promise<AlertRow[]> => (await get<{ alerts: AlertRow[] }>('/alerts')).alerts;
  const until = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => waitFor(what, check, { timeoutMs, intervalMs: 500, explain });

  before(() =>
    lab.guard(async () => {
      const [bgpPort = 0, apiPort = 0] = await freePorts(2);
      const config = lab.path('ribwatch.yaml');
      writeFileSync(
        config,
        [
          'bgp:',
          `  listen: 127.0.0.1:${bgpPort}`,
          '  asn: 65099',
          '  holdTime: 3',
          '  neighbors:',
          '    - { address: 127.0.0.0/8, asn: any }',
          '    - { address: 127.0.44.3, asn: 65053, maxPrefixes: 3 }',
          '',
        ].join('\n'),
      );
      const log = lab.path('run.log');
      run = lab.spawn('ribwatch-run', process.execPath, [RIBWATCH_CLI, 'run', '--config', config, '--data', lab.path('data'), '--bmp-listen', '127.0.0.1:0', '--api-listen', `127.0.0.1:${apiPort}`], {
        log,
        env: {
          PATH: process.env['PATH'] ?? '',
          RIBWATCH_API_TOKEN: TOKEN,
          RIBWATCH_COLLECTOR_METRICS_LISTEN: '',
          RIBWATCH_LOG_LEVEL: 'info',
          RIBWATCH_ANALYZER_SESSION_FLAP_WARNING: '1',
          RIBWATCH_WRITER_COUNTS_INTERVAL_SECONDS: '1',
        },
      });
      api = `http://127.0.0.1:${apiPort}`;
      await waitFor('run to listen for BGP and serve the API', () => {
        if (run.exited) throw new Error(`run exited (${run.exitCode ?? run.exitSignal})`);
        return existsSync(log) && /BGP +listening on 127\.0\.0\.1:/.test(readFileSync(log, 'utf8')) && /API +http/.test(readFileSync(log, 'utf8'));
      }, { timeoutMs: 60_000, intervalMs: 200, explain });

      const frrNeighbor = (addr: string) => ({ address: '127.0.0.1', remoteAs: OUR_AS, passive: false, port: bgpPort, updateSource: addr, inboundPolicy: false, families: ['ipv4'] as const });
      frr = await FrrRouter.start(lab, { hostname: 'edge51', asn: 65051, routerId: '10.0.44.1', listen: ['127.0.44.1'], port: await freePort('127.0.44.1'), neighbors: [frrNeighbor('127.0.44.1')], networks: ['10.248.1.0/24', '10.248.2.0/24'] });
      frrGr = await FrrRouter.start(lab, {
        hostname: 'edge54',
        asn: 65054,
        routerId: '10.0.44.4',
        listen: ['127.0.44.4'],
        port: await freePort('127.0.44.4'),
        neighbors: [frrNeighbor('127.0.44.4')],
        networks: ['10.248.4.0/24'],
        earlyRouterLines: ['bgp graceful-restart', 'bgp graceful-restart restart-time 8'],
      });
      const [p1 = 0, p2 = 0] = await freePorts(2);
      held = await GobgpNode.start(lab, { name: 'held52', asn: 65052, routerId: '10.0.44.2', localAddress: '127.0.44.2', neighbor: '127.0.0.1', neighborAs: OUR_AS, neighborPort: bgpPort, apiPort: p1, families: ['ipv4-unicast'] });
      greedy = await GobgpNode.start(lab, { name: 'greedy53', asn: 65053, routerId: '10.0.44.3', localAddress: '127.0.44.3', neighbor: '127.0.0.1', neighborAs: OUR_AS, neighborPort: bgpPort, apiPort: p2, families: ['ipv4-unicast'] });
      await Promise.all([frr.waitEstablished('127.0.0.1'), frrGr.waitEstablished('127.0.0.1'), held.waitEstablished(), greedy.waitEstablished()]);
      await held.addRoute({ prefix: '10.248.2.0/24', nextHop: '192.0.2.52' });
    }),
  );

  after(() => lab.close());

  void it('answers /api/v1/rib?prefix=P for a route a neighbor sent, as router bgp:<neighbor> in view adj-in-post', () =>
    lab.guard(async () => {
      const rows = await until('10.248.1.0/24 in /rib', async () => {
        const r = await rib('10.248.1.0/24');
        return r.length > 0 && r;
      });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.router, 'bgp:127.0.44.1');
      assert.equal(rows[0]!.peer, '127.0.44.1');
      assert.equal(rows[0]!.peer_asn, 65051);
      assert.equal(rows[0]!.view, 'adj-in-post');
      // The same prefix from two neighbors: two routers.
      const both = await until('10.248.2.0/24 from FRR and GoBGP', async () => {
        const r = await rib('10.248.2.0/24');
        return r.length === 2 && r;
      });
      assert.deepEqual(both.map((r) => r.router).sort(), ['bgp:127.0.44.1', 'bgp:127.0.44.2']);
      const routers = await get<{ routers: { router: string; state: string; sys_name: string }[] }>('/routers');
      assert.ok(routers.routers.some((r) => r.router === 'bgp:127.0.44.1' && r.sys_name === 'edge51' && r.state === 'connected'), JSON.stringify(routers));
    }),
  );

  void it('a session reset by the neighbor: peer down with its Cease NOTIFICATION, back up, and a session-flap alert', () =>
    lab.guard(async () => {
      await frr.vtysh('clear bgp 127.0.0.1');
      const p = await until('the reset in /peers', async () => {
        const x = await peer('bgp:127.0.44.1');
        return x?.down_reason?.notification?.code === 6 && x;
      });
      assert.equal(p.down_reason?.reason, 3);
      await until('FRR back up', async () => (await peer('bgp:127.0.44.1'))?.state === 'up');
      await until('session-flap alert', async () => (await alerts()).find((a) => a.kind === 'session-flap' && JSON.stringify(a).includes('127.0.44.1')));
      await until('routes back', async () => (await rib('10.248.1.0/24')).length === 1);
    }),
  );

  void it('a hold-timer expiry: ribwatch sends Hold Timer Expired, the peer is down for it, its routes leave /rib', () =>
    lab.guard(async () => {
      process.kill(held.proc.pid, 'SIGSTOP');
      try {
        const p = await until('hold timer expiry in /peers', async () => {
          const x = await peer('bgp:127.0.44.2');
          return x?.state === 'down' && x;
        });
        assert.equal(p.down_reason?.reason, 1, 'local NOTIFICATION');
        assert.deepEqual([p.down_reason?.notification?.code, p.down_reason?.notification?.subcode], [4, 0]);
        await until('its route withdrawn', async () => !(await rib('10.248.2.0/24')).some((r) => r.router === 'bgp:127.0.44.2'));
      } finally {
        process.kill(held.proc.pid, 'SIGCONT');
      }
    }),
  );

  void it('a max-prefix teardown: Cease / Maximum Number of Prefixes Reached, and a max-prefix-teardown alert', () =>
    lab.guard(async () => {
      for (let i = 0; i < 4; i++) await greedy.addRoute({ prefix: `10.248.3${i}.0/24`, nextHop: '192.0.2.53' });
      const p = await until('max-prefix teardown in /peers', async () => {
        const x = await peer('bgp:127.0.44.3');
        return x?.down_reason?.notification?.subcode === 1 && x;
      });
      assert.equal(p.down_reason?.notification?.code, 6);
      assert.equal(p.down_reason?.reason, 1);
      const a = await until('max-prefix-teardown alert', async () => (await alerts()).find((x) => x.kind === 'max-prefix-teardown' && JSON.stringify(x).includes('127.0.44.3')));
      assert.match(a.summary, /exceeded its maximum-prefix|Max-prefix/);
    }),
  );

  void it('a graceful restart: the killed neighbor\'s routes stay as stale (peer not down) until its restart time passes, then leave', () =>
    lab.guard(async () => {
      await until('GR route in /rib', async () => (await rib('10.248.4.0/24')).length === 1);
      process.kill(frrGr.proc.pid, 'SIGKILL');
      const stale = await until('the route marked stale', async () => {
        const r = await rib('10.248.4.0/24');
        return r.length === 1 && r[0]!.stale === true && r;
      });
      assert.equal(stale[0]!.router, 'bgp:127.0.44.4');
      const p = await peer('bgp:127.0.44.4');
      assert.notEqual(p?.down_reason?.reason, 3, 'no peer_down while the restart runs');
      await until('withdrawn after the restart time', async () => (await rib('10.248.4.0/24')).length === 0, 40_000);
      const after = await peer('bgp:127.0.44.4');
      assert.equal(after?.state, 'down');
      assert.equal(after?.down_reason?.reason, 2, 'local, no NOTIFICATION: the restart timer');
    }),
  );
});

/**
 * The harness's generated router configs, every option switched on, are accepted by the real
 * daemons' dry runs (`bgpd -C`, `gobgpd -d`), and a bad line is refused with the daemon's words.
 * Fast (no sessions): it keeps options that only later issues use (mirror, BMP listener,
 * maximum-prefix, ADD-PATH, the border's active neighbor) from rotting unnoticed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { FrrRouter, GobgpNode, Lab, frrConfig, gobgpConfig, skipUnlessLive } from './harness/index.js';

const skip = skipUnlessLive();

void describe('live harness configs pass the daemons own checks', { skip, timeout: 30_000 }, () => {
  const lab = new Lab('harness-configs');
  after(() => lab.close());

  void it('FRR: leaf with every BMP and neighbor option', () =>
    lab.guard(async () => {
      const dir = lab.path('frr');
      mkdirSync(dir);
      const text = frrConfig(
        {
          hostname: 'leaf9',
          asn: 65001,
          routerId: '10.0.0.1',
          listen: ['127.0.10.1', '::1'],
          port: 10179,
          neighbors: [
            { address: '127.0.10.2', remoteAs: 64512, description: 'node1', maximumPrefix: '50 restart 1', addpathTxAllPaths: true },
            { address: '::1', remoteAs: 4200000009, description: 'node9', families: ['ipv6'] },
            { address: '127.0.20.1', remoteAs: 65000, passive: false, port: 10180, updateSource: '127.0.10.1', inboundPolicy: false, outboundNextHop: false, softReconfigurationInbound: false },
          ],
          networks: ['0.0.0.0/0', '::/0', '198.51.100.0/24'],
          bmp: { connect: [{ host: '127.0.0.1', port: 11019 }, { host: '127.0.0.1', port: 11021 }], listen: { host: '127.0.0.1', port: 11070 }, statsIntervalMs: 5000, mirror: true },
          extraRouterLines: ['bgp log-neighbor-changes'],
        },
        `${dir}/bgpd.log`,
      );
      for (const line of ['bmp mirror', 'bmp listener 127.0.0.1 port 11070', 'neighbor 127.0.10.2 maximum-prefix 50 restart 1', 'neighbor 127.0.10.2 addpath-tx-all-paths', 'neighbor 127.0.20.1 port 10180']) {
        assert.ok(text.includes(line), `config has "${line}"`);
      }
      writeFileSync(`${dir}/bgpd.conf`, text);
      await FrrRouter.validate(`${dir}/bgpd.conf`, dir);
      writeFileSync(`${dir}/bad.conf`, `${text}router bgp 65001\n bmp monitor ipv4 unicast loc-rib\n`);
      await assert.rejects(FrrRouter.validate(`${dir}/bad.conf`, dir), /rejected/, 'FRR 8.4 has no loc-rib monitoring: the dry run must say so');
    }));

  void it('GoBGP: node with ADD-PATH, an import filter and a BMP exporter', () =>
    lab.guard(async () => {
      const dir = lab.path('gobgp');
      mkdirSync(dir);
      const text = gobgpConfig({
        name: 'node7',
        asn: 4200000007,
        routerId: '10.0.0.8',
        localAddress: '127.0.10.8',
        neighbor: '127.0.10.1',
        neighborAs: 65001,
        neighborPort: 10179,
        apiPort: 50107,
        addPaths: { receive: true, sendMax: 4 },
        prefixLimit: 100,
        importReject: ['198.51.100.0/24', '192.0.2.0/24'],
        bmpServers: [
          { host: '127.0.0.1', port: 11020, policy: 'all', statisticsTimeout: 15 },
          { host: '127.0.0.1', port: 11022, policy: 'local-rib' },
        ],
      });
      assert.ok(text.includes('max-prefixes = 100'));
      writeFileSync(`${dir}/ok.toml`, text);
      await GobgpNode.validate(`${dir}/ok.toml`);
      writeFileSync(`${dir}/bad.toml`, `${text}\n[global.config\n`);
      await assert.rejects(GobgpNode.validate(`${dir}/bad.toml`), /rejected/);
    }));
});

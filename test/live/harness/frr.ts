/**
 * FRR bgpd (Debian's frr package, 8.4) as a fabric router on loopback: no zebra, no root, its own
 * vty socket directory, BMP export to our collector. Two instances (e.g. leaf and border) are two
 * routers: each has its own hostname (the BMP Initiation sysName), listen address and BGP port.
 *
 * The configuration choices are the ones FRR 8.4 needs to produce a useful BMP feed (see
 * docs/router-quirks.md §3): soft-reconfiguration inbound (otherwise pre-policy announcements go out
 * as withdrawals), passive neighbors (Cilium-like nodes dial in), an inbound route-map that adds a
 * community (so post-policy differs from pre-policy) and an outbound next-hop rewrite (GoBGP drops
 * routes whose next hop is a 127/8 address).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { FRR_BGPD, FRR_VTYSH } from './available.js';
import { run, runOk, tail, waitFor } from './procs.js';
import type { Lab, Tracked } from './procs.js';

export type Afi = 'ipv4' | 'ipv6';

export interface FrrNeighbor {
  readonly address: string;
  readonly remoteAs: number;
  readonly description?: string;
  /** Wait for the peer to connect (default true: nodes dial the leaf, as Cilium does). */
  readonly passive?: boolean;
  /** Remote BGP port when this router dials (FRR to FRR on non-179 ports). */
  readonly port?: number;
  readonly updateSource?: string;
  /** Families activated (default both). */
  readonly families?: readonly Afi[];
  /** Apply the inbound policy route-map (default true). */
  readonly inboundPolicy?: boolean;
  /** Rewrite next hops outbound to non-loopback addresses (default true). */
  readonly outboundNextHop?: boolean;
  /** `neighbor X maximum-prefix ...` arguments for IPv4, e.g. "50" or "50 restart 1". */
  readonly maximumPrefix?: string;
  /** `neighbor X addpath-tx-all-paths` (ADD-PATH send, RFC 7911) in every activated family. */
  readonly addpathTxAllPaths?: boolean;
  /** Default true: without it FRR 8.4 sends pre-policy announcements as withdrawals. */
  readonly softReconfigurationInbound?: boolean;
}

export interface FrrBmpOptions {
  /** Collectors FRR dials (`bmp connect`); each gets the full feed. */
  readonly connect?: readonly { readonly host: string; readonly port: number }[];
  /** Passive BMP: FRR listens and the collector connects (`bmp listener`). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Default both. */
  readonly families?: readonly Afi[];
  /** `bmp stats interval` in ms; 0 or undefined = no statistics reports. */
  readonly statsIntervalMs?: number;
  /** `bmp mirror`: Route Mirroring of every received BGP message. */
  readonly mirror?: boolean;
}

export interface FrrOptions {
  readonly hostname: string;
  readonly asn: number;
  readonly routerId: string;
  /** Addresses bgpd listens on (`-l`), e.g. ["127.0.10.1", "::1"]. */
  readonly listen: readonly string[];
  readonly port: number;
  readonly neighbors: readonly FrrNeighbor[];
  /** Locally originated prefixes (`network`), e.g. ["0.0.0.0/0", "::/0"]. */
  readonly networks?: readonly string[];
  readonly bmp?: FrrBmpOptions;
  /** Community the inbound policy adds (default `<asn>:1000`). */
  readonly inboundCommunity?: string;
  /** Prefixes the inbound policy rejects (default 192.0.2.0/24 le 32 and 2001:db8:dead::/48 le 128). */
  readonly blockedV4?: string;
  readonly blockedV6?: string;
  /** Next hops set outbound (default 10.0.0.1 / 2001:db8::1). */
  readonly outboundNextHopV4?: string;
  readonly outboundNextHopV6?: string;
  /** Extra lines right after `bgp router-id`, before any neighbor (e.g. `bgp graceful-restart`, which FRR refuses once peers exist). */
  readonly earlyRouterLines?: readonly string[];
  /** Extra lines appended inside `router bgp` before the BMP block. */
  readonly extraRouterLines?: readonly string[];
}

const isV6 = (a: string): boolean => a.includes(':');
const afiOf = (prefix: string): Afi => (isV6(prefix) ? 'ipv6' : 'ipv4');

/** Renders bgpd.conf. Exported so unit tests or other harness users can look at it. */
export function frrConfig(o: FrrOptions, logFile: string): string {
  const L: string[] = [];
  const community = o.inboundCommunity ?? `${o.asn}:1000`;
  L.push(`hostname ${o.hostname}`, `log file ${logFile} informational`, '!');
  L.push(`ip prefix-list BLOCKED seq 5 permit ${o.blockedV4 ?? '192.0.2.0/24 le 32'}`);
  L.push(`ipv6 prefix-list BLOCKED6 seq 5 permit ${o.blockedV6 ?? '2001:db8:dead::/48 le 128'}`);
  L.push('route-map IMPORT deny 10', ' match ip address prefix-list BLOCKED', 'exit');
  L.push('route-map IMPORT deny 15', ' match ipv6 address prefix-list BLOCKED6', 'exit');
  L.push('route-map IMPORT permit 20', ` set community ${community} additive`, ' set local-preference 200', 'exit', '!');
  L.push(
    'route-map NH-OUT permit 10',
    ` set ip next-hop ${o.outboundNextHopV4 ?? '10.0.0.1'}`,
    ` set ipv6 next-hop global ${o.outboundNextHopV6 ?? '2001:db8::1'}`,
    'exit',
    '!',
  );
  L.push(`router bgp ${o.asn}`, ` bgp router-id ${o.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast', ' no bgp network import-check');
  for (const line of o.earlyRouterLines ?? []) L.push(` ${line}`);
  for (const n of o.neighbors) {
    L.push(` neighbor ${n.address} remote-as ${n.remoteAs}`);
    if (n.description) L.push(` neighbor ${n.address} description ${n.description}`);
    if (n.passive ?? true) L.push(` neighbor ${n.address} passive`);
    if (n.port !== undefined) L.push(` neighbor ${n.address} port ${n.port}`);
    if (n.updateSource) L.push(` neighbor ${n.address} update-source ${n.updateSource}`);
    L.push(` neighbor ${n.address} timers 3 9`, ` neighbor ${n.address} timers connect 1`);
  }
  for (const afi of ['ipv4', 'ipv6'] as const) {
    L.push(` address-family ${afi} unicast`);
    for (const net of o.networks ?? []) if (afiOf(net) === afi) L.push(`  network ${net}`);
    for (const n of o.neighbors) {
      if (!(n.families ?? ['ipv4', 'ipv6']).includes(afi)) continue;
      const a = n.address;
      L.push(`  neighbor ${a} activate`);
      if (n.softReconfigurationInbound ?? true) L.push(`  neighbor ${a} soft-reconfiguration inbound`);
      if (n.inboundPolicy ?? true) L.push(`  neighbor ${a} route-map IMPORT in`);
      if (n.outboundNextHop ?? true) L.push(`  neighbor ${a} route-map NH-OUT out`);
      if (n.addpathTxAllPaths) L.push(`  neighbor ${a} addpath-tx-all-paths`);
      if (n.maximumPrefix && afi === 'ipv4') L.push(`  neighbor ${a} maximum-prefix ${n.maximumPrefix}`);
    }
    L.push(' exit-address-family');
  }
  for (const line of o.extraRouterLines ?? []) L.push(` ${line}`);
  const bmp = o.bmp;
  if (bmp) {
    L.push(' !', ' bmp targets collector');
    for (const c of bmp.connect ?? []) L.push(`  bmp connect ${c.host} port ${c.port} min-retry 100 max-retry 1000`);
    if (bmp.listen) L.push(`  bmp listener ${bmp.listen.host} port ${bmp.listen.port}`);
    for (const afi of bmp.families ?? ['ipv4', 'ipv6']) {
      L.push(`  bmp monitor ${afi} unicast pre-policy`, `  bmp monitor ${afi} unicast post-policy`);
    }
    if (bmp.statsIntervalMs) L.push(`  bmp stats interval ${bmp.statsIntervalMs}`);
    if (bmp.mirror) L.push('  bmp mirror');
    L.push(' exit');
  }
  L.push('exit', '');
  return L.join('\n');
}

/** FRR's `show bgp <afi> unicast summary json` peer entry (the fields we use). */
export interface FrrPeerSummary {
  readonly state: string;
  readonly pfxRcd?: number;
  readonly pfxSnt?: number;
  readonly remoteAs?: number;
}

/** One path of `show bgp <afi> unicast <prefix> json`. */
export interface FrrPathDetail {
  readonly aspath?: { readonly string: string; readonly length: number };
  readonly community?: { readonly string: string; readonly list?: string[] };
  readonly largeCommunity?: { readonly string: string; readonly list?: string[] };
  readonly peer?: { readonly peerId: string; readonly routerId?: string; readonly type?: string };
  readonly nexthops?: readonly { readonly ip: string; readonly afi: string }[];
  readonly bestpath?: { readonly overall: boolean };
  readonly localpref?: number;
  readonly locPrf?: number;
  readonly origin?: string;
  readonly addpathRxId?: number;
  readonly addpathTxId?: number;
}

export class FrrRouter {
  private constructor(
    private readonly lab: Lab,
    readonly opts: FrrOptions,
    readonly dir: string,
    readonly proc: Tracked,
  ) {}

  get hostname(): string {
    return this.opts.hostname;
  }
  get log(): string {
    return `${this.dir}/bgpd.log`;
  }

  /** Writes the config, checks it with `bgpd -C`, starts bgpd and waits for its vty. */
  static async start(lab: Lab, opts: FrrOptions): Promise<FrrRouter> {
    const dir = lab.path(`frr-${opts.hostname}`);
    mkdirSync(dir, { recursive: true });
    const conf = `${dir}/bgpd.conf`;
    writeFileSync(conf, frrConfig(opts, `${dir}/bgpd.log`));
    await FrrRouter.validate(conf, dir);
    const args = ['-f', conf, '-M', 'bmp', '-Z', '-S'];
    for (const a of opts.listen) args.push('-l', a);
    args.push('-p', String(opts.port), '-P', '0', '--vty_socket', dir, '-i', `${dir}/bgpd.pid`);
    const proc = lab.spawn(`bgpd-${opts.hostname}`, FRR_BGPD, args, { log: `${dir}/stdout.log` });
    const r = new FrrRouter(lab, opts, dir, proc);
    await waitFor(
      `bgpd ${opts.hostname} vty`,
      async () => {
        if (proc.exited) throw new Error(`bgpd ${opts.hostname} exited (${proc.exitCode ?? proc.exitSignal})`);
        if (!existsSync(`${dir}/bgpd.vty`)) return false;
        return (await run(FRR_VTYSH, ['--vty_socket', dir, '-c', 'show version'], 5_000)).code === 0;
      },
      { timeoutMs: 10_000, intervalMs: 100, explain: () => r.explain() },
    );
    return r;
  }

  /** `bgpd -C`: a dry run that rejects unknown commands before anything starts. */
  static async validate(conf: string, dir: string): Promise<void> {
    const r = await run(FRR_BGPD, ['-C', '-f', conf, '-M', 'bmp', '-Z', '-S', '--vty_socket', dir, '-i', `${dir}/dryrun.pid`], 15_000);
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.code !== 0 || /No such command|Unknown command|% Command incomplete|% Invalid/.test(out)) {
      throw new Error(`bgpd -C rejected ${conf} (exit ${r.code}):\n${out.trim()}`);
    }
  }

  /** Log tails for error messages. */
  explain(): string {
    return `--- ${this.opts.hostname} stdout ---\n${tail(`${this.dir}/stdout.log`)}\n--- ${this.opts.hostname} bgpd.log ---\n${tail(this.log)}`;
  }

  /** Runs vtysh commands against this instance only; returns stdout. */
  async vtysh(...commands: string[]): Promise<string> {
    const args = ['--vty_socket', this.dir];
    for (const c of commands) args.push('-c', c);
    return runOk(FRR_VTYSH, args, 15_000);
  }

  /** One `show ... json` command, parsed. */
  async json<T = unknown>(command: string): Promise<T> {
    const out = await this.vtysh(command);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`vtysh '${command}' on ${this.opts.hostname} did not return JSON: ${out.slice(0, 500)}`);
    }
  }

  /** Config mode: `configure terminal`, the lines, `end`. */
  async configure(...lines: string[]): Promise<void> {
    const out = await this.vtysh('configure terminal', ...lines, 'end');
    if (/% (Unknown|Invalid|Command incomplete)|No such command/.test(out)) throw new Error(`FRR ${this.opts.hostname} rejected config: ${out.trim()}`);
  }

  async peers(afi: Afi = 'ipv4'): Promise<Record<string, FrrPeerSummary>> {
    const j = await this.json<{ peers?: Record<string, FrrPeerSummary> }>(`show bgp ${afi} unicast summary json`);
    return j.peers ?? {};
  }

  async waitEstablished(neighbor: string, timeoutMs = 30_000): Promise<void> {
    const afi = (this.opts.neighbors.find((n) => n.address === neighbor)?.families ?? ['ipv4'])[0] ?? 'ipv4';
    await waitFor(`${this.opts.hostname}: neighbor ${neighbor} Established`, async () => (await this.peers(afi))[neighbor]?.state === 'Established', {
      timeoutMs,
      explain: () => this.explain(),
    });
  }

  /** Waits until FRR has accepted at least `n` prefixes of `afi` from `neighbor`. */
  async waitPrefixes(neighbor: string, afi: Afi, n: number, timeoutMs = 20_000): Promise<void> {
    let last = -1;
    await waitFor(
      `${this.opts.hostname}: ${n} ${afi} prefixes from ${neighbor}`,
      async () => {
        last = (await this.peers(afi))[neighbor]?.pfxRcd ?? 0;
        return last >= n;
      },
      { timeoutMs, explain: () => `has ${last}\n${this.explain()}` },
    );
  }

  /** Prefixes FRR received from a neighbor before policy (needs soft-reconfiguration inbound). */
  async receivedRoutes(neighbor: string, afi: Afi): Promise<string[]> {
    const j = await this.json<{ receivedRoutes?: Record<string, unknown> }>(`show bgp ${afi} unicast neighbors ${neighbor} received-routes json`);
    return Object.keys(j.receivedRoutes ?? {}).sort();
  }

  /** Prefixes FRR accepted from a neighbor (post-policy Adj-RIB-In). */
  async acceptedRoutes(neighbor: string, afi: Afi): Promise<string[]> {
    const j = await this.json<{ routes?: Record<string, unknown> }>(`show bgp ${afi} unicast neighbors ${neighbor} routes json`);
    return Object.keys(j.routes ?? {}).sort();
  }

  /** Every path FRR holds for one prefix, with communities and AS path. */
  async prefixPaths(prefix: string): Promise<FrrPathDetail[]> {
    const j = await this.json<{ paths?: FrrPathDetail[] }>(`show bgp ${afiOf(prefix)} unicast ${prefix} json`);
    return j.paths ?? [];
  }

  /** `show bgp <afi> unicast json`: the Loc-RIB table, prefix → paths. */
  async table(afi: Afi): Promise<Record<string, unknown[]>> {
    const j = await this.json<{ routes?: Record<string, unknown[]> }>(`show bgp ${afi} unicast json`);
    return j.routes ?? {};
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.proc);
  }
}

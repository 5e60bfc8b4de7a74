/**
 * gobgpd (Debian's gobgpd package, 3.10) as a Cilium-like node speaker: it never listens
 * (port = -1), dials its leaf from its own loopback address, and advertises whatever
 * `gobgp global rib add` puts in its RIB with the next hop unchanged (eBGP would otherwise rewrite
 * it to the 127/8 session address, which FRR rejects as martian and resets the session). Its gRPC
 * API listens on 127.0.0.1:<a free port>, never the default :50051, and pprof is off.
 *
 * Optionally gobgpd is itself a BMP exporter ([[bmp-servers]]), with pre-policy, post-policy and
 * Loc-RIB (RFC 9069) monitoring.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { run, runOk, tail, waitFor } from './procs.js';
import type { Lab, Tracked } from './procs.js';

export type GobgpFamily = 'ipv4-unicast' | 'ipv6-unicast';
export type BmpPolicy = 'pre-policy' | 'post-policy' | 'local-rib' | 'all';

export interface GobgpNodeOptions {
  readonly name: string;
  readonly asn: number;
  readonly routerId: string;
  /** Source address: 127.0.10.(N+1), or ::1 for the IPv6 node. */
  readonly localAddress: string;
  /** The leaf's address and BGP port. */
  readonly neighbor: string;
  readonly neighborAs: number;
  readonly neighborPort: number;
  readonly apiPort: number;
  /** Default both. */
  readonly families?: readonly GobgpFamily[];
  /** RFC 7911 per family: receive paths and/or send up to sendMax paths. */
  readonly addPaths?: { readonly receive?: boolean; readonly sendMax?: number };
  /** gobgpd as BMP exporter. */
  readonly bmpServers?: readonly { readonly host: string; readonly port: number; readonly policy: BmpPolicy; readonly statisticsTimeout?: number; readonly sysName?: string; readonly sysDescr?: string }[];
  /** Per-family prefix limit toward the leaf (Cilium's prefixLimit): exceeded → Cease / Maximum Number of Prefixes Reached. */
  readonly prefixLimit?: number;
  /** Prefixes the node's import policy rejects (so its post-policy differs from pre-policy). */
  readonly importReject?: readonly string[];
}

const q = (s: string): string => JSON.stringify(s);

export function gobgpConfig(o: GobgpNodeOptions): string {
  const L: string[] = [];
  L.push('[global.config]', `  as = ${o.asn}`, `  router-id = ${q(o.routerId)}`, '  port = -1', `  local-address-list = [${q(o.localAddress)}]`, '');
  L.push('[global.apply-policy.config]', '  export-policy-list = ["nh-unchanged"]', '  default-export-policy = "accept-route"');
  if (o.importReject?.length) L.push('  import-policy-list = ["import-reject"]', '  default-import-policy = "accept-route"');
  L.push('');
  L.push(
    '[[policy-definitions]]',
    '  name = "nh-unchanged"',
    '  [[policy-definitions.statements]]',
    '    name = "keep-nh"',
    '    [policy-definitions.statements.actions]',
    '      route-disposition = "accept-route"',
    '    [policy-definitions.statements.actions.bgp-actions]',
    '      set-next-hop = "unchanged"',
    '',
  );
  if (o.importReject?.length) {
    L.push('[[defined-sets.prefix-sets]]', '  prefix-set-name = "rejected"');
    for (const p of o.importReject) L.push('  [[defined-sets.prefix-sets.prefix-list]]', `    ip-prefix = ${q(p)}`);
    L.push(
      '[[policy-definitions]]',
      '  name = "import-reject"',
      '  [[policy-definitions.statements]]',
      '    name = "reject"',
      '    [policy-definitions.statements.conditions.match-prefix-set]',
      '      prefix-set = "rejected"',
      '    [policy-definitions.statements.actions]',
      '      route-disposition = "reject-route"',
      '',
    );
  }
  L.push(
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = ${q(o.neighbor)}`,
    `    peer-as = ${o.neighborAs}`,
    '  [neighbors.transport.config]',
    `    local-address = ${q(o.localAddress)}`,
    `    remote-port = ${o.neighborPort}`,
    '  [neighbors.timers.config]',
    '    connect-retry = 1',
    '    hold-time = 9',
    '    keepalive-interval = 3',
  );
  for (const f of o.families ?? ['ipv4-unicast', 'ipv6-unicast']) {
    L.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${q(f)}`);
    if (o.prefixLimit !== undefined) {
      L.push('    [neighbors.afi-safis.prefix-limit.config]', `      max-prefixes = ${o.prefixLimit}`, '      shutdown-threshold-pct = 80');
    }
    if (o.addPaths) {
      L.push('    [neighbors.afi-safis.add-paths.config]', `      receive = ${o.addPaths.receive ? 'true' : 'false'}`, `      send-max = ${o.addPaths.sendMax ?? 0}`);
    }
  }
  L.push('');
  for (const b of o.bmpServers ?? []) {
    L.push(
      '[[bmp-servers]]',
      '  [bmp-servers.config]',
      `    address = ${q(b.host)}`,
      `    port = ${b.port}`,
      `    route-monitoring-policy = ${q(b.policy)}`,
      `    statistics-timeout = ${b.statisticsTimeout ?? 0}`,
      `    sys-name = ${q(b.sysName ?? o.name)}`,
      `    sys-descr = ${q(b.sysDescr ?? `gobgpd ${o.name}`)}`,
      '',
    );
  }
  return L.join('\n');
}

/** A route as `gobgp global rib add` takes it. */
export interface NodeRoute {
  readonly prefix: string;
  readonly nextHop: string;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  readonly med?: number;
  /** ADD-PATH: the path identifier the node uses for this path (`identifier N`). */
  readonly identifier?: number;
}

/** `gobgp neighbor -j` entry (fields we use). */
interface GobgpNeighborJson {
  readonly conf?: { readonly neighbor_address?: string };
  readonly state?: { readonly session_state?: number | string; readonly neighbor_address?: string };
}

/** One path of `gobgp global rib -j` (the attributes as gobgp prints them). */
export interface GobgpPathJson {
  readonly nlri?: { readonly prefix?: string };
  readonly attrs?: readonly { readonly type: number; readonly communities?: number[]; readonly value?: unknown; readonly as_paths?: unknown; readonly nexthop?: string }[];
  readonly age?: number;
  readonly best?: boolean;
  readonly 'source-id'?: string;
  readonly 'neighbor-ip'?: string;
  readonly id?: number;
}

export const isV6 = (a: string): boolean => a.includes(':');

/** The ASNs of a `gobgp -j` path's AS_PATH attribute (type 2), segments flattened. */
export function gobgpAsPath(p: GobgpPathJson): number[] {
  const attr = p.attrs?.find((a) => a.type === 2) as { as_paths?: { asns?: number[] }[] } | undefined;
  return (attr?.as_paths ?? []).flatMap((s) => s.asns ?? []);
}

/** RFC 1997 communities of a `gobgp -j` path as "asn:value". */
export function gobgpCommunities(p: GobgpPathJson): string[] {
  return (p.attrs?.find((a) => a.type === 8)?.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`);
}

export class GobgpNode {
  private constructor(
    private readonly lab: Lab,
    readonly opts: GobgpNodeOptions,
    readonly dir: string,
    public proc: Tracked,
  ) {}

  get name(): string {
    return this.opts.name;
  }
  get log(): string {
    return `${this.dir}/gobgpd.log`;
  }

  static async start(lab: Lab, opts: GobgpNodeOptions): Promise<GobgpNode> {
    const dir = lab.path(`gobgp-${opts.name}`);
    mkdirSync(dir, { recursive: true });
    const conf = `${dir}/gobgpd.toml`;
    writeFileSync(conf, gobgpConfig(opts));
    await GobgpNode.validate(conf);
    const node = new GobgpNode(lab, opts, dir, undefined as unknown as Tracked);
    await node.launch();
    return node;
  }

  /** `gobgpd -d`: parse the config and exit, so a bad TOML fails before anything starts. */
  static async validate(conf: string): Promise<void> {
    const dry = await run('gobgpd', ['-d', '-f', conf], 10_000);
    if (dry.code !== 0 || /level=(error|fatal)/.test(dry.stdout + dry.stderr)) throw new Error(`gobgpd -d rejected ${conf}:\n${(dry.stdout + dry.stderr).trim()}`);
  }

  private async launch(): Promise<void> {
    const conf = `${this.dir}/gobgpd.toml`;
    this.proc = this.lab.spawn(`gobgpd-${this.opts.name}`, 'gobgpd', ['-f', conf, `--api-hosts=127.0.0.1:${this.opts.apiPort}`, '--pprof-disable', '-p', '-l', 'info'], { log: this.log });
    await waitFor(
      `gobgpd ${this.opts.name} API on 127.0.0.1:${this.opts.apiPort}`,
      async () => {
        if (this.proc.exited) throw new Error(`gobgpd ${this.opts.name} exited (${this.proc.exitCode ?? this.proc.exitSignal})`);
        return (await run('gobgp', this.base(['global']), 5_000)).code === 0;
      },
      { timeoutMs: 10_000, intervalMs: 100, explain: () => this.explain() },
    );
  }

  explain(): string {
    return `--- ${this.opts.name} gobgpd.log ---\n${tail(this.log)}`;
  }

  private base(args: readonly string[]): string[] {
    return ['-u', '127.0.0.1', '-p', String(this.opts.apiPort), ...args];
  }

  /** Runs the gobgp CLI against this node; returns stdout. */
  cli(...args: string[]): Promise<string> {
    return runOk('gobgp', this.base(args), 15_000);
  }

  /** Runs the gobgp CLI with `-j` and parses the JSON. */
  async json<T = unknown>(...args: string[]): Promise<T> {
    const out = await this.cli('-j', ...args);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`gobgp -j ${args.join(' ')} on ${this.opts.name} did not return JSON: ${out.slice(0, 500)}`);
    }
  }

  async addRoute(r: NodeRoute): Promise<void> {
    const args = ['global', 'rib'];
    // `-a` goes after "add"/"del" in gobgp 3.x CLI syntax
    args.push('add', '-a', isV6(r.prefix) ? 'ipv6' : 'ipv4', r.prefix);
    if (r.identifier !== undefined) args.push('identifier', String(r.identifier));
    args.push('nexthop', r.nextHop);
    if (r.communities?.length) args.push('community', r.communities.join(','));
    if (r.largeCommunities?.length) args.push('large-community', r.largeCommunities.join(','));
    if (r.med !== undefined) args.push('med', String(r.med));
    await this.cli(...args);
  }

  async delRoute(prefix: string, identifier?: number): Promise<void> {
    const args = ['global', 'rib', 'del', '-a', isV6(prefix) ? 'ipv6' : 'ipv4', prefix];
    if (identifier !== undefined) args.push('identifier', String(identifier));
    await this.cli(...args);
  }

  /** The node's global RIB: prefix → paths. */
  async rib(afi: 'ipv4' | 'ipv6'): Promise<Record<string, GobgpPathJson[]>> {
    const j = await this.json<Record<string, GobgpPathJson[]> | null>('global', 'rib', '-a', afi);
    return j ?? {};
  }

  /** What the node received from its leaf (Adj-RIB-In). */
  async adjIn(afi: 'ipv4' | 'ipv6'): Promise<Record<string, GobgpPathJson[]>> {
    const j = await this.json<Record<string, GobgpPathJson[]> | null>('neighbor', this.opts.neighbor, 'adj-in', '-a', afi);
    return j ?? {};
  }

  /** The BGP FSM state of the session to the leaf, as gobgp names it ("established", "active", ...). */
  async sessionState(): Promise<string> {
    const list = await this.json<GobgpNeighborJson[]>('neighbor');
    const n = list.find((x) => (x.state?.neighbor_address ?? x.conf?.neighbor_address) === this.opts.neighbor) ?? list[0];
    const s = n?.state?.session_state;
    if (typeof s === 'number') return ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'][s] ?? String(s);
    return String(s ?? 'unknown').toLowerCase();
  }

  async waitEstablished(timeoutMs = 30_000): Promise<void> {
    let last = '';
    await waitFor(
      `${this.opts.name} established with ${this.opts.neighbor}`,
      async () => {
        last = await this.sessionState();
        return last === 'established';
      },
      { timeoutMs, explain: () => `state ${last}\n${this.explain()}` },
    );
  }

  async waitNotEstablished(timeoutMs = 15_000): Promise<void> {
    await waitFor(`${this.opts.name} session down`, async () => (await this.sessionState()) !== 'established', { timeoutMs, explain: () => this.explain() });
  }

  /** Administrative shutdown of the session (the node sends Cease / Administrative Shutdown). */
  async disableNeighbor(): Promise<void> {
    await this.cli('neighbor', this.opts.neighbor, 'disable');
  }
  async enableNeighbor(): Promise<void> {
    await this.cli('neighbor', this.opts.neighbor, 'enable');
  }

  /** Adds a BMP station at runtime (`gobgp bmp add`). */
  async bmpAdd(host: string, port: number, policy: BmpPolicy | 'pre' | 'post' | 'both'): Promise<void> {
    await this.cli('bmp', 'add', `${host}:${port}`, policy);
  }
  /** Removes a BMP station; the only way to make gobgpd 3.10 send a Termination message. */
  async bmpDel(host: string, port: number): Promise<void> {
    await this.cli('bmp', 'del', `${host}:${port}`);
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.proc);
  }

  /** Starts the same node again (same config and API port) after stop(). */
  async restart(): Promise<void> {
    if (!this.proc.exited) await this.stop();
    await this.launch();
  }
}

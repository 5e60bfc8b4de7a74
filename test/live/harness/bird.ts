/**
 * BIRD 2 (Debian's bird2 package) as a node speaker: static routes exported over one BGP session
 * (IPv4 and IPv6 channels) to a neighbor at a given port, its own control socket, run in the
 * foreground (`-f`) so that it is stopped by PID like every other daemon here.
 *
 * BIRD refuses loopback neighbors ("Invalid remote address 127.0.0.1"), so it runs in a network
 * namespace of our own (random suffix), joined to the root namespace by a veth pair with TEST-NET-3
 * addresses (203.0.113.0/24, a /30 per test process): `ip netns exec` execs BIRD, keeping the PID.
 * Needs root and iproute2; birdNamespaceSkip() says why not.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { run, runOk, tail, waitFor } from './procs.js';
import type { Lab, Tracked } from './procs.js';

export const BIRD = process.env['RIBWATCH_BIRD'] ?? '/usr/sbin/bird';
export const BIRDC = process.env['RIBWATCH_BIRDC'] ?? '/usr/sbin/birdc';

/** A namespace for BIRD and the veth pair to it: ribwatch listens on rootAddr, BIRD speaks from nsAddr. */
export interface BirdNamespace {
  readonly name: string;
  readonly rootAddr: string;
  readonly nsAddr: string;
  remove(): void;
}

export function birdNamespaceSkip(): false | string {
  if (process.platform !== 'linux') return 'BIRD tests need Linux network namespaces';
  if (!existsSync(BIRD)) return `BIRD 2 missing at ${BIRD} (apt-get install bird2)`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'BIRD tests need root (BIRD refuses loopback neighbors, so it runs in a network namespace)';
  return false;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export function createBirdNamespace(): BirdNamespace {
  const slot = process.pid % 60;
  const tag = randomBytes(3).toString('hex');
  const name = `rwbird-${tag}`;
  const vr = `rwbr${tag}`;
  const vn = `rwbn${tag}`;
  const rootAddr = `203.0.113.${4 * slot + 1}`;
  const nsAddr = `203.0.113.${4 * slot + 2}`;
  ip('netns', 'add', name);
  try {
    ip('link', 'add', vr, 'type', 'veth', 'peer', 'name', vn);
    ip('link', 'set', vn, 'netns', name);
    ip('addr', 'add', `${rootAddr}/30`, 'dev', vr);
    ip('link', 'set', vr, 'up');
    ip('-n', name, 'addr', 'add', `${nsAddr}/30`, 'dev', vn);
    ip('-n', name, 'link', 'set', vn, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (e) {
    try {
      ip('netns', 'del', name);
    } catch {
      /* best effort */
    }
    throw e;
  }
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const args of [['link', 'del', vr], ['netns', 'del', name]]) {
      try {
        ip(...args);
      } catch {
        /* gone already */
      }
    }
  };
  process.once('exit', remove);
  return { name, rootAddr, nsAddr, remove };
}

export interface BirdOptions {
  /** Run inside this namespace (from createBirdNamespace). */
  readonly netns?: string;
  readonly name: string;
  readonly asn: number;
  readonly routerId: string;
  readonly localAddress: string;
  /** BIRD's own listening port (a free one: 179 needs root and may be taken). */
  readonly localPort: number;
  readonly neighbor: string;
  readonly neighborAs: number;
  readonly neighborPort: number;
  readonly routes4: readonly string[];
  readonly routes6?: readonly string[];
  /** Extra lines inside `protocol bgp` (e.g. "graceful restart on;"). */
  readonly bgpLines?: readonly string[];
}

export function birdConfig(o: BirdOptions, log: string): string {
  const L = [`log "${log}" all;`, `router id ${o.routerId};`, 'protocol device {}'];
  L.push(`protocol static s4 { ipv4; ${o.routes4.map((r) => `route ${r} blackhole;`).join(' ')} }`);
  if (o.routes6?.length) L.push(`protocol static s6 { ipv6; ${o.routes6.map((r) => `route ${r} blackhole;`).join(' ')} }`);
  L.push(
    'protocol bgp ribwatch {',
    `  local ${o.localAddress} port ${o.localPort} as ${o.asn};`,
    `  neighbor ${o.neighbor} port ${o.neighborPort} as ${o.neighborAs};`,
    '  connect retry time 1;',
    ...(o.bgpLines ?? []).map((l) => `  ${l}`),
    `  ipv4 { import none; export all; next hop address ${o.localAddress}; };`,
    ...(o.routes6?.length ? ['  ipv6 { import none; export all; next hop address 2001:db8::42; };'] : []),
    '}',
  );
  return `${L.join('\n')}\n`;
}

export class BirdNode {
  private constructor(
    private readonly lab: Lab,
    readonly opts: BirdOptions,
    readonly dir: string,
    readonly proc: Tracked,
  ) {}

  get socket(): string {
    return `${this.dir}/bird.ctl`;
  }

  static async start(lab: Lab, opts: BirdOptions): Promise<BirdNode> {
    const dir = lab.path(`bird-${opts.name}`);
    mkdirSync(dir, { recursive: true });
    const conf = `${dir}/bird.conf`;
    writeFileSync(conf, birdConfig(opts, `${dir}/bird.log`));
    const check = await run(BIRD, ['-p', '-c', conf], 10_000);
    if (check.code !== 0) throw new Error(`bird -p rejected ${conf}: ${(check.stderr || check.stdout).trim()}`);
    const args = ['-f', '-c', conf, '-s', `${dir}/bird.ctl`, '-P', `${dir}/bird.pid`];
    const proc = opts.netns === undefined ? lab.spawn(`bird-${opts.name}`, BIRD, args, { log: `${dir}/stdout.log` }) : lab.spawn(`bird-${opts.name}`, 'ip', ['netns', 'exec', opts.netns, BIRD, ...args], { log: `${dir}/stdout.log` });
    const b = new BirdNode(lab, opts, dir, proc);
    await waitFor(
      `bird ${opts.name} control socket`,
      async () => {
        if (proc.exited) throw new Error(`bird ${opts.name} exited (${proc.exitCode ?? proc.exitSignal})`);
        return existsSync(b.socket) && (await run(BIRDC, ['-s', b.socket, 'show', 'status'], 5_000)).code === 0;
      },
      { timeoutMs: 10_000, intervalMs: 100, explain: () => b.explain() },
    );
    return b;
  }

  explain(): string {
    return `--- ${this.opts.name} bird.log ---\n${tail(`${this.dir}/bird.log`)}\n--- stdout ---\n${tail(`${this.dir}/stdout.log`)}`;
  }

  birdc(...args: string[]): Promise<string> {
    return runOk(BIRDC, ['-s', this.socket, ...args], 10_000);
  }

  async waitEstablished(timeoutMs = 30_000): Promise<void> {
    await waitFor(`bird ${this.opts.name} Established`, async () => /Established/.test(await this.birdc('show', 'protocols', 'ribwatch')), { timeoutMs, explain: () => this.explain() });
  }

  /** `birdc show route export ribwatch` for one channel's table: the prefixes BIRD sends ribwatch. */
  async exported(afi: 'ipv4' | 'ipv6'): Promise<string[]> {
    const out = await this.birdc('show', 'route', 'export', 'ribwatch', 'table', afi === 'ipv4' ? 'master4' : 'master6');
    const prefixes = new Set<string>();
    for (const line of out.split('\n')) {
      const m = /^([0-9a-f.:]+\/\d+)\s/.exec(line);
      if (m) prefixes.add(m[1]!);
    }
    return [...prefixes].sort();
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.proc);
  }
}

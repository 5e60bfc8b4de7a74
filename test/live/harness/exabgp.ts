/**
 * ExaBGP (Debian's exabgp package, 4.2) as a scripted speaker: static routes from its
 * configuration, including generic attributes given as raw bytes (`attribute [ 0xCODE 0xFLAGS
 * 0xDATA ]`), which is how a test sends a malformed attribute over a real BGP session. Foreground,
 * no daemonising, its own environment (no /etc/exabgp), stopped by PID.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { run, tail } from './procs.js';
import type { Lab, Tracked } from './procs.js';

export const EXABGP = process.env['RIBWATCH_EXABGP'] ?? '/usr/sbin/exabgp';

export interface ExabgpRoute {
  readonly prefix: string;
  readonly nextHop: string;
  /** Raw attributes: [code, flags, hex data]. */
  readonly raw?: readonly (readonly [number, number, string])[];
}

export interface ExabgpOptions {
  readonly name: string;
  readonly asn: number;
  readonly routerId: string;
  readonly localAddress: string;
  readonly neighbor: string;
  readonly neighborAs: number;
  readonly neighborPort: number;
  readonly routes: readonly ExabgpRoute[];
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

export function exabgpConfig(o: ExabgpOptions): string {
  const routes = o.routes.map((r) => {
    const raw = (r.raw ?? []).map(([code, flags, data]) => ` attribute [ ${hex(code)} ${hex(flags)} 0x${data} ]`).join('');
    return `    route ${r.prefix} next-hop ${r.nextHop}${raw};`;
  });
  return [
    `neighbor ${o.neighbor} {`,
    `  router-id ${o.routerId};`,
    `  local-address ${o.localAddress};`,
    `  local-as ${o.asn};`,
    `  peer-as ${o.neighborAs};`,
    `  connect ${o.neighborPort};`,
    '  family { ipv4 unicast; }',
    '  static {',
    ...routes,
    '  }',
    '}',
    '',
  ].join('\n');
}

export class ExabgpNode {
  private constructor(
    readonly opts: ExabgpOptions,
    readonly dir: string,
    readonly proc: Tracked,
  ) {}

  static async start(lab: Lab, opts: ExabgpOptions): Promise<ExabgpNode> {
    const dir = lab.path(`exabgp-${opts.name}`);
    mkdirSync(dir, { recursive: true });
    const conf = `${dir}/exabgp.conf`;
    writeFileSync(conf, exabgpConfig(opts));
    const env = {
      PATH: process.env['PATH'] ?? '',
      'exabgp.daemon.daemonize': 'false',
      'exabgp.daemon.user': process.getuid?.() === 0 ? 'root' : (process.env['USER'] ?? 'nobody'),
      'exabgp.daemon.pid': `${dir}/exabgp.pid`,
      'exabgp.log.destination': 'stdout',
      'exabgp.tcp.bind': '',
      'exabgp.api.cli': 'false',
    };
    const check = await run(EXABGP, ['--validate', conf], 15_000);
    if (check.code !== 0) throw new Error(`exabgp --validate rejected ${conf}:\n${(check.stdout + check.stderr).slice(-2000)}`);
    const proc = lab.spawn(`exabgp-${opts.name}`, EXABGP, [conf], { log: `${dir}/exabgp.log`, env });
    return new ExabgpNode(opts, dir, proc);
  }

  explain(): string {
    return `--- ${this.opts.name} exabgp.log ---\n${tail(`${this.dir}/exabgp.log`)}`;
  }
}

/**
 * `ribwatch sim`: the demo fabric (simulator/) against any BMP collector. Three simulated
 * routers, each its own BMP session from its own loopback source address, with a Cilium cluster's
 * routes and, within the first minute, a flap storm, a pod CIDR leak and prefix-limit pressure
 * ending in a max-prefix teardown; then a calm steady state until stopped. --print-inventory
 * prints the matching inventory (also in deploy/inventory.demo.yaml) for the analyzer.
 */
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createLogger } from '../../telemetry/log.js';
import { DEFAULT_SOURCES, DEMO_INVENTORY_PATH, demoInventoryYaml, start } from '../../simulator/index.js';
import { parseHostPort } from './replay.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';

const USAGE = `usage: ribwatch sim --to HOST:PORT [--speed N] [--seconds N] [--seed N] [--print-inventory]
                    [--source leaf1=ADDR,leaf2=ADDR,border1=ADDR] [--quiet]
       ribwatch sim --print-inventory

Drive a BMP collector with a simulated Cilium/BGP fabric: leaf1, leaf2 and border1, each its
own BMP session (Initiation, Peer Up per peer, initial dump pre- and post-policy, End-of-RIB,
Statistics Reports every 15 s). Within the first minute (at --speed 1):

   5 s  flap storm: node1 withdraws and re-announces a LoadBalancer /32 every 2 s, 24 times
  15 s  node2 announces node1's PodCIDR and a /32 pod IP (pod CIDR leak)
  20 s  the pod supernet reaches border1 and its upstream
  25 s  node6 grows from 60 to 80 prefixes of its max-prefix 100, 35 s to 95
  45 s  node6 sends a 101st: leaf2 tears it down, NOTIFICATION Cease / Maximum Number of Prefixes Reached

then statistics only, until --seconds pass or SIGINT/SIGTERM (Termination is sent on stop).

  --to HOST:PORT        the collector's BMP listener (127.0.0.1:11019 for a local ribwatch)
  --speed N             time scale (default 1; 10 runs the script in under 5 s)
  --seconds N           stop after N seconds of wall time (default: run until interrupted)
  --seed N              varies addresses and timing jitter, never the story (default 1)
  --print-inventory     print the fabric's inventory YAML on stdout (the same as
                        ${DEMO_INVENTORY_PATH}); alone, print it and exit
  --source LIST         BMP source addresses per router (default leaf1=${DEFAULT_SOURCES['leaf1']},
                        leaf2=${DEFAULT_SOURCES['leaf2']}, border1=${DEFAULT_SOURCES['border1']}). The collector tells routers
                        apart by source address, so a collector off this host needs three
                        local addresses it can reach
  --quiet               log warnings only (default: one line per scripted event)

Exit status: 0 when stopped, 1 when no router could reach the collector, 2 on usage errors.`;

interface Values {
  to?: string;
  speed?: string;
  seconds?: string;
  seed?: string;
  'print-inventory'?: boolean;
  source?: string;
  quiet?: boolean;
}

function positive(v: string | undefined, name: string, integer: boolean): number | string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return `--${name}: expected a positive ${integer ? 'integer' : 'number'}, got '${v}'`;
  return n;
}

function parseSources(v: string | undefined): Record<string, string> | string {
  if (v === undefined) return {};
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const [name = '', addr = ''] = part.split('=').map((s) => s.trim());
    if (!(name in DEFAULT_SOURCES)) return `--source: unknown router '${name}' (leaf1, leaf2, border1)`;
    if (!isIPv4(addr)) return `--source: ${name}: expected an IPv4 address, got '${addr}'`;
    out[name] = addr;
  }
  if (new Set(Object.values({ ...DEFAULT_SOURCES, ...out })).size !== Object.keys(DEFAULT_SOURCES).length) return '--source: the three routers need three different addresses';
  return out;
}

function waitForStop(seconds: number | undefined, allGaveUp: () => boolean): Promise<string> {
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const done = (why: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const t of timers) clearTimeout(t);
      clearInterval(watch);
      resolve(why);
    };
    const onSignal = (sig: NodeJS.Signals): void => done(sig);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (seconds !== undefined) timers.push(setTimeout(() => done('time'), seconds * 1000));
    const watch = setInterval(() => {
      if (allGaveUp()) done('gave-up');
    }, 200);
  });
}

export const command: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    let values: Values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          to: { type: 'string' },
          speed: { type: 'string' },
          seconds: { type: 'string' },
          seed: { type: 'string' },
          'print-inventory': { type: 'boolean' },
          source: { type: 'string' },
          quiet: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      return usageError(io, 'sim', err instanceof Error ? err.message : String(err));
    }
    const speed = positive(values.speed, 'speed', false) ?? 1;
    if (typeof speed === 'string') return usageError(io, 'sim', speed);
    const seconds = positive(values.seconds, 'seconds', false);
    if (typeof seconds === 'string') return usageError(io, 'sim', seconds);
    const seed = positive(values.seed, 'seed', true) ?? 1;
    if (typeof seed === 'string') return usageError(io, 'sim', seed);
    const sources = parseSources(values.source);
    if (typeof sources === 'string') return usageError(io, 'sim', sources);

    if (values['print-inventory']) io.stdout.write(demoInventoryYaml(sources));
    if (values.to === undefined) {
      if (values['print-inventory']) return 0;
      return usageError(io, 'sim', '--to HOST:PORT is required');
    }
    const target = parseHostPort(values.to);
    if (target === undefined) return usageError(io, 'sim', `--to: expected HOST:PORT, got '${values.to}'`);
    const host = target.host === 'localhost' ? '127.0.0.1' : target.host;
    if (!isIPv4(host)) return usageError(io, 'sim', `--to: expected an IPv4 address (the routers dial from IPv4 source addresses), got '${target.host}'`);
    if (!host.startsWith('127.') && values.source === undefined) {
      return usageError(io, 'sim', `--to ${values.to} is not on loopback: pass --source leaf1=A,leaf2=B,border1=C with three addresses of this host (the collector tells routers apart by source address)`);
    }

    const log = createLogger({ level: values.quiet ? 'warn' : 'info', destination: io.stderr, name: 'ribwatch-sim' });
    const fabric = await start({ log }, { bmp: { host, port: target.port }, speed, seed, sources });
    const names = fabric.routers.map((r) => `${r.name} ${r.address}`).join(', ');
    io.stderr.write(`ribwatch sim: ${names} -> ${host}:${target.port}, speed ${speed}, seed ${seed}; trouble within ${Math.ceil(60 / speed)} s${seconds === undefined ? '; stop with Ctrl-C' : `; stopping after ${seconds} s`}\n`);
    const why = await waitForStop(seconds, () => fabric.status().every((s) => s.gaveUp));
    await fabric.stop();
    const status = fabric.status();
    const reached = status.filter((s) => s.sessions > 0).length;
    io.stderr.write(`ribwatch sim: stopped (${why === 'time' ? `${seconds} s passed` : why === 'gave-up' ? 'no router can reach the collector' : why}); ${status.map((s) => `${s.name}: ${s.sessions} session(s), ${s.messages} messages`).join('; ')}\n`);
    if (reached === 0) {
      io.stderr.write(`ribwatch sim: no router could connect to ${host}:${target.port}: is the collector listening there, and does collector.allow admit 127.0.11.0/24?\n`);
      return 1;
    }
    return 0;
  },
};

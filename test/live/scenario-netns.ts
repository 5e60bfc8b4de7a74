/**
 * A second FRR router with its own BMP source address: the border's bgpd runs in a network
 * namespace of our own, joined to the root namespace by a veth pair with TEST-NET-2 addresses
 * (198.51.100.0/24, a /30 per test process). On plain loopback both bgpds reach the collector from
 * 127.0.0.1 (`bmp connect … source-interface` needs zebra), and the collector names a router by
 * its BMP source address, so they would be one router.
 *
 * The harness starts bgpd by the path in RIBWATCH_FRR_BGPD, read when it is first imported, so
 * this module must be imported BEFORE ./harness/: it points that variable at a small wrapper that
 * `exec`s `ip netns exec <ns> bgpd …` when bgpd is told to listen on the namespace's address and
 * plain bgpd otherwise. `exec` all the way keeps the PID the harness records (stop by PID works).
 *
 * Needs root (CAP_NET_ADMIN) and `ip`; without them `netnsSkipReason()` says why and the tests
 * that need two routers skip.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REAL_BGPD = process.env['RIBWATCH_FRR_BGPD'] ?? '/usr/lib/frr/bgpd';
const slot = process.pid % 60;
/** veth addresses: root side .4k+1, namespace side .4k+2 (a /30 per test process). */
export const ROOT_ADDR = `198.51.100.${4 * slot + 1}`;
export const NS_ADDR = `198.51.100.${4 * slot + 2}`;
const NS_NAME = `rwscn${process.pid}`;
const VETH_ROOT = `rwr${process.pid}`.slice(0, 15);
const VETH_NS = `rwn${process.pid}`.slice(0, 15);

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let wrapper: string | undefined;
if (executable(REAL_BGPD) && process.platform === 'linux') {
  wrapper = join(tmpdir(), `ribwatch-bgpd-netns-${process.pid}.sh`);
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      '# ribwatch scenario tests: run the border bgpd in its network namespace (see test/live/scenario-netns.ts)',
      'for a in "$@"; do',
      `  if [ "$a" = "${NS_ADDR}" ] && [ -n "$RIBWATCH_SCENARIO_NETNS" ]; then exec ip netns exec "$RIBWATCH_SCENARIO_NETNS" ${REAL_BGPD} "$@"; fi`,
      'done',
      `exec ${REAL_BGPD} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  process.env['RIBWATCH_FRR_BGPD'] = wrapper;
  const w = wrapper;
  process.once('exit', () => {
    try {
      unlinkSync(w);
    } catch {
      /* gone */
    }
  });
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Why the namespace cannot be made here (false when it can, as far as we can tell up front). */
export function netnsSkipReason(): false | string {
  if (process.platform !== 'linux') return 'two-router scenarios need Linux network namespaces';
  if (wrapper === undefined) return `two-router scenarios need FRR bgpd at ${REAL_BGPD}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'two-router scenarios need root (ip netns add, a veth pair): run as root or skip';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    return "two-router scenarios need iproute2's `ip` (apt-get install iproute2)";
  }
  return false;
}

export interface Netns {
  readonly name: string;
  /** The root namespace's veth address: the collector listens here; the leaf peers from here. */
  readonly rootAddr: string;
  /** The border's address inside the namespace. */
  readonly nsAddr: string;
  /** Deletes the veth pair and the namespace (idempotent). */
  close(): void;
}

let current: Netns | undefined;

/** Creates the namespace and the veth pair; throws with `ip`'s message when not permitted. */
export function createNetns(): Netns {
  const close = (): void => {
    try {
      ip('link', 'del', VETH_ROOT);
    } catch {
      /* gone (deleting the namespace removes its end too) */
    }
    try {
      ip('netns', 'del', NS_NAME);
    } catch {
      /* gone */
    }
    delete process.env['RIBWATCH_SCENARIO_NETNS'];
    current = undefined;
  };
  close();
  try {
    ip('netns', 'add', NS_NAME);
    ip('link', 'add', VETH_ROOT, 'type', 'veth', 'peer', 'name', VETH_NS);
    ip('link', 'set', VETH_NS, 'netns', NS_NAME);
    ip('addr', 'add', `${ROOT_ADDR}/30`, 'dev', VETH_ROOT);
    ip('link', 'set', VETH_ROOT, 'up');
    ip('netns', 'exec', NS_NAME, 'ip', 'addr', 'add', `${NS_ADDR}/30`, 'dev', VETH_NS);
    ip('netns', 'exec', NS_NAME, 'ip', 'link', 'set', VETH_NS, 'up');
    ip('netns', 'exec', NS_NAME, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    close();
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot create network namespace ${NS_NAME}: ${stderr || (e as Error).message}`);
  }
  process.env['RIBWATCH_SCENARIO_NETNS'] = NS_NAME;
  current = { name: NS_NAME, rootAddr: ROOT_ADDR, nsAddr: NS_ADDR, close };
  return current;
}

// Last resort when the test process exits without its after hooks: never leave a namespace behind.
process.once('exit', () => current?.close());

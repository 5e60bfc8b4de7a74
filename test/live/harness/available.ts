/**
 * Whether this machine can run the live router tests. Tests call it up front and skip (with the
 * reason as the skip message) instead of failing on a machine without the Debian packages.
 */
import { existsSync, accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createServer } from 'node:net';

export const FRR_BGPD = process.env['RIBWATCH_FRR_BGPD'] ?? '/usr/lib/frr/bgpd';
export const FRR_VTYSH = process.env['RIBWATCH_FRR_VTYSH'] ?? 'vtysh';
/** Where Debian puts bgpd's loadable modules (bgpd_bmp.so is in the frr package). */
const FRR_MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/frr/modules', '/usr/lib/aarch64-linux-gnu/frr/modules', '/usr/lib/frr/modules', '/usr/lib64/frr/modules'];

function onPath(cmd: string): string | undefined {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface Availability {
  readonly ok: boolean;
  /** Why not, naming what to install; empty when ok. */
  readonly reason: string;
}

let cached: Availability | undefined;

/** FRR bgpd with the BMP module, vtysh, gobgpd and gobgp. */
export function liveAvailable(): Availability {
  if (cached) return cached;
  const missing: string[] = [];
  if (process.env['RIBWATCH_SKIP_LIVE']) {
    cached = { ok: false, reason: 'RIBWATCH_SKIP_LIVE is set' };
    return cached;
  }
  if (process.platform !== 'linux') missing.push(`Linux (this is ${process.platform}; the routers bind 127.0.x.y, which only Linux routes to lo by default)`);
  if (!isExecutable(FRR_BGPD)) missing.push(`FRR bgpd at ${FRR_BGPD} (apt-get install frr)`);
  else if (!FRR_MODULE_DIRS.some((d) => existsSync(join(d, 'bgpd_bmp.so')))) missing.push('FRR BMP module bgpd_bmp.so (apt-get install frr)');
  if (!onPath(FRR_VTYSH)) missing.push('vtysh on PATH (apt-get install frr)');
  if (!onPath('gobgpd')) missing.push('gobgpd on PATH (apt-get install gobgpd)');
  if (!onPath('gobgp')) missing.push('gobgp CLI on PATH (apt-get install gobgpd)');
  cached = missing.length === 0 ? { ok: true, reason: '' } : { ok: false, reason: `live router tests skipped: missing ${missing.join('; ')}` };
  return cached;
}

/** For node:test's `skip` option: false when available, else the reason. */
export function skipUnlessLive(): false | string {
  const a = liveAvailable();
  return a.ok ? false : a.reason;
}

/**
 * Whether ::1 can be bound (IPv6 is disabled in some containers): the IPv6 BGP session needs it.
 * RIBWATCH_LIVE_NO_IPV6=1 pretends it cannot, to exercise that path.
 */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  if (process.env['RIBWATCH_LIVE_NO_IPV6']) return Promise.resolve(false);
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '::1', port: 0 }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Port selection for live tests. Every port is picked by asking the kernel (bind to port 0), so
 * two runs on one machine (or a harness script on the default 10179/11019) never collide.
 */
import { createServer } from 'node:net';

function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(p));
    });
  });
}

/** A TCP port that is free right now on every one of `hosts` (the first host picks it). */
export async function freePort(...hosts: string[]): Promise<number> {
  const [first = '127.0.0.1', ...rest] = hosts;
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await tryListen(first, 0);
    if (p === undefined) throw new Error(`cannot bind to ${first}`);
    let all = true;
    for (const h of rest) if ((await tryListen(h, p)) === undefined) all = false;
    if (all) return p;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

/** n distinct free ports on 127.0.0.1 (e.g. gobgpd gRPC APIs). */
export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort(host));
  return [...out];
}

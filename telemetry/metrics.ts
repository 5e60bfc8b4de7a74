/**
 * Prometheus metrics: one registry per process (not prom-client's global, so tests can make
 * their own), the Node process metrics, and a tiny HTTP server answering GET /metrics.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { HostPort } from '../net/addresses.js';

export function createRegistry(opts: { readonly processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ribwatch_' });
  return registry;
}

export interface MetricsServer {
  readonly server: Server;
  /** The bound address (port resolved when 0 was asked for). */
  readonly address: HostPort;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, listen: HostPort): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const address = a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : listen;
  return {
    server,
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

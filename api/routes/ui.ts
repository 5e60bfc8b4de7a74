/**
 * The web UI (built from ui/ by `npm run build` into dist/ui): its HTML, JS and CSS are served
 * without a token; only the data calls it makes carry one. Every page has a stable path (`/`,
 * `/prefix?q=P`, `/alerts`, `/kubernetes`, `/churn`), all answered by the same index.html: the
 * script reads the path and draws the page.
 *
 * Nothing is loaded from elsewhere (routers' networks are often air-gapped), which the
 * Content-Security-Policy also enforces in the browser.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** The page paths; each answers index.html. */
export const UI_PAGES = ['/', '/prefix', '/alerts', '/kubernetes', '/churn'] as const;

export interface UiOptions {
  /** The built bundle (index.html, app.js, app.css). */
  readonly dir: string;
}

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** True when a built UI is at dir (a checkout that was never built has none). */
export function uiBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

export const uiRoutes: FastifyPluginAsync<UiOptions> = async (app, o) => {
  await app.register(fastifyStatic, { root: o.dir, prefix: '/ui/', index: false, wildcard: true, maxAge: 0, setHeaders: (reply) => void reply.header('content-security-policy', CSP) });
  for (const path of UI_PAGES) {
    app.get(path, { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) => {
      void reply.header('content-security-policy', CSP).header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  }
};

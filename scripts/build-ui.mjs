#!/usr/bin/env node
// Builds the web UI (ui/) into dist/ui: one JS bundle and one CSS file (uPlot's included), and
// index.html. Part of `npm run build`; everything is served by the API itself, nothing from a CDN.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/ui');
mkdirSync(out, { recursive: true });

// esbuild does not type-check: tsc does, against the DOM library (ui/tsconfig.json).
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'ui/tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const common = { bundle: true, minify: true, sourcemap: true, logLevel: 'warning', legalComments: 'linked' };
await build({ ...common, entryPoints: [join(root, 'ui/src/main.ts')], outfile: join(out, 'app.js'), format: 'esm', target: ['chrome110', 'firefox110', 'safari16'] });
await build({ ...common, entryPoints: [join(root, 'ui/style.css')], outfile: join(out, 'app.css') });
copyFileSync(join(root, 'ui/index.html'), join(out, 'index.html'));

#!/usr/bin/env node
// The `ribwatch` command: a thin shim over the compiled CLI (run `npm run build` first).
import('../dist/bin/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('ribwatch: not built yet; run `npm run build` in the ribwatch checkout');
    process.exit(1);
  }
  throw err;
});

#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';

// The bundle (npm run build) starts faster, with a code cache (bin/codecache.js); dist/cli is
// the plain compiled tree.
const entry = new URL('../dist/bundle/entry.json', import.meta.url);
let main;
if (existsSync(entry)) {
  const { file, hash, encoding } = JSON.parse(readFileSync(entry, 'utf8'));
  const { loadBundle } = await import('./codecache.js');
  ({ main } = loadBundle(new URL(file, entry).pathname, { hash, encoding }));
} else if (existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  // A checkout that was never built: one line, not a module-not-found stack trace.
  process.stderr.write('tsfig: not built yet: run `npm ci && npm run build` in this checkout first\n');
  process.exit(1);
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tsfig: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);

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
} else {
  ({ main } = await import('../dist/cli/main.js'));
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

#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The bundle (npm run build) starts faster; dist/cli is the plain compiled tree.
const entry = existsSync(new URL('../dist/bundle/main.js', import.meta.url)) ? '../dist/bundle/main.js' : '../dist/cli/main.js';
const { main } = await import(entry);

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tsfig: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);

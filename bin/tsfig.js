#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json), so a run never starts Node's ES module loader.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// The bundle (npm run build) starts faster, with a code cache (bin/codecache.js); dist/cli is
// the plain compiled tree (ES modules).
const root = join(__dirname, '..');
const entry = join(root, 'dist/bundle/entry.json');

function fail(err) {
  process.stderr.write(`tsfig: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
}

function run(main) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  }, fail);
}

if (existsSync(entry)) {
  let main;
  try {
    const { file, hash, encoding } = JSON.parse(readFileSync(entry, 'utf8'));
    const { loadBundle } = require('./codecache.js');
    ({ main } = loadBundle(join(root, 'dist/bundle', file), { hash, encoding }));
  } catch (err) {
    // A damaged or half-written build: one line saying what to run.
    process.stderr.write(`tsfig: cannot load the build in dist/bundle (${err && err.message ? err.message.split('\n')[0] : String(err)}): run \`npm run build\` in this checkout\n`);
    process.exitCode = 1;
  }
  if (main) run(main);
} else if (existsSync(join(root, 'dist/cli/main.js'))) {
  import(pathToFileURL(join(root, 'dist/cli/main.js')).href).then((m) => run(m.main), fail);
} else {
  // A checkout that was never built: one line, not a module-not-found stack trace.
  process.stderr.write('tsfig: not built yet: run `npm ci && npm run build` in this checkout first\n');
  process.exit(1);
}

// Build step: bundle the CLI (our code and the yaml parser) into a few ES modules in
// dist/bundle, so start-up compiles a handful of files instead of ~150 (a no-op `up` is
// mostly Node module loading). Commands stay lazy (code splitting). Packages with native or
// dynamic parts (ajv, chokidar) stay external and load from node_modules on demand.
// bin/tsfig.js runs the bundle when it exists, else dist/cli/main.js.
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'dist/bundle');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'src/cli/main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  chunkNames: 'chunk-[hash]',
  external: ['ssh2', 'ajv', 'chokidar', 'commander', 'p-queue'],
  // CommonJS parts of bundled packages call require(): give the ES modules one.
  banner: { js: "import { createRequire as __tsfigCreateRequire } from 'node:module'; const require = __tsfigCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
// Same depth as dist/config: the precompiled schema validator sits next to the code that loads it.
copyFileSync(resolve(root, 'dist/config/schema-validator.cjs'), resolve(out, 'schema-validator.cjs'));

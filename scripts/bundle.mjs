// Build step: bundle the CLI (our code, yaml, commander, p-queue, chokidar) into one CommonJS
// file, dist/bundle/tsfig-<hash>.cjs, which bin/tsfig.js compiles with a V8 code cache
// (bin/codecache.js): a warm start deserializes the compiled code instead of resolving,
// reading and compiling ~70 ES modules and commander's files. Commands stay lazy: esbuild
// turns each `await import('./commands/x.js')` into a function run on first use, so a command
// runs only its own modules' top-level code. The schema validator compiled at build time is
// bundled too (with the few ajv runtime helpers it requires); ajv itself (needed only without
// it) and ssh2 (native parts) stay external and load from node_modules on demand.
// The file name carries a hash of its bytes, so a cache made for another build is never used;
// dist/bundle/entry.json names the current file.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'dist/bundle');
rmSync(out, { recursive: true, force: true });
/** src/config/precompiled.ts becomes the validator scripts/compile-schema.mjs wrote. */
const precompiledValidator = {
  name: 'precompiled-validator',
  setup(b) {
    b.onResolve({ filter: /^ajv$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /[\\/]src[\\/]config[\\/]precompiled\.ts$/ }, () => ({
      contents: `export const precompiledValidator = () => require(${JSON.stringify(resolve(root, 'dist/config/schema-validator.cjs'))});`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [resolve(root, 'src/cli/main.ts')],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  write: false,
  outfile: resolve(out, 'tsfig.cjs'),
  // ajv itself is not bundled (an exact match: the validator's runtime helpers under ajv/ are).
  external: ['ssh2'],
  plugins: [precompiledValidator],
  // import.meta.url in CommonJS: the bundle's own file URL (it sits at the depth of dist/cli).
  define: { 'import.meta.url': '__tsfigImportMetaUrl' },
  banner: { js: "var __tsfigImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Less text to read and deserialize at start; names are kept for stack traces (--debug).
  minifyWhitespace: true,
  minifySyntax: true,
  // Non-ASCII in strings escaped: the file is then ASCII, read faster (see `encoding` below).
  charset: 'ascii',
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const text = Buffer.from(code).toString('utf8');
// A dynamic import() left in the bundle would need a module loader the code cache's vm.Script lacks.
if (/\bimport\(\s*["'`]/.test(text)) throw new Error('bundle: a dynamic import() of a module was left in the CommonJS bundle');
// ASCII (the usual case): bin/codecache.js reads it as latin1, a one-byte string without decoding.
const encoding = code.some((b) => b > 0x7f) ? 'utf8' : 'latin1';
const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
const file = `tsfig-${hash}.cjs`;
writeFileSync(resolve(out, file), code);
writeFileSync(resolve(out, 'entry.json'), `${JSON.stringify({ file, hash, encoding })}\n`);

// Runs the CommonJS bundle (scripts/bundle.mjs) with V8's compiled code kept between runs.
//
// Node >= 22: module.enableCompileCache() and a plain require(): Node keeps the cache itself.
// Node 20 has neither, so the bundle is compiled as a vm.Script with `cachedData`: the first run
// of a command compiles as usual and, at exit, stores what V8 compiled (the functions that
// command ran, not only the top level) in the cache directory; later runs deserialize it
// instead of parsing and compiling. V8 checks the cache against the source, its own version
// and flags and rejects one that does not fit (then it is made again); the file name carries
// the bundle's hash, Node's version and the architecture, so another build's or Node's cache
// is never even read. The cache never changes what runs: only how fast it is compiled.
//
//   TSFIG_CACHE_DIR   where the cache lives (default $XDG_CACHE_HOME/tsfig, else ~/.cache/tsfig)
//   TSFIG_CODE_CACHE  0 or false: no code cache (read or written)
//
// Any failure to read or write the cache is ignored: tsfig runs as without it.
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const module_ = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** The cache directory from the environment (empty values count as unset). */
function cacheDir(env) {
  if (env.TSFIG_CACHE_DIR) return env.TSFIG_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'tsfig');
  return join(homedir(), '.cache', 'tsfig');
}

function codeCacheEnabled(env) {
  const v = (env.TSFIG_CODE_CACHE ?? '').trim().toLowerCase();
  return !(v === '0' || v === 'false' || v === 'no' || v === 'off');
}

/**
 * The command word of argv (the first argument that is not an option or an option's value),
 * so each command keeps the code it ran. Only names the cache file: a wrong guess costs speed.
 */
function cacheKey(argv) {
  const valued = new Set(['-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '-H', '--host', '-c', '--context', '--progress', '--ansi', '--parallel']);
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (valued.has(a)) i++;
      continue;
    }
    return /^[a-z][a-z0-9-]{0,30}$/.test(a) ? a : 'other';
  }
  return argv.includes('--version') || argv.includes('-v') ? 'version' : 'none';
}

/** Loads the bundle at `file` (absolute path) and returns its exports. */
function loadBundle(file, { hash, encoding = 'utf8', argv = process.argv, env = process.env } = {}) {
  const req = module_.createRequire(file);
  if (!codeCacheEnabled(env)) return req(file);
  const dir = cacheDir(env);
  // Node >= 22: Node's own compile cache, for this bundle and whatever it requires.
  if (typeof module_.enableCompileCache === 'function') {
    try {
      module_.enableCompileCache(dir);
    } catch {
      // no cache: run as without it
    }
    return req(file);
  }
  const cacheFile = join(dir, `code-${hash}-${process.version}-${process.arch}-${cacheKey(argv)}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // latin1 when the build found the bundle ASCII: a one-byte string, without decoding.
  const source = readFileSync(file, encoding === 'latin1' ? 'latin1' : 'utf8');
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) {
    // At exit the script holds everything this command compiled; store it for the next run.
    process.once('exit', () => {
      try {
        const data = script.createCachedData();
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, data, { mode: 0o600 });
        renameSync(tmp, cacheFile);
        // Caches of other builds or Node versions are never read again.
        for (const f of readdirSync(dir)) if (f.startsWith('code-') && !f.startsWith(`code-${hash}-${process.version}-`)) rmSync(join(dir, f), { force: true });
      } catch {
        // a read-only or full cache directory: the next run compiles again
      }
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, req, mod, file, dirname(file));
  return mod.exports;
}

module.exports = { cacheDir, codeCacheEnabled, cacheKey, loadBundle };

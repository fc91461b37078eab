/**
 * The resolved-project cache: a project loaded once is not parsed, interpolated, validated and
 * resolved again while nothing it was made from has changed. A no-op `up` is mostly start-up
 * plus the loader (issue 16); with the cache the loader's part is reading the project's files
 * and hashing them.
 *
 * What a load depends on is recorded while it runs (config/readfile.ts: every file the loader
 * reads, with its bytes, and every path it looks at, with what it found), next to what it is
 * given: the options, the whole environment, the home directory, the loader's limits and the
 * build of tsfig. A later load with the same options reads and looks at the same paths again;
 * a hash of all of it is the key of AES-256-GCM under which the result was stored. So a result
 * is used only when every input is byte for byte what it was made from (any change and the
 * authentication fails: a miss, and a fresh load), and the file in the cache directory, which
 * holds the resolved project with its environment values, can be read only by someone who
 * already has every input it was made from. Nothing about the inputs but their paths is stored.
 *
 * Only loads that can be repeated are kept: not stdin (`-f -`), not `config`'s raw modes, not a
 * load with errors. Only the bundle (`npm run build`: its file name is its hash) uses the
 * cache: a build of other code never reads a result of this one.
 *
 *   TSFIG_PROJECT_CACHE   0, false, no or off: no project cache (read or written)
 *   TSFIG_CACHE_DIR       where it lives (default $XDG_CACHE_HOME/tsfig, else ~/.cache/tsfig)
 *
 * Any failure to read or write the cache is a miss: the project is loaded as without it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { attachedSources, attachSources, hasErrors, type Diagnostic } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';
import { loadProject, type LoadOptions, type LoadResult } from './load.js';
import { lookAgain, recordInputs, type RecordedInput } from './readfile.js';
import { flatSourceIndex, flattenSources, LIMITS, type FlatSources } from './tree.js';

export interface ProjectCache {
  /** The directory of the cache files. */
  dir: string;
  /** The build of tsfig (the bundle's file name, which carries its hash). */
  build: string;
  /** At most this many project files are kept (the oldest go first). */
  keep?: number;
}

export type CacheOutcome = 'hit' | 'miss' | 'off';

const MAGIC = Buffer.from('TSFIGPC1');
const FORMAT = 'tsfig project cache 1';

/** The bundle's build, when this code runs from it (`dist/bundle/tsfig-<hash>.cjs`). */
function bundleBuild(): string | undefined {
  try {
    const file = basename(fileURLToPath(import.meta.url));
    return /^tsfig-[0-9a-f]{8,}\.cjs$/.test(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The cache the environment asks for: undefined when it is off or this is not the bundle. */
export function projectCacheFromEnv(env: Record<string, string | undefined>, build = bundleBuild()): ProjectCache | undefined {
  const off = (env.TSFIG_PROJECT_CACHE ?? '').trim().toLowerCase();
  if (['0', 'false', 'no', 'off'].includes(off) || !build) return undefined;
  const dir = env.TSFIG_CACHE_DIR || (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'tsfig') : join(homedir(), '.cache', 'tsfig'));
  return { dir, build };
}

/** loadProject, through the cache the environment asks for. */
export function loadProjectCached(opts: LoadOptions): LoadResult {
  return loadCached(opts, projectCacheFromEnv(opts.env)).result;
}

/** loadProject through `cache` (undefined: no cache), and whether the result came from it. */
export function loadCached(opts: LoadOptions, cache: ProjectCache | undefined): { result: LoadResult; outcome: CacheOutcome } {
  const described = cache ? describeOptions(opts) : undefined;
  if (!cache || described === undefined) return { result: loadProject(opts), outcome: 'off' };
  const file = join(cache.dir, `project-${createHash('sha256').update(cache.build).update('\0').update(described).digest('hex').slice(0, 32)}.bin`);
  const hit = readEntry(file, cache, described, opts.env);
  if (hit) return { result: hit, outcome: 'hit' };
  const { value: result, recording } = recordInputs(() => loadProject(opts));
  if (recording.repeatable && result.project && !hasErrors(result.diagnostics)) {
    writeEntry(file, cache, described, opts.env, recording.inputs, result);
  }
  return { result, outcome: 'miss' };
}

/**
 * The options as part of the key, or undefined when the load cannot be repeated (stdin) or is
 * one of `config`'s raw modes (they load twice and return the files as written).
 */
function describeOptions(opts: LoadOptions): string | undefined {
  if (opts.stdin || opts.files?.includes('-')) return undefined;
  if (opts.interpolate === false || opts.resolvePaths === false || opts.resolveEnvFiles === false || opts.consistency === false) return undefined;
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(opts).sort()) {
    if (k === 'env' || k === 'stdin') continue;
    const v = (opts as unknown as Record<string, unknown>)[k];
    if (typeof v === 'function') return undefined;
    rest[k] = v;
  }
  rest.homeDir = opts.homeDir ?? homedir();
  rest.limits = LIMITS;
  return JSON.stringify(rest);
}

/** Each piece with its length first, so no two sequences of pieces hash alike. */
function feed(h: Hash, piece: string | Buffer): void {
  const b = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(b.length));
  h.update(len).update(b);
}

/** The key: the build, the options, the environment and what each input found. */
function keyOf(cache: ProjectCache, described: string, env: Record<string, string | undefined>, inputs: ReadonlyArray<Pick<RecordedInput, 'op' | 'path' | 'found'>>): Buffer {
  const h = createHash('sha256');
  feed(h, FORMAT);
  feed(h, cache.build);
  feed(h, described);
  const names = Object.keys(env).filter((k) => env[k] !== undefined).sort();
  feed(h, String(names.length));
  for (const k of names) {
    feed(h, k);
    feed(h, env[k]!);
  }
  feed(h, String(inputs.length));
  for (const i of inputs) {
    feed(h, i.op);
    feed(h, i.path);
    feed(h, typeof i.found === 'string' ? 's' : 'b');
    feed(h, i.found);
  }
  return h.digest();
}

interface Payload {
  project: Project;
  diagnostics: Diagnostic[];
  vars: Record<string, string | undefined> | undefined;
  /** Depth-first visit numbers of the objects that have no prototype (v8's format drops that). */
  bare: number[];
  sources: FlatSources | undefined;
}

/**
 * Visits every object and array under `root` depth first (each once) and calls `fn` with its
 * visit number; false when something is not plain data (a class instance, a function).
 */
function visitObjects(root: unknown, fn: (obj: object, n: number) => void): boolean {
  const seen = new Set<object>();
  let n = 0;
  let plain = true;
  const visit = (v: unknown): void => {
    if (typeof v === 'function') plain = false;
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== null && proto !== Object.prototype && proto !== Array.prototype) plain = false;
    fn(v, n++);
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x);
  };
  visit(root);
  return plain;
}

function writeEntry(file: string, cache: ProjectCache, described: string, env: Record<string, string | undefined>, inputs: RecordedInput[], result: LoadResult): void {
  try {
    const project = result.project!;
    const index = attachedSources(project);
    const sources = index ? flattenSources(index) : undefined;
    if (index && !sources) return;
    const data = { project, diagnostics: result.diagnostics, vars: result.vars };
    const bare: number[] = [];
    if (!visitObjects(data, (o, n) => (!Array.isArray(o) && Object.getPrototypeOf(o) === null ? bare.push(n) : undefined))) return;
    const payload: Payload = { ...data, bare, sources };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyOf(cache, described, env, inputs), iv);
    const sealed = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
    const header = Buffer.from(JSON.stringify(inputs.map((i) => [i.op, i.path])), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(header.length);
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([MAGIC, len, header, iv, cipher.getAuthTag(), sealed]), { mode: 0o600 });
    renameSync(tmp, file);
    prune(cache);
  } catch {
    // a read-only or full cache directory: the next load is a miss again
  }
}

function readEntry(file: string, cache: ProjectCache, described: string, env: Record<string, string | undefined>): LoadResult | undefined {
  try {
    const buf = readFileSync(file);
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const hlen = buf.readUInt32BE(MAGIC.length);
    const at = MAGIC.length + 4;
    const listed = JSON.parse(buf.subarray(at, at + hlen).toString('utf8')) as unknown;
    if (!Array.isArray(listed)) return undefined;
    const inputs = listed.map((x: unknown) => {
      const [op, path] = x as [unknown, unknown];
      if ((op !== 'read' && op !== 'stat') || typeof path !== 'string') throw new Error('bad entry');
      return { op, path, found: lookAgain(op, path) } as const;
    });
    const iv = buf.subarray(at + hlen, at + hlen + 12);
    const tag = buf.subarray(at + hlen + 12, at + hlen + 28);
    const decipher = createDecipheriv('aes-256-gcm', keyOf(cache, described, env, inputs), iv);
    decipher.setAuthTag(tag);
    // Throws when any input differs from what the entry was made from: a miss.
    const plain = Buffer.concat([decipher.update(buf.subarray(at + hlen + 28)), decipher.final()]);
    const payload = deserialize(plain) as Payload;
    const bare = new Set(payload.bare);
    visitObjects({ project: payload.project, diagnostics: payload.diagnostics, vars: payload.vars }, (o, n) => {
      if (bare.has(n)) Object.setPrototypeOf(o, null);
    });
    if (payload.sources) attachSources(payload.project, flatSourceIndex(payload.sources));
    return { project: payload.project, diagnostics: payload.diagnostics, ...(payload.vars ? { vars: payload.vars } : {}) };
  } catch {
    return undefined;
  }
}

/** At most `keep` project files: the least recently written go. */
function prune(cache: ProjectCache): void {
  const keep = cache.keep ?? 64;
  const files = readdirSync(cache.dir).filter((f) => f.startsWith('project-') && f.endsWith('.bin'));
  if (files.length <= keep) return;
  const aged = files.map((f) => ({ f, t: statSync(join(cache.dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { f } of aged.slice(keep)) rmSync(join(cache.dir, f), { force: true });
}

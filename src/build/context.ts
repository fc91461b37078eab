/**
 * The build context as the engine takes it: a tar stream of the context directory, filtered by
 * its `.dockerignore` (Docker's rules, see dockerignore.ts), written as the docker CLI does:
 *
 * - Paths relative to the context root, sorted; owner 0:0; permission bits and mtimes kept.
 * - Symbolic links are stored as links (their target text, unchanged) and never followed, so
 *   nothing outside the context is ever read; sockets, FIFOs and devices are left out.
 * - The Dockerfile and `.dockerignore` are always sent, even when `.dockerignore` excludes them
 *   (the engine reads them, then drops what `.dockerignore` names from what COPY sees).
 * - A Dockerfile outside the context, or `dockerfile_inline`, is added under a generated name,
 *   and that name is appended to the `.dockerignore` sent, so `COPY . .` does not copy it.
 *
 * Pure Node: no shell, no engine. The tree is listed (lstat) before the stream starts, so a
 * missing context or Dockerfile fails before anything is sent; file contents are read as the
 * stream is consumed.
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { writeTar, type TarInput } from '../engine/tar.js';
import { TsfigError } from '../errors.js';
import { DockerignoreError, IgnoreMatcher, parseDockerignore } from './dockerignore.js';

/** The build context cannot be made (missing folder or Dockerfile, unreadable file, bad pattern). */
export class BuildContextError extends TsfigError {
  constructor(message: string) {
    super(message);
    this.name = 'BuildContextError';
  }
}

/** The name under which a generated Dockerfile (inline, or from outside the context) is sent. */
export const GENERATED_DOCKERFILE = '.tsfig.Dockerfile';

export interface ContextOptions {
  /** The context directory (absolute, or relative to the process's cwd). */
  context: string;
  /** The Dockerfile: relative to the context, or absolute. Default `Dockerfile`. */
  dockerfile?: string;
  /** The Dockerfile's text (`dockerfile_inline`); wins over `dockerfile`. */
  dockerfileInline?: string;
}

export interface ContextEntry {
  /** Path in the archive (`/`-separated, relative to the context root). */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  mtime: number;
  linkname?: string;
  /** Absolute path of the file to read, or the generated content. */
  source: string | Buffer;
}

export interface PackedContext {
  /** The tar archive. */
  stream: Readable;
  /** The Dockerfile's path inside the archive: the engine's `dockerfile` parameter. */
  dockerfile: string;
  /** What the archive holds, in order. */
  entries: ContextEntry[];
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? '';
}

function describe(err: unknown): string {
  const code = errno(err);
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return err instanceof Error ? err.message : String(err);
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

function modeOf(st: Stats): number {
  return st.mode & 0o7777;
}

function mtimeOf(st: Stats): number {
  return Math.floor(st.mtimeMs / 1000);
}

/** List what the context sends (no contents read but `.dockerignore` and generated files). */
export async function listContext(opts: ContextOptions): Promise<{ entries: ContextEntry[]; dockerfile: string }> {
  const given = resolve(opts.context);
  let root: string;
  try {
    root = await realpath(given);
    if (!(await lstat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new BuildContextError(`build context ${given}: ${describe(err)}`);
  }

  // The Dockerfile: inside the context (sent as it is), or generated.
  let dockerfile: string;
  let generated: Buffer | undefined;
  if (opts.dockerfileInline !== undefined) {
    generated = Buffer.from(opts.dockerfileInline, 'utf8');
    dockerfile = GENERATED_DOCKERFILE;
  } else {
    const written = opts.dockerfile ?? 'Dockerfile';
    const abs = isAbsolute(written) ? written : join(given, written);
    let real: string;
    try {
      real = await realpath(abs);
      if (!(await lstat(real)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (err) {
      throw new BuildContextError(`cannot find the Dockerfile ${abs}: ${errno(err) === 'EISDIR' ? 'not a file' : describe(err)}`);
    }
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      try {
        generated = await readFile(real);
      } catch (err) {
        throw new BuildContextError(`cannot read the Dockerfile ${abs}: ${describe(err)}`);
      }
      dockerfile = GENERATED_DOCKERFILE;
    } else {
      dockerfile = toPosix(rel);
    }
  }

  // .dockerignore: only a regular file counts (a link is never followed).
  let ignoreText: string | undefined;
  const ignorePath = join(root, '.dockerignore');
  try {
    const st = await lstat(ignorePath);
    if (st.isFile()) ignoreText = await readFile(ignorePath, 'utf8');
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw new BuildContextError(`cannot read ${ignorePath}: ${describe(err)}`);
  }
  let patterns: string[];
  try {
    patterns = parseDockerignore(ignoreText ?? '');
  } catch (err) {
    throw new BuildContextError(`${ignorePath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The Dockerfile and .dockerignore go whatever .dockerignore says (the docker CLI does the same).
  const always = generated !== undefined ? ['.dockerignore'] : ['.dockerignore', dockerfile];
  let matcher: IgnoreMatcher;
  try {
    matcher = new IgnoreMatcher([...patterns, ...always.map((p) => `!${p}`)]);
  } catch (err) {
    if (err instanceof DockerignoreError) throw new BuildContextError(`${ignorePath}: ${err.message}`);
    throw err;
  }

  const entries: ContextEntry[] = [];
  if (generated !== undefined) {
    // mtime 0: the same text gives the same archive (and the engine's cache does not care).
    entries.push({ name: GENERATED_DOCKERFILE, type: 'file', size: generated.length, mode: 0o644, mtime: 0, source: generated });
    // The engine drops what .dockerignore names from what COPY sees: the generated file too.
    const text = `${ignoreText ?? ''}${ignoreText !== undefined && !ignoreText.endsWith('\n') && ignoreText !== '' ? '\n' : ''}${GENERATED_DOCKERFILE}\n`;
    const buf = Buffer.from(text, 'utf8');
    entries.push({ name: '.dockerignore', type: 'file', size: buf.length, mode: 0o644, mtime: 0, source: buf });
  }
  const skip = new Set(generated !== undefined ? [GENERATED_DOCKERFILE, '.dockerignore'] : []);

  const walk = async (dir: string, relDir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (err) {
      throw new BuildContextError(`build context: cannot list ${dir}: ${describe(err)}`);
    }
    for (const name of names) {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      if (skip.has(rel)) continue;
      const abs = join(dir, name);
      let st: Stats;
      try {
        st = await lstat(abs);
      } catch (err) {
        // Gone since it was listed: not part of the context.
        if (errno(err) === 'ENOENT') continue;
        throw new BuildContextError(`build context: cannot read ${abs}: ${describe(err)}`);
      }
      if (matcher.matches(rel)) {
        // An excluded folder is still walked when an exception may take back something in it.
        if (st.isDirectory() && matcher.hasExceptions && matcher.exceptionsBelow(rel)) await walk(abs, rel);
        continue;
      }
      if (st.isDirectory()) {
        entries.push({ name: rel, type: 'directory', size: 0, mode: modeOf(st), mtime: mtimeOf(st), source: abs });
        await walk(abs, rel);
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await readlink(abs);
        } catch (err) {
          throw new BuildContextError(`build context: cannot read the link ${abs}: ${describe(err)}`);
        }
        entries.push({ name: rel, type: 'symlink', size: 0, mode: modeOf(st), mtime: mtimeOf(st), linkname: target, source: abs });
      } else if (st.isFile()) {
        entries.push({ name: rel, type: 'file', size: st.size, mode: modeOf(st), mtime: mtimeOf(st), source: abs });
      }
      // Sockets, FIFOs and devices are not part of a build context.
    }
  };
  await walk(root, '');
  return { entries, dockerfile };
}

async function* tarInputs(entries: ContextEntry[]): AsyncGenerator<TarInput> {
  for (const e of entries) {
    const header = { name: e.name, type: e.type, size: e.size, mode: e.mode, mtime: e.mtime, uid: 0, gid: 0, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
    if (e.type !== 'file') {
      yield { header };
      continue;
    }
    if (Buffer.isBuffer(e.source)) {
      yield { header, body: e.source };
      continue;
    }
    const path = e.source;
    const stream = createReadStream(path);
    // Opened late: an unreadable file fails the stream with a message naming it.
    const body = (async function* () {
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (err) {
        throw new BuildContextError(`build context: cannot read ${path}: ${describe(err)}`);
      }
    })();
    yield { header, body };
  }
}

/** The context as a tar stream, and the Dockerfile's name in it. */
export async function packContext(opts: ContextOptions): Promise<PackedContext> {
  const { entries, dockerfile } = await listContext(opts);
  return { stream: Readable.from(writeTar(tarInputs(entries)), { objectMode: false }), dockerfile, entries };
}

/**
 * A project lock on this machine, so two tsfig runs never converge one project at once.
 * Cross-host truth stays in the engines' labels.
 *
 * - Key: the project name and the engine endpoints it lives on (sorted), hashed: the same
 *   project name on other engines is another lock.
 * - Where: `$XDG_RUNTIME_DIR/tsfig/` when that is set and a directory, else
 *   `<tmpdir>/tsfig-<uid>/`; made mode 0700, refused when another user owns it.
 * - Taking it: a directory holding an `owner` record (pid, the process's start time, a random
 *   token) is made under a temporary name and renamed to the lock's name, so the lock never
 *   exists without its owner (rename fails on an existing lock, which is never empty).
 * - A stale lock (its pid gone, or reused by a process that started at another time) is taken
 *   over by renaming it to a tombstone named after that owner (`<lock>.stale-<pid>-<token>`):
 *   of the waiters that judged it stale, one rename succeeds; the others fail, since the
 *   tombstone exists, even if by then a new lock stands under the lock's name. Tombstones are
 *   swept after ten minutes, never at once (which would let a late rename move a live lock).
 * - Releasing renames the lock away first, then removes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { TsfigError } from './errors.js';

export interface LockOptions {
  /** The folder of the locks (default: see lockDir). */
  dir?: string;
  /**
   * The engine endpoints the project lives on (e.g. every host's `unix:///var/run/docker.sock`,
   * `tcp://10.0.0.2:2376`); their order does not matter. Without them the lock is the
   * project's name alone.
   */
  endpoints?: readonly string[];
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** Called once when the lock is held by someone else and we wait. */
  onWait?: (pid: number) => void;
  /**
   * Called when this run takes the lock over from a holder that died: its pid (when its record
   * was readable) and when it took the lock (ms since the epoch). What it sent to the engines
   * may still be arriving there (up checks for it).
   */
  onTakeOver?: (dead: { pid?: number; sinceMs: number }) => void;
  signal?: AbortSignal;
  /** The environment to read XDG_RUNTIME_DIR from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How often a waiter looks again (ms, default 100). */
  pollMs?: number;
  /** The user we run as (default process.getuid()); tests pretend to be someone else. */
  uid?: number;
  /** Tombstones and half-made locks older than this are removed (ms, default ten minutes). */
  sweepAfterMs?: number;
}

interface Owner {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot), or '' where there is no /proc. */
  start: string;
  token: string;
}

const SWEEP_AFTER_MS = 10 * 60_000;

/**
 * The start time of `pid` (Linux): a string, null when there is no such process, undefined when
 * it cannot be told (no /proc, or /proc hides other processes).
 */
function startTime(pid: number): string | null | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses; fields count from state (3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3];
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat') ? null : undefined;
  }
}

let ownStart: string | undefined;
function myStart(): string {
  ownStart ??= startTime(process.pid) ?? '';
  return ownStart;
}

/** Is the lock's owner still running: its pid there and, where it was recorded, its start time the same. */
function alive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === '') return true;
  const now = startTime(owner.pid);
  if (now === null) return false;
  // Cannot tell: the pid alone decides.
  return now === undefined || now === owner.start;
}

function readOwner(lock: string): Owner | undefined {
  try {
    const [pid, start, token] = readFileSync(join(lock, 'owner'), 'utf8').trim().split(' ');
    const n = Number(pid);
    if (!Number.isInteger(n) || n <= 0 || token === undefined || token === '') return undefined;
    return { pid: n, start: start === '-' ? '' : (start ?? ''), token };
  } catch {
    return undefined;
  }
}

function myUid(opts: LockOptions): number | undefined {
  return opts.uid ?? process.getuid?.();
}

/** Make `dir` (mode 0700) or check it: a directory of ours, nobody else's. */
function ensurePrivateDir(dir: string, opts: LockOptions): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new TsfigError(`lock folder ${dir} is not a directory; remove it or set XDG_RUNTIME_DIR`);
  const uid = myUid(opts);
  if (uid !== undefined && st.uid !== uid) throw new TsfigError(`lock folder ${dir} belongs to another user (uid ${st.uid}); refusing to use it`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Where the locks live: `$XDG_RUNTIME_DIR/tsfig` when that is a directory, else `<tmpdir>/tsfig-<uid>`. */
export function lockDir(opts: LockOptions = {}): string {
  if (opts.dir !== undefined) return opts.dir;
  const xdg = (opts.env ?? process.env).XDG_RUNTIME_DIR;
  if (xdg !== undefined && xdg !== '') {
    try {
      if (statSync(xdg).isDirectory()) return join(xdg, 'tsfig');
    } catch {
      // Not there: the temporary folder.
    }
  }
  return join(tmpdir(), `tsfig-${myUid(opts) ?? userInfo().username}`);
}

/** The lock's file name: readable project part, then a hash of the project and its endpoints. */
export function lockName(project: string, endpoints: readonly string[] = []): string {
  const hash = createHash('sha256').update(JSON.stringify([project, [...endpoints].sort()])).digest('hex').slice(0, 16);
  return `${project.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 64)}-${hash}.lock`;
}

/** Remove tombstones and half-made locks older than the grace time. */
function sweep(base: string, afterMs: number): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!/\.lock\.(stale|new|released)-/.test(name)) continue;
    const path = join(base, name);
    try {
      if (now - lstatSync(path).ctimeMs > afterMs) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already.
    }
  }
}

/** Did a rename fail because its target exists (a non-empty directory)? */
function isHeld(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EEXIST' || code === 'ENOTEMPTY' || (process.platform === 'win32' && code === 'EPERM');
}

/** One try: make the lock with its owner inside, under a temporary name, and rename it in place. */
function tryTake(path: string, me: Owner): boolean {
  const temp = `${path}.new-${me.pid}-${randomBytes(6).toString('hex')}`;
  mkdirSync(temp, { mode: 0o700 });
  try {
    writeFileSync(join(temp, 'owner'), `${me.pid} ${me.start === '' ? '-' : me.start} ${me.token}\n`);
    renameSync(temp, path);
    return true;
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    if (isHeld(err)) return false;
    throw err;
  }
}

/**
 * Take `path` over from a dead owner: rename it to that owner's tombstone. True when this
 * waiter's rename moved it (then the lock is free); false when another waiter was first.
 */
function takeOver(path: string, dead: Owner | undefined, ino: number): boolean {
  const tombstone = `${path}.stale-${dead ? `${dead.pid}-${dead.token}` : `ino${ino}`}`;
  try {
    renameSync(path, tombstone);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || isHeld(err)) return false;
    throw err;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Take the lock of `project` (on `opts.endpoints`); returns the release function. Waits while
 * a live tsfig holds it (`onWait` once), up to `timeoutMs`; an abort ends the wait.
 */
export async function acquireLock(project: string, opts: LockOptions = {}): Promise<() => void> {
  const base = lockDir(opts);
  ensurePrivateDir(base, opts);
  sweep(base, opts.sweepAfterMs ?? SWEEP_AFTER_MS);
  const path = join(base, lockName(project, opts.endpoints));
  const me: Owner = { pid: process.pid, start: myStart(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  let warned = false;
  for (;;) {
    if (opts.signal?.aborted) throw new TsfigError('cancelled while waiting for the project lock', 130);
    if (tryTake(path, me)) return releaser(path, me);
    const owner = readOwner(path);
    let ino = 0;
    let ageMs = 0;
    let takenMs = 0;
    try {
      const st = lstatSync(path);
      ino = st.ino;
      takenMs = st.mtimeMs;
      ageMs = Date.now() - st.mtimeMs;
    } catch {
      continue; // Released meanwhile: try again at once.
    }
    // No owner record: not one of ours (ours are never without it); old enough, it is garbage.
    const stale = owner ? !alive(owner) : ageMs > 5000;
    if (stale) {
      if (takeOver(path, owner, ino)) opts.onTakeOver?.({ ...(owner ? { pid: owner.pid } : {}), sinceMs: takenMs });
      continue;
    }
    if (!warned && owner) {
      warned = true;
      opts.onWait?.(owner.pid);
    }
    if (Date.now() > deadline) throw new TsfigError(`another tsfig (pid ${owner?.pid ?? 'unknown'}) is working on this project; gave up waiting (lock ${path})`);
    await sleep(opts.pollMs ?? 100, opts.signal);
  }
}

function releaser(path: string, me: Owner): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only our own lock: a lock under this name with another token is not ours to remove.
    if (readOwner(path)?.token !== me.token) return;
    const gone = `${path}.released-${me.pid}-${me.token}`;
    try {
      renameSync(path, gone);
    } catch {
      return;
    }
    rmSync(gone, { recursive: true, force: true });
  };
}

/**
 * The one way the loader reads a file of the project (`-f` files, `extends` and `include`
 * files, `.env`, `--env-file`, `env_file:`, `label_file:`, include's env files, stdin).
 *
 * Regular files only: a directory, a FIFO, a device, a socket or a symlink loop is named for
 * what it is, before anything is read. The type is checked with stat before the open and
 * again with fstat on the opened descriptor (the path may change in between); the open is
 * non-blocking, so a FIFO swapped in never blocks. The size limit is enforced while reading,
 * so a file that grows (or lies about its size) stops at the limit plus one chunk.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { diag, type DiagCode, type Diagnostic, type Loc } from './diagnostics.js';
import { LIMITS } from './tree.js';

export type ReadProblem = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

export type ReadResult =
  | { ok: true; text: string; /** The bytes as read (project files decode them themselves: UTF-16, invalid UTF-8). */ bytes?: Buffer }
  | {
      ok: false;
      problem: ReadProblem;
      /** What is wrong, to follow the file's name: "is a FIFO (named pipe), not a regular file". */
      reason: string;
      /** For 'not-regular': what the path is ("a directory", "a FIFO (named pipe)", ...). */
      kind?: string;
    };

export type ReadFailure = Extract<ReadResult, { ok: false }>;

const CHUNK = 64 * 1024;

/**
 * What the loader read, while a load is recorded (config/projectcache.ts): each file read or
 * path looked at, in order, with what it found. A read of stdin cannot be read again, so it
 * marks the load as not repeatable.
 */
export interface Recording {
  inputs: RecordedInput[];
  repeatable: boolean;
}

/** One thing the loader looked at: a file it read (its bytes, or why not) or a path it stat'ed. */
export interface RecordedInput {
  op: 'read' | 'stat';
  path: string;
  /** The bytes read, or a description of the outcome (`failure:missing:...`, `kind:a directory`, `error:ENOENT`). */
  found: Buffer | string;
}

let recording: Recording | undefined;

/** Runs `fn` with every file read and stat of the loader recorded (a recording inside it is its own). */
export function recordInputs<T>(fn: () => T): { value: T; recording: Recording } {
  const outer = recording;
  const mine: Recording = { inputs: [], repeatable: true };
  recording = mine;
  try {
    return { value: fn(), recording: mine };
  } finally {
    recording = outer;
  }
}

/** What the same operation finds now (nothing recorded): to compare with a recording. */
export function lookAgain(op: RecordedInput['op'], path: string): Buffer | string {
  const outer = recording;
  recording = undefined;
  try {
    if (op === 'read') return readOutcome(readRegularFile(path));
    try {
      return statOutcome(statSync(path));
    } catch (err) {
      return errOutcome(err);
    }
  } finally {
    recording = outer;
  }
}

/** Marks the load in progress as not repeatable (it read stdin). */
export function markUnrepeatable(): void {
  if (recording) recording.repeatable = false;
}

function readOutcome(r: ReadResult): Buffer | string {
  if (r.ok) return r.bytes ?? Buffer.from(r.text, 'utf8');
  return `failure:${r.problem}:${r.reason}`;
}

function statOutcome(st: Stats): string {
  return `kind:${kindOf(st) ?? 'a regular file'}`;
}

function errOutcome(err: unknown): string {
  return `error:${(err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown'}`;
}

/** statSync for the loader's path checks (which file is there, a build context): recorded. */
export function statPath(path: string): Stats {
  try {
    const st = statSync(path);
    recording?.inputs.push({ op: 'stat', path, found: statOutcome(st) });
    return st;
  } catch (err) {
    recording?.inputs.push({ op: 'stat', path, found: errOutcome(err) });
    throw err;
  }
}

/** The size limit of any file the loader reads. */
export function maxFileBytes(): number {
  return LIMITS.maxBytes;
}

function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return DIRECTORY;
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

function notRegular(kind: string): ReadFailure {
  return { ok: false, problem: 'not-regular', reason: `is ${kind}, not a regular file`, kind };
}

function tooLarge(bytes: number | undefined, max: number): ReadFailure {
  const size = bytes === undefined ? 'is' : `is ${bytes} bytes,`;
  return { ok: false, problem: 'too-large', reason: `${size} more than the limit of ${max} bytes` };
}

function fromErrno(err: unknown): ReadFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { ok: false, problem: 'missing', reason: 'not found' };
    case 'ELOOP':
      return { ok: false, problem: 'unreadable', reason: 'is a symlink loop (too many levels of symbolic links)' };
    case 'EISDIR':
      return notRegular(DIRECTORY);
    case 'EACCES':
    case 'EPERM':
      return { ok: false, problem: 'unreadable', reason: 'cannot be read: permission denied' };
    case 'ENAMETOOLONG':
      return { ok: false, problem: 'unreadable', reason: 'cannot be read: the path is too long' };
    default:
      return { ok: false, problem: 'unreadable', reason: `cannot be read${code ? ` (${code})` : ''}` };
  }
}

/** Read up to `max + 1` bytes of an open descriptor; undefined when there are more than `max`. */
function readBounded(fd: number, max: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, max + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
    if (total > max) return undefined;
  }
  return Buffer.concat(chunks, total);
}

export const DIRECTORY = 'a directory';

/** Whether `path` names a regular file now (stat only, nothing opened): the failure, or undefined. */
export function checkRegularFile(path: string): ReadFailure | undefined {
  try {
    const kind = kindOf(statPath(path));
    return kind ? notRegular(kind) : undefined;
  } catch (err) {
    return fromErrno(err);
  }
}

/** Read a regular file as UTF-8 text, within the size limit. Never throws, never blocks. */
export function readRegularFile(path: string, max = maxFileBytes()): ReadResult {
  const r = readRegular(path, max);
  recording?.inputs.push({ op: 'read', path, found: readOutcome(r) });
  return r;
}

function readRegular(path: string, max: number): ReadResult {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    return fromErrno(err);
  }
  const kind = kindOf(st);
  if (kind) return notRegular(kind);
  if (st.size > max) return tooLarge(st.size, max);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    return fromErrno(err);
  }
  try {
    const opened = fstatSync(fd);
    const kindNow = kindOf(opened);
    if (kindNow) return notRegular(kindNow);
    if (opened.size > max) return tooLarge(opened.size, max);
    const data = readBounded(fd, max);
    if (!data) return tooLarge(undefined, max);
    return { ok: true, text: data.toString('utf8'), bytes: data };
  } catch (err) {
    return fromErrno(err);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing left to do with it
    }
  }
}

/** Read standard input (`-f -`) within the size limit. */
export function readStdin(max = maxFileBytes()): ReadResult {
  return readDescriptor(0, max);
}

/** Read an open descriptor (a pipe, a terminal, a device) to its end, within the size limit. */
export function readDescriptor(fd: number, max = maxFileBytes()): ReadResult {
  markUnrepeatable();
  try {
    const data = readBounded(fd, max);
    if (!data) return tooLarge(undefined, max);
    return { ok: true, text: data.toString('utf8'), bytes: data };
  } catch (err) {
    return fromErrno(err);
  }
}

/**
 * The diagnostic for a file that could not be read: `WHAT PATH REASON`, at the position of
 * the key that named the file (when a key did).
 */
export function readDiagnostic(
  failure: ReadFailure,
  what: string,
  path: string,
  loc: Loc | undefined,
  opts: { missingCode?: DiagCode; hint?: string } = {},
): Diagnostic {
  const code: DiagCode =
    failure.problem === 'missing'
      ? (opts.missingCode ?? 'FILE_NOT_FOUND')
      : failure.problem === 'too-large'
        ? 'FILE_TOO_LARGE'
        : failure.problem === 'not-regular'
          ? 'FILE_NOT_REGULAR'
          : 'FILE_UNREADABLE';
  const hint =
    opts.hint ??
    (failure.problem === 'missing'
      ? 'check the path'
      : failure.problem === 'too-large'
        ? 'split it into several files'
        : failure.problem === 'not-regular'
          ? 'name a regular file'
          : 'fix the path or the file');
  return diag(code, `${what} ${path} ${failure.reason}`, loc, hint);
}

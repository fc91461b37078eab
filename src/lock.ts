/**
 * A project lock on this machine, so two tsfig runs never converge one project at once.
 * A directory made with mkdir (atomic everywhere) holding the owner's PID; a lock whose owner
 * is dead is stale and taken over. Cross-host truth stays in the engines' labels.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsfigError } from './errors.js';

export interface LockOptions {
  dir?: string;
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** Called once when the lock is held by someone else and we wait. */
  onWait?: (pid: number) => void;
  signal?: AbortSignal;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDir(opts: LockOptions = {}): string {
  return opts.dir ?? join(tmpdir(), `tsfig-locks-${process.getuid?.() ?? 'user'}`);
}

/** Take the lock for `key` (e.g. the project name and engine); returns the release function. */
export async function acquireLock(key: string, opts: LockOptions = {}): Promise<() => void> {
  const base = lockDir(opts);
  mkdirSync(base, { recursive: true });
  const path = join(base, `${key.replace(/[^a-zA-Z0-9_.-]/g, '_')}.lock`);
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  let warned = false;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
    } catch {
      // Being written right now, or left empty by a crash: judged on the next round.
    }
    const orphaned = !(owner > 0) && ageMs(path) > 5000; // made, but the owner died before writing its pid
    if ((Number.isInteger(owner) && owner > 0 && !alive(owner)) || orphaned) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (!warned && Number.isInteger(owner)) {
      warned = true;
      opts.onWait?.(owner);
    }
    if (Date.now() > deadline) throw new TsfigError(`another tsfig (pid ${owner}) is working on this project; gave up waiting (lock ${path})`);
    if (opts.signal?.aborted) throw new TsfigError('cancelled while waiting for the project lock', 130);
    await new Promise((r) => setTimeout(r, 100));
  }
}

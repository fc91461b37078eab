/**
 * The one lock policy. Every use case that changes the project's containers, networks or
 * volumes (up, create, scale, down, start, stop, restart, kill, pause, unpause, rm, run,
 * wait --down-project, and each converge of watch) holds the project's lock while it observes,
 * plans and applies; one that waits for it says so once on stderr. Read-only ones (plan, ps,
 * logs, doctor, ...), global --dry-run, and image-only ones (build, pull, push: images are
 * shared between projects, and up builds and pulls under its own lock) take no lock.
 */
import { acquireLock } from '../lock.js';
import type { AppContext } from './context.js';

/** Whose lock: the project on its hosts' endpoints (the same project name on other engines is another lock). */
export interface LockScope {
  project: string;
  endpoints: string[];
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Where locks live (tests); default lock.ts's. */
  dir?: string;
  /** Said once when another tsfig holds the lock. */
  say: (line: string) => void;
  /** The lock was taken over from a tsfig that died (see lock.ts `onTakeOver`). */
  onTakeOver?: (dead: { pid?: number; sinceMs: number }) => void;
}

/** Take a project's lock, saying once when another tsfig holds it; returns the release. */
export function takeProjectLock(scope: LockScope): Promise<() => void> {
  return acquireLock(scope.project, {
    signal: scope.signal,
    endpoints: scope.endpoints,
    env: scope.env,
    ...(scope.dir !== undefined ? { dir: scope.dir } : {}),
    onWait: (pid) => scope.say(`waiting for another tsfig (pid ${pid}) working on project ${scope.project}`),
    ...(scope.onTakeOver ? { onTakeOver: scope.onTakeOver } : {}),
  });
}

/** Take the context's project lock (see takeProjectLock). */
export function lockProject(ctx: AppContext, onTakeOver?: LockScope['onTakeOver']): Promise<() => void> {
  return takeProjectLock({
    project: ctx.project.name,
    endpoints: ctx.hosts.map((h) => h.endpoint),
    env: ctx.options.env,
    signal: ctx.signal,
    ...(ctx.options.lockDir !== undefined ? { dir: ctx.options.lockDir } : {}),
    say: (line) => ctx.sink.line(line),
    ...(onTakeOver ? { onTakeOver } : {}),
  });
}

/** Run `fn` under the project's lock (no lock under --dry-run: nothing changes). */
export async function withProjectLock<T>(ctx: AppContext, fn: () => Promise<T>): Promise<T> {
  if (ctx.options.dryRun) return fn();
  const release = await lockProject(ctx);
  try {
    return await fn();
  } finally {
    release();
  }
}

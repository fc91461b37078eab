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

/**
 * The lock's options for a context: the project on its hosts' endpoints (lock.ts keys by both
 * once the lock helper's change is in; until then the extra keys are ignored).
 */
export function lockOptions(ctx: AppContext): Parameters<typeof acquireLock>[1] & { endpoints: string[]; env: Record<string, string | undefined> } {
  return {
    signal: ctx.signal,
    endpoints: ctx.hosts.map((h) => h.endpoint),
    env: ctx.options.env,
    ...(ctx.options.lockDir !== undefined ? { dir: ctx.options.lockDir } : {}),
    onWait: (pid) => ctx.sink.line(`waiting for another tsfig (pid ${pid}) working on project ${ctx.project.name}`),
  };
}

/** Take the project's lock, saying on stderr when another tsfig holds it; returns the release. */
export function lockProject(ctx: AppContext): Promise<() => void> {
  return acquireLock(ctx.project.name, lockOptions(ctx));
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

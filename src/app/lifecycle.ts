/** start, stop, restart, kill, pause, unpause, rm: observe, plan, apply, under the project's lock. */
import { ExitCode } from '../errors.js';
import type { LifecycleRequest, LifecycleVerb } from '../backend/index.js';
import { runPlan } from './apply.js';
import { backendOf, describe, observeReachable, type AppContext } from './context.js';
import { withProjectLock } from './lock.js';

export type { LifecycleRequest, LifecycleVerb };

/** One lifecycle command; a failure throws `ExitCode`. */
export async function lifecycle(ctx: AppContext, verb: Exclude<LifecycleVerb, 'rm'>, req: LifecycleRequest): Promise<void> {
  const code = await withProjectLock(ctx, async () => {
    const observed = await observeReachable(ctx);
    return runPlan(ctx, backendOf(ctx).planLifecycle(verb, observed, req), observed);
  });
  if (code !== 0) throw new ExitCode(code);
}

/** start, and with `waitTimeoutMs`: until its containers are running (healthy, when they have a healthcheck), as `up --wait`. */
export async function start(ctx: AppContext, req: LifecycleRequest & { services: string[]; waitTimeoutMs?: number }): Promise<void> {
  await withProjectLock(ctx, async () => {
    const observed = await observeReachable(ctx);
    const code = await runPlan(ctx, backendOf(ctx).planLifecycle('start', observed, { services: req.services }), observed);
    if (code !== 0) throw new ExitCode(code);
  });
  if (req.waitTimeoutMs !== undefined) {
    // The waiting changes nothing: it holds no lock.
    const now = await observeReachable(ctx);
    const scope = req.services.length ? req.services : Object.keys(ctx.project.services);
    const waited = await runPlan(ctx, backendOf(ctx).planWait(now, scope, req.waitTimeoutMs), now);
    if (waited !== 0) throw new ExitCode(waited);
  }
}

/**
 * rm: the containers it would remove are named first; `confirm` decides (the CLI asks on a
 * terminal, or refuses without one and without -f). Returns false when nothing was removed.
 */
export async function rm(
  ctx: AppContext,
  req: LifecycleRequest,
  confirm: (names: string[]) => Promise<boolean>,
): Promise<boolean> {
  const code = await withProjectLock(ctx, async () => {
    const observed = await observeReachable(ctx);
    const plan = backendOf(ctx).planLifecycle('rm', observed, req);
    const names = plan.groups.filter((g) => g.resource.kind === 'container').map((g) => g.resource.name);
    if (names.length === 0) {
      for (const w of plan.warnings) ctx.sink.line(describe(ctx, w));
      ctx.sink.line('No stopped containers');
      return undefined;
    }
    if (!(await confirm(names))) return undefined;
    return runPlan(ctx, plan, observed);
  });
  if (code === undefined) return false;
  if (code !== 0) throw new ExitCode(code);
  return true;
}

/** `tsfig plan` (and scale): the one converge, planned only or carried out. */
import { ExitCode } from '../errors.js';
import type { ReconcileOptions } from '../backend/index.js';
import { converge, convergeCommand } from './converge.js';
import { backendOf, unreachable, type AppContext } from './context.js';
import { withProjectLock } from './lock.js';

/** What up would change, and why, on stdout; exit 1 when the plan has errors or a host did not answer. */
export async function plan(ctx: AppContext, options: ReconcileOptions): Promise<void> {
  const r = await converge(ctx, { options, dryRun: true });
  ctx.sink.result(backendOf(ctx).renderPlan(r.plan, ctx.options.cwd));
  // A host that did not answer is unknown, not up to date: a CI check on `plan` must not pass.
  const down = unreachable(r.observed);
  for (const d of down) ctx.sink.line(`error: ${d}`);
  if (r.plan.errors.length || down.length) throw new ExitCode(1);
}

/** Fig's `scale web=3 worker=2`: converge only those services to those counts. */
export async function scale(ctx: AppContext, req: { scale: Record<string, number>; noDeps?: boolean; timeout?: number }): Promise<void> {
  const services = Object.keys(req.scale);
  const options: ReconcileOptions = { version: ctx.options.version, services, scale: req.scale, noDeps: req.noDeps === true, ...(req.timeout !== undefined ? { timeout: req.timeout } : {}) };
  await withProjectLock(ctx, () => convergeCommand(ctx, { options, quietNoop: 'already at that scale' }));
}

/** `pull [SERVICE...]`: pull the images of services that name one, in parallel. */
import type { ContainersContext } from './context.js';
import { planRegistry } from '../../backend/index.js';

export interface PullRequest {
  /** Services whose images to pull (none: all). */
  services: string[];
  /** Also the images of the services the named ones depend on. */
  includeDeps: boolean;
  /** Failures are warnings and the exit code stays 0. */
  ignoreFailures: boolean;
}

/** Pull; the exit code. */
export async function pullImages(ctx: ContainersContext, req: PullRequest): Promise<number> {
  const observed = await ctx.backend.observe();
  const plan = planRegistry(ctx.project, observed, 'pull', { services: req.services, includeDeps: req.includeDeps });
  return ctx.backend.apply(plan, observed, { ignoreFailures: req.ignoreFailures });
}

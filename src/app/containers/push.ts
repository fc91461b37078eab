/** `push [SERVICE...]`: push the images of services to the registries their names say. */
import type { ContainersContext } from './context.js';
import { planRegistry } from '../../backend/index.js';

export interface PushRequest {
  /** Services whose images to push (none: all). */
  services: string[];
  /** Failures are warnings and the exit code stays 0. */
  ignoreFailures: boolean;
  /** `--include-deps`: also the images of the services the named ones depend on. */
  includeDeps?: boolean;
}

/** Push; the exit code. A service without `image:` has nowhere to go: said, and skipped. */
export async function pushImages(ctx: ContainersContext, req: PushRequest): Promise<number> {
  for (const name of req.services.length ? req.services : Object.keys(ctx.project.services)) {
    const svc = ctx.project.services[name];
    if (svc !== undefined && svc.image === undefined) ctx.sink.message(`${name} has no image: to push to, skipping`);
  }
  const observed = await ctx.backend.observe();
  const plan = planRegistry(ctx.project, observed, 'push', { services: req.services, ...(req.includeDeps === true ? { includeDeps: true } : {}) });
  return ctx.backend.apply(plan, observed, { ignoreFailures: req.ignoreFailures });
}

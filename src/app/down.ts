/** down: the project's containers, networks (and with -v its volumes, with --rmi its images) removed. */
import { ExitCode } from '../errors.js';
import type { Project, Service } from '../model/project.js';
import { runPlan } from './apply.js';
import { backendOf, observeReachable, type AppContext } from './context.js';
import { withProjectLock } from './lock.js';

export interface DownRequest {
  /** -v: the named volumes the file declares and the containers' anonymous volumes. */
  volumes?: boolean;
  /** --rmi: `local` (the images of services without an `image:`, which tsfig named) or `all`. */
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  ignoreOrphans?: boolean;
  timeout?: number;
}

/** The services whose images `--rmi` removes: all of them, or (local) those without an `image:` of their own. */
export function rmiServices(project: Project, rmi: 'local' | 'all' | undefined): Service[] {
  if (!rmi) return [];
  return Object.values({ ...project.services, ...project.disabledServices }).filter((svc) => rmi === 'all' || !svc.image);
}

/** down; a failure throws `ExitCode`. */
export async function down(ctx: AppContext, req: DownRequest): Promise<void> {
  const backend = backendOf(ctx);
  const code = await withProjectLock(ctx, async () => {
    const observed = await observeReachable(ctx, 'down');
    const plan = backend.planDown(observed, {
      volumes: req.volumes === true,
      removeOrphans: req.removeOrphans === true,
      ignoreOrphans: req.ignoreOrphans === true,
      images: rmiServices(ctx.project, req.rmi).map((svc) => backend.serviceImage(svc)),
      ...(req.timeout !== undefined ? { timeout: req.timeout } : {}),
    });
    return runPlan(ctx, plan, observed, { quietNoop: 'nothing to remove' });
  });
  if (code !== 0) throw new ExitCode(code);
}

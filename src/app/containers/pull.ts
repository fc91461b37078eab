/** `pull [SERVICE...]`: pull the images of services that name one, in parallel. */
import { UsageError } from '../../errors.js';
import type { ContainersContext } from './context.js';
import { planRegistry } from '../../backend/index.js';

export interface PullRequest {
  /** Services whose images to pull (none: all). */
  services: string[];
  /** Also the images of the services the named ones depend on. */
  includeDeps: boolean;
  /** Failures are warnings and the exit code stays 0. */
  ignoreFailures: boolean;
  /** `--ignore-buildable`: images of services with build: are not pulled. */
  ignoreBuildable?: boolean;
  /** `--policy missing`: only images the host does not have; `always`: every one; none: each service's pull_policy. */
  policy?: 'missing' | 'always';
}

/** `--policy` as compose takes it: missing or always. */
export function parsePullPolicy(v: string | undefined): 'missing' | 'always' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'missing' && v !== 'always') throw new UsageError(`invalid --policy "${v}": use missing or always`);
  return v;
}

/** Pull; the exit code. */
export async function pullImages(ctx: ContainersContext, req: PullRequest): Promise<number> {
  const onlyMissing = req.policy === 'missing';
  // Without --policy, each service's pull_policy decides (as compose's pull does).
  const servicePolicy = req.policy === undefined;
  const needsImages = onlyMissing || (servicePolicy && Object.values(ctx.project.services).some((s) => s.pull_policy === 'missing' || s.pull_policy === 'if_not_present'));
  // The hosts' images are listed only when a policy needs them.
  const observed = await ctx.backend.observe(needsImages ? { forUp: true } : {});
  const plan = planRegistry(ctx.project, observed, 'pull', {
    services: req.services,
    includeDeps: req.includeDeps,
    ...(req.ignoreBuildable === true ? { ignoreBuildable: true } : {}),
    ...(onlyMissing ? { onlyMissing: true } : {}),
    ...(servicePolicy ? { servicePolicy: true } : {}),
  });
  return ctx.backend.apply(plan, observed, { ignoreFailures: req.ignoreFailures });
}

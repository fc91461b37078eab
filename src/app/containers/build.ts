/** `build [SERVICE...]`: build (again) the images of services with `build:`. */
import { EXIT } from '../../errors.js';
import type { ContainersContext } from './context.js';
import { parseBuildArg, planImages } from '../../backend/index.js';

export interface BuildRequest {
  /** Services to build (none: every service with build:). */
  services: string[];
  noCache: boolean;
  /** Pull newer versions of the FROM images. */
  pull: boolean;
  /** `--build-arg KEY=VALUE` or `KEY` (its value from `env`). */
  buildArgs: string[];
  env: Record<string, string | undefined>;
  /** Say nothing but errors. */
  quiet: boolean;
  /** This tsfig's version. */
  version: string;
}

/** Build; the exit code. Named services that use an image are skipped (said unless quiet). */
export async function buildImages(ctx: ContainersContext, req: BuildRequest): Promise<number> {
  const project = ctx.project;
  const named = req.services.length ? req.services : Object.keys(project.services);
  const buildable = named.filter((n) => project.services[n]?.build !== undefined);
  for (const n of named) {
    const svc = project.services[n];
    if (svc !== undefined && svc.build === undefined && req.services.length && !req.quiet) ctx.sink.message(`${n} uses an image, skipping`);
  }
  // Unknown names are reported by the planner.
  const unknown = named.filter((n) => project.services[n] === undefined);
  if (!buildable.length && !unknown.length) {
    if (!req.quiet) ctx.sink.message('nothing to build: no service has build:');
    return EXIT.ok;
  }
  const observed = await ctx.backend.observe({ forUp: true });
  const plan = planImages(project, observed, {
    version: req.version,
    services: [...buildable, ...unknown],
    noDeps: true,
    build: 'always',
    buildEnv: req.env,
    buildArgs: Object.fromEntries(req.buildArgs.map(parseBuildArg)),
    noCache: req.noCache,
    pullBaseImages: req.pull,
  });
  return ctx.backend.apply(plan, observed);
}

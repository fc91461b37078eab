/** `build [SERVICE...]`: build (again) the images of services with `build:`. */
import { EXIT, TsfigError } from '../../errors.js';
import { formatDiagnostic } from '../../model/diagnostic.js';
import { Graph } from '../../graph/graph.js';
import type { ContainersContext, ObservedState, Plan } from './context.js';
import { parseBuildArg, planImages, type BuildSpec } from '../../backend/index.js';
import { pushImages } from './push.js';

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
  /** `--with-dependencies`: the services the named ones depend on (transitively) are built too. */
  withDependencies?: boolean;
  /** `--push`: the built images are pushed to their registries afterwards (services with image:). */
  push?: boolean;
}

/** One build of `build --print`: what tsfig would send to the engine (the planner's BuildSpec), and for whom. */
export interface BuildPlanEntry extends BuildSpec {
  service: string;
  host: string;
  image: string;
}

interface Planned {
  /** The services to build (named, with their dependencies when asked). */
  buildable: string[];
  observed?: ObservedState;
  plan?: Plan;
}

async function planBuilds(ctx: ContainersContext, req: BuildRequest): Promise<Planned> {
  const project = ctx.project;
  const known = req.services.filter((n) => project.services[n] !== undefined);
  const scope = !req.services.length
    ? Object.keys(project.services)
    : req.withDependencies === true
      ? [...new Graph(project.services).withDependencies(known)]
      : req.services;
  const buildable = scope.filter((n) => project.services[n]?.build !== undefined);
  for (const n of req.services) {
    const svc = project.services[n];
    if (svc !== undefined && svc.build === undefined && !req.quiet) ctx.sink.message(`${n} uses an image, skipping`);
  }
  // Unknown names are reported by the planner.
  const unknown = req.services.filter((n) => project.services[n] === undefined);
  if (!buildable.length && !unknown.length) {
    if (!req.quiet) ctx.sink.message('nothing to build: no service has build:');
    return { buildable };
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
  return { buildable, observed, plan };
}

/** Build; the exit code. Named services that use an image are skipped (said unless quiet). */
export async function buildImages(ctx: ContainersContext, req: BuildRequest): Promise<number> {
  const { buildable, observed, plan } = await planBuilds(ctx, req);
  if (plan === undefined || observed === undefined) return EXIT.ok;
  const code = await ctx.backend.apply(plan, observed);
  if (code !== EXIT.ok || req.push !== true) return code;
  // compose's `build --push`: each built image that has a name to go to is pushed.
  const withImage = buildable.filter((n) => ctx.project.services[n]?.image !== undefined);
  for (const n of buildable) if (!withImage.includes(n) && !req.quiet) ctx.sink.message(`${n} has no image: to push to, skipping`);
  if (!withImage.length) return EXIT.ok;
  return pushImages(ctx, { services: withImage, ignoreFailures: false });
}

/**
 * `build --print`: tsfig's build plan as data (compose prints a bake file; tsfig has no bake):
 * per build, the service, host, image and what the engine's build would be given. Nothing is built.
 */
export async function buildPlan(ctx: ContainersContext, req: BuildRequest): Promise<{ builds: BuildPlanEntry[] }> {
  const { plan } = await planBuilds({ ...ctx, sink: { ...ctx.sink, message: () => undefined } }, { ...req, quiet: true });
  if (plan === undefined) return { builds: [] };
  if (plan.errors.length) throw new TsfigError(plan.errors.map((e) => formatDiagnostic(e)).join('\n'));
  const builds: BuildPlanEntry[] = [];
  for (const node of plan.nodes) {
    const op = node.op;
    if (op.type !== 'image.build') continue;
    builds.push({ service: op.service, host: op.host, image: op.ref, ...op.build });
  }
  return { builds };
}

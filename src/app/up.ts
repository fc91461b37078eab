/**
 * up and create: the one converge under the project's lock; `--wait`; then, attached, the logs
 * of what was started (app/attach.ts), with the dev loop beside them for `--watch`.
 */
import { ExitCode } from '../errors.js';
import type { ReconcileOptions } from '../backend/index.js';
import { runPlan, type QuietSteps } from './apply.js';
import { attachAfterUp, checkAttachOptions, type AttachIO, type AttachOptions } from './attach.js';
import { convergeCommand } from './converge.js';
import { backendOf, observeReachable, type AppContext } from './context.js';
import { lockProject } from './lock.js';
import { ProjectEvents, settle } from './settle.js';
// The dev loop (chokidar) is loaded only for --watch: a no-op up stays near bare node.
import type { WatchRequest } from './watch.js';

export interface UpRequest {
  /** Services named on the command line ([] = all). */
  services: string[];
  options: ReconcileOptions;
  /** Print the plan, change nothing (`up --dry-run`, or the global one). */
  dryRun?: boolean;
  /** `--wait`: until the services are running, healthy when they have a healthcheck. */
  wait?: boolean;
  /** Attached: follow the logs of what started (and `--abort-on-container-exit`...). */
  attach?: { io: AttachIO; options: AttachOptions };
  /** `--watch` (attached only): the dev loop while the logs are followed. */
  watch?: WatchRequest;
  /** `--quiet-pull`, `--quiet-build`: the pulls' (builds') progress is not shown. */
  quiet?: QuietSteps;
}

/** Check what can be checked before anything changes (service names in flags, watch rules). */
export async function checkUp(ctx: AppContext, req: UpRequest): Promise<void> {
  if (req.attach) checkAttachOptions(ctx, req.attach.options);
  if (req.watch) (await import('./watch.js')).checkWatch(ctx, req.services);
}

/** up; a failure throws `ExitCode`. */
export async function up(ctx: AppContext, req: UpRequest): Promise<void> {
  await checkUp(ctx, req);
  const dryRun = req.dryRun === true || ctx.options.dryRun;
  // A lock taken over from a tsfig that died: what it sent may still land (app/settle.ts).
  let deadSinceMs: number | undefined;
  const release = dryRun ? () => {} : await lockProject(ctx, (dead) => (deadSinceMs = Math.min(deadSinceMs ?? Infinity, dead.sinceMs)));
  const beganMs = Date.now();
  const events = new ProjectEvents(ctx, Math.min(deadSinceMs ?? beganMs, beganMs));
  try {
    if (deadSinceMs !== undefined && !dryRun) await events.follow();
    const converged = await convergeCommand(ctx, { options: req.options, dryRun, quietNoop: 'everything is up to date', beforeApply: () => events.follow(), ...(req.quiet ? { quiet: req.quiet } : {}) });
    if (dryRun) return;
    const worked = converged.done.length > 0 || !backendOf(ctx).isNoop(converged.plan);
    await settle(ctx, { options: req.options, events, takenOver: deadSinceMs !== undefined, worked });
    events.close();
    if (req.wait) {
      const now = await observeReachable(ctx);
      const scope = req.services.length ? req.services : Object.keys(ctx.project.services);
      const waited = await runPlan(ctx, backendOf(ctx).planWait(now, scope, req.options.healthTimeoutMs ?? 120_000), now);
      if (waited !== 0) throw new ExitCode(waited);
    }
    const attach = req.attach;
    if (attach) {
      release(); // nobody else's up should wait while we follow logs
      const follow = () => attachAfterUp(ctx, attach.io, { ...attach.options, ...(converged.sinceMs !== undefined ? { sinceMs: converged.sinceMs } : {}) });
      const c = req.watch ? await (await import('./watch.js')).followWithWatch(ctx, req.watch, follow) : await follow();
      if (c !== 0) throw new ExitCode(c);
    }
  } finally {
    events.close();
    release();
  }
}

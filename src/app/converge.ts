/**
 * The one converge: up, create, scale, plan (and up --dry-run) and the dev loop's re-plans and
 * rebuilds all bring the project to its file this way. Images first (pulls and builds), then
 * the state is observed again so the containers' config hashes see the new image IDs, then
 * the containers, networks and volumes. The caller holds the project's lock (app/lock.ts).
 */
import { EXIT, ExitCode, TsfigError } from '../errors.js';
import type { ApplyResult, DoneStep, ObservedState, Plan, ReconcileOptions } from '../backend/index.js';
import { applyPlan, report, type QuietSteps } from './apply.js';
import { backendOf, describe, observeReachable, type AppContext } from './context.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { isStaleTaskMessage } from '../backend/index.js';

export interface ConvergeRequest {
  options: ReconcileOptions;
  /** Plan only: no image is made, nothing changes; the result holds the containers' plan. */
  dryRun?: boolean;
  /** Observe even when no host answers (the dev loop reports it per batch); default: fail at once. */
  allowUnreachable?: boolean;
  /** A plan of waits alone is not run (the dev loop). */
  skipNoop?: boolean;
  /** Each warning of the plans (default: a `warning: ...` line on the sink). */
  onWarning?: (d: Diagnostic) => void;
  /** Prefix of build output lines (default: service names aligned). */
  buildPrefix?: (service: string) => string;
  /** `--quiet-pull`, `--quiet-build`: the image phase's pulls (builds) are not shown; failures are. */
  quiet?: QuietSteps;
  /** Called before the containers' plan runs, when it changes something (up follows the project's events from then). */
  beforeApply?: () => Promise<void>;
}

export interface ConvergeResult {
  /** The phase the converge ended in. */
  phase: 'images' | 'containers';
  /** That phase's plan, and the state it was planned from. */
  plan: Plan;
  observed: ObservedState;
  /** Its outcome (undefined when it did not run: dry run, errors, a skipped no-op). */
  applied?: ApplyResult & { showsFailures: boolean };
  /** Problems that kept a plan from running at all. */
  errors: Diagnostic[];
  /** Every visible step done, images and containers. */
  done: DoneStep[];
  failed: ApplyResult['failed'];
  aborted: boolean;
  /** Image IDs by host and reference before the images were made, and at the end. */
  imagesBefore: Record<string, Record<string, string>>;
  imagesAfter: Record<string, Record<string, string>>;
  /** When the containers' plan began to run (ms since the epoch; for the logs that follow). */
  sinceMs?: number;
}

function reachableOnly(o: ObservedState): ObservedState {
  return { ...o, hosts: Object.fromEntries(Object.entries(o.hosts).filter(([, h]) => h.reachable)) };
}

function imagesOf(o: ObservedState): Record<string, Record<string, string>> {
  return Object.fromEntries(Object.values(o.hosts).map((h) => [h.name, { ...h.images }]));
}

/** Bring the project (or the requested services) to its file. Never throws for what the engine refuses: see the result. */
export async function converge(ctx: AppContext, req: ConvergeRequest): Promise<ConvergeResult> {
  const backend = backendOf(ctx);
  const warn = req.onWarning ?? ((w: Diagnostic) => ctx.sink.line(describe(ctx, w)));
  const observeUp = () => (req.allowUnreachable ? backend.observe('up') : observeReachable(ctx, 'up'));
  let observed = await observeUp();
  const imagesBefore = imagesOf(observed);
  const options: ReconcileOptions = { ...req.options };
  const done: DoneStep[] = [];
  const prefix = req.buildPrefix ? { buildPrefix: req.buildPrefix } : {};
  if (!req.dryRun) {
    const reachable = reachableOnly(observed);
    const images = backend.planImages(reachable, options);
    if (!backend.isNoop(images) || images.errors.length > 0) {
      for (const w of images.warnings) warn(w);
      const base = { phase: 'images' as const, plan: images, observed: reachable, done, failed: [], aborted: false, imagesBefore, imagesAfter: imagesBefore };
      if (images.errors.length) return { ...base, errors: images.errors };
      const applied = await applyPlan(ctx, images, { ...prefix, ...(req.quiet ? { quiet: req.quiet } : {}) });
      done.push(...applied.done);
      if (applied.failed.length || applied.aborted || ctx.signal.aborted) {
        return { ...base, applied, errors: [], failed: applied.failed, aborted: applied.aborted || ctx.signal.aborted };
      }
      observed = await observeUp();
      options.imagesDone = true;
    }
  }
  const plan = backend.planConverge(observed, options);
  const base = { phase: 'containers' as const, plan, observed, done, failed: [], aborted: false, imagesBefore, imagesAfter: imagesOf(observed) };
  if (req.dryRun) return { ...base, errors: [] };
  for (const w of plan.warnings) warn(w);
  if (plan.errors.length) return { ...base, errors: plan.errors };
  if (req.skipNoop && backend.isNoop(plan)) return { ...base, errors: [] };
  if (req.beforeApply && !backend.isNoop(plan)) await req.beforeApply();
  const sinceMs = Date.now();
  const applied = await applyPlan(ctx, plan, prefix);
  done.push(...applied.done);
  // A container the engine could not start because its runtime holds a stale task (an engine
  // restarted mid-start): observe again (the start error is now on the container), and the
  // plan replaces it; what depended on it follows. A dependent skipped this time may hold one
  // too: again while each pass finds new ones (a few passes at most).
  let last = applied;
  let current = { plan, observed };
  const containerDone = [...applied.done];
  for (let pass = 0; pass < 4; pass++) {
    const stale = last.failed.filter((f) => isStaleTaskMessage(f.message));
    if (!stale.length || last.aborted || ctx.signal.aborted || last.engineGone?.length) break;
    ctx.sink.line(`${stale.map((f) => f.resource.name).join(', ')}: the engine holds a stale task; replacing ${stale.length === 1 ? 'it' : 'them'}`);
    const again = await observeUp();
    const replan = backend.planConverge(again, options);
    for (const w of replan.warnings) warn(w);
    if (replan.errors.length) return { ...base, plan: replan, observed: again, errors: replan.errors };
    last = await applyPlan(ctx, replan, prefix);
    done.push(...last.done);
    containerDone.push(...last.done);
    current = { plan: replan, observed: again };
  }
  if (last !== applied) {
    return { ...base, ...current, applied: { ...last, done: containerDone }, errors: [], failed: last.failed, aborted: last.aborted, sinceMs };
  }
  return { ...base, applied, errors: [], failed: applied.failed, aborted: applied.aborted, sinceMs };
}

/**
 * converge as a command reports it (up, create, scale): the plan's errors refuse it, failures
 * and unreachable hosts end it with their exit code (thrown as `ExitCode`), the overlay check's
 * warnings follow a successful run. With the global --dry-run, the plan on stdout.
 */
export async function convergeCommand(ctx: AppContext, req: ConvergeRequest & { quietNoop?: string }): Promise<ConvergeResult> {
  const dryRun = req.dryRun === true || ctx.options.dryRun;
  const r = await converge(ctx, { ...req, dryRun });
  if (dryRun) {
    ctx.sink.result(backendOf(ctx).renderPlan(r.plan, ctx.options.cwd));
    return r;
  }
  if (r.errors.length) throw new TsfigError(r.errors.map((e) => describe(ctx, e)).join('\n'));
  if (!r.applied) return r;
  const code = report(ctx, r.plan, r.observed, r.applied, r.phase === 'containers' && req.quietNoop ? { quietNoop: req.quietNoop } : {});
  if (code !== EXIT.ok) throw new ExitCode(code);
  if (r.phase === 'containers') {
    for (const w of await backendOf(ctx).afterConverge(r.plan, r.observed, req.options)) ctx.sink.line(`warning: ${w}`);
  }
  return r;
}

export type { PullMode, ReconcileOptions } from '../backend/index.js';

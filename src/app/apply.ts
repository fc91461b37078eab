/** Running a plan the way every command does: warnings, refusal of plans with errors, dry run, progress, report. */
import { EXIT, TsfigError } from '../errors.js';
import type { ApplyResult, ObservedState, Plan } from '../backend/index.js';
import { backendOf, describe, unreachable, type AppContext, type ProgressDisplay } from './context.js';

export interface RunPlanOptions {
  /** Said when the plan changes nothing. */
  quietNoop?: string;
  /** Failed steps are reported as warnings and the exit code stays 0 (`pull --ignore-pull-failures`). */
  ignoreFailures?: boolean;
  /** Another signal than the context's (a stop that must run after Ctrl-C). */
  signal?: AbortSignal;
  /** Steps whose progress is not shown (`--quiet-pull`, `--quiet-build`); their failures still are. */
  quiet?: QuietSteps;
}

/** `--quiet-pull` / `--quiet-build`: the pulls' (builds') progress and output are not shown. */
export interface QuietSteps {
  pull?: boolean;
  build?: boolean;
}

/**
 * The display with the progress of the quiet steps left out: their start, progress and done
 * events, and (quiet builds) the build output lines. A failure is still shown.
 */
export function quietDisplay(display: ProgressDisplay, plan: Plan, quiet: QuietSteps | undefined): ProgressDisplay {
  if (quiet?.pull !== true && quiet?.build !== true) return display;
  const hidden = new Set(plan.groups.filter((g) => (g.verb === 'pull' && quiet.pull === true) || (g.verb === 'build' && quiet.build === true)).map((g) => g.id));
  const buildsHidden = quiet.build === true && plan.groups.some((g) => g.verb === 'build');
  return {
    emit: (e) => {
      if (e.type === 'error') return display.emit(e);
      if (e.type === 'message') {
        // Build output is the only info message a plan run emits.
        if (buildsHidden && e.level === 'info') return;
        return display.emit(e);
      }
      if (!hidden.has(e.id)) display.emit(e);
    },
    close: () => display.close(),
    showsFailures: display.showsFailures,
  };
}

/** Carry out a plan with the context's progress display; nothing printed but the progress. */
export async function applyPlan(ctx: AppContext, plan: Plan, opts: { signal?: AbortSignal; buildPrefix?: (service: string) => string; quiet?: QuietSteps } = {}): Promise<ApplyResult & { showsFailures: boolean }> {
  const display = quietDisplay(ctx.sink.progress(), plan, opts.quiet);
  try {
    const r = await backendOf(ctx).apply(plan, {
      onEvent: (e) => display.emit(e),
      ...(opts.buildPrefix ? { buildPrefix: opts.buildPrefix } : { alignBuildOutput: true }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { ...r, showsFailures: display.showsFailures };
  } finally {
    display.close();
  }
}

/** Print warnings, refuse plans with errors, execute (or print, under --dry-run), report. Returns the exit code. */
export async function runPlan(ctx: AppContext, plan: Plan, observed: ObservedState, opts: RunPlanOptions = {}): Promise<number> {
  for (const w of plan.warnings) ctx.sink.line(describe(ctx, w));
  if (plan.errors.length) throw new TsfigError(plan.errors.map((e) => describe(ctx, e)).join('\n'));
  // Global --dry-run: the plan on stdout, as `tsfig plan` prints it; nothing changes.
  if (ctx.options.dryRun) {
    ctx.sink.result(backendOf(ctx).renderPlan(plan, ctx.options.cwd));
    return EXIT.ok;
  }
  const result = await applyPlan(ctx, plan, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.quiet ? { quiet: opts.quiet } : {}) });
  return report(ctx, plan, observed, result, opts);
}

/** After a plan ran: the no-op line, unreachable hosts, failures (when the display did not show them); the exit code. */
export function report(ctx: AppContext, plan: Plan, observed: ObservedState, result: ApplyResult & { showsFailures: boolean }, opts: RunPlanOptions = {}): number {
  if (backendOf(ctx).isNoop(plan) && opts.quietNoop) ctx.sink.line(opts.quietNoop);
  const down = unreachable(observed);
  for (const d of down) ctx.sink.line(`error: ${d}`);
  if (result.aborted || (opts.signal ?? ctx.signal).aborted) return EXIT.interrupted;
  // An engine that went away mid-run: said once, naming it, instead of each call's raw error.
  for (const g of result.engineGone ?? []) {
    const endpoint = observed.hosts[g.host]?.endpoint ?? g.host;
    const host = Object.keys(observed.hosts).length > 1 ? ` (host ${g.host})` : '';
    ctx.sink.line(`error: the Docker engine at ${endpoint}${host} went away during this run (at ${g.message}); ${g.notDone} step${g.notDone === 1 ? '' : 's'} not done: run the command again once it answers`);
  }
  if (result.engineGone?.length && !result.failed.length) return EXIT.failure;
  if (result.failed.length) {
    // Once, where the user looks: the progress output showed each failure (the frame's row, the
    // plain line, the JSON event); only with quiet progress do they need a line of their own.
    if (!result.showsFailures) {
      const level = opts.ignoreFailures ? 'warning' : 'error';
      for (const f of result.failed) ctx.sink.line(`${level}: ${f.resource.kind} ${f.resource.name}: ${f.message}`);
    }
    if (!opts.ignoreFailures) return EXIT.failure;
  }
  return down.length ? EXIT.failure : EXIT.ok;
}

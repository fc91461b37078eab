/**
 * The application layer's context: what every use case (app/*.ts) is a function of. The
 * project, the hosts' engines (connected lazily), the orchestrator backend, where events and
 * messages go (the CLI supplies the renderer), the Ctrl-C signal, and the options of the run.
 * No commander, no process streams.
 */
import { EngineError } from '../errors.js';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';
import type { ProgressEvent } from '../ui/events.js';
import { backendEntry, DEFAULT_HOST, selectBackend, type Backend, type HostEngine, type ObservedState, type ObserveFor } from '../backend/index.js';

export type { Engine } from '../engine/engine.js';

/** A plan's warning or error as the user reads it: `file:line:col: warning: ...` where it comes from the file. */
export function describe(ctx: AppContext, d: Diagnostic): string {
  return formatDiagnostic(d, ctx.options.cwd);
}
export type { HostEngine } from '../backend/index.js';

/** A progress display for one run of steps (a frame on a terminal, lines, JSON, nothing). */
export interface ProgressDisplay {
  emit(e: ProgressEvent): void;
  close(): void;
  /** The display shows each failed step itself; else the use case says them in lines of their own. */
  readonly showsFailures: boolean;
}

/** Where a use case's output goes: results on stdout, everything else on stderr. */
export interface EventSink {
  /** A display for the progress events of one plan run. */
  progress(): ProgressDisplay;
  /** A line for the user on stderr (no newline): warnings, errors, notes. */
  line(text: string): void;
  /** A result on stdout (a plan's text, a report), as is. */
  result(text: string): void;
}

export interface AppOptions {
  /** Operations in flight at most (`--parallel`). */
  parallel: number;
  /** Global `--dry-run`: plans are printed, nothing changes. */
  dryRun: boolean;
  /** The environment of the run (settings, registry credentials, build args). */
  env: Record<string, string | undefined>;
  /** tsfig's version, stored on the containers it makes. */
  version: string;
  /** The directory file paths in diagnostics are shown relative to (the user's working directory). */
  cwd?: string;
  /** Where project locks live (tests); default lock.ts's. */
  lockDir?: string;
}

export interface AppContext {
  project: Project;
  hosts: HostEngine[];
  signal: AbortSignal;
  sink: EventSink;
  options: AppOptions;
  /** The orchestrator backend; chosen on first use by `backendOf`. */
  backend?: Backend;
}

/** The context's backend (chosen once: `backend/select.ts`). */
export function backendOf(ctx: AppContext): Backend {
  ctx.backend ??= selectBackend({ project: ctx.project, hosts: ctx.hosts, signal: ctx.signal, env: ctx.options.env, parallel: ctx.options.parallel });
  return ctx.backend;
}

/** The same context with another signal (a stop that must still run after Ctrl-C) or sink. */
export function withContext(ctx: AppContext, over: Partial<Pick<AppContext, 'signal' | 'sink'>>): AppContext {
  const { backend: _ignored, ...rest } = ctx;
  return { ...rest, ...over };
}

/** Connect to the project's hosts through its backend (nothing is dialled until used). */
export function connectHosts(project: Project, flags: { host?: string; context?: string }, env: Record<string, string | undefined>, warn: (line: string) => void): Promise<HostEngine[]> {
  return backendEntry(project, env).connect(project, flags, env, warn);
}

/**
 * Unreachable hosts make a command fail at the end (after the reachable ones converged). With
 * `hosts:` the message names the host (the engine's error names only its address).
 */
export function unreachable(observed: ObservedState): string[] {
  const several = Object.keys(observed.hosts).length > 1;
  return Object.values(observed.hosts)
    .filter((h) => !h.reachable)
    .map((h) => {
      if (h.error === undefined) return `host ${h.name} did not answer`;
      return several || h.name !== DEFAULT_HOST ? `host ${h.name}: ${h.error}` : h.error;
    });
}

/**
 * What runs, per host. When no host answers there is nothing to report or converge: the use
 * case fails at once with one line per host (unknown is never absent).
 */
export async function observeReachable(ctx: AppContext, purpose: ObserveFor = 'status', signal: AbortSignal = ctx.signal): Promise<ObservedState> {
  const observed = await backendOf(ctx).observe(purpose, signal);
  if (Object.values(observed.hosts).every((h) => !h.reachable)) throw new EngineError(unreachable(observed).join('\n'));
  return observed;
}

export { imageLimits, orchestratorOf, parallelLimit } from '../backend/index.js';
export type { ObservedState, Plan } from '../backend/index.js';

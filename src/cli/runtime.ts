/**
 * What the commands share: the application context built from the flags (the project, the
 * hosts, the progress renderer as the context's event sink), and Ctrl-C. Wiring only; the use
 * cases live in app/.
 */
import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import { EXIT, TsfigError, UsageError } from '../errors.js';
import type { Project } from '../model/project.js';
import { runPlan as runAppPlan, type RunPlanOptions } from '../app/apply.js';
import {
  backendOf,
  connectHosts as connectAppHosts,
  orchestratorOf,
  imageLimits,
  observeReachable,
  parallelLimit,
  unreachable,
  type AppContext,
  type Engine,
  type EventSink,
  type HostEngine,
  type ObservedState,
  type Plan,
} from '../app/context.js';
import { httpTimeoutMs, progressMode, statusStdoutSetting } from '../settings.js';
import { createRenderer, resolveProgressMode } from '../ui/render.js';
import type { ProgressMode } from '../ui/events.js';
import { globals, loadOptions, type IO } from './context.js';
import { labelledServices, requireProjectOrName, requireProjectWithSettings } from '../app/project.js';
import { VERSION } from './version.js';

export { unreachable, type RunPlanOptions };

/** The application context plus what only the CLI knows: the terminal, the Ctrl-C handler. */
export interface Session extends AppContext {
  engines: Record<string, Engine>;
  io: IO;
  progress: ProgressMode;
  parallel: number;
  /** Undo the Ctrl-C handler. */
  dispose: () => void;
  /** What a second Ctrl-C does (attached up: kill the containers); the command then ends by itself. */
  hardStop?: () => Promise<void>;
  /** Global --dry-run: runPlan prints plans instead of carrying them out. */
  dryRun?: boolean;
  /** The command prints its own line on the first Ctrl-C (attached up), instead of `cancelling: ...`. */
  announcesInterrupt?: boolean;
  /** engine or swarm (`--orchestrator`, TSFIG_ORCHESTRATOR, `x-tsfig.orchestrator`). */
  orchestrator?: string;
}

/** The commands that apply to a swarm stack (app/swarm.ts); the others say in one line that they do not. */
export const SWARM_COMMANDS = new Set(['up', 'plan', 'down', 'ps', 'logs', 'scale', 'restart', 'events', 'run', 'exec']);

function refuseOnSwarm(command: string): never {
  throw new UsageError(`${command} does not apply to a swarm stack (orchestrator swarm): the swarm runs the tasks; on a swarm tsfig runs ${[...SWARM_COMMANDS].join(', ')}`);
}

/** Connect to the default host and every `hosts:` entry (each engine connected on first use). */
export function connectHosts(project: Project, flags: { host?: string; context?: string }, io: IO): Promise<HostEngine[]> {
  return connectAppHosts(project, flags, io.env, (line) => io.stderr(`${line}\n`));
}

/**
 * The sink of a CLI run: progress through the renderer of `--progress` on stderr, lines on
 * stderr, results on stdout. `progress` is read at each plan run (`build -q` sets it after
 * the session is open).
 */
export function cliSink(io: IO, progressOf: ProgressMode | (() => ProgressMode)): EventSink {
  const mode = typeof progressOf === 'function' ? progressOf : () => progressOf;
  // COMPOSE_STATUS_STDOUT: status on stdout, as plain lines (a live frame never shares stdout with results).
  const toStdout = statusStdoutSetting(io.env);
  const status = (t: string) => (toStdout ? io.stdout(t) : io.stderr(t));
  const out = () => ({ write: status, isTTY: toStdout ? false : Boolean(io.stderrTTY), ...(io.columns ? { columns: io.columns } : {}) });
  return {
    progress: () => {
      const o = out();
      const progress = mode();
      const renderer = createRenderer(progress, o, io.env, io.screen && !toStdout ? { screen: io.screen } : {});
      return { emit: (e) => renderer.emit(e), close: () => renderer.close(), showsFailures: resolveProgressMode(progress, o, io.env) !== 'quiet' };
    },
    line: (text) => status(`${text}\n`),
    result: (text) => io.stdout(text),
  };
}

export interface SessionOptions {
  services?: string[];
  parallel?: number;
  /** The command reports Ctrl-C itself (logs -f). */
  quietInterrupt?: boolean;
  /** The command may build: local build contexts and Dockerfiles are checked when loading. */
  checkBuild?: boolean;
  /**
   * With `-p NAME` (or a project-name variable) and no project file, the project is what the
   * engines hold under that name (docker compose v2's ps, logs, stop, start, restart, down, rm,
   * kill, top, port).
   */
  byName?: boolean;
}

export async function openSession(cmd: Command, shellIo: IO, opts: SessionOptions = {}): Promise<Session> {
  const g = globals(cmd) as ReturnType<typeof globals> & { progress?: ProgressMode; parallel?: string };
  // Settings first: a bad one is a usage error before anything is read or changed.
  const settings = (env: IO['env']) => {
    const r = { progress: progressMode(g.progress, env), parallel: parallelLimit(opts.parallel ?? g.parallel, env) };
    imageLimits(env);
    httpTimeoutMs(env);
    return r;
  };
  settings(shellIo.env);
  const warn = (line: string) => shellIo.stderr(`${line}\n`);
  const load = loadOptions(g, shellIo, opts.services);
  let io = shellIo;
  const loaded = opts.byName
    ? await requireProjectOrName(load, warn, async (skeleton) => labelledServices(await connectHosts(skeleton, g, shellIo), skeleton.name))
    : requireProjectWithSettings(opts.checkBuild ? { ...load, checkBuildContexts: true } : load, warn);
  const project = loaded.project;
  // COMPOSE_*/TSFIG_* settings from the project's .env (the shell first), as compose reads them.
  if (Object.keys(loaded.settings).length) io = { ...shellIo, env: { ...shellIo.env, ...loaded.settings } };
  const { progress, parallel } = settings(io.env);
  const orchestrator = orchestratorOf(project, io.env);
  if (orchestrator === 'swarm' && !SWARM_COMMANDS.has(cmd.name())) refuseOnSwarm(cmd.name());
  const hosts = await connectHosts(project, g, io);
  const controller = new AbortController();
  // Every engine call in flight listens on this signal: several hosts make more than Node's default 10.
  setMaxListeners(1000, controller.signal);
  let interrupts = 0;
  const current: { session?: Session } = {};
  const onSigint = () => {
    interrupts++;
    // One message per Ctrl-C; while a progress frame is live it goes above the frame (io.stderr is the screen's).
    if (interrupts === 1) {
      if (!opts.quietInterrupt && !current.session?.announcesInterrupt) {
        io.stderr(`${io.screen?.live ? '' : '\n'}cancelling: finishing the steps in flight (Ctrl-C again to abort at once)\n`);
      }
      controller.abort(new TsfigError('cancelled', EXIT.interrupted));
      return;
    }
    // Leaving at once: the live frame is drawn a last time, with what was cut short marked so.
    const exitNow = () => {
      io.screen?.finish();
      process.exit(EXIT.interrupted);
    };
    const hard = interrupts === 2 ? current.session?.hardStop : undefined;
    if (!hard) return exitNow();
    // The command ends by itself once the kill lands; bounded, so a hung engine does not keep the user waiting.
    setTimeout(exitNow, 10_000).unref();
    void hard().catch(() => exitNow());
  };
  process.on('SIGINT', onSigint);
  const dryRun = g.dryRun === true;
  const session: Session = {
    project,
    hosts,
    engines: Object.fromEntries(hosts.map((h) => [h.name, h.engine])),
    io,
    signal: controller.signal,
    sink: cliSink(io, () => session.progress),
    options: { parallel, dryRun, env: io.env, version: VERSION, ...(io.cwd ? { cwd: io.cwd } : {}) },
    progress,
    parallel,
    dryRun,
    orchestrator,
    dispose: () => process.off('SIGINT', onSigint),
  };
  current.session = session;
  return session;
}

/**
 * What runs, per host. When no host answers there is nothing to report or converge: the command
 * fails at once with one line per host (unknown is never absent: no "up to date", no empty table).
 */
export function observeSession(s: Session, opts: { forUp?: boolean; overlay?: boolean; containersOnly?: boolean } = {}): Promise<ObservedState> {
  return observeReachable(s, opts.forUp ? 'up' : opts.overlay ? 'down' : opts.containersOnly ? 'containers' : 'status');
}

/** Print warnings, refuse plans with errors, execute, report. Returns the exit code. */
export function runPlan(s: Session, plan: Plan, observed: ObservedState, opts: RunPlanOptions = {}): Promise<number> {
  return runAppPlan(s, plan, observed, opts);
}

export function printPlan(s: Session, plan: Plan): void {
  s.io.stdout(backendOf(s).renderPlan(plan, s.options.cwd));
}

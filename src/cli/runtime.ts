/**
 * What the engine commands share: connecting to each host, observing, rendering progress,
 * running a plan, Ctrl-C. Wiring only; decisions live in reconcile/.
 */
import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import type { Engine } from '../engine/engine.js';
import { EngineError, EXIT, TsfigError } from '../errors.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';
import { Credentials } from '../engine/credentials.js';
import { execute, imageLimits, parallelLimit } from '../reconcile/execute.js';
import { observe, type HostEngine, type ObserveOptions } from '../reconcile/observe.js';
import { isNoop, renderPlan, type Plan } from '../reconcile/plan.js';
import { DEFAULT_HOST, type ObservedState } from '../reconcile/state.js';
import { httpTimeoutMs, progressMode } from '../settings.js';
import { createRenderer, resolveProgressMode } from '../ui/render.js';
import type { ProgressMode } from '../ui/events.js';
import { globals, requireProject, type IO } from './context.js';

export interface Session {
  project: Project;
  hosts: HostEngine[];
  engines: Record<string, Engine>;
  io: IO;
  signal: AbortSignal;
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
}

/** Connect to the default host and every `hosts:` entry (dockerode is loaded here, lazily). */
export async function connectHosts(project: Project, flags: { host?: string; context?: string }, io: IO): Promise<HostEngine[]> {
  const { connect, resolveCliEndpoint, resolveEndpoint: resolve } = await import('../engine/connect.js');
  const hosts: HostEngine[] = [];
  const base = { env: io.env, ...(io.env.HOME ? { homeDir: io.env.HOME } : {}), baseDir: project.workingDir };
  const timeoutMs = httpTimeoutMs(io.env);
  const resolveEndpoint = (o: Parameters<typeof resolve>[0]) => ({ ...resolve(o), timeoutMs });
  const declared = project.hosts[DEFAULT_HOST];
  const def = declared
    ? named(DEFAULT_HOST, () => resolveEndpoint({ ...base, host: declared.docker, fromHosts: true, ...(declared.tls ? { tls: declared.tls } : {}), ...(declared.ssh ? { ssh: declared.ssh } : {}) }))
    : { ...resolveCliEndpoint({ ...base, ...(flags.host !== undefined ? { flagHost: flags.host } : {}), ...(flags.context !== undefined ? { flagContext: flags.context } : {}) }), timeoutMs };
  const needed = new Set(Object.values(project.services).map((s) => s.host ?? DEFAULT_HOST));
  needed.add(DEFAULT_HOST);
  if (def.insecure) io.stderr(`warning: ${def.url} is plain tcp to a non-loopback address: anyone on the path can drive that engine; use TLS\n`);
  hosts.push({ name: DEFAULT_HOST, endpoint: def.url, engine: declared ? named(DEFAULT_HOST, () => connect(def)) : connect(def) });
  for (const [name, h] of Object.entries(project.hosts)) {
    if (name === DEFAULT_HOST) continue;
    const ep = named(name, () => resolveEndpoint({ ...base, host: h.docker, fromHosts: true, ...(h.tls ? { tls: h.tls } : {}), ...(h.ssh ? { ssh: h.ssh } : {}) }));
    if (ep.insecure) io.stderr(`warning: host ${name} (${ep.url}) is plain tcp to a non-loopback address: use TLS\n`);
    hosts.push({ name, endpoint: ep.url, engine: named(name, () => connect(ep)) });
  }
  return hosts;
}

/** A `hosts:` entry that cannot be used (unreadable TLS file, ...): the message names the host. */
function named<T>(host: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof TsfigError) throw new TsfigError(`host ${host}: ${err.message}`, err.exitCode);
    throw err;
  }
}

export interface SessionOptions {
  services?: string[];
  parallel?: number;
  /** The command reports Ctrl-C itself (logs -f). */
  quietInterrupt?: boolean;
  /** The command may build: local build contexts and Dockerfiles are checked when loading. */
  checkBuild?: boolean;
}

export async function openSession(cmd: Command, io: IO, opts: SessionOptions = {}): Promise<Session> {
  const g = globals(cmd) as ReturnType<typeof globals> & { progress?: ProgressMode; parallel?: string };
  // Settings first: a bad one is a usage error before anything is read or changed.
  const progress = progressMode(g.progress, io.env);
  const parallel = parallelLimit(opts.parallel ?? g.parallel, io.env);
  imageLimits(io.env);
  httpTimeoutMs(io.env);
  const project = requireProject(g, io, opts.services, { checkBuild: opts.checkBuild });
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
  const session: Session = {
    project,
    hosts,
    engines: Object.fromEntries(hosts.map((h) => [h.name, h.engine])),
    io,
    signal: controller.signal,
    progress,
    parallel,
    dryRun: g.dryRun === true,
    dispose: () => process.off('SIGINT', onSigint),
  };
  current.session = session;
  return session;
}

/**
 * What runs, per host. When no host answers there is nothing to report or converge: the command
 * fails at once with one line per host (unknown is never absent: no "up to date", no empty table).
 */
export async function observeSession(s: Session, opts: Omit<ObserveOptions, 'signal'> = {}): Promise<ObservedState> {
  const observed = await observe(s.project, s.hosts, { ...opts, signal: s.signal });
  if (Object.values(observed.hosts).every((h) => !h.reachable)) throw new EngineError(unreachable(observed).join('\n'));
  return observed;
}

/**
 * Unreachable hosts make the command fail at the end (after the reachable ones converged). With
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

/** Print warnings, refuse plans with errors, execute, report. Returns the exit code. */
export interface RunPlanOptions {
  /** Said when the plan changes nothing. */
  quietNoop?: string;
  /** Failed steps are reported as warnings and the exit code stays 0 (`pull --ignore-pull-failures`). */
  ignoreFailures?: boolean;
}

/** Registry credentials of the user running tsfig, read when a pull, push or build needs them. */
function credentialsOf(s: Session): Credentials {
  return new Credentials({ env: s.io.env, ...(s.io.env.HOME ? { homeDir: s.io.env.HOME } : {}) });
}

/** `web   | ` for build output: service names padded to the longest one being built. */
function buildPrefix(plan: Plan): (service: string) => string {
  const width = Math.max(0, ...plan.nodes.map((n) => (n.op.type === 'image.build' ? n.op.service.length : 0)));
  return (service) => `${service.padEnd(width)} | `;
}

export async function runPlan(s: Session, plan: Plan, observed: ObservedState, opts: RunPlanOptions = {}): Promise<number> {
  for (const w of plan.warnings) s.io.stderr(`${formatDiagnostic(w, s.io.cwd)}\n`);
  if (plan.errors.length) {
    throw new TsfigError(plan.errors.map((e) => formatDiagnostic(e, s.io.cwd)).join('\n'));
  }
  // Global --dry-run: the plan on stdout, as `tsfig plan` prints it; nothing changes.
  if (s.dryRun) {
    s.io.stdout(renderPlan(plan, s.io.cwd));
    return EXIT.ok;
  }
  const out = { write: (t: string) => s.io.stderr(t), isTTY: Boolean(s.io.stderrTTY), ...(s.io.columns ? { columns: s.io.columns } : {}) };
  const renderer = createRenderer(s.progress, out, s.io.env, s.io.screen ? { screen: s.io.screen } : {});
  let result;
  try {
    const creds = credentialsOf(s);
    result = await execute(plan, {
      engines: s.engines,
      concurrency: s.parallel,
      signal: s.signal,
      onEvent: (e) => renderer.emit(e),
      ...imageLimits(s.io.env),
      registryAuth: (ref) => creds.forImage(ref),
      buildAuth: () => creds.all(),
      buildPrefix: buildPrefix(plan),
    });
  } finally {
    renderer.close();
  }
  if (isNoop(plan) && opts.quietNoop) s.io.stderr(`${opts.quietNoop}\n`);
  const down = unreachable(observed);
  for (const d of down) s.io.stderr(`error: ${d}\n`);
  if (result.aborted || s.signal.aborted) return EXIT.interrupted;
  if (result.failed.length) {
    // Once, where the user looks: the progress output showed each failure (the frame's row, the
    // plain line, the JSON event); only with quiet progress do they need a line of their own.
    if (resolveProgressMode(s.progress, out, s.io.env) === 'quiet') {
      const level = opts.ignoreFailures ? 'warning' : 'error';
      for (const f of result.failed) s.io.stderr(`${level}: ${f.group.resource.kind} ${f.group.resource.name}: ${f.message}\n`);
    }
    if (!opts.ignoreFailures) return EXIT.failure;
  }
  return down.length ? EXIT.failure : EXIT.ok;
}

export function printPlan(s: Session, plan: Plan): void {
  s.io.stdout(renderPlan(plan, s.io.cwd));
}

/**
 * Attached `up`: after the plan ran, follow the logs of the services `up` started until they
 * have all exited, or until one exits with `--abort-on-container-exit` (then stop everything
 * gracefully), or Ctrl-C (stop everything gracefully, exit 130; a second Ctrl-C kills the
 * containers, see `AttachIO.setHardStop`). The terminal and the signal handlers are the CLI's.
 */
import { EXIT, UsageError } from '../errors.js';
import { Graph } from '../graph/graph.js';
import { followLogs } from '../logs/follow.js';
import { watchProject, type WatchEvent } from '../logs/watch.js';
import { LABEL } from '../model/labels.js';
import type { ProgressDisplay } from './context.js';
import { backendOf, observeReachable, withContext, type AppContext } from './context.js';
import { runPlan } from './apply.js';

/** The terminal side of attached up, supplied by the CLI. */
export interface AttachIO {
  /** Container log lines (stdout). */
  out: (text: string) => void;
  /** Tsfig's own lines (stderr). */
  err: (text: string) => void;
  /** A promise while stdout's buffer is full, else undefined. */
  congested?: () => Promise<void> | undefined;
  /** Colours in the log prefixes. */
  color: boolean;
  /** From now on Ctrl-C is announced by the use case (`Gracefully stopping...`), not by the CLI. */
  announcesInterrupt: () => void;
  /** What a second Ctrl-C does (kill the containers). */
  setHardStop: (kill: () => Promise<void>) => void;
}

export interface AttachOptions {
  /** The services `up` was asked for ([] = all). */
  services: string[];
  /** `--no-deps`: their dependencies were not started, so are not watched or stopped. */
  noDeps?: boolean;
  /** `--attach SERVICE` (repeatable): show only these services' logs. */
  attach?: string[];
  /** `--no-attach SERVICE` (repeatable): do not show these services' logs. */
  noAttach?: string[];
  /** `--attach-dependencies`: the logs of the named services' dependencies are shown too. */
  attachDependencies?: boolean;
  /** `--abort-on-container-exit`: stop everything when any container exits. */
  abortOnContainerExit?: boolean;
  /** `--abort-on-container-failure`: stop everything when a container exits with a non-zero code. */
  abortOnContainerFailure?: boolean;
  /** `--exit-code-from SERVICE`: exit with that service's container's code (implies abort on exit). */
  exitCodeFrom?: string;
  /** `-t/--timeout`: stop timeout (seconds) when stopping everything. */
  timeout?: number;
  /** Show log lines from this time on (ms since the epoch; take it before running the plan). Default: whole logs. */
  sinceMs?: number;
  /** `--timestamps`, `--no-log-prefix`, `--no-color`. */
  timestamps?: boolean;
  noLogPrefix?: boolean;
  noColor?: boolean;
}

type Outcome =
  | { kind: 'all-exited' }
  | { kind: 'abort'; service: string; name: string; code: number }
  | { kind: 'interrupt' };

/** Check the service names of the flags before anything runs. */
export function checkAttachOptions(ctx: AppContext, opts: AttachOptions): void {
  const known = (n: string) => ctx.project.services[n] !== undefined;
  if (opts.attachDependencies === true && opts.attach?.length) throw new UsageError('--attach and --attach-dependencies cannot be used together');
  for (const [flag, names] of [['--attach', opts.attach ?? []], ['--no-attach', opts.noAttach ?? []]] as const) {
    for (const n of names) if (!known(n)) throw new UsageError(`${flag}: no such service: ${n}`);
  }
  if (opts.exitCodeFrom !== undefined && !known(opts.exitCodeFrom)) throw new UsageError(`--exit-code-from: no such service: ${opts.exitCodeFrom}`);
}

/**
 * Whose logs attached `up` shows (before `--no-attach`): `--attach`'s services; else the named
 * ones, with their dependencies under `--attach-dependencies`; else every service.
 */
export function attachedServices(opts: Pick<AttachOptions, 'services' | 'attach' | 'attachDependencies'>, all: string[], started: ReadonlySet<string>): string[] {
  if (opts.attach?.length) return opts.attach;
  if (!opts.services.length) return all;
  if (opts.attachDependencies === true) return all.filter((n) => started.has(n));
  return opts.services;
}

/** Follow the logs of what `up` started; the exit code of attached `up`. */
export async function attachAfterUp(s: AppContext, io: AttachIO, opts: AttachOptions): Promise<number> {
  checkAttachOptions(s, opts);
  const graph = new Graph(s.project.services);
  const all = Object.keys(s.project.services);
  const started = new Set(opts.services.length === 0 ? all : opts.noDeps ? opts.services : [...graph.withDependencies(opts.services)]);
  const noAttach = new Set(opts.noAttach ?? []);
  const shown = attachedServices(opts, all, started).filter((n) => !noAttach.has(n));
  const abortOnExit = opts.abortOnContainerExit === true || opts.exitCodeFrom !== undefined;

  // `Attaching to web-1, db-1` (as docker compose: the followed containers, sorted, without the project prefix).
  const present = await observeReachable(s).catch(() => undefined);
  if (present) {
    const names = Object.values(present.hosts)
      .flatMap((h) => h.containers)
      .filter((c) => !c.oneoff && shown.includes(c.service))
      .map((c) => (c.name.startsWith(`${s.project.name}-`) ? c.name.slice(s.project.name.length + 1) : c.name))
      .sort();
    if (names.length > 0) io.out(`Attaching to ${names.join(', ')}\n`);
  }

  // Ctrl-C while following says `Gracefully stopping...`, and only that.
  io.announcesInterrupt();
  // Our own signal: Ctrl-C aborts the session's, yet the logs must go on while stopping.
  const hard = new AbortController();
  let settle!: (o: Outcome) => void;
  const outcome = new Promise<Outcome>((r) => (settle = r));
  const onInterrupt = () => settle({ kind: 'interrupt' });
  if (s.signal.aborted) onInterrupt();
  else s.signal.addEventListener('abort', onInterrupt, { once: true });

  const follower = followLogs({
    hosts: s.hosts,
    project: s.project.name,
    services: shown,
    follow: true,
    ...(opts.sinceMs !== undefined ? { sinceNs: BigInt(Math.floor(opts.sinceMs)) * 1_000_000n } : {}),
    timestamps: opts.timestamps === true,
    prefix: opts.noLogPrefix !== true,
    color: opts.noColor !== true && io.color,
    serviceOrder: [...all].sort(),
    showExits: true,
    out: io.out,
    ...(io.congested ? { congested: io.congested } : {}),
    err: io.err,
    signal: hard.signal,
  });

  // Which containers of the started services are alive. A replacement created during a
  // recreate (`io.tsfig.replace`) counts as alive until it starts or is removed.
  const alive = new Map<string, boolean>();
  // Bumped by each start: a death learnt about after a newer start is stale.
  const starts = new Map<string, number>();
  const firstCode = new Map<string, number>();
  let listed = false;
  let aborting = false;
  const check = () => {
    if (listed && !aborting && [...alive.values()].every((a) => !a)) settle({ kind: 'all-exited' });
  };
  const engines = new Map(s.hosts.map((h) => [h.name, h.engine]));
  const onEvent = (e: WatchEvent) => {
    const c = e.container;
    if (c.oneoff || !started.has(c.service)) return;
    switch (e.kind) {
      case 'present':
        alive.set(c.id, c.state === 'running' || c.state === 'restarting' || (c.state === 'created' && c.labels[LABEL.replace] !== undefined));
        break;
      case 'create':
        if (c.labels[LABEL.replace] !== undefined) alive.set(c.id, true);
        break;
      case 'start':
        starts.set(c.id, (starts.get(c.id) ?? 0) + 1);
        alive.set(c.id, true);
        break;
      case 'destroy':
        alive.delete(c.id);
        check();
        break;
      case 'die': {
        const gen = starts.get(c.id) ?? 0;
        void (async () => {
          // The engine marks a container it will restart before it reports the death.
          let restarting = false;
          let code = e.exitCode ?? 0;
          try {
            const i = await engines.get(c.host)?.inspectContainer(c.id);
            if (i) {
              restarting = i.state.restarting || i.state.running;
              if (e.exitCode === undefined) code = i.state.exitCode;
            }
          } catch {
            // gone already: it exited
          }
          if (restarting || (starts.get(c.id) ?? 0) !== gen || !alive.has(c.id)) return;
          alive.set(c.id, false);
          if (!firstCode.has(c.service)) firstCode.set(c.service, code);
          if (!aborting && (abortOnExit || (opts.abortOnContainerFailure === true && code !== 0))) {
            settle({ kind: 'abort', service: c.service, name: c.name, code });
          }
          check();
        })();
        break;
      }
      default:
        break;
    }
  };
  const watch = watchProject({ hosts: s.hosts, project: s.project.name, follow: true, onEvent, signal: hard.signal });
  void watch.ready.then(() => {
    listed = true;
    check();
  });

  const stopAll = async (): Promise<number> => {
    // A fresh signal: the session's may be aborted (Ctrl-C) and the stop must still run.
    const stopper = withContext(s, { signal: new AbortController().signal });
    const observed = await observeReachable(stopper);
    const plan = backendOf(stopper).planLifecycle('stop', observed, { services: [...started], ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
    return runPlan(stopper, plan, observed);
  };

  let code: number = EXIT.ok;
  try {
    const o = await outcome;
    aborting = true;
    if (o.kind === 'abort') {
      io.err(`Aborting on container exit (${o.name} exited with code ${o.code})...\n`);
      const stopped = await stopAll();
      code = opts.exitCodeFrom === undefined ? o.code : await exitCodeOf(opts.exitCodeFrom);
      if (stopped !== EXIT.ok && code === EXIT.ok) code = stopped;
    } else if (o.kind === 'interrupt') {
      io.err('Gracefully stopping... (press Ctrl-C again to kill the containers)\n');
      io.setHardStop(async () => {
        io.err('Killing the containers... (press Ctrl-C again to exit at once)\n');
        const killer = withContext(s, { signal: new AbortController().signal, sink: { ...s.sink, progress: quietDisplay } });
        const observed = await observeReachable(killer);
        await runPlan(killer, backendOf(killer).planLifecycle('kill', observed, { services: [...started] }), observed);
      });
      await stopAll();
      code = EXIT.interrupted;
    } else {
      code = opts.exitCodeFrom === undefined ? EXIT.ok : await exitCodeOf(opts.exitCodeFrom);
    }
    // Print what is left of every stream, then end.
    follower.stop();
    await follower.done;
  } finally {
    s.signal.removeEventListener('abort', onInterrupt);
    hard.abort();
    watch.close();
    await watch.closed;
    await follower.done.catch(() => undefined);
  }
  return code;

  /** The code of the service's container that exited first (or its state after the stop). */
  async function exitCodeOf(service: string): Promise<number> {
    const seen = firstCode.get(service);
    if (seen !== undefined) return seen;
    const observed = await observeReachable(withContext(s, { signal: new AbortController().signal }));
    const ids = Object.values(observed.hosts).flatMap((h) => h.containers.filter((c) => c.service === service && !c.oneoff).map((c) => ({ id: c.id, host: h.name })));
    for (const c of ids) {
      const i = await engines.get(c.host)?.inspectContainer(c.id).catch(() => undefined);
      if (i && !i.state.running) return i.state.exitCode;
    }
    return EXIT.ok;
  }
}

/** No progress shown (the kill after a second Ctrl-C): failures get lines of their own. */
function quietDisplay(): ProgressDisplay {
  return { emit() {}, close() {}, showsFailures: false };
}

import { Command, Option } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../../settings.js';
import { acquireLock } from '../../lock.js';
import { hostOf, overlayPrior, planImages, reconcile, scaleOf, type ReconcileOptions } from '../../reconcile/reconcile.js';
import type { Plan } from '../../reconcile/plan.js';
import type { ObservedState } from '../../reconcile/state.js';
import { allocate, hasOverlay } from '../../overlay/alloc.js';
import { underlayAddresses } from '../../overlay/plan.js';
import { probeOverlay } from '../../overlay/probe.js';
import type { PullMode } from '../../reconcile/images.js';
import { renderPlan } from '../../reconcile/plan.js';
import { planWait } from '../../reconcile/lifecycle.js';
import { openSession, observeSession, runPlan, type Session } from '../runtime.js';
import { collect, globals, type IO } from '../context.js';
import { attachAfterUp, checkAttachOptions } from '../attach.js';
import { VERSION } from '../version.js';
import { dict } from '../../model/dict.js';

/**
 * After an up that (re)configured overlay plumbing on some hosts: a probe across each pair of
 * member hosts of those networks, so a path that drops VXLAN (UDP 4789 filtered between two
 * hosts) is named now, not found later as services that cannot reach each other.
 */
async function checkOverlay(s: Session, plan: Plan, observed: ObservedState, options: ReconcileOptions): Promise<void> {
  const configured = new Set(plan.nodes.filter((n) => n.op.type === 'host.script').map((n) => n.op.host));
  if (!configured.size || !hasOverlay(s.project)) return;
  const alloc = allocate(s.project, { scale: (svc) => scaleOf(svc, options), hostOf, prior: overlayPrior(s.project, observed) });
  const networks = Object.values(alloc.networks).filter((n) => n.members.some((h) => configured.has(h)) && n.members.length > 1);
  if (!networks.length) return;
  const reachable = (_: string, h: string) => observed.hosts[h]?.reachable === true;
  const engines = Object.fromEntries(s.hosts.map((h) => [h.name, h.engine]));
  const results = await probeOverlay(s.project, alloc, engines, networks.map((n) => n.key), reachable);
  const overlays = Object.fromEntries(Object.values(observed.hosts).map((h) => [h.name, h.overlay]));
  const addresses = underlayAddresses(s.project, alloc, overlays);
  for (const r of results.filter((x) => !x.ok)) {
    s.io.stderr(
      `warning: overlay network ${r.network}: host ${r.from} gets no answer from host ${r.to} (${r.gateway}) across it: check that UDP 4789 passes between ${addresses[r.from] ?? r.from} and ${addresses[r.to] ?? r.to} both ways (tsfig doctor probes every pair)\n`,
    );
  }
}

/** commander files `--no-attach X` under `attach` unless told otherwise. */
class NoAttachOption extends Option {
  override attributeName(): string {
    return 'noAttach';
  }
}

export interface UpFlags {
  detach?: boolean;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  attach?: string[];
  noAttach?: string[];
  timestamps?: boolean;
  logPrefix?: boolean;
  color?: boolean;
  noDeps?: boolean;
  forceRecreate?: boolean;
  recreate?: boolean;
  start?: boolean;
  renewAnonVolumes?: boolean;
  scale?: string[];
  removeOrphans?: boolean;
  forceRecreateVolumes?: boolean;
  timeout?: string;
  wait?: boolean;
  waitTimeout?: string;
  dryRun?: boolean;
  parallel?: string;
  /** `--build` (true) / `--no-build` (false). */
  build?: boolean;
  pull?: string;
  watch?: boolean;
}

const PULL_MODES: readonly PullMode[] = ['always', 'missing', 'never'];

export function parsePullMode(v: string | undefined): PullMode | undefined {
  if (v === undefined) return undefined;
  if (!(PULL_MODES as readonly string[]).includes(v)) throw new UsageError(`invalid --pull "${v}": use always, missing or never`);
  return v as PullMode;
}

export function parseScale(specs: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = dict();
  for (const s of specs ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(s);
    if (!m) throw new UsageError(`invalid scale "${s}": use SERVICE=N`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid timeout "${v}": use whole seconds`);
  return n;
}

/** Shared by up, plan and scale: the reconcile options from flags. */
export function reconcileOptions(flags: UpFlags, services: string[], env: Record<string, string | undefined>): ReconcileOptions {
  if (flags.forceRecreate && flags.recreate === false) throw new UsageError('--force-recreate and --no-recreate cannot be used together');
  const timeout = parseTimeout(flags.timeout);
  const pull = parsePullMode(flags.pull);
  return {
    version: VERSION,
    build: flags.build === true ? 'always' : flags.build === false ? 'never' : 'auto',
    ...(pull !== undefined ? { pull } : {}),
    buildEnv: env,
    services,
    noDeps: Boolean(flags.noDeps),
    forceRecreate: Boolean(flags.forceRecreate),
    noRecreate: flags.recreate === false,
    noStart: flags.start === false,
    renewAnonVolumes: Boolean(flags.renewAnonVolumes),
    recreateVolumes: Boolean(flags.forceRecreateVolumes),
    removeOrphans: Boolean(flags.removeOrphans) || removeOrphansSetting(env),
    ignoreOrphans: ignoreOrphansSetting(env),
    scale: parseScale(flags.scale),
    ...(timeout !== undefined ? { timeout } : {}),
  };
}

export function addConvergeOptions(cmd: Command): Command {
  return cmd
    .option('--no-deps', "don't start the services the named services depend on")
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', "don't recreate containers that exist, even if they changed")
    .option('--no-start', 'create, but do not start')
    .option('-V, --renew-anon-volumes', 'new anonymous volumes instead of the previous containers\' ones')
    .addOption(new Option('--scale <service=n>', 'run N containers of a service (repeatable)').argParser(collect))
    .option('--remove-orphans', 'remove containers of services no longer in the file (TSFIG_REMOVE_ORPHANS)')
    .option('--force-recreate-volumes', 'make volumes whose definition changed anew: their data is deleted')
    .option('-t, --timeout <seconds>', "seconds a container has to stop when replaced (and, attached, on Ctrl-C or abort) before it is killed (default: its stop_grace_period, else 10)")
    .option('--parallel <n>', 'operations in flight at most (TSFIG_PARALLEL_LIMIT, default 8)')
    .option('--build', 'build the images of services with build: before starting')
    .option('--no-build', "don't build images, even missing ones")
    .option('--pull <policy>', "pull images: always, missing or never (over each service's pull_policy)");
}

/** The project's lock, saying on stderr when another tsfig holds it. */
export function lockProject(s: Session): Promise<() => void> {
  return acquireLock(`${s.project.name}`, { signal: s.signal, onWait: (pid) => s.io.stderr(`waiting for another tsfig (pid ${pid}) working on project ${s.project.name}\n`) });
}

/**
 * up's planning path, shared with `create` (which is this with `noStart`): images first (pulls
 * and builds), then the containers, networks and volumes, then the overlay check. The caller
 * holds the project's lock (unless dry-run). With `dryRun`, prints the plan, changes nothing and
 * returns undefined; else returns when the containers' plan began to run (for the logs that
 * follow). A failed step throws `ExitCode`.
 */
export async function converge(s: Session, options: ReconcileOptions, opts: { dryRun?: boolean } = {}): Promise<{ sinceMs: number } | undefined> {
  let observed = await observeSession(s, { forUp: true });
  if (!opts.dryRun) {
    // Images first (pulls and builds), so the containers' config hashes see the new image IDs.
    const reachable = { ...observed, hosts: Object.fromEntries(Object.entries(observed.hosts).filter(([, h]) => h.reachable)) };
    const images = planImages(s.project, reachable, options);
    if (images.nodes.length > 0 || images.errors.length > 0) {
      const built = await runPlan(s, images, reachable);
      if (built !== 0) throw new ExitCode(built);
      observed = await observeSession(s, { forUp: true });
      options.imagesDone = true;
    }
  }
  const plan = reconcile(s.project, observed, options);
  if (opts.dryRun) {
    s.io.stdout(renderPlan(plan, s.io.cwd));
    return undefined;
  }
  const sinceMs = Date.now();
  const code = await runPlan(s, plan, observed, { quietNoop: 'everything is up to date' });
  if (code !== 0) throw new ExitCode(code);
  await checkOverlay(s, plan, observed, options);
  return { sinceMs };
}

export function upCommand(io: IO): Command {
  const cmd = new Command('up')
    .description('Create and start the stack, changing only what differs from the file')
    .option('-d, --detach', 'run in the background; without it, up follows the logs of what it started')
    .option('--abort-on-container-exit', 'stop every container when one exits')
    .option('--abort-on-container-failure', 'stop every container when one exits non-zero')
    .option('--exit-code-from <service>', "exit with that service's container's code (implies --abort-on-container-exit)")
    .addOption(new Option('--attach <service>', "show only these services' logs (repeatable)").argParser(collect))
    .addOption(new NoAttachOption('--no-attach <service>', "hide this service's logs (repeatable)").argParser(collect))
    .option('--timestamps', 'show the time of each log line')
    .option('--no-log-prefix', "don't prefix log lines with the container name")
    .option('--no-color', 'no colours in the logs')
    .option('--wait', 'wait for services to be running/healthy before returning')
    .option('--wait-timeout <seconds>', 'how long a depends_on condition or --wait may take (default 120)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('-w, --watch', 'then follow file changes as tsfig watch does (develop.watch rules)')
    .argument('[services...]', 'services to bring up (and their dependencies)');
  addConvergeOptions(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const own = this.opts<UpFlags>();
    // The global --dry-run (before the command) is up's own --dry-run.
    const flags: UpFlags = { ...own, dryRun: own.dryRun === true || globals(this).dryRun === true };
    const options = reconcileOptions(flags, services, io.env);
    const waitTimeout = parseTimeout(flags.waitTimeout);
    if (waitTimeout !== undefined) options.healthTimeoutMs = waitTimeout * 1000;
    const attached = !flags.detach && flags.start !== false && !flags.dryRun;
    if (!attached && (flags.abortOnContainerExit || flags.abortOnContainerFailure || flags.exitCodeFrom || flags.attach || flags.noAttach)) {
      throw new UsageError('--abort-on-container-exit, --exit-code-from, --attach and --no-attach follow the logs: they cannot be used with -d');
    }
    const s = await openSession(this, io, { services, checkBuild: true });
    const attachOptions = {
      services,
      noDeps: Boolean(flags.noDeps),
      ...(flags.attach ? { attach: flags.attach } : {}),
      ...(flags.noAttach ? { noAttach: flags.noAttach } : {}),
      abortOnContainerExit: Boolean(flags.abortOnContainerExit),
      abortOnContainerFailure: Boolean(flags.abortOnContainerFailure),
      ...(flags.exitCodeFrom ? { exitCodeFrom: flags.exitCodeFrom } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      timestamps: Boolean(flags.timestamps),
      noLogPrefix: flags.logPrefix === false,
      noColor: flags.color === false,
    };
    if (attached) checkAttachOptions(s, attachOptions);
    // The watch machinery (chokidar) is loaded only for --watch.
    const watch = flags.watch ? await import('./watch.js') : undefined;
    if (watch) watch.checkUpWatch(s, services, attached);
    const release = flags.dryRun ? () => {} : await lockProject(s);
    try {
      const converged = await converge(s, options, { dryRun: Boolean(flags.dryRun) });
      if (!converged) return;
      const { sinceMs } = converged;
      if (flags.wait) {
        const now = await observeSession(s);
        const scope = services.length ? services : Object.keys(s.project.services);
        const waited = await runPlan(s, planWait(s.project, now, scope, options.healthTimeoutMs ?? 120_000), now);
        if (waited !== 0) throw new ExitCode(waited);
      }
      if (attached) {
        release(); // nobody else's up should wait while we follow logs
        const follow = () => attachAfterUp(s, { ...attachOptions, sinceMs });
        const c = watch ? await watch.followWithWatch(this, s, services, follow) : await follow();
        if (c !== 0) throw new ExitCode(c);
      }
    } finally {
      release();
      s.dispose();
    }
  });
}

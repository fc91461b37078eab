/**
 * The use cases on a swarm (orchestrator swarm): up, plan, down, ps, logs, scale, restart. Each
 * drives backend/swarm/ through the same context as the engine's use cases; the ones that
 * change the stack hold the project's lock.
 */
import { ExitCode, TsfigError, UsageError } from '../errors.js';
import { hasErrors, sortDiagnostics } from '../model/diagnostic.js';
import { swarmBackend, type StackEventScope, type SwarmBackend, type SwarmPlan, type SwarmPlanOptions, type TaskRow } from '../backend/swarm/index.js';
import type { ExecTarget } from './containers/exec.js';
import { oneOffOptions, type OneOffCreator } from './containers/run.js';
import { describe, type AppContext } from './context.js';
import { withProjectLock } from './lock.js';

const backends = new WeakMap<AppContext, SwarmBackend>();

function swarmOf(ctx: AppContext): SwarmBackend {
  let b = backends.get(ctx);
  if (!b) {
    b = swarmBackend({ project: ctx.project, hosts: ctx.hosts, env: ctx.options.env, signal: ctx.signal });
    backends.set(ctx, b);
  }
  return b;
}

/** Warnings and errors of a plan on stderr; errors refuse it (exit 1). */
function report(ctx: AppContext, plan: SwarmPlan): void {
  for (const d of sortDiagnostics(plan.diagnostics)) ctx.sink.line(describe(ctx, d));
  if (hasErrors(plan.diagnostics)) throw new ExitCode(1);
}

export interface SwarmUpRequest extends SwarmPlanOptions {
  dryRun?: boolean;
  wait?: boolean;
  waitTimeoutMs?: number;
}

/** The converge of a swarm: plan, apply, and with `wait` until the services are updated and running. */
export async function swarmConverge(ctx: AppContext, req: SwarmUpRequest, quietNoop?: string): Promise<void> {
  const b = swarmOf(ctx);
  await withProjectLock(ctx, async () => {
    const observed = await b.observe();
    const plan = b.planUp(observed, req);
    report(ctx, plan);
    if (req.dryRun || ctx.options.dryRun) {
      ctx.sink.result(b.render(plan));
      return;
    }
    if (!plan.ops.length) ctx.sink.line(quietNoop ?? b.upToDate(plan));
    await b.apply(plan, (line) => ctx.sink.line(line));
    if (req.wait) {
      const scope = b.desired().services.filter((s) => !req.services?.length || req.services.includes(s.key)).map((s) => s.name);
      await b.wait(scope, req.waitTimeoutMs ?? 120_000, {
        onReady: (name) => ctx.sink.line(`service ${name} is running`),
        onTaskFailed: (name, f) => ctx.sink.line(`warning: service ${name}: task ${f.task} failed: ${f.message} (the swarm tries again; still waiting)`),
      });
    }
  });
}

/** `tsfig plan`: the steps and their causes on stdout; exit 1 on plan errors. */
export async function swarmPlan(ctx: AppContext, req: SwarmPlanOptions): Promise<void> {
  const b = swarmOf(ctx);
  const plan = b.planUp(await b.observe(), req);
  ctx.sink.result(b.render(plan));
  report(ctx, plan);
}

export interface SwarmDownRequest {
  /** -v: the stack's named volumes on the manager too (warnings name the other nodes that hold one). */
  volumes?: boolean;
  timeoutMs?: number;
}

/** Everything of the stack removed, and gone, before it returns. */
export async function swarmDown(ctx: AppContext, req: SwarmDownRequest = {}): Promise<void> {
  const b = swarmOf(ctx);
  const timeoutMs = req.timeoutMs ?? 120_000;
  await withProjectLock(ctx, async () => {
    const observed = await b.observe();
    const plan = b.planDown(observed, req.volumes ? await b.observeVolumes(observed) : undefined);
    report(ctx, plan);
    if (ctx.options.dryRun) {
      ctx.sink.result(b.render(plan));
      return;
    }
    await b.down(plan, (line) => ctx.sink.line(line), timeoutMs);
  });
}

export function swarmScale(ctx: AppContext, counts: Record<string, number>): Promise<void> {
  return swarmConverge(ctx, { services: Object.keys(counts), scale: counts }, 'already at that scale');
}

/** A forced update of the services (all by default): their tasks are replaced, as the update config says. */
export function swarmRestart(ctx: AppContext, services: string[]): Promise<void> {
  const names = services.length ? services : Object.keys(ctx.project.services);
  return swarmConverge(ctx, { services: names, restart: names });
}

export async function swarmTasks(ctx: AppContext, opts: { services?: string[]; all?: boolean }): Promise<TaskRow[]> {
  const b = swarmOf(ctx);
  return b.tasks(await b.observe(), opts);
}

export interface SwarmLogsRequest {
  services: string[];
  follow: boolean;
  tail?: string;
  /** Nanoseconds since the epoch. */
  since?: bigint;
  timestamps?: boolean;
  prefix: boolean;
  out: (text: string) => void;
}

/** Each service's logs, lines prefixed with the task's slot and node; with `follow`, until Ctrl-C. */
export async function swarmLogs(ctx: AppContext, req: SwarmLogsRequest): Promise<void> {
  const b = swarmOf(ctx);
  const observed = await b.observe();
  const services = req.services.length ? req.services : Object.keys(ctx.project.services).sort();
  const unknown = services.filter((s) => !observed.services.some((o) => o.name === `${ctx.project.name}_${s}`));
  if (req.services.length && unknown.length) throw new TsfigError(`no service ${unknown.join(', ')} in stack ${ctx.project.name}`);
  const width = Math.max(0, ...services.map((s) => s.length)) + 2;
  await Promise.all(
    services
      .filter((s) => !unknown.includes(s))
      .map(async (s) => {
        try {
          const opts = { follow: req.follow, ...(req.tail !== undefined ? { tail: req.tail } : {}), ...(req.since !== undefined ? { since: req.since } : {}), ...(req.timestamps ? { timestamps: true } : {}) };
          for await (const l of b.logs(observed, s, opts)) {
            const text = l.time !== undefined ? `${l.time} ${l.text}` : l.text;
            req.out(req.prefix ? `${l.prefix.padEnd(width)} | ${text}\n` : `${text}\n`);
          }
        } catch (err) {
          if (ctx.signal.aborted) return;
          throw err;
        }
      }),
  );
}

/** `events` on a swarm: the manager's events about the stack (streamEvents' scope). */
export async function swarmEventScope(ctx: AppContext): Promise<StackEventScope> {
  const b = swarmOf(ctx);
  return b.eventScope(await b.observe());
}

/** `exec` on a swarm: the container of the service's running task `index`, when it is on the manager. */
export function swarmExecTarget(ctx: AppContext): ExecTarget {
  return async (_containers, service, index) => {
    const b = swarmOf(ctx);
    const t = await b.taskContainer(await b.observe(), service, index);
    return { id: t.containerId, engine: b.engine };
  };
}

/** run's flags that mean nothing for a one-off on a swarm (it publishes no ports, mounts nothing, builds nothing). */
const RUN_FLAGS_REFUSED = [['publish', '--publish'], ['servicePorts', '--service-ports'], ['volume', '--volume'], ['build', '--build'], ['useAliases', '--use-aliases'], ['removeOrphans', '--remove-orphans']] as const;

/**
 * `run` on a swarm: the one-off on the manager's engine, from the service as deployed, on the
 * stack's attachable networks (the stack must be up: its networks are the swarm's).
 */
export function swarmOneOffCreator(ctx: AppContext): OneOffCreator {
  return async (containers, req, stdinIsTTY) => {
    for (const [key, flag] of RUN_FLAGS_REFUSED) {
      const v = req.flags[key];
      if (v === true || (Array.isArray(v) && v.length > 0)) throw new UsageError(`run ${flag} does not apply to a swarm stack (orchestrator swarm)`);
    }
    const b = swarmOf(ctx);
    const observed = await b.observe();
    const options = oneOffOptions(req.flags, req.command, { env: req.env, projectDir: ctx.project.workingDir, homeDir: req.env.HOME ?? '/', stdinIsTTY, id: req.id, ...(req.cwd !== undefined ? { cwd: req.cwd } : {}) });
    const o = b.oneOff(req.service, options);
    const absent = [o.body.HostConfig?.NetworkMode, ...o.extraNetworks].filter((n): n is string => n !== undefined && !observed.allNetworkNames.includes(n));
    if (absent.length) throw new TsfigError(`run ${req.service}: network ${absent.join(', ')} is not on the swarm: run \`tsfig up\` first (a one-off joins the stack's networks)`);
    for (const w of o.warnings) containers.sink.warn(w);
    const engine = b.engine;
    const { id } = await engine.createContainer(o.name, o.body);
    try {
      for (const n of o.extraNetworks) await engine.connectNetwork(n, id);
    } catch (err) {
      await engine.removeContainer(id, { force: true }).catch(() => undefined);
      throw err;
    }
    return { created: { engine, id, name: o.name }, options };
  };
}

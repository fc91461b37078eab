/**
 * The swarm backend: a project as a Docker stack on a swarm manager (services, tasks, overlay
 * networks, secrets, configs), mapped as `docker stack deploy` maps it (mapping.ts), observed by
 * label (observe.ts), planned by a pure reconcile with causes (reconcile.ts), applied with
 * versioned updates (apply.ts), waited for (wait.ts), and listed (status.ts).
 */
import { TsfigError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import type { Project } from '../../model/project.js';
import type { HostEngine } from '../backend.js';
import { connectHosts, type ConnectFlags } from '../engine/connect.js';
import { applySwarmPlan, downStack, type ApplyHooks } from './apply.js';
import { desiredStack } from './mapping.js';
import { asSwarm, observeStack, readContents, requireManager, type SwarmEngine } from './observe.js';
import { planDown, planUp, renderSwarmPlan, upToDate, type SwarmPlanOptions } from './reconcile.js';
import { listTaskRows, serviceLogLines, type LogLine, type TaskRow } from './status.js';
import { STACK_LABEL, type DesiredStack, type ObservedStack, type SwarmJson, type SwarmPlan } from './types.js';
import { waitServices, type WaitReports } from './wait.js';
import { planDownVolumes, volumeUses, type StackVolumes } from './volumes.js';
import { stackEventScope, type StackEventScope } from './events.js';
import { locateTask, type TaskContainer } from './tasks.js';
import { swarmOneOff, type SwarmOneOff } from './oneoff.js';
import type { OneOffOptions } from '../../reconcile/oneoff.js';

export type { SwarmOneOff };
export type { LogLine, ObservedStack, StackEventScope, SwarmPlan, SwarmPlanOptions, TaskContainer, TaskRow };
export { HOST_NODE_LABEL } from './deploy.js';

/** The swarm's one endpoint: the engine -H, DOCKER_HOST or the context names (`hosts:` entries are placement, not engines). */
export function connectSwarm(project: Project, flags: ConnectFlags, env: Record<string, string | undefined>, warn: (line: string) => void): Promise<HostEngine[]> {
  return connectHosts({ ...project, hosts: {} }, flags, env, warn);
}

export interface SwarmContext {
  project: Project;
  hosts: HostEngine[];
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

export class SwarmBackend {
  readonly name = 'swarm';
  private checked = false;
  constructor(private readonly ctx: SwarmContext) {}

  get engine(): SwarmEngine {
    return asSwarm(this.ctx.hosts[0]!.engine);
  }

  /** The manager check (once), then the stack by label. */
  async observe(): Promise<ObservedStack> {
    if (!this.checked) await requireManager(this.engine, this.ctx.signal);
    this.checked = true;
    return observeStack(this.engine, this.ctx.project.name, this.ctx.signal);
  }

  desired(): DesiredStack {
    return desiredStack(this.ctx.project, readContents(this.ctx.project, this.ctx.env));
  }

  planUp(observed: ObservedStack, opts: SwarmPlanOptions = {}): SwarmPlan {
    return planUp(this.desired(), observed, opts);
  }

  /** down's plan; with `volumes` (down -v, read by `observeVolumes` before anything is removed) the volumes on the manager last, and the warnings. */
  planDown(observed: ObservedStack, volumes?: StackVolumes): SwarmPlan {
    const plan = planDown(observed);
    if (!volumes) return plan;
    const v = planDownVolumes(this.ctx.project, volumes);
    return { ops: [...plan.ops, ...v.ops], diagnostics: [...plan.diagnostics, ...v.diagnostics] };
  }

  /** For down -v: the stack's volumes on the manager, and which nodes the stack's tasks (history included) mounted named volumes on. */
  async observeVolumes(observed: ObservedStack): Promise<StackVolumes> {
    const opts = { signal: this.ctx.signal };
    const ids = observed.services.map((s) => s.id);
    const [me, onManager, tasks] = await Promise.all([
      this.engine.swarmMembership(opts),
      this.engine.listVolumes({ labels: { [STACK_LABEL]: this.ctx.project.name }, ...opts }),
      ids.length ? this.engine.listTasks({ service: ids }, opts) : Promise.resolve([] as SwarmJson[]),
    ]);
    const used = volumeUses(tasks);
    const hostnames: Record<string, string> = {};
    if (used.some((u) => u.nodeId !== me.nodeId)) {
      for (const n of await this.engine.listNodes(opts)) {
        const host = (n.raw.Description as SwarmJson | undefined)?.Hostname;
        if (typeof host === 'string') hostnames[n.id] = host;
      }
    }
    return { managerNodeId: me.nodeId, onManager: onManager.map((v) => ({ name: v.name, labels: v.labels })), used, hostnames };
  }

  /** What a plan without steps says of the stack (upToDate in reconcile.ts). */
  upToDate(plan: SwarmPlan): string {
    return upToDate(plan);
  }

  render(plan: SwarmPlan): string {
    return renderSwarmPlan(plan);
  }

  apply(plan: SwarmPlan, done: ApplyHooks['done']): Promise<void> {
    return applySwarmPlan(this.engine, plan, { done, signal: this.ctx.signal });
  }

  /** The stack removed; first the one-offs `run` left on the manager (they would hold the stack's networks). */
  async down(plan: SwarmPlan, done: ApplyHooks['done'], timeoutMs: number): Promise<void> {
    const opts = { signal: this.ctx.signal };
    const oneOffs = await this.engine.listContainers({ all: true, labels: { [LABEL.project]: this.ctx.project.name, [LABEL.oneoff]: 'True' }, ...opts });
    for (const c of oneOffs) {
      await this.engine.removeContainer(c.id, { force: true, ...opts });
      done(`removed one-off ${c.names[0] ?? c.id}`);
    }
    return downStack(this.engine, plan, { done, signal: this.ctx.signal, timeoutMs });
  }

  /** Until the services (by name) are updated and running; a rollback is an error naming the service. */
  async wait(names: string[], timeoutMs: number, reports: WaitReports = {}): Promise<void> {
    const observed = await observeStack(this.engine, this.ctx.project.name, this.ctx.signal);
    const ids = observed.services.filter((s) => names.includes(s.name)).map((s) => s.id);
    await waitServices(this.engine, ids, timeoutMs, this.ctx.signal, reports);
  }

  async tasks(observed: ObservedStack, opts: { services?: string[]; all?: boolean }): Promise<TaskRow[]> {
    const rows = await listTaskRows(this.engine, observed.services, { ...(opts.all ? { all: true } : {}), signal: this.ctx.signal });
    return opts.services?.length ? rows.filter((r) => opts.services!.includes(r.service)) : rows;
  }

  /** Which of the manager's events are the stack's: its services (desired or there), their tasks' containers, its networks, secrets and configs. */
  eventScope(observed: ObservedStack): StackEventScope {
    const desired = this.desired();
    const prefix = `${this.ctx.project.name}_`;
    const keys = [...desired.services.map((s) => s.key), ...observed.services.map((s) => s.name.slice(prefix.length))];
    const names = [...desired.networks.map((n) => n.name), ...desired.objects.map((o) => o.name), ...observed.networks.map((n) => n.name), ...observed.objects.map((o) => o.name)];
    return stackEventScope(this.ctx.project.name, keys, names);
  }

  /** The container of a service's running task `index` on the manager; an error naming the node when it runs elsewhere. */
  taskContainer(observed: ObservedStack, service: string, index: number): Promise<TaskContainer> {
    const svc = observed.services.find((s) => s.name === `${this.ctx.project.name}_${service}`);
    if (!svc) throw new TsfigError(`no service ${service} in stack ${this.ctx.project.name}`);
    return locateTask(this.engine, svc, index, this.ctx.signal);
  }

  /** A one-off of a service as the stack runs it: the create body and networks (on the stack's attachable networks). */
  oneOff(service: string, options: OneOffOptions): SwarmOneOff {
    const svc = this.desired().services.find((s) => s.key === service);
    if (!svc) throw new TsfigError(`no such service: ${service}`);
    return swarmOneOff(this.ctx.project.name, svc, options);
  }

  logs(observed: ObservedStack, service: string, opts: { follow: boolean; tail?: string; since?: bigint; timestamps?: boolean }): AsyncGenerator<LogLine> {
    const svc = observed.services.find((s) => s.name === `${this.ctx.project.name}_${service}`);
    if (!svc) return (async function* () {})();
    return serviceLogLines(this.engine, svc, { ...opts, signal: this.ctx.signal });
  }
}

export function swarmBackend(ctx: SwarmContext): SwarmBackend {
  return new SwarmBackend(ctx);
}

/** The commands that apply to a swarm stack, wired to app/swarm.ts (orchestrator swarm). */
import { swarmConverge, swarmDown, swarmEventScope, swarmExecTarget, swarmLogs, swarmOneOffCreator, swarmPlan, swarmRestart, swarmScale, swarmTasks } from '../app/swarm.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../ui/table.js';
import type { UpFlags } from './converge-flags.js';
import type { Session } from './runtime.js';

export { swarmEventScope, swarmExecTarget, swarmOneOffCreator };

export function isSwarm(s: Session): boolean {
  return s.orchestrator === 'swarm';
}

/** up's flags that mean nothing on a swarm (it builds nothing, starts what it creates, replaces tasks itself). */
const UP_NOT_ON_SWARM: Array<[keyof UpFlags, string]> = [
  ['build', '--build/--no-build'],
  ['recreate', '--no-recreate'],
  ['start', '--no-start'],
  ['renewAnonVolumes', '-V'],
  ['forceRecreateVolumes', '--force-recreate-volumes'],
  ['abortOnContainerExit', '--abort-on-container-exit'],
  ['abortOnContainerFailure', '--abort-on-container-failure'],
  ['exitCodeFrom', '--exit-code-from'],
  ['attach', '--attach'],
  ['noAttach', '--no-attach'],
  ['attachDependencies', '--attach-dependencies'],
  ['alwaysRecreateDeps', '--always-recreate-deps'],
  ['watch', '--watch'],
];

/** A usage error naming the first flag of up that does not apply to a swarm. */
export function refuseUpFlags(flags: UpFlags): void {
  for (const [key, name] of UP_NOT_ON_SWARM) {
    const v = flags[key];
    const set = key === 'recreate' || key === 'start' ? v === false : v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
    const named = key === 'build' ? (v === true ? '--build' : '--no-build') : name;
    const why = key === 'build' ? ': a swarm runs images, it does not build them' : '';
    if (set) throw new UsageError(`up ${named} does not apply to a swarm stack (orchestrator swarm)${why}`);
  }
}

export interface SwarmUpFlags {
  /** --scale SERVICE=N. */
  scale?: Record<string, number>;
  /** --force-recreate: every task replaced (a forced update of each service in scope). */
  forceRecreate?: boolean;
  services: string[];
  detach: boolean;
  dryRun: boolean;
  wait: boolean;
  waitTimeoutMs?: number;
  removeOrphans: boolean;
}

export async function swarmUpCommand(s: Session, f: SwarmUpFlags): Promise<void> {
  const all = f.services.length ? f.services : Object.keys(s.project.services);
  await swarmConverge(s, {
    services: f.services,
    ...(f.scale ? { scale: f.scale } : {}),
    ...(f.forceRecreate ? { restart: all } : {}),
    dryRun: f.dryRun,
    wait: f.wait,
    removeOrphans: f.removeOrphans,
    ...(f.waitTimeoutMs !== undefined ? { waitTimeoutMs: f.waitTimeoutMs } : {}),
  });
  if (f.detach || f.dryRun || f.wait) return;
  // Attached: follow the stack's logs; Ctrl-C stops following, the swarm keeps the stack running.
  s.io.stderr('following the logs of the stack (Ctrl-C stops following; the stack keeps running: tsfig down removes it)\n');
  await swarmLogs(s, { services: f.services, follow: true, prefix: true, out: s.io.stdout });
}

export function swarmPlanCommand(s: Session, services: string[], removeOrphans: boolean): Promise<void> {
  return swarmPlan(s, { services, removeOrphans });
}

/** down on a swarm: -v removes the stack's volumes on the manager; --rmi and -t do not apply (a usage error, never ignored). */
export function swarmDownCommand(s: Session, f: { volumes: boolean; rmi?: string; timeout?: string }): Promise<void> {
  if (f.rmi !== undefined) throw new UsageError('down --rmi does not apply to a swarm stack (orchestrator swarm): each node pulls the images its tasks run; remove them with docker image rm on each node');
  if (f.timeout !== undefined) throw new UsageError("down -t does not apply to a swarm stack (orchestrator swarm): a task's stop grace period is the service's stop_grace_period");
  return swarmDown(s, { volumes: f.volumes });
}

export function swarmScaleCommand(s: Session, counts: Record<string, number>): Promise<void> {
  return swarmScale(s, counts);
}

export function swarmRestartCommand(s: Session, services: string[]): Promise<void> {
  return swarmRestart(s, services);
}

export async function swarmPsCommand(s: Session, f: { services: string[]; all: boolean; quiet: boolean; serviceNames: boolean; json: boolean }): Promise<void> {
  const rows = await swarmTasks(s, { services: f.services, all: f.all });
  if (f.quiet) for (const r of rows) s.io.stdout(`${r.id}\n`);
  else if (f.serviceNames) for (const n of [...new Set(rows.map((r) => r.service))].sort()) s.io.stdout(`${n}\n`);
  else if (f.json) for (const r of rows) s.io.stdout(`${JSON.stringify({ ID: r.id, Name: r.name, Service: r.service, Node: r.node, DesiredState: r.desired, CurrentState: r.current, Error: r.error, Ports: r.ports })}\n`);
  else s.io.stdout(formatTable(['NAME', 'SERVICE', 'NODE', 'DESIRED', 'CURRENT', 'ERROR', 'PORTS'], rows.map((r) => [r.name, r.service, r.node, r.desired, r.current, r.error, r.ports])));
}

export function swarmLogsCommand(s: Session, f: { services: string[]; follow: boolean; tail: number | 'all'; prefix: boolean; timestamps: boolean; since?: bigint; until?: bigint; index?: number }): Promise<void> {
  if (f.until !== undefined || f.index !== undefined) throw new UsageError(`logs ${f.until !== undefined ? '--until' : '--index'} does not apply to a swarm stack (orchestrator swarm)`);
  return swarmLogs(s, {
    services: f.services,
    follow: f.follow,
    ...(f.tail !== 'all' ? { tail: String(f.tail) } : {}),
    ...(f.since !== undefined ? { since: f.since } : {}),
    timestamps: f.timestamps,
    prefix: f.prefix,
    out: s.io.stdout,
  });
}

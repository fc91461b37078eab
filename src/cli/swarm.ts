/** The commands that apply to a swarm stack, wired to app/swarm.ts (orchestrator swarm). */
import { swarmConverge, swarmDown, swarmLogs, swarmPlan, swarmRestart, swarmScale, swarmTasks } from '../app/swarm.js';
import { formatTable } from '../ui/table.js';
import type { Session } from './runtime.js';

export function isSwarm(s: Session): boolean {
  return s.orchestrator === 'swarm';
}

export interface SwarmUpFlags {
  services: string[];
  detach: boolean;
  dryRun: boolean;
  wait: boolean;
  waitTimeoutMs?: number;
  removeOrphans: boolean;
}

export async function swarmUpCommand(s: Session, f: SwarmUpFlags): Promise<void> {
  await swarmConverge(s, {
    services: f.services,
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

export function swarmDownCommand(s: Session): Promise<void> {
  return swarmDown(s);
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

export function swarmLogsCommand(s: Session, f: { services: string[]; follow: boolean; tail: number | 'all'; prefix: boolean }): Promise<void> {
  return swarmLogs(s, { services: f.services, follow: f.follow, ...(f.tail !== 'all' ? { tail: String(f.tail) } : {}), prefix: f.prefix, out: s.io.stdout });
}

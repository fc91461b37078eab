/**
 * Which orchestrator backend runs a project: the one place a backend plugs in. "engine":
 * containers on one or several engines; "swarm": a stack on a swarm manager (backend/swarm/),
 * whose use cases are app/swarm.ts (the commands that apply to a swarm dispatch there; the
 * others say in one line that they do not apply).
 *
 * The choice: `--orchestrator` (the CLI passes it as TSFIG_ORCHESTRATOR) > TSFIG_ORCHESTRATOR >
 * `x-tsfig: {orchestrator: swarm}` in the file > engine.
 */
import { UsageError } from '../errors.js';
import type { Project } from '../model/project.js';
import { orchestratorSetting } from '../settings.js';
import type { Backend, BackendContext, HostEngine } from './backend.js';
import { connectHosts, type ConnectFlags } from './engine/connect.js';
import { engineBackend } from './engine/index.js';
import { connectSwarm } from './swarm/index.js';

export interface BackendEntry {
  /** Connect to the runtime's endpoints for a project (lazily: nothing is dialled here). */
  connect: (project: Project, flags: ConnectFlags, env: Record<string, string | undefined>, warn: (line: string) => void) => Promise<HostEngine[]>;
  create: (ctx: BackendContext) => Backend;
}

export const ORCHESTRATORS = ['engine', 'swarm'] as const;
export type Orchestrator = (typeof ORCHESTRATORS)[number];

export const BACKENDS: Readonly<Record<string, BackendEntry>> = {
  engine: { connect: connectHosts, create: engineBackend },
  // The container-level interface does not apply to a swarm: app/swarm.ts drives backend/swarm/ itself.
  swarm: {
    connect: connectSwarm,
    create: () => {
      throw new UsageError('this command does not apply to a swarm (orchestrator swarm)');
    },
  },
};

/** `x-tsfig.orchestrator` of the file, when it names one. */
function fileOrchestrator(project: Project): string | undefined {
  const x = project.extensions['x-tsfig'];
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const o = (x as Record<string, unknown>).orchestrator;
  if (o === undefined) return undefined;
  if (typeof o !== 'string' || !(ORCHESTRATORS as readonly string[]).includes(o)) throw new UsageError(`x-tsfig.orchestrator: ${JSON.stringify(o)} is not one of ${ORCHESTRATORS.join(', ')}`);
  return o;
}

/** The backend a project runs on: flag/env > file > engine. */
export function orchestratorOf(project: Project, env: Record<string, string | undefined>): Orchestrator {
  return (orchestratorSetting(env) ?? fileOrchestrator(project) ?? 'engine') as Orchestrator;
}

export function backendEntry(project: Project, env: Record<string, string | undefined>): BackendEntry {
  const name = orchestratorOf(project, env);
  const entry = Object.hasOwn(BACKENDS, name) ? BACKENDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown orchestrator "${name}": use ${Object.keys(BACKENDS).join(' or ')}`);
  return entry;
}

/** The backend for a context. */
export function selectBackend(ctx: BackendContext, env: Record<string, string | undefined> = ctx.env): Backend {
  return backendEntry(ctx.project, env).create(ctx);
}

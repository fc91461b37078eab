/**
 * Which orchestrator backend runs a project: the one place a new backend plugs in. Today there
 * is only "engine"; the swarm backend adds itself to BACKENDS and its choice (a flag, a setting,
 * `x-tsfig.orchestrator` in the file) to `orchestratorOf`.
 */
import { UsageError } from '../errors.js';
import type { Project } from '../model/project.js';
import type { Backend, BackendContext, HostEngine } from './backend.js';
import { connectHosts, type ConnectFlags } from './engine/connect.js';
import { engineBackend } from './engine/index.js';

export interface BackendEntry {
  /** Connect to the runtime's endpoints for a project (lazily: nothing is dialled here). */
  connect: (project: Project, flags: ConnectFlags, env: Record<string, string | undefined>, warn: (line: string) => void) => Promise<HostEngine[]>;
  create: (ctx: BackendContext) => Backend;
}

export const BACKENDS: Readonly<Record<string, BackendEntry>> = {
  engine: { connect: connectHosts, create: engineBackend },
};

/** The backend a project runs on (only "engine" for now). */
export function orchestratorOf(_project: Project, _env: Record<string, string | undefined>): string {
  return 'engine';
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

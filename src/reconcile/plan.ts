/**
 * A Plan is a DAG of operations. Each operation is one engine call (or a read-only wait),
 * carries the cause that made the planner choose it, and belongs to a group: what the user
 * sees as one step ("recreate container web-1" is five operations).
 */
import type { ContainerCreateBody, EndpointConfig, NetworkCreateBody, VolumeCreateBody } from '../engine/engine.js';
import type { ResourceRef } from '../ui/events.js';
import { diagAt, formatDiagnostic, type Diagnostic, type SourcePath } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';

/** What an image build needs, decided by the planner (the executor packs the context). */
export interface BuildSpec {
  /** Absolute context directory, or a remote context's URL as written (`isRemoteContext`). */
  context: string;
  /** The Dockerfile as written (relative to the context, or absolute). */
  dockerfile?: string;
  dockerfileInline?: string;
  /** Names the image is tagged with (the service's image first). */
  tags: string[];
  args: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  /** Bytes. */
  shmSize?: number;
  extraHosts?: string[];
  cacheFrom?: string[];
  noCache?: boolean;
  /** Pull newer FROM images. */
  pull?: boolean;
  platform?: string;
}

export type Op =
  | { type: 'network.create'; host: string; key: string; body: NetworkCreateBody }
  | { type: 'network.remove'; host: string; name: string }
  | { type: 'network.connect'; host: string; network: string; container: string; config: EndpointConfig }
  | { type: 'network.disconnect'; host: string; network: string; container: string }
  | { type: 'volume.create'; host: string; key: string; body: VolumeCreateBody }
  | { type: 'volume.remove'; host: string; name: string }
  | { type: 'image.pull'; host: string; ref: string }
  | { type: 'image.build'; host: string; service: string; ref: string; build: BuildSpec }
  | { type: 'image.push'; host: string; ref: string }
  | { type: 'image.remove'; host: string; ref: string }
  | {
      type: 'container.create';
      host: string;
      service: string;
      number: number;
      name: string;
      body: ContainerCreateBody;
      extraNetworks: Array<{ network: string; config: EndpointConfig }>;
      platform?: string;
    }
  | { type: 'container.start'; host: string; name: string }
  | { type: 'container.stop'; host: string; name: string; timeout?: number }
  | { type: 'container.kill'; host: string; name: string; signal?: string }
  | { type: 'container.restart'; host: string; name: string; timeout?: number }
  | { type: 'container.pause'; host: string; name: string }
  | { type: 'container.unpause'; host: string; name: string }
  | { type: 'container.remove'; host: string; name: string; volumes: boolean; force: boolean }
  | { type: 'container.rename'; host: string; name: string; to: string }
  /** A script run on the host by the overlay's helper container (src/overlay/helper.ts). */
  | { type: 'host.script'; host: string; project: string; image: string; script: string }
  /** Read-only: wait until the service's containers are healthy / have exited 0. */
  | { type: 'container.wait'; host: string; service: string; names: string[]; condition: 'healthy' | 'completed' | 'running'; timeoutMs: number };

/** The verb a group shows: present participle while it runs, past participle when done. */
export type Verb = 'create' | 'recreate' | 'start' | 'stop' | 'kill' | 'restart' | 'pause' | 'unpause' | 'remove' | 'pull' | 'wait' | 'rename' | 'build' | 'push' | 'configure';

export const VERBS: Record<Verb, { ing: string; ed: string; sym: string }> = {
  create: { ing: 'Creating', ed: 'Created', sym: '+' },
  recreate: { ing: 'Recreating', ed: 'Recreated', sym: '~' },
  start: { ing: 'Starting', ed: 'Started', sym: '>' },
  stop: { ing: 'Stopping', ed: 'Stopped', sym: '.' },
  kill: { ing: 'Killing', ed: 'Killed', sym: '!' },
  restart: { ing: 'Restarting', ed: 'Restarted', sym: '>' },
  pause: { ing: 'Pausing', ed: 'Paused', sym: '|' },
  unpause: { ing: 'Unpausing', ed: 'Unpaused', sym: '>' },
  remove: { ing: 'Removing', ed: 'Removed', sym: '-' },
  pull: { ing: 'Pulling', ed: 'Pulled', sym: 'v' },
  wait: { ing: 'Waiting', ed: 'Ready', sym: '?' },
  rename: { ing: 'Renaming', ed: 'Renamed', sym: '~' },
  build: { ing: 'Building', ed: 'Built', sym: '*' },
  push: { ing: 'Pushing', ed: 'Pushed', sym: '^' },
  configure: { ing: 'Configuring', ed: 'Configured', sym: '*' },
};

export interface PlanNode {
  id: string;
  op: Op;
  /** Ids of nodes that must finish first. */
  deps: string[];
  /** The step this node belongs to (several nodes may share one). */
  group: string;
}

export interface PlanGroup {
  id: string;
  resource: ResourceRef;
  verb: Verb;
  cause: string;
  /** Shown to the user (progress; and the plan's text, except read-only waits). */
  visible: boolean;
  /** The word shown when the group finishes, when not the verb's own (create + start: Started). */
  doneAs?: string;
}

export interface Plan {
  nodes: PlanNode[];
  groups: PlanGroup[];
  /** Things the user should know that change nothing (orphans, unknown hosts): `PLAN_*`/`OVERLAY_*` codes, severity warning. */
  warnings: Diagnostic[];
  /** Problems that forbid executing the plan at all: severity error, at the key they concern when it is in the file. */
  errors: Diagnostic[];
}

export function emptyPlan(): Plan {
  return { nodes: [], groups: [], warnings: [], errors: [] };
}

/** `hosts.NAME` when the file declares the host (the default host it may not). */
export function hostPath(project: Project, host: string): SourcePath | undefined {
  return project.hosts[host] ? ['hosts', host] : undefined;
}

/** A plan's warning about a host that did not answer: nothing on it is changed. */
export function hostUnreachable(project: Project, h: { name: string; endpoint: string; error?: string | undefined }): Diagnostic {
  return diagAt(project, hostPath(project, h.name), 'PLAN_HOST_UNREACHABLE', `host ${h.name} (${h.endpoint}) did not answer: ${h.error ?? 'unknown error'}; nothing on it is changed`, 'warning');
}

/** Does executing the plan change anything? (Waits alone do not.) */
export function isNoop(plan: Plan): boolean {
  return plan.nodes.every((n) => n.op.type === 'container.wait');
}

/**
 * The plan as text, one visible step per line, grouped by host when there are several; then
 * `warning: ...` and `error: ...` lines, after `FILE:LINE:COL: ` when they concern a key of the
 * file (paths relative to `cwd` when under it).
 */
export function renderPlan(plan: Plan, cwd?: string): string {
  // Waits are shown while they run, but they change nothing: not part of the plan's text.
  const visible = plan.groups.filter((g) => g.visible && g.verb !== 'wait');
  const hosts = [...new Set(visible.map((g) => g.resource.host ?? ''))];
  const lines: string[] = [];
  const line = (g: PlanGroup) => `${VERBS[g.verb].sym} ${g.resource.kind} ${g.resource.name}: ${g.verb} (${g.cause})`;
  if (hosts.length > 1) {
    for (const h of hosts.sort()) {
      lines.push(`host ${h || 'default'}:`);
      for (const g of visible) if ((g.resource.host ?? '') === h) lines.push(`  ${line(g)}`);
    }
  } else {
    for (const g of visible) lines.push(line(g));
  }
  for (const d of [...plan.warnings, ...plan.errors]) lines.push(formatDiagnostic(d, { cwd, labelErrors: true }));
  if (!visible.length && !plan.errors.length) lines.unshift('nothing to do: everything is up to date');
  return lines.join('\n') + '\n';
}

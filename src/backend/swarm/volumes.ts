/**
 * `down -v` on a swarm (pure): which of the stack's named volumes go. A swarm makes a named
 * volume on each node where a task mounting it starts; tsfig talks to the manager's engine
 * only, so it removes the volumes the manager holds (labelled with the stack, declared by the
 * file, never external ones: the engine backend's down -v verdicts, reconcile/lifecycle.ts) and names, one line each,
 * the other nodes where the stack's tasks mounted one, with the command to run there.
 */
import { diagAt, type Diagnostic } from '../../model/diagnostic.js';
import type { Project } from '../../model/project.js';
import { byText } from '../../model/dict.js';
import { downVolumeVerdicts, keptVolume } from '../../reconcile/lifecycle.js';
import { STACK_LABEL, type SwarmJson, type SwarmOp } from './types.js';

/** A named volume a task of the stack mounts, and the node the task was given. */
export interface VolumeUse {
  volume: string;
  nodeId: string;
}

/** What down -v needs to know, read before the services are removed. */
export interface StackVolumes {
  managerNodeId: string;
  /** The manager's engine's volumes carrying the stack's label: name and labels. */
  onManager: Array<{ name: string; labels: Record<string, string> }>;
  /** The named volumes the stack's tasks (any state, history included) mount, by node. */
  used: VolumeUse[];
  /** Node ID -> hostname, for the warnings (IDs without one are named by ID alone). */
  hostnames: Record<string, string>;
}

/** The named volumes of the tasks' mounts, with each task's node (tasks not yet on a node left out). */
export function volumeUses(tasks: SwarmJson[]): VolumeUse[] {
  const out: VolumeUse[] = [];
  const seen = new Set<string>();
  for (const t of tasks) {
    const nodeId = typeof t.NodeID === 'string' ? t.NodeID : '';
    if (!nodeId) continue;
    const cs = ((t.Spec as SwarmJson | undefined)?.ContainerSpec ?? {}) as SwarmJson;
    for (const m of (cs.Mounts as SwarmJson[] | undefined) ?? []) {
      const volume = m.Source;
      if (m.Type !== 'volume' || typeof volume !== 'string' || volume === '') continue;
      const key = `${volume}\u0000${nodeId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ volume, nodeId });
    }
  }
  return out;
}

/** down -v on a swarm: the `volume.remove` steps (after everything else of the stack) and the warnings. */
export function planDownVolumes(project: Project, sv: StackVolumes): { ops: SwarmOp[]; diagnostics: Diagnostic[] } {
  const ops: SwarmOp[] = [];
  const diagnostics: Diagnostic[] = [];
  // The same verdicts and warnings as the engine backend's down -v.
  const verdicts = downVolumeVerdicts(project);
  for (const v of [...sv.onManager].sort((a, b) => byText(a.name, b.name))) {
    if (v.labels[STACK_LABEL] !== project.name) continue;
    const verdict = verdicts.get(v.name) ?? 'undeclared';
    if (verdict === 'remove') ops.push({ op: 'volume.remove', name: v.name });
    else diagnostics.push(keptVolume(project, v.name, verdict));
  }
  const keyOf = (name: string) => Object.keys(project.volumes).find((k) => project.volumes[k]!.name === name);
  const elsewhere = sv.used.filter((u) => u.nodeId !== sv.managerNodeId && verdicts.get(u.volume) === 'remove');
  for (const u of elsewhere.sort((a, b) => byText(a.volume, b.volume) || byText(a.nodeId, b.nodeId))) {
    const host = sv.hostnames[u.nodeId];
    const node = host ? `node ${host} (ID ${u.nodeId})` : `node ${u.nodeId}`;
    diagnostics.push(
      diagAt(
        project,
        ['volumes', keyOf(u.volume)!],
        'PLAN_SWARM_VOLUME_ELSEWHERE',
        `volume ${u.volume} is also on ${node}, where a task of the stack mounted it: tsfig removes volumes on the manager only; run \`docker volume rm ${u.volume}\` against that node's engine`,
        'warning',
      ),
    );
  }
  return { ops, diagnostics };
}

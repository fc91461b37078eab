/** A running task's container, for `exec`: on the manager (the engine tsfig talks to), or an error naming the node. */
import { EXIT, TsfigError } from '../../errors.js';
import type { SwarmEngine } from './observe.js';
import type { ObservedService, SwarmJson } from './types.js';
import { byText } from '../../model/dict.js';

export interface TaskContainer {
  /** `<stack>_<service>.<slot>`. */
  task: string;
  nodeId: string;
  containerId: string;
}

function slotOf(t: SwarmJson): number {
  return Number(t.Slot ?? 0);
}

/**
 * The running task `index` (1-based) of a service: the task in that slot (replicated), else the
 * index-th by node (global). Undefined when there is none.
 */
export function pickTask(service: string, tasks: SwarmJson[], index: number): TaskContainer | undefined {
  const running = tasks
    .filter((t) => t.DesiredState === 'running' && (t.Status as SwarmJson | undefined)?.State === 'running')
    .sort((a, b) => slotOf(a) - slotOf(b) || byText(String(a.NodeID ?? ''), String(b.NodeID ?? '')));
  const t = running.find((x) => slotOf(x) === index) ?? (running.every((x) => slotOf(x) === 0) ? running[index - 1] : undefined);
  if (!t) return undefined;
  const cs = ((t.Status as SwarmJson | undefined)?.ContainerStatus ?? {}) as SwarmJson;
  const nodeId = String(t.NodeID ?? '');
  return { task: slotOf(t) > 0 ? `${service}.${slotOf(t)}` : `${service}.${nodeId}`, nodeId, containerId: String(cs.ContainerID ?? '') };
}

/** The container of task `index` when it runs on the manager; one line naming the node otherwise (exit 1). */
export async function locateTask(engine: SwarmEngine, svc: ObservedService, index: number, signal?: AbortSignal): Promise<TaskContainer> {
  const opts = signal ? { signal } : {};
  const [me, tasks] = await Promise.all([engine.swarmMembership(opts), engine.listTasks({ service: [svc.id], 'desired-state': ['running'] }, opts)]);
  const t = pickTask(svc.name, tasks, index);
  if (!t) throw new TsfigError(`no running task ${svc.name}.${index} (service ${svc.name} has ${tasks.length} task(s) meant to run)`, EXIT.failure);
  if (t.nodeId === me.nodeId && t.containerId) return t;
  const nodes = await engine.listNodes(opts);
  const host = (id: string): string => String((nodes.find((n) => n.id === id)?.raw.Description as SwarmJson | undefined)?.Hostname ?? '?');
  throw new TsfigError(
    `task ${t.task} runs on node ${host(t.nodeId)} (ID ${t.nodeId}); tsfig reaches only the manager's engine (node ${host(me.nodeId)}, ID ${me.nodeId}): run docker exec against that node's engine, or place the service on the manager (node.role==manager)`,
    EXIT.failure,
  );
}

/**
 * `up --wait` on a swarm: until each service's rolling update completed and its tasks of the
 * current spec run (a task with a healthcheck is `running` only once healthy). A rollback, or a
 * paused update, is an error naming the service and the task's message.
 */
import { TsfigError } from '../../errors.js';
import { pause } from './apply.js';
import { normalise } from './diff.js';
import type { SwarmEngine } from './observe.js';
import type { SwarmJson } from './types.js';

export interface ServiceProgress {
  name: string;
  ready: boolean;
  /** running/wanted, or the update state. */
  state: string;
  error?: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise({ x: a } as SwarmJson)) === JSON.stringify(normalise({ x: b } as SwarmJson));
}

/** The newest error among the service's tasks (what a rollback was about). */
function lastTaskError(tasks: SwarmJson[]): string | undefined {
  const failed = tasks
    .map((t) => t.Status as SwarmJson | undefined)
    .filter((s): s is SwarmJson => Boolean(s?.Err) || ['failed', 'rejected'].includes(String(s?.State)))
    .sort((a, b) => String(b.Timestamp).localeCompare(String(a.Timestamp)));
  const s = failed[0];
  return s ? String(s.Err || s.Message || s.State) : undefined;
}

/** One look at a service: ready, still going, or failed. */
export async function serviceProgress(engine: SwarmEngine, id: string, signal?: AbortSignal): Promise<ServiceProgress> {
  const opts = signal ? { signal } : {};
  const svc = await engine.inspectService(id, opts);
  const name = String(svc.spec.Name);
  const tasks = await engine.listTasks({ service: [id] }, opts);
  const us = svc.raw.UpdateStatus as SwarmJson | undefined;
  const state = String(us?.State ?? '');
  if (['rollback_completed', 'rollback_paused', 'paused'].includes(state)) {
    const why = [us?.Message ? String(us.Message) : undefined, lastTaskError(tasks)].filter(Boolean).join(': ');
    const verb = state === 'paused' ? 'update paused' : 'rolled back';
    return { name, ready: false, state, error: `service ${name}: ${verb}${why ? `: ${why}` : ''}` };
  }
  if (state === 'updating' || state === 'rollback_started') return { name, ready: false, state };
  const tt = svc.spec.TaskTemplate as SwarmJson;
  const current = (t: SwarmJson) => {
    const spec = t.Spec as SwarmJson | undefined;
    return same(spec?.ContainerSpec, tt.ContainerSpec) && Number(spec?.ForceUpdate ?? 0) === Number(tt.ForceUpdate ?? 0);
  };
  const live = tasks.filter((t) => t.DesiredState === 'running');
  const running = live.filter((t) => (t.Status as SwarmJson | undefined)?.State === 'running' && current(t));
  const mode = svc.spec.Mode as SwarmJson;
  const wanted = mode.Replicated ? Number((mode.Replicated as SwarmJson).Replicas ?? 1) : live.length;
  const ready = running.length >= wanted && live.every(current) && (wanted > 0 || live.length === 0);
  const err = ready ? undefined : lastTaskError(tasks);
  return { name, ready, state: `${running.length}/${wanted} running`, ...(err ? { error: err } : {}) };
}

/** Until every service is ready; a rollback fails at once, a timeout names what was not ready and why. */
export async function waitServices(engine: SwarmEngine, ids: string[], timeoutMs: number, signal?: AbortSignal, onReady?: (name: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ids);
  for (;;) {
    const failures: string[] = [];
    const notReady: ServiceProgress[] = [];
    for (const id of [...pending]) {
      const p = await serviceProgress(engine, id, signal);
      if (p.ready) {
        pending.delete(id);
        onReady?.(p.name);
      } else if (p.state.startsWith('rollback_completed') || p.state === 'rollback_paused' || p.state === 'paused') failures.push(p.error ?? `service ${p.name}: ${p.state}`);
      else notReady.push(p);
    }
    if (failures.length) throw new TsfigError(failures.join('\n'));
    if (!pending.size) return;
    if (Date.now() > deadline) {
      throw new TsfigError(notReady.map((p) => `service ${p.name} is not ready after ${Math.round(timeoutMs / 1000)}s (${p.state})${p.error ? `: ${p.error}` : ''}`).join('\n'));
    }
    await pause(500, signal);
  }
}

/**
 * `up --wait` on a swarm: until each service's rolling update completed and its tasks of the
 * current spec run (a task with a healthcheck is `running` only once healthy). A rollback, or a
 * paused update, is an error naming the service and the task's message. A task of the current
 * spec that fails while it waits is said at once (the swarm tries again, so the wait goes on).
 */
import { TsfigError } from '../../errors.js';
import { pause } from './apply.js';
import { normalise } from './diff.js';
import type { SwarmEngine } from './observe.js';
import type { SwarmJson } from './types.js';
import { byText } from '../../model/dict.js';

export interface ServiceProgress {
  name: string;
  ready: boolean;
  /** running/wanted, or the update state. */
  state: string;
  error?: string;
  /** Tasks of the service's current spec that failed or were rejected: ID, `<service>.<slot>`, the swarm's message. */
  failures: TaskFailure[];
}

export interface TaskFailure {
  id: string;
  task: string;
  message: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise({ x: a } as SwarmJson)) === JSON.stringify(normalise({ x: b } as SwarmJson));
}

/** The newest error among the service's tasks (what a rollback was about). */
function lastTaskError(tasks: SwarmJson[]): string | undefined {
  const failed = tasks
    .map((t) => t.Status as SwarmJson | undefined)
    .filter((s): s is SwarmJson => Boolean(s?.Err) || ['failed', 'rejected'].includes(String(s?.State)))
    .sort((a, b) => byText(String(b.Timestamp), String(a.Timestamp)));
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
    return { name, ready: false, state, error: `service ${name}: ${verb}${why ? `: ${why}` : ''}`, failures: [] };
  }
  const tt = svc.spec.TaskTemplate as SwarmJson;
  const current = (t: SwarmJson) => {
    const spec = t.Spec as SwarmJson | undefined;
    return same(spec?.ContainerSpec, tt.ContainerSpec) && Number(spec?.ForceUpdate ?? 0) === Number(tt.ForceUpdate ?? 0);
  };
  const failures = tasks
    .filter((t) => current(t) && ['failed', 'rejected'].includes(String((t.Status as SwarmJson | undefined)?.State)))
    .map((t): TaskFailure => {
      const st = t.Status as SwarmJson;
      const slot = Number(t.Slot ?? 0) > 0 ? String(t.Slot) : String(t.NodeID ?? '').slice(0, 12);
      return { id: String(t.ID), task: `${name}.${slot}`, message: String(st.Err || st.Message || st.State) };
    });
  if (state === 'updating' || state === 'rollback_started') return { name, ready: false, state, failures };
  const live = tasks.filter((t) => t.DesiredState === 'running');
  const running = live.filter((t) => (t.Status as SwarmJson | undefined)?.State === 'running' && current(t));
  const mode = svc.spec.Mode as SwarmJson;
  const wanted = mode.Replicated ? Number((mode.Replicated as SwarmJson).Replicas ?? 1) : live.length;
  const ready = running.length >= wanted && live.every(current) && (wanted > 0 || live.length === 0);
  const err = ready ? undefined : lastTaskError(tasks);
  return { name, ready, state: `${running.length}/${wanted} running`, ...(err ? { error: err } : {}), failures };
}

export interface WaitReports {
  /** A service is ready. */
  onReady?: (name: string) => void;
  /** A task of a service's current spec failed while waiting (each task once). */
  onTaskFailed?: (service: string, failure: TaskFailure) => void;
}

/**
 * Until every service is ready; a rollback fails at once, a timeout names what was not ready and
 * why. Tasks already failed at the first look are not news: they are not reported.
 */
export async function waitServices(engine: SwarmEngine, ids: string[], timeoutMs: number, signal?: AbortSignal, reports: WaitReports = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ids);
  const seen = new Set<string>();
  let first = true;
  for (;;) {
    const failures: string[] = [];
    const notReady: ServiceProgress[] = [];
    for (const id of [...pending]) {
      const p = await serviceProgress(engine, id, signal);
      for (const f of p.failures) {
        if (seen.has(f.id)) continue;
        seen.add(f.id);
        if (!first) reports.onTaskFailed?.(p.name, f);
      }
      if (p.ready) {
        pending.delete(id);
        reports.onReady?.(p.name);
      } else if (p.state.startsWith('rollback_completed') || p.state === 'rollback_paused' || p.state === 'paused') failures.push(p.error ?? `service ${p.name}: ${p.state}`);
      else notReady.push(p);
    }
    first = false;
    if (failures.length) throw new TsfigError(failures.join('\n'));
    if (!pending.size) return;
    if (Date.now() > deadline) {
      throw new TsfigError(notReady.map((p) => `service ${p.name} is not ready after ${Math.round(timeoutMs / 1000)}s (${p.state})${p.error ? `: ${p.error}` : ''}`).join('\n'));
    }
    await pause(500, signal);
  }
}

/**
 * After up converged: are the containers it promised still as promised? Engine calls of another
 * client can land after up observed the project: above all the stops a tsfig killed with -9 had
 * already sent (issue 15, item 0), which reach the engine while the next up runs. up never stops
 * a container it keeps (every stop it plans is followed by the container's removal), so a `kill`
 * event on a container still there at the end, after its last start, was someone else's.
 *
 * - A working up (its plan changed something) asks each engine for the project's container
 *   events since it began (one bounded read per host); a no-op up asks nothing, unless it took
 *   the lock over from a tsfig that died: then the events since that tsfig took the lock, and
 *   one more observe and plan, since the dead one's removals may have landed after we looked.
 * - A stop under way (a `kill` after the last start, the container still running) is waited
 *   for, bounded by its grace period and a margin.
 * - Then, when a promised container was stopped by someone (or, after a take-over, the plan is
 *   not empty but for starts), up converges again, at most `MAX_PASSES` times; still not as
 *   promised: one line, exit 1.
 */
import { ExitCode, TsfigError } from '../errors.js';
import type { EngineEvent } from '../engine/engine.js';
import type { ObservedContainer, ObservedState, Plan, ReconcileOptions } from '../backend/index.js';
import { LABEL } from '../model/labels.js';
import { applyPlan, report } from './apply.js';
import { unixSeconds } from './containers/events.js';
import { backendOf, observeReachable, type AppContext } from './context.js';

export const MAX_PASSES = 3;

/** A bound for reading past events (the engine answers at once; a remote clock may run behind). */
const EVENTS_READ_MS = 10_000;
/** Over a container's grace period, how long a stop under way may take to land. */
const STOP_MARGIN_MS = 10_000;

export interface SettleRequest {
  /** The up's options; the converges again use them without what forces changes. */
  options: ReconcileOptions;
  /** Events from this time on (ms since the epoch) count. */
  sinceMs: number;
  /** The lock was taken over from a tsfig that died. */
  takenOver: boolean;
  /** up's own plan changed something. */
  worked: boolean;
}

/** What the events say of one container since `sinceMs`. */
type Interference = 'none' | 'stopping' | 'stopped';

const LIFECYCLE = new Set(['start', 'restart', 'kill', 'die', 'stop', 'destroy']);

/** Was the container stopped (or is it being stopped) by an API call since its last start? */
export function interference(events: readonly EngineEvent[], running: boolean): Interference {
  let killed = false;
  let last = '';
  for (const e of events) {
    if (!LIFECYCLE.has(e.action)) continue;
    last = e.action;
    if (e.action === 'start' || e.action === 'restart') killed = false;
    else if (e.action === 'kill') killed = true;
  }
  if (!killed) return 'none';
  if (running) return last === 'kill' ? 'stopping' : 'none';
  return 'stopped';
}

/** The project's container events on each reachable host since `sinceMs`, by container ID. */
async function pastEvents(ctx: AppContext, observed: ObservedState, sinceMs: number): Promise<Map<string, EngineEvent[]>> {
  const byId = new Map<string, EngineEvent[]>();
  const since = unixSeconds(BigInt(Math.max(0, Math.floor(sinceMs) - 1000)) * 1_000_000n);
  const until = unixSeconds(BigInt(Date.now()) * 1_000_000n);
  const filters = { type: ['container'], label: [`${LABEL.project}=${ctx.project.name}`] };
  const hosts = ctx.hosts.filter((h) => observed.hosts[h.name]?.reachable !== false);
  await Promise.all(
    hosts.map(async (h) => {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(EVENTS_READ_MS)]);
      const stream = await h.engine.events({ filters, since, until, signal });
      try {
        for await (const e of stream) {
          const list = byId.get(e.id) ?? [];
          list.push(e);
          byId.set(e.id, list);
        }
      } catch (err) {
        // A remote clock behind ours keeps the stream open past `until`: what came is enough.
        if (!signal.aborted || ctx.signal.aborted) throw err;
      } finally {
        stream.close();
      }
    }),
  );
  return byId;
}

function promised(observed: ObservedState): ObservedContainer[] {
  return Object.values(observed.hosts).flatMap((h) => (h.reachable ? h.containers.filter((c) => !c.oneoff && !c.replaces) : []));
}

/** Until each stop under way has landed (bounded by the container's grace period and a margin). */
async function awaitStops(ctx: AppContext, stopping: ObservedContainer[], options: ReconcileOptions): Promise<void> {
  await Promise.all(
    stopping.map(async (c) => {
      const engine = ctx.hosts.find((h) => h.name === c.host)?.engine;
      if (!engine) return;
      const svc = ctx.project.services[c.service];
      const graceMs = Math.max(10_000, (options.timeout ?? 0) * 1000, (svc?.stop_grace_period ?? 0) / 1e6);
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(graceMs + STOP_MARGIN_MS)]);
      try {
        await engine.waitContainer(c.id, { condition: 'not-running', signal });
      } catch (err) {
        // Still running after the bound: as promised. Gone: the next plan says it.
        if (ctx.signal.aborted) throw err;
      }
    }),
  );
}

/** The plan changes more than starting stopped containers (which up does for jobs that exited by themselves too). */
function changesMoreThanStarts(plan: Plan): boolean {
  return plan.groups.some((g) => g.visible && g.verb !== 'start');
}

interface Look {
  observed: ObservedState;
  stopped: ObservedContainer[];
}

/** Observe; wait for the stops under way; observe again if there were. The containers someone stopped. */
async function look(ctx: AppContext, req: SettleRequest): Promise<Look> {
  let observed = await observeReachable(ctx, 'up');
  let events = await pastEvents(ctx, observed, req.sinceMs);
  const judge = (o: ObservedState, kind: Interference) => promised(o).filter((c) => interference(events.get(c.id) ?? [], c.state === 'running' || c.state === 'paused') === kind);
  const stopping = judge(observed, 'stopping');
  if (stopping.length) {
    await awaitStops(ctx, stopping, req.options);
    observed = await observeReachable(ctx, 'up');
    events = await pastEvents(ctx, observed, req.sinceMs);
  }
  return { observed, stopped: judge(observed, 'stopped') };
}

/**
 * Check what up promised and converge again while another client's calls undo it. Throws a
 * one-line `TsfigError` (exit 1) when the project is still not as promised after the passes.
 */
export async function settle(ctx: AppContext, req: SettleRequest): Promise<void> {
  if (!req.worked && !req.takenOver) return;
  if (req.options.noStart) return;
  const backend = backendOf(ctx);
  const options: ReconcileOptions = { ...req.options, forceRecreate: false, alwaysRecreateDeps: false, renewAnonVolumes: false, recreateVolumes: false, imagesDone: true };
  for (let pass = 1; ; pass++) {
    const { observed, stopped } = await look(ctx, req);
    const plan = backend.planConverge(observed, options);
    const undone = stopped.length > 0 || (req.takenOver && changesMoreThanStarts(plan));
    if (!undone || backend.isNoop(plan) || plan.errors.length) return;
    const names = stopped.map((c) => c.name).sort();
    const what = names.length ? `${names.join(', ')} stopped by another client` : 'the project changed by a tsfig that was killed';
    if (pass > MAX_PASSES) throw new TsfigError(`${what} after ${MAX_PASSES} converges; the project is not as up left it`);
    ctx.sink.line(`${what} while up ran; converging again`);
    const applied = await applyPlan(ctx, plan);
    const code = report(ctx, plan, observed, applied);
    if (code !== 0) throw new ExitCode(code);
  }
}

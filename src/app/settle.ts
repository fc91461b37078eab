/**
 * After up converged: are the containers it promised still as promised? Engine calls of another
 * client can land after up observed the project: above all the stops a tsfig killed with -9 had
 * already sent (issue 15, item 0), which reach the engine while the next up runs. up never stops
 * a container it keeps (every stop it plans is followed by the container's removal), so a `kill`
 * event on a container still there at the end, after its last start, was someone else's.
 *
 * - A working up follows the project's container events from just before it applies its plan
 *   (`ProjectEvents`); a no-op up opens nothing, unless it took the lock over from a tsfig that
 *   died: then it follows them from the start, replaying from when that tsfig took the lock,
 *   and plans once more at the end, since the dead one's removals may have landed after it looked.
 * - A stop under way (a `kill` after the last start, the container still running) is waited
 *   for (said once), bounded by its grace period and a margin.
 * - Then, when a promised container was stopped by someone (or, after a take-over, the plan is
 *   not empty but for starts), up converges again, at most `MAX_PASSES` times; still not as
 *   promised: one line, exit 1.
 * - Not covered: a call of the dead tsfig that the engine has not even begun when up ends, and
 *   a dead tsfig's event the engine no longer keeps when up starts (it keeps its last 256).
 */
import { ExitCode, TsfigError } from '../errors.js';
import type { EngineEvent, EventStream } from '../engine/engine.js';
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
  /** The project's events, followed since up began (or since the dead tsfig took the lock). */
  events: ProjectEvents;
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

const eventKey = (e: EngineEvent): string => `${e.id}\u0000${e.action}\u0000${e.timeNano}`;

/**
 * The project's container events while up runs. The engine keeps only its last events (256 on
 * dockerd 20.10) for a read of the past, and a busy engine (other projects, healthchecks)
 * drops them within seconds; so up follows the stream live from before it changes anything,
 * and at the end adds a read of the past (the latest events, which the stream may not have
 * delivered yet). The past before up began (a dead tsfig's stops) is read as far as the
 * engine still has it.
 */
export class ProjectEvents {
  private readonly seen = new Map<string, EngineEvent>();
  private readonly streams: EventStream[] = [];
  private readonly pumps: Array<Promise<void>> = [];
  private started = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly ctx: AppContext,
    /** Events from this time on (ms since the epoch) count. */
    readonly sinceMs: number,
  ) {}

  private window(): { filters: Record<string, string[]>; since: string } {
    return {
      filters: { type: ['container'], label: [`${LABEL.project}=${this.ctx.project.name}`] },
      since: unixSeconds(BigInt(Math.max(0, Math.floor(this.sinceMs) - 1000)) * 1_000_000n),
    };
  }

  /** Follow every host's stream (once; a host that does not answer is left to the final read). */
  async follow(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all(
      this.ctx.hosts.map(async (h) => {
        // Subscribing is bounded (a host that does not answer); the stream then lives until close().
        const slow = setTimeout(() => this.stop.abort(), EVENTS_READ_MS);
        try {
          const stream = await h.engine.events({ ...this.window(), signal: AbortSignal.any([this.ctx.signal, this.stop.signal]) });
          this.streams.push(stream);
          this.pumps.push(this.pump(stream));
        } catch {
          // Not followed: the read at the end still sees the latest events.
        } finally {
          clearTimeout(slow);
        }
      }),
    );
  }

  private async pump(stream: EventStream): Promise<void> {
    try {
      for await (const e of stream) this.seen.set(eventKey(e), e);
    } catch {
      // Closed, or the host went away.
    }
  }

  /** What was followed plus a read of the past up to now, by container ID, in time order. */
  async byContainer(observed: ObservedState): Promise<Map<string, EngineEvent[]>> {
    const until = unixSeconds(BigInt(Date.now()) * 1_000_000n);
    const hosts = this.ctx.hosts.filter((h) => observed.hosts[h.name]?.reachable !== false);
    await Promise.all(
      hosts.map(async (h) => {
        const signal = AbortSignal.any([this.ctx.signal, AbortSignal.timeout(EVENTS_READ_MS)]);
        const stream = await h.engine.events({ ...this.window(), until, signal });
        try {
          for await (const e of stream) this.seen.set(eventKey(e), e);
        } catch (err) {
          // A remote clock behind ours keeps the stream open past `until`: what came is enough.
          if (!signal.aborted || this.ctx.signal.aborted) throw err;
        } finally {
          stream.close();
        }
      }),
    );
    const byId = new Map<string, EngineEvent[]>();
    for (const e of [...this.seen.values()].sort((a, b) => a.timeNano - b.timeNano)) {
      const list = byId.get(e.id) ?? [];
      list.push(e);
      byId.set(e.id, list);
    }
    return byId;
  }

  close(): void {
    for (const st of this.streams.splice(0)) st.close();
    this.stop.abort();
  }
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
  let events = await req.events.byContainer(observed);
  const judge = (o: ObservedState, kind: Interference) => promised(o).filter((c) => interference(events.get(c.id) ?? [], c.state === 'running' || c.state === 'paused') === kind);
  const stopping = judge(observed, 'stopping');
  if (stopping.length) {
    ctx.sink.line(`waiting for ${stopping.map((c) => c.name).sort().join(', ')}: another client's stop is under way`);
    await awaitStops(ctx, stopping, req.options);
    observed = await observeReachable(ctx, 'up');
    events = await req.events.byContainer(observed);
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

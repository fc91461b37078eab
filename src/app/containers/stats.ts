/**
 * `stats`: the resource usage of the project's containers (one-offs included, as docker compose
 * stats), one sample or a stream kept in step with the container list. Problems go to the sink
 * as they come; frames of rows go to the caller.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../../errors.js';
import { isLive, sampleOnce, StatsWatch, type StatsTarget } from '../../stats/collect.js';
import type { StatsRow } from '../../stats/compute.js';
import type { ContainersContext } from './context.js';
import { observeContainers } from './list.js';

export type { StatsRow };
/** The renderers of stats rows (cli picks one). */
export { statsJson, statsRecord, statsTable, streamFrame } from '../../stats/compute.js';

export interface StatsRequest {
  services: string[];
  /** Stopped containers too (with zeros). */
  all: boolean;
}

/** Redraw period, and how often the container list is read again while streaming. */
const REFRESH_MS = 1000;
const RELIST_EVERY = 3;
/** How long the first frame waits for every container's first sample. */
const FIRST_WAIT_MS = 2500;

interface Targets {
  targets: StatsTarget[];
  multi: boolean;
  problems: string[];
  down: Set<string>;
}

/** The containers to show, and the hosts that did not answer. */
async function statsTargets(ctx: ContainersContext, req: StatsRequest): Promise<Targets> {
  const o = await observeContainers(ctx, req.services);
  const targets = o.containers
    .filter((c) => req.all || isLive(c.state))
    .map((c) => ({ id: c.id, name: c.name, service: c.service, host: c.host, live: isLive(c.state) }));
  const down = new Set(Object.values(o.observed.hosts).filter((h) => !h.reachable).map((h) => h.name));
  return { targets, multi: o.multiHost, problems: o.problems, down };
}

/** One sample per container (`--no-stream`); the exit code says whether a host did not answer. */
export async function statsOnce(ctx: ContainersContext, req: StatsRequest): Promise<{ rows: StatsRow[]; multiHost: boolean; exitCode: number }> {
  const initial = await statsTargets(ctx, req);
  for (const p of initial.problems) ctx.sink.error(p);
  const rows = await sampleOnce(initial.targets, ctx.engines, { signal: ctx.signal, warn: (t) => ctx.sink.warn(t) });
  return { rows, multiHost: initial.multi, exitCode: initial.problems.length > 0 ? EXIT.failure : EXIT.ok };
}

/**
 * Stream until Ctrl-C: a frame of rows every second (`tick` counts from 0), the list read again
 * every few frames. A host that stops answering is said once; its containers stay (their
 * numbers go stale). The exit code: 130 after Ctrl-C, 1 when no host answers at the start.
 */
export async function streamStats(ctx: ContainersContext, req: StatsRequest, onFrame: (rows: StatsRow[], multiHost: boolean, tick: number) => void): Promise<number> {
  const initial = await statsTargets(ctx, req);
  for (const p of initial.problems) ctx.sink.error(p);
  // No engine answers at all: nothing to stream (one that stops answering later is said and kept).
  if (initial.down.size === ctx.hosts.length) return EXIT.failure;
  const watch = new StatsWatch({ engines: ctx.engines, signal: ctx.signal, warn: (t) => ctx.sink.warn(t) });
  let multi = initial.multi;
  let current = initial.targets;
  let reported = new Set(initial.problems);
  watch.update(current);
  try {
    await watch.ready(FIRST_WAIT_MS);
    for (let tick = 0; !ctx.signal.aborted; tick++) {
      if (tick > 0 && tick % RELIST_EVERY === 0) {
        let next: Targets;
        try {
          next = await statsTargets(ctx, req);
        } catch (err) {
          if (ctx.signal.aborted) break;
          throw err;
        }
        for (const p of next.problems) if (!reported.has(p)) ctx.sink.error(p);
        reported = new Set(next.problems);
        current = [...next.targets, ...current.filter((t) => next.down.has(t.host))];
        watch.update(current);
        multi = next.multi;
      }
      onFrame(watch.rows(), multi, tick);
      await sleep(REFRESH_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  } finally {
    watch.close();
  }
  return EXIT.interrupted;
}

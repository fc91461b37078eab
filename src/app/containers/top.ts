/** `top`: the processes of the project's running containers. */
import type { ContainersContext } from './context.js';
import { byName, observeContainers, type Listing } from './list.js';

export interface TopBlock {
  name: string;
  host: string;
  titles: string[];
  processes: string[][];
}

/** One block per running container, by name; a container that stopped meanwhile is a warning and no block. */
export async function topProcesses(ctx: ContainersContext, services: string[]): Promise<Listing<TopBlock>> {
  const o = await observeContainers(ctx, services);
  const containers = o.containers.filter((c) => c.state === 'running').sort(byName);
  const tables = await Promise.all(
    containers.map(async (c) => {
      const engine = ctx.engines[c.host];
      if (engine === undefined) return undefined;
      try {
        return await engine.top(c.id, { signal: ctx.signal });
      } catch (err) {
        // Stopped between the list and now: nothing to show.
        ctx.sink.warn(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }),
  );
  const rows: TopBlock[] = [];
  containers.forEach((c, i) => {
    const t = tables[i];
    if (t !== undefined) rows.push({ name: c.name, host: c.host, titles: t.titles, processes: t.processes });
  });
  return { rows, multiHost: o.multiHost, problems: o.problems };
}

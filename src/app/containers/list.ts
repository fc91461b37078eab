/** What the read-only commands share: the project's containers as observed, and the hosts that did not answer. */
import type { ContainersContext, ObservedContainer, ObservedState } from './context.js';
import { byText } from '../../model/dict.js';

/** Rows for a command to render, whether a HOST column is needed, and one line per host that did not answer. */
export interface Listing<R> {
  rows: R[];
  multiHost: boolean;
  problems: string[];
}

export interface ObservedContainers {
  observed: ObservedState;
  /** Every container of the project (one-offs included), of the named services when some are. */
  containers: ObservedContainer[];
  multiHost: boolean;
  problems: string[];
}

export async function observeContainers(ctx: ContainersContext, services: string[] = []): Promise<ObservedContainers> {
  const observed = await ctx.backend.observe({ containersOnly: true });
  const want = services.length > 0 ? new Set(services) : undefined;
  const containers = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .filter((c) => want === undefined || want.has(c.service));
  return { observed, containers, multiHost: Object.keys(observed.hosts).length > 1, problems: ctx.backend.unreachable(observed) };
}

export const byName = (a: { name: string }, b: { name: string }): number => byText(a.name, b.name);

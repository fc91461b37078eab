/** `ps`: the project's containers as rows (running ones of services; with `all`, stopped ones and one-offs too). */
import type { ContainersContext, ObservedContainer } from './context.js';
import { byName, observeContainers, type Listing } from './list.js';

export type PsRow = Pick<ObservedContainer, 'id' | 'name' | 'service' | 'number' | 'oneoff' | 'host' | 'image' | 'state' | 'status' | 'ports'>;

/** The rows of `ps`, sorted by name. */
export function psRows(containers: ObservedContainer[], all: boolean): PsRow[] {
  return containers
    .filter((c) => all || (c.state === 'running' && !c.oneoff))
    .sort(byName)
    .map((c) => ({ id: c.id, name: c.name, service: c.service, number: c.number, oneoff: c.oneoff, host: c.host, image: c.image, state: c.state, status: c.status, ports: c.ports }));
}

export async function listContainers(ctx: ContainersContext, opts: { services: string[]; all: boolean }): Promise<Listing<PsRow>> {
  const o = await observeContainers(ctx, opts.services);
  return { rows: psRows(o.containers, opts.all), multiHost: o.multiHost, problems: o.problems };
}

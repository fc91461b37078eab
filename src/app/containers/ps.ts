/**
 * `ps`: the project's containers as rows (running ones of services; with `all`, stopped ones and
 * one-offs too), filtered as docker compose's `ps` filters them (`--status`, `--filter status=`,
 * `--orphans`).
 */
import type { ContainersContext, ObservedContainer } from './context.js';
import { byName, observeContainers, type Listing } from './list.js';

export type PsRow = Pick<
  ObservedContainer,
  'id' | 'name' | 'service' | 'number' | 'oneoff' | 'host' | 'image' | 'command' | 'state' | 'status' | 'created' | 'labels' | 'mounts' | 'networks' | 'ports'
> & { project: string };

/** The states compose's `--status` names (a container's `State`). */
export const PS_STATUSES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'] as const;

export interface PsOptions {
  services: string[];
  all: boolean;
  /** Only containers in one of these states (compose: implies `all`). Empty: no filter. */
  statuses?: string[];
  /** false: leave out containers of services the project file does not declare (compose's `--orphans=false`). */
  orphans?: boolean;
}

/** The rows of `ps`, sorted by name. */
export function psRows(containers: ObservedContainer[], opts: { all: boolean; statuses?: string[]; declared?: ReadonlySet<string>; project?: string }): PsRow[] {
  const statuses = opts.statuses ?? [];
  // As compose: a status filter lists stopped containers and one-offs too, then keeps the states asked for.
  const all = opts.all || statuses.length > 0;
  return containers
    .filter((c) => all || (c.state === 'running' && !c.oneoff))
    .filter((c) => statuses.length === 0 || statuses.includes(c.state))
    .filter((c) => opts.declared === undefined || opts.declared.has(c.service))
    .sort(byName)
    .map((c) => ({
      id: c.id,
      name: c.name,
      service: c.service,
      number: c.number,
      oneoff: c.oneoff,
      host: c.host,
      image: c.image,
      ...(c.command !== undefined ? { command: c.command } : {}),
      state: c.state,
      status: c.status,
      created: c.created,
      labels: c.labels,
      mounts: c.mounts,
      networks: c.networks,
      ports: c.ports,
      project: opts.project ?? '',
    }));
}

export async function listContainers(ctx: ContainersContext, opts: PsOptions): Promise<Listing<PsRow>> {
  const o = await observeContainers(ctx, opts.services);
  const declared = opts.orphans === false ? new Set(Object.keys(ctx.project.services)) : undefined;
  return {
    rows: psRows(o.containers, { all: opts.all, ...(opts.statuses ? { statuses: opts.statuses } : {}), ...(declared ? { declared } : {}), project: o.observed.project }),
    multiHost: o.multiHost,
    problems: o.problems,
  };
}

/**
 * Which container a command about one container of a service acts on (exec, attach, cp,
 * commit, export, port), and the engine of the host it runs on.
 */
import { TsfigError, UsageError } from '../../errors.js';
import type { ContainersContext, Engine, ObservedContainer, ObservedState } from './context.js';

/** `--index`: a replica number (1, 2, ...). */
export function parseIndex(value: string | undefined): number {
  const n = Number(value ?? '1');
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --index "${value}": use a replica number (1, 2, ...)`);
  return n;
}

/** Container `index` of a service (not a one-off), or an error that says why there is none. */
export function serviceContainer(observed: ObservedState, service: string, index: number, opts: { running: boolean }): ObservedContainer {
  const all = Object.values(observed.hosts).flatMap((h) => h.containers);
  const mine = all.filter((c) => c.service === service && !c.oneoff);
  const c = mine.find((x) => x.number === index);
  if (c === undefined) {
    if (mine.length === 0) throw new TsfigError(`service ${service} has no container${opts.running ? ' running' : ''}: start it with tsfig up ${service}`);
    throw new TsfigError(`service ${service} has no container number ${index} (it has ${mine.map((x) => x.number).sort((a, b) => a - b).join(', ')})`);
  }
  if (opts.running && c.state !== 'running') {
    throw new TsfigError(`service ${service} is not running: container ${c.name} is ${c.state || 'stopped'}; start it with tsfig up ${service} or tsfig start ${service}`);
  }
  return c;
}

export interface Located {
  container: ObservedContainer;
  engine: Engine;
}

/**
 * Container `index` of `service` and the engine of the host it runs on (services can be placed
 * on other hosts). `running`: a stopped container is an error.
 */
export async function locateContainer(ctx: ContainersContext, service: string, index: number, opts: { running: boolean }): Promise<Located> {
  if (ctx.project.services[service] === undefined) throw new UsageError(`no such service: ${service}`);
  const observed = await ctx.backend.observe({ containersOnly: true });
  const container = serviceContainer(observed, service, index, opts);
  const engine = ctx.engines[container.host];
  if (engine === undefined) throw new TsfigError(`host ${container.host} is not connected`);
  return { container, engine };
}

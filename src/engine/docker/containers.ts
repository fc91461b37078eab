/** Containers: list, inspect, create, the lifecycle, wait. */
import { isNotModified } from '../errors.js';
import { signalOf, type Client } from './client.js';
import type {
  CallOptions,
  ContainerCreateBody,
  ContainerInspect,
  ContainerSummary,
  CreateContainerOptions,
  CreatedContainer,
  EngineContainers,
  ListContainersOptions,
  RemoveContainerOptions,
  WaitOptions,
  WaitResult,
} from '../engine.js';
import { labelFilters, num, obj, optStr, str, strArr } from './readers.js';
import { mapContainerInspect, mapContainerSummary } from './mappers.js';

const path = (id: string, rest = ''): string => `/containers/${encodeURIComponent(id)}${rest}`;

/** A stop or restart may take its grace period on top of the usual limit; without one (the container's own), no limit. */
const graceLimit = (c: Client, seconds: number | undefined): number => (seconds === undefined ? 0 : c.limitMs + Math.max(0, seconds) * 1000);

/** Container calls. */
export function dockerContainers(c: Client): EngineContainers {
  return {
    async listContainers(opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const query = { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) };
      const list = await c.get({ kind: 'container', action: 'list' }, '/containers/json', query, opts);
      return (Array.isArray(list) ? list : []).map(mapContainerSummary);
    },
    async inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInspect> {
      return mapContainerInspect(await c.get({ kind: 'container', id, action: 'inspect' }, path(id, '/json'), {}, opts));
    },
    async createContainer(name: string | undefined, body: ContainerCreateBody, opts: CreateContainerOptions = {}): Promise<CreatedContainer> {
      const ctx = { kind: 'container' as const, ...(name !== undefined ? { id: name } : {}), action: 'create' };
      const data = obj(await c.send(ctx, 'POST', '/containers/create', { query: { name, platform: opts.platform }, body, ...signalOf(opts) }));
      return { id: str(data.Id), warnings: strArr(data.Warnings) };
    },
    async startContainer(id: string, opts?: CallOptions): Promise<void> {
      try {
        await c.send({ kind: 'container', id, action: 'start' }, 'POST', path(id, '/start'), signalOf(opts));
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    },
    async stopContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
      try {
        await c.send({ kind: 'container', id, action: 'stop' }, 'POST', path(id, '/stop'), { query: { t: timeoutSeconds }, timeoutMs: graceLimit(c, timeoutSeconds), ...signalOf(opts) });
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    },
    async killContainer(id: string, signal?: string, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'kill' }, 'POST', path(id, '/kill'), { query: { signal }, ...signalOf(opts) });
    },
    async pauseContainer(id: string, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'pause' }, 'POST', path(id, '/pause'), signalOf(opts));
    },
    async unpauseContainer(id: string, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'unpause' }, 'POST', path(id, '/unpause'), signalOf(opts));
    },
    async restartContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'restart' }, 'POST', path(id, '/restart'), { query: { t: timeoutSeconds }, timeoutMs: graceLimit(c, timeoutSeconds), ...signalOf(opts) });
    },
    async removeContainer(id: string, opts: RemoveContainerOptions = {}): Promise<void> {
      await c.send({ kind: 'container', id, action: 'remove' }, 'DELETE', path(id), { query: { force: opts.force === true, v: opts.volumes === true }, ...signalOf(opts) });
    },
    async renameContainer(id: string, newName: string, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'rename' }, 'POST', path(id, '/rename'), { query: { name: newName }, ...signalOf(opts) });
    },
    async waitContainer(id: string, opts: WaitOptions = {}): Promise<WaitResult> {
      const data = obj(await c.send({ kind: 'container', id, action: 'wait' }, 'POST', path(id, '/wait'), { query: { condition: opts.condition }, timeoutMs: 0, ...signalOf(opts) }));
      const message = optStr(obj(data.Error).Message);
      return { statusCode: num(data.StatusCode), ...(message !== undefined ? { error: message } : {}) };
    },
  };
}

/** Containers: list, inspect, create, the lifecycle, wait. */
import { isNotModified } from '../errors.js';
import type { Client } from './client.js';
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
import { defined, labelFilters, num, obj, optStr, queryOf, signalOf, signalOpt, str, strArr } from './readers.js';
import { mapContainerInspect, mapContainerSummary } from './mappers.js';

/** Container calls. */
export function dockerContainers(c: Client): EngineContainers {
  return {
    async listContainers(opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const list: unknown = await c.call({ kind: 'container', action: 'list' }, () =>
        c.get_('/containers/json', { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) }, opts, () =>
          c.docker.listContainers({
            all: opts.all === true,
            ...(filters !== undefined ? { filters } : {}),
            ...signalOpt(opts),
          }),
        ),
      );
      return (Array.isArray(list) ? list : []).map(mapContainerSummary);
    },
    async inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInspect> {
      const raw: unknown = await c.call({ kind: 'container', id, action: 'inspect' }, () =>
        c.get_(`/containers/${encodeURIComponent(id)}/json`, {}, opts, () => c.container(id).inspect(signalOpt(opts))),
      );
      return mapContainerInspect(raw);
    },
    async createContainer(name: string | undefined, body: ContainerCreateBody, opts: CreateContainerOptions = {}): Promise<CreatedContainer> {
      const fast = c.fast;
      const data = obj(
        await c.call({ kind: 'container', ...(name !== undefined ? { id: name } : {}), action: 'create' }, () =>
          fast ? fast.send('POST', '/containers/create', { query: queryOf({ name, platform: opts.platform }), body, ...signalOf(opts) }) : c.dial({
            path: '/containers/create',
            method: 'POST',
            query: { name, platform: opts.platform },
            body,
            ok: [200, 201],
            ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
          }),
        ),
      );
      return { id: str(data.Id), warnings: strArr(data.Warnings) };
    },
    async startContainer(id: string, opts?: CallOptions): Promise<void> {
      try {
        if (c.fast) await c.fast.send('POST', `/containers/${encodeURIComponent(id)}/start`, signalOf(opts));
        else await c.container(id).start(signalOpt(opts));
      } catch (err) {
        if (isNotModified(err)) return;
        c.fail(err, { kind: 'container', id, action: 'start' });
      }
    },
    async stopContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
      try {
        await c.container(id).stop({ ...defined({ t: timeoutSeconds }), ...signalOpt(opts) });
      } catch (err) {
        if (isNotModified(err)) return;
        c.fail(err, { kind: 'container', id, action: 'stop' });
      }
    },
    async killContainer(id: string, signal?: string, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'container', id, action: 'kill' }, () =>
        c.container(id).kill({ ...defined({ signal }), ...signalOpt(opts) }),
      );
    },
    async pauseContainer(id: string, opts?: CallOptions): Promise<void> {
      try {
        await c.container(id).pause(signalOpt(opts));
      } catch (err) {
        c.fail(err, { kind: 'container', id, action: 'pause' });
      }
    },
    async unpauseContainer(id: string, opts?: CallOptions): Promise<void> {
      try {
        await c.container(id).unpause(signalOpt(opts));
      } catch (err) {
        c.fail(err, { kind: 'container', id, action: 'unpause' });
      }
    },
    async restartContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'container', id, action: 'restart' }, () =>
        c.container(id).restart({ ...defined({ t: timeoutSeconds }), ...signalOpt(opts) }),
      );
    },
    async removeContainer(id: string, opts: RemoveContainerOptions = {}): Promise<void> {
      const fast = c.fast;
      await c.call({ kind: 'container', id, action: 'remove' }, () =>
        fast
          ? fast.send('DELETE', `/containers/${encodeURIComponent(id)}`, { query: queryOf({ force: opts.force === true, v: opts.volumes === true }), ...signalOf(opts) })
          : c.container(id).remove({ force: opts.force === true, v: opts.volumes === true, ...signalOpt(opts) }),
      );
    },
    async renameContainer(id: string, newName: string, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'container', id, action: 'rename' }, () =>
        c.container(id).rename({ name: newName, ...signalOpt(opts) }),
      );
    },
    async waitContainer(id: string, opts: WaitOptions = {}): Promise<WaitResult> {
      const data = obj(
        await c.call({ kind: 'container', id, action: 'wait' }, () =>
          c.fast
            ? c.fast.send('POST', `/containers/${encodeURIComponent(id)}/wait`, { query: queryOf({ condition: opts.condition }), ...signalOf(opts) })
            : c.container(id).wait({ ...defined({ condition: opts.condition }), ...signalOpt(opts) }),
        ),
      );
      const message = optStr(obj(data.Error).Message);
      return { statusCode: num(data.StatusCode), ...(message !== undefined ? { error: message } : {}) };
    },
  };
}


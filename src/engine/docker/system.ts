/** The engine itself: ping, version, info, events. */
import { signalOf, type Client } from './client.js';
import type {
  CallOptions,
  EngineInfo,
  EngineSystem,
  EngineVersion,
  EventsOptions,
  EventStream,
} from '../engine.js';
import { num, obj, optStr, str, strArr } from './readers.js';
import { mapEvent } from './mappers.js';

/** System calls. */
export function dockerSystem(c: Client): EngineSystem {
  return {
    async ping(opts?: CallOptions): Promise<void> {
      await c.get({}, '/_ping', {}, opts);
    },
    async version(opts?: CallOptions): Promise<EngineVersion> {
      const v = obj(await c.get({}, '/version', {}, opts));
      return {
        version: str(v.Version),
        apiVersion: str(v.ApiVersion),
        ...(optStr(v.MinAPIVersion) !== undefined ? { minApiVersion: str(v.MinAPIVersion) } : {}),
        os: str(v.Os),
        arch: str(v.Arch),
        ...(optStr(v.KernelVersion) !== undefined ? { kernelVersion: str(v.KernelVersion) } : {}),
      };
    },
    async apiVersion(opts?: CallOptions): Promise<string> {
      // Every answer names it: after any call there is nothing to ask. Else a ping (cheap: /version
      // makes the engine run its runtime and init binaries), and /version when no header came.
      if (c.apiVersionSeen !== undefined) return c.apiVersionSeen;
      await c.get({}, '/_ping', {}, opts);
      return c.apiVersionSeen ?? str(obj(await c.get({}, '/version', {}, opts)).ApiVersion);
    },
    async info(opts?: CallOptions): Promise<EngineInfo> {
      const raw: unknown = await c.get({}, '/info', {}, opts);
      const i = obj(raw);
      return {
        id: str(i.ID),
        name: str(i.Name),
        serverVersion: str(i.ServerVersion),
        operatingSystem: str(i.OperatingSystem),
        osType: str(i.OSType),
        architecture: str(i.Architecture),
        cpus: num(i.NCPU),
        memTotal: num(i.MemTotal),
        storageDriver: str(i.Driver),
        dockerRootDir: str(i.DockerRootDir),
        securityOptions: strArr(i.SecurityOptions),
        raw,
      };
    },
    async events(opts: EventsOptions = {}): Promise<EventStream> {
      const stream = await c.stream({ action: 'events' }, 'GET', '/events', {
        query: { filters: opts.filters, since: opts.since, until: opts.until },
        ...signalOf(opts),
      });
      const state = { closed: false };
      const iterator = c.jsonLines(stream, state, { action: 'events' }, opts.signal, mapEvent);
      return {
        close: () => {
          state.closed = true;
          stream.destroy();
        },
        [Symbol.asyncIterator]: () => iterator,
      };
    },
  };
}


/** Files in containers as tar archives: put, get, stat, export. */
import type { IncomingMessage } from 'node:http';
import { isNotFound } from '../errors.js';
import type { Client } from './client.js';
import type {
  Archive,
  ArchiveStat,
  CallOptions,
  EngineFiles,
  PutArchiveOptions,
} from '../engine.js';
import { signalOpt } from './readers.js';
import { parseArchiveStat } from './mappers.js';
import { dockerContainers } from './containers.js';

/** Archive calls. */
export function dockerFiles(c: Client): EngineFiles {
  return {
    async putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream | Buffer, opts: PutArchiveOptions = {}): Promise<void> {
      await c.call({ kind: 'container', id: containerId, action: 'copy into' }, () =>
        c.container(containerId).putArchive(tar, {
          path,
          ...(opts.noOverwriteDirNonDir === true ? { noOverwriteDirNonDir: true } : {}),
          ...signalOpt(opts),
        }),
      );
    },
    async getArchive(containerId: string, path: string, opts?: CallOptions): Promise<Archive> {
      const res = (await c.call({ kind: 'container', id: containerId, action: 'copy from' }, () =>
        c.container(containerId).getArchive({ path, ...signalOpt(opts) }),
      )) as IncomingMessage;
      const stat = parseArchiveStat(res.headers?.['x-docker-container-path-stat']);
      return { stream: res, ...(stat !== undefined ? { stat } : {}) };
    },
    async statArchive(containerId: string, path: string, opts?: CallOptions): Promise<ArchiveStat | undefined> {
      try {
        const res = (await c.dial({
          path: `/containers/${containerId}/archive`,
          method: 'HEAD',
          query: { path },
          isStream: true,
          ok: [200],
          ...(opts?.signal ? { signal: opts.signal } : {}),
        })) as IncomingMessage;
        res.resume();
        return parseArchiveStat(res.headers?.['x-docker-container-path-stat']);
      } catch (err) {
        if (isNotFound(err)) {
          // A missing path and a missing container both answer 404: tell them apart.
          await dockerContainers(c).inspectContainer(containerId, opts);
          return undefined;
        }
        c.fail(err, { kind: 'container', id: containerId, action: 'stat' });
      }
    },
    async exportContainer(containerId: string, opts?: CallOptions): Promise<NodeJS.ReadableStream> {
      return (await c.call({ kind: 'container', id: containerId, action: 'export' }, () =>
        c.dial({ path: `/containers/${encodeURIComponent(containerId)}/export`, method: 'GET', isStream: true, ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) }),
      )) as IncomingMessage;
    },
  };
}


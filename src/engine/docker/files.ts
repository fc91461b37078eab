/** Files in containers as tar archives: put, get, stat, export. */
import { isNotFound } from '../errors.js';
import { signalOf, type Client } from './client.js';
import type {
  Archive,
  ArchiveStat,
  CallOptions,
  EngineFiles,
  PutArchiveOptions,
} from '../engine.js';
import { parseArchiveStat } from './mappers.js';
import { dockerContainers } from './containers.js';

const archive = (id: string): string => `/containers/${encodeURIComponent(id)}/archive`;

/** Archive calls. */
export function dockerFiles(c: Client): EngineFiles {
  return {
    async putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream | Buffer, opts: PutArchiveOptions = {}): Promise<void> {
      await c.send({ kind: 'container', id: containerId, action: 'copy into' }, 'PUT', archive(containerId), {
        query: { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir === true ? true : undefined, copyUIDGID: opts.copyUIDGID === true ? true : undefined },
        body: tar,
        contentType: 'application/tar',
        // As long as the archive takes to send.
        timeoutMs: 0,
        ...signalOf(opts),
      });
    },
    async getArchive(containerId: string, path: string, opts?: CallOptions): Promise<Archive> {
      const res = await c.stream({ kind: 'container', id: containerId, action: 'copy from' }, 'GET', archive(containerId), { query: { path }, ...signalOf(opts) });
      const stat = parseArchiveStat(res.headers['x-docker-container-path-stat']);
      return { stream: res, ...(stat !== undefined ? { stat } : {}) };
    },
    async statArchive(containerId: string, path: string, opts?: CallOptions): Promise<ArchiveStat | undefined> {
      try {
        const res = await c.stream({ kind: 'container', id: containerId, action: 'stat' }, 'HEAD', archive(containerId), { query: { path }, ...signalOf(opts) });
        res.resume();
        return parseArchiveStat(res.headers['x-docker-container-path-stat']);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // A missing path and a missing container both answer 404: tell them apart.
        await dockerContainers(c).inspectContainer(containerId, opts);
        return undefined;
      }
    },
    async exportContainer(containerId: string, opts?: CallOptions): Promise<NodeJS.ReadableStream> {
      return c.stream({ kind: 'container', id: containerId, action: 'export' }, 'GET', `/containers/${encodeURIComponent(containerId)}/export`, signalOf(opts));
    },
  };
}

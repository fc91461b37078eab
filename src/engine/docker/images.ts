/** Images: inspect, list, pull and push (JSON progress streams), tag, remove, build, commit. */
import type { IncomingMessage } from 'node:http';
import { EngineError } from '../../errors.js';
import { isNotFound } from '../errors.js';
import { splitLines } from '../streams.js';
import { runBuild } from '../docker-build.js';
import type { Client } from './client.js';
import type {
  BuildOptions,
  BuildProgress,
  BuildResult,
  CallOptions,
  CommitOptions,
  CommitResult,
  EngineImages,
  ImageInspect,
  ImageSummary,
  ListImagesOptions,
  ProgressMessage,
  PullOptions,
  PushOptions,
  RemoveImageOptions,
} from '../engine.js';
import { authConfig, defined, labelFilters, obj, optStr, signalOpt, splitRepoTag, type Json } from './readers.js';
import { mapImageInspect, mapImageSummary } from './mappers.js';

/** Read a JSON progress stream; an `error` message rejects. */
async function followProgress(c: Client, 
  stream: NodeJS.ReadableStream,
  what: string,
  onProgress: ((msg: ProgressMessage) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    for await (const line of splitLines(stream)) {
      if (line.trim() === '') continue;
      let msg: Json;
      try {
        msg = obj(JSON.parse(line));
      } catch {
        continue;
      }
      const error = optStr(msg.error) ?? optStr(obj(msg.errorDetail).message);
      if (error !== undefined) throw new EngineError(`${what}: ${error.replace(/\s+/g, ' ').trim()}`);
      if (onProgress !== undefined) {
        const detail = obj(msg.progressDetail);
        onProgress({
          ...defined({ status: optStr(msg.status), id: optStr(msg.id), progress: optStr(msg.progress) }),
          ...(Object.keys(detail).length > 0
            ? { progressDetail: defined({ current: typeof detail.current === 'number' ? detail.current : undefined, total: typeof detail.total === 'number' ? detail.total : undefined }) }
            : {}),
        });
      }
    }
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    c.fail(err, { kind: 'image', action: what });
  }
}

/** Image calls. */
export function dockerImages(c: Client): EngineImages {
  return {
    async inspectImage(ref: string, opts?: CallOptions): Promise<ImageInspect | undefined> {
      try {
        const raw = await c.dial({ path: `/images/${ref}/json`, method: 'GET', ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) });
        return mapImageInspect(raw);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        c.fail(err, { kind: 'image', id: ref, action: 'inspect' });
      }
    },
    async listImages(opts: ListImagesOptions = {}): Promise<ImageSummary[]> {
      const filters = labelFilters(opts.labels, opts.reference !== undefined ? { reference: [opts.reference] } : undefined);
      const list: unknown = await c.call({ kind: 'image', action: 'list' }, () =>
        c.get_('/images/json', { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) }, opts, () =>
          c.docker.listImages({ all: opts.all === true, ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
        ),
      );
      return (Array.isArray(list) ? list : []).map(mapImageSummary);
    },
    async pullImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PullOptions = {}): Promise<void> {
      const { repo, tag } = splitRepoTag(ref);
      const stream = (await c.call({ kind: 'image', id: ref, action: 'pull' }, () =>
        c.dial({
          path: '/images/create',
          method: 'POST',
          query: { fromImage: repo, tag, platform: opts.platform },
          isStream: true,
          ok: [200],
          authconfig: authConfig(opts.auth),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      )) as IncomingMessage;
      await followProgress(c, stream, `cannot pull ${ref}`, onProgress, opts.signal);
    },
    async pushImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PushOptions = {}): Promise<void> {
      const { repo, tag } = splitRepoTag(ref);
      const stream = (await c.call({ kind: 'image', id: ref, action: 'push' }, () =>
        c.dial({
          path: `/images/${repo}/push`,
          method: 'POST',
          query: { tag },
          isStream: true,
          ok: [200],
          authconfig: authConfig(opts.auth),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      )) as IncomingMessage;
      await followProgress(c, stream, `cannot push ${ref}`, onProgress, opts.signal);
    },
    async tagImage(source: string, target: string, opts?: CallOptions): Promise<void> {
      const { repo, tag } = splitRepoTag(target);
      await c.call({ kind: 'image', id: source, action: 'tag' }, () =>
        c.docker.getImage(source).tag({ repo, tag, ...signalOpt(opts) }),
      );
    },
    async removeImage(ref: string, opts: RemoveImageOptions = {}): Promise<void> {
      await c.call({ kind: 'image', id: ref, action: 'remove' }, () =>
        c.docker.getImage(ref).remove({ force: opts.force === true, noprune: opts.noprune === true, ...signalOpt(opts) }),
      );
    },
    async buildImage(context: NodeJS.ReadableStream, opts: BuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult> {
      return runBuild(c.docker.modem, c.endpoint.url, context, opts, onProgress);
    },
    async commitContainer(containerId: string, opts: CommitOptions = {}): Promise<CommitResult> {
      const data = obj(
        await c.call({ kind: 'container', id: containerId, action: 'commit' }, () =>
          c.dial({
            path: '/commit',
            method: 'POST',
            query: {
              container: containerId,
              repo: opts.repo,
              tag: opts.repo !== undefined ? opts.tag : undefined,
              comment: opts.comment,
              author: opts.author,
              pause: opts.pause === false ? false : undefined,
              // Repeated `changes=` parameters, one instruction each (as the docker CLI sends them).
              changes: opts.changes !== undefined && opts.changes.length > 0 ? [...opts.changes] : undefined,
            },
            ok: [200, 201],
            ...(opts.signal ? { signal: opts.signal } : {}),
          }),
        ),
      );
      const id = optStr(data.Id);
      if (id === undefined) throw new EngineError(`commit ${containerId}: the engine returned no image ID`);
      return { id };
    },
  };
}


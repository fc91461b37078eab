/** Images: inspect, list, pull and push (JSON progress streams), tag, remove, build, commit. */
import { EngineError } from '../../errors.js';
import { isNotFound } from '../errors.js';
import { splitLines } from '../streams.js';
import { runBuild } from '../docker-build.js';
import { signalOf, type Client } from './client.js';
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
import { authConfig, defined, labelFilters, obj, optStr, splitRepoTag, type Json } from './readers.js';
import { mapImageInspect, mapImageSummary } from './mappers.js';

/** Read a JSON progress stream; an `error` message rejects. */
async function followProgress(
  c: Client,
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

/** The credentials header of pull and push: base64url JSON, as docker-modem and the docker CLI send it. */
function registryAuth(auth: PullOptions['auth']): Record<string, string> {
  return { 'X-Registry-Auth': Buffer.from(JSON.stringify(authConfig(auth))).toString('base64').replace(/\+/g, '-').replace(/\//g, '_') };
}

/** Image calls. */
export function dockerImages(c: Client): EngineImages {
  return {
    async inspectImage(ref: string, opts?: CallOptions): Promise<ImageInspect | undefined> {
      try {
        return mapImageInspect(await c.get({ kind: 'image', id: ref, action: 'inspect' }, `/images/${ref}/json`, {}, opts));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async listImages(opts: ListImagesOptions = {}): Promise<ImageSummary[]> {
      const filters = labelFilters(opts.labels, opts.reference !== undefined ? { reference: [opts.reference] } : undefined);
      const query = { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) };
      const list = await c.get({ kind: 'image', action: 'list' }, '/images/json', query, opts);
      return (Array.isArray(list) ? list : []).map(mapImageSummary);
    },
    async pullImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PullOptions = {}): Promise<void> {
      const { repo, tag } = splitRepoTag(ref);
      const stream = await c.stream({ kind: 'image', id: ref, action: 'pull' }, 'POST', '/images/create', {
        query: { fromImage: repo, tag, platform: opts.platform },
        headers: registryAuth(opts.auth),
        ...signalOf(opts),
      });
      await followProgress(c, stream, `cannot pull ${ref}`, onProgress, opts.signal);
    },
    async pushImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PushOptions = {}): Promise<void> {
      const { repo, tag } = splitRepoTag(ref);
      const stream = await c.stream({ kind: 'image', id: ref, action: 'push' }, 'POST', `/images/${repo}/push`, {
        query: { tag },
        headers: registryAuth(opts.auth),
        ...signalOf(opts),
      });
      await followProgress(c, stream, `cannot push ${ref}`, onProgress, opts.signal);
    },
    async distributionDigest(ref: string, opts: PushOptions = {}): Promise<string> {
      const ctx = { kind: 'image' as const, id: ref, action: 'resolve the digest of' };
      const answer = obj(await c.send(ctx, 'GET', `/distribution/${ref}/json`, { headers: registryAuth(opts.auth), ...signalOf(opts) }));
      const digest = optStr(obj(answer.Descriptor).digest);
      if (digest === undefined) throw new EngineError(`the registry gave no digest for ${ref}`);
      return digest;
    },
    async tagImage(source: string, target: string, opts?: CallOptions): Promise<void> {
      const { repo, tag } = splitRepoTag(target);
      await c.send({ kind: 'image', id: source, action: 'tag' }, 'POST', `/images/${source}/tag`, { query: { repo, tag }, ...signalOf(opts) });
    },
    async removeImage(ref: string, opts: RemoveImageOptions = {}): Promise<void> {
      await c.send({ kind: 'image', id: ref, action: 'remove' }, 'DELETE', `/images/${ref}`, { query: { force: opts.force === true, noprune: opts.noprune === true }, ...signalOf(opts) });
    },
    async buildImage(context: NodeJS.ReadableStream, opts: BuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult> {
      return runBuild((req) => c.request('POST', '/build', req), c.endpoint.url, context, opts, onProgress);
    },
    async commitContainer(containerId: string, opts: CommitOptions = {}): Promise<CommitResult> {
      const query = {
        container: containerId,
        repo: opts.repo,
        tag: opts.repo !== undefined ? opts.tag : undefined,
        comment: opts.comment,
        author: opts.author,
        pause: opts.pause === false ? false : undefined,
        // Repeated `changes=` parameters, one instruction each (as the docker CLI sends them).
        changes: opts.changes !== undefined && opts.changes.length > 0 ? [...opts.changes] : undefined,
      };
      const data = obj(await c.send({ kind: 'container', id: containerId, action: 'commit' }, 'POST', '/commit', { query, timeoutMs: 0, ...signalOf(opts) }));
      const id = optStr(data.Id);
      if (id === undefined) throw new EngineError(`commit ${containerId}: the engine returned no image ID`);
      return { id };
    },
  };
}

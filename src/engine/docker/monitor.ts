/** What a container prints and uses: logs, stats, top. */
import { PassThrough, Readable } from 'node:stream';
import { type ErrorContext, mapEngineError } from '../errors.js';
import { signalOf, type Client } from './client.js';
import type {
  ContainerStats,
  EngineMonitor,
  LogsOptions,
  StatsOptions,
  StatsStream,
  TopOptions,
  TopResult,
} from '../engine.js';
import { aborted, obj, strArr } from './readers.js';

/** Logs, stats and top. */
export function dockerMonitor(c: Client): EngineMonitor {
  return {
    async logs(containerId: string, opts: LogsOptions = {}): Promise<NodeJS.ReadableStream> {
      const signal = opts.signal;
      if (signal?.aborted === true) throw signal.reason;
      const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'logs' };
      const path = `/containers/${encodeURIComponent(containerId)}/logs`;
      if (opts.buffered === true && opts.follow !== true) {
        // A small output (a helper's): one answer, no stream to manage.
        const query = { stdout: opts.stdout !== false, stderr: opts.stderr !== false, since: opts.since, until: opts.until, tail: opts.tail, timestamps: opts.timestamps === true };
        return Readable.from([await c.raw(ctx, 'GET', path, { query, ...signalOf(opts) })]);
      }
      // The signal is not handed to the request: aborting a response makes Node fail the stream
      // with ECONNRESET. Here an abort ends the returned stream cleanly instead.
      const res = await c.stream(ctx, 'GET', path, {
        query: {
          follow: opts.follow === true,
          stdout: opts.stdout !== false,
          stderr: opts.stderr !== false,
          since: opts.since,
          until: opts.until,
          tail: opts.tail,
          timestamps: opts.timestamps === true,
        },
      });
      return endOnAbort(res, signal, (err) => mapEngineError(err, c.where, { kind: 'container', id: containerId, action: 'logs' }) as Error);
    },
    async stats(id: string, opts: StatsOptions = {}): Promise<StatsStream> {
      const ctx: ErrorContext = { kind: 'container', id, action: 'stats' };
      const path = `/containers/${encodeURIComponent(id)}/stats`;
      if (opts.stream !== true) {
        const query: Record<string, string> = opts.oneShot === true ? { stream: 'false', 'one-shot': 'true' } : { stream: 'false' };
        const sample = await c.get(ctx, path, query, opts);
        let closed = false;
        return {
          close: () => {
            closed = true;
          },
          async *[Symbol.asyncIterator]() {
            if (!closed) yield obj(sample) as ContainerStats;
          },
        };
      }
      const stream = await c.stream(ctx, 'GET', path, { query: { stream: true }, ...signalOf(opts) });
      const state = { closed: false };
      const iterator = c.jsonLines(stream, state, ctx, opts.signal, (v) => obj(v) as ContainerStats);
      return {
        close: () => {
          state.closed = true;
          stream.destroy();
        },
        [Symbol.asyncIterator]: () => iterator,
      };
    },
    async top(id: string, opts: TopOptions = {}): Promise<TopResult> {
      const data = obj(
        await c.send({ kind: 'container', id, action: 'top' }, 'GET', `/containers/${encodeURIComponent(id)}/top`, { query: { ps_args: opts.psArgs }, ...signalOf(opts) }),
      );
      return {
        titles: strArr(data.Titles),
        processes: (Array.isArray(data.Processes) ? data.Processes : []).map((row) => strArr(row)),
      };
    },
  };
}

/**
 * A log stream whose abort ends it cleanly (aborting the response would fail it with
 * ECONNRESET); an error of the response, once, fails it as `mapError` says; a consumer that stops
 * reading lets go of the connection.
 */
export function endOnAbort(res: NodeJS.ReadableStream & { destroy(): void; destroyed: boolean }, signal: AbortSignal | undefined, mapError: (err: unknown) => Error): PassThrough {
  const out = new PassThrough();
  let ended = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', finish);
    res.unpipe(out);
    out.end();
    res.destroy();
  };
  if (aborted(signal)) {
    // Aborted while the request was on its way.
    finish();
    return out;
  }
  signal?.addEventListener('abort', finish, { once: true });
  res.on('error', (err) => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', finish);
    out.destroy(mapError(err));
  });
  res.on('end', () => {
    ended = true;
    signal?.removeEventListener('abort', finish);
  });
  out.on('close', () => {
    if (!res.destroyed) res.destroy();
    signal?.removeEventListener('abort', finish);
  });
  res.pipe(out);
  return out;
}

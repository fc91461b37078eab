/** What a container prints and uses: logs, stats, top. */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { type ErrorContext, mapEngineError } from '../errors.js';
import type { Client } from './client.js';
import type {
  ContainerStats,
  EngineMonitor,
  LogsOptions,
  StatsOptions,
  StatsStream,
  TopOptions,
  TopResult,
} from '../engine.js';
import { aborted, obj, queryOf, signalOf, strArr } from './readers.js';

/** Logs, stats and top. */
export function dockerMonitor(c: Client): EngineMonitor {
  return {
    async logs(containerId: string, opts: LogsOptions = {}): Promise<NodeJS.ReadableStream> {
      const signal = opts.signal;
      if (signal?.aborted === true) throw signal.reason;
      const fast = c.fast;
      if (fast && opts.buffered === true && opts.follow !== true) {
        // A small output (a helper's): one answer, no stream to manage.
        const query = queryOf({ stdout: opts.stdout !== false, stderr: opts.stderr !== false, since: opts.since, until: opts.until, tail: opts.tail, timestamps: opts.timestamps === true });
        const bytes = await c.call({ kind: 'container', id: containerId, action: 'logs' }, () =>
          fast.send('GET', `/containers/${encodeURIComponent(containerId)}/logs`, { query, raw: true, ...signalOf(opts) }),
        );
        return Readable.from([bytes as Buffer]);
      }
      // The signal is not handed to the request: aborting a response makes Node fail the stream
      // with ECONNRESET. Here an abort ends the returned stream cleanly instead.
      const res = (await c.call({ kind: 'container', id: containerId, action: 'logs' }, () =>
        c.dial({
          path: `/containers/${containerId}/logs`,
          method: 'GET',
          query: {
            follow: opts.follow === true,
            stdout: opts.stdout !== false,
            stderr: opts.stderr !== false,
            since: opts.since,
            until: opts.until,
            tail: opts.tail,
            timestamps: opts.timestamps === true,
          },
          isStream: true,
          ok: [200],
        }),
      )) as IncomingMessage;
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
        out.destroy(mapEngineError(err, c.where, { kind: 'container', id: containerId, action: 'logs' }) as Error);
      });
      res.on('end', () => {
        ended = true;
        signal?.removeEventListener('abort', finish);
      });
      // The consumer stopped reading (destroyed the stream): let go of the connection.
      out.on('close', () => {
        if (!res.destroyed) res.destroy();
        signal?.removeEventListener('abort', finish);
      });
      res.pipe(out);
      return out;
    },
    async stats(id: string, opts: StatsOptions = {}): Promise<StatsStream> {
      const ctx: ErrorContext = { kind: 'container', id, action: 'stats' };
      const path = `/containers/${encodeURIComponent(id)}/stats`;
      if (opts.stream !== true) {
        const query = queryOf({ stream: false, 'one-shot': opts.oneShot === true ? true : undefined });
        const sample = await c.call(ctx, () =>
          c.get_(path, query, opts, () => c.dial({ path, method: 'GET', query, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) })),
        );
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
      const stream = (await c.call(ctx, () =>
        c.dial({ path, method: 'GET', query: { stream: true }, isStream: true, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) }),
      )) as IncomingMessage;
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
        await c.call({ kind: 'container', id, action: 'top' }, () =>
          c.dial({ path: `/containers/${encodeURIComponent(id)}/top`, method: 'GET', query: { ps_args: opts.psArgs }, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) }),
        ),
      );
      return {
        titles: strArr(data.Titles),
        processes: (Array.isArray(data.Processes) ? data.Processes : []).map((row) => strArr(row)),
      };
    },
  };
}


/** Commands in containers, and hijacked connections to their streams (exec, attach). */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { EngineError } from '../../errors.js';
import { type ErrorContext, mapEngineError } from '../errors.js';
import { collectDemuxed, Demuxer } from '../streams.js';
import type { Client, ModemDialOptions } from './client.js';
import type {
  AttachedStreams,
  AttachOptions,
  CallOptions,
  EngineExec,
  ExecInteractiveOptions,
  ExecOptions,
  ExecResult,
  InteractiveExec,
  TerminalSize,
} from '../engine.js';
import { defined, obj, signalOpt, type Json } from './readers.js';

// ---------------------------------------------------------------- hijacked connections

/**
 * The streams of a hijacked connection: output demultiplexed (raw with a TTY) into stdout and
 * stderr with backpressure, stdin as a Writable whose `end()` half-closes the connection.
 */
function hijackedStreams(sock: Duplex, opts: { tty: boolean; stdin: boolean; onError: (err: unknown) => unknown }): AttachedStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const demuxer = opts.tty ? undefined : new Demuxer();
  let closing = false;
  const resume = (): void => {
    if (!stdout.writableNeedDrain && !stderr.writableNeedDrain) sock.resume();
  };
  stdout.on('drain', resume);
  stderr.on('drain', resume);
  sock.on('data', (chunk: Buffer) => {
    const parts = demuxer ? demuxer.push(chunk) : [{ stream: 'stdout' as const, data: chunk }];
    let more = true;
    for (const p of parts) {
      if (p.stream === 'stdin') continue;
      more = (p.stream === 'stderr' ? stderr : stdout).write(p.data) && more;
    }
    if (!more) sock.pause();
  });
  const ended = new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      stdout.end();
      stderr.end();
      if (err !== undefined && !closing) reject(opts.onError(err));
      else resolve();
    };
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (err) => finish(err));
  });
  // Nobody may be waiting on `ended`: an unobserved rejection must not crash the process.
  ended.catch(() => undefined);
  let stdin: Writable | null = null;
  if (opts.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (sock.destroyed || sock.writableEnded) return cb();
        sock.write(chunk, () => cb());
      },
      final(cb) {
        if (!sock.destroyed && !sock.writableEnded) sock.end();
        cb();
      },
    });
    // Writes racing the end of the connection are dropped, never thrown.
    stdin.on('error', () => undefined);
  }
  return {
    stdin,
    stdout,
    stderr,
    ended,
    close: () => {
      closing = true;
      sock.destroy();
    },
  };
}

/** POST with `Connection: Upgrade`: the raw connection once the engine switched protocols. */
async function hijack(c: Client, ctx: ErrorContext, path: string, query: Record<string, unknown> | undefined, body: unknown, signal: AbortSignal | undefined): Promise<Duplex> {
  const q = query !== undefined ? defined(query) : undefined;
  const options: Json = { _body: body ?? {} };
  if (q !== undefined && Object.keys(q).length > 0) options._query = q;
  const dial = {
    path: options._query !== undefined ? `${path}?` : path,
    method: 'POST',
    hijack: true,
    isStream: true,
    // A body only when there is one (exec start's JSON); `{}` makes docker-modem send none.
    ...(body !== undefined ? { allowEmpty: true } : {}),
    statusCodes: { 101: true, 200: true },
    options,
  } as unknown as ModemDialOptions;
  const result = await c.call(ctx, () =>
    new Promise<unknown>((resolve, reject) => {
      c.docker.modem.dial(dial, (err, data) => (err ? reject(err) : resolve(data)));
    }),
  );
  const sock = result as Duplex;
  if (typeof sock.write !== 'function') {
    (result as IncomingMessage).destroy();
    throw new EngineError(`${ctx.action ?? 'attach'} ${ctx.id ?? ''}: the engine did not switch to a raw stream`.replace(/ +:/, ':'));
  }
  if (signal !== undefined) {
    if (signal.aborted) sock.destroy();
    else {
      const onAbort = (): void => void sock.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      sock.on('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  return sock;
}

async function createExec(c: Client, containerId: string, opts: ExecOptions, stdin: boolean): Promise<Dockerode.Exec> {
  return c.call({ kind: 'container', id: containerId, action: 'exec' }, () =>
    c.container(containerId).exec({
      Cmd: opts.cmd,
      AttachStdin: stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: opts.tty === true,
      ...(opts.env !== undefined ? { Env: opts.env } : {}),
      ...(opts.user !== undefined ? { User: opts.user } : {}),
      ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
      ...(opts.privileged === true ? { Privileged: true } : {}),
      ...signalOpt(opts),
    }),
  );
}

/** The exit code of a finished exec (it can lag the end of its output by a moment). */
async function execExitCode(c: Client, exec: Dockerode.Exec, ctx: ErrorContext, opts: CallOptions): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = obj(await c.call(ctx, () => exec.inspect(signalOpt(opts))));
    if (info.Running !== true && typeof info.ExitCode === 'number') return info.ExitCode;
    await new Promise((r) => setTimeout(r, Math.min(10 * (attempt + 1), 100)));
  }
  throw new EngineError(`exec in ${ctx.id ?? 'the container'}: the engine reported no exit code`);
}

/** Exec and attach. */
export function dockerExec(c: Client): EngineExec {
  return {
    async exec(containerId: string, opts: ExecOptions): Promise<ExecResult> {
      const tty = opts.tty === true;
      const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'exec' };
      const exec = await c.call(ctx, () =>
        c.container(containerId).exec({
          Cmd: opts.cmd,
          AttachStdin: false,
          AttachStdout: true,
          AttachStderr: true,
          Tty: tty,
          ...(opts.env !== undefined ? { Env: opts.env } : {}),
          ...(opts.user !== undefined ? { User: opts.user } : {}),
          ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
          ...(opts.privileged === true ? { Privileged: true } : {}),
          ...signalOpt(opts),
        }),
      );
      // Without hijack the engine streams the output as the HTTP body and closes at the end.
      const stream = await c.call(ctx, () => exec.start({ Detach: false, Tty: tty, ...signalOpt(opts) }));
      let out: { stdout: Buffer; stderr: Buffer };
      try {
        out = await collectDemuxed(stream, { tty });
      } catch (err) {
        if (opts.signal?.aborted === true) throw opts.signal.reason;
        c.fail(err, ctx);
      }
      // The exit code can lag the end of the stream by a moment.
      let exitCode: number | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        const info = obj(await c.call(ctx, () => exec.inspect(signalOpt(opts))));
        if (info.Running !== true && typeof info.ExitCode === 'number') {
          exitCode = info.ExitCode;
          break;
        }
        await new Promise((r) => setTimeout(r, Math.min(10 * (attempt + 1), 100)));
      }
      if (exitCode === undefined) throw new EngineError(`exec in ${containerId}: the engine reported no exit code`);
      return { exitCode, stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') };
    },
    async execInteractive(containerId: string, opts: ExecInteractiveOptions): Promise<InteractiveExec> {
      const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'exec' };
      const tty = opts.tty === true;
      const stdin = opts.stdin === true;
      const exec = await createExec(c, containerId, opts, stdin);
      const sock = await hijack(c, ctx, `/exec/${exec.id}/start`, undefined, { Detach: false, Tty: tty }, opts.signal);
      const streams = hijackedStreams(sock, { tty, stdin, onError: (err) => mapEngineError(err, c.where, ctx) });
      const exitCode = streams.ended.then(
        () => execExitCode(c, exec, ctx, opts),
        () => execExitCode(c, exec, ctx, opts),
      );
      exitCode.catch(() => undefined);
      return {
        ...streams,
        id: exec.id,
        exitCode,
        resize: async (size: TerminalSize, callOpts?: CallOptions) => {
          await c.call({ kind: 'exec', id: exec.id, action: 'resize' }, () =>
            exec.resize({ h: Math.max(1, Math.trunc(size.h)), w: Math.max(1, Math.trunc(size.w)), ...signalOpt(callOpts) }),
          );
        },
      };
    },
    async execDetached(containerId: string, opts: ExecOptions): Promise<string> {
      const exec = await createExec(c, containerId, opts, false);
      await c.call({ kind: 'container', id: containerId, action: 'exec' }, () =>
        c.dial({ path: `/exec/${exec.id}/start`, method: 'POST', body: { Detach: true, Tty: opts.tty === true }, ok: [200, 204], ...(opts.signal ? { signal: opts.signal } : {}) }),
      );
      return exec.id;
    },
    async attachContainer(id: string, opts: AttachOptions = {}): Promise<AttachedStreams> {
      const ctx: ErrorContext = { kind: 'container', id, action: 'attach' };
      const sock = await hijack(c, 
        ctx,
        `/containers/${encodeURIComponent(id)}/attach`,
        {
          stream: true,
          stdin: opts.stdin === true,
          stdout: opts.stdout !== false,
          stderr: opts.stderr !== false,
          logs: opts.logs === true ? true : undefined,
          detachKeys: opts.detachKeys,
        },
        undefined,
        opts.signal,
      );
      return hijackedStreams(sock, { tty: opts.tty === true, stdin: opts.stdin === true, onError: (err) => mapEngineError(err, c.where, ctx) });
    },
    async resizeContainer(id: string, size: TerminalSize, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'container', id, action: 'resize' }, () =>
        c.container(id).resize({ h: Math.max(1, Math.trunc(size.h)), w: Math.max(1, Math.trunc(size.w)), ...signalOpt(opts) }),
      );
    },
  };
}


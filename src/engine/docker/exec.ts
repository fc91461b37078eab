/** Commands in containers, and hijacked connections to their streams (exec, attach). */
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { EngineError } from '../../errors.js';
import { type ErrorContext, mapEngineError } from '../errors.js';
import type { Query } from '../http.js';
import { collectDemuxed, Demuxer } from '../streams.js';
import { signalOf, type Client } from './client.js';
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
import { obj, str } from './readers.js';

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

/**
 * POST with `Connection: Upgrade`: the raw connection once the engine switched protocols. No
 * body for attach: the engine hands bytes that follow the headers to the process as stdin (only
 * exec start sends its JSON, which the engine reads before it hijacks). The signal is not given
 * to the request: an abort destroys the connection.
 */
async function hijack(c: Client, ctx: ErrorContext, path: string, query: Query | undefined, body: unknown, signal: AbortSignal | undefined): Promise<Duplex> {
  const sock = await c.upgrade(ctx, path, { ...(query !== undefined ? { query } : {}), ...(body !== undefined ? { body } : {}) });
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

const size = (s: TerminalSize): Query => ({ h: Math.max(1, Math.trunc(s.h)), w: Math.max(1, Math.trunc(s.w)) });

/** `POST /containers/{id}/exec`: the exec instance's id. */
async function createExec(c: Client, containerId: string, opts: ExecOptions, stdin: boolean): Promise<string> {
  const body = {
    Cmd: opts.cmd,
    AttachStdin: stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: opts.tty === true,
    ...(opts.env !== undefined ? { Env: opts.env } : {}),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
    ...(opts.privileged === true ? { Privileged: true } : {}),
  };
  const data = obj(await c.send({ kind: 'container', id: containerId, action: 'exec' }, 'POST', `/containers/${encodeURIComponent(containerId)}/exec`, { body, ...signalOf(opts) }));
  return str(data.Id);
}

/** The exit code of a finished exec (it can lag the end of its output by a moment). */
async function execExitCode(c: Client, execId: string, ctx: ErrorContext, opts: CallOptions, attempts = 100): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const info = obj(await c.send(ctx, 'GET', `/exec/${execId}/json`, signalOf(opts)));
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
      const execId = await createExec(c, containerId, opts, false);
      // Without hijack the engine streams the output as the HTTP body and closes at the end.
      const stream = await c.stream(ctx, 'POST', `/exec/${execId}/start`, { body: { Detach: false, Tty: tty }, ...signalOf(opts) });
      let out: { stdout: Buffer; stderr: Buffer };
      try {
        out = await collectDemuxed(stream, { tty });
      } catch (err) {
        if (opts.signal?.aborted === true) throw opts.signal.reason;
        c.fail(err, ctx);
      }
      const exitCode = await execExitCode(c, execId, { ...ctx, id: containerId }, opts, 50);
      return { exitCode, stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') };
    },
    async execInteractive(containerId: string, opts: ExecInteractiveOptions): Promise<InteractiveExec> {
      const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'exec' };
      const tty = opts.tty === true;
      const stdin = opts.stdin === true;
      const execId = await createExec(c, containerId, opts, stdin);
      const sock = await hijack(c, ctx, `/exec/${execId}/start`, undefined, { Detach: false, Tty: tty }, opts.signal);
      const streams = hijackedStreams(sock, { tty, stdin, onError: (err) => mapEngineError(err, c.where, ctx) });
      const exitCode = streams.ended.then(
        () => execExitCode(c, execId, ctx, opts),
        () => execExitCode(c, execId, ctx, opts),
      );
      exitCode.catch(() => undefined);
      return {
        ...streams,
        id: execId,
        exitCode,
        resize: async (s: TerminalSize, callOpts?: CallOptions) => {
          await c.send({ kind: 'exec', id: execId, action: 'resize' }, 'POST', `/exec/${execId}/resize`, { query: size(s), ...signalOf(callOpts) });
        },
      };
    },
    async execDetached(containerId: string, opts: ExecOptions): Promise<string> {
      const execId = await createExec(c, containerId, opts, false);
      await c.send({ kind: 'container', id: containerId, action: 'exec' }, 'POST', `/exec/${execId}/start`, { body: { Detach: true, Tty: opts.tty === true }, ...signalOf(opts) });
      return execId;
    },
    async attachContainer(id: string, opts: AttachOptions = {}): Promise<AttachedStreams> {
      const ctx: ErrorContext = { kind: 'container', id, action: 'attach' };
      const query: Query = {
        stream: true,
        stdin: opts.stdin === true,
        stdout: opts.stdout !== false,
        stderr: opts.stderr !== false,
        logs: opts.logs === true ? true : undefined,
        detachKeys: opts.detachKeys,
      };
      const sock = await hijack(c, ctx, `/containers/${encodeURIComponent(id)}/attach`, query, undefined, opts.signal);
      return hijackedStreams(sock, { tty: opts.tty === true, stdin: opts.stdin === true, onError: (err) => mapEngineError(err, c.where, ctx) });
    },
    async resizeContainer(id: string, s: TerminalSize, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'container', id, action: 'resize' }, 'POST', `/containers/${encodeURIComponent(id)}/resize`, { query: size(s), ...signalOf(opts) });
    },
  };
}

/**
 * The plumbing every call shares: the one transport (http.ts) to the endpoint, error mapping,
 * JSON-lines streams. Paths and queries are the engine's own (docs.docker.com/engine/api).
 */
import type { IncomingMessage } from 'node:http';
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { EngineError } from '../../errors.js';
import { DEFAULT_TIMEOUT_MS, NoUpgradeError, transport, type RequestOpts, type Transport } from '../http.js';
import type { Endpoint, SshAuth, TlsMaterial } from '../endpoint.js';
import type { CallOptions } from '../engine.js';
import { type ErrorContext, isAbortError, mapEngineError } from '../errors.js';
import { splitLines } from '../streams.js';
import { sshDialAgent } from '../ssh.js';

/** The request options of a call: its AbortSignal, when it has one. */
export function signalOf(opts: CallOptions | undefined): { signal?: AbortSignal } {
  return opts?.signal !== undefined ? { signal: opts.signal } : {};
}

/** How requests reach the engine, and how their failures read. */
export class Client {
  readonly endpoint: Endpoint;
  /** How messages name the engine: its URL, and the docker context that chose it. */
  readonly where: string;
  private readonly t: Transport;

  constructor(endpoint: Endpoint, tls?: TlsMaterial, ssh?: SshAuth) {
    this.endpoint = endpoint;
    this.where = endpoint.context !== undefined ? `${endpoint.url} (docker context ${endpoint.context})` : endpoint.url;
    // ssh: plain http through an agent whose sockets are `docker system dial-stdio` channels (ssh.ts).
    const agent =
      endpoint.protocol === 'ssh'
        ? sshDialAgent({
            host: endpoint.host ?? '',
            port: endpoint.port ?? 22,
            username: endpoint.username ?? userInfo().username,
            ...(ssh?.privateKey !== undefined ? { privateKey: ssh.privateKey } : {}),
            ...(ssh?.agent !== undefined ? { agent: ssh.agent } : {}),
            ...(endpoint.knownHosts !== undefined ? { knownHosts: endpoint.knownHosts } : {}),
            ...(endpoint.knownHostsLabel !== undefined ? { knownHostsLabel: endpoint.knownHostsLabel } : {}),
            ...(endpoint.remoteSocket !== undefined ? { remoteSocket: endpoint.remoteSocket } : {}),
          })
        : undefined;
    const t = transport(endpoint, tls, agent);
    if (t === undefined) throw new Error(`no transport for ${endpoint.url}`);
    this.t = t;
  }

  // ------------------------------------------------------------ plumbing

  fail(err: unknown, ctx: ErrorContext): never {
    throw mapEngineError(err, this.where, ctx);
  }

  async call<T>(ctx: ErrorContext, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.fail(err, ctx);
    }
  }

  /** A plain read (list, inspect, version): JSON, with the read timeout (TSFIG_HTTP_TIMEOUT). */
  get(ctx: ErrorContext, path: string, query: Record<string, string> = {}, opts?: CallOptions): Promise<unknown> {
    return this.call(ctx, () => this.t.get(path, query, opts?.signal));
  }

  /** The engine's API version from the `Api-Version` header of its latest answer; undefined before one. */
  get apiVersionSeen(): string | undefined {
    return this.t.apiVersion();
  }

  /** How long a call may go unanswered (TSFIG_HTTP_TIMEOUT). */
  get limitMs(): number {
    return this.endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Any call answered with JSON (or nothing), within `limitMs` unless the call says otherwise
   * (`timeoutMs`: a stop's grace period on top, 0 for a wait): a write to an engine cut off
   * (a remote host's link down) fails as unreachable instead of hanging until TCP gives up.
   */
  send(ctx: ErrorContext, method: string, path: string, opts: RequestOpts = {}): Promise<unknown> {
    return this.call(ctx, () => this.t.send(method, path, { timeoutMs: this.limitMs, ...opts }));
  }

  /** Any call answered with bytes. */
  async raw(ctx: ErrorContext, method: string, path: string, opts: RequestOpts = {}): Promise<Buffer> {
    return (await this.call(ctx, () => this.t.send(method, path, { ...opts, raw: true }))) as Buffer;
  }

  /** A call whose answer is read as a stream (logs, events, stats, progress, archives). */
  stream(ctx: ErrorContext, method: string, path: string, opts: RequestOpts = {}): Promise<IncomingMessage> {
    return this.call(ctx, () => this.t.stream(method, path, opts));
  }

  /** `stream` without the error mapping: the caller maps (a build, whose context may fail first). */
  request(method: string, path: string, opts: RequestOpts = {}): Promise<IncomingMessage> {
    return this.t.stream(method, path, opts);
  }

  /** A hijacked connection (attach, exec start). */
  async upgrade(ctx: ErrorContext, path: string, opts: RequestOpts = {}): Promise<Duplex> {
    try {
      return await this.t.upgrade(path, opts);
    } catch (err) {
      if (err instanceof NoUpgradeError) throw new EngineError(`${ctx.action ?? 'attach'} ${ctx.id ?? ''}: ${err.message}`.replace(/ +:/, ':'));
      this.fail(err, ctx);
    }
  }

  /**
   * One JSON document per line (events, streamed stats), each mapped; ends when the engine ends
   * the stream, on `close()` (state.closed) or on abort. Unreadable lines are skipped.
   */
  async *jsonLines<T>(stream: IncomingMessage, state: { closed: boolean }, ctx: ErrorContext, signal: AbortSignal | undefined, map: (v: unknown) => T): AsyncGenerator<T> {
    const onAbort = (): void => {
      state.closed = true;
      stream.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const line of splitLines(stream)) {
        if (state.closed) return;
        if (line.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        yield map(parsed);
      }
    } catch (err) {
      if (state.closed || signal?.aborted === true || isAbortError(err)) return;
      this.fail(err, ctx);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!stream.destroyed) stream.destroy();
    }
  }
}

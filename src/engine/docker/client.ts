/**
 * How requests reach the engine, and the plumbing every call shares (error mapping, signals).
 *
 * Plain calls go through http.ts's client when there is one (unix, tcp), dockerode otherwise.
 * Where dockerode's runtime falls short, the call goes through `docker.modem.dial` directly
 * (`dial` below):
 * - createContainer / createNetwork / createVolume: dockerode sends the whole body as query
 *   string *and* body; `_query` / `_body` keep them apart (the name only in the query).
 * - inspectNetwork / inspectImage: dockerode drops the AbortSignal.
 * - removeVolume: dockerode drops `force` (no `?` in its path).
 * - logs: dockerode only streams with `follow`; otherwise it parses the bytes as JSON when
 *   they happen to be valid JSON (`42\n` becomes the number 42). Always a stream here.
 * - attach / exec start with stdin: dockerode sends its options object as the request body,
 *   and the engine hands bytes that follow the headers to the process as stdin. `hijack`
 *   (docker/exec.ts) sends no body to attach (only exec start's JSON, which the engine reads
 *   before it hijacks).
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import type Dockerode from 'dockerode';
import { jsonClient, type JsonClient } from '../http.js';
import type { Endpoint, SshAuth, TlsMaterial } from '../endpoint.js';
import type { CallOptions } from '../engine.js';
import { type ErrorContext, isAbortError, mapEngineError } from '../errors.js';
import { splitLines } from '../streams.js';
import { SshDialAgent } from '../ssh.js';
import { defined, type Json } from './readers.js';

/** docker-modem's request options (its typings come with @types/dockerode). */
export type ModemDialOptions = Parameters<Dockerode['modem']['dial']>[0];

interface DialRequest {
  path: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Query string values (objects become JSON, as the engine wants for filters). */
  query?: Record<string, unknown>;
  body?: unknown;
  isStream?: boolean;
  signal?: AbortSignal;
  /** Success statuses (default 200, 201, 204). */
  ok?: number[];
  authconfig?: Record<string, string>;
}

/** dockerode 5 takes an options argument (abortSignal) here; @types/dockerode 4 does not say so. */
interface SystemCalls {
  ping(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
  version(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
  info(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
}

function withoutDockerHost<T>(build: () => T): T {
  // docker-modem's constructor reads DOCKER_HOST (and DOCKER_CERT_PATH files) whatever
  // options it is given, and may throw on them. The endpoint is already resolved: hide it.
  const saved = process.env.DOCKER_HOST;
  if (saved === undefined) return build();
  delete process.env.DOCKER_HOST;
  try {
    return build();
  } finally {
    process.env.DOCKER_HOST = saved;
  }
}

/** dockerode, loaded on first use (see http.ts: most commands never need it). */
function loadDockerode(): typeof Dockerode {
  return createRequire(import.meta.url)('dockerode') as typeof Dockerode;
}

/** The transport and the plumbing every call shares: how requests reach the engine, how failures are mapped. */
export class Client {
  readonly endpoint: Endpoint;
  private readonly options: Dockerode.DockerOptions;
  private dockerode: Dockerode | undefined;
  /** Plain GETs without dockerode; undefined for ssh/npipe endpoints. */
  readonly fast: JsonClient | undefined;

  get docker(): Dockerode {
    if (!this.dockerode) {
      const D = loadDockerode();
      this.dockerode = withoutDockerHost(() => new D(this.options));
    }
    return this.dockerode;
  }

  /** A GET through the fast client when there is one, else through dockerode's `slow`. */
  get_<T>(path: string, query: Record<string, string>, opts: CallOptions | undefined, slow: () => Promise<T>): Promise<unknown> {
    if (!this.fast) return slow();
    return this.fast.get(path, query, opts?.signal);
  }

  /** How messages name the engine: its URL, and the docker context that chose it. */
  readonly where: string;

  constructor(endpoint: Endpoint, tls?: TlsMaterial, ssh?: SshAuth) {
    this.endpoint = endpoint;
    this.where = endpoint.context !== undefined ? `${endpoint.url} (docker context ${endpoint.context})` : endpoint.url;
    this.fast = jsonClient(endpoint, tls);
    const base: Dockerode.DockerOptions = {
      socketPath: undefined,
      host: undefined,
      port: undefined,
      protocol: 'http',
      ca: undefined,
      cert: undefined,
      key: undefined,
    };
    let options: Dockerode.DockerOptions;
    switch (endpoint.protocol) {
      case 'unix':
      case 'npipe':
        options = { ...base, socketPath: endpoint.socketPath };
        break;
      case 'tcp':
        options = {
          ...base,
          host: endpoint.host,
          port: endpoint.port,
          protocol: endpoint.tls !== undefined ? 'https' : 'http',
          ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
          ...(tls?.cert !== undefined ? { cert: tls.cert } : {}),
          ...(tls?.key !== undefined ? { key: tls.key } : {}),
        };
        break;
      case 'ssh':
        // Plain http through an agent whose sockets are `docker system dial-stdio` channels (ssh.ts);
        // docker-modem takes `agent`, the types do not say so.
        options = {
          ...base,
          host: endpoint.host,
          port: endpoint.port,
          protocol: 'http',
          agent: new SshDialAgent({
            host: endpoint.host ?? '',
            port: endpoint.port ?? 22,
            username: endpoint.username ?? userInfo().username,
            ...(ssh?.privateKey !== undefined ? { privateKey: ssh.privateKey } : {}),
            ...(ssh?.agent !== undefined ? { agent: ssh.agent } : {}),
            ...(endpoint.knownHosts !== undefined ? { knownHosts: endpoint.knownHosts } : {}),
            ...(endpoint.knownHostsLabel !== undefined ? { knownHostsLabel: endpoint.knownHostsLabel } : {}),
            ...(endpoint.remoteSocket !== undefined ? { remoteSocket: endpoint.remoteSocket } : {}),
          }),
        } as Dockerode.DockerOptions;
        break;
    }
    this.options = options;
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

  /** A request through docker-modem, for what dockerode does not do right. */
  dial(req: DialRequest): Promise<unknown> {
    const ok = req.ok ?? [200, 201, 204];
    const statusCodes: Record<number, boolean> = {};
    for (const code of ok) statusCodes[code] = true;
    const options: Json = {};
    const query = req.query !== undefined ? defined(req.query) : undefined;
    if (query !== undefined && Object.keys(query).length > 0) options._query = query;
    if (req.body !== undefined) options._body = req.body;
    // docker-modem sends `_body || options` as the body of a POST: an empty `_body` sends none.
    else if (req.method === 'POST' && options._query !== undefined) options._body = {};
    const hasQuery = options._query !== undefined;
    const dial: ModemDialOptions = {
      path: hasQuery ? `${req.path}?` : req.path,
      method: req.method,
      statusCodes,
      ...(Object.keys(options).length > 0 ? { options } : {}),
      ...(req.isStream === true ? { isStream: true } : {}),
      ...(req.signal !== undefined ? { abortSignal: req.signal } : {}),
      ...(req.authconfig !== undefined ? { authconfig: req.authconfig } : {}),
      ...(req.method === 'POST' && req.body !== undefined ? { allowEmpty: true } : {}),
    };
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(dial, (err, data) => (err ? reject(err) : resolve(data)));
    });
  }

  get system(): SystemCalls {
    return this.docker as unknown as SystemCalls;
  }

  container(id: string): Dockerode.Container {
    return this.docker.getContainer(id);
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

/**
 * The one transport to the engine: the Docker API over `node:http` (`node:https` with TLS), for
 * every endpoint kind: a unix socket or a named pipe (`socketPath`), tcp with or without TLS, and
 * ssh through an `http.Agent` whose connections are `docker system dial-stdio` channels (ssh.ts).
 *
 * Chosen by measurement (bench/transport.ts): from a fresh node process to the first answer of
 * `GET /containers/json`, this client costs ~0.1 s over Node's own start-up and dockerode ~0.7 s
 * (it loads docker-modem, ssh2 and their dependencies), on the same machine in the same run. A
 * no-op `up` is mostly that start-up. So every call goes through here (plain JSON calls, streams
 * such as logs, events, stats, pull/push/build progress, tar uploads and downloads, and the
 * hijacked connections of attach and exec); dockerode is not loaded at all. It is a dev
 * dependency: test/e2e/transport-differential.test.ts checks this client against it on the same
 * engine. ssh2 (ssh.ts, connect.ts) is a dependency of its own.
 *
 * Plain reads (GET, no body) over a unix socket or tcp without TLS go over rawget.ts instead, and
 * node:http / node:https load only when a call needs them: a no-op `up` loads neither (issue 16).
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Endpoint, TlsMaterial } from './endpoint.js';
import { plainPath, rawGet, type RawTarget } from './rawget.js';

/** Query values: arrays repeat the key, objects go as JSON (the engine's `filters`), undefined is left out. */
export type QueryValue = string | number | boolean | undefined | readonly string[] | Record<string, unknown>;
export type Query = Record<string, QueryValue>;

export interface RequestOpts {
  query?: Query;
  /** A JSON body (any value), or raw bytes / a stream with `contentType` (a tar archive). */
  body?: unknown;
  /** The body is raw (a Buffer or a readable stream), sent with this Content-Type. */
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Fail as unreachable when no answer comes in this long; 0 or undefined: no limit. */
  timeoutMs?: number;
}

export interface JsonClient {
  get(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<unknown>;
  /** The engine's API version as its latest answer's `Api-Version` header gave it; undefined before one. */
  apiVersion(): string | undefined;
  /** Any method, an optional JSON body; the answer parsed as JSON (or its text), or as bytes with `raw`. */
  send(method: string, path: string, opts?: RequestOpts & { raw?: boolean }): Promise<unknown>;
}

export interface Transport extends JsonClient {
  /** The response once its status is a success: the caller reads (and ends) the body. */
  stream(method: string, path: string, opts?: RequestOpts): Promise<IncomingMessage>;
  /**
   * POST with `Connection: Upgrade`: the raw connection once the engine switched protocols
   * (attach, exec start). Bytes written to it go to the process's stdin.
   */
  upgrade(path: string, opts?: RequestOpts): Promise<Duplex>;
}

/** A plain read may go unanswered this long (as compose's COMPOSE_HTTP_TIMEOUT). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** An error shaped like docker-modem's (statusCode, json), so the same error mapping applies. */
interface HttpError extends Error {
  statusCode?: number;
  json?: unknown;
}

/** The engine answered an upgrade request with a plain success: no raw stream to use. */
export class NoUpgradeError extends Error {
  constructor() {
    super('the engine did not switch to a raw stream');
    this.name = 'NoUpgradeError';
  }
}

export function encodeQuery(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) params.append(k, x);
    else if (v !== null && typeof v === 'object') params.append(k, JSON.stringify(v));
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}

function parseBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text; // plain text (e.g. /_ping answers "OK")
  }
}

function statusError(status: number, body: Buffer): HttpError {
  const err: HttpError = new Error(`(HTTP code ${status}) unexpected`);
  err.statusCode = status;
  err.json = parseBody(body);
  return err;
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const ok = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

/**
 * The transport for an endpoint. `agent` carries the connections of ssh endpoints (ssh.ts);
 * without one an ssh or npipe endpoint has no transport here.
 */
export function transport(endpoint: Endpoint, tls?: TlsMaterial, agent?: Agent): Transport | undefined {
  const timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // servername: read by Node's agent (addRequest) though http's RequestOptions type lacks it.
  let base: RequestOptions & { servername?: string };
  const secure = endpoint.protocol === 'tcp' && endpoint.tls !== undefined;
  switch (endpoint.protocol) {
    case 'unix':
    case 'npipe':
      base = { socketPath: endpoint.socketPath };
      break;
    case 'tcp':
      base = {
        host: endpoint.host,
        port: endpoint.port,
        ...(secure && tls?.ca !== undefined ? { ca: tls.ca } : {}),
        ...(secure && tls?.cert !== undefined ? { cert: tls.cert } : {}),
        ...(secure && tls?.key !== undefined ? { key: tls.key } : {}),
      };
      break;
    case 'ssh':
      if (agent === undefined) return undefined;
      base = { host: endpoint.host, port: endpoint.port, agent };
      break;
  }
  // Without TLS there is no server name to check: an empty one keeps Node's agent from deriving
  // it from the Host header with net.isIP, whose IPv6 regular expression costs ~20 ms to compile
  // in every process (issue 16: the largest single cost of `ps` on the profile after start-up).
  if (!secure) base.servername = '';
  const send = (options: RequestOptions): ClientRequest =>
    secure ? process.getBuiltinModule('node:https').request(options) : process.getBuiltinModule('node:http').request(options);
  // Plain reads without node:http (rawget.ts): a socket, or tcp without TLS.
  const rawTarget: RawTarget | undefined =
    endpoint.protocol === 'unix' && endpoint.socketPath !== undefined
      ? { socketPath: endpoint.socketPath }
      : endpoint.protocol === 'tcp' && !secure && endpoint.host !== undefined && endpoint.port !== undefined
        ? { host: endpoint.host, port: endpoint.port }
        : undefined;
  // A socket has no host name: any Host will do. Over tcp Node derives the Host header and, with
  // TLS, the name the server certificate is checked against from the address; a Host header of
  // our own would replace that name (and fail every certificate but one for "docker").
  const headers: Record<string, string> = endpoint.protocol === 'tcp' ? { Accept: 'application/json' } : { Host: 'docker', Accept: 'application/json' };

  /** Start a request; the body is written, the request ended (unless `upgrade` keeps it open). */
  const start = (method: string, path: string, opts: RequestOpts, extra: Record<string, string> = {}): ClientRequest => {
    let payload: Buffer | NodeJS.ReadableStream | undefined;
    const h: Record<string, string> = { ...headers, ...extra, ...opts.headers };
    if (opts.body !== undefined) {
      if (opts.contentType !== undefined) {
        payload = opts.body as Buffer | NodeJS.ReadableStream;
        h['Content-Type'] = opts.contentType;
        if (Buffer.isBuffer(payload)) h['Content-Length'] = String(payload.length);
      } else {
        payload = Buffer.from(JSON.stringify(opts.body), 'utf8');
        h['Content-Type'] = 'application/json';
        h['Content-Length'] = String(payload.length);
      }
    }
    const req = send({ ...base, path: `${path}${encodeQuery(opts.query)}`, method, headers: h, ...(opts.signal ? { signal: opts.signal } : {}) });
    // An engine that accepts and never answers: the read fails as unreachable (ETIMEDOUT), not a hang.
    // A timer of our own, not `req.setTimeout`: an ssh channel (ssh.ts) is no socket with timeouts.
    const limit = opts.timeoutMs;
    if (limit !== undefined && limit > 0) {
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no answer in ${limit / 1000} s (TSFIG_HTTP_TIMEOUT)`), { code: 'ETIMEDOUT' }));
      }, limit);
      timer.unref();
      req.on('close', () => clearTimeout(timer));
    }
    if (payload === undefined || Buffer.isBuffer(payload)) req.end(payload);
    else {
      // The stream's own failure (an unreadable file in a build context) fails the request.
      payload.on('error', (err: Error) => req.destroy(err));
      payload.pipe(req);
    }
    return req;
  };

  // The engine names its API version in every answer (`Api-Version`): no call of its own for it.
  let apiVersion: string | undefined;
  const seen = (header: string | string[] | undefined): void => {
    if (typeof header === 'string' && /^[0-9]+\.[0-9]+$/.test(header)) apiVersion = header;
  };

  const stream = (method: string, path: string, opts: RequestOpts = {}): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = start(method, path, opts);
      req.on('error', reject);
      req.on('response', (res) => {
        seen(res.headers['api-version']);
        if (ok(res.statusCode)) return resolve(res);
        readAll(res).then((body) => reject(statusError(res.statusCode ?? 0, body)), reject);
      });
    });

  // node:http derives Host from the address (host:port, the port left out when it is 80).
  const rawHost: Record<string, string> =
    rawTarget !== undefined && 'host' in rawTarget ? { Host: `${rawTarget.host.includes(':') ? `[${rawTarget.host}]` : rawTarget.host}${rawTarget.port === 80 ? '' : `:${rawTarget.port}`}` } : {};

  /** A plain read over rawget.ts, when it can take it: the answer's bytes, or undefined. */
  const readRaw = async (method: string, path: string, opts: RequestOpts): Promise<Buffer | undefined> => {
    const full = `${path}${encodeQuery(opts.query)}`;
    if (rawTarget === undefined || method !== 'GET' || opts.body !== undefined || !plainPath(full)) return undefined;
    const answer = await rawGet(rawTarget, full, { ...rawHost, ...headers, ...opts.headers }, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    seen(answer.headers['api-version']);
    if (!ok(answer.status)) throw statusError(answer.status, answer.body);
    return answer.body;
  };

  const sendJson = async (method: string, path: string, opts: RequestOpts & { raw?: boolean } = {}): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const bytes = (await readRaw(method, path, opts)) ?? (await readAll(await stream(method, path, opts)));
        return opts.raw === true ? bytes : parseBody(bytes);
      } catch (err) {
        // A read whose connection dropped (reset, or its answer cut short) is asked once more:
        // it changes nothing, and one dropped connection should not end a whole run (issue 15).
        if (method !== 'GET' || attempt > 1 || opts.signal?.aborted === true || !droppedConnection(err)) throw err;
      }
    }
  };

  const upgrade = (path: string, opts: RequestOpts = {}): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      const req = start('POST', path, opts, { Connection: 'Upgrade', Upgrade: 'tcp' });
      req.on('error', reject);
      req.on('upgrade', (_res, sock, head) => {
        if (head.length > 0) sock.unshift(head);
        resolve(sock);
      });
      req.on('response', (res) => {
        // No switch: an error status (404, 409, ...), or an engine that answers without hijacking.
        if (ok(res.statusCode)) {
          res.destroy();
          return reject(new NoUpgradeError());
        }
        readAll(res).then((body) => reject(statusError(res.statusCode ?? 0, body)), reject);
      });
    });

  return {
    get: (path, query, signal) => sendJson('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}), timeoutMs }),
    send: sendJson,
    stream,
    upgrade,
    apiVersion: () => apiVersion,
  };
}

/** The connection went away under a request (reset, closed mid-answer): not an answer, not a timeout. */
function droppedConnection(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (e.statusCode !== undefined) return false;
  return e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up' || e.message === 'aborted';
}

/** The plain JSON calls of an endpoint reached without an agent (unix, tcp); undefined for ssh. */
export function jsonClient(endpoint: Endpoint, tls?: TlsMaterial): JsonClient | undefined {
  if (endpoint.protocol !== 'unix' && endpoint.protocol !== 'tcp') return undefined;
  return transport(endpoint, tls);
}

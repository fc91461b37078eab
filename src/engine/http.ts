/**
 * A small JSON-over-HTTP client for the engine's plain calls (lists, version, inspect, and the
 * create/start/wait/logs/remove of short-lived helper containers).
 * Loading dockerode costs ~0.1-0.2 s of CPU (it pulls in grpc, protobufjs and ssh2), which is
 * most of a no-op `up`; these calls need none of it. Streams, hijacked connections and ssh
 * endpoints still go through dockerode, loaded on first use.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Endpoint, TlsMaterial } from './endpoint.js';

export interface JsonClient {
  get(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<unknown>;
  /** Any method, an optional JSON body; the answer parsed as JSON (or its text), or as bytes with `raw`. */
  send(method: string, path: string, opts?: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal; raw?: boolean }): Promise<unknown>;
}

/** A plain read may go unanswered this long (as compose's COMPOSE_HTTP_TIMEOUT). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** An error shaped like docker-modem's, so the same error mapping applies. */
interface HttpError extends Error {
  statusCode?: number;
  json?: unknown;
}

/** A client for unix sockets and tcp (with TLS); undefined for ssh and named pipes. */
export function jsonClient(endpoint: Endpoint, tls?: TlsMaterial): JsonClient | undefined {
  const timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (endpoint.protocol !== 'unix' && endpoint.protocol !== 'tcp') return undefined;
  const secure = endpoint.protocol === 'tcp' && endpoint.tls !== undefined;
  const base: RequestOptions =
    endpoint.protocol === 'unix'
      ? { socketPath: endpoint.socketPath }
      : {
          host: endpoint.host,
          port: endpoint.port,
          ...(secure && tls?.ca !== undefined ? { ca: tls.ca } : {}),
          ...(secure && tls?.cert !== undefined ? { cert: tls.cert } : {}),
          ...(secure && tls?.key !== undefined ? { key: tls.key } : {}),
        };
  const send = secure ? httpsRequest : httpRequest;
  // A unix socket has no host name: any Host will do. Over tcp Node derives the Host header and,
  // with TLS, the name the server certificate is checked against from the address; a Host
  // header of our own would replace that name (and fail every certificate but one for "docker").
  const headers: Record<string, string> =
    endpoint.protocol === 'unix' ? { Host: 'docker', Accept: 'application/json' } : { Accept: 'application/json' };
  const send_ = (method: string, path: string, opts: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal; raw?: boolean; timeoutMs?: number } = {}): Promise<unknown> => {
    const { query, signal } = opts;
    const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : '';
    const payload = opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body), 'utf8') : undefined;
    const h = payload ? { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : headers;
    return new Promise((resolve, reject) => {
      const req = send({ ...base, path: `${path}${qs}`, method, headers: h, ...(signal ? { signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (opts.raw && status >= 200 && status < 300) return resolve(bytes);
          const text = bytes.toString('utf8');
          let json: unknown = text;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            // plain text (e.g. /_ping answers "OK")
          }
          if (status >= 200 && status < 300) return resolve(json);
          const err: HttpError = new Error(`(HTTP code ${status}) unexpected`);
          err.statusCode = status;
          err.json = json;
          reject(err);
        });
      });
      req.on('error', reject);
      // An engine that accepts and never answers: the read fails as unreachable (ETIMEDOUT), not a hang.
      const limit = opts.timeoutMs;
      if (limit !== undefined) {
        req.setTimeout(limit, () => {
          const err = Object.assign(new Error(`no answer in ${limit / 1000} s (TSFIG_HTTP_TIMEOUT)`), { code: 'ETIMEDOUT' });
          req.destroy(err);
        });
      }
      req.end(payload);
    });
  };
  return {
    get: (path, query, signal) => send_('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}), timeoutMs }),
    send: send_,
  };
}

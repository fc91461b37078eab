/**
 * A small JSON-over-HTTP client for the engine's plain GET calls (lists, version, inspect).
 * Loading dockerode costs ~0.1-0.2 s of CPU (it pulls in grpc, protobufjs and ssh2), which is
 * most of a no-op `up`; these calls need none of it. Streams, hijacked connections and ssh
 * endpoints still go through dockerode, loaded on first use.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Endpoint, TlsMaterial } from './connect.js';

export interface JsonClient {
  get(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<unknown>;
}

/** An error shaped like docker-modem's, so the same error mapping applies. */
interface HttpError extends Error {
  statusCode?: number;
  json?: unknown;
}

/** A client for unix sockets and tcp (with TLS); undefined for ssh and named pipes. */
export function jsonClient(endpoint: Endpoint, tls?: TlsMaterial): JsonClient | undefined {
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
  return {
    get(path, query, signal) {
      const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : '';
      return new Promise((resolve, reject) => {
        const req = send(
          { ...base, path: `${path}${qs}`, method: 'GET', headers, ...(signal ? { signal } : {}) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown = text;
              try {
                json = text === '' ? undefined : JSON.parse(text);
              } catch {
                // plain text (e.g. /_ping answers "OK")
              }
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) return resolve(json);
              const err: HttpError = new Error(`(HTTP code ${status}) unexpected`);
              err.statusCode = status;
              err.json = json;
              reject(err);
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
  };
}

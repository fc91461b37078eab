/**
 * A fault-injecting proxy between tsfig and an engine's unix socket (issue 15's fault campaign):
 * tsfig reaches it with DOCKER_HOST=unix://<proxy.path>. On a chosen share of calls (HTTP
 * requests), picked with a seeded RNG, it injects one fault:
 *
 * - `delay`: the call is held `delayMs` (a random part of it) before it is passed on;
 * - `reset`: the connection is destroyed before anything is passed on (the call never reaches
 *   the engine);
 * - `500`: the proxy answers `500 {"message":"fault proxy: injected 500 on METHOD PATH"}` itself
 *   (the call never reaches the engine);
 * - `truncate`: the call is passed on, and the answer's body is cut in the middle (the call
 *   did reach the engine: what it changed, it changed), then the connection is destroyed.
 *
 * Keep-alive connections are parsed by node:http and each request is a call of its own.
 * Streams (events, logs with follow, stats, wait, attach) and hijacked connections (`Upgrade:
 * tcp`: attach, exec start) are faulted at their start only (delay, reset, 500), never cut in
 * the middle; past their start they are passed through untouched.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';

export type FaultKind = 'delay' | 'reset' | '500' | 'truncate';

export interface FaultProxyOptions {
  /** The engine's socket the calls go to. */
  target: string;
  /** The socket to listen on. */
  listen: string;
  seed: number;
  /** Share of calls that get a fault, 0..1. */
  share: number;
  /** The faults to choose from, uniformly (default all four). */
  kinds?: FaultKind[];
  /** Longest delay (ms) of a `delay` fault (default 500). */
  delayMs?: number;
  /** Calls never faulted (e.g. `GET /_ping`); default: none spared. */
  spare?: (method: string, path: string) => boolean;
}

export interface ProxyCall {
  method: string;
  /** The path without the API version prefix and query (`/containers/create`). */
  path: string;
  fault?: FaultKind;
  stream: boolean;
}

export interface FaultProxy {
  /** The socket path to give tsfig (`unix://` + path). */
  readonly path: string;
  readonly calls: ProxyCall[];
  /** Faults injected, by kind. */
  faults(): Record<FaultKind, number>;
  /** Change the share of faulted calls (0: a clean pass-through). */
  setShare(share: number): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG, uniform on [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `/v1.41/containers/x/json?all=1` -> `/containers/x/json`. */
export function callPath(url: string): string {
  return (url.split('?')[0] ?? '').replace(/^\/v\d+\.\d+(?=\/)/, '');
}

/** Calls whose answer is a stream that may last: faulted at the start only. */
export function isStreamCall(method: string, url: string): boolean {
  const path = callPath(url);
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  if (path === '/events' || /\/(attach|wait|stats)$/.test(path)) return true;
  if (/\/logs$/.test(path) && /(?:^|&)follow=(?:1|true)/.test(query)) return true;
  // Pulls, pushes and builds stream their progress.
  return method === 'POST' && (path === '/images/create' || path === '/build' || /\/push$/.test(path));
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const rng = seededRandom(opts.seed);
  let share = opts.share;
  const kinds = opts.kinds ?? ['delay', 'reset', '500', 'truncate'];
  const maxDelay = opts.delayMs ?? 500;
  const calls: ProxyCall[] = [];
  const agent = new Agent({ keepAlive: true, socketPath: opts.target } as ConstructorParameters<typeof Agent>[0]);
  const open = new Set<Duplex>();
  const track = (s: Duplex) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };

  /** The fault of one call (decided in call order, so a seed replays the same sequence). */
  const decide = (method: string, url: string, startOnly: boolean): ProxyCall => {
    const call: ProxyCall = { method, path: callPath(url), stream: startOnly };
    const roll = rng();
    const pick = rng();
    if (opts.spare?.(method, call.path) || roll >= share) return call;
    const allowed = startOnly ? kinds.filter((k) => k !== 'truncate') : kinds;
    if (allowed.length) call.fault = allowed[Math.min(allowed.length - 1, Math.floor(pick * allowed.length))];
    return call;
  };
  const delay = () => new Promise<void>((res) => setTimeout(res, Math.floor(rng() * maxDelay) + 1));
  const body500 = (call: ProxyCall) => JSON.stringify({ message: `fault proxy: injected 500 on ${call.method} ${call.path}` });

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const call = decide(req.method ?? 'GET', url, isStreamCall(req.method ?? 'GET', url));
    calls.push(call);
    if (call.fault === 'delay') await delay();
    if (call.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (call.fault === '500') {
      req.resume();
      const b = body500(call);
      res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(b) });
      res.end(b);
      return;
    }
    const up = httpRequest({ agent, method: req.method, path: url, headers: req.headers }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      // At once, as the engine does: Node would hold the head until the first body bytes, and an
      // events stream has none until something happens (a subscriber would wait for its answer).
      res.flushHeaders();
      if (call.fault !== 'truncate') {
        ures.pipe(res);
        return;
      }
      const length = Number(ures.headers['content-length']);
      let sent = 0;
      let cut: number | undefined = Number.isFinite(length) && length > 0 ? Math.floor(length / 2) : undefined;
      // What was written goes out, then the connection closes: the answer is short of its length.
      const finish = () => {
        ures.destroy();
        res.socket?.end();
      };
      ures.on('data', (chunk: Buffer) => {
        cut ??= Math.floor(chunk.length / 2);
        const part = chunk.subarray(0, Math.max(0, cut - sent));
        sent += part.length;
        if (part.length) res.write(part);
        if (sent >= cut) finish();
      });
      ures.on('end', finish);
      if (cut === 0) {
        res.flushHeaders();
        finish();
      }
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  };

  /** A hijacked connection: the request head written to the engine as it came, then raw bytes both ways. */
  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    track(socket);
    const url = req.url ?? '/';
    const call = decide(req.method ?? 'POST', url, true);
    calls.push(call);
    if (call.fault === 'delay') await delay();
    if (call.fault === 'reset') return void socket.destroy();
    if (call.fault === '500') {
      const b = body500(call);
      socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\nConnection: close\r\n\r\n${b}`);
      return;
    }
    const upstream: Socket = connect(opts.target);
    track(upstream);
    const lines = [`${req.method} ${url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.on('connect', () => {
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  };

  rmSync(opts.listen, { force: true });
  const server: Server = createServer((req, res) => void onRequest(req, res));
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => track(s));
  server.on('upgrade', (req, socket, head) => void onUpgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.listen, () => res());
  });

  return {
    path: opts.listen,
    calls,
    faults() {
      const out: Record<FaultKind, number> = { delay: 0, reset: 0, '500': 0, truncate: 0 };
      for (const c of calls) if (c.fault) out[c.fault]++;
      return out;
    },
    setShare(s) {
      share = s;
    },
    async close() {
      const closed = new Promise<void>((res) => server.close(() => res()));
      for (const s of open) s.destroy();
      agent.destroy();
      await closed;
      rmSync(opts.listen, { force: true });
    },
  };
}

/**
 * The fault proxy of the fault campaign (test/support/fault-proxy.ts), against a tiny HTTP
 * server on a unix socket: pass-through with keep-alive, each fault kind, streams and hijacked
 * connections faulted at their start only, and the seeded choice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callPath, isStreamCall, seededRandom, startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';

let dir: string;
let server: Server;
let seen: string[];
let connections: number;
let streamNext: (() => void) | undefined;
let proxy: FaultProxy | undefined;
let hijacked: Array<{ destroy: () => void }>;

const BIG = JSON.stringify({ message: 'x'.repeat(4000) });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsfig-fault-proxy-'));
  seen = [];
  connections = 0;
  hijacked = [];
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url?.startsWith('/v1.41/big')) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BIG) });
      return void res.end(BIG);
    }
    if (req.url?.startsWith('/v1.41/events')) {
      // A stream: one line now, the next when the test says so, then the end.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"n":1}\n');
      streamNext = () => res.end('{"n":2}\n');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(JSON.stringify({ echo: body, path: req.url })));
  });
  server.on('connection', () => connections++);
  server.on('upgrade', (req, socket) => {
    seen.push(`UPGRADE ${req.url}`);
    hijacked.push(socket);
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.on('data', (b: Buffer) => socket.write(`echo:${b.toString()}`));
  });
  await new Promise<void>((res) => server.listen(join(dir, 'engine.sock'), () => res()));
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  for (const s of hijacked) s.destroy();
  const closed = new Promise<void>((res) => server.close(() => res()));
  server.closeAllConnections();
  await closed;
  rmSync(dir, { recursive: true, force: true });
});

async function start(o: Partial<FaultProxyOptions>): Promise<FaultProxy> {
  proxy = await startFaultProxy({ target: join(dir, 'engine.sock'), listen: join(dir, 'proxy.sock'), seed: 7, share: 0, ...o });
  return proxy;
}

interface Answer {
  status?: number;
  body: string;
  error?: string;
}

function call(method: string, path: string, opts: { agent?: Agent; body?: string; onFirstData?: (res: IncomingMessage) => void } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    let body = '';
    let status: number | undefined;
    const req = request({ socketPath: join(dir, 'proxy.sock'), method, path, agent: opts.agent ?? false }, (res) => {
      status = res.statusCode;
      let first = true;
      res.on('data', (c: Buffer) => {
        body += c.toString();
        if (first && opts.onFirstData) opts.onFirstData(res);
        first = false;
      });
      res.on('end', () => resolve({ status, body }));
      res.on('error', (e) => resolve({ status, body, error: e.message }));
      res.on('aborted', () => resolve({ status, body, error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ ...(status !== undefined ? { status } : {}), body, error: e.message }));
    req.end(opts.body);
  });
}

describe('fault proxy', () => {
  it('share 0: every call passes through, bodies both ways, keep-alive connections reused', async () => {
    await start({ share: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await call('POST', '/v1.41/containers/create?name=x', { agent, body: '{"Image":"busybox"}' });
    const b = await call('GET', '/v1.41/big', { agent });
    agent.destroy();
    expect([a.status, JSON.parse(a.body).echo, b.status, b.body]).toEqual([200, '{"Image":"busybox"}', 200, BIG]);
    expect(seen).toEqual(['POST /v1.41/containers/create?name=x', 'GET /v1.41/big']);
    expect(proxy!.calls.map((c) => [c.method, c.path, c.fault])).toEqual([
      ['POST', '/containers/create', undefined],
      ['GET', '/big', undefined],
    ]);
    expect(connections).toBe(1);
  });

  it('500: the proxy answers, naming the call; the engine never sees it', async () => {
    await start({ share: 1, kinds: ['500'] });
    const r = await call('DELETE', '/v1.41/containers/abc?force=1');
    expect([r.status, JSON.parse(r.body).message]).toEqual([500, 'fault proxy: injected 500 on DELETE /containers/abc']);
    expect(seen).toEqual([]);
  });

  it('reset: the connection is destroyed before the call is passed on', async () => {
    await start({ share: 1, kinds: ['reset'] });
    const r = await call('POST', '/v1.41/containers/abc/start');
    expect(r.error).toMatch(/socket hang up|ECONNRESET/);
    expect(seen).toEqual([]);
  });

  it('truncate: the engine did the call, the answer is cut in the middle of its body', async () => {
    await start({ share: 1, kinds: ['truncate'] });
    const r = await call('GET', '/v1.41/big');
    expect(seen).toEqual(['GET /v1.41/big']);
    expect(r.error).toBeDefined();
    expect(r.body.length).toBe(Math.floor(BIG.length / 2));
  });

  it('delay: the call is held, then answered in full', async () => {
    await start({ share: 1, kinds: ['delay'], delayMs: 20 });
    const r = await call('POST', '/v1.41/x', { body: 'hi' });
    expect([r.status, JSON.parse(r.body).echo, proxy!.faults().delay]).toEqual([200, 'hi', 1]);
  });

  it('a stream is never cut: with only truncate to choose, it passes through, and lines arrive as the engine sends them', async () => {
    await start({ share: 1, kinds: ['truncate'] });
    const r = await call('GET', '/v1.41/events?filters=%7B%7D', { onFirstData: () => streamNext!() });
    expect([r.status, r.body, r.error]).toEqual([200, '{"n":1}\n{"n":2}\n', undefined]);
    expect(proxy!.calls).toEqual([{ method: 'GET', path: '/events', stream: true }]);
  });

  it('a hijacked connection (Upgrade: tcp) passes raw bytes both ways; a 500 at its start is an answer of its own', async () => {
    await start({ share: 0 });
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(join(dir, 'proxy.sock'));
      let got = '';
      s.on('data', (b: Buffer) => {
        got += b.toString();
        if (got.includes('\r\n\r\n') && !got.includes('echo:')) s.write('ping');
        if (got.includes('echo:ping')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
      s.write('POST /v1.41/containers/abc/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    });
    expect(raw.startsWith('HTTP/1.1 101 UPGRADED')).toBe(true);
    expect(raw.endsWith('echo:ping')).toBe(true);
    expect(seen).toEqual(['UPGRADE /v1.41/containers/abc/attach?stream=1&stdin=1']);

    proxy!.setShare(1);
    const refused = await new Promise<string>((resolve) => {
      const s = connect(join(dir, 'proxy.sock'));
      let got = '';
      s.on('data', (b: Buffer) => (got += b.toString()));
      s.on('close', () => resolve(got));
      s.write('POST /v1.41/exec/e1/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\n{}');
    });
    // The seed's choice among the start-only kinds: whatever it was, the engine never saw the call.
    const fault = proxy!.calls.at(-1)!.fault;
    expect(['delay', 'reset', '500']).toContain(fault);
    if (fault === '500') expect(refused).toMatch(/^HTTP\/1.1 500 .*fault proxy: injected 500 on POST \/exec\/e1\/start/s);
    if (fault !== 'delay') expect(seen).toHaveLength(1);
  });

  it('the seed decides: the same seed gives the same faults for the same calls, and the share holds over many calls', async () => {
    const run = async (seed: number) => {
      await start({ seed, share: 0.3, kinds: ['500'] });
      for (let i = 0; i < 100; i++) await call('GET', `/v1.41/containers/json?i=${i}`);
      const faults = proxy!.calls.map((c) => c.fault ?? '-').join('');
      await proxy!.close();
      proxy = undefined;
      return faults;
    };
    const [a, b, c] = [await run(11), await run(11), await run(12)];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const n = [...a].filter((x) => x === '5').length;
    expect(n).toBeGreaterThan(15);
    expect(n).toBeLessThan(45);
  });

  it('helpers: call paths without version and query; which calls are streams', () => {
    expect(callPath('/v1.41/containers/x/json?all=1')).toBe('/containers/x/json');
    expect(['GET /events', 'POST /containers/a/wait', 'GET /containers/a/logs?follow=1', 'GET /containers/a/logs?stdout=1', 'POST /images/create?fromImage=x'].map((s) => isStreamCall(s.split(' ')[0]!, `/v1.41${s.split(' ')[1]}`))).toEqual([true, true, true, false, true]);
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, () => r());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

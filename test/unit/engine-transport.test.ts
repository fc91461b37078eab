/**
 * The one transport (http.ts) and the Engine built on it, against a local HTTP server that
 * plays the engine: what goes on the wire (paths, queries, bodies, headers), streams, hijacked
 * connections, and errors shaped for the error mapping.
 */
import { Agent, createServer, globalAgent, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import { EngineUnreachableError, isConflict, isNotFound } from '../../src/engine/errors.js';
import { encodeQuery, NoUpgradeError, transport } from '../../src/engine/http.js';
import { EngineError } from '../../src/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server answering with `handle`; every request is recorded once its body is read. */
async function fakeEngine(handle: (req: Seen, res: ServerResponse) => void, onUpgrade?: (req: IncomingMessage, sock: Socket) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      handle(s, res);
    });
  });
  if (onUpgrade) server.on('upgrade', (req: IncomingMessage, sock: Socket) => onUpgrade(req, sock));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `tcp://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
};

describe('encodeQuery', () => {
  it('repeats arrays, sends objects as JSON, leaves undefined out', () => {
    expect(encodeQuery({ t: ['a:1', 'b:2'], buildargs: { X: '1' }, rm: true, n: 3, gone: undefined })).toBe('?t=a%3A1&t=b%3A2&buildargs=%7B%22X%22%3A%221%22%7D&rm=true&n=3');
    expect(encodeQuery({ gone: undefined })).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });
});

describe('the Engine over the transport', () => {
  it('plain calls: method, path, query and JSON body as the engine reads them; 304 on stop is success', async () => {
    const { url, seen } = await fakeEngine((req, res) => {
      if (req.url.startsWith('/containers/create')) return json(res, 201, { Id: 'abc', Warnings: [] });
      if (req.url.startsWith('/containers/abc/stop')) return json(res, 304, {});
      if (req.url.startsWith('/networks/n1/connect')) return json(res, 200, {});
      json(res, 204, {});
    });
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    expect(await engine.createContainer('web-1', { Image: 'busybox' })).toEqual({ id: 'abc', warnings: [] });
    await engine.stopContainer('abc', 3);
    await engine.connectNetwork('n1', 'abc', { Aliases: ['web'] });
    await engine.removeVolume('v 1', { force: true });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.body.toString()}`)).toEqual([
      'POST /containers/create?name=web-1 {"Image":"busybox"}',
      'POST /containers/abc/stop?t=3 ',
      'POST /networks/n1/connect {"Container":"abc","EndpointConfig":{"Aliases":["web"]}}',
      'DELETE /volumes/v%201?force=true ',
    ]);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('errors carry the status for the predicates and the engine\'s message', async () => {
    const { url } = await fakeEngine((req, res) => {
      if (req.url.startsWith('/containers/gone')) return json(res, 404, { message: 'No such container: gone' });
      json(res, 409, { message: 'Conflict. The container name "/x" is already in use' });
    });
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    const missing = await engine.inspectContainer('gone').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(EngineError);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as Error).message).toBe('no such container: gone');
    expect(await engine.inspectImage('gone:latest').catch(() => 'threw')).toBe('threw');
    const taken = await engine.createContainer('x', { Image: 'busybox' }).catch((e: unknown) => e);
    expect(isConflict(taken)).toBe(true);
  });

  it('streams: pull progress with the credentials header; a tar body sent as it is read', async () => {
    const { url, seen } = await fakeEngine((req, res) => {
      if (req.url.startsWith('/images/create')) {
        res.write('{"status":"Pulling fs layer","id":"l1"}\n');
        res.end('{"status":"Download complete","id":"l1","progressDetail":{"current":3,"total":3}}\n');
        return;
      }
      json(res, 200, {});
    });
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    const progress: unknown[] = [];
    await engine.pullImage('registry.local:5000/app:1', (m) => progress.push(m), { auth: { username: 'u', password: 'p' } });
    expect(progress).toEqual([
      { status: 'Pulling fs layer', id: 'l1' },
      { status: 'Download complete', id: 'l1', progressDetail: { current: 3, total: 3 } },
    ]);
    expect(seen[0]!.url).toBe('/images/create?fromImage=registry.local%3A5000%2Fapp&tag=1');
    const auth = String(seen[0]!.headers['x-registry-auth']).replace(/-/g, '+').replace(/_/g, '/');
    expect(JSON.parse(Buffer.from(auth, 'base64').toString())).toEqual({ username: 'u', password: 'p' });
    await engine.putArchive('abc', '/dst', Readable.from([Buffer.from('tar-bytes')]));
    expect(seen[1]).toMatchObject({ method: 'PUT', url: '/containers/abc/archive?path=%2Fdst' });
    expect(seen[1]!.headers['content-type']).toBe('application/tar');
    expect(seen[1]!.body.toString()).toBe('tar-bytes');
  });

  it('attach: an upgraded connection, stdin to the process, output demultiplexed', async () => {
    let upgradeReq: IncomingMessage | undefined;
    const { url } = await fakeEngine(
      (_req, res) => json(res, 404, { message: 'unexpected' }),
      (req, sock) => {
        upgradeReq = req;
        sock.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
        // Echo stdin back on stdout, in the engine's 8-byte frames, until stdin ends.
        sock.on('data', (d: Buffer) => {
          const h = Buffer.alloc(8);
          h[0] = 1;
          h.writeUInt32BE(d.length, 4);
          sock.write(Buffer.concat([h, d]));
        });
        sock.on('end', () => sock.end());
      },
    );
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    const streams = await engine.attachContainer('abc', { stdin: true });
    expect(upgradeReq?.url).toBe('/containers/abc/attach?stream=true&stdin=true&stdout=true&stderr=true');
    expect(upgradeReq?.headers.upgrade).toBe('tcp');
    let out = '';
    streams.stdout.on('data', (d: Buffer) => (out += d.toString()));
    streams.stdin!.write('hello\n');
    streams.stdin!.end();
    await streams.ended;
    expect(out).toBe('hello\n');
  });

  it('an upgrade the engine answers without switching is refused in one line; an error status keeps its status', async () => {
    const { url } = await fakeEngine((req, res) => (req.url.includes('gone') ? json(res, 404, { message: 'No such container: gone' }) : json(res, 200, {})));
    const t = transport(resolveEndpoint({ host: url, env: {} }))!;
    await expect(t.upgrade('/containers/abc/attach')).rejects.toBeInstanceOf(NoUpgradeError);
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    await expect(engine.attachContainer('abc')).rejects.toThrow('attach abc: the engine did not switch to a raw stream');
    const gone = await engine.attachContainer('gone').catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
  });
});

describe('writes to an engine that stops answering (a remote host cut off, issue 15)', () => {
  it('fail as unreachable within TSFIG_HTTP_TIMEOUT, naming the endpoint; a stop gets its grace period on top; a wait has no limit', async () => {
    const held: ServerResponse[] = [];
    const { url } = await fakeEngine((req, res) => {
      // A stop and a wait answer after twice the limit; anything else never.
      if (req.url.includes('/stop') || req.url.includes('/wait')) return void setTimeout(() => json(res, req.url.includes('/wait') ? 200 : 204, { StatusCode: 0 }), 400);
      held.push(res);
    });
    const engine = connect({ ...resolveEndpoint({ host: url, env: {} }), timeoutMs: 200 });
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => engine.createContainer('web-1', { Image: 'busybox' })],
        ['start', () => engine.startContainer('abc')],
        ['remove', () => engine.removeContainer('abc', { force: true })],
        ['connect', () => engine.connectNetwork('n1', 'abc', {})],
        ['network create', () => engine.createNetwork({ Name: 'n2' })],
        ['volume create', () => engine.createVolume({ Name: 'v' })],
      ];
      for (const [what, call] of calls) {
        const err = await call().catch((e: unknown) => e);
        expect(err, what).toBeInstanceOf(EngineUnreachableError);
        expect((err as Error).message, what).toMatch(new RegExp(`^cannot reach the Docker engine at ${url}: .*no answer in 0\\.2 s \\(TSFIG_HTTP_TIMEOUT\\)`));
      }
      await engine.stopContainer('abc', 5);
      expect(await engine.waitContainer('abc')).toEqual({ statusCode: 0 });
    } finally {
      for (const res of held) res.destroy();
    }
  });
});

describe('the server name of a request', () => {
  /** Record the servername each request hands to `agent`. */
  function spy(agent: Agent): { seen: Array<string | null | undefined>; restore: () => void } {
    const seen: Array<string | null | undefined> = [];
    const a = agent as unknown as { addRequest: (req: ClientRequest, opts: { servername?: string | null }) => void };
    const orig = a.addRequest;
    a.addRequest = function (this: Agent, req, opts) {
      seen.push(opts.servername);
      orig.call(this, req, opts);
    };
    return { seen, restore: () => void (a.addRequest = orig) };
  }

  it('is empty without TLS, so Node derives none from the Host header (net.isIP: ~20 ms per process)', async () => {
    const { url } = await fakeEngine((_req, res) => json(res, 200, { ok: true }));
    const port = Number(new URL(url.replace('tcp:', 'http:')).port);
    const g = spy(globalAgent);
    try {
      // A plain read goes without node:http (rawget.ts); a write through it.
      await transport({ protocol: 'tcp', host: '127.0.0.1', port, url } as unknown as Parameters<typeof transport>[0])!.send('POST', '/containers/x/start');
    } finally {
      g.restore();
    }
    // An ssh endpoint's agent (ssh.ts) gets the same options.
    const agent = new Agent();
    const s = spy(agent);
    await transport({ protocol: 'ssh', host: '127.0.0.1', port, url } as unknown as Parameters<typeof transport>[0], undefined, agent)!.get('/_ping');
    agent.destroy();
    expect([...g.seen, ...s.seen]).toEqual(['', '']);
  });
});

describe('a connection dropped under a call (the fault proxy\'s resets and cut answers, issue 15)', () => {
  it('a read is asked once more: a reset or an answer cut short, then the answer', async () => {
    let n = 0;
    const { url, seen } = await fakeEngine((_req, res) => {
      n += 1;
      if (n === 1) return void res.socket?.destroy();
      if (n === 3) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('[{"Id":');
        return void setImmediate(() => res.socket?.destroy());
      }
      json(res, 200, [{ Id: 'abc', Names: ['/web-1'], Labels: {}, State: 'running', Status: 'Up', Image: 'busybox', Created: 0 }]);
    });
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    expect((await engine.listContainers({ all: true })).map((c) => c.id)).toEqual(['abc']);
    expect((await engine.listContainers({ all: true })).map((c) => c.id)).toEqual(['abc']);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
  });

  it('only once: a second drop is the error; a change (POST) is never sent twice', async () => {
    const { url, seen } = await fakeEngine((_req, res) => void res.socket?.destroy());
    const engine = connect(resolveEndpoint({ host: url, env: {} }));
    await expect(engine.listContainers({ all: true })).rejects.toBeInstanceOf(EngineUnreachableError);
    expect(seen).toHaveLength(2);
    await expect(engine.createContainer('web-1', { Image: 'busybox' })).rejects.toBeInstanceOf(EngineUnreachableError);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'POST']);
  });
});

/**
 * rawget.ts, the plain read over node:net, against node:http (the library doing the same job):
 * the same bytes from a server give the same status, headers and body, or the same kind of
 * failure (the code and message the error mapping and the retry of a dropped read look at).
 * Answers come from a raw socket server, so every coding and every split of the bytes into
 * packets is exercised: Content-Length, chunked (with extensions and trailers), to the close,
 * informational heads; cut answers, garbage, silence, cancellation.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainPath, rawGet, type RawAnswer } from '../../src/engine/rawget.js';
import { transport } from '../../src/engine/http.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const replay = SEED !== undefined ? { seed: SEED } : {};

let dir: string;
let socketPath: string;
let server: Server;
/** What the server does with the next connection: write these pieces, then close or not. */
let script: { pieces: Buffer[]; close: boolean } = { pieces: [], close: true };
/** The request heads the server saw. */
const heads: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsfig-rawget-'));
  socketPath = join(dir, 'engine.sock');
  server = createServer((sock: Socket) => {
    const { pieces, close } = script;
    let got = '';
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      heads.push(got);
      got = '';
      // One piece per turn of the event loop, so the client sees them as separate reads.
      const write = (i: number): void => {
        if (sock.destroyed) return;
        if (i === pieces.length) {
          if (close) sock.end();
          return;
        }
        sock.write(pieces[i]!, () => setImmediate(() => write(i + 1)));
      };
      write(0);
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = { ok: true; status: number; apiVersion: string | undefined; body: string } | { ok: false; code: unknown; message: string };

async function viaRaw(path = '/x', opts: Parameters<typeof rawGet>[3] = {}): Promise<Outcome> {
  try {
    const a: RawAnswer = await rawGet({ socketPath }, path, { Host: 'docker' }, opts);
    return { ok: true, status: a.status, apiVersion: a.headers['api-version'], body: a.body.toString('latin1') };
  } catch (err) {
    const e = err as { code?: unknown; message: string };
    return { ok: false, code: e.code, message: e.message };
  }
}

function viaHttp(path = '/x'): Promise<Outcome> {
  return new Promise((resolve) => {
    const fail = (err: Error & { code?: unknown }): void => resolve({ ok: false, code: err.code, message: err.message });
    const req = get({ socketPath, path, headers: { Host: 'docker' }, agent: false }, (res: IncomingMessage) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('error', fail);
      res.on('end', () => {
        const v = res.headers['api-version'];
        resolve({ ok: true, status: res.statusCode ?? 0, apiVersion: typeof v === 'string' ? v : undefined, body: Buffer.concat(parts).toString('latin1') });
      });
    });
    req.on('error', fail);
  });
}

/** Both clients on the same server script. */
async function both(pieces: Buffer[], close = true): Promise<{ raw: Outcome; http: Outcome }> {
  script = { pieces, close };
  const raw = await viaRaw();
  const http = await viaHttp();
  return { raw, http };
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the buffer). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y).filter((c) => c > 0 && c < bytes.length);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

/** An answer with `body` in a coding: by length, chunked (given chunk sizes), or to the close. */
function answer(status: number, body: Buffer, coding: 'length' | 'chunked' | 'close', sizes: number[] = [], opts: { ext?: boolean; trailer?: boolean; informational?: boolean } = {}): Buffer {
  const lines = [`HTTP/1.1 ${status} Whatever`, 'Api-Version: 1.41', 'Content-Type: application/json', 'Server: Docker/20.10.24 (linux)'];
  if (coding === 'length') lines.push(`Content-Length: ${body.length}`);
  if (coding === 'chunked') lines.push('Transfer-Encoding: chunked');
  if (coding === 'close') lines.push('Connection: close');
  const head = b(`${opts.informational ? 'HTTP/1.1 100 Continue\r\n\r\n' : ''}${lines.join('\r\n')}\r\n\r\n`);
  if (coding !== 'chunked') return Buffer.concat([head, body]);
  const parts: Buffer[] = [head];
  let at = 0;
  let i = 0;
  while (at < body.length) {
    const n = Math.max(1, Math.min(body.length - at, sizes.length ? sizes[i++ % sizes.length]! : body.length));
    parts.push(b(`${n.toString(16)}${opts.ext ? ';name=value' : ''}\r\n`), body.subarray(at, at + n), b('\r\n'));
    at += n;
  }
  parts.push(b(`0\r\n${opts.trailer ? 'X-Trailer: yes\r\n' : ''}\r\n`));
  return Buffer.concat(parts);
}

describe('rawGet against node:http on the same answers', () => {
  it('any body, coding and split into packets: the same status, Api-Version header and bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom('length', 'chunked', 'close') as fc.Arbitrary<'length' | 'chunked' | 'close'>,
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.record({ ext: fc.boolean(), trailer: fc.boolean(), informational: fc.boolean() }),
        fc.constantFrom(200, 201, 404, 409, 500),
        async (bytes, coding, sizes, cuts, opts, status) => {
          const body = Buffer.from(bytes);
          const { raw, http } = await both(split(answer(status, body, coding, sizes, opts), cuts));
          expect(raw).toEqual(http);
          expect(raw).toEqual({ ok: true, status, apiVersion: '1.41', body: body.toString('latin1') });
        },
      ),
      { numRuns: 150, ...replay },
    );
  });

  it('no body where HTTP has none (204, 304), whatever follows', async () => {
    for (const status of [204, 304]) {
      const { raw, http } = await both([b(`HTTP/1.1 ${status} No Content\r\nApi-Version: 1.41\r\n\r\n`)], false);
      expect(raw).toEqual({ ok: true, status, apiVersion: '1.41', body: '' });
      expect(raw).toEqual(http);
    }
  });

  it('a connection closed before any answer: socket hang up (ECONNRESET), as node:http', async () => {
    for (const pieces of [[], [b('HTTP/1.1 200 OK\r\nContent-Le')]]) {
      const { raw, http } = await both(pieces);
      expect(raw).toEqual({ ok: false, code: 'ECONNRESET', message: 'socket hang up' });
      expect(raw).toEqual(http);
    }
  });

  it('an answer cut in its body: aborted (ECONNRESET), as node:http; the error mapping calls it a connection closed mid-answer', async () => {
    const cut = [answer(200, b('{"a":1}'), 'length').subarray(0, -3), answer(200, b('x'.repeat(100)), 'chunked', [40]).subarray(0, -20)];
    for (const bytes of cut) {
      const { raw, http } = await both([bytes]);
      expect(raw).toEqual({ ok: false, code: 'ECONNRESET', message: 'aborted' });
      expect(raw).toEqual(http);
    }
  });

  it('an answer that is not HTTP fails, as it does through node:http', async () => {
    for (const garbage of ['SSH-2.0-OpenSSH_9.2\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
      const { raw, http } = await both([b(garbage)]);
      expect(raw.ok).toBe(false);
      expect(http.ok).toBe(false);
    }
  });

  it('no server at the socket: the socket\'s own error (ENOENT), as node:http', async () => {
    const gone = join(dir, 'none.sock');
    const raw = await rawGet({ socketPath: gone }, '/x', {}).catch((e: { code?: unknown }) => e.code);
    const http = await new Promise((r) => get({ socketPath: gone, path: '/x' }).on('error', (e: { code?: unknown }) => r(e.code)));
    expect(raw).toBe('ENOENT');
    expect(raw).toBe(http);
  });

  it('silence: ETIMEDOUT after timeoutMs; a cancelled call: an AbortError, before or during the call', async () => {
    script = { pieces: [b('HTTP/1.1 200 OK\r\n')], close: false };
    expect(await viaRaw('/x', { timeoutMs: 50 })).toEqual({ ok: false, code: 'ETIMEDOUT', message: 'no answer in 0.05 s (TSFIG_HTTP_TIMEOUT)' });
    const ac = new AbortController();
    const during = rawGet({ socketPath }, '/x', {}, { signal: ac.signal });
    setImmediate(() => ac.abort());
    await expect(during).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    await expect(rawGet({ socketPath }, '/x', {}, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('sends one request head: GET, the path, the headers given, Connection: close; refuses what would split it', async () => {
    script = { pieces: [answer(200, b('{}'), 'length')], close: true };
    heads.length = 0;
    await rawGet({ socketPath }, '/containers/json?all=1', { Host: 'docker', Accept: 'application/json' });
    // (Earlier tests' connections may still be read: only this path's heads.)
    expect(heads.filter((h) => h.includes('/containers/json'))).toEqual(['GET /containers/json?all=1 HTTP/1.1\r\nHost: docker\r\nAccept: application/json\r\nConnection: close\r\n\r\n']);
    for (const path of ['/a b', '/a\r\nX: y', 'x', '/\u00e9']) expect(plainPath(path)).toBe(false);
    await expect(rawGet({ socketPath }, '/a b', {})).rejects.toMatchObject({ code: 'ERR_UNESCAPED_CHARACTERS' });
    await expect(rawGet({ socketPath }, '/a', { 'X-Evil': 'a\r\nInjected: 1' })).rejects.toMatchObject({ code: 'ERR_UNESCAPED_CHARACTERS' });
  });
});

describe('the transport\'s plain reads', () => {
  const endpoint = (): Parameters<typeof transport>[0] => ({ protocol: 'unix', socketPath, url: `unix://${socketPath}` }) as unknown as Parameters<typeof transport>[0];

  it('go over rawGet: JSON parsed, the engine\'s API version kept from the header, an error status with its message', async () => {
    const t = transport(endpoint())!;
    expect(t.apiVersion()).toBeUndefined();
    script = { pieces: [answer(200, b('[{"Id":"abc"}]'), 'chunked', [5])], close: true };
    heads.length = 0;
    expect(await t.get('/containers/json', { all: '1' })).toEqual([{ Id: 'abc' }]);
    expect(heads[0]).toMatch(/^GET \/containers\/json\?all=1 HTTP\/1\.1\r\n/);
    expect(t.apiVersion()).toBe('1.41');
    script = { pieces: [answer(404, b('{"message":"No such container: x"}'), 'length')], close: true };
    await expect(t.get('/containers/x/json')).rejects.toMatchObject({ statusCode: 404, json: { message: 'No such container: x' } });
  });

  it('a read whose answer was cut is asked once more, as through node:http', async () => {
    const t = transport(endpoint())!;
    const full = answer(200, b('{"ok":true}'), 'length');
    let n = 0;
    const original = server.listeners('connection')[0] as (s: Socket) => void;
    server.removeAllListeners('connection');
    server.on('connection', (sock: Socket) => {
      n++;
      script = n === 1 ? { pieces: [full.subarray(0, full.length - 2)], close: true } : { pieces: [full], close: true };
      original(sock);
    });
    try {
      expect(await t.get('/x')).toEqual({ ok: true });
      expect(n).toBe(2);
    } finally {
      server.removeAllListeners('connection');
      server.on('connection', original);
    }
  });
});

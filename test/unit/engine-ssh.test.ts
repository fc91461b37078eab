/**
 * The ssh transport against an in-process ssh server (ssh2's Server on loopback) that answers
 * `docker system dial-stdio` channels with a canned HTTP response: channels share connections,
 * at most CHANNELS_PER_CONNECTION at a time on each.
 */
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS_PER_CONNECTION, SshDialAgent } from '../../src/engine/ssh.js';

interface Ssh2Utils {
  generateKeyPairSync(type: 'ed25519'): { private: string; public: string };
}
interface ExecChannel extends Duplex {
  exit(code: number): void;
}
interface ServerClient {
  on(event: 'authentication', fn: (ctx: { method: string; accept(): void; reject(methods?: string[]): void }) => void): this;
  on(event: 'ready', fn: () => void): this;
  on(event: 'session', fn: (accept: () => { on(event: 'exec', fn: (accept: () => ExecChannel, reject: () => void, info: { command: string }) => void): void }) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
}
type Ssh2Server = Server & { on(event: 'connection', fn: (client: ServerClient) => void): Ssh2Server };
const ssh2 = createRequire(import.meta.url)('ssh2') as {
  utils: Ssh2Utils;
  Server: new (config: { hostKeys: string[] }, onConnection?: (client: ServerClient) => void) => Ssh2Server;
};

let server: Ssh2Server;
let port = 0;
const stats = { connections: 0, commands: [] as string[], maxOpenPerConnection: 0 };

beforeAll(async () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    stats.connections++;
    let open = 0;
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('exec', (accept, _reject, info) => {
        stats.commands.push(info.command);
        const ch = accept();
        open++;
        stats.maxOpenPerConnection = Math.max(stats.maxOpenPerConnection, open);
        ch.once('data', () => {
          // Answer a little later, so that requests overlap.
          setTimeout(() => {
            ch.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"ok":true}');
            ch.exit(0);
            ch.end();
            open--;
          }, 50);
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.close();
});

function request(agent: SshDialAgent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ agent, host: 'docker', path: '/_ping' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('SshDialAgent', () => {
  it(`runs docker system dial-stdio per request, ${CHANNELS_PER_CONNECTION} channels at most on one ssh connection`, async () => {
    const privateKey = Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private);
    const agent = new SshDialAgent({ host: '127.0.0.1', port, username: 'tsfig', privateKey });
    try {
      const n = 2 * CHANNELS_PER_CONNECTION + 1;
      const answers = await Promise.all(Array.from({ length: n }, () => request(agent)));
      expect(answers.every((a) => a.status === 200 && a.body === '{"ok":true}')).toBe(true);
      expect(stats.commands).toEqual(Array.from({ length: n }, () => 'docker system dial-stdio'));
      // docker-modem's transport: one connection per request (17 here).
      expect(stats.connections).toBe(3);
      expect(stats.maxOpenPerConnection).toBe(CHANNELS_PER_CONNECTION);
      // Later requests reuse an idle connection.
      await request(agent);
      expect(stats.connections).toBe(3);
    } finally {
      agent.destroy();
    }
  });

  it('a refused connection fails the request with the system error', async () => {
    // A port nobody listens on: one that was free a moment ago.
    const closed = await new Promise<number>((resolve) => {
      const tmp = createServer();
      tmp.listen(0, '127.0.0.1', () => {
        const p = (tmp.address() as AddressInfo).port;
        tmp.close(() => resolve(p));
      });
    });
    const agent = new SshDialAgent({ host: '127.0.0.1', port: closed, username: 'tsfig', privateKey: Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private) });
    try {
      await expect(request(agent)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});

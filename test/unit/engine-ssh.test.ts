/**
 * The ssh transport against an in-process ssh server (ssh2's Server on loopback) that answers
 * `docker system dial-stdio` channels with a canned HTTP response: channels share connections,
 * at most CHANNELS_PER_CONNECTION at a time on each; the server's host key is checked against
 * a known_hosts file.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type Agent } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import { EngineUnreachableError } from '../../src/engine/errors.js';
import {
  CHANNELS_PER_CONNECTION,
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  knownHostName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  readKnownHosts,
  sshDialAgent,
  SshHostKeyError,
  type SshTarget,
} from '../../src/engine/ssh.js';

interface Ssh2Utils {
  generateKeyPairSync(type: 'ed25519'): { private: string; public: string };
  generateKeyPairSync(type: 'rsa', opts: { bits: number }): { private: string; public: string };
  parseKey(key: string): unknown;
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

/**
 * An ed25519 key pair ssh2 itself can read: its generator strips leading zero bytes of the
 * public key, so about 1 pair in 256 is refused by its own parser (mscdex/ssh2#1390, #1513).
 */
function edKeyPair(): { private: string; public: string } {
  for (;;) {
    const k = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(k.private) instanceof Error) && !(ssh2.utils.parseKey(k.public) instanceof Error)) return k;
  }
}

let server: Ssh2Server;
let port = 0;
const stats = { connections: 0, commands: [] as string[], maxOpenPerConnection: 0, authentications: 0 };
/** The server's host keys, public halves as `type base64` (what known_hosts holds after the host field). */
const hostKeys = {
  ed25519: edKeyPair(),
  rsa: ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }),
};
const pub = (k: { public: string }): string => k.public.split(' ').slice(0, 2).join(' ');
const blob = (k: { public: string }): Buffer => Buffer.from(k.public.split(' ')[1] ?? '', 'base64');
const dir = mkdtempSync(join(tmpdir(), 'tsfig-ssh-'));
/** A known_hosts file with these lines; its path. */
let files = 0;
function knownHosts(...lines: string[]): string {
  const path = join(dir, `known_hosts.${++files}`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}
/** The test server's name in known_hosts: `[127.0.0.1]:PORT`. */
const name = (): string => `[127.0.0.1]:${port}`;

beforeAll(async () => {
  // Both: a client that asks for ed25519 first gets it unless it asks for rsa first.
  server = new ssh2.Server({ hostKeys: [hostKeys.ed25519.private, hostKeys.rsa.private] }, (client) => {
    stats.connections++;
    let open = 0;
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      stats.authentications++;
      return ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey']);
    });
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
  rmSync(dir, { recursive: true, force: true });
});

function request(agent: Agent): Promise<{ status: number; body: string }> {
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
    const privateKey = Buffer.from(edKeyPair().private);
    const agent = sshDialAgent({ host: '127.0.0.1', port, username: 'tsfig', privateKey, knownHosts: knownHosts(`${name()} ${pub(hostKeys.ed25519)}`) });
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
    const agent = sshDialAgent({
      host: '127.0.0.1',
      port: closed,
      username: 'tsfig',
      privateKey: Buffer.from(edKeyPair().private),
      knownHosts: knownHosts(`[127.0.0.1]:${closed} ${pub(hostKeys.ed25519)}`),
    });
    try {
      await expect(request(agent)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});

describe('SshDialAgent: the host key', () => {
  const clientKey = Buffer.from(edKeyPair().private);
  const other = edKeyPair();

  /** One request through an agent that checks against these known_hosts lines (or this file). */
  async function attempt(file: string, extra: Partial<SshTarget> = {}): Promise<{ status: number; body: string }> {
    const agent = sshDialAgent({ host: '127.0.0.1', port, username: 'tsfig', privateKey: clientKey, knownHosts: file, ...extra });
    try {
      return await request(agent);
    } finally {
      agent.destroy();
    }
  }

  /** The request fails with this host key error, and the server never saw an authentication attempt. */
  async function refused(file: string, message: string | RegExp, extra: Partial<SshTarget> = {}): Promise<void> {
    const before = stats.authentications;
    const err = await attempt(file, extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshHostKeyError);
    expect(err).toMatchObject({ code: 'ERR_SSH_HOST_KEY' });
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
    expect(stats.authentications).toBe(before);
  }

  it('the key recorded for [host]:port: connects', async () => {
    expect(await attempt(knownHosts('# rig', '', `${name()} ${pub(hostKeys.ed25519)} comment`))).toEqual({ status: 200, body: '{"ok":true}' });
  });

  it('a hashed entry (|1|salt|hmac-sha1) for [host]:port: connects', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(name()).digest();
    const line = `|1|${salt.toString('base64')}|${hash.toString('base64')} ${pub(hostKeys.ed25519)}`;
    expect((await attempt(knownHosts(line))).status).toBe(200);
  });

  it('a host that is not in the file: refused, with the command that adds it and the fingerprint', async () => {
    const fp = `SHA256:${createHash('sha256').update(blob(hostKeys.ed25519)).digest('base64').replace(/=+$/, '')}`;
    const file = knownHosts(`[127.0.0.2]:${port} ${pub(hostKeys.ed25519)}`, `10.0.0.1 ${pub(other)}`);
    await refused(
      file,
      `ssh: the host key of [127.0.0.1]:${port} is not known: add it to ${file} (ssh-keyscan -p ${port} -t ed25519 127.0.0.1 >> ${file}, after checking its fingerprint ${fp})`,
    );
    // How the file is named in messages (~/.ssh/known_hosts) is the caller's.
    await refused(file, /add it to ~\/\.ssh\/known_hosts \(ssh-keyscan .* >> ~\/\.ssh\/known_hosts,/, { knownHostsLabel: '~/.ssh/known_hosts' });
  });

  it('no known_hosts file at all: refused the same way', async () => {
    await refused(join(dir, 'missing', 'known_hosts'), /^ssh: the host key of \[127\.0\.0\.1\]:\d+ is not known: add it to /);
  });

  it('the plain host name does not stand for a port other than 22', async () => {
    await refused(knownHosts(`127.0.0.1 ${pub(hostKeys.ed25519)}`), /is not known/);
  });

  it('a different key recorded for the host: refused as CHANGED, naming the line to remove', async () => {
    const file = knownHosts('# old', `${name()} ${pub(other)}`);
    await refused(file, `ssh: the host key of [127.0.0.1]:${port} has CHANGED (${fingerprint(blob(hostKeys.ed25519))}); if that is expected, remove the old entry from ${file} (line 2)`);
  });

  it('a key marked @revoked: refused, even with a line that accepts it', async () => {
    const file = knownHosts(`${name()} ${pub(hostKeys.ed25519)}`, `@revoked * ${pub(hostKeys.ed25519)}`);
    await refused(file, `ssh: the host key of [127.0.0.1]:${port} (${fingerprint(blob(hostKeys.ed25519))}) is marked @revoked in ${file} (line 2): refusing to connect`);
  });

  it('an @cert-authority line is not a host key', async () => {
    await refused(knownHosts(`@cert-authority ${name()} ${pub(hostKeys.ed25519)}`), /is not known/);
  });

  it('asks for the key type the file records: a server with ed25519 and rsa keys, an rsa entry', async () => {
    expect((await attempt(knownHosts(`${name()} ${pub(hostKeys.rsa)}`))).status).toBe(200);
  });

  it('a known_hosts that cannot be read: refused, naming it', async () => {
    const d = join(dir, 'a-directory');
    mkdirSync(d, { recursive: true });
    await refused(d, `ssh: cannot read the known_hosts file ${d}: a directory, not a file (EISDIR)`);
  });
});

describe('connect(): an ssh endpoint checks the host key', () => {
  const home = join(dir, 'home');
  const project = join(dir, 'project');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'id'), edKeyPair().private);
  const engine = (known_hosts?: string) =>
    connect(
      resolveEndpoint({
        host: `ssh://tsfig@127.0.0.1:${port}`,
        fromHosts: true,
        ssh: { identity: 'id', ...(known_hosts !== undefined ? { known_hosts } : {}) },
        baseDir: project,
        homeDir: home,
        env: {},
      }),
    );

  it('default ~/.ssh/known_hosts of the home tsfig is given: unknown host, one line naming the endpoint and the file', async () => {
    const err: unknown = await engine().ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineUnreachableError);
    const fp = fingerprint(blob(hostKeys.ed25519));
    expect((err as Error).message).toBe(
      `cannot reach the Docker engine at ssh://tsfig@127.0.0.1:${port}: ssh: the host key of [127.0.0.1]:${port} is not known: add it to ~/.ssh/known_hosts (ssh-keyscan -p ${port} -t ed25519 127.0.0.1 >> ~/.ssh/known_hosts, after checking its fingerprint ${fp})`,
    );
    writeFileSync(join(home, '.ssh', 'known_hosts'), `${name()} ${pub(hostKeys.ed25519)}\n`);
    await expect(engine().ping()).resolves.toBeUndefined();
  });

  it('ssh.known_hosts of the hosts: entry, relative to the project', async () => {
    writeFileSync(join(project, 'kh'), `${name()} ${pub(edKeyPair())}\n`);
    await expect(engine('kh').ping()).rejects.toThrow(`remove the old entry from ${join(project, 'kh')} (line 1)`);
    writeFileSync(join(project, 'kh'), `${name()} ${pub(hostKeys.rsa)}\n`);
    await expect(engine('kh').ping()).resolves.toBeUndefined();
  });
});

// A key and a known_hosts file made by OpenSSH: `ssh-keygen -t ed25519`, then lines for
// `example.com` and `[10.1.2.3]:2222` hashed by `ssh-keygen -H`; `ssh-keygen -l` said the fingerprint.
const OPENSSH_KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAICC/ykoJ/PLDoDAqoxMndc0qx9o0jHoDZ3u3Z+ZTK9IF';
const OPENSSH_FP = 'SHA256:BI6iOw48xw1bLqE7nS/HwxHg6FonPQWpu1HKAkpuXsg';
const HASHED_EXAMPLE = '|1|+VkAoQTKGeo/lhGiNMGM8EPLV0k=|NaG0odLP6gZk8mRm1+Q9IJmj1Kc=';
const HASHED_PORT = '|1|/6oshvQuhAxHbKbrkLgYe6PxjGM=|/dKuzSduSZAx0Edv1Y0otgGEdi8=';

describe('known_hosts', () => {
  const key = Buffer.from(OPENSSH_KEY, 'base64');
  const rsa = blob(hostKeys.rsa);
  const otherEd = blob(edKeyPair());

  it('fingerprints as ssh-keygen -l does', () => {
    expect(fingerprint(key)).toBe(OPENSSH_FP);
  });

  it('parses key lines and skips comments, blank lines, unknown markers and broken keys', () => {
    const text = [
      '# a comment',
      '',
      `example.com,10.0.0.1 ssh-ed25519 ${OPENSSH_KEY} me@example`,
      `  @revoked * ssh-ed25519 ${OPENSSH_KEY}`,
      `@cert-authority *.example.com ssh-ed25519 ${OPENSSH_KEY}`,
      `@unknown host ssh-ed25519 ${OPENSSH_KEY}`,
      `${HASHED_EXAMPLE}\tssh-ed25519\t${OPENSSH_KEY}`,
      'host ssh-ed25519 not-base64!',
      `host ssh-rsa ${OPENSSH_KEY}`,
      'host 2048 35 12345678901234567890',
      'host ssh-ed25519',
      '\r',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.type])).toEqual([
      [3, undefined, 'example.com,10.0.0.1', 'ssh-ed25519'],
      [4, 'revoked', '*', 'ssh-ed25519'],
      [5, 'cert-authority', '*.example.com', 'ssh-ed25519'],
      [7, undefined, HASHED_EXAMPLE, 'ssh-ed25519'],
    ]);
    expect(entries[0]!.key.equals(key)).toBe(true);
  });

  it('names hosts as ssh looks them up: host on 22, [host]:port otherwise, lower case', () => {
    expect(knownHostName('Example.COM', 22)).toBe('example.com');
    expect(knownHostName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
    expect(knownHostName('::1', 22)).toBe('::1');
  });

  it.each([
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.com', true],
    ['other.com,example.com', 'example.com', true],
    ['example.com', '[example.com]:2222', false],
    ['[example.com]:2222', '[example.com]:2222', true],
    ['[example.com]:2222', 'example.com', false],
    ['*.example.com', 'web.example.com', true],
    ['*.example.com', 'example.com', false],
    ['10.0.0.?', '10.0.0.7', true],
    ['10.0.0.?', '10.0.0.17', false],
    ['10.0.0.*,!10.0.0.9', '10.0.0.8', true],
    ['10.0.0.*,!10.0.0.9', '10.0.0.9', false],
    ['!10.0.0.9', '10.0.0.8', false],
    ['[*.example.com]:*', '[db.example.com]:2222', true],
    ['example.c.m', 'exampleXcom', false],
    [HASHED_EXAMPLE, 'example.com', true],
    [HASHED_EXAMPLE, 'example.org', false],
    [HASHED_PORT, '[10.1.2.3]:2222', true],
    [HASHED_PORT, '10.1.2.3', false],
    ['|2|abc|def', 'example.com', false],
  ])('%s names %s: %s', (field, host, expected) => {
    expect(hostFieldMatches(field, host)).toBe(expected);
  });

  const file = (...lines: string[]) => ({ label: '~/.ssh/known_hosts', entries: parseKnownHosts(lines.join('\n')) });

  it('port 22: the plain name; the fix says how to add the key', () => {
    expect(checkHostKey(file(`10.0.0.2 ssh-ed25519 ${OPENSSH_KEY}`), '10.0.0.2', 22, key)).toBeUndefined();
    expect(checkHostKey(file(`${HASHED_EXAMPLE} ssh-ed25519 ${OPENSSH_KEY}`), 'Example.com', 22, key)).toBeUndefined();
    expect(checkHostKey(file(`10.0.0.3 ssh-ed25519 ${OPENSSH_KEY}`), '10.0.0.2', 22, key)).toBe(
      `ssh: the host key of 10.0.0.2 is not known: add it to ~/.ssh/known_hosts (ssh-keyscan -t ed25519 10.0.0.2 >> ~/.ssh/known_hosts, after checking its fingerprint ${OPENSSH_FP})`,
    );
  });

  it('an rsa key is compared as such; a key of another type than the one known is not known, and says so', () => {
    const rsaLine = `10.0.0.2 ${pub(hostKeys.rsa)}`;
    expect(checkHostKey(file(rsaLine), '10.0.0.2', 22, rsa)).toBeUndefined();
    expect(checkHostKey(file(rsaLine), '10.0.0.2', 22, key)).toBe(
      `ssh: the host key of 10.0.0.2 is not known (~/.ssh/known_hosts has only ssh-rsa keys for it; the server offered ssh-ed25519): add it to ~/.ssh/known_hosts (ssh-keyscan -t ed25519 10.0.0.2 >> ~/.ssh/known_hosts, after checking its fingerprint ${OPENSSH_FP})`,
    );
  });

  it('another key of the same type: CHANGED; any of several keys recorded for the host will do', () => {
    const lines = [`10.0.0.2 ssh-ed25519 ${otherEd.toString('base64')}`, `10.0.0.2 ${pub(hostKeys.rsa)}`];
    expect(checkHostKey(file(...lines), '10.0.0.2', 22, key)).toMatch(/^ssh: the host key of 10\.0\.0\.2 has CHANGED \(SHA256:.*\); if that is expected, remove the old entry from ~\/\.ssh\/known_hosts \(line 1\)$/);
    expect(checkHostKey(file(...lines, `10.0.0.2 ssh-ed25519 ${OPENSSH_KEY}`), '10.0.0.2', 22, key)).toBeUndefined();
  });

  it('@revoked applies to the hosts it names', () => {
    const lines = [`10.0.0.2 ssh-ed25519 ${OPENSSH_KEY}`, `@revoked 10.0.0.9 ssh-ed25519 ${OPENSSH_KEY}`];
    expect(checkHostKey(file(...lines), '10.0.0.2', 22, key)).toBeUndefined();
    expect(checkHostKey(file(...lines), '10.0.0.9', 22, key)).toMatch(/^ssh: the host key of 10\.0\.0\.9 \(SHA256:.*\) is marked @revoked in ~\/\.ssh\/known_hosts \(line 2\): refusing to connect$/);
  });

  it('asks first for the algorithms of the key types recorded for the host', () => {
    const f = file(`10.0.0.2 ${pub(hostKeys.rsa)}`, `10.0.0.3 ssh-ed25519 ${OPENSSH_KEY}`, `@revoked * ssh-ed25519 ${OPENSSH_KEY}`);
    expect(preferredHostKeyAlgorithms(f, '10.0.0.2', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(f, '10.0.0.3', 22)).toEqual(['ssh-ed25519']);
    expect(preferredHostKeyAlgorithms(f, '10.0.0.4', 22)).toEqual([]);
  });

  it('readKnownHosts: a missing file has no entries', () => {
    expect(readKnownHosts(join(dir, 'nothing-here'), '~/x')).toEqual({ label: '~/x', entries: [] });
  });
});

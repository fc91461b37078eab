import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  endpointLabel,
  isLoopbackHost,
  readSshAuth,
  readTlsMaterial,
  resolveEndpoint,
  sshKeyProblem,
  type Endpoint,
  type ResolveOptions,
} from '../../src/engine/connect.js';
import { splitRepoTag } from '../../src/engine/docker.js';
import { jsonClient } from '../../src/engine/http.js';
import { EngineUnreachableError, mapEngineError } from '../../src/engine/errors.js';
import { SshHostKeyError } from '../../src/engine/ssh.js';
import { EngineError, TsfigError } from '../../src/errors.js';

const HOME = '/home/alice';

function resolve(opts: Partial<ResolveOptions> & { env?: NodeJS.ProcessEnv }): Endpoint {
  return resolveEndpoint({ homeDir: HOME, ...opts, env: opts.env ?? {} });
}

describe('resolveEndpoint: precedence', () => {
  const cases: Array<{ name: string; host?: string; env: NodeJS.ProcessEnv; url: string; source: Endpoint['source'] }> = [
    { name: 'nothing: the default socket', env: {}, url: 'unix:///var/run/docker.sock', source: 'default' },
    { name: 'empty DOCKER_HOST counts as unset', env: { DOCKER_HOST: '' }, url: 'unix:///var/run/docker.sock', source: 'default' },
    { name: 'DOCKER_HOST', env: { DOCKER_HOST: 'unix:///run/alt.sock' }, url: 'unix:///run/alt.sock', source: 'env' },
    {
      name: 'the flag beats DOCKER_HOST',
      host: 'unix:///run/flag.sock',
      env: { DOCKER_HOST: 'tcp://10.0.0.9:2375' },
      url: 'unix:///run/flag.sock',
      source: 'flag',
    },
    { name: 'an empty flag falls through', host: '  ', env: { DOCKER_HOST: 'unix:///x.sock' }, url: 'unix:///x.sock', source: 'env' },
    { name: 'the flag beats the default', host: 'tcp://127.0.0.1:2375', env: {}, url: 'tcp://127.0.0.1:2375', source: 'flag' },
  ];
  it.each(cases)('$name', ({ host, env, url, source }) => {
    const e = resolve({ ...(host !== undefined ? { host } : {}), env });
    expect(e.url).toBe(url);
    expect(e.source).toBe(source);
  });
});

describe('resolveEndpoint: address forms', () => {
  it.each([
    ['unix:///var/run/docker.sock', { protocol: 'unix', socketPath: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock' }],
    ['unix://', { protocol: 'unix', socketPath: '/var/run/docker.sock' }],
    ['/run/docker.sock', { protocol: 'unix', socketPath: '/run/docker.sock', url: 'unix:///run/docker.sock' }],
    ['tcp://10.1.2.3', { protocol: 'tcp', host: '10.1.2.3', port: 2375, url: 'tcp://10.1.2.3:2375' }],
    ['tcp://10.1.2.3:4243', { protocol: 'tcp', host: '10.1.2.3', port: 4243, url: 'tcp://10.1.2.3:4243' }],
    ['10.1.2.3:2375', { protocol: 'tcp', host: '10.1.2.3', port: 2375, url: 'tcp://10.1.2.3:2375' }],
    ['tcp://:2375', { protocol: 'tcp', host: 'localhost', port: 2375, url: 'tcp://localhost:2375' }],
    ['tcp://[::1]:2375', { protocol: 'tcp', host: '::1', port: 2375, url: 'tcp://[::1]:2375' }],
    ['http://127.0.0.1:2375', { protocol: 'tcp', host: '127.0.0.1', port: 2375 }],
    ['ssh://bob@build.example:2222', { protocol: 'ssh', host: 'build.example', port: 2222, username: 'bob', url: 'ssh://bob@build.example:2222' }],
    ['ssh://build.example', { protocol: 'ssh', host: 'build.example', port: 22, url: 'ssh://build.example' }],
    ['npipe:////./pipe/docker_engine', { protocol: 'npipe', socketPath: '//./pipe/docker_engine' }],
  ] as const)('%s', (host, expected) => {
    expect(resolve({ host })).toMatchObject(expected);
  });

  it.each([
    ['fd://', /unsupported Docker host "fd:\/\/" \(--host\): scheme fd:\/\/ is not supported; use unix:\/\/, tcp:\/\/, ssh:\/\/ or npipe:\/\//],
    ['ftp://x', /scheme ftp:\/\/ is not supported/],
    ['tcp://host:99999', /bad port 99999/],
    ['tcp://host:abc', /bad port abc/],
    ['ssh://bob:secret@host', /passwords in ssh:\/\/ addresses are not supported/],
    ['tcp://[::1', /unclosed \[/],
  ])('rejects %s', (host, message) => {
    expect(() => resolve({ host })).toThrow(TsfigError);
    expect(() => resolve({ host })).toThrow(message);
  });

  it('names DOCKER_HOST in the message when the bad value came from there', () => {
    expect(() => resolve({ env: { DOCKER_HOST: 'fd://3' } })).toThrow(/\(DOCKER_HOST\)/);
  });
});

describe('resolveEndpoint: TLS and the insecure flag', () => {
  it('DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: TLS files from the cert path, port 2376 by default', () => {
    const e = resolve({ env: { DOCKER_HOST: 'tcp://10.0.0.2', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } });
    expect(e).toMatchObject({
      url: 'tcp://10.0.0.2:2376',
      port: 2376,
      verify: true,
      insecure: false,
      tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
    });
  });

  it('DOCKER_CERT_PATH defaults to ~/.docker, or DOCKER_CONFIG', () => {
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' } }).tls).toEqual({
      ca: `${HOME}/.docker/ca.pem`,
      cert: `${HOME}/.docker/cert.pem`,
      key: `${HOME}/.docker/key.pem`,
    });
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/etc/dc' } }).tls?.ca).toBe('/etc/dc/ca.pem');
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '~/c' } }).tls?.key).toBe(`${HOME}/c/key.pem`);
  });

  it('like the docker CLI, any non-empty DOCKER_TLS_VERIFY turns TLS on; empty or absent does not', () => {
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '0' } }).tls).toBeDefined();
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '' } }).tls).toBeUndefined();
    expect(resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_CERT_PATH: '/certs' } }).tls).toBeUndefined();
  });

  it('the environment TLS settings apply to the --host flag too (as in the docker CLI)', () => {
    const e = resolve({ host: 'tcp://10.0.0.3', env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } });
    expect(e.tls?.ca).toBe('/certs/ca.pem');
    expect(e.url).toBe('tcp://10.0.0.3:2376');
  });

  it('a hosts: entry carries its own TLS files (relative to baseDir) and ignores the environment', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/env-certs' };
    const withTls = resolve({
      host: 'tcp://node2:2376',
      fromHosts: true,
      tls: { ca: 'certs/ca.pem', cert: '/abs/cert.pem', key: '~/key.pem' },
      baseDir: '/project',
      env,
    });
    expect(withTls).toMatchObject({
      source: 'hosts',
      verify: true,
      insecure: false,
      tls: { ca: '/project/certs/ca.pem', cert: '/abs/cert.pem', key: `${HOME}/key.pem` },
    });
    const plain = resolve({ host: 'tcp://127.0.0.1:2375', fromHosts: true, env });
    expect(plain.tls).toBeUndefined();
    expect(plain.insecure).toBe(false);
  });

  it.each([
    ['tcp://10.1.2.3:2375', true],
    ['tcp://docker.example:2375', true],
    ['tcp://127.0.0.1:2375', false],
    ['tcp://127.8.9.10:2375', false],
    ['tcp://localhost:2375', false],
    ['tcp://[::1]:2375', false],
    ['https://10.1.2.3:2376', false],
    ['unix:///var/run/docker.sock', false],
    ['ssh://bob@10.1.2.3', false],
  ])('%s: insecure=%s', (host, insecure) => {
    expect(resolve({ host }).insecure).toBe(insecure);
  });

  it('plain tcp with a remote host is insecure even when DOCKER_TLS_VERIFY is unset', () => {
    expect(resolve({ env: { DOCKER_HOST: 'tcp://192.168.1.5:2375' } }).insecure).toBe(true);
  });
});

describe('isLoopbackHost / endpointLabel', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['app.localhost', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['localhost.example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('drops credentials and queries', () => {
    expect(endpointLabel('ssh://bob:secret@host:22/x?y=1')).toBe('ssh://bob@host:22/x');
    expect(endpointLabel('tcp://10.0.0.1:2376')).toBe('tcp://10.0.0.1:2376');
    expect(endpointLabel('unix:///var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
  });
});

describe('ssh endpoints: which key', () => {
  it('a hosts: entry names its key: relative to the project folder, ~ is the home', () => {
    const rel = resolve({ host: 'ssh://root@10.0.0.3', fromHosts: true, ssh: { identity: 'keys/id' }, baseDir: '/project', env: {} });
    expect(rel).toMatchObject({ protocol: 'ssh', identity: '/project/keys/id', username: 'root' });
    expect(rel.defaultIdentities).toBeUndefined();
    const home = resolve({ host: 'ssh://10.0.0.3', fromHosts: true, ssh: { identity: '~/.ssh/deploy' }, env: {} });
    expect(home.identity).toBe(`${HOME}/.ssh/deploy`);
  });

  it('the known_hosts file: ~/.ssh/known_hosts of the home tsfig is given, or the hosts: entry\'s (relative to the project folder)', () => {
    expect(resolve({ host: 'ssh://10.0.0.3', env: {} })).toMatchObject({ knownHosts: `${HOME}/.ssh/known_hosts`, knownHostsLabel: '~/.ssh/known_hosts' });
    expect(resolveEndpoint({ host: 'ssh://10.0.0.3', env: { HOME: '/home/bob/' } })).toMatchObject({ knownHosts: '/home/bob/.ssh/known_hosts', knownHostsLabel: '~/.ssh/known_hosts' });
    const rel = resolve({ host: 'ssh://10.0.0.3', fromHosts: true, ssh: { known_hosts: 'keys/known_hosts' }, baseDir: '/project', env: {} });
    expect(rel).toMatchObject({ knownHosts: '/project/keys/known_hosts', knownHostsLabel: '/project/keys/known_hosts' });
    const home = resolve({ host: 'ssh://10.0.0.3', fromHosts: true, ssh: { known_hosts: '~/.ssh/rig' }, baseDir: '/project', env: {} });
    expect(home).toMatchObject({ knownHosts: `${HOME}/.ssh/rig`, knownHostsLabel: '~/.ssh/rig' });
    expect(resolve({ host: 'tcp://10.0.0.3:2375', env: {} }).knownHosts).toBeUndefined();
  });

  it('without one: the agent of SSH_AUTH_SOCK and the default key files, as ssh tries them', () => {
    const e = resolve({ host: 'ssh://10.0.0.3', env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } });
    expect(e.agent).toBe('/tmp/agent.sock');
    expect(e.identity).toBeUndefined();
    expect(e.defaultIdentities).toEqual([`${HOME}/.ssh/id_ed25519`, `${HOME}/.ssh/id_ecdsa`, `${HOME}/.ssh/id_rsa`]);
    expect(resolve({ host: 'ssh://10.0.0.3', env: { SSH_AUTH_SOCK: '' } }).agent).toBeUndefined();
  });
});

/** Throwaway keys made for these tests (ssh-keygen -t ed25519; the encrypted one's passphrase is `passphrase`). */
const keyDir = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'ssh-keys');
const OPENSSH_KEY = readFileSync(join(keyDir, 'id_ed25519'));
const OPENSSH_ENCRYPTED = readFileSync(join(keyDir, 'id_ed25519_encrypted'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ed = generateKeyPairSync('ed25519');
const pem = (k: KeyObject, type: 'pkcs1' | 'sec1' | 'pkcs8', encrypted = false): Buffer =>
  Buffer.from(k.export({ type, format: 'pem', ...(encrypted ? { cipher: 'aes-128-cbc', passphrase: 'passphrase' } : {}) }) as string);

describe('sshKeyProblem (ssh2\'s own parser)', () => {
  it.each([
    ['an OpenSSH key without passphrase', OPENSSH_KEY, undefined],
    ['a PEM RSA key', pem(rsa.privateKey, 'pkcs1'), undefined],
    ['a PEM EC key', pem(ec.privateKey, 'sec1'), undefined],
    ['an encrypted OpenSSH key', OPENSSH_ENCRYPTED, 'it is encrypted (has a passphrase)'],
    ['an encrypted PEM RSA key (Proc-Type: 4,ENCRYPTED)', pem(rsa.privateKey, 'pkcs1', true), 'it is encrypted (has a passphrase)'],
    ['an encrypted PEM EC key', pem(ec.privateKey, 'sec1', true), 'it is encrypted (has a passphrase)'],
    ['an encrypted PKCS#8 key', pem(ed.privateKey, 'pkcs8', true), 'it is encrypted (has a passphrase)'],
    ['an unencrypted PKCS#8 key (a format ssh2 does not read)', pem(ed.privateKey, 'pkcs8'), 'unsupported key format (ssh2 reads OpenSSH keys, PEM RSA, EC and DSA keys, and PuTTY keys; not PKCS#8)'],
    ['a public key', Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n'), 'not a private key (OpenSSH or PEM)'],
    ['a broken OpenSSH key', Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n'), 'not a valid OpenSSH private key'],
    ['a broken PEM key', Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n'), 'not a valid PEM private key'],
    ['garbage', Buffer.from('hello, world\n'), 'not a private key (OpenSSH or PEM)'],
    ['an empty file', Buffer.alloc(0), 'not a private key (OpenSSH or PEM)'],
  ])('%s', (_name, key, expected) => {
    expect(sshKeyProblem(key)).toBe(expected);
  });
});

describe('readSshAuth', () => {
  const good = OPENSSH_KEY;
  const encrypted = OPENSSH_ENCRYPTED;
  const files = (map: Record<string, Buffer>) => (path: string): Buffer => {
    const f = map[path];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return f;
  };
  const ssh = (opts: Partial<ResolveOptions>) => resolve({ host: 'ssh://root@10.0.0.3', fromHosts: true, baseDir: '/p', ...opts });

  it('not ssh: nothing', () => {
    expect(readSshAuth(resolve({ host: 'tcp://10.0.0.3:2375' }), files({}))).toBeUndefined();
  });

  it('the named key, with the agent when there is one', () => {
    const e = ssh({ ssh: { identity: 'id' }, env: { SSH_AUTH_SOCK: '/a.sock' } });
    expect(readSshAuth(e, files({ '/p/id': good }))).toEqual({ privateKey: good, keyFile: '/p/id', agent: '/a.sock' });
  });

  it('a named key that cannot be read or used: an error naming the file', () => {
    const e = ssh({ ssh: { identity: 'id' }, env: {} });
    expect(() => readSshAuth(e, files({}))).toThrow('cannot read the ssh key /p/id for ssh://root@10.0.0.3: no such file (ENOENT)');
    expect(() => readSshAuth(e, files({ '/p/id': encrypted }))).toThrow(/^cannot use the ssh key \/p\/id for ssh:\/\/root@10\.0\.0\.3: it is encrypted .*ssh-add/);
    expect(() => readSshAuth(e, files({ '/p/id': encrypted }))).toThrow(TsfigError);
    expect(() => readSshAuth(e, files({ '/p/id': Buffer.from('garbage\n') }))).toThrow('cannot use the ssh key /p/id for ssh://root@10.0.0.3: not a private key (OpenSSH or PEM)');
    expect(() => readSshAuth(e, files({ '/p/id': pem(ed.privateKey, 'pkcs8') }))).toThrow(/^cannot use the ssh key \/p\/id for ssh:\/\/root@10\.0\.0\.3: unsupported key format \(ssh2 reads/);
  });

  it('no key named: the first usable default key file (missing and encrypted ones are passed over)', () => {
    const e = ssh({ env: {} });
    const ecdsa = pem(ec.privateKey, 'sec1');
    const auth = readSshAuth(e, files({ [`${HOME}/.ssh/id_ed25519`]: encrypted, [`${HOME}/.ssh/id_ecdsa`]: ecdsa, [`${HOME}/.ssh/id_rsa`]: good }));
    expect(auth).toEqual({ privateKey: ecdsa, keyFile: `${HOME}/.ssh/id_ecdsa` });
  });

  it('no key named and none usable: the agent alone, or an error that says what to do', () => {
    expect(readSshAuth(ssh({ env: { SSH_AUTH_SOCK: '/a.sock' } }), files({}))).toEqual({ agent: '/a.sock' });
    expect(() => readSshAuth(ssh({ env: {} }), files({ [`${HOME}/.ssh/id_rsa`]: encrypted }))).toThrow(
      `no ssh key for ssh://root@10.0.0.3: name one in the hosts: entry (ssh: {identity: PATH}), or start an ssh agent (SSH_AUTH_SOCK); not usable: ${HOME}/.ssh/id_rsa (it is encrypted (has a passphrase))`,
    );
  });
});

describe('readTlsMaterial', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsfig-tls-'));
  writeFileSync(join(dir, 'ca.pem'), 'CA');
  writeFileSync(join(dir, 'cert.pem'), 'CERT');
  writeFileSync(join(dir, 'key.pem'), 'KEY');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ca.pem, cert.pem, key.pem from DOCKER_CERT_PATH', () => {
    const e = resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    const m = readTlsMaterial(e);
    expect(m?.ca?.toString()).toBe('CA');
    expect(m?.cert?.toString()).toBe('CERT');
    expect(m?.key?.toString()).toBe('KEY');
  });

  it('from the environment, missing files are skipped (system CAs, no client certificate)', () => {
    const e = resolve({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'none') } });
    expect(readTlsMaterial(e)).toEqual({});
  });

  it('files named by a hosts: entry must exist', () => {
    const e = resolve({ host: 'tcp://h:2376', fromHosts: true, tls: { ca: join(dir, 'missing.pem') }, env: {} });
    expect(() => readTlsMaterial(e)).toThrow(TsfigError);
    expect(() => readTlsMaterial(e)).toThrow(`cannot read the TLS CA certificate ${join(dir, 'missing.pem')} for tcp://h:2376: no such file (ENOENT)`);
  });

  it('a certificate without its key is an error', () => {
    const e = resolve({ host: 'tcp://h:2376', fromHosts: true, tls: { cert: join(dir, 'cert.pem') }, env: {} });
    expect(() => readTlsMaterial(e)).toThrow(/needs its key/);
  });

  it('no TLS: nothing to read', () => {
    expect(readTlsMaterial(resolve({}))).toBeUndefined();
  });
});

describe('mapEngineError', () => {
  const url = 'unix:///var/run/docker.sock';

  function modemError(status: number, reason: string, json: unknown): Error {
    const err = new Error(`(HTTP code ${status}) ${reason} - ${JSON.stringify(json)} `) as Error & Record<string, unknown>;
    err.statusCode = status;
    err.json = json;
    return err;
  }

  it('maps connection failures to the one-line unreachable message', () => {
    const sys = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT', syscall: 'connect' });
    const mapped = mapEngineError(sys, url);
    expect(mapped).toBeInstanceOf(EngineUnreachableError);
    expect(mapped).toBeInstanceOf(EngineError);
    expect((mapped as Error).message).toBe('cannot reach the Docker engine at unix:///var/run/docker.sock: connect ENOENT /var/run/docker.sock: is dockerd running? Check DOCKER_HOST or -H');
    const refused = mapEngineError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2375'), { code: 'ECONNREFUSED' }), 'tcp://127.0.0.1:2375');
    expect((refused as Error).message).toBe('cannot reach the Docker engine at tcp://127.0.0.1:2375: connect ECONNREFUSED 127.0.0.1:2375: is dockerd running and listening there? Check DOCKER_HOST or -H');
    expect((refused as EngineUnreachableError).code).toBe('ECONNREFUSED');
    // An answer cut short: Node's bare `aborted`, said in words.
    const cut = mapEngineError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), url);
    expect((cut as Error).message).toMatch(/^cannot reach the Docker engine at unix:\/\/\/var\/run\/docker.sock: the connection closed in the middle of the answer/);
    expect((cut as EngineUnreachableError).code).toBe('ECONNRESET');
  });

  it('takes the engine message for 404 and 409, with the status code', () => {
    const notFound = mapEngineError(modemError(404, 'no such container', { message: 'No such container: web-1' }), url);
    expect(notFound).toBeInstanceOf(EngineError);
    expect((notFound as EngineError).statusCode).toBe(404);
    expect((notFound as Error).message).toBe('no such container: web-1');
    const conflict = mapEngineError(
      modemError(409, 'unexpected', { message: 'Conflict. The container name "/web-1" is already in use by container "abc".\n' }),
      url,
    );
    expect((conflict as EngineError).statusCode).toBe(409);
    expect((conflict as Error).message).toBe('conflict: The container name "/web-1" is already in use by container "abc".');
    const other409 = mapEngineError(modemError(409, 'conflict', { message: 'unable to remove volume: volume is in use' }), url);
    expect((other409 as Error).message).toBe('conflict: unable to remove volume: volume is in use');
  });

  it('reads the message from the modem text when there is no JSON (stream requests)', () => {
    const err = Object.assign(new Error('(HTTP code 404) no such container - No such container: x '), { statusCode: 404 });
    expect((mapEngineError(err, url) as Error).message).toBe('no such container: x');
    const bare = Object.assign(new Error('(HTTP code 404) no such container - [object Object] '), { statusCode: 404 });
    expect((mapEngineError(bare, url, { kind: 'container', id: 'x' }) as Error).message).toBe('no such container x');
  });

  it('says which side of a TLS handshake failed, in one line', () => {
    const tcp = 'tcp://192.168.77.2:2376';
    const untrusted = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const a = mapEngineError(untrusted, tcp);
    expect(a).toBeInstanceOf(EngineUnreachableError);
    expect((a as Error).message).toBe(
      `cannot reach the Docker engine at ${tcp}: TLS: the engine's certificate is not signed by the CA given (unable to verify the first certificate)`,
    );
    const alert = Object.assign(
      new Error('80CCE7D7557F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n'),
      { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', library: 'SSL routines', reason: 'sslv3 alert bad certificate' },
    );
    const b = mapEngineError(alert, tcp);
    expect(b).toBeInstanceOf(EngineUnreachableError);
    expect((b as Error).message).toBe(
      `cannot reach the Docker engine at ${tcp}: TLS: the engine refused the client certificate (sslv3 alert bad certificate): it needs one signed by a CA the engine trusts`,
    );
    const other = Object.assign(new Error('x:error:SSL alert number 70'), { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect((mapEngineError(other, tcp) as Error).message).toBe(`cannot reach the Docker engine at ${tcp}: TLS: protocol version`);
  });

  it('an ssh authentication failure says so', () => {
    const err = Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
    const mapped = mapEngineError(err, 'ssh://root@10.0.0.3');
    expect(mapped).toBeInstanceOf(EngineUnreachableError);
    expect((mapped as Error).message).toBe('cannot reach the Docker engine at ssh://root@10.0.0.3: ssh: the server refused the key (All configured authentication methods failed)');
  });

  it('a refused ssh host key: its own message, which says what to do', () => {
    const err = new SshHostKeyError('ssh: the host key of 10.0.0.3 is not known: add it to ~/.ssh/known_hosts (...)');
    const mapped = mapEngineError(err, 'ssh://root@10.0.0.3');
    expect(mapped).toBeInstanceOf(EngineUnreachableError);
    expect((mapped as Error).message).toBe('cannot reach the Docker engine at ssh://root@10.0.0.3: ssh: the host key of 10.0.0.3 is not known: add it to ~/.ssh/known_hosts (...)');
    expect((mapped as EngineUnreachableError).code).toBe('ERR_SSH_HOST_KEY');
  });

  it('keeps AbortErrors and TsfigErrors as they are', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(mapEngineError(abort, url)).toBe(abort);
    const own = new TsfigError('x');
    expect(mapEngineError(own, url)).toBe(own);
  });
});

describe('jsonClient (plain GETs)', () => {
  it('over tcp, sends the address as Host (TLS checks the engine certificate against that name, not "docker")', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.host);
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const client = jsonClient(resolve({ host: `tcp://127.0.0.1:${port}` }));
      expect(await client?.get('/_ping')).toEqual({ ok: true });
      expect(seen).toEqual([`127.0.0.1:${port}`]);
    } finally {
      server.close();
    }
  });
});

describe('jsonClient.send (helper containers without dockerode)', () => {
  it('sends a JSON body with its length, reads JSON, raw bytes, and errors shaped like docker-modem\'s', async () => {
    const seen: Array<{ method?: string; url?: string; type?: string; length?: string; body: string }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], length: req.headers['content-length'], body: Buffer.concat(chunks).toString('utf8') });
        if (req.url?.startsWith('/containers/create')) res.end('{"Id":"abc","Warnings":[]}');
        else if (req.url?.startsWith('/containers/abc/logs')) res.end(Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]));
        else {
          res.statusCode = 409;
          res.end('{"message":"conflict"}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const client = jsonClient(resolve({ host: `tcp://127.0.0.1:${port}` }))!;
      expect(await client.send('POST', '/containers/create', { query: { name: 'h 1' }, body: { Image: 'busybox' } })).toEqual({ Id: 'abc', Warnings: [] });
      expect(seen[0]).toEqual({ method: 'POST', url: '/containers/create?name=h+1', type: 'application/json', length: '19', body: '{"Image":"busybox"}' });
      const raw = (await client.send('GET', '/containers/abc/logs', { raw: true })) as Buffer;
      expect([...raw]).toEqual([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
      const err = (await client.send('DELETE', '/containers/abc').catch((e: unknown) => e)) as { statusCode?: number; json?: unknown };
      expect(err.statusCode).toBe(409);
      expect(err.json).toEqual({ message: 'conflict' });
      expect(seen[2]).toMatchObject({ method: 'DELETE', body: '' });
    } finally {
      server.close();
    }
  });
});

describe('splitRepoTag (pull, push, tag)', () => {
  it.each([
    ['busybox', { repo: 'busybox', tag: 'latest' }],
    ['busybox:1.36', { repo: 'busybox', tag: '1.36' }],
    ['127.0.0.1:5000/app', { repo: '127.0.0.1:5000/app', tag: 'latest' }],
    ['127.0.0.1:5000/team/app:v2', { repo: '127.0.0.1:5000/team/app', tag: 'v2' }],
    ['busybox@sha256:' + 'a'.repeat(64), { repo: 'busybox', tag: 'sha256:' + 'a'.repeat(64) }],
    ['docker.io/library/busybox:1', { repo: 'busybox', tag: '1' }],
    ['Not/A/Ref', { repo: 'Not/A/Ref', tag: '' }],
  ])('%s', (ref, expected) => {
    expect(splitRepoTag(ref)).toEqual(expected);
  });
});

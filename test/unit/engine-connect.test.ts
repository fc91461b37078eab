import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  endpointLabel,
  isLoopbackHost,
  readTlsMaterial,
  resolveEndpoint,
  type Endpoint,
  type ResolveOptions,
} from '../../src/engine/connect.js';
import { splitRepoTag } from '../../src/engine/docker.js';
import { EngineUnreachableError, mapEngineError } from '../../src/engine/errors.js';
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
    expect(() => readTlsMaterial(e)).toThrow(`cannot read the TLS CA certificate ${join(dir, 'missing.pem')} for tcp://h:2376: ENOENT`);
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
    expect((mapped as Error).message).toBe('cannot reach the Docker engine at unix:///var/run/docker.sock: connect ENOENT /var/run/docker.sock');
    const refused = mapEngineError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2375'), { code: 'ECONNREFUSED' }), 'tcp://127.0.0.1:2375');
    expect((refused as Error).message).toBe('cannot reach the Docker engine at tcp://127.0.0.1:2375: connect ECONNREFUSED 127.0.0.1:2375');
    expect((refused as EngineUnreachableError).code).toBe('ECONNREFUSED');
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

  it('keeps AbortErrors and TsfigErrors as they are', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(mapEngineError(abort, url)).toBe(abort);
    const own = new TsfigError('x');
    expect(mapEngineError(own, url)).toBe(own);
  });
});

describe('splitRepoTag (pull, push, tag)', () => {
  it.each([
    ['busybox', { repo: 'busybox', tag: 'latest' }],
    ['busybox:1.36', { repo: 'busybox', tag: '1.36' }],
    ['127.0.0.1:5000/app', { repo: '127.0.0.1:5000/app', tag: 'latest' }],
    ['127.0.0.1:5000/team/app:v2', { repo: '127.0.0.1:5000/team/app', tag: 'v2' }],
    ['busybox@sha256:abc', { repo: 'busybox', tag: 'sha256:abc' }],
  ])('%s', (ref, expected) => {
    expect(splitRepoTag(ref)).toEqual(expected);
  });
});

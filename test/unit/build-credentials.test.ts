/** engine/credentials.ts: ~/.docker/config.json auths, credential helpers, registry names. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CredentialError, Credentials, DOCKER_HUB_SERVER, hostnameOf, registryOf, type HelperRunner } from '../../src/engine/credentials.js';

function configDir(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfig-creds-'));
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry names', () => {
  it.each([
    ['busybox', 'docker.io'],
    ['library/busybox:1.36', 'docker.io'],
    ['someone/app', 'docker.io'],
    ['docker.io/someone/app', 'docker.io'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app:1', 'localhost:5000'],
    ['127.0.0.1:5000/team/app@sha256:abc', '127.0.0.1:5000'],
    ['registry.example.com/app', 'registry.example.com'],
  ])('%s is on %s', (ref, registry) => {
    expect(registryOf(ref)).toBe(registry);
  });

  it('compares auths keys as hostnames', () => {
    expect(hostnameOf('https://index.docker.io/v1/')).toBe('docker.io');
    expect(hostnameOf('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(hostnameOf('registry.example.com')).toBe('registry.example.com');
  });
});

describe('Credentials', () => {
  it('reads auths: base64 user:password, by registry, Docker Hub under its index URL', async () => {
    const dir = configDir({
      auths: {
        '127.0.0.1:5001': { auth: b64('tsfig:pa:ss') },
        'https://registry.example.com/v2/': { auth: b64('bob:secret') },
        [DOCKER_HUB_SERVER]: { auth: b64('hubuser:hubpass') },
        'token.example.com': { identitytoken: 'tok' },
      },
    });
    const c = new Credentials({ env: { DOCKER_CONFIG: dir } });
    expect(await c.forImage('127.0.0.1:5001/app:1')).toEqual({ serveraddress: '127.0.0.1:5001', username: 'tsfig', password: 'pa:ss' });
    expect(await c.forImage('registry.example.com/app')).toEqual({ serveraddress: 'https://registry.example.com/v2/', username: 'bob', password: 'secret' });
    expect(await c.forImage('busybox')).toEqual({ serveraddress: DOCKER_HUB_SERVER, username: 'hubuser', password: 'hubpass' });
    expect(await c.forImage('token.example.com/x')).toEqual({ serveraddress: 'token.example.com', identitytoken: 'tok' });
    expect(await c.forImage('other.example.com/x')).toBeUndefined();
  });

  it('finds config.json under HOME/.docker without DOCKER_CONFIG; none means no credentials', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsfig-home-'));
    const c = new Credentials({ env: { HOME: home } });
    expect(await c.forImage('127.0.0.1:5001/app')).toBeUndefined();
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'r.local': { auth: b64('a:b') } } }));
    expect(await new Credentials({ env: { HOME: home } }).forImage('r.local/app')).toMatchObject({ username: 'a', password: 'b' });
  });

  it('a broken config file is an error, and so is an auth that is not user:password', async () => {
    await expect(new Credentials({ env: { DOCKER_CONFIG: configDir('{nope') } }).forImage('x.local/a')).rejects.toThrow(CredentialError);
    await expect(new Credentials({ env: { DOCKER_CONFIG: configDir({ auths: { 'x.local': { auth: b64('nocolon') } } }) } }).forImage('x.local/a')).rejects.toThrow(/not base64 of user:password/);
  });

  it('credHelpers for one registry, credsStore for the others; "not found" falls back to auths', async () => {
    const dir = configDir({
      credsStore: 'store',
      credHelpers: { 'ecr.example.com': 'ecr' },
      auths: { 'plain.example.com': { auth: b64('p:q') } },
    });
    const runHelper = vi.fn<HelperRunner>(async (helper, action, input) => {
      expect(action).toBe('get');
      if (helper === 'ecr') return JSON.stringify({ ServerURL: input, Username: 'AWS', Secret: 'ecr-pass' });
      if (input === DOCKER_HUB_SERVER) return JSON.stringify({ ServerURL: input, Username: '<token>', Secret: 'hub-token' });
      throw Object.assign(new Error('exit status 1'), { stdout: 'credentials not found in native keychain' });
    });
    const c = new Credentials({ env: { DOCKER_CONFIG: dir }, runHelper });
    expect(await c.forImage('ecr.example.com/app')).toEqual({ serveraddress: 'ecr.example.com', username: 'AWS', password: 'ecr-pass' });
    expect(await c.forImage('busybox')).toEqual({ serveraddress: DOCKER_HUB_SERVER, identitytoken: 'hub-token' });
    expect(await c.forImage('plain.example.com/app')).toEqual({ serveraddress: 'plain.example.com', username: 'p', password: 'q' });
    expect(await c.forImage('none.example.com/app')).toBeUndefined();
    // Asked once per registry.
    await c.forImage('ecr.example.com/other');
    expect(runHelper.mock.calls.filter((x) => x[0] === 'ecr')).toHaveLength(1);
  });

  it('a helper that fails otherwise is an error naming it', async () => {
    const dir = configDir({ credsStore: 'broken' });
    const c = new Credentials({ env: { DOCKER_CONFIG: dir }, runHelper: async () => Promise.reject(new Error('docker-credential-broken is not installed (no such program in PATH)')) });
    await expect(c.forImage('x.local/a')).rejects.toThrow(/credential helper docker-credential-broken failed for x.local: docker-credential-broken is not installed/);
    await expect(new Credentials({ env: { DOCKER_CONFIG: configDir({ credsStore: '../evil' }) } }).forImage('x.local/a')).rejects.toThrow(/invalid credential helper name/);
  });

  it('runs a real helper program from PATH with the server on stdin (execFile, no shell)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'tsfig-helper-'));
    const helper = join(bin, 'docker-credential-tsfigtest');
    writeFileSync(helper, '#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "127.0.0.1:5001" ]; then printf \'{"ServerURL":"%s","Username":"tsfig","Secret":"from-helper"}\' "$server"; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n');
    chmodSync(helper, 0o755);
    const dir = configDir({ credHelpers: { '127.0.0.1:5001': 'tsfigtest' } });
    const c = new Credentials({ env: { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` } });
    expect(await c.forImage('127.0.0.1:5001/app')).toEqual({ serveraddress: '127.0.0.1:5001', username: 'tsfig', password: 'from-helper' });
  });

  it('all(): every registry with credentials, for builds', async () => {
    const dir = configDir({ auths: { 'a.local': { auth: b64('a:1') }, 'b.local': {} }, credHelpers: { 'c.local': 'h' } });
    const c = new Credentials({ env: { DOCKER_CONFIG: dir }, runHelper: async (_h, _a, input) => JSON.stringify({ ServerURL: input, Username: 'c', Secret: '3' }) });
    expect(await c.all()).toEqual({
      'a.local': { serveraddress: 'a.local', username: 'a', password: '1' },
      'c.local': { serveraddress: 'c.local', username: 'c', password: '3' },
    });
  });
});

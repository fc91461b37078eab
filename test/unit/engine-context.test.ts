/**
 * The docker CLI's contexts select the endpoint, in the docker CLI's order: -H, --context,
 * DOCKER_HOST, DOCKER_CONTEXT, currentContext of config.json, the default socket. The store is
 * a temporary DOCKER_CONFIG folder written by the test, as `docker context create` lays it out.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCliEndpoint } from '../../src/engine/connect.js';
import { contextId } from '../../src/engine/context.js';
import { UsageError } from '../../src/errors.js';

function store(contexts: Record<string, { host: string; skip?: boolean; tls?: string[] }>, current?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfig-ctx-'));
  for (const [name, c] of Object.entries(contexts)) {
    const meta = join(dir, 'contexts', 'meta', contextId(name));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: c.skip ?? false } } }));
    if (c.tls) {
      const tls = join(dir, 'contexts', 'tls', contextId(name), 'docker');
      mkdirSync(tls, { recursive: true });
      for (const f of c.tls) writeFileSync(join(tls, f), 'PEM');
    }
  }
  if (current !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
  return dir;
}

const resolve = (env: Record<string, string>, flags: { flagHost?: string; flagContext?: string } = {}) => resolveCliEndpoint({ env: { HOME: '/nonexistent-home', ...env }, ...flags });

describe('docker CLI contexts', () => {
  const dir = store({ ctxa: { host: 'unix:///run/a.sock' }, ctxb: { host: 'tcp://10.0.0.2:2376', tls: ['ca.pem', 'cert.pem', 'key.pem'] }, skip: { host: 'tcp://10.0.0.3:2376', skip: true, tls: ['ca.pem'] } }, 'ctxa');

  it('takes currentContext of config.json when nothing else is set', () => {
    const ep = resolve({ DOCKER_CONFIG: dir });
    expect(ep).toMatchObject({ url: 'unix:///run/a.sock', source: 'context', context: 'ctxa' });
  });

  it('DOCKER_CONTEXT wins over currentContext, DOCKER_HOST over both, --context over DOCKER_HOST, -H over everything', () => {
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ctxb' }).url).toBe('tcp://10.0.0.2:2376');
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ctxb', DOCKER_HOST: 'unix:///run/env.sock' }).url).toBe('unix:///run/env.sock');
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///run/env.sock' }, { flagContext: 'ctxb' }).url).toBe('tcp://10.0.0.2:2376');
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ctxb' }, { flagHost: 'unix:///run/flag.sock' }).url).toBe('unix:///run/flag.sock');
  });

  it('-H with --context is a usage error, as with the docker CLI', () => {
    expect(() => resolve({ DOCKER_CONFIG: dir }, { flagHost: 'unix:///x.sock', flagContext: 'ctxa' })).toThrow(UsageError);
  });

  it('the context named default is DOCKER_HOST or the default socket', () => {
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'default' }).url).toBe('unix:///var/run/docker.sock');
    expect(resolve({ DOCKER_CONFIG: dir }, { flagContext: 'default' }).source).toBe('default');
  });

  it("uses the context's TLS files and its SkipTLSVerify, not DOCKER_TLS_VERIFY / DOCKER_CERT_PATH", () => {
    const b = resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ctxb', DOCKER_CERT_PATH: '/elsewhere', DOCKER_TLS_VERIFY: '' });
    const tls = join(dir, 'contexts', 'tls', contextId('ctxb'), 'docker');
    expect(b.tls).toEqual({ ca: join(tls, 'ca.pem'), cert: join(tls, 'cert.pem'), key: join(tls, 'key.pem') });
    expect(b.verify).toBe(true);
    const s = resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'skip' });
    expect(s.tls).toEqual({ ca: join(dir, 'contexts', 'tls', contextId('skip'), 'docker', 'ca.pem') });
    expect(s.verify).toBe(false);
    expect(resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ctxa', DOCKER_TLS_VERIFY: '1' }).tls).toBeUndefined();
  });

  it('a context that does not exist is named, with where it came from and what to type', () => {
    expect(() => resolve({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'nosuch' })).toThrow(/context "nosuch" \(DOCKER_CONTEXT\) does not exist .*docker context ls/);
    expect(() => resolve({ DOCKER_CONFIG: dir }, { flagContext: 'nosuch' })).toThrow(/context "nosuch" \(--context\)/);
  });

  it('a broken config.json or meta.json is one line naming the file', () => {
    const bad = store({});
    writeFileSync(join(bad, 'config.json'), '{not json');
    expect(() => resolve({ DOCKER_CONFIG: bad })).toThrow(new RegExp(`${join(bad, 'config.json')} is not valid JSON`));
    const meta = join(bad, 'contexts', 'meta', contextId('x'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'x', Endpoints: {} }));
    expect(() => resolve({ DOCKER_CONFIG: bad, DOCKER_CONTEXT: 'x' })).toThrow(/has no docker endpoint/);
  });

  it('without DOCKER_CONFIG reads ~/.docker; no config.json means the default socket', () => {
    const home = mkdtempSync(join(tmpdir(), 'tsfig-home-'));
    expect(resolveCliEndpoint({ env: { HOME: home } }).url).toBe('unix:///var/run/docker.sock');
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'nosuch' }));
    expect(() => resolveCliEndpoint({ env: { HOME: home } })).toThrow(/context "nosuch" \(config.json\)/);
  });
});

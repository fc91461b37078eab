/**
 * ~/.ssh/config for ssh:// endpoints: Host aliases, HostName, User, Port, IdentityFile,
 * Include and Match, checked differentially against OpenSSH's own reading (`ssh -G`, which
 * prints the configuration it would use and connects nowhere), and applied to endpoints.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEndpoint, sshConfigFiles, withSshConfig } from '../../src/engine/connect.js';
import { dialCommand } from '../../src/engine/ssh.js';
import { lookupSshConfig } from '../../src/engine/sshconfig.js';

const reader = sshConfigFiles;

const home = mkdtempSync(join(tmpdir(), 'tsfig-sshhome-'));
mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
const config = join(home, '.ssh', 'config');
writeFileSync(
  config,
  `# A config as people write them
Host web* !webx
  HostName 10.0.0.%h
  User deploy
Host = build
  HostName build.example
  Port 2222
  IdentityFile ~/.ssh/build_key
  IdentityFile %d/.ssh/other_%r
Host "quoted"
  HostName=q.example
  user   Quoter
Match originalhost m1,m2 user deploy
  Port 2201
Match host 10.0.0.web9
  Port 2209
Match exec "false"
  User never
Host *.internal
  User ops
  Port 2200
Host *
  User fallback
  IdentityFile ~/.ssh/id_all
Include conf.d/*.conf
`,
);
writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host inc1\n  HostName included.example\n  Port 2022\n');
const local = userInfo().username;

/** OpenSSH's answer: `ssh -G -F config alias`. */
function openssh(alias: string): { hostName: string; user: string; port: number; identityFiles: string[] } {
  const out = execFileSync('ssh', ['-G', '-F', config, alias], { encoding: 'utf8', env: { HOME: home, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
  const get = (k: string) => out.split('\n').filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1));
  return { hostName: get('hostname')[0] ?? '', user: get('user')[0] ?? '', port: Number(get('port')[0]), identityFiles: get('identityfile') };
}

describe('~/.ssh/config', () => {
  const aliases = ['web1', 'webx', 'web9', 'build', 'quoted', 'm1', 'm2', 'db.internal', 'inc1', 'plain', 'WEB2'];
  it.each(aliases)('reads %s as OpenSSH does (ssh -G)', (alias) => {
    const ours = lookupSshConfig(config, alias, { home, localUser: local, reader });
    const theirs = openssh(alias);
    expect({ hostName: ours.hostName, user: ours.user ?? local, port: ours.port ?? 22, identityFiles: ours.identityFiles }).toEqual(theirs);
  });

  it('applies HostName, User, Port and IdentityFile to an ssh:// endpoint; the URL stays as written', () => {
    const ep = withSshConfig(resolveEndpoint({ host: 'ssh://build', env: {}, homeDir: home }), reader, 'me');
    expect(ep).toMatchObject({ url: 'ssh://build', host: 'build.example', port: 2222, username: 'fallback' });
    expect(ep.defaultIdentities).toEqual([join(home, '.ssh', 'build_key'), join(home, '.ssh', 'other_fallback'), join(home, '.ssh', 'id_all')]);
  });

  it('a user or port in the URL, and a key of a hosts: entry, win over the config', () => {
    const ep = withSshConfig(resolveEndpoint({ host: 'ssh://admin@build:2300', env: {}, homeDir: home, ssh: { identity: '/keys/mine' } }), reader, 'me');
    expect(ep).toMatchObject({ host: 'build.example', port: 2300, username: 'admin', identity: '/keys/mine' });
    expect(ep.defaultIdentities).toBeUndefined();
  });

  it('without a config file, the endpoint is as written', () => {
    const ep = resolveEndpoint({ host: 'ssh://u@h', env: {}, homeDir: mkdtempSync(join(tmpdir(), 'tsfig-nohome-')) });
    expect(withSshConfig(ep, reader, 'me')).toEqual(ep);
  });
});

describe('ssh:// with a socket path', () => {
  it('keeps the path and dials the engine there, as the docker CLI does', () => {
    const ep = resolveEndpoint({ host: 'ssh://u@h/run/user/1000/docker.sock', env: {}, homeDir: home });
    expect(ep).toMatchObject({ url: 'ssh://u@h/run/user/1000/docker.sock', host: 'h', remoteSocket: '/run/user/1000/docker.sock' });
    expect(dialCommand(ep.remoteSocket)).toBe('docker --host unix:///run/user/1000/docker.sock system dial-stdio');
    expect(dialCommand("/tmp/it's here.sock")).toBe(`docker --host 'unix:///tmp/it'\\''s here.sock' system dial-stdio`);
    expect(dialCommand(resolveEndpoint({ host: 'ssh://u@h', env: {}, homeDir: home }).remoteSocket)).toBe('docker system dial-stdio');
  });
});

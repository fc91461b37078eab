/**
 * `hosts:` endpoints other than unix sockets, on the multi-host rig (`bash scripts/hosts.sh up
 * 3`): each rig dockerd also serves tcp://192.168.77.I:2376 with --tlsverify (the rig's CA and
 * client certificate in `hosts.sh tls`), and `hosts.sh ssh` runs an sshd per host on
 * 192.168.77.I:22 whose sessions reach that host's engine (root, the rig's key; the hosts' keys
 * in the rig's known_hosts file). The suite brings both up itself (idempotent) and fails when
 * it cannot.
 *
 * 192.168.77.0/24 exists only inside the rig, so tsfig (the built binary) runs in host 1's
 * network namespace (`nsenter --net=/var/run/netns/tsfig-h1`); unix sockets reach from there.
 * Checks read the engines' own state through the docker CLI on the rig's unix sockets.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './support/stack.js';
import { eventually, SESSION_ID, SESSION_LABEL, uniqueProject } from './support/harness.js';

const HOSTS = 3;
const NETNS = '/var/run/netns/tsfig-h1';

interface Res {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; timeout?: number } = {}): Promise<Res> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: environment(opts.env), ...(opts.cwd ? { cwd: opts.cwd } : {}), maxBuffer: 64 << 20, encoding: 'utf8', timeout: opts.timeout ?? 180_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr: stderr || (err?.message ?? '') });
      },
    );
  });
}

/** process.env with `extra` on top; an undefined value removes the variable. */
function environment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const sock = (i: number) => `unix:///run/tsfig-host${i}.sock`;

/** The docker CLI against rig host i (its unix socket). */
function hdocker(i: number, ...args: string[]): Promise<Res> {
  return exec('docker', args, { env: { DOCKER_HOST: sock(i) } });
}

/** Names of the project's containers on rig host i, as that engine lists them. */
async function names(i: number, project: string): Promise<string[]> {
  const r = await hdocker(i, 'ps', '-a', '--filter', `label=io.tsfig.project=${project}`, '--format', '{{.Names}}');
  if (r.code !== 0) throw new Error(`docker ps on host ${i}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

async function networks(i: number, project: string): Promise<string[]> {
  const r = await hdocker(i, 'network', 'ls', '--filter', `label=io.tsfig.project=${project}`, '--format', '{{.Name}}');
  if (r.code !== 0) throw new Error(`docker network ls on host ${i}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** id and running state of a container on rig host i. */
async function inspect(i: number, name: string): Promise<{ id: string; running: boolean }> {
  const r = await hdocker(i, 'inspect', '--format', '{{.Id}} {{.State.Running}}', name);
  if (r.code !== 0) throw new Error(`docker inspect ${name} on host ${i}: ${r.stderr}`);
  const [id, running] = r.stdout.trim().split(' ');
  return { id: id ?? '', running: running === 'true' };
}

/** Where the rig keeps its TLS client files (ca.pem, cert.pem, key.pem). */
let tlsDir = '';
/** The private key the rig's sshds accept for root. */
let sshKey = '';
/** The rig's known_hosts file: a `192.168.77.I <host key>` line per host. */
let knownHosts = '';

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the multi-host rig needs root (network namespaces, a dockerd per host)');
  const r = await exec('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', String(HOSTS)], { timeout: 300_000 });
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' ');
    throw new Error(`the multi-host rig did not come up: ${why} (it needs root, iproute2, openssl and docker.io; see scripts/hosts.sh)`);
  }
  const tls = /^tls (\S+)$/m.exec(r.stdout);
  if (!tls?.[1]) throw new Error(`hosts.sh up did not say where its TLS files are:\n${r.stdout}`);
  tlsDir = tls[1];
  const ssh = await exec('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'ssh'], { timeout: 300_000 });
  const key = /^key (\S+)$/m.exec(ssh.stdout);
  const known = /^known_hosts (\S+)$/m.exec(ssh.stdout);
  if (ssh.code !== 0 || !key?.[1] || !known?.[1]) {
    throw new Error(`the rig's sshds did not come up: ${ssh.stderr.trim().split('\n').slice(-3).join(' ')} (it needs openssh-server; see scripts/hosts.sh)`);
  }
  sshKey = key[1];
  knownHosts = known[1];
}, 300_000);

interface Scenario {
  project: string;
  dir: string;
  /** The built tsfig in host 1's network namespace: `tsfig -p PROJECT [-f FILE] ARGS`, in `dir`. */
  run: (args: string[], file?: string, env?: Record<string, string | undefined>) => Promise<Res>;
  ok: (args: string[], file?: string, env?: Record<string, string | undefined>) => Promise<Res>;
  write: (file: string, text: string) => void;
}

const made: Scenario[] = [];

function scenario(name: string): Scenario {
  const project = uniqueProject(`ep-${name}`);
  const dir = join(mkdtempSync(join(tmpdir(), 'tsfig-e2e-ep-')), name);
  mkdirSync(join(dir, 'certs'), { recursive: true });
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(tlsDir, f), join(dir, 'certs', f));
  // No ssh agent and a home without keys unless a test says otherwise: only what the file names is used.
  mkdirSync(join(dir, '..', 'home'), { recursive: true });
  const base = { HOME: join(dir, '..', 'home'), PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST, TSFIG_PROGRESS: 'plain', SSH_AUTH_SOCK: undefined };
  const run = (args: string[], file?: string, env: Record<string, string | undefined> = {}) =>
    exec('nsenter', [`--net=${NETNS}`, process.execPath, BIN, '-p', project, ...(file ? ['-f', file] : []), ...args], {
      cwd: dir,
      env: { ...base, ...env },
    });
  const s: Scenario = {
    project,
    dir,
    run,
    ok: async (args, file, env) => {
      const r = await run(args, file, env);
      if (r.code !== 0) throw new Error(`tsfig ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      return r;
    },
    write: (file, text) => writeFileSync(join(dir, file), text),
  };
  made.push(s);
  return s;
}

/** A service on `host` that says its name in its log, then waits; labelled with the test session. */
function service(name: string, host: string): string {
  return [
    `  ${name}:`,
    '    image: busybox:latest',
    `    host: ${host}`,
    `    command: ["sh", "-c", "echo ${name}-says-hi; exec sleep 3600"]`,
    '    labels:',
    `      ${SESSION_LABEL}: "${SESSION_ID}"`,
  ].join('\n');
}

/** A project file: host a = rig host 1 over its unix socket, host b = rig host 2 over tcp + TLS. */
function figYml(opts: { ca?: string; cert?: string | null; key?: string | null; services: Array<[string, string]> }): string {
  const tls = [
    `      ca: ${opts.ca ?? 'certs/ca.pem'}`,
    ...(opts.cert === null ? [] : [`      cert: ${opts.cert ?? 'certs/cert.pem'}`]),
    ...(opts.key === null ? [] : [`      key: ${opts.key ?? 'certs/key.pem'}`]),
  ];
  return [
    'hosts:',
    '  a:',
    `    docker: ${sock(1)}`,
    '  b:',
    '    docker: tcp://192.168.77.2:2376',
    '    tls:',
    ...tls,
    'services:',
    ...opts.services.map(([name, host]) => service(name, host)),
    '',
  ].join('\n');
}

/** A project file: host a = rig host 1 over its unix socket, host b = rig host 2 over ssh. */
function sshFig(opts: { identity?: string; knownHosts?: string; services: Array<[string, string]> }): string {
  const ssh = [
    ...(opts.identity !== undefined ? [`      identity: ${opts.identity}`] : []),
    ...(opts.knownHosts !== undefined ? [`      known_hosts: ${opts.knownHosts}`] : []),
  ];
  return [
    'hosts:',
    '  a:',
    `    docker: ${sock(1)}`,
    '  b:',
    '    docker: ssh://root@192.168.77.2',
    ...(ssh.length > 0 ? ['    ssh:', ...ssh] : []),
    'services:',
    ...opts.services.map(([name, host]) => service(name, host)),
    '',
  ].join('\n');
}

/** ssh connections host 2's sshd accepted so far (its log, written by the rig). */
function sshLogins(): number {
  const log = '/run/tsfig-hosts/h2/sshd.log';
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('Accepted publickey for root')).length : 0;
}

/** Lines of stderr that say `error:`, and no stack trace anywhere. */
function errorLines(r: Res): string[] {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  return r.stderr.split('\n').filter((l) => l.startsWith('error:'));
}

async function cleanup(s: Scenario): Promise<void> {
  for (let i = 1; i <= HOSTS; i++) {
    const ids = (await hdocker(i, 'ps', '-aq', '--filter', `label=io.tsfig.project=${s.project}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await hdocker(i, 'rm', '-f', ...ids);
    const nets = (await hdocker(i, 'network', 'ls', '-q', '--filter', `label=io.tsfig.project=${s.project}`)).stdout.split('\n').filter(Boolean);
    for (const n of nets) await hdocker(i, 'network', 'rm', n);
  }
}

afterEach(async () => {
  for (const s of made.splice(0)) {
    await cleanup(s);
    rmSync(join(s.dir, '..'), { recursive: true, force: true });
  }
});

afterAll(async () => {
  if (tlsDir === '') return;
  for (let i = 1; i <= HOSTS; i++) {
    const ids = (await hdocker(i, 'ps', '-aq', '--filter', `label=${SESSION_LABEL}=${SESSION_ID}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await hdocker(i, 'rm', '-f', ...ids);
  }
});

describe('hosts: over tcp with TLS', () => {
  it('a unix host and a TLS host: up places each service on its engine; ps, exec and logs reach the TLS host; down removes everything', async () => {
    const s = scenario('tls');
    s.write('fig.yml', figYml({ services: [['one', 'a'], ['two', 'b']] }));
    await s.ok(['up', '-d']);
    expect(await names(1, s.project)).toEqual([`${s.project}-one-1`]);
    expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
    expect(await names(3, s.project)).toEqual([]);
    expect((await inspect(2, `${s.project}-two-1`)).running).toBe(true);
    expect(await networks(2, s.project)).toEqual([`${s.project}_default`]);

    const ps = await s.ok(['ps']);
    const rows = ps.stdout.split('\n').filter(Boolean);
    expect(rows[0]).toMatch(/^HOST\s+NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['a', `${s.project}-one-1`],
      ['b', `${s.project}-two-1`],
    ]);
    expect((await s.ok(['ps', '--format', '{{.Host}} {{.Name}} {{.Service}}'])).stdout).toBe(`a ${s.project}-one-1 one\nb ${s.project}-two-1 two\n`);

    // exec runs in the container on host 2: what it writes, host 2's engine reads back.
    const ex = await s.ok(['exec', '-T', 'two', 'sh', '-c', 'echo written-over-tls > /tmp/marker; echo $((6*7))']);
    expect(ex.stdout).toBe('42\n');
    const marker = await hdocker(2, 'exec', `${s.project}-two-1`, 'cat', '/tmp/marker');
    expect(marker.stdout).toBe('written-over-tls\n');

    const logs = await s.ok(['logs', '--no-color', 'two']);
    expect(logs.stdout).toMatch(/two-says-hi/);
    expect(logs.stdout).not.toMatch(/one-says-hi/);

    await s.ok(['down', '-t', '1']);
    for (let i = 1; i <= HOSTS; i++) {
      expect(await names(i, s.project), `containers on host ${i}`).toEqual([]);
      expect(await networks(i, s.project), `networks on host ${i}`).toEqual([]);
    }
  });

  it('relative TLS paths are relative to the project file, not the working directory', async () => {
    const s = scenario('tls-rel');
    mkdirSync(join(s.dir, 'sub', 'certs'), { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(tlsDir, f), join(s.dir, 'sub', 'certs', f));
    s.write('sub/fig.yml', figYml({ ca: 'certs/ca.pem', services: [['two', 'b']] }));
    rmSync(join(s.dir, 'certs'), { recursive: true });
    await s.ok(['up', '-d'], 'sub/fig.yml');
    expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
    await s.ok(['down', '-t', '1'], 'sub/fig.yml');
    expect(await names(2, s.project)).toEqual([]);
  });

  it('a wrong CA: up fails with one line naming host b, still brings up the service on host a, and removes nothing', async () => {
    const s = scenario('badca');
    // First, with the right CA: the service on b runs.
    s.write('fig.yml', figYml({ services: [['two', 'b']] }));
    await s.ok(['up', '-d']);
    const before = await inspect(2, `${s.project}-two-1`);
    expect(before.running).toBe(true);

    // A CA of our own, that did not sign host 2's certificate.
    const ca = await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=not the rig CA', '-keyout', join(s.dir, 'other-ca-key.pem'), '-out', join(s.dir, 'other-ca.pem')]);
    expect(ca.code, ca.stderr).toBe(0);
    s.write('fig.yml', figYml({ ca: 'other-ca.pem', services: [['one', 'a'], ['two', 'b']] }));
    const r = await s.run(['up', '-d']);
    expect(r.code).toBe(1);
    const errors = errorLines(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: host b: .*tcp:\/\/192\.168\.77\.2:2376.*certificate/);

    // Host a converged; host b is unknown, not absent: its container is the same one, still running.
    expect(await names(1, s.project)).toEqual([`${s.project}-one-1`]);
    expect((await inspect(1, `${s.project}-one-1`)).running).toBe(true);
    expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
    expect(await inspect(2, `${s.project}-two-1`)).toEqual(before);
    expect(await networks(2, s.project)).toEqual([`${s.project}_default`]);
  });

  it('the engine refuses a connection without a client certificate: the error names host b and says so', async () => {
    const s = scenario('nocert');
    s.write('fig.yml', figYml({ cert: null, key: null, services: [['two', 'b']] }));
    const r = await s.run(['ps']);
    expect(r.code).toBe(1);
    const errors = errorLines(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: host b: .*tcp:\/\/192\.168\.77\.2:2376.*client certificate/);
  });

  it('a client certificate file that does not exist: one line naming the file and host b, nothing created anywhere', async () => {
    const s = scenario('missing');
    s.write('fig.yml', figYml({ cert: 'certs/missing.pem', services: [['one', 'a'], ['two', 'b']] }));
    const r = await s.run(['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('host b');
    expect(lines[0]).toContain(join(s.dir, 'certs', 'missing.pem'));
    expect(lines[0]).toMatch(/no such file/);
    for (let i = 1; i <= HOSTS; i++) expect(await names(i, s.project), `containers on host ${i}`).toEqual([]);
  });
});

describe('hosts: over ssh', () => {
  it('a unix host and an ssh host (key named by the file): up, ps, exec, logs and down, over one ssh connection per command', async () => {
    const s = scenario('ssh');
    copyFileSync(sshKey, join(s.dir, 'rig_key'));
    copyFileSync(knownHosts, join(s.dir, 'rig_known_hosts'));
    s.write('fig.yml', sshFig({ identity: 'rig_key', knownHosts: 'rig_known_hosts', services: [['one', 'a'], ['two', 'b']] }));
    const before = sshLogins();
    const up = await s.ok(['up', '-d']);
    // docker-modem's own ssh transport opened a connection per request (and printed a DEP0170 warning).
    expect(sshLogins() - before).toBe(1);
    expect(up.stderr).not.toMatch(/Warning/);
    expect(await names(1, s.project)).toEqual([`${s.project}-one-1`]);
    expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
    expect(await names(3, s.project)).toEqual([]);
    expect((await inspect(2, `${s.project}-two-1`)).running).toBe(true);

    const ps = await s.ok(['ps', '--format', '{{.Host}} {{.Name}} {{.Service}}']);
    expect(ps.stderr).toBe('');
    expect(ps.stdout).toBe(`a ${s.project}-one-1 one\nb ${s.project}-two-1 two\n`);

    const ex = await s.ok(['exec', '-T', 'two', 'sh', '-c', 'echo written-over-ssh > /tmp/marker; echo $((6*7))']);
    expect(ex.stdout).toBe('42\n');
    expect((await hdocker(2, 'exec', `${s.project}-two-1`, 'cat', '/tmp/marker')).stdout).toBe('written-over-ssh\n');

    const logs = await s.ok(['logs', '--no-color', 'two']);
    expect(logs.stdout).toMatch(/two-says-hi/);

    await s.ok(['down', '-t', '1']);
    for (let i = 1; i <= HOSTS; i++) {
      expect(await names(i, s.project), `containers on host ${i}`).toEqual([]);
      expect(await networks(i, s.project), `networks on host ${i}`).toEqual([]);
    }
  });

  it('no key named: the ssh agent of SSH_AUTH_SOCK is used; no known_hosts named: ~/.ssh/known_hosts', async () => {
    const s = scenario('ssh-agent');
    s.write('fig.yml', sshFig({ services: [['two', 'b']] }));
    mkdirSync(join(s.dir, '..', 'home', '.ssh'), { recursive: true });
    copyFileSync(knownHosts, join(s.dir, '..', 'home', '.ssh', 'known_hosts'));
    const agentSock = join(s.dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    try {
      await eventually(() => expect(existsSync(agentSock)).toBe(true), { timeout: 10_000, message: 'ssh-agent socket' });
      const add = await exec('ssh-add', [sshKey], { env: { SSH_AUTH_SOCK: agentSock } });
      expect(add.code, add.stderr).toBe(0);
      await s.ok(['up', '-d'], undefined, { SSH_AUTH_SOCK: agentSock });
      expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
      await s.ok(['down', '-t', '1'], undefined, { SSH_AUTH_SOCK: agentSock });
      expect(await names(2, s.project)).toEqual([]);
    } finally {
      if (agent.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
    }
  });

  it('~/.ssh/config: a Host alias with HostName, User and IdentityFile; a socket path in the URL is dialled there', async () => {
    const s = scenario('ssh-config');
    const home = join(s.dir, '..', 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(knownHosts, join(home, '.ssh', 'known_hosts'));
    copyFileSync(sshKey, join(home, '.ssh', 'rig_key'));
    writeFileSync(join(home, '.ssh', 'config'), 'Host righost2\n  HostName 192.168.77.2\n  User root\n  IdentityFile ~/.ssh/rig_key\n');
    // The far side's engine named by path: host 2's socket (`docker --host unix://... system dial-stdio`).
    s.write('fig.yml', ['hosts:', '  b:', `    docker: ssh://righost2${sock(2).slice('unix://'.length)}`, 'services:', service('two', 'b'), ''].join('\n'));
    await s.ok(['up', '-d']);
    expect(await names(2, s.project)).toEqual([`${s.project}-two-1`]);
    await s.ok(['down', '-t', '1']);
    expect(await names(2, s.project)).toEqual([]);
    // A socket path that does not exist on the far side: the error names the endpoint with its path.
    s.write('fig.yml', ['hosts:', '  b:', '    docker: ssh://righost2/run/no-such-engine.sock', 'services:', service('two', 'b'), ''].join('\n'));
    const bad = await s.run(['up', '-d']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('ssh://righost2/run/no-such-engine.sock');
  });

  it('a key the server does not accept: up fails with one line naming host b, and host a still converges', async () => {
    const s = scenario('ssh-badkey');
    const gen = await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(s.dir, 'other_key')]);
    expect(gen.code, gen.stderr).toBe(0);
    s.write('fig.yml', sshFig({ identity: 'other_key', knownHosts, services: [['one', 'a'], ['two', 'b']] }));
    const r = await s.run(['up', '-d']);
    expect(r.code).toBe(1);
    const errors = errorLines(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: host b: .*ssh:\/\/root@192\.168\.77\.2.*refused the key/);
    expect(await names(1, s.project)).toEqual([`${s.project}-one-1`]);
    expect(await names(2, s.project)).toEqual([]);
  });

  it('a known_hosts without host b: up fails with one line naming host b, the fix and the fingerprint; the key is never offered; host a converges', async () => {
    const s = scenario('ssh-unknown');
    copyFileSync(sshKey, join(s.dir, 'rig_key'));
    const lines = readFileSync(knownHosts, 'utf8').split('\n').filter(Boolean);
    const hostB = lines.find((l) => l.startsWith('192.168.77.2 '));
    expect(hostB).toBeDefined();
    s.write('known_hosts', `${lines.filter((l) => l !== hostB).join('\n')}\n`);
    const fp = `SHA256:${createHash('sha256').update(Buffer.from(hostB!.split(' ')[2]!, 'base64')).digest('base64').replace(/=+$/, '')}`;
    s.write('fig.yml', sshFig({ identity: 'rig_key', knownHosts: 'known_hosts', services: [['one', 'a'], ['two', 'b']] }));
    const before = sshLogins();
    const r = await s.run(['up', '-d']);
    expect(r.code).toBe(1);
    const errors = errorLines(r);
    expect(errors).toHaveLength(1);
    const file = join(s.dir, 'known_hosts');
    expect(errors[0]).toBe(
      `error: host b: cannot reach the Docker engine at ssh://root@192.168.77.2: ssh: the host key of 192.168.77.2 is not known: add it to ${file} (ssh-keyscan -t ed25519 192.168.77.2 >> ${file}, after checking its fingerprint ${fp})`,
    );
    expect(sshLogins() - before).toBe(0);
    expect(await names(1, s.project)).toEqual([`${s.project}-one-1`]);
    expect((await inspect(1, `${s.project}-one-1`)).running).toBe(true);
    expect(await names(2, s.project)).toEqual([]);
  });

  it('no key anywhere (no identity, no agent, no ~/.ssh keys): one line that says what to do', async () => {
    const s = scenario('ssh-nokey');
    s.write('fig.yml', sshFig({ services: [['two', 'b']] }));
    const r = await s.run(['ps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^host b: no ssh key for ssh:\/\/root@192\.168\.77\.2: .*identity.*SSH_AUTH_SOCK.*\n$/);
  });
});

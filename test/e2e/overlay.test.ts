/**
 * Cross-host overlay networks on the multi-host rig (`bash scripts/hosts.sh up 3`: three
 * dockerds, each in a network namespace of its own, joined by an underlay bridge). The suite
 * brings the rig up itself (idempotent) and fails when it cannot (not root, no dockerd).
 *
 * Checks read real state: HTTP between containers on different hosts, the hosts' vxlan
 * devices, FDB entries and iptables chains (read through a helper container on each host),
 * the engines' networks. Traffic goes only to the rig's namespaces and containers.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainName, deviceNames, projectTag } from '../../src/overlay/alloc.js';
import { tsfig, type RunResult } from '../support/project.js';
import { eventually, SESSION_LABEL, SESSION_ID, uniqueProject } from './support/harness.js';
import { spawnTsfig } from './support/stack.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const TESTDATA = join(HERE, 'testdata', 'overlay');
const HOSTS = 3;

interface Res {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], env: Record<string, string | undefined> = {}, timeout = 180_000): Promise<Res> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20, encoding: 'utf8', timeout }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr: stderr || (err?.message ?? '') });
    });
  });
}

/** The MAC tsfig gives an overlay address: 02:42 and the four bytes. */
const macOf = (ip: string) => ['02', '42', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');

const sock = (i: number) => `unix:///run/tsfig-host${i}.sock`;

/** The docker CLI against rig host i. */
function hdocker(i: number, ...args: string[]): Promise<Res> {
  return exec('docker', args, { DOCKER_HOST: sock(i) });
}

/** A shell script in rig host i's network namespace, with the host's own tools (the helper recipe). */
async function hostSh(i: number, script: string): Promise<string> {
  const r = await hdocker(i, 'run', '--rm', '--network', 'host', '--cap-add', 'NET_ADMIN', '-v', '/:/host:ro', '--label', `${SESSION_LABEL}=${SESSION_ID}`, 'busybox', 'chroot', '/host', '/bin/sh', '-c', script);
  if (r.code !== 0) throw new Error(`host ${i}: ${script}: ${r.stderr}`);
  return r.stdout;
}

interface Vx {
  ifname: string;
  master?: string;
  stats64?: { rx: { packets: number } };
}

async function vxlans(i: number): Promise<Vx[]> {
  const out = await hostSh(i, 'ip -s -d -j link show type vxlan');
  return out.trim() === '' ? [] : (JSON.parse(out) as Vx[]);
}

async function fdb(i: number, dev: string): Promise<string[]> {
  const out = await hostSh(i, `bridge fdb show dev ${dev} | grep ' dst ' || true`);
  return out.split('\n').filter(Boolean).map((l) => l.trim());
}

let rig: { ok: boolean; why?: string } = { ok: false };

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the multi-host rig needs root (network namespaces, a dockerd per host)');
  const r = await exec('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', String(HOSTS)]);
  rig = r.code === 0 ? { ok: true } : { ok: false, why: r.stderr.trim().split('\n').slice(-3).join(' ') };
  if (!rig.ok) throw new Error(`the multi-host rig did not come up: ${rig.why} (it needs root, iproute2 and docker.io; see scripts/hosts.sh)`);
}, 300_000);

interface Scenario {
  project: string;
  dir: string;
  run: (args: string[]) => Promise<RunResult>;
  ok: (args: string[]) => Promise<RunResult>;
  /** The built binary in a child process (run and exec stream to the process's own stdout). */
  bin: (args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;
  ctr: (service: string, n?: number) => string;
  /** Use fig.<variant>.yml as fig.yml. */
  variant: (v: string) => void;
  vxlan: string;
}

const made: Scenario[] = [];

function scenario(name: string): Scenario {
  const project = uniqueProject(`ov-${name}`);
  const root = mkdtempSync(join(tmpdir(), 'tsfig-e2e-ov-'));
  const dir = join(root, name);
  cpSync(join(TESTDATA, name), dir, { recursive: true });
  const env = { HOME: process.env.HOME, PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST, TSFIG_PROGRESS: 'plain' };
  const run = (args: string[]) => tsfig(['-p', project, ...args], { cwd: dir, env });
  const s: Scenario = {
    project,
    dir,
    run,
    ok: async (args) => {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`tsfig ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      return r;
    },
    bin: (args) => spawnTsfig(dir, project, args).done,
    ctr: (service, n = 1) => `${project}-${service}-${n}`,
    variant: (v) => writeFileSync(join(dir, 'fig.yml'), readFileSync(join(dir, `fig.${v}.yml`))),
    vxlan: deviceNames(project, 'back').vxlan,
  };
  made.push(s);
  return s;
}

/** Everything of the project gone from every host: containers, networks, vxlan devices, chain. */
async function expectClean(project: string): Promise<void> {
  const tag = projectTag(project);
  for (let i = 1; i <= HOSTS; i++) {
    const ps = await hdocker(i, 'ps', '-aq', '--filter', `label=io.tsfig.project=${project}`);
    expect(ps.stdout.trim(), `containers on host ${i}`).toBe('');
    const nets = await hdocker(i, 'network', 'ls', '-q', '--filter', `label=io.tsfig.project=${project}`);
    expect(nets.stdout.trim(), `networks on host ${i}`).toBe('');
    const devs = (await vxlans(i)).map((v) => v.ifname).filter((n) => n.startsWith(`tsv${tag}`));
    expect(devs, `vxlan devices on host ${i}`).toEqual([]);
    const rules = await hostSh(i, 'iptables -S');
    expect(rules.split('\n').filter((l) => l.includes(chainName(project))), `iptables on host ${i}`).toEqual([]);
  }
}

async function cleanup(s: Scenario): Promise<void> {
  await s.run(['down', '-t', '1']);
  for (let i = 1; i <= HOSTS; i++) {
    // Whatever a failed test left: containers and networks by label, devices by the project's tag.
    const ps = await hdocker(i, 'ps', '-aq', '--filter', `label=io.tsfig.project=${s.project}`);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await hdocker(i, 'rm', '-f', ...ids);
    const nets = await hdocker(i, 'network', 'ls', '-q', '--filter', `label=io.tsfig.project=${s.project}`);
    for (const n of nets.stdout.split('\n').filter(Boolean)) await hdocker(i, 'network', 'rm', n);
  }
}

afterEach(async () => {
  if (!rig.ok) return;
  for (const s of made.splice(0)) {
    await cleanup(s);
    rmSync(dirname(s.dir), { recursive: true, force: true });
  }
});

afterAll(async () => {
  if (!rig.ok) return;
  // Helper containers the checks ran are --rm; anything left of this session goes by label.
  for (let i = 1; i <= HOSTS; i++) {
    const ps = await hdocker(i, 'ps', '-aq', '--filter', `label=${SESSION_LABEL}=${SESSION_ID}`);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await hdocker(i, 'rm', '-f', ...ids);
  }
});

/** `timeout N wget` inside a container on host i (busybox wget -T segfaults). */
async function wget(i: number, container: string, url: string, seconds = 5): Promise<Res> {
  return hdocker(i, 'exec', container, 'sh', '-c', `timeout ${seconds} wget -q -O - ${url}`);
}

async function fetchOk(i: number, container: string, url: string, timeout = 20_000): Promise<string> {
  return eventually(
    async () => {
      const r = await wget(i, container, url);
      if (r.code !== 0) throw new Error(`wget ${url} from ${container} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    { timeout, interval: 300, message: `fetch ${url}` },
  );
}

/** Stop the dockerd of rig host n (the rig started it; its pidfile says which process) and wait until it is gone. */
async function stopDockerd(n: number): Promise<void> {
  const pid = Number(readFileSync(`/run/tsfig-hosts/h${n}/dockerd.pid`, 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  await eventually(
    () => {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      throw new Error(`dockerd of host ${n} still running`);
    },
    { timeout: 60_000, interval: 250 },
  );
}

describe('overlay networks across hosts', () => {
  it('a service on host a reaches a service on host b by name and alias, and moves 1 MB; host c does not see that traffic; down leaves nothing', async () => {
    const s = scenario('basic');
    const first = await s.ok(['up', '-d']);
    expect(first.stderr).not.toMatch(/gets no answer/);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    expect(await fetchOk(1, s.ctr('web'), 'http://api-alias/')).toBe('hello-from-api\n');
    // Back the other way, and from the bystander on c.
    expect((await fetchOk(3, s.ctr('bystander'), `http://${s.ctr('api')}/`)).trim()).toBe('hello-from-api');

    // Per-MAC FDB: the third host's vxlan does not receive the a<->b traffic (it would with
    // flood entries only: every frame to every peer).
    const rx = async () => (await vxlans(3)).find((v) => v.ifname === s.vxlan)?.stats64?.rx.packets ?? -1;
    const before = await rx();
    expect(before).toBeGreaterThanOrEqual(0);
    const big = await hdocker(1, 'exec', s.ctr('web'), 'sh', '-c', 'timeout 30 wget -q -O /tmp/big http://api/big && wc -c < /tmp/big');
    expect(big.code, big.stderr).toBe(0);
    expect(big.stdout.trim()).toBe('1048576');
    const after = await rx();
    // A megabyte is ~700 frames each way; an ARP broadcast or two may reach c.
    expect(after - before).toBeLessThan(10);

    // A second up changes nothing.
    const again = await s.ok(['plan']);
    expect(again.stdout).toContain('nothing to do');

    await s.ok(['down', '-t', '1']);
    await expectClean(s.project);
  });

  it('hosts b and c without address: detected from their route to a, and cross-host HTTP works', async () => {
    const s = scenario('noaddr');
    await s.ok(['up', '-d']);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    expect((await fetchOk(3, s.ctr('bystander'), 'http://api/')).trim()).toBe('hello-from-api');
    // a's FDB points at the detected addresses of b and c.
    const entries = await fdb(1, s.vxlan);
    expect(entries.some((l) => l.startsWith('00:00:00:00:00:00') && l.includes('dst 192.168.77.2'))).toBe(true);
    expect(entries.some((l) => l.startsWith('00:00:00:00:00:00') && l.includes('dst 192.168.77.3'))).toBe(true);
    const again = await s.ok(['plan']);
    expect(again.stdout).toContain('nothing to do');
    expect(again.stderr).not.toMatch(/default route/);
  });

  it('no host declares an address: each takes its default route\'s source, with a warning; without a route the error names the fix and nothing is made', async () => {
    const s = scenario('noaddr');
    s.variant('none');
    // The rig's namespaces have no default route: nothing to detect from.
    const refused = await s.run(['up', '-d']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/underlay address is unknown: set hosts\.[abc]\.address/);
    for (let i = 1; i <= HOSTS; i++) {
      const ps = await hdocker(i, 'ps', '-aq', '--filter', `label=io.tsfig.project=${s.project}`);
      expect(ps.stdout.trim(), `containers on host ${i}`).toBe('');
    }
    // A default route into the rig's underlay (to an address nobody holds: no packet leaves it).
    const route = (i: number, verb: 'add' | 'del') => exec('ip', ['-n', `tsfig-h${i}`, 'route', verb, 'default', 'via', '192.168.77.254', 'dev', 'eth0']);
    try {
      for (let i = 1; i <= HOSTS; i++) expect((await route(i, 'add')).code).toBe(0);
      const r = await s.ok(['up', '-d']);
      for (const h of ['a', 'b', 'c']) expect(r.stderr).toContain(`host ${h}: no underlay address is set for it or any peer: using 192.168.77.`);
      expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
      const entries = await fdb(1, s.vxlan);
      expect(entries.some((l) => l.startsWith('00:00:00:00:00:00') && l.includes('dst 192.168.77.2'))).toBe(true);
      expect((await s.ok(['plan'])).stdout).toContain('nothing to do');
    } finally {
      for (let i = 1; i <= HOSTS; i++) await route(i, 'del');
    }
  });

  it('two projects on the same hosts: separate subnets and VNIs, each reaches only its own services, and down of one leaves the other working', async () => {
    const p1 = scenario('basic');
    const p2 = scenario('basic');
    await p1.ok(['up', '-d']);
    const net = async (s: Scenario, i: number) => {
      const r = await hdocker(i, 'network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}} {{index .Labels "io.tsfig.overlay.vni"}}', `${s.project}_back`);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split(' ');
    };
    const [subnet1, vni1] = await net(p1, 1);
    // The second project asks for the first one's range: refused before anything is made, naming the route.
    const original = readFileSync(join(p2.dir, 'fig.yml'), 'utf8');
    writeFileSync(join(p2.dir, 'fig.yml'), original.replace('    driver: overlay', `    driver: overlay\n    ipam: {config: [{subnet: ${subnet1}}]}`));
    const clash = await p2.run(['up', '-d']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(new RegExp(`networks\\.back: subnet ${subnet1!.replace(/\./g, '\\.')} overlaps the route .* on host [abc]`));
    expect((await hdocker(1, 'ps', '-aq', '--filter', `label=io.tsfig.project=${p2.project}`)).stdout.trim()).toBe('');
    writeFileSync(join(p2.dir, 'fig.yml'), original);
    await p2.ok(['up', '-d']);
    const [subnet2, vni2] = await net(p2, 1);
    expect(subnet2).not.toBe(subnet1);
    expect(vni2).not.toBe(vni1);

    // Each web reaches its own api by the same name.
    const who = async (s: Scenario, i: number) => (await hdocker(i, 'inspect', '-f', '{{.Config.Hostname}}', s.ctr('api'))).stdout.trim();
    expect((await fetchOk(1, p1.ctr('web'), 'http://api/who')).trim()).toBe(await who(p1, 2));
    expect((await fetchOk(1, p2.ctr('web'), 'http://api/who')).trim()).toBe(await who(p2, 2));
    // Not the other project's api, even by address.
    const ip1 = (await hdocker(2, 'inspect', '-f', `{{(index .NetworkSettings.Networks "${p1.project}_back").IPAddress}}`, p1.ctr('api'))).stdout.trim();
    expect(ip1).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await wget(1, p2.ctr('web'), `http://${ip1}/`, 3)).code).not.toBe(0);

    // The first project's 1 MB a->b does not reach the second project's vxlan on b.
    const rx = async () => (await vxlans(2)).find((v) => v.ifname === p2.vxlan)?.stats64?.rx.packets ?? -1;
    const before = await rx();
    expect(before).toBeGreaterThanOrEqual(0);
    const big = await hdocker(1, 'exec', p1.ctr('web'), 'sh', '-c', 'timeout 30 wget -q -O /tmp/big http://api/big && wc -c < /tmp/big');
    expect(big.stdout.trim(), big.stderr).toBe('1048576');
    expect((await rx()) - before).toBeLessThan(10);

    await p1.ok(['down', '-t', '1']);
    await expectClean(p1.project);
    expect((await fetchOk(1, p2.ctr('web'), 'http://api/who')).trim()).toBe(await who(p2, 2));
    expect((await vxlans(1)).some((v) => v.ifname === p2.vxlan)).toBe(true);
  });

  it('every command across hosts: plan by host, ps HOST, scale on the service\'s host, logs name@host, exec and run on hosts b and c (one-offs get an address and the names), stop/start/restart/kill/rm', async () => {
    const s = scenario('basic');
    const plan = await s.ok(['plan']);
    // Grouped by host: each host's section holds its network, overlay script and container.
    const section = (h: string) => (plan.stdout.split(/^(?=host \w+:$)/m).find((x) => x.startsWith(`host ${h}:`)) ?? '');
    for (const [h, svc] of [['a', 'web'], ['b', 'api'], ['c', 'bystander']] as const) {
      expect(section(h)).toContain(`container ${s.ctr(svc)}: create`);
      expect(section(h)).toContain('host overlay: configure');
    }
    // Helpers a killed tsfig left on b: the finished one is cleaned up by label, the running one
    // (a concurrent command's) is left alone.
    const helperLabels = ['--label', `io.tsfig.project=${s.project}`, '--label', 'io.tsfig.helper=overlay-read', '--label', `${SESSION_LABEL}=${SESSION_ID}`];
    const finished = (await hdocker(2, 'run', '-d', ...helperLabels, 'busybox', 'true')).stdout.trim();
    const running = (await hdocker(2, 'run', '-d', ...helperLabels, 'busybox', 'sleep', '120')).stdout.trim();
    await eventually(async () => expect((await hdocker(2, 'inspect', '-f', '{{.State.Status}}', finished)).stdout.trim()).toBe('exited'), { timeout: 10_000 });
    await s.ok(['up', '-d']);
    expect((await hdocker(2, 'inspect', finished)).code).not.toBe(0);
    expect((await hdocker(2, 'inspect', '-f', '{{.State.Status}}', running)).stdout.trim()).toBe('running');
    await hdocker(2, 'rm', '-f', running);
    const ps = await s.ok(['ps']);
    const row = (name: string) => ps.stdout.split('\n').find((l) => l.includes(name)) ?? '';
    expect(ps.stdout.split('\n')[0]).toMatch(/^HOST\s+NAME/);
    expect(row(s.ctr('api'))).toMatch(/^b\s/);
    expect(row(s.ctr('bystander'))).toMatch(/^c\s/);

    // exec in api, on host b: output and exit code.
    const who = (await hdocker(2, 'inspect', '-f', '{{.Config.Hostname}}', s.ctr('api'))).stdout.trim();
    expect((await s.bin(['exec', '-T', 'api', 'cat', '/w/who'])).stdout.trim()).toBe(who);
    const e3 = await s.bin(['exec', '-T', 'api', 'sh', '-c', 'echo on-b >&2; exit 3']);
    expect(e3.code).toBe(3);
    expect(e3.stderr).toContain('on-b');

    // run on host c: the one-off reaches api (on b) by name and alias, and exits with its code.
    const r = await s.bin(['run', '--rm', '-T', 'bystander', 'sh', '-c', 'timeout 5 wget -q -O - http://api/ && timeout 5 wget -q -O - http://api-alias/who && exit 4']);
    expect(r.stdout).toBe(`hello-from-api\n${who}\n`);
    expect(r.code).toBe(4);
    // A detached one-off on a: its own address in a's slice (recorded), reachable from b; up leaves it be.
    const d = await s.bin(['run', '-d', 'web', 'sh', '-c', 'echo hi-from-run > /tmp/i; httpd -f -p 80 -h /tmp & sleep 600']);
    const oneoff = d.stdout.trim();
    const ip = (await hdocker(1, 'inspect', '-f', `{{(index .NetworkSettings.Networks "${s.project}_back").IPAddress}}|{{index .Config.Labels "io.tsfig.overlay.endpoints"}}`, oneoff)).stdout.trim();
    const [addr, label] = ip.split('|');
    const webIp = (await hdocker(1, 'inspect', '-f', `{{(index .NetworkSettings.Networks "${s.project}_back").IPAddress}}`, s.ctr('web'))).stdout.trim();
    expect(addr!.split('.').slice(0, 3)).toEqual(webIp.split('.').slice(0, 3));
    expect(addr).not.toBe(webIp);
    expect(label).toBe(`back=${addr}/${macOf(addr!)}`);
    expect((await fetchOk(2, s.ctr('api'), `http://${addr}/i`)).trim()).toBe('hi-from-run');
    expect((await s.ok(['plan'])).stdout).toContain('nothing to do');

    // logs: the host in the prefix.
    const logs = await s.ok(['logs', '--no-color', 'api', 'web']);
    expect(logs.stderr + logs.stdout).not.toMatch(/error/i);
    const withHost = await s.bin(['exec', '-T', 'api', 'sh', '-c', 'echo marker-b > /proc/1/fd/1']);
    expect(withHost.code, withHost.stderr).toBe(0);
    const after = await s.ok(['logs', '--no-color', 'api']);
    expect(after.stdout).toMatch(new RegExp(`^${s.ctr('api')}@b\\s*\\| marker-b$`, 'm'));

    // scale keeps the replicas on the service's host; the new one is reachable across hosts.
    await s.ok(['up', '-d', '--scale', 'api=2']);
    for (let i = 1; i <= HOSTS; i++) {
      const apis = (await hdocker(i, 'ps', '-q', '--filter', `label=io.tsfig.project=${s.project}`, '--filter', 'label=io.tsfig.service=api')).stdout.trim().split('\n').filter(Boolean);
      expect(apis.length, `api replicas on host ${i}`).toBe(i === 2 ? 2 : 0);
    }
    const ip2 = (await hdocker(2, 'inspect', '-f', `{{(index .NetworkSettings.Networks "${s.project}_back").IPAddress}}`, s.ctr('api', 2))).stdout.trim();
    expect(await fetchOk(1, s.ctr('web'), `http://${ip2}/`)).toBe('hello-from-api\n');
    await s.ok(['up', '-d', '--scale', 'api=1']);

    // stop/start/restart/kill/rm of the service on b, seen on b's engine.
    const state = async () => (await hdocker(2, 'inspect', '-f', '{{.State.Status}} {{.State.StartedAt}}', s.ctr('api'))).stdout.trim().split(' ');
    await s.ok(['stop', '-t', '1', 'api']);
    expect((await state())[0]).toBe('exited');
    await s.ok(['start', 'api']);
    const [st1, started1] = await state();
    expect(st1).toBe('running');
    await s.ok(['restart', '-t', '1', 'api']);
    const [st2, started2] = await state();
    expect(st2).toBe('running');
    expect(started2).not.toBe(started1);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    await s.ok(['kill', 'api']);
    expect((await state())[0]).toBe('exited');
    await s.ok(['rm', '-f', 'api']);
    expect((await hdocker(2, 'ps', '-aq', '--filter', `label=io.tsfig.project=${s.project}`)).stdout.trim()).toBe('');
    // down takes the one-off too.
    await s.ok(['down', '-t', '1']);
    await expectClean(s.project);
  });

  it('a service added on host b: b\'s containers stay (its engine\'s DNS answers for them), the others learn the name', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    const id = async (i: number, svc: string) => (await hdocker(i, 'inspect', '-f', '{{.Id}}', s.ctr(svc))).stdout.trim();
    const apiBefore = await id(2, 'api');
    s.variant('plus');
    await s.ok(['up', '-d']);
    expect(await id(2, 'api')).toBe(apiBefore);
    // Same host: by the engine's DNS; other hosts: by their hosts entries.
    expect((await fetchOk(2, s.ctr('api'), 'http://api2/')).trim()).toBe('hello-from-api2');
    expect((await fetchOk(1, s.ctr('web'), 'http://api2/')).trim()).toBe('hello-from-api2');
    expect((await fetchOk(3, s.ctr('bystander'), 'http://api2/')).trim()).toBe('hello-from-api2');
    expect((await hdocker(2, 'exec', s.ctr('api'), 'grep', '-c', 'api2', '/etc/hosts')).stdout.trim()).toBe('0');
  });

  it('a deleted vxlan device is restored by the next up', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    await fetchOk(1, s.ctr('web'), 'http://api/');
    await hostSh(2, `ip link del ${s.vxlan}`);
    const broken = await wget(1, s.ctr('web'), 'http://api/', 2);
    expect(broken.code).not.toBe(0);
    const plan = await s.ok(['plan']);
    expect(plan.stdout).toMatch(/vxlan .* missing/);
    await s.ok(['up', '-d']);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    const dev = (await vxlans(2)).find((v) => v.ifname === s.vxlan);
    expect(dev?.master).toBe(deviceNames(s.project, 'back').bridge);
  });

  it('moving a service from host b to host c leaves no stale FDB entry on host a', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    await fetchOk(1, s.ctr('web'), 'http://api/');
    const oldEntries = await fdb(1, s.vxlan);
    expect(oldEntries.some((l) => l.includes('dst 192.168.77.2') && !l.startsWith('00:00:00:00:00:00'))).toBe(true);
    s.variant('moved');
    await s.ok(['up', '-d']);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    const entries = await fdb(1, s.vxlan);
    // b runs nothing of the network any more: no entry on a points there.
    expect(entries.filter((l) => l.includes('dst 192.168.77.2'))).toEqual([]);
    expect(entries.some((l) => l.includes('dst 192.168.77.3') && !l.startsWith('00:00:00:00:00:00'))).toBe(true);
    const onB = await hdocker(2, 'ps', '-aq', '--filter', `label=io.tsfig.project=${s.project}`);
    expect(onB.stdout.trim()).toBe('');
  });

  it('restarting host b\'s dockerd, then up, restores cross-host traffic', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    await fetchOk(1, s.ctr('web'), 'http://api/');
    await stopDockerd(2);
    const r = await exec('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', String(HOSTS)]);
    expect(r.code, r.stderr).toBe(0);
    await s.ok(['up', '-d']);
    expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
    const dev = (await vxlans(2)).find((v) => v.ifname === s.vxlan);
    expect(dev?.master).toBe(deviceNames(s.project, 'back').bridge);
  });

  it('doctor probes each host pair and names the pair whose UDP 4789 is filtered', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    const healthy = await s.run(['doctor']);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/a -> b: .* answers/);
    const rule = ['--net=/var/run/netns/tsfig-h2', 'iptables', '-I', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP'];
    const block = await exec('nsenter', rule);
    expect(block.code, block.stderr).toBe(0);
    try {
      const r = await s.run(['doctor']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL a -> b: no answer/);
      expect(r.stdout).toMatch(/ok +a -> c/);
      // An up that configures the overlay probes the pairs too, and names the one that drops VXLAN.
      const s2 = scenario('basic');
      const up = await s2.run(['up', '-d']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/warning: overlay network back: host a gets no answer from host b \(.*\) across it: check that UDP 4789 passes between 192\.168\.77\.1 and 192\.168\.77\.2 both ways/);
      expect(up.stderr).not.toMatch(/host a gets no answer from host c/);
      expect(up.stderr).not.toMatch(/host c gets no answer from host a/);
    } finally {
      await exec('nsenter', rule.map((x) => (x === '-I' ? '-D' : x)));
    }
  });

  it('with host c down, up reports c unreachable and exits 1; a and b stay intact', async () => {
    const s = scenario('basic');
    await s.ok(['up', '-d']);
    await fetchOk(1, s.ctr('web'), 'http://api/');
    const before = await fdb(1, s.vxlan);
    try {
      await stopDockerd(3);
      const r = await s.run(['up', '-d']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\bc\b/);
      expect(r.stderr).toContain('tsfig-host3.sock');
      // a and b: untouched and still talking; a keeps its entries for c (unknown, not absent).
      expect(await fetchOk(1, s.ctr('web'), 'http://api/')).toBe('hello-from-api\n');
      expect((await fdb(1, s.vxlan)).sort()).toEqual([...before].sort());
    } finally {
      const r = await exec('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', String(HOSTS)]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});

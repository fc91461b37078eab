/**
 * reconcile/spec.ts against a real engine: the fixture test/e2e/testdata/spec/fig.yml uses as
 * many service keys as one engine takes; each container is created from containerSpec() and
 * every key is checked on `docker inspect` or inside the container, never on our own output.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Project } from '../../src/model/project.js';
import { containerSpec, type ContainerSpec } from '../../src/reconcile/spec.js';
import {
  cleanupProject,
  docker,
  dockerJson,
  dockerResult,
  engineFromEnv,
  eventually,
  projectLabels,
  requireEngine,
  uniqueProject,
} from './support/harness.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'spec');
/** Creation order: a service comes after the services it joins or links. */
const ORDER = ['db', 'full', 'joiner', 'bridged', 'legacy', 'entry', 'limits', 'keeper', 'priv'];
/** Created only: privileged containers cannot start on these machines (and there is no GPU). */
const CREATE_ONLY = new Set(['priv']);
const MiB = 1024 * 1024;

let engine: Engine;
let project: string;
let dir: string;
let p: Project;
let image: string;
let apiVersion: string;
const env: Record<string, string> = {};
const ids: Record<string, string> = {};
const specs: Record<string, ContainerSpec> = {};
const warnings: Record<string, string[]> = {};
const strayVolumes: string[] = [];

/** A value deep inside parsed JSON: at(x, 'HostConfig.Memory'). */
function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function obj(v: unknown): Record<string, unknown> {
  expect(v).toBeTypeOf('object');
  return v as Record<string, unknown>;
}

async function inspect(svc: string): Promise<Record<string, unknown>> {
  const id = ids[svc];
  if (id === undefined) throw new Error(`no container for ${svc}`);
  const list = await dockerJson<unknown[]>('inspect', id);
  return obj(list[0]);
}

/** Runs a shell script in the service's container; stdout, trimmed (fails on a non-zero exit unless allowed). */
async function sh(svc: string, script: string, allowFailure = false): Promise<{ out: string; code: number }> {
  const r = await engine.exec(ids[svc]!, { cmd: ['sh', '-c', script] });
  if (!allowFailure && r.exitCode !== 0) throw new Error(`${svc}: ${script}: exit ${r.exitCode}: ${r.stderr}`);
  return { out: r.stdout.replace(/\r/g, '').trim(), code: r.exitCode };
}

function mountAt(i: Record<string, unknown>, target: string): Record<string, unknown> {
  const m = (at(i, 'Mounts') as Array<Record<string, unknown>>).find((x) => x.Destination === target);
  if (m === undefined) throw new Error(`no mount at ${target}`);
  return m;
}

function containerName(svc: string): string {
  return `${project}-${svc}-1`;
}

async function createService(svc: string, anonymousVolumes?: Record<string, string>): Promise<string> {
  const spec = containerSpec({
    project: p,
    service: p.services[svc]!,
    number: 1,
    containerName: containerName(svc),
    image: p.services[svc]!.image ?? '',
    labels: projectLabels(project, { 'io.tsfig.service': svc, 'io.tsfig.number': '1' }),
    containerOf: (other) => (ids[other] !== undefined ? containerName(other) : undefined),
    apiVersion,
    ...(anonymousVolumes !== undefined ? { anonymousVolumes } : {}),
  });
  specs[svc] = spec;
  const created = await engine.createContainer(spec.name, spec.body, spec.platform !== undefined ? { platform: spec.platform } : {});
  warnings[svc] = created.warnings;
  for (const n of spec.extraNetworks) await engine.connectNetwork(n.network, created.id, n.config);
  ids[svc] = created.id;
  if (!CREATE_ONLY.has(svc)) await engine.startContainer(created.id);
  return created.id;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  apiVersion = (await engine.version()).apiVersion;
  project = uniqueProject('spec');
  dir = join(mkdtempSync(join(tmpdir(), 'tsfig-spec-')), 'spec');
  cpSync(FIXTURE, dir, { recursive: true });

  // An image with an entrypoint and an environment variable, to clear and unset them.
  image = `tsfig-spec-${project}:latest`;
  const base = await engine.createContainer(undefined, { Image: 'busybox:latest', Cmd: ['true'], Labels: projectLabels(project) });
  await docker('commit', '--change', 'ENTRYPOINT ["/bin/false"]', '--change', 'ENV IMGVAR=fromimage', base.id, image);
  await engine.removeContainer(base.id, { force: true });

  const x = randomInt(1, 250);
  const port = randomInt(39000, 39900);
  Object.assign(env, {
    HOME: '/root',
    SPEC_SUBNET: `10.231.${x}.0/24`,
    SPEC_IP: `10.231.${x}.10`,
    SPEC_MAC: `02:42:0a:e7:${x.toString(16).padStart(2, '0')}:99`,
    SPEC_RANGE: `${port}-${port + 10}`,
    SPEC_DB: `${project}-db-1`,
    SPEC_IMAGE: image,
    SPEC_PLATFORM: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  });
  const r = loadProject({ cwd: dir, env, homeDir: '/root', projectName: project });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  p = r.project!;

  for (const net of Object.values(p.networks)) {
    const subnets = net.ipam?.config?.map((c) => (c.subnet !== undefined ? { Subnet: c.subnet } : {}));
    await engine.createNetwork({
      Name: net.name,
      Labels: projectLabels(project),
      ...(subnets !== undefined ? { IPAM: { Config: subnets } } : {}),
    });
  }
  for (const vol of Object.values(p.volumes)) await engine.createVolume({ Name: vol.name, Labels: projectLabels(project) });
  for (const svc of ORDER) await createService(svc);
});

afterAll(async () => {
  if (engine === undefined || project === undefined) return;
  await cleanupProject(engine, project);
  for (const v of strayVolumes) await engine.removeVolume(v, { force: true }).catch(() => undefined);
  if (image !== undefined) await dockerResult('rmi', '-f', image);
  if (dir !== undefined) rmSync(dirname(dir), { recursive: true, force: true });
});

describe('spec on the engine: the main container (full)', () => {
  it('is running and becomes healthy', async () => {
    await eventually(async () => expect(at(await inspect('full'), 'State.Health.Status')).toBe('healthy'), { timeout: 20_000 });
    const i = await inspect('full');
    expect(at(i, 'Config.Healthcheck')).toEqual({ Test: ['CMD', 'true'], Interval: 1e9, Timeout: 1e9, StartPeriod: 1e9, Retries: 2 });
  });

  it('maps the config keys: working_dir, hostname, domainname, environment, labels, tty, stdin_open, stop_*', async () => {
    const i = await inspect('full');
    expect(obj(at(i, 'Config'))).toMatchObject({
      WorkingDir: '/srv/app',
      Hostname: 'h1',
      Domainname: 'example.test',
      Tty: true,
      OpenStdin: true,
      StopSignal: 'SIGINT',
      StopTimeout: 3,
      MacAddress: env.SPEC_MAC,
    });
    expect(at(i, 'Config.Labels')).toMatchObject({ 'com.example.role': 'full', 'io.tsfig.project': project });
    expect(at(i, 'Config.Env')).toEqual(expect.arrayContaining(['A=1', 'SPACED=a b']));
    expect((await sh('full', 'pwd')).out).toBe('/srv/app');
    expect((await sh('full', 'hostname')).out).toBe('h1');
    expect((await sh('full', 'cat /proc/sys/kernel/domainname')).out).toBe('example.test');
    expect((await sh('full', 'echo "$SPACED"')).out).toBe('a b');
  });

  it('publishes ports (random, udp, a host range) and exposes ports', async () => {
    const i = await inspect('full');
    expect(Object.keys(obj(at(i, 'Config.ExposedPorts'))).sort()).toEqual(['3000/tcp', '4000/udp', '80/tcp', '81/udp', '82/tcp']);
    const ports = obj(at(i, 'NetworkSettings.Ports'));
    const bound = (k: string) => (ports[k] as Array<{ HostIp: string; HostPort: string }>)[0]!;
    expect(bound('80/tcp').HostIp).toBe('127.0.0.1');
    expect(Number(bound('80/tcp').HostPort)).toBeGreaterThan(0);
    expect(Number(bound('81/udp').HostPort)).toBeGreaterThan(0);
    const [lo, hi] = env.SPEC_RANGE!.split('-').map(Number);
    expect(Number(bound('82/tcp').HostPort)).toBeGreaterThanOrEqual(lo!);
    expect(Number(bound('82/tcp').HostPort)).toBeLessThanOrEqual(hi!);
    expect(ports['3000/tcp']).toBeNull();
  });

  it('mounts binds (host path created), a bind that must exist, named, nocopy, anonymous and tmpfs volumes', async () => {
    const i = await inspect('full');
    expect(statSync(join(dir, 'created-by-engine')).isDirectory()).toBe(true);
    expect(mountAt(i, '/created')).toMatchObject({ Type: 'bind', Source: join(dir, 'created-by-engine'), RW: true });
    expect(at(i, 'HostConfig.Binds')).toContain(`${join(dir, 'zdir')}:/zdir:rw,z`);
    expect(mountAt(i, '/zdir')).toMatchObject({ Type: 'bind', Mode: 'rw,z' });
    expect(mountAt(i, '/conf')).toMatchObject({ Type: 'bind', Source: join(dir, 'conf'), RW: false, Propagation: 'rprivate' });
    expect((await sh('full', 'cat /conf/app.conf')).out).toBe('key=value');
    expect((await sh('full', 'touch /conf/x', true)).code).not.toBe(0);
    expect(mountAt(i, '/data')).toMatchObject({ Type: 'volume', Name: `${project}_data`, RW: true });
    expect(mountAt(i, '/data-nocopy')).toMatchObject({ Type: 'volume', Name: `${project}_data` });
    const nocopy = (at(i, 'HostConfig.Mounts') as Array<Record<string, unknown>>).find((m) => m.Target === '/data-nocopy');
    expect(nocopy).toMatchObject({ VolumeOptions: { NoCopy: true } });
    expect(String(mountAt(i, '/anon').Name)).toMatch(/^[0-9a-f]{64}$/);
    expect(mountAt(i, '/scratch')).toMatchObject({ Type: 'tmpfs' });
    expect((await sh('full', 'stat -c %a /scratch')).out).toBe('1777');
    expect((await sh('full', "df -k /scratch | awk 'NR==2 {print $2}'")).out).toBe('1024');
    expect(at(i, 'HostConfig.Tmpfs')).toEqual({ '/run/t': 'size=2m' });
    expect((await sh('full', "df -k /run/t | awk 'NR==2 {print $2}'")).out).toBe('2048');
  });

  it('mounts file-based secrets and configs read-only', async () => {
    expect((await sh('full', 'cat /run/secrets/s1')).out).toBe('top-secret');
    expect((await sh('full', 'cat /etc/app.conf')).out).toBe('key=value');
    expect((await sh('full', 'echo x > /run/secrets/s1', true)).code).not.toBe(0);
    expect(mountAt(await inspect('full'), '/run/secrets/s1')).toMatchObject({ Type: 'bind', RW: false });
  });

  it('joins the networks by priority with a static IP, the MAC address, aliases and links', async () => {
    const i = await inspect('full');
    const front = p.networks.front!.name;
    const back = p.networks.back!.name;
    expect(at(i, 'HostConfig.NetworkMode')).toBe(front);
    expect(Object.keys(obj(at(i, 'NetworkSettings.Networks'))).sort()).toEqual([back, front].sort());
    const nf = obj(at(i, `NetworkSettings.Networks.${front}`));
    expect(nf.IPAddress).toBe(env.SPEC_IP);
    expect(nf.MacAddress).toBe(env.SPEC_MAC);
    expect(nf.Aliases).toEqual(expect.arrayContaining([containerName('full'), 'full', 'fullalias']));
    const nb = obj(at(i, `NetworkSettings.Networks.${back}`));
    expect(nb.Aliases).toEqual(expect.arrayContaining([containerName('full'), 'full', 'backalias']));
    expect(nb.Links).toEqual([`${containerName('db')}:database`, `${containerName('db')}:extdb`]);

    // Links resolve from full; aliases resolve from db (on back only).
    const dbIp = String(at(await inspect('db'), `NetworkSettings.Networks.${back}.IPAddress`));
    const resolved = async (svc: string, name: string) => /\(([\d.]+)\)/.exec((await sh(svc, `ping -c 1 -W 1 ${name} 2>&1 | head -1`, true)).out)?.[1];
    expect(await resolved('full', 'database')).toBe(dbIp);
    expect(await resolved('full', 'extdb')).toBe(dbIp);
    expect(await resolved('db', 'backalias')).toBe(nb.IPAddress);
    expect(await resolved('db', 'full')).toBe(nb.IPAddress);
  });

  it('sets dns, dns_search, dns_opt and extra_hosts', async () => {
    const i = await inspect('full');
    expect(obj(at(i, 'HostConfig'))).toMatchObject({ Dns: ['10.255.255.53'], DnsSearch: ['a.test'], DnsOptions: ['ndots:2'], ExtraHosts: ['somehost:10.1.2.3'] });
    const resolv = (await sh('full', 'cat /etc/resolv.conf')).out;
    expect(resolv).toMatch(/^search a\.test$/m);
    expect(resolv).toMatch(/^options ndots:2$/m);
    expect((await sh('full', 'cat /etc/hosts')).out).toMatch(/^10\.1\.2\.3\s+somehost$/m);
  });

  it('applies resource limits', async () => {
    const i = await inspect('full');
    expect(obj(at(i, 'HostConfig'))).toMatchObject({
      Memory: 64 * MiB,
      MemorySwap: 128 * MiB,
      MemoryReservation: 32 * MiB,
      CpuShares: 512,
      NanoCpus: 500_000_000,
      CpusetCpus: '0',
      PidsLimit: 100,
      ShmSize: 8 * MiB,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      OomScoreAdj: 300,
    });
    expect((await sh('full', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')).out).toBe(String(64 * MiB));
    expect((await sh('full', 'cat /sys/fs/cgroup/pids/pids.max')).out).toBe('100');
    expect((await sh('full', 'cat /sys/fs/cgroup/cpuset/cpuset.cpus')).out).toBe('0');
    // The main process's limits (an exec'd shell is no witness: Debian's runc 1.1.5, built with Go
    // 1.19, races its own runtime raising the soft limit to the hard one in `runc exec`).
    expect((await sh('full', "awk '/^Max open files/ {print $4, $5}' /proc/1/limits")).out).toBe('1024 2048');
    expect((await sh('full', 'cat /proc/1/oom_score_adj')).out).toBe('300');
    expect((await sh('full', "df -k /dev/shm | awk 'NR==2 {print $2}'")).out).toBe('8192');
  });

  it('sets capabilities, security options, sysctls, devices, groups, init and ipc', async () => {
    const i = await inspect('full');
    expect(obj(at(i, 'HostConfig'))).toMatchObject({
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['CHOWN'],
      SecurityOpt: ['no-new-privileges'],
      Sysctls: { 'net.core.somaxconn': '1024' },
      Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/xnull', CgroupPermissions: 'rw' }],
      DeviceCgroupRules: ['c 1:3 mr'],
      GroupAdd: ['123'],
      Init: true,
      IpcMode: 'shareable',
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    });
    const capEff = BigInt(`0x${(await sh('full', "awk '/^CapEff/ {print $2}' /proc/self/status")).out}`);
    expect(capEff & (1n << 12n)).not.toBe(0n); // CAP_NET_ADMIN
    expect(capEff & 1n).toBe(0n); // CAP_CHOWN
    expect((await sh('full', "awk '/^NoNewPrivs/ {print $2}' /proc/self/status")).out).toBe('1');
    expect((await sh('full', 'cat /proc/sys/net/core/somaxconn')).out).toBe('1024');
    expect((await sh('full', 'test -c /dev/xnull && echo x > /dev/xnull && echo ok')).out).toBe('ok');
    expect((await sh('full', 'id -G')).out.split(' ')).toContain('123');
    expect((await sh('full', 'cat /proc/1/comm')).out).toBe('docker-init');
  });
});

describe('spec on the engine: shared namespaces and volumes_from (joiner)', () => {
  it('joins the network, pid and ipc namespaces of other services', async () => {
    const i = await inspect('joiner');
    // The spec names the containers; the engine stores their ids.
    expect(specs.joiner!.body.HostConfig).toMatchObject({ NetworkMode: `container:${containerName('db')}` });
    expect(obj(at(i, 'HostConfig'))).toMatchObject({
      NetworkMode: `container:${ids.db!}`,
      PidMode: `container:${ids.db!}`,
      IpcMode: `container:${ids.full!}`,
    });
    const mac = async (svc: string) => (await sh(svc, 'cat /sys/class/net/eth0/address')).out;
    expect(await mac('joiner')).toBe(await mac('db'));
    expect((await sh('joiner', "tr '\\0' ' ' < /proc/1/cmdline")).out).toContain('db-marker');
  });

  it('mounts the volumes of db read-only', async () => {
    const j = mountAt(await inspect('joiner'), '/shared');
    expect(j).toMatchObject({ Type: 'volume', RW: false, Name: mountAt(await inspect('db'), '/shared').Name });
    expect((await sh('joiner', 'touch /shared/x', true)).code).not.toBe(0);
    expect(at(await inspect('joiner'), 'HostConfig.VolumesFrom')).toEqual([`${containerName('db')}:ro`]);
  });
});

describe('spec on the engine: legacy links on the default bridge', () => {
  it('lets the engine inject link variables and hosts entries', async () => {
    const i = await inspect('legacy');
    expect(at(i, 'HostConfig.NetworkMode')).toBe('bridge');
    expect(at(i, 'HostConfig.Links')).toEqual([`/${containerName('bridged')}:/${containerName('legacy')}/bb`]);
    const envOut = (await sh('legacy', 'env')).out;
    expect(envOut).toMatch(new RegExp(`^BB_NAME=/${containerName('legacy')}/bb$`, 'm'));
    expect(envOut).toMatch(/^BB_PORT=tcp:\/\/[\d.]+:5000$/m);
    expect((await sh('legacy', 'cat /etc/hosts')).out).toMatch(/\sbb(\s|$)/m);
  });
});

describe('spec on the engine: entrypoint, environment, user (entry)', () => {
  it('clears the image entrypoint with entrypoint: "" and runs the command', async () => {
    await eventually(async () => expect(at(await inspect('entry'), 'State.Running')).toBe(true));
    expect(specs.entry!.body.Entrypoint).toEqual([]);
    const i = await inspect('entry');
    expect(at(i, 'Config.Entrypoint') ?? []).toEqual([]);
    expect((await sh('entry', 'cat /proc/1/cmdline | tr "\\0" " "')).out).toContain('while :');
    expect(at(i, 'Platform')).toBe('linux');
  });

  it('unsets a variable of the image with a null value and keeps an empty one', async () => {
    const out = (await sh('entry', 'env')).out;
    expect(out).not.toMatch(/^IMGVAR=/m);
    expect(out).toMatch(/^EMPTY=$/m);
  });

  it('runs as user in working_dir', async () => {
    expect((await sh('entry', 'id -u; id -g; pwd')).out.split('\n')).toEqual(['1000', '1000', '/work']);
  });
});

describe('spec on the engine: cpu, deploy resources, restart policy, namespaces (limits)', () => {
  it('applies the limits', async () => {
    const i = await inspect('limits');
    expect(obj(at(i, 'HostConfig'))).toMatchObject({
      CpuQuota: 50000,
      CpuPeriod: 100000,
      MemorySwappiness: 10,
      OomKillDisable: true,
      Memory: 32 * MiB,
      MemorySwap: 64 * MiB,
      MemoryReservation: 16 * MiB,
      PidsLimit: 50,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      ReadonlyRootfs: true,
      UTSMode: 'host',
      UsernsMode: 'host',
      CgroupnsMode: 'private',
      NetworkMode: 'none',
    });
    expect((await sh('limits', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us')).out).toBe('50000');
    expect((await sh('limits', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')).out).toBe(String(32 * MiB));
    expect((await sh('limits', 'cat /sys/fs/cgroup/pids/pids.max')).out).toBe('50');
    expect((await sh('limits', 'cat /sys/fs/cgroup/memory/memory.oom_control')).out).toMatch(/^oom_kill_disable 1$/m);
    expect((await sh('limits', 'touch /x', true)).code).not.toBe(0);
    expect((await sh('limits', 'hostname')).out).toBe(hostname());
  });
});

describe('spec on the engine: created only (privileged)', () => {
  it('creates privileged containers with all capabilities, a cgroup parent, the runtime, isolation, real-time CPU and a GPU request', async () => {
    const i = await inspect('priv');
    expect(obj(at(i, 'HostConfig'))).toMatchObject({
      Privileged: true,
      CapAdd: ['ALL'],
      CgroupParent: 'tsfig-spec-test',
      Runtime: 'runc',
      Isolation: 'default',
      CpuRealtimeRuntime: 400000,
      CpuRealtimePeriod: 1000000,
      DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: null }],
    });
  });
});

describe('spec on the engine: anonymous volumes survive a recreate', () => {
  it('mounts the old anonymous volume into the new container', async () => {
    await sh('keeper', 'echo kept > /keep/f');
    const name = String(mountAt(await inspect('keeper'), '/keep').Name);
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    strayVolumes.push(name);
    await engine.removeContainer(ids.keeper!, { force: true, volumes: false });
    await createService('keeper', { '/keep': name });
    expect(mountAt(await inspect('keeper'), '/keep').Name).toBe(name);
    expect((await sh('keeper', 'cat /keep/f')).out).toBe('kept');
  });
});

describe('spec on the engine: what the engine said', () => {
  it('created every container; warnings are only about kernel features this machine lacks', () => {
    for (const svc of ORDER) expect(ids[svc]).toBeDefined();
    expect(existsSync(dir)).toBe(true);
    // Printed for the record: the engine discards what the kernel cannot do, with a warning.
    const all = Object.entries(warnings).filter(([, w]) => w.length > 0);
    if (all.length > 0) console.log('engine warnings:', JSON.stringify(all));
    expect(warnings.full).toEqual([]);
  });
});

/**
 * Service options and single-host networking on real containers: name resolution, internal
 * networks, static addresses, volumes_from, read-only binds, published ports, restart
 * policies, healthcheck-gated startup, profiles, a changed network and external networks.
 *
 * Each scenario copies its fixture (test/e2e/testdata/networking/<scenario>) to a temp folder
 * and runs under its own project name. Checks read the engine's state (`docker inspect`,
 * commands run inside the containers, HTTP to 127.0.0.1), never tsfig's wording. Traffic goes
 * only to loopback and to the test's containers.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { tsfig, type RunResult } from '../support/project.js';
import {
  cleanupProject,
  docker,
  dockerJson,
  dockerResult,
  engineFromEnv,
  eventually,
  PROJECT_LABEL,
  requireEngine,
  SESSION_LABEL,
  SESSION_ID,
  uniqueProject,
} from './support/harness.js';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'networking');

let engine: Engine;

interface Made {
  project: string;
  root: string;
  /** Networks made by the test itself (external ones), removed by name. */
  networks: string[];
}
const made: Made[] = [];

interface Scenario extends Made {
  /** The copy of the fixture: the project directory. */
  dir: string;
  /** `tsfig -p PROJECT ARGS` in the project directory. */
  run: (args: string[], vars?: Record<string, string>) => Promise<RunResult>;
  /** Like run, failing (with tsfig's stderr) unless it exits 0. */
  ok: (args: string[], vars?: Record<string, string>) => Promise<RunResult>;
  /** The container name of a service's replica. */
  ctr: (service: string, n?: number) => string;
}

/** The environment tsfig runs with: the engine address, nothing personal, plus `vars`. */
function testEnv(vars: Record<string, string> = {}): Record<string, string | undefined> {
  return { HOME: process.env.HOME, PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST, TSFIG_PROGRESS: 'plain', ...vars };
}

async function succeed(p: Promise<RunResult>, args: string[]): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`tsfig ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

/** A fresh project name and a copy of the scenario's fixture; `vars` are the shell variables tsfig sees. */
function scenario(name: string, vars: Record<string, string> = {}): Scenario {
  const project = uniqueProject(`net-${name}`);
  const root = mkdtempSync(join(tmpdir(), 'tsfig-e2e-net-'));
  const dir = join(root, name);
  cpSync(join(TESTDATA, name), dir, { recursive: true });
  const m: Made = { project, root, networks: [] };
  made.push(m);
  const run = (args: string[], extra: Record<string, string> = {}) => tsfig(['-p', project, ...args], { cwd: dir, env: testEnv({ ...vars, ...extra }) });
  return {
    ...m,
    dir,
    run,
    ok: (args, extra = {}) => succeed(run(args, extra), args),
    ctr: (service, n = 1) => `${project}-${service}-${n}`,
  };
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupProject(engine, m.project);
    for (const n of m.networks) await dockerResult('network', 'rm', n);
    rmSync(m.root, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ helpers on real state

type Json = Record<string, unknown>;

/** A value deep inside parsed JSON: at(x, 'State.Health.Status'); keys with dots as an array. */
function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const part of path.flatMap((p) => (p.startsWith('[') ? [p.slice(1, -1)] : p.split('.')))) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

/** `docker inspect` of a container or network (the engine's own JSON). */
async function inspect(name: string, kind: 'container' | 'network' = 'container'): Promise<Json> {
  const list = await dockerJson<Json[]>(kind, 'inspect', name);
  return list[0]!;
}

/** The containers labelled with the project, as the docker CLI lists them: name -> id. */
async function projectContainers(project: string): Promise<Record<string, string>> {
  const out = await docker('ps', '-a', '--no-trunc', '--filter', `label=${PROJECT_LABEL}=${project}`, '--format', '{{.Names}} {{.ID}}');
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}

async function projectNetworks(project: string): Promise<string[]> {
  const out = await docker('network', 'ls', '--filter', `label=${PROJECT_LABEL}=${project}`, '--format', '{{.Name}}');
  return out.split('\n').filter(Boolean).sort();
}

/** A shell script inside a container: exit code and output (stdout trimmed, CRs dropped). */
async function exec(container: string, script: string): Promise<{ code: number; out: string; err: string }> {
  const r = await engine.exec(container, { cmd: ['sh', '-c', script] });
  return { code: r.exitCode, out: r.stdout.replace(/\r/g, '').trim(), err: r.stderr };
}

/** Like exec, failing on a non-zero exit; the output. */
async function sh(container: string, script: string): Promise<string> {
  const r = await exec(container, script);
  if (r.code !== 0) throw new Error(`${container}: ${script}: exit ${r.code}: ${r.err}${r.out}`);
  return r.out;
}

/** The address `name` resolves to inside `from`, by pinging it once (busybox prints "PING name (IP)"). */
async function pingAddress(from: string, name: string): Promise<string> {
  const out = await sh(from, `ping -c1 -W2 ${name}`);
  const m = /^PING \S+ \(([0-9.]+)\)/m.exec(out);
  if (!m) throw new Error(`no address in ping output: ${out}`);
  return m[1]!;
}

/** A container's IPv4 address on a network, from docker inspect. */
async function addressOn(container: string, network: string): Promise<string> {
  const ip = at(await inspect(container), 'NetworkSettings.Networks', `[${network}]`, 'IPAddress');
  if (typeof ip !== 'string' || ip === '') throw new Error(`${container} has no address on ${network}`);
  return ip;
}

/** Subnets (IPv4) the engine's networks use. */
async function usedSubnets(): Promise<Set<string>> {
  const ids = (await docker('network', 'ls', '-q')).split('\n').filter(Boolean);
  if (ids.length === 0) return new Set();
  const r = await dockerResult('network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids);
  return new Set(r.stdout.split(/\s+/).filter(Boolean));
}

/** A /24 in 10.0.0.0/8 that no network of the engine uses (Docker's default pools never take 10/8). */
async function freeSubnet(): Promise<{ subnet: string; prefix: string }> {
  const used = await usedSubnets();
  for (;;) {
    const prefix = `10.${randomInt(64, 250)}.${randomInt(0, 256)}`;
    const subnet = `${prefix}.0/24`;
    if (!used.has(subnet)) return { subnet, prefix };
  }
}

/** RFC 3339 with nanoseconds (as the engine writes times) -> nanoseconds since the epoch. */
function nanos(t: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) throw new Error(`not an RFC 3339 time: ${t}`);
  const ms = Date.parse(`${m[1]!}${m[3]!}`);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${t}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** GET http://127.0.0.1:PORT/ with Node's client: status and body. */
function httpGet(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const hasDefaultRoute = (routes: string) => routes.split('\n').some((l) => /^default\b/.test(l));

/** "1.41" >= "1.44"? */
function apiAtLeast(version: string, min: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

/** The Linux bridge of a bridge network (docker inspect JSON). */
function bridgeOf(net: Json): string {
  const named = at(net, 'Options', '[com.docker.network.bridge.name]');
  return typeof named === 'string' && named !== '' ? named : `br-${(net.Id as string).slice(0, 12)}`;
}

/**
 * The engine host's FORWARD and DOCKER-ISOLATION-STAGE-1 rules (`iptables -S`): readable when
 * the engine is local and this test runs as root, as on these machines.
 */
async function hostRules(): Promise<{ forward: string[]; isolation: string[] }> {
  const read = (chain: string) =>
    new Promise<string[]>((resolve, reject) => {
      execFile('iptables', ['-S', chain], { encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`iptables -S ${chain}: ${stderr.trim() || err.message} (this engine gives internal networks a default route; their isolation is checked on the host's iptables rules: run the test as root on the engine's host)`));
        else resolve(stdout.split('\n').filter(Boolean));
      });
    });
  const [forward, isolation] = await Promise.all([read('FORWARD'), read('DOCKER-ISOLATION-STAGE-1')]);
  return { forward, isolation };
}

// ------------------------------------------------------------------ scenarios

describe('networking', () => {
  it('services resolve each other by service name, link alias and network alias on the default network', async () => {
    const s = scenario('resolve');
    await s.ok(['up', '-d']);
    const net = `${s.project}_default`;
    const [db, other, web] = await Promise.all([addressOn(s.ctr('db'), net), addressOn(s.ctr('other'), net), addressOn(s.ctr('web'), net)]);

    // Service names, both ways.
    expect(await pingAddress(s.ctr('web'), 'db')).toBe(db);
    expect(await pingAddress(s.ctr('db'), 'web')).toBe(web);
    expect(await pingAddress(s.ctr('db'), 'other')).toBe(other);
    // links: [db:database] -> `database` is db, inside web.
    expect(await pingAddress(s.ctr('web'), 'database')).toBe(db);
    expect((await sh(s.ctr('web'), 'nslookup database')).split('\n').some((l) => l.includes(db))).toBe(true);
    // networks.default.aliases: [otheralias], from any container of the network.
    expect(await pingAddress(s.ctr('web'), 'otheralias')).toBe(other);
    expect(await pingAddress(s.ctr('db'), 'otheralias')).toBe(other);

    // The engine holds them as set: the link on web's endpoint, the alias on other's.
    const webEp = at(await inspect(s.ctr('web')), 'NetworkSettings.Networks', `[${net}]`);
    expect(at(webEp, 'Links')).toEqual([`${s.ctr('db')}:database`]);
    const otherEp = at(await inspect(s.ctr('other')), 'NetworkSettings.Networks', `[${net}]`);
    expect(at(otherEp, 'Aliases')).toEqual(expect.arrayContaining(['other', 'otheralias']));
  });

  it('an internal network has no route out; a normal one has', async () => {
    const s = scenario('internal');
    await s.ok(['up', '-d']);
    const back = await inspect(`${s.project}_back`, 'network');
    const front = await inspect(`${s.project}_front`, 'network');
    expect(back.Internal).toBe(true);
    expect(front.Internal).toBe(false);
    expect(Object.keys(at(await inspect(s.ctr('inner')), 'NetworkSettings.Networks') as Json)).toEqual([back.Name]);

    // Routing tables and firewall rules only: no traffic leaves the host.
    const innerRoutes = await sh(s.ctr('inner'), 'ip route');
    expect(innerRoutes).not.toBe('');
    expect(hasDefaultRoute(await sh(s.ctr('outer'), 'ip route'))).toBe(true);
    if (apiAtLeast((await engine.version()).apiVersion, '1.44')) {
      // Docker 25 (API 1.44) and later give an internal network no gateway (moby/moby#46603).
      expect(hasDefaultRoute(innerRoutes)).toBe(false);
    } else {
      // Older engines give it a gateway and a default route, and drop everything leaving
      // its bridge for another subnet; a normal bridge is let out.
      const rules = await hostRules();
      const subnet = (at(back, 'IPAM.Config') as Json[])[0]!.Subnet as string;
      const [b, f] = [bridgeOf(back), bridgeOf(front)];
      expect(rules.isolation).toContain(`-A DOCKER-ISOLATION-STAGE-1 ! -d ${subnet} -i ${b} -j DROP`);
      expect(rules.forward).not.toContain(`-A FORWARD -i ${b} ! -o ${b} -j ACCEPT`);
      expect(rules.forward).toContain(`-A FORWARD -i ${f} ! -o ${f} -j ACCEPT`);
      expect(rules.isolation.filter((r) => r.includes(` ${f} `) && r.endsWith('-j DROP'))).toEqual([]);
    }

    // Inside the internal network, containers still reach each other (by alias too).
    const outerBack = await addressOn(s.ctr('outer'), back.Name as string);
    expect(await pingAddress(s.ctr('inner'), 'gateway-box')).toBe(outerBack);
    expect(await pingAddress(s.ctr('inner'), 'outer')).toBe(outerBack);
  });

  it('a static ipv4_address in an ipam subnet is honoured', async () => {
    const { subnet, prefix } = await freeSubnet();
    const ip = `${prefix}.10`;
    const s = scenario('static-ip', { NET_SUBNET: subnet, NET_IP: ip });
    await s.ok(['up', '-d']);
    const lan = `${s.project}_lan`;
    expect(at(await inspect(lan, 'network'), 'IPAM.Config')).toEqual([expect.objectContaining({ Subnet: subnet })]);

    const ep = at(await inspect(s.ctr('fixed')), 'NetworkSettings.Networks', `[${lan}]`);
    expect(at(ep, 'IPAddress')).toBe(ip);
    expect(at(ep, 'IPAMConfig.IPv4Address')).toBe(ip);
    expect(await sh(s.ctr('fixed'), 'ip -4 addr show')).toContain(`inet ${ip}/24`);
    // The peer got an address from the same subnet, and finds fixed at the static one.
    expect(await addressOn(s.ctr('peer'), lan)).toMatch(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.\\d+$`));
    expect(await pingAddress(s.ctr('peer'), 'fixed')).toBe(ip);
  });

  it('volumes_from shares data: one writes, the others read; `:ro` makes the shared volume read-only', async () => {
    const s = scenario('volumes-from');
    await s.ok(['up', '-d']);
    const token = randomBytes(8).toString('hex');
    await sh(s.ctr('writer'), `echo ${token} > /shared/token`);
    expect(await sh(s.ctr('reader'), 'cat /shared/token')).toBe(token);
    expect(await sh(s.ctr('viewer'), 'cat /shared/token')).toBe(token);
    // reader may write (rw), viewer may not (writer:ro).
    await sh(s.ctr('reader'), 'echo back > /shared/from-reader');
    expect(await sh(s.ctr('writer'), 'cat /shared/from-reader')).toBe('back');
    const denied = await exec(s.ctr('viewer'), 'echo no > /shared/from-viewer');
    expect(denied.code).not.toBe(0);
    expect((await exec(s.ctr('writer'), 'test -e /shared/from-viewer')).code).toBe(1);

    // One volume, mounted in all three.
    const mountsOf = async (svc: string) => (at(await inspect(s.ctr(svc)), 'Mounts') as Json[]).filter((m) => m.Destination === '/shared');
    const [w, r, v] = await Promise.all([mountsOf('writer'), mountsOf('reader'), mountsOf('viewer')]);
    expect(w).toHaveLength(1);
    expect(r.map((m) => m.Name)).toEqual([w[0]!.Name]);
    expect(v.map((m) => [m.Name, m.RW])).toEqual([[w[0]!.Name, false]]);
  });

  it('a relative bind source resolves against the project directory, and `:ro` makes it read-only', async () => {
    const s = scenario('bind-ro');
    // Run from elsewhere with -f: the project directory is the file's, not the working directory.
    const r = await tsfig(['-p', s.project, '-f', join(s.dir, 'fig.yml'), 'up', '-d'], { cwd: s.root, env: testEnv() });
    expect(r.code, r.stderr).toBe(0);
    const app = s.ctr('app');
    const mounts = at(await inspect(app), 'Mounts') as Json[];
    const data = mounts.find((m) => m.Destination === '/data');
    const rw = mounts.find((m) => m.Destination === '/rw');
    expect(data).toMatchObject({ Type: 'bind', Source: join(s.dir, 'data'), RW: false });
    expect(rw).toMatchObject({ Type: 'bind', Source: join(s.dir, 'rw'), RW: true });

    expect(await sh(app, 'cat /data/hello.txt')).toBe(readFileSync(join(s.dir, 'data', 'hello.txt'), 'utf8').trim());
    const denied = await exec(app, 'echo x > /data/new.txt');
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/read-only/i);
    expect(existsSync(join(s.dir, 'data', 'new.txt'))).toBe(false);
    // The writable bind writes through to the project directory.
    await sh(app, 'echo through > /rw/out.txt');
    expect(readFileSync(join(s.dir, 'rw', 'out.txt'), 'utf8')).toBe('through\n');
  });

  it('a port published on a random port of 127.0.0.1 answers there', async () => {
    const s = scenario('published');
    await s.ok(['up', '-d']);
    const out = (await s.ok(['port', 'web', '80'])).stdout.trim();
    const m = /^127\.0\.0\.1:(\d+)$/.exec(out);
    expect(m, out).not.toBeNull();
    const port = Number(m![1]);
    // The engine agrees on the binding.
    const bindings = at(await inspect(s.ctr('web')), 'NetworkSettings.Ports', '[80/tcp]');
    expect(bindings).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    const res = await eventually(() => httpGet(port), { timeout: 15_000, interval: 200, message: `GET 127.0.0.1:${port}` });
    expect(res).toEqual({ status: 200, body: 'hi\n' });
  });

  it('restart: on-failure restarts a container that exits 1 (the engine counts restarts)', async () => {
    const s = scenario('restart');
    await s.ok(['up', '-d']);
    const flaky = s.ctr('flaky');
    const first = await inspect(flaky);
    expect(at(first, 'HostConfig.RestartPolicy.Name')).toBe('on-failure');
    // The same container, started again after exiting 1 (the count rises when the restart is
    // scheduled, StartedAt when it happens).
    const again = await eventually(
      async () => {
        const i = await inspect(flaky);
        expect(i.RestartCount).toBeGreaterThan(0);
        expect(nanos(at(i, 'State.StartedAt') as string)).toBeGreaterThan(nanos(at(first, 'State.StartedAt') as string));
        return i;
      },
      { timeout: 30_000, interval: 250, message: 'waiting for a restart' },
    );
    expect(again.Id).toBe(first.Id);
  });

  it('a healthcheck reaches healthy and gates depends_on: the dependent starts after the first healthy check', async () => {
    const s = scenario('healthcheck');
    await s.ok(['up', '-d']);
    // Right after up: the health log (the last 5 checks) still holds the failing ones.
    const db = await inspect(s.ctr('db'));
    const app = await inspect(s.ctr('app'));
    expect(at(db, 'State.Health.Status')).toBe('healthy');
    const log = at(db, 'State.Health.Log') as Array<{ Start: string; End: string; ExitCode: number }>;
    const firstHealthy = log.findIndex((e, i) => e.ExitCode === 0 && i > 0 && log[i - 1]!.ExitCode !== 0);
    expect(firstHealthy, JSON.stringify(log)).toBeGreaterThan(0);
    const healthyAt = nanos(log[firstHealthy]!.End);
    const appStarted = nanos(at(app, 'State.StartedAt') as string);
    expect(appStarted).toBeGreaterThan(healthyAt);
    // db needed about 2 s to become ready; app waited for it.
    expect(appStarted - nanos(at(db, 'State.StartedAt') as string)).toBeGreaterThan(2_000_000_000n);
    expect(at(app, 'State.Running')).toBe(true);
  });

  it('profiles select services: not by default; with --profile, TSFIG_PROFILES, or by naming the service', async () => {
    const s = scenario('profiles');
    const app = s.ctr('app');
    const debuggerName = s.ctr('debugger');
    await s.ok(['up', '-d']);
    expect(Object.keys(await projectContainers(s.project))).toEqual([app]);

    await s.ok(['--profile', 'debug', 'up', '-d']);
    const both = await projectContainers(s.project);
    expect(Object.keys(both).sort()).toEqual([app, debuggerName].sort());
    expect(at(await inspect(debuggerName), 'State.Running')).toBe(true);

    // A plain up again leaves the profiled service as it is (not an orphan).
    await s.ok(['up', '-d']);
    expect(await projectContainers(s.project)).toEqual(both);

    // Naming the service enables its profile; only it (and what it needs) comes up.
    const named = scenario('profiles');
    await named.ok(['up', '-d', 'debugger']);
    expect(Object.keys(await projectContainers(named.project))).toEqual([named.ctr('debugger')]);

    // TSFIG_PROFILES does what --profile does.
    const fromEnv = scenario('profiles');
    await fromEnv.ok(['up', '-d'], { TSFIG_PROFILES: 'debug' });
    expect(Object.keys(await projectContainers(fromEnv.project)).sort()).toEqual([fromEnv.ctr('app'), fromEnv.ctr('debugger')].sort());
  });

  it('a changed network definition recreates the network and keeps the containers, still reachable by alias', async () => {
    const { subnet, prefix } = await freeSubnet();
    const ip = `${prefix}.20`;
    const s = scenario('net-change', { NET_SUBNET: subnet, NET_IP: ip });
    await s.ok(['up', '-d']);
    const mesh = `${s.project}_mesh`;
    const before = await inspect(mesh, 'network');
    const ids = await projectContainers(s.project);
    const started = await Promise.all([s.ctr('a'), s.ctr('b')].map(async (c) => at(await inspect(c), 'State.StartedAt')));
    expect(await pingAddress(s.ctr('a'), 'bee')).toBe(ip);
    expect(await pingAddress(s.ctr('a'), 'linked')).toBe(ip);

    copyFileSync(join(s.dir, 'fig.v2.yml'), join(s.dir, 'fig.yml'));
    await s.ok(['up', '-d']);
    const after = await inspect(mesh, 'network');
    expect(after.Id).not.toBe(before.Id);
    expect(at(after, 'Labels', '[com.example.tier]')).toBe('v2');
    expect(at(after, 'Labels', `[${PROJECT_LABEL}]`)).toBe(s.project);
    // Same containers, never restarted, both attached to the new network.
    expect(await projectContainers(s.project)).toEqual(ids);
    expect(await Promise.all([s.ctr('a'), s.ctr('b')].map(async (c) => at(await inspect(c), 'State.StartedAt')))).toEqual(started);
    expect(Object.keys(after.Containers as Json).sort()).toEqual(Object.values(ids).sort());
    // Aliases and the static address came back with the reconnect.
    const bEp = at(await inspect(s.ctr('b')), 'NetworkSettings.Networks', `[${mesh}]`);
    expect(at(bEp, 'NetworkID')).toBe(after.Id);
    expect(at(bEp, 'IPAddress')).toBe(ip);
    expect(at(bEp, 'Aliases')).toEqual(expect.arrayContaining(['b', 'bee']));
    expect(await pingAddress(s.ctr('a'), 'bee')).toBe(ip);
    expect(await pingAddress(s.ctr('a'), 'b')).toBe(ip);
    // The link alias (links: [b:linked]) too: it lives on a's endpoint.
    expect(await pingAddress(s.ctr('a'), 'linked')).toBe(ip);
    expect(at(await inspect(s.ctr('a')), 'NetworkSettings.Networks', `[${mesh}]`, 'Links')).toEqual([`${s.ctr('b')}:linked`]);
    expect(await pingAddress(s.ctr('b'), 'a')).toBe(await addressOn(s.ctr('a'), mesh));

    // Converged: another up changes nothing.
    await s.ok(['up', '-d']);
    expect(at(await inspect(mesh, 'network'), 'Id')).toBe(after.Id);
    expect(await projectContainers(s.project)).toEqual(ids);
  });

  it('an external network that does not exist fails up with exit 1 before anything is created', async () => {
    const name = `tsfig-ext-missing-${randomBytes(5).toString('hex')}`;
    const s = scenario('external', { EXT_NET: name });
    const r = await s.run(['up', '-d']);
    expect(r.code).toBe(1);
    expect(await projectContainers(s.project)).toEqual({});
    expect(await projectNetworks(s.project)).toEqual([]);
    expect((await dockerResult('network', 'inspect', `${s.project}_default`)).exitCode).not.toBe(0);
    expect((await dockerResult('network', 'inspect', name)).exitCode).not.toBe(0);
  });

  it('an external network that exists is used, and survives down', async () => {
    const name = `tsfig-ext-${randomBytes(5).toString('hex')}`;
    const s = scenario('external', { EXT_NET: name });
    s.networks.push(name);
    await docker('network', 'create', '--label', `${SESSION_LABEL}=${SESSION_ID}`, name);
    const id = at(await inspect(name, 'network'), 'Id');

    await s.ok(['up', '-d']);
    const app = s.ctr('app');
    expect(Object.keys(at(await inspect(app), 'NetworkSettings.Networks') as Json)).toEqual([name]);
    expect(Object.keys(at(await inspect(name, 'network'), 'Containers') as Json)).toEqual([(await projectContainers(s.project))[app]]);
    expect(await projectNetworks(s.project)).toEqual([`${s.project}_default`]);

    await s.ok(['down']);
    expect(await projectContainers(s.project)).toEqual({});
    expect(await projectNetworks(s.project)).toEqual([]);
    const still = await inspect(name, 'network');
    expect(still.Id).toBe(id);
    expect(still.Containers).toEqual({});
  });
});

/**
 * docker compose's flags of run, up and cp on a real engine (issue 14): what they change is read
 * back from the engine (`docker inspect`: labels, CapAdd/CapDrop, network aliases, env, the
 * containers' ids; files and owners inside the containers), never from tsfig's wording.
 */
import { chownSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir, tsfig, type RunResult } from '../support/project.js';
import { binaryEnv } from './support/binary.js';
import { cleanupProject, docker, dockerJson, engineFromEnv, idleCommand, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';

const IDLE = JSON.stringify(idleCommand()).replace(/\$/g, '$$$$');

const FIG = `services:
  db:
    image: busybox
    command: ${IDLE}
  app:
    image: busybox
    command: ${IDLE}
    depends_on: [db]
    ports: ["80"]
    labels: {team: a}
    cap_drop: [CHOWN]
    environment: {FROM_FILE: service}
    networks:
      default: {aliases: [api]}
`;

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];

function scenario(prefix: string, files: Record<string, string> = {}): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  const dir = projectDir({ 'fig.yml': FIG, ...files }, 'proj');
  made.push({ project, dir });
  return { project, dir };
}

function cli(dir: string, project: string, args: string[]): Promise<RunResult> {
  return tsfig(['-p', project, ...args], { cwd: dir, env: binaryEnv() });
}

interface Inspect {
  Id: string;
  Config: { Labels: Record<string, string>; Env: string[] };
  HostConfig: { CapAdd: string[] | null; CapDrop: string[] | null; PortBindings: Record<string, unknown> | null };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; DNSNames?: string[] | null }> };
}

async function inspect(name: string): Promise<Inspect> {
  return (await dockerJson<Inspect[]>('container', 'inspect', name))[0]!;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupProject(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const m of made.splice(0)) await cleanupProject(engine, m.project);
});

describe('run: compose flags reach the engine', () => {
  it('-l, --cap-add, --cap-drop, --use-aliases, --env-from-file, --remove-orphans, -P', async () => {
    const { project, dir } = scenario('flags-run', { 'vars.env': 'FROM_FILE=file\nFROM_E=file\nREF=${FROM_E}-x\n' });
    // An orphan: a container of a service the file no longer has.
    const orphan = `${project}-old-1`;
    await docker('run', '-d', '--name', orphan, '--label', `${PROJECT_LABEL}=${project}`, '--label', 'io.tsfig.service=old', '--label', 'io.tsfig.number=1', '--label', 'io.tsfig.oneoff=False', 'busybox', ...idleCommand());

    const r = await cli(dir, project, [
      'run', '-d', '-l', 'team=b', '--label', 'extra=1', '--cap-add', 'SYS_TIME', '--cap-drop', 'NET_RAW', '--use-aliases',
      '--env-from-file', 'vars.env', '-e', 'FROM_E=e', '--remove-orphans', 'app',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const name = r.stdout.trim();
    const i = await inspect(name);
    expect(i.Config.Labels).toMatchObject({ team: 'b', extra: '1', 'io.tsfig.oneoff': 'True', [PROJECT_LABEL]: project });
    expect(i.HostConfig.CapAdd ?? []).toContain('SYS_TIME');
    expect([...(i.HostConfig.CapDrop ?? [])].sort()).toEqual(['CHOWN', 'NET_RAW']);
    const net = i.NetworkSettings.Networks[`${project}_default`]!;
    const names = [...(net.Aliases ?? []), ...(net.DNSNames ?? [])];
    expect(names).toEqual(expect.arrayContaining(['app', 'api']));
    expect(i.Config.Env).toEqual(expect.arrayContaining(['FROM_FILE=file', 'FROM_E=e', 'REF=e-x']));
    expect((await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).map((c) => c.names[0])).not.toContain(orphan);

    // Without --use-aliases the one-off is not reachable as the service; -P publishes the service's ports.
    const plain = await cli(dir, project, ['run', '-d', '-P', 'app']);
    expect(plain.code, plain.stderr).toBe(0);
    const j = await inspect(plain.stdout.trim());
    const plainNet = j.NetworkSettings.Networks[`${project}_default`]!;
    expect([...(plainNet.Aliases ?? []), ...(plainNet.DNSNames ?? [])]).not.toContain('api');
    expect(Object.keys(j.HostConfig.PortBindings ?? {})).toEqual(['80/tcp']);
  });
});

describe('up: --always-recreate-deps', () => {
  it('recreates the dependency of the named service, not the named service itself', async () => {
    const { project, dir } = scenario('flags-up');
    expect((await cli(dir, project, ['up', '-d'])).code).toBe(0);
    const db = (await inspect(`${project}-db-1`)).Id;
    const app = (await inspect(`${project}-app-1`)).Id;
    const again = await cli(dir, project, ['up', '-d', '--always-recreate-deps', 'app']);
    expect(again.code, again.stderr).toBe(0);
    expect((await inspect(`${project}-db-1`)).Id).not.toBe(db);
    expect((await inspect(`${project}-app-1`)).Id).toBe(app);
  });
});

describe('global --all-resources', () => {
  it('up creates the network and volume no service uses; without it they are not made', async () => {
    const fig = 'services:\n  db:\n    image: busybox\n    command: ' + IDLE + '\nnetworks:\n  spare: {}\nvolumes:\n  data: {}\n';
    const { project, dir } = scenario('flags-allres', { 'fig.yml': fig });
    expect((await cli(dir, project, ['up', '-d'])).code).toBe(0);
    const networks = async () => (await docker('network', 'ls', '--filter', `label=${PROJECT_LABEL}=${project}`, '--format', '{{.Name}}')).trim().split('\n').sort();
    const volumes = async () => (await docker('volume', 'ls', '--filter', `label=${PROJECT_LABEL}=${project}`, '--format', '{{.Name}}')).trim();
    expect(await networks()).toEqual([`${project}_default`]);
    expect(await volumes()).toBe('');
    const all = await cli(dir, project, ['--all-resources', 'up', '-d']);
    expect(all.code, all.stderr).toBe(0);
    expect(await networks()).toEqual([`${project}_default`, `${project}_spare`]);
    expect(await volumes()).toBe(`${project}_data`);
  });
});

describe('cp: -a, -L, --all', () => {
  it("-a keeps the owners; without it root's; -L copies a link's file; --all reaches the one-offs too", async () => {
    const { project, dir } = scenario('flags-cp');
    expect((await cli(dir, project, ['up', '-d', 'app'])).code).toBe(0);
    writeFileSync(join(dir, 'owned.txt'), 'owned');
    chownSync(join(dir, 'owned.txt'), 4321, 8765);
    symlinkSync('owned.txt', join(dir, 'ln'));
    const sh = (c: string, cmd: string) => docker('exec', c, 'sh', '-c', cmd).then((s) => s.trim());
    const app1 = `${project}-app-1`;

    expect((await cli(dir, project, ['cp', 'owned.txt', 'app:/tmp/plain.txt'])).code).toBe(0);
    expect((await cli(dir, project, ['cp', '-a', 'owned.txt', 'app:/tmp/kept.txt'])).code).toBe(0);
    expect(await sh(app1, 'stat -c %u:%g /tmp/plain.txt')).toBe('0:0');
    expect(await sh(app1, 'stat -c %u:%g /tmp/kept.txt')).toBe('4321:8765');

    expect((await cli(dir, project, ['cp', 'ln', 'app:/tmp/asis'])).code).toBe(0);
    expect((await cli(dir, project, ['cp', '-L', 'ln', 'app:/tmp/followed'])).code).toBe(0);
    expect(await sh(app1, 'test -L /tmp/asis && echo link')).toBe('link');
    expect(await sh(app1, 'test -f /tmp/followed && ! test -L /tmp/followed && cat /tmp/followed')).toBe('owned');

    const run = await cli(dir, project, ['run', '-d', '--no-deps', 'app']);
    expect(run.code, run.stderr).toBe(0);
    expect((await cli(dir, project, ['cp', '--all', 'owned.txt', 'app:/tmp/everywhere.txt'])).code).toBe(0);
    expect(await sh(app1, 'cat /tmp/everywhere.txt')).toBe('owned');
    expect(await sh(run.stdout.trim(), 'cat /tmp/everywhere.txt')).toBe('owned');
  });
});

/**
 * The lifecycle commands (stop, start, restart, kill, pause, unpause, rm), ps, and down with
 * and without -v, on real containers: states read with inspect, volumes and networks with the
 * engine's own lists.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir, tsfig } from '../support/project.js';
import { inTerminal } from './support/binary.js';
import { docker, engineFromEnv, eventually, requireEngine, SESSION_LABEL, SESSION_ID } from './support/harness.js';
import { containersOf, expectConverged, idsByName, ok, run, scenarios, sh, volumeAt } from './support/stack.js';

let engine: Engine;
const volumes: string[] = [];
const { scenario, cleanup } = scenarios('lc');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
  for (const v of volumes.splice(0)) await engine.removeVolume(v, { force: true }).catch(() => undefined);
});

/** name -> State.Status of the project's containers. */
async function states(project: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await containersOf(engine, project)) out[c.name] = (await engine.inspectContainer(c.id)).state.status;
  return out;
}

/** `ps --format json`: one JSON object per line, as docker compose since 2.21. */
const jsonLines = (out: string): unknown[] =>
  out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('lifecycle commands', () => {
  it('stop, start, restart, kill, pause, unpause, rm on real containers; ps shows them', async () => {
    const { project, dir } = scenario('lifecycle');
    const app = `${project}-app-1`;
    const backend = `${project}-backend-1`;
    await ok(dir, project, ['up', '-d']);
    const ids = await idsByName(engine, project);

    // ps: the table names them; -q gives the engine's IDs; --format json (one object per line, full IDs with --no-trunc) matches inspect.
    const table = (await ok(dir, project, ['ps'])).stdout;
    expect(table).toContain(app);
    expect(table).toContain(backend);
    expect((await ok(dir, project, ['ps', '-q'])).stdout.trim().split('\n').sort()).toEqual(Object.values(ids).sort());
    const json = jsonLines((await ok(dir, project, ['ps', '--no-trunc', '--format', 'json'])).stdout) as Array<{ ID: string; Name: string; Service: string; State: string }>;
    expect(json.map((c) => [c.Name, c.ID, c.Service, c.State])).toEqual([
      [app, ids[app], 'app', 'running'],
      [backend, ids[backend], 'backend', 'running'],
    ]);

    await ok(dir, project, ['stop', '-t', '5']);
    expect(await states(project)).toEqual({ [app]: 'exited', [backend]: 'exited' });
    // ps lists running containers; ps -a also the stopped ones.
    expect((await ok(dir, project, ['ps', '-q'])).stdout).toBe('');
    expect((await ok(dir, project, ['ps', '-a', '-q'])).stdout.trim().split('\n').sort()).toEqual(Object.values(ids).sort());
    const stopped = jsonLines((await ok(dir, project, ['ps', '-a', '--format', 'json'])).stdout) as Array<{ Name: string; State: string }>;
    expect(stopped.map((c) => [c.Name, c.State])).toEqual([
      [app, 'exited'],
      [backend, 'exited'],
    ]);

    await ok(dir, project, ['start']);
    expect(await states(project)).toEqual({ [app]: 'running', [backend]: 'running' });
    // start orders dependencies first: backend started before app.
    const [a1, b1] = await Promise.all([engine.inspectContainer(app), engine.inspectContainer(backend)]);
    expect(Date.parse(b1.state.startedAt)).toBeLessThanOrEqual(Date.parse(a1.state.startedAt));

    await ok(dir, project, ['restart', '-t', '5', 'app']);
    const a2 = await engine.inspectContainer(app);
    expect(a2.state.running).toBe(true);
    expect(a2.state.startedAt).not.toBe(a1.state.startedAt);
    expect((await engine.inspectContainer(backend)).state.startedAt).toBe(b1.state.startedAt);

    await ok(dir, project, ['kill', 'backend']);
    const killed = await engine.inspectContainer(backend);
    expect([killed.state.status, killed.state.exitCode]).toEqual(['exited', 137]);
    expect((await engine.inspectContainer(app)).state.running).toBe(true);

    await ok(dir, project, ['start', 'backend']);
    await ok(dir, project, ['pause']);
    expect(await states(project)).toEqual({ [app]: 'paused', [backend]: 'paused' });
    const paused = jsonLines((await ok(dir, project, ['ps', '-a', '--format', 'json'])).stdout) as Array<{ Name: string; State: string }>;
    expect(paused.map((c) => c.State)).toEqual(['paused', 'paused']);
    await ok(dir, project, ['unpause']);
    expect(await states(project)).toEqual({ [app]: 'running', [backend]: 'running' });
    // Still the same containers all along.
    expect(await idsByName(engine, project)).toEqual(ids);

    // rm as compose has it: running containers are left alone (even with -f); without a
    // terminal to ask on, it refuses unless -f; -s stops them first.
    expect((await ok(dir, project, ['rm'])).stderr).toBe('No stopped containers\n');
    expect((await ok(dir, project, ['rm', '-f'])).stderr).toBe('No stopped containers\n');
    expect(await idsByName(engine, project)).toEqual(ids);
    await ok(dir, project, ['stop', '-t', '5', 'app']);
    const refused = await run(dir, project, ['rm', 'app']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^rm: not removing ${app} without asking.*add -f.*\n$`));
    expect(await idsByName(engine, project)).toEqual(ids);
    await ok(dir, project, ['rm', '-f', 'app']);
    expect(await idsByName(engine, project)).toEqual({ [backend]: ids[backend] });
    await ok(dir, project, ['rm', '-f', '-s', '-t', '5']);
    expect(await containersOf(engine, project)).toEqual([]);
  });
});

describe('compose habits of the lifecycle commands', () => {
  const idle = `image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;
  const started = async (name: string) => (await engine.inspectContainer(name)).state.startedAt;

  it('restart restarts the services that depend on the named one with restart: true, unless --no-deps', async () => {
    const { project } = scenario('lifecycle');
    const dir = projectDir({
      'fig.yml': `services:
  db:
    ${idle}
  api:
    ${idle}
    depends_on: {db: {condition: service_started, restart: true}}
  report:
    ${idle}
    depends_on: [db]
`,
    });
    await ok(dir, project, ['up', '-d']);
    const before = { db: await started(`${project}-db-1`), api: await started(`${project}-api-1`), report: await started(`${project}-report-1`) };
    await ok(dir, project, ['restart', '-t', '5', 'db']);
    const mid = { db: await started(`${project}-db-1`), api: await started(`${project}-api-1`), report: await started(`${project}-report-1`) };
    expect(mid.db).not.toBe(before.db);
    expect(mid.api).not.toBe(before.api);
    expect(mid.report).toBe(before.report);
    await ok(dir, project, ['restart', '-t', '5', '--no-deps', 'db']);
    expect(await started(`${project}-db-1`)).not.toBe(mid.db);
    expect(await started(`${project}-api-1`)).toBe(mid.api);
  });

  it('start --wait returns once the containers are healthy', async () => {
    const { project } = scenario('lifecycle');
    const dir = projectDir({
      'fig.yml': `services:
  db:
    ${idle}
    healthcheck: {test: ["CMD-SHELL", "test -e /tmp/ready || (sleep 1; touch /tmp/ready; false)"], interval: 1s, retries: 30}
`,
    });
    await ok(dir, project, ['up', '-d']);
    await ok(dir, project, ['stop', '-t', '5']);
    await ok(dir, project, ['start', '--wait', '--wait-timeout', '60']);
    expect((await engine.inspectContainer(`${project}-db-1`)).state.health?.status).toBe('healthy');
  });

  it('global --dry-run: up, create, stop and down -v print their plans and change nothing; exec refuses it', async () => {
    const { project } = scenario('lifecycle');
    const dir = projectDir({ 'fig.yml': `services:\n  a:\n    ${idle}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n` });
    for (const cmd of [['up', '-d'], ['create']]) {
      const dry = await ok(dir, project, ['--dry-run', ...cmd]);
      expect(dry.stdout).toMatch(new RegExp(`container ${project}-a-1: create`));
      expect(await containersOf(engine, project)).toEqual([]);
    }
    await ok(dir, project, ['up', '-d']);
    const before = await idsByName(engine, project);
    const stop = await ok(dir, project, ['--dry-run', 'stop']);
    expect(stop.stdout).toMatch(new RegExp(`container ${project}-a-1: stop`));
    const down = await ok(dir, project, ['--dry-run', 'down', '-v']);
    expect(down.stdout).toMatch(new RegExp(`volume ${project}_data: remove`));
    expect(await idsByName(engine, project)).toEqual(before);
    expect((await engine.inspectContainer(`${project}-a-1`)).state.running).toBe(true);
    expect((await engine.listVolumes({ labels: { 'io.tsfig.project': project } })).map((v) => v.name)).toEqual([`${project}_data`]);
    const exec = await run(dir, project, ['--dry-run', 'exec', '-T', 'a', 'true']);
    expect(exec.code).toBe(2);
    expect(exec.stderr).toMatch(/^--dry-run: exec has no dry run/);
  });

  it("COMPOSE_PROJECT_NAME in the project's .env names the stack, as compose reads it", async () => {
    const { project } = scenario('lifecycle');
    const dir = projectDir({ 'fig.yml': `services:\n  a:\n    ${idle}\n`, '.env': `COMPOSE_PROJECT_NAME=${project}\n` });
    const up = await tsfig(['up', '-d'], { cwd: dir, env: { HOME: '/root', PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST, TSFIG_PROGRESS: 'plain' } });
    expect(up.code, up.stderr).toBe(0);
    expect((await containersOf(engine, project)).map((c) => c.name)).toEqual([`${project}-a-1`]);
  });

  it('kill --remove-orphans removes the containers of services no longer in the file', async () => {
    const { project } = scenario('lifecycle');
    const dir = projectDir({ 'fig.yml': `services:
  a:
    ${idle}
  b:
    ${idle}
` });
    await ok(dir, project, ['up', '-d']);
    writeFileSync(join(dir, 'fig.yml'), `services:
  a:
    ${idle}
`);
    const named = await ok(dir, project, ['kill']);
    expect(named.stderr).toContain(`found orphan containers (${project}-b-1)`);
    // COMPOSE_IGNORE_ORPHANS: not a word about them, from up or kill; nothing removed.
    const quiet = [await ok(dir, project, ['up', '-d'], { COMPOSE_IGNORE_ORPHANS: '1' }), await ok(dir, project, ['kill'], { COMPOSE_IGNORE_ORPHANS: 'true' })];
    for (const r of quiet) expect(r.stderr).not.toContain('orphan');
    expect((await containersOf(engine, project)).map((c) => c.name).sort()).toEqual([`${project}-a-1`, `${project}-b-1`]);
    await ok(dir, project, ['kill', '--remove-orphans']);
    expect((await containersOf(engine, project)).map((c) => c.name)).toEqual([`${project}-a-1`]);
  });
});

describe('ls', () => {
  it('lists running projects, --all stopped ones too, --filter name= by name, -q names only', async () => {
    const one = scenario('lifecycle');
    const two = scenario('lifecycle');
    await ok(one.dir, one.project, ['up', '-d']);
    await ok(two.dir, two.project, ['up', '-d']);
    await ok(two.dir, two.project, ['stop', '-t', '5']);
    const q = (await ok(one.dir, one.project, ['ls', '-q', '--filter', `name=${one.project}`])).stdout;
    expect(q).toBe(`${one.project}\n`);
    expect((await ok(one.dir, one.project, ['ls', '-q', '--filter', `name=${two.project}`])).stdout).toBe('');
    expect((await ok(one.dir, one.project, ['ls', '-a', '-q', '--filter', `name=${two.project}`])).stdout).toBe(`${two.project}\n`);
    const rows = JSON.parse((await ok(one.dir, one.project, ['ls', '-a', '--format', 'json', '--filter', `name=${one.project}`, '--filter', `name=${two.project}`])).stdout) as Array<{ Name: string; Status: string }>;
    expect(rows.map((r) => [r.Name, r.Status]).sort()).toEqual([[one.project, 'running(2)'], [two.project, 'exited(2)']].sort());
    const bad = await run(one.dir, one.project, ['ls', '--filter', 'status=running']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the one filter is name=TEXT/);
  });
});

describe('rm on a terminal', () => {
  it('asks `Going to remove ... Are you sure? [yN]`: no keeps the containers, y removes them', async () => {
    const { project, dir } = scenario('lifecycle');
    await ok(dir, project, ['up', '-d']);
    await ok(dir, project, ['stop', '-t', '5']);
    const ids = await idsByName(engine, project);
    const ask = async (answer: string) => {
      const t = inTerminal(dir, project, ['rm']);
      await eventually(() => expect(t.out()).toMatch(/Going to remove .*\. Are you sure\? \[yN\] /), { timeout: 30_000 });
      t.proc.stdin?.write(answer);
      return t.done;
    };
    const no = await ask('n\n');
    expect(no.code, no.stdout).toBe(0);
    expect(no.stdout).toContain(`Going to remove ${project}-app-1, ${project}-backend-1. Are you sure? [yN]`);
    expect(await idsByName(engine, project)).toEqual(ids);
    const yes = await ask('y\n');
    expect(yes.code, yes.stdout).toBe(0);
    expect(await containersOf(engine, project)).toEqual([]);
  });
});

describe('down', () => {
  it('down keeps volumes, down -v removes the project\'s (anonymous ones too) but never an external one; networks go', async () => {
    const { project, dir } = scenario('down');
    const ext = `${project}-external`;
    volumes.push(ext);
    // Made by the user, not by tsfig: no project label.
    await docker('volume', 'create', '--label', `${SESSION_LABEL}=${SESSION_ID}`, ext);
    const env = { EXT_VOLUME: ext };
    const app = `${project}-app-1`;

    await ok(dir, project, ['up', '-d'], env);
    await expectConverged(engine, project, { app: 1, side: 1 });
    const networks = [`${project}_back`, `${project}_default`];
    expect((await engine.listNetworks({ labels: { 'io.tsfig.project': project } })).map((n) => n.name).sort()).toEqual(networks);
    await sh(engine, app, 'echo named > /data/f; echo ext > /ext/f; echo anon > /scratch/f');
    const anon1 = await volumeAt(engine, app, '/scratch');
    volumes.push(anon1);
    expect(await volumeAt(engine, app, '/ext')).toBe(ext);

    await ok(dir, project, ['down', '-t', '5'], env);
    expect(await containersOf(engine, project)).toEqual([]);
    const names = async () => new Set((await engine.listVolumes()).map((v) => v.name));
    let vols = await names();
    expect([vols.has(`${project}_data`), vols.has(ext), vols.has(anon1)]).toEqual([true, true, true]);
    const nets = new Set((await engine.listNetworks()).map((n) => n.name));
    expect(networks.filter((n) => nets.has(n))).toEqual([]);

    // Up again: the named volume's data is there.
    await ok(dir, project, ['up', '-d'], env);
    expect(await sh(engine, app, 'cat /data/f /ext/f')).toBe('named\next\n');
    const anon2 = await volumeAt(engine, app, '/scratch');
    volumes.push(anon2);
    // Recreate (force): the replacement inherits the anonymous volume by name.
    await ok(dir, project, ['up', '-d', '--force-recreate', 'app'], env);
    expect(await volumeAt(engine, app, '/scratch')).toBe(anon2);

    await ok(dir, project, ['down', '-v', '-t', '5'], env);
    expect(await containersOf(engine, project)).toEqual([]);
    vols = await names();
    expect([vols.has(`${project}_data`), vols.has(anon2), vols.has(ext)]).toEqual([false, false, true]);
    const after = new Set((await engine.listNetworks()).map((n) => n.name));
    expect(networks.filter((n) => after.has(n))).toEqual([]);
    // The external volume is untouched, data included.
    expect((await docker('run', '--rm', '-v', `${ext}:/ext`, 'busybox', 'cat', '/ext/f')).trim()).toBe('ext');
  });
});

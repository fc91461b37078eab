/**
 * create (up --no-start) and wait (compose's `wait`) on real containers: states, exit codes and
 * what exists read with inspect and the engine's own lists. wait's streaming and Ctrl-C run the
 * built binary (npm run build first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, requireEngine } from './support/harness.js';
import { containersOf, idsByName, ok, rigUp, run, scenarios, spawnTsfig } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('cw');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
});

/** name -> State.Status of the project's containers, by inspect. */
async function states(project: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await containersOf(engine, project)) out[c.name] = (await engine.inspectContainer(c.id)).state.status;
  return out;
}

const networksOf = async (project: string) => (await engine.listNetworks({ labels: { 'io.tsfig.project': project } })).map((n) => n.name).sort();
const volumesOf = async (project: string) => (await engine.listVolumes({ labels: { 'io.tsfig.project': project } })).map((v) => v.name).sort();

/** The exit codes wait printed, by container ID (compose's line names the container by ID). */
function printed(stdout: string): Array<[string, number]> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /"([0-9a-f]{64})".*?(\d+)$/.exec(l);
      if (!m) throw new Error(`unexpected wait output line: ${l}`);
      return [m[1]!, Number(m[2])];
    });
}

describe('create', () => {
  it('creates containers, networks and volumes without starting anything; up -d then starts those same containers', async () => {
    const { project, dir } = scenario('create-wait');
    const [app, job, slow] = ['app', 'job', 'slow'].map((s) => `${project}-${s}-1`) as [string, string, string];
    const env = { JOB_SLEEP: '600' };

    await ok(dir, project, ['create'], env);
    expect(await states(project)).toEqual({ [app]: 'created', [job]: 'created', [slow]: 'created' });
    for (const c of await containersOf(engine, project)) {
      const i = await engine.inspectContainer(c.id);
      expect([i.state.running, i.state.startedAt.startsWith('0001-')], c.name).toEqual([false, true]);
    }
    expect(await networksOf(project)).toEqual([`${project}_back`, `${project}_default`]);
    expect(await volumesOf(project)).toEqual([`${project}_data`]);
    const ids = await idsByName(engine, project);

    // Created again: nothing changes.
    await ok(dir, project, ['create'], env);
    expect(await idsByName(engine, project)).toEqual(ids);
    expect(await states(project)).toEqual({ [app]: 'created', [job]: 'created', [slow]: 'created' });

    await ok(dir, project, ['up', '-d'], env);
    expect(await idsByName(engine, project)).toEqual(ids);
    expect(await states(project)).toEqual({ [app]: 'running', [job]: 'running', [slow]: 'running' });

    // create on a running stack stops nothing and recreates nothing.
    await ok(dir, project, ['create'], env);
    expect(await idsByName(engine, project)).toEqual(ids);
    expect(await states(project)).toEqual({ [app]: 'running', [job]: 'running', [slow]: 'running' });

    // --force-recreate: new containers, left created.
    await ok(dir, project, ['create', '--force-recreate', 'slow'], env);
    const after = await idsByName(engine, project);
    expect(after[slow]).not.toBe(ids[slow]);
    expect(after[app]).toBe(ids[app]);
    expect((await engine.inspectContainer(slow)).state.status).toBe('created');
  });

  it('creates only the named services, at the --scale asked', async () => {
    const { project, dir } = scenario('create-wait');
    await ok(dir, project, ['create', '--scale', 'app=2', 'app']);
    expect(await states(project)).toEqual({ [`${project}-app-1`]: 'created', [`${project}-app-2`]: 'created' });
  });
});

describe('wait', () => {
  it('blocks until the container exits, prints its code and exits with it', async () => {
    const { project, dir } = scenario('create-wait');
    const env = { JOB_SLEEP: '2' };
    const job = `${project}-job-1`;
    await ok(dir, project, ['up', '-d', 'job'], env);
    const before = await engine.inspectContainer(job);
    expect(before.state.running).toBe(true);

    const r = await run(dir, project, ['wait', 'job'], env);
    const after = await engine.inspectContainer(job);
    expect([after.state.status, after.state.exitCode]).toEqual(['exited', 3]);
    expect(r.code, r.stderr).toBe(3);
    expect(printed(r.stdout)).toEqual([[before.id, 3]]);
  });

  it('an already exited container counts at once', async () => {
    const { project, dir } = scenario('create-wait');
    const env = { JOB_SLEEP: '0' };
    const job = `${project}-job-1`;
    await ok(dir, project, ['up', '-d', 'job'], env);
    await eventually(async () => expect((await engine.inspectContainer(job)).state.status).toBe('exited'));
    const started = Date.now();
    const r = await run(dir, project, ['wait', 'job'], env);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code, r.stderr).toBe(3);
    expect(printed(r.stdout)).toEqual([[(await engine.inspectContainer(job)).id, 3]]);
  });

  it('prints each exit code as its container stops and exits with the last one to stop (the built binary)', async () => {
    const { project, dir } = scenario('create-wait');
    const env = { JOB_SLEEP: '1' };
    const [job, slow] = [`${project}-job-1`, `${project}-slow-1`];
    await ok(dir, project, ['up', '-d', 'job', 'slow'], env);
    const ids = await idsByName(engine, project);
    const child = spawnTsfig(dir, project, ['wait', 'job', 'slow'], env);
    let stdout = '';
    child.proc.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    // job's line comes while slow still runs.
    await eventually(() => expect(printed(stdout)).toEqual([[ids[job], 3]]), { timeout: 30_000 });
    expect((await engine.inspectContainer(slow)).state.running).toBe(true);
    await engine.stopContainer(slow, 10);
    const r = await child.done;
    expect(printed(r.stdout)).toEqual([
      [ids[job], 3],
      [ids[slow], 5],
    ]);
    expect((await engine.inspectContainer(slow)).state.exitCode).toBe(5);
    expect(r.code, r.stderr).toBe(5);
  });

  it('--down-project removes the project\'s containers and networks once they stopped, keeps its volumes, exits with the code', async () => {
    const { project, dir } = scenario('create-wait');
    const env = { JOB_SLEEP: '1' };
    await ok(dir, project, ['up', '-d'], env);
    expect((await containersOf(engine, project)).length).toBe(3);
    const r = await run(dir, project, ['wait', '--down-project', 'job'], env);
    expect(r.code, r.stderr).toBe(3);
    expect(await containersOf(engine, project)).toEqual([]);
    expect(await networksOf(project)).toEqual([]);
    expect(await volumesOf(project)).toEqual([`${project}_data`]);
  });

  it('Ctrl-C ends waiting with 130 and changes nothing (the built binary)', async () => {
    const { project, dir } = scenario('create-wait');
    await ok(dir, project, ['up', '-d', 'app']);
    const ids = await idsByName(engine, project);
    const child = spawnTsfig(dir, project, ['wait', '--down-project', 'app']);
    let stderr = '';
    child.proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    // It has observed the stack once it names what it waits for.
    await eventually(() => expect(stderr).toContain(`${project}-app-1`), { timeout: 30_000 });
    child.proc.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(await idsByName(engine, project)).toEqual(ids);
    expect(await states(project)).toEqual({ [`${project}-app-1`]: 'running' });
  });

  it('a service without containers, one only created, or an unknown one is an error naming it (exit 1)', async () => {
    const { project, dir } = scenario('create-wait');
    await ok(dir, project, ['up', '-d', 'app']);
    const none = await run(dir, project, ['wait', 'app', 'job']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/\bjob\b/);
    expect(none.stderr).not.toMatch(/\bapp\b/);
    expect(none.stdout).toBe('');

    await ok(dir, project, ['create', 'slow']);
    const created = await run(dir, project, ['wait', 'slow']);
    expect(created.code).toBe(1);
    expect(created.stderr).toMatch(/\bslow\b/);

    const unknown = await run(dir, project, ['wait', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nope');
    // Nothing was changed by any of them.
    expect(await states(project)).toEqual({ [`${project}-app-1`]: 'running', [`${project}-slow-1`]: 'created' });
  });
});

describe('wait on two engines', () => {
  const RIG_HOST = 'unix:///run/tsfig-host1.sock';

  it('waits on each container on its own engine and exits with the code of the last one to stop', async () => {
    await rigUp(1);
    const remote = connect(resolveEndpoint({ env: {}, host: RIG_HOST }));
    const { project, dir } = scenario('create-wait');
    writeFileSync(
      join(dir, 'fig.yml'),
      [
        'hosts:',
        `  rig: { docker: "${RIG_HOST}" }`,
        'services:',
        '  far:',
        '    image: busybox',
        '    host: rig',
        '    command: ["sh", "-c", "sleep 3; exit 6"]',
        '  near:',
        '    image: busybox',
        '    command: ["sh", "-c", "sleep 1; exit 2"]',
        '',
      ].join('\n'),
    );
    try {
      await ok(dir, project, ['up', '-d']);
      const farId = (await remote.inspectContainer(`${project}-far-1`)).id;
      const nearId = (await engine.inspectContainer(`${project}-near-1`)).id;
      const r = await run(dir, project, ['wait', 'far', 'near']);
      expect(r.code, r.stderr).toBe(6);
      expect(printed(r.stdout)).toEqual([
        [nearId, 2],
        [farId, 6],
      ]);
      expect((await remote.inspectContainer(farId)).state.exitCode).toBe(6);
    } finally {
      await ok(dir, project, ['down', '-t', '1']).catch(() => undefined);
    }
  });
});

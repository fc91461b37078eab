/**
 * `tsfig up` against a real engine: first up, no-op up, a change to one service, scale,
 * orphans, containers changed behind tsfig's back, and exit codes. Every scenario has its own
 * fixture (test/e2e/testdata/<scenario>) and project name; checks read the engine's state
 * (inspect, list, exec, events), never tsfig's wording.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { VERSION } from '../../src/cli/version.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { docker, engineFromEnv, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import {
  cleanupStack,
  containersOf,
  describeEvents,
  expectConverged,
  fixture,
  idsByName,
  ok,
  recordEvents,
  run,
  sh,
  useVariant,
  volumeAt,
} from './support/stack.js';

let engine: Engine;
const made: Array<{ project: string; dir?: string }> = [];
/** Unlabelled volumes a scenario may leave behind (removed after each test). */
const leaked: string[] = [];

/** A fresh project name and a copy of the scenario's fixture. */
function scenario(name: string): { project: string; dir: string } {
  const project = uniqueProject(`up-${name}`);
  const dir = fixture(name);
  made.push({ project, dir });
  return { project, dir };
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupStack(engine, m.project);
    if (m.dir) rmSync(dirname(m.dir), { recursive: true, force: true });
  }
  for (const v of leaked.splice(0)) await engine.removeVolume(v, { force: true }).catch(() => undefined);
});

const ANON = /^[0-9a-f]{64}$/;

describe('up', () => {
  it('first up: every service running with its labels; the default network and named volumes exist, labelled', async () => {
    const { project, dir } = scenario('up-first');
    await ok(dir, project, ['up', '-d']);
    const all = await expectConverged(engine, project, { web: 1, db: 1, worker: 1 });
    const net = `${project}_default`;
    for (const c of all) {
      const i = await engine.inspectContainer(c.id);
      expect(i.state.running).toBe(true);
      const l = i.config.labels;
      expect(l['io.tsfig.project']).toBe(project);
      expect(l['io.tsfig.service']).toBe(c.service);
      expect(l['io.tsfig.number']).toBe('1');
      expect(l['io.tsfig.oneoff']).toBe('False');
      expect(l['io.tsfig.config-hash']).toMatch(/^[0-9a-f]{64}$/);
      expect(l['io.tsfig.version']).toBe(VERSION);
      expect(Object.keys(i.networks)).toEqual([net]);
    }
    // Different services, different configs: different hashes.
    expect(new Set(all.map((c) => c.labels['io.tsfig.config-hash'])).size).toBe(3);

    const network = await engine.inspectNetwork(net);
    expect(network.labels[PROJECT_LABEL]).toBe(project);
    expect(Object.keys(network.containers).sort()).toEqual(all.map((c) => c.id).sort());

    for (const [key, target, svc] of [['static', '/static', 'web'], ['dbdata', '/var/lib/db', 'db']] as const) {
      const v = await engine.inspectVolume(`${project}_${key}`);
      expect(v.labels[PROJECT_LABEL]).toBe(project);
      expect(await volumeAt(engine, `${project}-${svc}-1`, target)).toBe(`${project}_${key}`);
    }
    expect(await volumeAt(engine, `${project}-web-1`, '/cache')).toMatch(ANON);
    expect(await sh(engine, `${project}-worker-1`, 'echo $ROLE')).toBe('worker\n');
  });

  it('no-op up: same container IDs, and not one mutating engine event', async () => {
    const { project, dir } = scenario('up-first');
    await ok(dir, project, ['up', '-d']);
    const before = await Promise.all((await containersOf(engine, project)).map((c) => engine.inspectContainer(c.id)));
    const rec = await recordEvents(engine, project, async () => `${project}-web-1`, () => ok(dir, project, ['up', '-d']));
    expect(describeEvents(rec.mutating)).toEqual([]);
    const after = await Promise.all(before.map((c) => engine.inspectContainer(c.id)));
    expect(after.map((c) => [c.id, c.state.startedAt])).toEqual(before.map((c) => [c.id, c.state.startedAt]));
    expect(Object.values(await idsByName(engine, project)).sort()).toEqual(before.map((c) => c.id).sort());
  });

  it('asks the engine nothing a plan does not need: a no-op reads four lists; the API version comes from their header, not /version', async () => {
    const { project, dir } = scenario('up-first');
    const target = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
    const proxy = await startFaultProxy({ target, listen: join(tmpdir(), `tsfig-up-calls-${process.pid}.sock`), seed: 1, share: 0 });
    try {
      const via = { DOCKER_HOST: `unix://${proxy.path}` };
      await ok(dir, project, ['up', '-d'], via);
      await expectConverged(engine, project, { web: 1, db: 1, worker: 1 });
      expect(proxy.calls.filter((c) => c.path === '/version')).toEqual([]);
      proxy.calls.length = 0;
      await ok(dir, project, ['up', '-d'], via);
      expect(proxy.calls.map((c) => `${c.method} ${c.path}`).sort()).toEqual(['GET /containers/json', 'GET /images/json', 'GET /networks', 'GET /volumes']);
    } finally {
      await proxy.close();
    }
  });

  it('a change to one service recreates only it, and its anonymous volume keeps its data; -V gives a new one', async () => {
    const { project, dir } = scenario('up-change');
    await ok(dir, project, ['up', '-d']);
    const first = await idsByName(engine, project);
    const web = `${project}-web-1`;
    const anon = await volumeAt(engine, web, '/data');
    expect(anon).toMatch(ANON);
    leaked.push(anon);
    await sh(engine, web, 'echo kept > /data/marker');

    useVariant(dir, 'v2');
    const rec = await recordEvents(engine, project, async () => web, () => ok(dir, project, ['up', '-d']));
    const second = await idsByName(engine, project);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    expect(second[web]).not.toBe(first[web]);
    expect(second[`${project}-db-1`]).toBe(first[`${project}-db-1`]);
    expect(second[`${project}-cache-1`]).toBe(first[`${project}-cache-1`]);
    // Only web's containers were touched.
    const touched = new Set(rec.mutating.filter((e) => e.type === 'container').map((e) => e.attributes['io.tsfig.service']));
    expect([...touched]).toEqual(['web']);
    await expectConverged(engine, project, { web: 1, db: 1, cache: 1 });
    expect(await sh(engine, web, 'echo $RELEASE')).toBe('2\n');
    expect(await volumeAt(engine, web, '/data')).toBe(anon);
    expect(await sh(engine, web, 'cat /data/marker')).toBe('kept\n');

    // Converged after a recreate: the next up is a no-op.
    const again = await recordEvents(engine, project, async () => web, () => ok(dir, project, ['up', '-d']));
    expect(describeEvents(again.mutating)).toEqual([]);

    // -V: a fresh anonymous volume; the old one is removed with the old container.
    useVariant(dir, 'v3');
    await ok(dir, project, ['up', '-d', '-V']);
    await expectConverged(engine, project, { web: 1, db: 1, cache: 1 });
    const renewed = await volumeAt(engine, web, '/data');
    expect(renewed).toMatch(ANON);
    expect(renewed).not.toBe(anon);
    expect((await engine.exec(web, { cmd: ['test', '-e', '/data/marker'] })).exitCode).toBe(1);
    expect(await sh(engine, web, 'echo $RELEASE')).toBe('3\n');
    expect((await idsByName(engine, project))[`${project}-db-1`]).toBe(first[`${project}-db-1`]);
  });

  // The engine's `rm -v` removes only volumes a container was created with anonymously; one a
  // replacement inherited (mounted by name) is removed by tsfig itself.
  it('-V after a recreate also removes the inherited anonymous volume it replaces', async () => {
    const { project, dir } = scenario('up-change');
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const anon = await volumeAt(engine, web, '/data');
    leaked.push(anon);
    useVariant(dir, 'v2');
    await ok(dir, project, ['up', '-d']);
    expect(await volumeAt(engine, web, '/data')).toBe(anon);
    useVariant(dir, 'v3');
    await ok(dir, project, ['up', '-d', '-V']);
    expect(await volumeAt(engine, web, '/data')).not.toBe(anon);
    expect((await engine.listVolumes()).some((v) => v.name === anon)).toBe(false);
  });

  it('scale up and down: exactly <project>-<svc>-1..N, highest numbers removed first', async () => {
    const { project, dir } = scenario('up-scale');
    await ok(dir, project, ['up', '-d', '--scale', 'worker=3']);
    await expectConverged(engine, project, { worker: 3, api: 1 });
    const three = await idsByName(engine, project);

    const down = await recordEvents(engine, project, async () => `${project}-worker-1`, () => ok(dir, project, ['up', '-d', '--scale', 'worker=1']));
    await expectConverged(engine, project, { worker: 1, api: 1 });
    const one = await idsByName(engine, project);
    expect(one[`${project}-worker-1`]).toBe(three[`${project}-worker-1`]);
    expect(one[`${project}-api-1`]).toBe(three[`${project}-api-1`]);
    const destroyed = down.mutating.filter((e) => e.type === 'container' && e.action === 'destroy').map((e) => e.attributes.name);
    expect(destroyed).toEqual([`${project}-worker-3`, `${project}-worker-2`]);

    await ok(dir, project, ['scale', 'worker=2']);
    await expectConverged(engine, project, { worker: 2, api: 1 });
    const two = await idsByName(engine, project);
    expect(two[`${project}-worker-1`]).toBe(three[`${project}-worker-1`]);
    expect(two[`${project}-api-1`]).toBe(three[`${project}-api-1`]);
  });

  it('orphans: up leaves them and exits 0; up --remove-orphans removes them', async () => {
    const { project, dir } = scenario('up-orphans');
    await ok(dir, project, ['up', '-d']);
    const before = await idsByName(engine, project);
    useVariant(dir, 'without-helper');
    await ok(dir, project, ['up', '-d']);
    const mid = await containersOf(engine, project);
    expect(mid.map((c) => [c.name, c.id, c.state])).toEqual([
      [`${project}-app-1`, before[`${project}-app-1`], 'running'],
      [`${project}-helper-1`, before[`${project}-helper-1`], 'running'],
    ]);
    await ok(dir, project, ['up', '-d', '--remove-orphans']);
    expect(await idsByName(engine, project)).toEqual({ [`${project}-app-1`]: before[`${project}-app-1`] });
  });

  it('a container removed behind its back is recreated; one stopped behind its back is started', async () => {
    const { project, dir } = scenario('behind-back');
    await ok(dir, project, ['up', '-d']);
    const before = await idsByName(engine, project);
    const steady = await engine.inspectContainer(`${project}-steady-1`);
    await docker('rm', '-f', `${project}-gone-1`);
    await docker('stop', `${project}-stopped-1`);
    expect((await engine.inspectContainer(`${project}-stopped-1`)).state.running).toBe(false);

    await ok(dir, project, ['up', '-d']);
    await expectConverged(engine, project, { gone: 1, stopped: 1, steady: 1 });
    const after = await idsByName(engine, project);
    expect(after[`${project}-gone-1`]).not.toBe(before[`${project}-gone-1`]);
    expect(after[`${project}-stopped-1`]).toBe(before[`${project}-stopped-1`]);
    const steadyAfter = await engine.inspectContainer(`${project}-steady-1`);
    expect([steadyAfter.id, steadyAfter.state.startedAt]).toEqual([steady.id, steady.state.startedAt]);
  });
});

describe('up exit codes', () => {
  it('a config error: exit 1, the position of the error, and nothing created', async () => {
    const { project, dir } = scenario('config-error');
    const r = await run(dir, project, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fig\.yml:6:9: /);
    const label = { [PROJECT_LABEL]: project };
    expect(await engine.listContainers({ all: true, labels: label })).toEqual([]);
    expect(await engine.listNetworks({ labels: label })).toEqual([]);
    expect(await engine.listVolumes({ labels: label })).toEqual([]);
  });

  it('an image that is not there and cannot be pulled: exit 1, an error line naming the image', async () => {
    const { project, dir } = scenario('missing-image');
    const image = '127.0.0.1:5999/tsfig-e2e/no-such-image:never';
    const r = await run(dir, project, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').some((line) => /error/i.test(line) && line.includes(image))).toBe(true);
    expect((await containersOf(engine, project)).filter((c) => c.service === 'broken')).toEqual([]);
  });
});

/**
 * Objects tsfig did not make that hold a project's names: an unlabelled volume named like a
 * declared one is used as it is with a warning (never changed, never removed, not "Created"
 * again on every up); an unlabelled container holding a container's name is named by plan, and
 * up refuses before anything is made; it is left alone. down -v removes neither.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, requireEngine, sessionLabels } from './support/harness.js';
import { containersOf, ok, run, scenarios } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('foreign');
const foreign: Array<() => Promise<void>> = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const drop of foreign.splice(0)) await drop().catch(() => undefined);
  await cleanup(engine);
});

describe('foreign objects holding project names', () => {
  it('a foreign container holding a name: plan and up refuse, naming it, before anything is made; a foreign volume is used with a warning and kept by down -v', async () => {
    const { project, dir } = scenario('foreign');
    // Made by someone else: no io.tsfig.project label (the test-session label only, to find them).
    await engine.createVolume({ Name: `${project}_data`, Labels: sessionLabels() });
    foreign.push(() => engine.removeVolume(`${project}_data`));
    const other = await engine.createContainer(`${project}-db-1`, { Image: 'busybox:latest', Cmd: ['true'], Labels: sessionLabels() });
    foreign.push(() => engine.removeContainer(other.id, { force: true }));

    const plan = await run(dir, project, ['plan']);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(`volume ${project}_data already exists and tsfig did not make it`);
    expect(plan.stdout).not.toContain(`volume ${project}_data: create`);
    expect(plan.stdout).toContain(`the name ${project}-db-1 (service db) is held by ${other.id.slice(0, 12)}, a container tsfig did not make`);

    // Refused before anything is made; the foreign container is the same, never started.
    const up = await run(dir, project, ['up', '-d']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`the name ${project}-db-1 (service db) is held by ${other.id.slice(0, 12)}`);
    expect(await containersOf(engine, project)).toEqual([]);
    const still = await engine.inspectContainer(`${project}-db-1`);
    expect(still.id).toBe(other.id);
    expect(still.state.status).toBe('created');

    // Its owner removes it: up uses the foreign volume as it is, and says so, without "Created".
    await foreign.pop()!();
    const upAgain = await ok(dir, project, ['up', '-d']);
    expect(upAgain.stderr).toContain(`volume ${project}_data already exists and tsfig did not make it`);
    expect(upAgain.stderr).not.toMatch(/Volume \S+_data\s+Created/);
    const web = await engine.inspectContainer(`${project}-web-1`);
    expect(web.mounts.find((m) => m.destination === '/data')?.name).toBe(`${project}_data`);

    await ok(dir, project, ['down', '-v']);
    expect(await containersOf(engine, project)).toEqual([]);
    expect((await engine.listVolumes({})).some((v) => v.name === `${project}_data`)).toBe(true);
  });
});

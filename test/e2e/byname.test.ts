/**
 * `-p NAME` without a project file, as docker compose v2 has it: ps, logs, stop, start, restart,
 * kill, rm, top, port and down work on what the engine holds under that name, from the labels.
 * Commands that need the file (up) still ask for it, and so does a command without a name.
 * down -v there removes no named volume: without the file nobody can tell which it declares
 * external.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, requireEngine } from './support/harness.js';
import { containersOf, ok, run, scenarios, testEnv } from './support/stack.js';
import { tsfig } from '../support/project.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('byname');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
});

async function states(project: string): Promise<Record<string, string>> {
  return Object.fromEntries((await containersOf(engine, project)).map((c) => [c.service, c.state]));
}

describe('-p NAME without a project file', () => {
  it('ps, logs, stop, start, top and down work from the labels; up and a nameless ps ask for the file; down -v keeps the named volume', async () => {
    const { project, dir } = scenario('byname');
    await ok(join(dir, 'project'), project, ['up', '-d']);
    const elsewhere = join(dir, 'elsewhere');

    const ps = await ok(elsewhere, project, ['ps', '--format', 'json']);
    expect(ps.stdout).toContain(`${project}-web-1`);
    expect(ps.stdout).toContain(`${project}-db-1`);
    await eventually(async () => expect((await ok(elsewhere, project, ['logs', 'web'])).stdout).toContain('hello from web'));

    await ok(elsewhere, project, ['stop', 'db']);
    expect(await states(project)).toEqual({ web: 'running', db: 'exited' });
    await ok(elsewhere, project, ['start']);
    expect(await states(project)).toEqual({ web: 'running', db: 'running' });
    expect((await ok(elsewhere, project, ['top', 'web'])).stdout).toContain('sleep');

    // No name, or a command that needs the file: the loader's one line, with what to do.
    const nameless = await tsfig(['ps'], { cwd: elsewhere, env: testEnv() });
    expect(nameless.code).toBe(1);
    expect(nameless.stderr).toContain('-p NAME');
    const up = await run(elsewhere, project, ['up', '-d']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('no project file found');

    const down = await ok(elsewhere, project, ['down', '-v']);
    expect(down.stderr).toContain(`volume ${project}_data is no longer in the file; kept`);
    expect(await containersOf(engine, project)).toEqual([]);
    const volumes = await engine.listVolumes({ labels: { 'io.tsfig.project': project } });
    expect(volumes.map((v) => v.name)).toEqual([`${project}_data`]);
  });
});

/**
 * A container that is on only some of its networks (a create cut short before it joined the
 * others, an out-of-band `docker network disconnect`) or on a project network the file does not
 * give it: `plan` says so, `up` connects and disconnects it in place (the same container, its
 * aliases back), and the next plan has nothing to do.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, requireEngine } from './support/harness.js';
import { containersOf, ok, scenarios } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('rewire');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
});

describe('converging network attachments', () => {
  it('reconnects a missing network and disconnects a stray project network, without recreating', async () => {
    const { project, dir } = scenario('rewire');
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const before = await engine.inspectContainer(web);
    expect(Object.keys(before.networks).sort()).toEqual([`${project}_back`, `${project}_front`]);

    await engine.disconnectNetwork(`${project}_front`, web, true);
    await engine.connectNetwork(`${project}_spare`, web);
    const plan = await ok(dir, project, ['plan']);
    expect(plan.stdout).toContain(`container ${web}: configure`);
    expect(plan.stdout).toContain(`not on ${project}_front`);
    expect(plan.stdout).toContain(`on ${project}_spare`);

    await ok(dir, project, ['up', '-d']);
    const after = await engine.inspectContainer(web);
    expect(after.id).toBe(before.id);
    expect(Object.keys(after.networks).sort()).toEqual([`${project}_back`, `${project}_front`]);
    expect(after.networks[`${project}_front`]!.aliases).toEqual(expect.arrayContaining(['www', 'web']));
    expect((await containersOf(engine, project)).every((c) => c.state === 'running')).toBe(true);
    expect((await ok(dir, project, ['plan'])).stdout).toContain('nothing to do');
  });
});

/**
 * A container that is on only some of its networks (a create cut short before it joined the
 * others, an out-of-band `docker network disconnect`) or on a project network the file does not
 * give it: `plan` says so, `up` connects and disconnects it in place (the same container, its
 * aliases back), and the next plan has nothing to do. A network removed out of band is made
 * again and the containers that pointed at the old one are recreated on it. A container renamed
 * out of band gets its name back.
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

  it('a network removed out of band while its containers were stopped: up makes it again and recreates them on it', async () => {
    const { project, dir } = scenario('rewire');
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const before = await engine.inspectContainer(web);
    await ok(dir, project, ['stop']);
    await engine.removeNetwork(`${project}_back`);
    const plan = await ok(dir, project, ['plan']);
    expect(plan.stdout).toContain(`container ${web}: recreate (network ${project}_back was removed`);

    await ok(dir, project, ['up', '-d']);
    const after = await engine.inspectContainer(web);
    expect(after.id).not.toBe(before.id);
    const back = (await engine.listNetworks({ labels: { 'io.tsfig.project': project } })).find((n) => n.name === `${project}_back`)!;
    expect(after.networks[`${project}_back`]!.networkId).toBe(back.id);
    expect((await containersOf(engine, project)).every((c) => c.state === 'running')).toBe(true);
    expect((await ok(dir, project, ['plan'])).stdout).toContain('nothing to do');
  });

  it('a container renamed out of band gets its name back, the same container', async () => {
    const { project, dir } = scenario('rewire');
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const before = await engine.inspectContainer(web);
    await engine.renameContainer(web, `${project}-renamed`);
    expect((await ok(dir, project, ['plan'])).stdout).toContain(`container ${web}: rename (renamed out of band to ${project}-renamed)`);
    await ok(dir, project, ['up', '-d']);
    expect((await engine.inspectContainer(web)).id).toBe(before.id);
    expect((await ok(dir, project, ['plan'])).stdout).toContain('nothing to do');
  });
});

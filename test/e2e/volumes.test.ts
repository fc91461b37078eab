/**
 * A changed volume definition on the real engine: reported and kept with its data; made anew
 * (data gone, containers created again) only with --force-recreate-volumes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir, tsfig } from '../support/project.js';
import { cleanupProject, engineFromEnv, requireEngine, uniqueProject } from './support/harness.js';

let engine: Engine;
const project = uniqueProject('vol');

const file = (label: string) => `services:
  db:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
    volumes: [data:/data]
volumes:
  data:
    labels: {generation: "${label}"}
`;

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterAll(async () => {
  await cleanupProject(engine, project);
});

describe('a changed volume', () => {
  it('is kept with its data by up, and made anew only with --force-recreate-volumes', async () => {
    const dir = projectDir({ 'fig.yml': file('one') });
    const env = { HOME: '/root', PATH: process.env.PATH };
    const up = async (...extra: string[]) => tsfig(['-p', project, '--progress', 'plain', 'up', '-d', ...extra], { cwd: dir, env });
    expect((await up()).code).toBe(0);
    const name = `${project}-db-1`;
    await engine.exec(name, { cmd: ['sh', '-c', 'echo kept > /data/file'] });

    writeFileSync(join(dir, 'fig.yml'), file('two'));
    const warned = await up();
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/volume \S+_data differs from its definition/);
    expect((await engine.exec(name, { cmd: ['cat', '/data/file'] })).stdout.trim()).toBe('kept');
    expect((await engine.inspectVolume(`${project}_data`)).labels.generation).toBe('one');

    const before = (await engine.inspectContainer(name)).id;
    expect((await up('--force-recreate-volumes')).code).toBe(0);
    const vol = await engine.inspectVolume(`${project}_data`);
    expect(vol.labels.generation).toBe('two');
    const after = await engine.inspectContainer(name);
    expect(after.id).not.toBe(before);
    expect(after.state.running).toBe(true);
    expect((await engine.exec(name, { cmd: ['sh', '-c', 'test -e /data/file && echo present || echo absent'] })).stdout.trim()).toBe('absent');
    // Converged: nothing more to do.
    const again = await tsfig(['-p', project, 'plan'], { cwd: dir, env });
    expect(again.stdout).toBe('nothing to do: everything is up to date\n');
  });
});

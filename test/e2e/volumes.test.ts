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

describe('down -v', () => {
  const downProject = uniqueProject('voldown');
  afterAll(async () => {
    await cleanupProject(engine, downProject);
  });

  const service = (volumes: string) => `services:
  db:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
    volumes: [${volumes}]
`;

  it('keeps a volume the file now declares external, and one it no longer declares, with their data', async () => {
    const dir = projectDir({ 'fig.yml': `${service('data:/data, old:/old')}volumes:\n  data: {}\n  old: {}\n` });
    const env = { HOME: '/root', PATH: process.env.PATH };
    const run = async (...args: string[]) => tsfig(['-p', downProject, '--progress', 'plain', ...args], { cwd: dir, env });
    expect((await run('up', '-d')).code).toBe(0);
    const name = `${downProject}-db-1`;
    await engine.exec(name, { cmd: ['sh', '-c', 'echo kept > /data/file; echo old > /old/file'] });

    // The same volume, now declared external under its engine name; `old` is gone from the
    // file; `scratch` is new and declared, so down -v removes it.
    writeFileSync(join(dir, 'fig.yml'), `${service('data:/data, scratch:/scratch')}volumes:\n  data: {external: true, name: ${downProject}_data}\n  scratch: {}\n`);
    expect((await run('up', '-d')).code).toBe(0);
    const down = await run('down', '-v', '-t', '1');
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`volume ${downProject}_data is external; kept`);
    expect(down.stderr).toContain(`volume ${downProject}_old is no longer in the file; kept`);
    const left = (await engine.listVolumes({ labels: { 'io.tsfig.project': downProject } })).map((v) => v.name).sort();
    expect(left).toEqual([`${downProject}_data`, `${downProject}_old`]);

    // The data is still there: bring the stack up again on the kept volumes.
    writeFileSync(join(dir, 'fig.yml'), `${service('data:/data, old:/old')}volumes:\n  data: {external: true, name: ${downProject}_data}\n  old: {}\n`);
    expect((await run('up', '-d')).code).toBe(0);
    expect((await engine.exec(name, { cmd: ['cat', '/data/file', '/old/file'] })).stdout).toBe('kept\nold\n');
  });
});

describe('volumes', () => {
  const listProject = uniqueProject('vols');
  const ext = `${listProject}-ext`;
  afterAll(async () => {
    await cleanupProject(engine, listProject);
    await engine.removeVolume(ext, { force: true }).catch(() => undefined);
  });

  it("lists the project's volumes and the declared external ones, by service with names given", async () => {
    await engine.createVolume({ name: ext, labels: { 'io.tsfig.test-session': 'volumes-list' } });
    const dir = projectDir({
      'fig.yml': `services:
  a:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
    volumes: [one:/one, ext:/ext]
  b:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
    volumes: [two:/two]
volumes:
  one: {}
  two: {}
  ext: {external: true, name: ${ext}}
`,
    });
    const env = { HOME: '/root', PATH: process.env.PATH };
    const run = (...args: string[]) => tsfig(['-p', listProject, '--progress', 'plain', ...args], { cwd: dir, env });
    expect((await run('up', '-d')).code).toBe(0);
    const table = await run('volumes');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/))).toEqual([
      ['DRIVER', 'VOLUME', 'NAME'],
      ['local', ext],
      ['local', `${listProject}_one`],
      ['local', `${listProject}_two`],
    ]);
    expect((await run('volumes', '-q', 'b')).stdout).toBe(`${listProject}_two\n`);
    const json = (await run('volumes', '--format', 'json', 'a')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { Name: string; Driver: string });
    expect(json.map((v) => [v.Driver, v.Name])).toEqual([
      ['local', ext],
      ['local', `${listProject}_one`],
    ]);
  });
});

/** build, pull and push's decisions, and images' and top's rows, against the in-memory fake engine. */
import { describe, expect, it } from 'vitest';
import { buildImages } from '../../src/app/containers/build.js';
import { listImages } from '../../src/app/containers/images.js';
import { pullImages } from '../../src/app/containers/pull.js';
import { pushImages } from '../../src/app/containers/push.js';
import { topProcesses } from '../../src/app/containers/top.js';
import { fakeContainersContext, serviceLabels } from '../support/containers.js';
import { FakeEngine } from '../support/fake-engine.js';
import { load, projectDir } from '../support/project.js';

const NAME = 'appcimg';

function project(services: string) {
  const r = load(projectDir({ 'fig.yml': `name: ${NAME}\nservices:\n${services}` }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const IMAGE_ONLY = '  web:\n    image: busybox\n  cache:\n    image: example.test/cache:7\n  local:\n    build: {context: ., dockerfile_inline: "FROM busybox"}\n';

describe('build, pull, push', () => {
  it('build: nothing to build is said and asks no engine; a named service with an image is skipped, said unless -q', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project('  web:\n    image: busybox\n'), { default: fake });
    const req = { services: [], noCache: false, pull: false, buildArgs: [], env: {}, quiet: false, version: 'test' };
    expect(await buildImages(ctx, req)).toBe(0);
    expect(await buildImages(ctx, { ...req, services: ['web'] })).toBe(0);
    expect(await buildImages(ctx, { ...req, services: ['web'], quiet: true })).toBe(0);
    expect(ctx.lines).toEqual(['nothing to build: no service has build:', 'web uses an image, skipping', 'nothing to build: no service has build:']);
    expect(fake.calls).toEqual([]);
  });

  it('pull: the images of the named services (not the ones they do not name), through one plan', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(IMAGE_ONLY), { default: fake });
    expect(await pullImages(ctx, { services: ['cache'], includeDeps: false, ignoreFailures: false })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target)).toEqual(['example.test/cache:7']);
    expect(ctx.applied).toHaveLength(1);
  });

  it('pull --ignore-pull-failures: a failed pull leaves the exit code 0', async () => {
    const fake = new FakeEngine();
    fake.fail('pullImage', 404, 'manifest unknown');
    const ctx = fakeContainersContext(project(IMAGE_ONLY), { default: fake });
    expect(await pullImages(ctx, { services: ['cache'], includeDeps: false, ignoreFailures: true })).toBe(0);
    expect(await pullImages(ctx, { services: ['cache'], includeDeps: false, ignoreFailures: false })).toBe(1);
  });

  it('push: a service without image: is said and skipped', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project('  local:\n    build: {context: ., dockerfile_inline: "FROM busybox"}\n'), { default: fake });
    await pushImages(ctx, { services: [], ignoreFailures: false });
    expect(ctx.lines).toEqual(['local has no image: to push to, skipping']);
    expect(fake.callsOf('pushImage')).toEqual([]);
  });
});

describe('images and top rows', () => {
  it('images: one row per container by name, the reference it was created from', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: `${NAME}-web-2`, labels: serviceLabels(NAME, 'web', 2) });
    fake.seedContainer({ name: `${NAME}-web-1`, labels: serviceLabels(NAME, 'web', 1) });
    const ctx = fakeContainersContext(project(IMAGE_ONLY), { default: fake });
    const r = await listImages(ctx, []);
    expect(r.rows.map((x) => [x.container, x.repository, x.tag])).toEqual([
      [`${NAME}-web-1`, 'busybox', 'latest'],
      [`${NAME}-web-2`, 'busybox', 'latest'],
    ]);
    expect([r.multiHost, r.problems]).toEqual([false, []]);
  });

  it('top: a block per running container of the named services; none for stopped ones', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: `${NAME}-web-1`, labels: serviceLabels(NAME, 'web', 1) });
    fake.seedContainer({ name: `${NAME}-web-2`, labels: serviceLabels(NAME, 'web', 2), status: 'exited' });
    fake.seedContainer({ name: `${NAME}-cache-1`, labels: serviceLabels(NAME, 'cache', 1) });
    const ctx = fakeContainersContext(project(IMAGE_ONLY), { default: fake });
    const r = await topProcesses(ctx, ['web']);
    expect(r.rows.map((b) => [b.name, b.titles.includes('PID')])).toEqual([[`${NAME}-web-1`, true]]);
  });
});

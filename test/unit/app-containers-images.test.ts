/** build, pull and push's decisions, and images' and top's rows, against the in-memory fake engine. */
import { describe, expect, it } from 'vitest';
import { buildImages, buildPlan } from '../../src/app/containers/build.js';
import { listImages } from '../../src/app/containers/images.js';
import { parsePullPolicy, pullImages } from '../../src/app/containers/pull.js';
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

describe("build, pull, push: compose's flags", () => {
  const req = { services: [] as string[], noCache: false, pull: false, buildArgs: [] as string[], env: {}, quiet: false, version: 'test' };
  const STACK =
    '  base:\n    build: {context: ., dockerfile_inline: "FROM busybox"}\n    image: example.test/base:1\n' +
    '  app:\n    build: {context: ., dockerfile_inline: "FROM busybox", args: {X: "1"}}\n    image: example.test/app:1\n    depends_on: [base, web]\n' +
    '  web:\n    image: busybox\n' +
    '  noname:\n    build: {context: ., dockerfile_inline: "FROM busybox"}\n';

  it('build --with-dependencies: the named service and the ones it depends on that have build:; without it, the named one only', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(STACK), { default: fake });
    expect(await buildImages(ctx, { ...req, services: ['app'] })).toBe(0);
    expect(fake.callsOf('buildImage').map((c) => c.target)).toEqual(['example.test/app:1']);
    expect(await buildImages(ctx, { ...req, services: ['app'], withDependencies: true })).toBe(0);
    expect(fake.callsOf('buildImage').map((c) => c.target).slice(1).sort()).toEqual(['example.test/app:1', 'example.test/base:1']);
  });

  it('build --push: the built images are pushed afterwards; one without image: is said and skipped; a failed build pushes nothing', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(STACK), { default: fake });
    expect(await buildImages(ctx, { ...req, services: ['app', 'noname'], push: true })).toBe(0);
    expect(fake.callsOf('pushImage').map((c) => c.target)).toEqual(['example.test/app:1']);
    expect(ctx.lines).toContain('noname has no image: to push to, skipping');

    const failing = new FakeEngine().fail('buildImage', 500, 'build failed');
    const ctx2 = fakeContainersContext(project(STACK), { default: failing });
    expect(await buildImages(ctx2, { ...req, services: ['app'], push: true })).toBe(1);
    expect(failing.callsOf('pushImage')).toEqual([]);
  });

  it('build --print: the build plan as data, nothing built or asked to build', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(STACK), { default: fake });
    const printed = await buildPlan(ctx, { ...req, services: ['app'], withDependencies: true });
    expect(printed.builds.map((b) => b.service).sort()).toEqual(['app', 'base']);
    const app = printed.builds.find((b) => b.service === 'app')!;
    expect(app).toMatchObject({ host: 'default', image: 'example.test/app:1', dockerfileInline: 'FROM busybox', args: { X: '1' }, tags: ['example.test/app:1'] });
    expect(fake.mutatingCalls()).toEqual([]);
    expect(JSON.parse(JSON.stringify(printed))).toEqual(printed);
    await expect(buildPlan(ctx, { ...req, services: ['nope'] })).rejects.toThrow(/nope/);
  });

  it('pull --ignore-buildable: images of services with build: are left out', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(STACK), { default: fake });
    expect(await pullImages(ctx, { services: [], includeDeps: false, ignoreFailures: false, ignoreBuildable: true })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target)).toEqual(['busybox:latest']);
  });

  it('pull --policy missing: an image the host has is not pulled; always (and no policy): it is', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(IMAGE_ONLY), { default: fake });
    expect(await pullImages(ctx, { services: ['web', 'cache'], includeDeps: false, ignoreFailures: false, policy: 'missing' })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target)).toEqual(['example.test/cache:7']);
    expect(await pullImages(ctx, { services: ['web'], includeDeps: false, ignoreFailures: false, policy: 'always' })).toBe(0);
    expect(await pullImages(ctx, { services: ['web'], includeDeps: false, ignoreFailures: false })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target)).toEqual(['example.test/cache:7', 'busybox:latest', 'busybox:latest']);
    expect(parsePullPolicy('missing')).toBe('missing');
    expect(() => parsePullPolicy('never')).toThrow('invalid --policy "never": use missing or always');
  });

  it("pull without --policy follows each service's pull_policy: never and build skipped, missing only when absent, always pulled", async () => {
    const yml =
      '  never:\n    image: example.test/never:1\n    pull_policy: never\n' +
      '  built:\n    image: example.test/built:1\n    build: {context: ., dockerfile_inline: "FROM busybox"}\n    pull_policy: build\n' +
      '  have:\n    image: busybox\n    pull_policy: missing\n' +
      '  lack:\n    image: example.test/lack:1\n    pull_policy: if_not_present\n' +
      '  always:\n    image: example.test/always:1\n    pull_policy: always\n' +
      '  plain:\n    image: example.test/plain:1\n';
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(yml), { default: fake });
    expect(await pullImages(ctx, { services: [], includeDeps: false, ignoreFailures: false })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target).sort()).toEqual(['example.test/always:1', 'example.test/lack:1', 'example.test/plain:1']);
    // --policy overrides every service's own.
    expect(await pullImages(ctx, { services: ['never', 'have'], includeDeps: false, ignoreFailures: false, policy: 'always' })).toBe(0);
    expect(fake.callsOf('pullImage').map((c) => c.target).slice(3).sort()).toEqual(['busybox:latest', 'example.test/never:1']);
  });

  it('push --include-deps: the images of the dependencies too; without it, the named one only', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(STACK), { default: fake });
    expect(await buildImages(ctx, { ...req, services: ['app'], withDependencies: true })).toBe(0);
    expect(await pushImages(ctx, { services: ['app'], ignoreFailures: false })).toBe(0);
    expect(fake.callsOf('pushImage').map((c) => c.target)).toEqual(['example.test/app:1']);
    expect(await pushImages(ctx, { services: ['app'], ignoreFailures: false, includeDeps: true })).toBe(0);
    expect(fake.callsOf('pushImage').map((c) => c.target).slice(1).sort()).toEqual(['busybox:latest', 'example.test/app:1', 'example.test/base:1']);
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

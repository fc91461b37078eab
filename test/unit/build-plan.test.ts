/** Image steps: pure decisions (build, pull, nothing, error) and the plans made of them. */
import { describe, expect, it } from 'vitest';
import { buildSpec, imageDecision, parseBuildArg } from '../../src/reconcile/images.js';
import { renderPlan } from '../../src/reconcile/plan.js';
import { planImages, planRegistry, reconcile, type ReconcileOptions } from '../../src/reconcile/reconcile.js';
import { coded, host, IMAGE_ID, made, resources, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

const stack = `name: shop
services:
  web:
    build:
      context: ./web
      dockerfile: web.Dockerfile
      target: final
      args: [GREETING=hello, FROM_ENV]
      labels: {team: shop}
      shm_size: 64m
      extra_hosts: ["db.local:10.0.0.2"]
      cache_from: [shop-web:cache]
    depends_on: [db]
  db:
    image: registry.local:5000/db:1
    depends_on: [cache]
  cache:
    image: busybox
  api:
    build: ./api
    image: registry.local:5000/api:2
`;

function project(text = stack) {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const opts = (extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({ version: '0.1.0', ...extra });

describe('imageDecision', () => {
  const p = project();
  const web = p.services.web!;
  const db = p.services.db!;
  const api = p.services.api!;
  const d = (svc: typeof web, present: boolean, o: Parameters<typeof imageDecision>[4] = {}) => imageDecision(svc, 'ref:latest', present, 'default', o);

  it('a build service: built when missing, always with --build, never with --no-build', () => {
    expect(d(web, false)).toEqual({ action: 'build', cause: 'not on the host' });
    expect(d(web, true)).toEqual({ action: 'none' });
    expect(d(web, true, { build: 'always' })).toEqual({ action: 'build', cause: '--build' });
    expect(d(web, true, { build: 'never' })).toEqual({ action: 'none' });
    expect(d(web, false, { build: 'never' })).toMatchObject({ action: 'error', code: 'PLAN_BUILD_FORBIDDEN', key: 'build' });
    // --pull concerns pulled images, not built ones.
    expect(d(web, true, { pull: 'always' })).toEqual({ action: 'none' });
  });

  it('pull_policy of a build service: build always rebuilds, always pulls an image: instead', () => {
    expect(d({ ...web, pull_policy: 'build' }, true)).toEqual({ action: 'build', cause: 'pull_policy: build' });
    expect(d({ ...api, pull_policy: 'always' }, true)).toEqual({ action: 'pull', cause: 'pull_policy: always' });
    expect(d({ ...api, pull_policy: 'never' }, false)).toMatchObject({ action: 'build' });
  });

  it('a pulled service follows --pull over pull_policy over missing', () => {
    expect(d(db, false)).toEqual({ action: 'pull', cause: 'not on the host' });
    expect(d(db, true)).toEqual({ action: 'none' });
    expect(d({ ...db, pull_policy: 'always' }, true)).toEqual({ action: 'pull', cause: 'pull_policy: always' });
    expect(d({ ...db, pull_policy: 'if_not_present' }, true)).toEqual({ action: 'none' });
    expect(d({ ...db, pull_policy: 'missing' }, false)).toMatchObject({ action: 'pull' });
    expect(d({ ...db, pull_policy: 'daily' }, true)).toEqual({ action: 'none' });
    expect(d({ ...db, pull_policy: 'never' }, true)).toEqual({ action: 'none' });
    expect(d({ ...db, pull_policy: 'never' }, false)).toMatchObject({ action: 'error', code: 'PLAN_PULL_FORBIDDEN', key: 'pull_policy' });
    expect(d({ ...db, pull_policy: 'never' }, true, { pull: 'always' })).toEqual({ action: 'pull', cause: '--pull always' });
    expect(d({ ...db, pull_policy: 'always' }, false, { pull: 'never' })).toMatchObject({ action: 'error', code: 'PLAN_PULL_FORBIDDEN', key: 'image' });
  });
});

describe('buildSpec', () => {
  it('carries every build: key; args without a value come from the environment; --build-arg wins', () => {
    const p = project();
    const spec = buildSpec(p.services.web!, 'shop-web:latest', {
      buildEnv: { FROM_ENV: 'env-value', OTHER: 'x' },
      buildArgs: Object.fromEntries(['GREETING=hi', 'OTHER'].map(parseBuildArg)),
      noCache: true,
    });
    expect(spec).toEqual({
      context: `${p.workingDir}/web`,
      dockerfile: 'web.Dockerfile',
      tags: ['shop-web:latest'],
      args: { GREETING: 'hi', FROM_ENV: 'env-value', OTHER: 'x' },
      target: 'final',
      labels: { team: 'shop' },
      shmSize: 64 * 1024 * 1024,
      extraHosts: ['db.local:10.0.0.2'],
      cacheFrom: ['shop-web:cache'],
      noCache: true,
    });
    // Unset in the environment: left out (the Dockerfile's default applies).
    expect(buildSpec(p.services.web!, 'x', {}).args).toEqual({ GREETING: 'hello' });
  });

  it('dockerfile_inline wins over dockerfile', () => {
    const p = project(`services:\n  a:\n    build:\n      context: .\n      dockerfile: X\n      dockerfile_inline: "FROM busybox"\n`);
    expect(buildSpec(p.services.a!, 'a', {})).toMatchObject({ dockerfileInline: 'FROM busybox' });
    expect(buildSpec(p.services.a!, 'a', {}).dockerfile).toBeUndefined();
  });
});

describe('plans with images', () => {
  it('up from nothing: builds and pulls first, each container after its image', () => {
    const p = project();
    const plan = reconcile(p, state(p, host('default', { images: {} })), opts());
    expect(renderPlan(plan)).toBe(
      [
        '+ network shop_default: create (missing)',
        '* image registry.local:5000/api:2: build (not on the host; service api)',
        '* image shop-web:latest: build (not on the host; service web)',
        'v image busybox:latest: pull (not on the host)',
        'v image registry.local:5000/db:1: pull (not on the host)',
        '+ container shop-api-1: create (missing)',
        '+ container shop-cache-1: create (missing)',
        '+ container shop-db-1: create (missing)',
        '+ container shop-web-1: create (missing)',
        '',
      ].join('\n'),
    );
    const build = plan.nodes.find((n) => n.op.type === 'image.build' && n.op.service === 'web')!;
    const create = plan.nodes.find((n) => n.op.type === 'container.create' && n.op.service === 'web')!;
    expect(create.deps).toContain(build.id);
    expect(build.op).toMatchObject({ ref: 'shop-web:latest', build: { tags: ['shop-web:latest'], target: 'final' } });
  });

  it('planImages holds only image steps, for the services in scope', () => {
    const p = project();
    const plan = planImages(p, state(p, host('default', { images: {} })), opts({ services: ['web'] }));
    expect(plan.nodes.map((n) => n.op.type).sort()).toEqual(['image.build', 'image.pull', 'image.pull']);
    expect(planImages(p, state(p, host('default', { images: {} })), opts({ services: ['web'], noDeps: true })).nodes).toHaveLength(1);
    expect(coded(planImages(p, state(p), opts({ services: ['nope'] })).errors)).toEqual(['PLAN_UNKNOWN_SERVICE']);
  });

  it('a service running an image another service builds waits for the build, and nothing pulls it', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build: .\n    image: shop/app\n  worker:\n    image: shop/app\n`);
    const plan = reconcile(p, state(p, host('default', { images: {} })), opts());
    expect(plan.nodes.filter((n) => n.op.type === 'image.pull')).toEqual([]);
    const build = plan.nodes.find((n) => n.op.type === 'image.build')!;
    const worker = plan.nodes.find((n) => n.op.type === 'container.create' && n.op.service === 'worker')!;
    expect(worker.deps).toContain(build.id);
  });

  it('with the images made already (up after its image phase), nothing is pulled or built; a missing one is an error', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build: .\n    pull_policy: build\n  cache:\n    image: busybox\n    pull_policy: always\n`);
    const h = resources(p, host('default', { images: { 'busybox:latest': IMAGE_ID, 'shop-web:latest': IMAGE_ID } }));
    h.containers = [made(p, 'web'), made(p, 'cache')];
    const plan = reconcile(p, state(p, h), opts({ imagesDone: true }));
    expect(plan.nodes.filter((n) => n.op.type.startsWith('image.'))).toEqual([]);
    expect(plan.errors).toEqual([]);
    const missing = reconcile(p, state(p, host('default', { images: {} })), opts({ imagesDone: true }));
    // At cache's image:, and at web itself (it has no image: key, its image is its default name).
    expect(coded(missing.errors).sort()).toEqual(['PLAN_IMAGE_MISSING fig.yml:3:3', 'PLAN_IMAGE_MISSING fig.yml:7:5']);
  });

  it('an image that must not be pulled or built is an error at the key that forbids it (or at the image, for a flag)', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build: .\n  cache:\n    image: busybox\n    pull_policy: never\n`);
    const none = state(p, host('default', { images: {} }));
    expect(coded(planImages(p, none, opts({ services: ['cache'] })).errors)).toEqual(['PLAN_PULL_FORBIDDEN fig.yml:7:5']);
    expect(coded(planImages(p, none, opts({ services: ['cache'], pull: 'never' })).errors)).toEqual(['PLAN_PULL_FORBIDDEN fig.yml:6:5']);
    expect(coded(planImages(p, none, opts({ services: ['web'], build: 'never' })).errors)).toEqual(['PLAN_BUILD_FORBIDDEN fig.yml:4:5']);
  });

  it('a new image ID recreates, the same one does not', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build: .\n`);
    const h = resources(p, host('default', { images: { 'shop-web:latest': IMAGE_ID } }));
    h.containers = [made(p, 'web')];
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe('nothing to do: everything is up to date\n');
    h.images = { 'shop-web:latest': 'sha256:' + 'e'.repeat(64) };
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe('~ container shop-web-1: recreate (image shop-web changed)\n');
  });

  it('a URL build context is built by the engine: no refusal, the URL as the context', () => {
    const p = project(`services:\n  web:\n    build: https://example.invalid/repo.git\n`);
    const plan = reconcile(p, state(p, host('default', { images: {} })), opts());
    expect(plan.errors).toEqual([]);
    expect(plan.nodes.find((n) => n.op.type === 'image.build')?.op).toMatchObject({ build: { context: 'https://example.invalid/repo.git' } });
  });
});

describe('planRegistry', () => {
  it('pull: one step per image of the services with image:, deps only when asked', () => {
    const p = project();
    const s = state(p);
    expect(renderPlan(planRegistry(p, s, 'pull'))).toBe(
      ['v image registry.local:5000/db:1: pull (service db)', 'v image busybox:latest: pull (service cache)', 'v image registry.local:5000/api:2: pull (service api)', ''].join('\n'),
    );
    expect(planRegistry(p, s, 'pull', { services: ['web'] }).nodes).toEqual([]);
    expect(planRegistry(p, s, 'pull', { services: ['web'], includeDeps: true }).nodes.map((n) => (n.op as { ref: string }).ref)).toEqual(['busybox:latest', 'registry.local:5000/db:1']);
    expect(coded(planRegistry(p, s, 'pull', { services: ['nope'] }).errors)).toEqual(['PLAN_UNKNOWN_SERVICE']);
  });

  it('push: the named services that have image:', () => {
    const p = project();
    expect(renderPlan(planRegistry(p, state(p), 'push', { services: ['api', 'web'] }))).toBe('^ image registry.local:5000/api:2: push (service api)\n');
  });
});

/**
 * The dev loop's converge (app/watch.ts) and the one lock policy (app/lock.ts), against the
 * in-memory fake engine: a rebuild builds one service's image and recreates only its
 * containers; a re-plan with nothing changed changes nothing; a failed build keeps the old
 * containers. A use case that changes state waits for the project's lock, saying so once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lifecycle } from '../../src/app/lifecycle.js';
import { down } from '../../src/app/down.js';
import { up } from '../../src/app/up.js';
import { watchConverge } from '../../src/app/watch.js';
import { takeProjectLock } from '../../src/app/lock.js';
import { FakeEngine } from '../support/fake-engine.js';
import { projectOf, testContext } from '../support/app-context.js';

const IDLE = '["sh", "-c", "trap \'exit 0\' TERM; while :; do sleep 1 & wait $!; done"]';
const opts = { version: '0.0.0-test' };
const yml = `services:
  app:
    build: .
    command: ${IDLE}
  db:
    image: busybox
    command: ${IDLE}
`;
const files = { Dockerfile: 'FROM busybox\n' };

describe("watch's converge (app/watch.ts) on the fake engine", () => {
  it('rebuild: builds the service image again and recreates only its containers', async () => {
    const project = projectOf(yml, 'p', files);
    const fake = new FakeEngine();
    await up(testContext(project, { fake }).ctx, { services: [], options: opts });
    const db = fake.container('p-db-1')!.id;
    const app = fake.container('p-app-1')!.id;
    const builds = fake.callsOf('buildImage').length;
    const t = testContext(project, { fake });
    const output: string[] = [];
    const r = await watchConverge(t.ctx)({ project, hosts: t.ctx.hosts, rebuild: 'app', onOutput: (l) => output.push(l) });
    expect(r.errors).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(fake.callsOf('buildImage').length).toBe(builds + 1);
    expect(fake.container('p-db-1')!.id).toBe(db);
    expect(fake.container('p-app-1')!.id).not.toBe(app);
    expect(r.done.filter((d) => d.resource.kind === 'container').map((d) => `${d.did} ${d.resource.name}`)).toEqual(['recreated p-app-1']);
    expect(r.image?.before).toBeDefined();
    expect(r.image?.after).toBeDefined();
    expect(r.image?.after).not.toBe(r.image?.before);
    // Build output comes as lines without a prefix.
    expect(output.some((l) => l.startsWith('Step 1/1'))).toBe(true);
  });

  it('a re-plan with nothing changed: nothing done, not one mutating call', async () => {
    const project = projectOf(yml, 'p', files);
    const fake = new FakeEngine();
    await up(testContext(project, { fake }).ctx, { services: [], options: opts });
    const before = fake.mutatingCalls().length;
    const t = testContext(project, { fake });
    const r = await watchConverge(t.ctx)({ project, hosts: t.ctx.hosts });
    expect(r).toMatchObject({ done: [], failed: [], errors: [], aborted: false });
    expect(fake.mutatingCalls().length).toBe(before);
  });

  it('a failed build: reported, and the running containers are kept', async () => {
    const project = projectOf(yml, 'p', files);
    const fake = new FakeEngine();
    await up(testContext(project, { fake }).ctx, { services: [], options: opts });
    const app = fake.container('p-app-1')!.id;
    fake.fail('buildImage', 500, 'COPY failed');
    const t = testContext(project, { fake });
    const r = await watchConverge(t.ctx)({ project, hosts: t.ctx.hosts, rebuild: 'app' });
    expect(r.failed.map((f) => f.message).join(' ')).toContain('COPY failed');
    expect(fake.container('p-app-1')!.id).toBe(app);
    expect(fake.container('p-app-1')!.status).toBe('running');
  });
});

describe('the project lock (app/lock.ts)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['stop', (t: ReturnType<typeof testContext>) => lifecycle(t.ctx, 'stop', {})],
    ['down', (t: ReturnType<typeof testContext>) => down(t.ctx, {})],
    ['up', (t: ReturnType<typeof testContext>) => up(t.ctx, { services: [], options: opts })],
  ])('%s waits while another holds the lock, says so once, then runs', async (_name, run) => {
    const lockDir = mkdtempSync(join(tmpdir(), 'tsfig-app-lock-'));
    dirs.push(lockDir);
    const project = projectOf(`services:\n  web:\n    image: busybox\n    command: ${IDLE}\n`);
    const fake = new FakeEngine();
    await up(testContext(project, { fake, lockDir }).ctx, { services: [], options: opts });
    fake.exit('p-web-1', 0);
    const t = testContext(project, { fake, lockDir });
    // Another tsfig on the same project and engines (this process's pid stands for it).
    const release = await takeProjectLock({ project: 'p', endpoints: t.ctx.hosts.map((h) => h.endpoint), env: t.ctx.options.env, signal: t.ctx.signal, dir: lockDir, say: () => {} });
    const before = fake.calls.length;
    const pending = run(t);
    await vi.waitFor(() => expect(t.lines).toContain(`waiting for another tsfig (pid ${process.pid}) working on project p`));
    // Waiting: not even an observation yet.
    expect(fake.calls.length).toBe(before);
    release();
    await pending;
    expect(t.lines.filter((l) => l.startsWith('waiting for another tsfig'))).toHaveLength(1);
    expect(fake.calls.length).toBeGreaterThan(before);
  });

  it('under --dry-run nothing changes, so no lock is taken', async () => {
    const lockDir = mkdtempSync(join(tmpdir(), 'tsfig-app-lock-'));
    dirs.push(lockDir);
    const project = projectOf(`services:\n  web:\n    image: busybox\n    command: ${IDLE}\n`);
    const t = testContext(project, { lockDir, dryRun: true });
    const release = await takeProjectLock({ project: 'p', endpoints: t.ctx.hosts.map((h) => h.endpoint), env: t.ctx.options.env, signal: t.ctx.signal, dir: lockDir, say: () => {} });
    try {
      await lifecycle(t.ctx, 'stop', {});
      await up(t.ctx, { services: [], options: opts });
      expect(t.lines.filter((l) => l.startsWith('waiting'))).toEqual([]);
      expect(t.fake.mutatingCalls()).toEqual([]);
    } finally {
      release();
    }
  });
});

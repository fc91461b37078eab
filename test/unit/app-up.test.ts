/**
 * up's decisions through the application layer, against the in-memory fake engine: create on
 * a first run, nothing on a second, recreate what changed, start what was stopped; the plan
 * only under --dry-run; a failed step is the exit code.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../src/app/up.js';
import { attachedServices } from '../../src/app/attach.js';
import { reconcileOptions } from '../../src/cli/converge-flags.js';
import { plan } from '../../src/app/plan.js';
import { ExitCode } from '../../src/errors.js';
import { FakeEngine } from '../support/fake-engine.js';
import { projectOf, testContext } from '../support/app-context.js';
import { projectDir, tsfig } from '../support/project.js';

const IDLE = '["sh", "-c", "trap \'exit 0\' TERM; while :; do sleep 1 & wait $!; done"]';
const yml = (env = 'A: "1"') => `services:
  db:
    image: busybox
    command: ${IDLE}
  web:
    image: busybox
    command: ${IDLE}
    depends_on: [db]
    environment:
      ${env}
`;

const opts = { version: '0.0.0-test' };

describe('up (app/up.ts) on the fake engine', () => {
  it('first run: creates the network and both containers and starts them, db before web', async () => {
    const t = testContext(projectOf(yml()));
    await up(t.ctx, { services: [], options: opts });
    expect(t.fake.containerNames()).toEqual(['p-db-1', 'p-web-1']);
    expect(t.fake.networkNames()).toEqual(['p_default']);
    expect(t.fake.container('p-db-1')?.status).toBe('running');
    expect(t.fake.container('p-web-1')?.status).toBe('running');
    const starts = t.fake.callsOf('startContainer').map((c) => t.fake.container(c.target)?.name);
    expect(starts).toEqual(['p-db-1', 'p-web-1']);
  });

  it('second run with nothing changed: not one mutating call, and it says everything is up to date', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const before = fake.mutatingCalls().length;
    const t = testContext(projectOf(yml()), { fake });
    await up(t.ctx, { services: [], options: opts });
    expect(fake.mutatingCalls().length).toBe(before);
    expect(t.lines).toContain('everything is up to date');
  });

  it('a changed service is recreated (replacement made, old one removed), the other one left alone', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const db = fake.container('p-db-1')!.id;
    const web = fake.container('p-web-1')!.id;
    const before = fake.calls.length;
    await up(testContext(projectOf(yml('A: "2"')), { fake }).ctx, { services: [], options: opts });
    const mutating = fake.calls.slice(before).filter((c) => ['createContainer', 'removeContainer', 'renameContainer', 'stopContainer'].includes(c.method));
    expect(mutating.map((c) => c.method)).toEqual(['createContainer', 'stopContainer', 'removeContainer', 'renameContainer']);
    expect(mutating.find((c) => c.method === 'removeContainer')?.target).toBe(web);
    expect(fake.container('p-db-1')!.id).toBe(db);
    expect(fake.container('p-web-1')!.id).not.toBe(web);
    expect(fake.container('p-web-1')!.status).toBe('running');
  });

  it('a stopped container is started, not recreated', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const web = fake.container('p-web-1')!.id;
    fake.exit('p-web-1', 0);
    const before = fake.calls.length;
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const mutating = fake.calls.slice(before).filter((c) => ['startContainer', 'createContainer', 'removeContainer'].includes(c.method));
    expect(mutating.map((c) => [c.method, c.target])).toEqual([['startContainer', web]]);
    expect(fake.container('p-web-1')!.status).toBe('running');
  });

  it('--dry-run: the plan on stdout, nothing changed', async () => {
    const t = testContext(projectOf(yml()), { dryRun: true });
    await up(t.ctx, { services: [], options: opts });
    expect(t.fake.mutatingCalls()).toEqual([]);
    expect(t.results.join('')).toContain('+ container p-db-1: create (missing)');
  });

  it('plan: the same plan as up --dry-run, and no change', async () => {
    const t = testContext(projectOf(yml()));
    await plan(t.ctx, opts);
    const d = testContext(projectOf(yml()), { dryRun: true });
    await up(d.ctx, { services: [], options: opts });
    expect(t.results).toEqual(d.results);
    expect(t.fake.mutatingCalls()).toEqual([]);
  });

  it('a step the engine refuses: the exit code is 1 and what depends on it is not started', async () => {
    const fake = new FakeEngine().fail({ method: 'createContainer', target: 'p-db-1' }, 500, 'disk full');
    const t = testContext(projectOf(yml()), { fake });
    await expect(up(t.ctx, { services: [], options: opts })).rejects.toEqual(new ExitCode(1));
    expect(fake.callsOf('startContainer')).toEqual([]);
    expect(t.events.some((e) => e.type === 'error' && e.message.includes('disk full'))).toBe(true);
  });
});

describe('up after an engine restart (issue 15, item 2), on the fake engine', () => {
  it('a container the engine cannot start for a stale task is replaced in the same up, and what depends on it is then made', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const old = fake.container('p-db-1')!.id;
    // What an interrupted up leaves: db created with a stale task, web never made.
    fake.staleTask('p-db-1');
    await fake.removeContainer('p-web-1', { force: true });
    const t = testContext(projectOf(yml()), { fake });
    await up(t.ctx, { services: [], options: opts });
    const db = fake.container('p-db-1')!;
    expect([db.id === old, db.status, fake.container('p-web-1')?.status]).toEqual([false, 'running', 'running']);
    expect(t.lines.filter((l) => l.includes('stale task'))).toEqual(['p-db-1: the engine holds a stale task; replacing it']);
    // A third up: nothing to do.
    const before = fake.mutatingCalls().length;
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    expect(fake.mutatingCalls().length).toBe(before);
  });

  it('a dependent holding a stale task too (not tried while its dependency failed) is replaced in a further pass', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const before = [fake.container('p-db-1')!.id, fake.container('p-web-1')!.id];
    fake.staleTask('p-db-1');
    fake.staleTask('p-web-1');
    const t = testContext(projectOf(yml()), { fake });
    await up(t.ctx, { services: [], options: opts });
    const after = [fake.container('p-db-1')!, fake.container('p-web-1')!];
    expect(after.map((c, i) => [c.id === before[i], c.status])).toEqual([
      [false, 'running'],
      [false, 'running'],
    ]);
    expect(t.lines.filter((l) => l.includes('stale task'))).toEqual(['p-db-1: the engine holds a stale task; replacing it', 'p-web-1: the engine holds a stale task; replacing it']);
  });

  it('plan names the stale task once the engine has refused a start', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    fake.staleTask('p-db-1');
    await expect(fake.startContainer('p-db-1')).rejects.toThrow(/already exists/);
    const t = testContext(projectOf(yml()), { fake });
    await plan(t.ctx, opts);
    expect(t.results.join('')).toMatch(/container p-db-1: recreate \(the engine cannot start it: task [0-9a-f]+: already exists \(a task left by an engine restart\)\)/);
  });

  it('a call of observe the engine refuses is named in the one line up fails with', async () => {
    const fake = new FakeEngine().fail({ method: 'listNetworks' }, 500, 'internal error');
    const t = testContext(projectOf(yml()), { fake });
    await expect(up(t.ctx, { services: [], options: opts })).rejects.toThrow(/^list networks: internal error$/);
  });

  it('an engine that goes away mid-up is said once, naming its endpoint; no call goes to it after, and no step shows its raw error', async () => {
    const three = `services:\n  a:\n    image: busybox\n  b:\n    image: busybox\n  c:\n    image: busybox\n    depends_on: [a, b]\n`;
    const fake = new FakeEngine().fail({ method: 'createContainer' }, 500, 'transport is closing: unavailable');
    const t = testContext(projectOf(three), { fake });
    await expect(up(t.ctx, { services: [], options: opts })).rejects.toEqual(new ExitCode(1));
    const gone = t.lines.filter((l) => l.includes('went away'));
    expect(gone).toHaveLength(1);
    expect(gone[0]).toContain(`the Docker engine at ${fake.endpoint.url} went away during this run`);
    expect(gone[0]).toMatch(/3 steps not done/);
    expect(t.events.filter((e) => e.type === 'error')).toEqual([]);
    // After the first refusal, nothing more is sent: only the creates already in flight (c's
    // create does not wait for a and b to start), each once, and no start.
    const creates = fake.callsOf('createContainer').map((c) => c.target);
    expect(new Set(creates).size).toBe(creates.length);
    expect(fake.callsOf('startContainer')).toEqual([]);
    expect(fake.calls.filter((c) => c.method !== 'createContainer' && /^(start|remove|stop|connect|create)/.test(c.method) && !/Network|Volume/.test(c.method))).toEqual([]);
  });
});

describe('up: a connection dropped under one call (issue 15)', () => {
  const three = `services:\n  a:\n    image: busybox\n  b:\n    image: busybox\n  c:\n    image: busybox\n    depends_on: [a]\n`;

  it('by an engine that still answers: that step fails in its line, the others are done, the next up converges', async () => {
    const fake = new FakeEngine().drop({ method: 'createContainer', target: 'p-a-1' }, 1);
    const t = testContext(projectOf(three), { fake });
    await expect(up(t.ctx, { services: [], options: opts })).rejects.toEqual(new ExitCode(1));
    expect(t.lines.filter((l) => l.includes('went away'))).toEqual([]);
    const errors = t.events.flatMap((e) => (e.type === 'error' ? [[e.resource.name, e.message]] : []));
    expect(errors).toContainEqual(['p-a-1', 'socket hang up (the connection dropped; the engine still answers: run the command again)']);
    // c waited for a: begun (created), not started, and its row says why.
    expect(errors.filter(([name]) => name !== 'p-a-1')).toEqual([['p-c-1', 'not done: a step it waits for failed']]);
    // b does not depend on a: made and started; c (which does) is not started.
    expect(fake.container('p-b-1')?.status).toBe('running');
    expect(fake.callsOf('startContainer').map((c) => fake.container(c.target)?.name)).toEqual(['p-b-1']);
    const again = testContext(projectOf(three), { fake });
    await up(again.ctx, { services: [], options: opts });
    expect(['p-a-1', 'p-b-1', 'p-c-1'].map((n) => fake.container(n)?.status)).toEqual(['running', 'running', 'running']);
  });

  it('by an engine that no longer answers: said once as gone, as before', async () => {
    const fake = new FakeEngine().drop({ method: 'createContainer' }).fail({ method: 'ping' }, 500, 'transport is closing: unavailable');
    const t = testContext(projectOf(three), { fake });
    await expect(up(t.ctx, { services: [], options: opts })).rejects.toEqual(new ExitCode(1));
    expect(t.lines.filter((l) => l.includes('went away'))).toHaveLength(1);
    expect(t.events.filter((e) => e.type === 'error')).toEqual([]);
  });
});

describe("up: compose's --always-recreate-deps, --attach-dependencies, --quiet-pull, --quiet-build", () => {
  it('--always-recreate-deps: the dependencies of the named services are recreated though unchanged, the named ones are not', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const db = fake.container('p-db-1')!.id;
    const web = fake.container('p-web-1')!.id;
    const t = testContext(projectOf(yml()), { fake });
    await up(t.ctx, { services: ['web'], options: { ...opts, services: ['web'], alwaysRecreateDeps: true } });
    expect(fake.container('p-db-1')!.id).not.toBe(db);
    expect(fake.container('p-db-1')!.status).toBe('running');
    expect(fake.container('p-web-1')!.id).toBe(web);
  });

  it('--always-recreate-deps with no service named: every service is a named one, nothing is recreated', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: opts });
    const before = fake.mutatingCalls().length;
    await up(testContext(projectOf(yml()), { fake }).ctx, { services: [], options: { ...opts, alwaysRecreateDeps: true } });
    expect(fake.mutatingCalls().length).toBe(before);
  });

  it("--quiet-pull: the pull's progress is not shown, the containers' is; without it, it is", async () => {
    const loud = testContext(projectOf(yml()));
    await up(loud.ctx, { services: [], options: { ...opts, pull: 'always' } });
    expect(loud.fake.callsOf('pullImage')).toHaveLength(1);
    expect(loud.events.some((e) => e.type !== 'message' && e.resource.kind === 'image')).toBe(true);

    const quiet = testContext(projectOf(yml()));
    await up(quiet.ctx, { services: [], options: { ...opts, pull: 'always' }, quiet: { pull: true } });
    expect(quiet.fake.callsOf('pullImage')).toHaveLength(1);
    expect(quiet.events.some((e) => e.type !== 'message' && e.resource.kind === 'image')).toBe(false);
    expect(quiet.events.some((e) => e.type === 'done' && e.resource.name === 'p-web-1')).toBe(true);
  });

  it('--quiet-pull: a pull that fails is still shown', async () => {
    const fake = new FakeEngine().fail('pullImage', 500, 'registry down');
    const t = testContext(projectOf(yml()), { fake });
    await expect(up(t.ctx, { services: [], options: { ...opts, pull: 'always' }, quiet: { pull: true } })).rejects.toEqual(new ExitCode(1));
    expect(t.events.filter((e) => e.type !== 'message' && e.resource.kind === 'image').map((e) => e.type)).toEqual(['error']);
  });

  it('--quiet-build: the build steps and their output are not shown; without it they are', async () => {
    const build = `services:\n  app:\n    build: .\n    image: p-app:dev\n    command: ${IDLE}\n`;
    const files = { Dockerfile: 'FROM busybox\n' };
    const loud = testContext(projectOf(build, 'p', files));
    await up(loud.ctx, { services: [], options: opts });
    expect(loud.fake.callsOf('buildImage')).toHaveLength(1);
    expect(loud.events.some((e) => e.type === 'message' && e.level === 'info')).toBe(true);
    expect(loud.events.some((e) => e.type === 'start' && e.resource.kind === 'image')).toBe(true);

    const quiet = testContext(projectOf(build, 'p', files));
    await up(quiet.ctx, { services: [], options: opts, quiet: { build: true } });
    expect(quiet.fake.callsOf('buildImage')).toHaveLength(1);
    expect(quiet.events.some((e) => e.type === 'message' && e.level === 'info')).toBe(false);
    expect(quiet.events.some((e) => e.type !== 'message' && e.resource.kind === 'image')).toBe(false);
  });

  it('--attach-dependencies: the named services and their dependencies; else the named ones; --attach wins', () => {
    const all = ['cache', 'db', 'web'];
    const started = new Set(['db', 'web']);
    expect(attachedServices({ services: ['web'] }, all, started)).toEqual(['web']);
    expect(attachedServices({ services: ['web'], attachDependencies: true }, all, started)).toEqual(['db', 'web']);
    expect(attachedServices({ services: [], attachDependencies: true }, all, new Set(all))).toEqual(all);
    expect(attachedServices({ services: ['web'], attach: ['db'] }, all, started)).toEqual(['db']);
  });

  it('--attach with --attach-dependencies: a usage error before anything runs', async () => {
    const t = testContext(projectOf(yml()));
    const attach = { io: {} as never, options: { services: [], attach: ['web'], attachDependencies: true } };
    await expect(up(t.ctx, { services: [], options: opts, attach })).rejects.toMatchObject({ exitCode: 2, message: '--attach and --attach-dependencies cannot be used together' });
    expect(t.fake.mutatingCalls()).toEqual([]);
  });
});

describe('up flags parsed (cli/converge-flags.ts)', () => {
  it('--always-recreate-deps is passed on; with --no-recreate it is a usage error', () => {
    expect(reconcileOptions({ alwaysRecreateDeps: true }, ['web'], {}).alwaysRecreateDeps).toBe(true);
    expect(reconcileOptions({}, ['web'], {}).alwaysRecreateDeps).toBeUndefined();
    expect(() => reconcileOptions({ alwaysRecreateDeps: true, recreate: false }, [], {})).toThrow('--always-recreate-deps and --no-recreate cannot be used together');
  });
});

describe('the global --all-resources and --compatibility', () => {
  const unused = `services:
  web:
    image: busybox
    command: ${IDLE}
networks:
  spare: {}
  outside: {external: true}
volumes:
  data: {}
`;

  it('--all-resources: the network and volume no service uses are created (external ones never); without it they are not; a second run changes nothing', async () => {
    const plain = testContext(projectOf(unused));
    await up(plain.ctx, { services: [], options: opts });
    expect(plain.fake.networkNames()).toEqual(['p_default']);
    expect(plain.fake.volumeNames()).toEqual([]);

    const fake = new FakeEngine();
    await up(testContext(projectOf(unused), { fake }).ctx, { services: [], options: { ...opts, allResources: true } });
    expect(fake.networkNames().sort()).toEqual(['p_default', 'p_spare']);
    expect(fake.volumeNames()).toEqual(['p_data']);
    const before = fake.mutatingCalls().length;
    await up(testContext(projectOf(unused), { fake }).ctx, { services: [], options: { ...opts, allResources: true } });
    expect(fake.mutatingCalls().length).toBe(before);
  });

  it('--compatibility: refused with one line by the commands that make containers; taken, changing nothing, by the others', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web: {image: busybox}\n' });
    const refused = await tsfig(['--compatibility', 'up', '-d'], { cwd: dir, env: { PATH: process.env.PATH } });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^--compatibility: /);
    const taken = await tsfig(['--compatibility', 'config', '--services'], { cwd: dir, env: { PATH: process.env.PATH } });
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout.trim()).toBe('web');
  });
});

/**
 * up's decisions through the application layer, against the in-memory fake engine: create on
 * a first run, nothing on a second, recreate what changed, start what was stopped; the plan
 * only under --dry-run; a failed step is the exit code.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../src/app/up.js';
import { plan } from '../../src/app/plan.js';
import { ExitCode } from '../../src/errors.js';
import { FakeEngine } from '../support/fake-engine.js';
import { projectOf, testContext } from '../support/app-context.js';

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

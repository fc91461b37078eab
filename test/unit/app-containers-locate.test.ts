/**
 * Which container the one-container commands act on (exec, attach, cp, commit, export), the
 * errors when there is none, and ps's rows, against the in-memory fake engine.
 */
import { describe, expect, it } from 'vitest';
import { execInService } from '../../src/app/containers/exec.js';
import { locateContainer } from '../../src/app/containers/locate.js';
import { listContainers } from '../../src/app/containers/ps.js';
import type { ExecOptions } from '../../src/engine/engine.js';
import { fakeContainersContext, fakeTerminal, serviceLabels } from '../support/containers.js';
import { FakeEngine } from '../support/fake-engine.js';
import { load, projectDir } from '../support/project.js';

const NAME = 'appcloc';

function project() {
  const r = load(
    projectDir({
      'fig.yml': `name: ${NAME}
hosts:
  b: { docker: "unix:///fake/b.sock" }
services:
  web:
    image: busybox
  db:
    image: busybox
    host: b
  idle:
    image: busybox
`,
    }),
  );
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

class ExecEngine extends FakeEngine {
  readonly detached: Array<{ id: string; opts: ExecOptions }> = [];
  override execDetached(id: string, opts: ExecOptions): Promise<string> {
    this.detached.push({ id, opts });
    return Promise.resolve('exec-1');
  }
}

/** web-1 running, web-2 exited, web-3 running, a web one-off running; db-1 running on host b; idle has none. */
function engines() {
  const a = new ExecEngine();
  const b = new ExecEngine();
  const ids = {
    web1: a.seedContainer({ name: `${NAME}-web-1`, labels: serviceLabels(NAME, 'web', 1) }),
    web2: a.seedContainer({ name: `${NAME}-web-2`, labels: serviceLabels(NAME, 'web', 2), status: 'exited' }),
    web3: a.seedContainer({ name: `${NAME}-web-3`, labels: serviceLabels(NAME, 'web', 3) }),
    run: a.seedContainer({ name: `${NAME}-web-run-0123`, labels: serviceLabels(NAME, 'web', 0, true) }),
    db1: b.seedContainer({ name: `${NAME}-db-1`, labels: serviceLabels(NAME, 'db', 1) }),
  };
  return { a, b, ids };
}

describe('locate: which container, on which host', () => {
  it('the replica with that number (never a one-off), with the engine of its host', async () => {
    const { a, b, ids } = engines();
    const ctx = fakeContainersContext(project(), { default: a, b });
    const web3 = await locateContainer(ctx, 'web', 3, { running: true });
    expect([web3.container.id, web3.engine]).toEqual([ids.web3, a]);
    const db = await locateContainer(ctx, 'db', 1, { running: true });
    expect([db.container.id, db.container.host, db.engine]).toEqual([ids.db1, 'b', b]);
    // A stopped one is fine where running is not asked (cp, commit, export).
    expect((await locateContainer(ctx, 'web', 2, { running: false })).container.id).toBe(ids.web2);
  });

  it('says why there is none: no such service, no container, no such number, not running', async () => {
    const { a, b } = engines();
    const ctx = fakeContainersContext(project(), { default: a, b });
    await expect(locateContainer(ctx, 'nope', 1, { running: true })).rejects.toMatchObject({ exitCode: 2, message: 'no such service: nope' });
    await expect(locateContainer(ctx, 'idle', 1, { running: true })).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/^service idle has no container running/) });
    await expect(locateContainer(ctx, 'idle', 1, { running: false })).rejects.toMatchObject({ message: expect.stringMatching(/^service idle has no container: /) });
    await expect(locateContainer(ctx, 'web', 4, { running: true })).rejects.toMatchObject({ message: 'service web has no container number 4 (it has 1, 2, 3)' });
    await expect(locateContainer(ctx, 'web', 2, { running: true })).rejects.toMatchObject({ message: expect.stringMatching(new RegExp(`^service web is not running: container ${NAME}-web-2 is exited`)) });
  });
});

describe('exec', () => {
  it('-d: the command in the chosen replica, with env, user, workdir; no terminal', async () => {
    const { a, b, ids } = engines();
    const ctx = fakeContainersContext(project(), { default: a, b });
    const term = fakeTerminal();
    const code = await execInService(ctx, { service: 'web', index: 3, cmd: ['ls', '-la'], env: ['A=1'], user: 'nobody', workdir: '/tmp', detach: true }, term);
    expect(code).toBe(0);
    expect(a.detached).toEqual([{ id: ids.web3, opts: { cmd: ['ls', '-la'], env: ['A=1'], user: 'nobody', workingDir: '/tmp' } }]);
    expect([term.claimed, term.connects]).toEqual([0, 0]);
  });

  it('a stopped replica: an error, nothing run', async () => {
    const { a, b } = engines();
    const ctx = fakeContainersContext(project(), { default: a, b });
    await expect(execInService(ctx, { service: 'web', index: 2, cmd: ['true'], env: [], detach: true }, fakeTerminal())).rejects.toThrow(/is not running/);
    expect(a.detached).toEqual([]);
  });
});

describe('ps rows', () => {
  it('running service containers by name; with all, stopped ones and one-offs too; a host per row', async () => {
    const { a, b } = engines();
    const ctx = fakeContainersContext(project(), { default: a, b });
    const running = await listContainers(ctx, { services: [], all: false });
    expect(running.rows.map((r) => [r.name, r.host, r.number, r.oneoff, r.state])).toEqual([
      [`${NAME}-db-1`, 'b', 1, false, 'running'],
      [`${NAME}-web-1`, 'default', 1, false, 'running'],
      [`${NAME}-web-3`, 'default', 3, false, 'running'],
    ]);
    expect([running.multiHost, running.problems]).toEqual([true, []]);
    // ps shows containers only: one list call per host, no networks or volumes listed.
    for (const e of [a, b]) expect(e.calls.map((c) => c.method)).toEqual(['listContainers']);
    const all = await listContainers(ctx, { services: ['web'], all: true });
    expect(all.rows.map((r) => [r.name, r.oneoff, r.state])).toEqual([
      [`${NAME}-web-1`, false, 'running'],
      [`${NAME}-web-2`, false, 'exited'],
      [`${NAME}-web-3`, false, 'running'],
      [`${NAME}-web-run-0123`, true, 'running'],
    ]);
  });

  it('a host that does not answer: its problem said, the other host listed', async () => {
    const { a, b } = engines();
    b.fail('listContainers', 500, 'engine b is down');
    const ctx = fakeContainersContext(project(), { default: a, b });
    const r = await listContainers(ctx, { services: [], all: false });
    expect(r.rows.map((x) => x.name)).toEqual([`${NAME}-web-1`, `${NAME}-web-3`]);
    expect(r.problems).toEqual(['host b did not answer']);
  });
});

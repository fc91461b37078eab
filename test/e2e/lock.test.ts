/**
 * One lock policy: every command that changes a project takes its lock the same way and, when
 * another tsfig holds it, says once that it waits. An `up` holds the lock while a dependency
 * is not healthy yet (the test decides when it is), so a `stop` started meanwhile must wait
 * for it, then stop what that `up` made.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, requireEngine } from './support/harness.js';
import { containersOf, scenarios, sh, spawnTsfig, type Child } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('lock');
const children: Child[] = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await cleanup(engine);
});

async function states(project: string): Promise<Record<string, string>> {
  return Object.fromEntries((await containersOf(engine, project)).map((c) => [c.service, c.state]));
}

describe('the project lock', () => {
  it.each([['stop'], ['down']])('up holding the lock, %s waits (saying so once), then runs after it', async (command) => {
    const { project, dir } = scenario('lock');
    const up = spawnTsfig(dir, project, ['up', '-d']);
    children.push(up);
    // db running, web made but not started: up holds the lock and waits for db to be healthy.
    await eventually(async () => expect(await states(project)).toEqual({ db: 'running', web: 'created' }), { timeout: 30_000 });
    const other = spawnTsfig(dir, project, [command]);
    children.push(other);
    let err = '';
    other.proc.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    await eventually(() => expect(err).toContain(`waiting for another tsfig (pid ${up.proc.pid}) working on project ${project}`), { timeout: 30_000 });
    // While it waits, it has changed nothing, and up is still at work.
    expect(await states(project)).toEqual({ db: 'running', web: 'created' });
    expect(up.proc.exitCode).toBeNull();
    await sh(engine, `${project}-db-1`, 'touch /tmp/ready');
    const [u, o] = await Promise.all([up.done, other.done]);
    expect(u.code, u.stderr).toBe(0);
    expect(o.code, o.stderr).toBe(0);
    // up finished first (web started), then the other command did its work on both.
    expect(u.stderr).not.toContain('waiting for another tsfig');
    expect(o.stderr.match(/waiting for another tsfig/g)).toHaveLength(1);
    if (command === 'stop') expect(await states(project)).toEqual({ db: 'exited', web: 'exited' });
    else expect(await states(project)).toEqual({});
  });
});

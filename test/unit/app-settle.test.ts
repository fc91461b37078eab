/**
 * Issue 15, item 0: an up that exits 0 leaves what it promised, even when another client's
 * calls (the stops a tsfig killed with -9 had already sent) land while it runs. On the fake
 * engine: a container stopped by someone during up is converged again; one stopping when up
 * takes a dead tsfig's lock over is waited for and started again; a job that exits by itself is
 * left alone; the passes are bounded; a no-op up asks the engine nothing more.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { up } from '../../src/app/up.js';
import { MAX_PASSES } from '../../src/app/settle.js';
import { TsfigError } from '../../src/errors.js';
import { lockName } from '../../src/lock.js';
import type { CallOptions } from '../../src/engine/engine.js';
import { FakeEngine } from '../support/fake-engine.js';
import { projectOf, testContext } from '../support/app-context.js';
import { eventually } from '../support/sync.js';

const yml = `services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
`;
const opts = { version: '0.0.0-test' };
const DEAD_PID = 99_999_999;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function freshLockDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsfig-settle-'));
  dirs.push(d);
  return d;
}

/** Leave the project's lock behind as a tsfig killed with -9 does (its pid gone). */
function plantDeadLock(dir: string, fake: FakeEngine): void {
  const path = join(dir, lockName('p', [fake.endpoint.url]));
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'owner'), `${DEAD_PID} - killed\n`);
}

const isStartOf = (fake: FakeEngine, name: string) => (c: { method: string; target: string }) => c.method === 'startContainer' && fake.container(c.target)?.name === name;

describe('up leaves what it promised (app/settle.ts)', () => {
  it('a container stopped by someone while up runs is converged again: up ends with it running', async () => {
    const fake = new FakeEngine();
    const gate = fake.hold(isStartOf(fake, 'p-web-1'), 1);
    const t = testContext(projectOf(yml), { fake, lockDir: freshLockDir() });
    const running = up(t.ctx, { services: [], options: opts });
    await eventually(() => expect(gate.waiting.length).toBe(1));
    expect(fake.container('p-db-1')?.status).toBe('running');
    fake.stopBySomeone('p-db-1');
    // A busy engine has already dropped those events from its past: only the followed stream had them.
    fake.forgetEvents();
    gate.release();
    await running;
    expect(fake.container('p-db-1')?.status).toBe('running');
    expect(fake.container('p-web-1')?.status).toBe('running');
    expect(t.lines).toContain('p-db-1 stopped by another client while up ran; converging again');
  });

  it('a job that exits by itself while up runs is not started again (only stops by a client count)', async () => {
    const fake = new FakeEngine();
    const gate = fake.hold(isStartOf(fake, 'p-web-1'), 1);
    const t = testContext(projectOf(yml), { fake, lockDir: freshLockDir() });
    const running = up(t.ctx, { services: [], options: opts });
    await eventually(() => expect(gate.waiting.length).toBe(1));
    fake.exit('p-db-1', 0);
    gate.release();
    await running;
    // The check ran (the events followed, one read of the past) and judged nothing undone.
    expect(fake.callsOf('events').map((c) => c.args[1] === undefined)).toEqual([true, false]);
    expect(fake.container('p-db-1')?.status).toBe('exited');
    expect(t.lines.some((l) => l.includes('converging again'))).toBe(false);
  });

  it('after taking over a dead tsfig lock, a stop it had sent that lands during a no-op up is waited for and undone', async () => {
    const fake = new FakeEngine();
    const lockDir = freshLockDir();
    await up(testContext(projectOf(yml), { fake, lockDir }).ctx, { services: [], options: opts });
    // The killed tsfig's stop reached the engine: SIGTERM sent, the container not down yet.
    plantDeadLock(lockDir, fake);
    fake.stopBegunBySomeone('p-web-1');
    const t = testContext(projectOf(yml), { fake, lockDir });
    const running = up(t.ctx, { services: [], options: opts });
    // up waits for the stop under way, and says so; the test lands it.
    await eventually(() => expect(fake.callsOf('waitContainer').map((c) => fake.container(c.target)?.name)).toEqual(['p-web-1']));
    expect(t.lines).toContain("waiting for p-web-1: another client's stop is under way");
    fake.exit('p-web-1', 0);
    await running;
    expect(fake.container('p-web-1')?.status).toBe('running');
    expect(t.lines).toContain('p-web-1 stopped by another client while up ran; converging again');
  });

  it('a no-op up that took no lock over asks the engine nothing more than before', async () => {
    const fake = new FakeEngine();
    const lockDir = freshLockDir();
    await up(testContext(projectOf(yml), { fake, lockDir }).ctx, { services: [], options: opts });
    const before = fake.calls.length;
    const t = testContext(projectOf(yml), { fake, lockDir });
    await up(t.ctx, { services: [], options: opts });
    const methods = fake.calls.slice(before).map((c) => c.method);
    expect(methods).not.toContain('events');
    expect(methods.filter((m) => m === 'listContainers').length).toBe(1);
    expect(t.lines).toContain('everything is up to date');
  });

  it('someone who stops a container each time it starts: up gives up after the bounded passes with one line, exit 1', async () => {
    class Hostile extends FakeEngine {
      override async startContainer(id: string, o?: CallOptions): Promise<void> {
        await super.startContainer(id, o);
        if (this.container(id)?.name === 'p-db-1') this.stopBySomeone(id);
      }
    }
    const fake = new Hostile();
    const t = testContext(projectOf(yml), { fake, lockDir: freshLockDir() });
    const err = await up(t.ctx, { services: [], options: opts }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TsfigError);
    expect((err as TsfigError).exitCode).toBe(1);
    expect((err as TsfigError).message).toBe(`p-db-1 stopped by another client after ${MAX_PASSES} converges; the project is not as up left it`);
    expect(t.lines.filter((l) => l.includes('converging again')).length).toBe(MAX_PASSES);
  });
});

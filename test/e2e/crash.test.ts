/**
 * Crash safety and races, with the built binary in child processes: tsfig killed with SIGKILL
 * in the middle of an `up` (first creation, and a recreate of several services), then `up`
 * again; and two `up` of one project at once. After each: exactly one container per service
 * number, no temporary names, all running, anonymous volume data kept.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { engineFromEnv, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import {
  BIN,
  cleanupStack,
  containersOf,
  describeEvents,
  expectConverged,
  fixture,
  ok,
  recordEvents,
  sh,
  spawnTsfig,
  useVariant,
  volumeAt,
  type Child,
} from './support/stack.js';

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];
const children: Child[] = [];

const SERVICES = Array.from({ length: 10 }, (_, i) => `s${i + 1}`);
const ONE_EACH = Object.fromEntries(SERVICES.map((s) => [s, 1]));
/** The services fig.v2.yml / fig.v3.yml change (GEN). */
const CHANGED = SERVICES.slice(0, 6);

function scenario(name: string, prefix: string): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  const dir = fixture(name);
  made.push({ project, dir });
  return { project, dir };
}

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN}: run npm run build first`).toBe(true);
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  // A child still running (a failed test) is ours to end, by its PID.
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.done;
  }
  for (const m of made.splice(0)) {
    await cleanupStack(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

function spawnUp(dir: string, project: string, args: string[] = []): Child {
  const c = spawnTsfig(dir, project, ['up', '-d', ...args]);
  children.push(c);
  return c;
}

/**
 * Start `up -d` as a child process and SIGKILL it at the first engine event of the project's
 * containers that matches `point` (events arrive within milliseconds, quicker than polling).
 * Returns whether the kill landed while the child was still running.
 */
async function upAndKill(dir: string, project: string, point: (e: EngineEvent) => boolean): Promise<boolean> {
  const controller = new AbortController();
  const stream = await engine.events({ filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`] }, signal: controller.signal });
  const child = spawnUp(dir, project);
  let exited = false;
  void child.done.then(() => (exited = true));
  let landed = false;
  const watch = (async () => {
    try {
      for await (const e of stream) {
        if (!point(e)) continue;
        landed = !exited && child.proc.kill('SIGKILL');
        return;
      }
    } catch {
      // closed
    }
  })();
  const r = await child.done;
  stream.close();
  controller.abort();
  await watch;
  if (landed) expect(r.signal).toBe('SIGKILL');
  return landed && r.signal === 'SIGKILL';
}

const isTemp = (e: EngineEvent): boolean => (e.attributes.name ?? '').includes('_tsfig-new-');

/** Write `<service>` into each service's anonymous volume; returns service -> volume name. */
async function markVolumes(project: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    SERVICES.map(async (s) => {
      const c = `${project}-${s}-1`;
      await sh(engine, c, `echo ${s} > /data/marker`);
      out[s] = await volumeAt(engine, c, '/data');
    }),
  );
  return out;
}

async function expectData(project: string, vols: Record<string, string>): Promise<void> {
  const got: Record<string, [string, string]> = {};
  const want: Record<string, [string, string]> = {};
  await Promise.all(
    SERVICES.map(async (s) => {
      const c = `${project}-${s}-1`;
      got[s] = [await volumeAt(engine, c, '/data'), await sh(engine, c, 'cat /data/marker')];
      want[s] = [vols[s]!, `${s}\n`];
    }),
  );
  expect(got).toEqual(want);
}

async function expectGen(project: string, gen: string): Promise<void> {
  const got = await Promise.all(SERVICES.map((s) => sh(engine, `${project}-${s}-1`, 'echo $GEN')));
  expect(got).toEqual(SERVICES.map((s) => `${CHANGED.includes(s) ? gen : '1'}\n`));
}

/** A third `up` finds nothing to do: not one mutating event. */
async function expectNoop(dir: string, project: string): Promise<void> {
  const rec = await recordEvents(engine, project, async () => `${project}-s1-1`, () => ok(dir, project, ['up', '-d']));
  expect(describeEvents(rec.mutating)).toEqual([]);
}

describe('kill -9 of tsfig, then up again', () => {
  it('killed as soon as the first container of a 10-service stack appears', async () => {
    const { project, dir } = scenario('crash', 'crash-first');
    const landed = await upAndKill(dir, project, (e) => e.action === 'create');
    expect(landed, 'the kill should land before the first up finished').toBe(true);
    await ok(dir, project, ['up', '-d']);
    await expectConverged(engine, project, ONE_EACH);
    await expectNoop(dir, project);
  });

  const killPoints: Array<[string, (e: EngineEvent) => boolean]> = [
    ['the first replacement is created (temporary name)', (e) => e.action === 'create' && isTemp(e)],
    ['the first old container is stopped', (e) => e.action === 'die' && !isTemp(e)],
    ['the first old container is removed (before the rename)', (e) => e.action === 'destroy' && !isTemp(e)],
  ];
  it.each(killPoints)('killed mid-recreate of 6 services, when %s: up finishes, data kept', async (_what, point) => {
    const { project, dir } = scenario('crash', 'crash-recreate');
    await ok(dir, project, ['up', '-d']);
    await expectConverged(engine, project, ONE_EACH);
    const vols = await markVolumes(project);

    useVariant(dir, 'v2');
    const landed = await upAndKill(dir, project, point);
    expect(landed, 'the kill should land before the recreate finished').toBe(true);
    const debris = (await containersOf(engine, project)).map((c) => c.name);

    await ok(dir, project, ['up', '-d']);
    await expectConverged(engine, project, ONE_EACH);
    await expectGen(project, '2');
    await expectData(project, vols);
    await expectNoop(dir, project);
    // The kill point really left a half-done recreate behind.
    expect(debris.some((n) => n.includes('_tsfig-new-'))).toBe(true);

    // And a plain recreate after recovery still carries the data over.
    useVariant(dir, 'v3');
    await ok(dir, project, ['up', '-d']);
    await expectConverged(engine, project, ONE_EACH);
    await expectGen(project, '3');
    await expectData(project, vols);
  });
});

describe('a half-done recreate left behind (made by hand, deterministic)', () => {
  it('old removed, replacement under its temporary name: adopted; old still there: the leftover is removed', async () => {
    const { project, dir } = scenario('crash', 'half-done');
    await ok(dir, project, ['up', '-d']);
    const vols = await markVolumes(project);
    const ids: Record<string, string> = {};
    // s1: a crash after remove-old, before the rename. s2: a crash after create-replacement.
    for (const svc of ['s1', 's2']) {
      const old = await engine.inspectContainer(`${project}-${svc}-1`);
      const tmp = `${project}-${svc}-1_tsfig-new-${old.id.slice(0, 12)}`;
      const made = await engine.createContainer(tmp, {
        Image: 'busybox',
        Cmd: old.config.cmd ?? [],
        Labels: { ...old.config.labels, 'io.tsfig.replace': old.id },
        HostConfig: { NetworkMode: `${project}_default`, Mounts: [{ Type: 'volume', Source: vols[svc], Target: '/data' }] },
      });
      ids[svc] = svc === 's1' ? made.id : old.id;
      if (svc === 's1') await engine.removeContainer(old.id, { force: true });
    }

    await ok(dir, project, ['up', '-d']);
    const all = await expectConverged(engine, project, ONE_EACH);
    const byName = Object.fromEntries(all.map((c) => [c.name, c.id]));
    expect([byName[`${project}-s1-1`], byName[`${project}-s2-1`]]).toEqual([ids.s1, ids.s2]);
    await expectData(project, vols);
    await expectNoop(dir, project);
  });
});

describe('two up of one project at once', () => {
  it('both exit 0, and there is exactly one container per service number', async () => {
    const { project, dir } = scenario('concurrent', 'race');
    const [a, b] = [spawnUp(dir, project), spawnUp(dir, project)];
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code], `${ra.stderr}\n---\n${rb.stderr}`).toEqual([0, 0]);
    await expectConverged(engine, project, { a: 1, b: 3, c: 1, d: 1, e: 1 });
    const nets = await engine.listNetworks({ labels: { 'io.tsfig.project': project } });
    expect(nets.map((n) => n.name)).toEqual([`${project}_default`]);
  });

  it('without a shared lock (two lock folders, like two machines on one engine): 409 on create is "someone made it"', async () => {
    const { project, dir } = scenario('concurrent', 'race-nolock');
    // The network first: the engine's duplicate-name check on networks is not atomic.
    await ok(dir, project, ['up', '-d', 'a']);
    const locks = [mkdtempSync(join(tmpdir(), 'tsfig-lock-a-')), mkdtempSync(join(tmpdir(), 'tsfig-lock-b-'))];
    try {
      const [x, y] = locks.map((t) => {
        const c = spawnTsfig(dir, project, ['up', '-d'], { TMPDIR: t });
        children.push(c);
        return c;
      });
      const [rx, ry] = await Promise.all([x!.done, y!.done]);
      expect([rx.code, ry.code], `${rx.stderr}\n---\n${ry.stderr}`).toEqual([0, 0]);
      await expectConverged(engine, project, { a: 1, b: 3, c: 1, d: 1, e: 1 });
    } finally {
      for (const l of locks) rmSync(l, { recursive: true, force: true });
    }
  });

  it('two up --force-recreate at once: both exit 0, one container per number', async () => {
    const { project, dir } = scenario('concurrent', 'race2');
    await ok(dir, project, ['up', '-d']);
    const [a, b] = [spawnUp(dir, project, ['--force-recreate']), spawnUp(dir, project, ['--force-recreate'])];
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code], `${ra.stderr}\n---\n${rb.stderr}`).toEqual([0, 0]);
    const all = await expectConverged(engine, project, { a: 1, b: 3, c: 1, d: 1, e: 1 });
    expect(all.every((c) => c.labels['io.tsfig.replace'] !== undefined)).toBe(true);
  });
});

/**
 * Issue 15, item 0, on the real engine: a stop by another client that lands while `up -d` runs
 * (as the stops a tsfig killed with -9 had sent do) is noticed, and up converges again: it exits
 * 0 only with every container as promised. Deterministic: the test stops `victim` on the
 * engine's `start` event of it, while up is held by `after`'s wait for `gate` to be healthy,
 * which the test lets happen only once its stop has landed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockName } from '../../src/lock.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, PROJECT_LABEL, requireEngine } from './support/harness.js';
import { BIN, ok, scenarios, sh, spawnTsfig, type Child } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('late');
const children: Child[] = [];
const dirs: string[] = [];
/** A pid no process has (above the kernel's pid_max). */
const DEAD_PID = 99_999_999;

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN}: run npm run build first`).toBe(true);
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.done;
  }
  await cleanup(engine);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('up -d and a stop that lands while it runs (app/settle.ts)', () => {
  it('someone stops a container up just started: up converges again, exits 0, the container runs', async () => {
    const { project, dir } = scenario('late-stop');
    const controller = new AbortController();
    const stream = await engine.events({ filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`] }, signal: controller.signal });
    const seen: EngineEvent[] = [];
    const child = spawnTsfig(dir, project, ['up', '-d']);
    children.push(child);
    const victim = `${project}-victim-1`;
    const gate = `${project}-gate-1`;
    let stopped = false;
    const started = new Set<string>();
    const driver = (async () => {
      try {
        for await (const e of stream) {
          seen.push(e);
          const name = e.attributes.name ?? '';
          if (e.action === 'start') started.add(name);
          if (!stopped && started.has(victim) && started.has(gate)) {
            stopped = true;
            // Another client's stop, landing while up waits for gate: then gate may become healthy.
            await engine.stopContainer(victim, 5);
            await sh(engine, gate, 'touch /tmp/ready');
          }
        }
      } catch {
        // closed
      }
    })();
    const victimEvents = () => seen.filter((e) => e.attributes.name === victim && ['start', 'kill', 'die'].includes(e.action)).map((e) => e.action);
    const r = await child.done;
    expect(stopped, 'the test stopped victim while up ran').toBe(true);
    expect(r.code, r.stderr).toBe(0);
    // victim started, stopped (the test's stop), started again by the same up.
    await eventually(() => expect(victimEvents()).toEqual(['start', 'kill', 'die', 'start']));
    stream.close();
    controller.abort();
    await driver;
    expect(r.stderr).toContain(`${victim} stopped by another client while up ran; converging again`);
    const after = await engine.inspectContainer(victim);
    expect(after.state.running).toBe(true);
  });

  it('up takes over the lock of a tsfig that died while its stop is under way: it waits for the stop, converges again, exits 0', async () => {
    const { project, dir } = scenario('late-stop-lock');
    const runtime = mkdtempSync(join(tmpdir(), 'tsfig-late-xdg-'));
    dirs.push(runtime);
    const env = { XDG_RUNTIME_DIR: runtime };
    await ok(dir, project, ['up', '-d'], env);
    const victim = `${project}-victim-1`;
    // The dead tsfig: its lock left behind, its stop sent (SIGTERM in, the container not down yet).
    const lock = join(runtime, 'tsfig', lockName(project, [engine.endpoint.url]));
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'owner'), `${DEAD_PID} - killed\n`);
    const controller = new AbortController();
    const stream = await engine.events({ filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`] }, signal: controller.signal });
    const seen: EngineEvent[] = [];
    const pump = (async () => {
      try {
        for await (const e of stream) seen.push(e);
      } catch {
        // closed
      }
    })();
    const inFlight = engine.stopContainer(victim, 60);
    await eventually(() => expect(seen.some((e) => e.action === 'kill' && e.attributes.name === victim)).toBe(true));

    const child = spawnTsfig(dir, project, ['up', '-d'], env);
    children.push(child);
    let stderr = '';
    child.proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    // up noticed the stop under way and waits for it: now the stop may land.
    await eventually(() => expect(stderr).toContain(`waiting for ${victim}: another client's stop is under way`));
    await sh(engine, victim, 'touch /tmp/go');
    await inFlight;
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${victim} stopped by another client while up ran; converging again`);
    expect((await engine.inspectContainer(victim)).state.running).toBe(true);
    await eventually(() => expect(seen.filter((e) => e.attributes.name === victim && ['kill', 'die', 'start'].includes(e.action)).map((e) => e.action)).toEqual(['kill', 'die', 'start']));
    stream.close();
    controller.abort();
    await pump;
  });
});

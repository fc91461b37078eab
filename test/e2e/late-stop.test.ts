/**
 * Issue 15, item 0, on the real engine: a stop by another client that lands while `up -d` runs
 * (as the stops a tsfig killed with -9 had sent do) is noticed, and up converges again: it exits
 * 0 only with every container as promised. Deterministic: the test stops `victim` on the
 * engine's `start` event of it, while up is held by `after`'s wait for `gate` to be healthy,
 * which the test lets happen only once its stop has landed.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, PROJECT_LABEL, requireEngine } from './support/harness.js';
import { BIN, scenarios, sh, spawnTsfig, type Child } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('late');
const children: Child[] = [];

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
});

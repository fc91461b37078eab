/**
 * depends_on with condition service_healthy on a real engine: the dependent starts only after
 * the engine reports its dependency healthy; a dependency that never becomes healthy makes
 * `up` fail (exit 1) within its timeout, and the dependent is not started.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, PROJECT_LABEL, requireEngine } from './support/harness.js';
import { containersOf, ok, run, scenarios } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('hc');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
});

interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
}

describe('depends_on: service_healthy', () => {
  it('web starts only after db is healthy (about 2 s after db starts)', async () => {
    const { project, dir } = scenario('healthy');
    const controller = new AbortController();
    const stream = await engine.events({ filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`] }, signal: controller.signal });
    const events: EngineEvent[] = [];
    const pump = (async () => {
      try {
        for await (const e of stream) events.push(e);
      } catch {
        // closed
      }
    })();
    try {
      await ok(dir, project, ['up', '-d']);
      // The stream lags the engine a little: wait for web's start event to arrive.
      await eventually(() => {
        if (!events.some((e) => e.action === 'start' && e.attributes.name === `${project}-web-1`)) throw new Error("web's start event not seen yet");
      });
    } finally {
      stream.close();
      controller.abort();
      await pump;
    }
    const db = await engine.inspectContainer(`${project}-db-1`);
    const web = await engine.inspectContainer(`${project}-web-1`);
    expect([db.state.running, web.state.running]).toEqual([true, true]);
    expect(db.state.health?.status).toBe('healthy');

    // The engine's record: the health_status event, and the health log (which keeps only the
    // last five checks: when the first success is still in it, it must come after failures).
    const healthyEvent = events.find((e) => e.id === db.id && e.action === 'health_status: healthy');
    expect(healthyEvent).toBeDefined();
    const healthyAt = Math.floor(healthyEvent!.timeNano / 1e6);
    const log = (db.raw as { State: { Health: { Log: HealthLogEntry[] | null } } }).State.Health.Log ?? [];
    expect(log.length).toBeGreaterThan(0);
    const firstOk = log.findIndex((l) => l.ExitCode === 0);
    expect(firstOk, JSON.stringify(log)).toBeGreaterThanOrEqual(0);
    const dbStarted = Date.parse(db.state.startedAt);
    const webStarted = Date.parse(web.state.startedAt);
    expect(healthyAt - dbStarted).toBeGreaterThanOrEqual(1900);
    expect(webStarted).toBeGreaterThanOrEqual(healthyAt);
    // A failure before the first success in the log: that success is db's first healthy check.
    if (firstOk > 0) expect(webStarted).toBeGreaterThanOrEqual(Date.parse(log[firstOk]!.End));
    // web's start event comes after db's healthy event in the engine's own order.
    const webStart = events.findIndex((e) => e.id === web.id && e.action === 'start');
    expect(webStart).toBeGreaterThan(events.indexOf(healthyEvent!));
  });

  it('a dependency that never becomes healthy: exit 1 within the wait timeout, web not started', async () => {
    const { project, dir } = scenario('unhealthy');
    const t0 = Date.now();
    const r = await run(dir, project, ['up', '-d', '--wait-timeout', '3']);
    const elapsed = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(20_000);
    const db = await engine.inspectContainer(`${project}-db-1`);
    expect([db.state.running, db.state.health?.status]).toEqual([true, 'starting']);
    const web = (await containersOf(engine, project)).find((c) => c.service === 'web');
    expect(web?.state ?? 'absent').not.toBe('running');
  });
});

/**
 * docker compose's own settings as compose reads them: from the shell or the project's `.env`
 * (the shell first), and COMPOSE_STATUS_STDOUT moving progress and status lines to stdout.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, requireEngine } from './support/harness.js';
import { containersOf, run, scenarios } from './support/stack.js';

let engine: Engine;
const { scenario, cleanup } = scenarios('settings');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  await cleanup(engine);
});

/** Lines of progress that are JSON events. */
function jsonEvents(text: string): Array<{ type: string; action?: string }> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; action?: string });
}

describe("compose's settings", () => {
  it('COMPOSE_PROGRESS from the project .env, the shell first; COMPOSE_STATUS_STDOUT puts the status on stdout', async () => {
    const { project, dir } = scenario('compose-settings');
    // The test environment sets TSFIG_PROGRESS (which wins over COMPOSE_PROGRESS): not here.
    const up = await run(dir, project, ['up', '-d'], { TSFIG_PROGRESS: undefined });
    expect(up.code).toBe(0);
    expect(jsonEvents(up.stderr).some((e) => e.type === 'done' && e.action === 'Started')).toBe(true);
    expect(up.stdout).toBe('');

    const shell = await run(dir, project, ['stop'], { TSFIG_PROGRESS: undefined, COMPOSE_PROGRESS: 'plain' });
    expect(shell.code).toBe(0);
    expect(jsonEvents(shell.stderr)).toEqual([]);
    expect(shell.stderr).toMatch(/Container \S+-web-1 +Stopped/);

    const down = await run(dir, project, ['down'], { COMPOSE_STATUS_STDOUT: '1' });
    expect(down.code).toBe(0);
    expect(down.stderr).toBe('');
    expect(down.stdout).toMatch(/Container \S+-web-1 +Removed/);
    expect(await containersOf(engine, project)).toEqual([]);

    const bad = await run(dir, project, ['ps'], { COMPOSE_STATUS_STDOUT: 'maybe' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('COMPOSE_STATUS_STDOUT');
  });
});

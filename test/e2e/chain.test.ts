/**
 * `up -d` from nothing along a depends_on chain on a real engine (issue 16): every container of
 * the chain is created while the head of the chain is still not started (a create does not wait
 * for what the service depends on; only its start does), and the starts still follow the chain,
 * in the engine's own order of events.
 *
 * The head is held by the test: s2 depends on s1 being healthy, and s1's healthcheck passes only
 * once the test has written /tmp/go into it.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir } from '../support/project.js';
import { engineFromEnv, eventually, requireEngine, uniqueProject } from './support/harness.js';
import { cleanupStack, containersOf, describeEvents, recordEvents, sh, spawnTsfig } from './support/stack.js';

const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;
const N = 6;

function chainFile(): string {
  let s = 'services:\n';
  for (let i = 1; i <= N; i++) {
    s += `  s${i}:\n    image: busybox:latest\n    command: ${IDLE}\n`;
    if (i === 1) s += `    healthcheck:\n      test: ["CMD", "test", "-f", "/tmp/go"]\n      interval: 1s\n      timeout: 5s\n      retries: 1000\n`;
    if (i === 2) s += `    depends_on:\n      s1: {condition: service_healthy}\n`;
    if (i > 2) s += `    depends_on: [s${i - 1}]\n`;
  }
  return s;
}

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupStack(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

describe('up from nothing along a depends_on chain', () => {
  it('creates every container of the chain while its head is not yet started, then starts them in chain order', async () => {
    const project = uniqueProject('chain');
    const dir = projectDir({ 'fig.yml': chainFile() });
    made.push({ project, dir });
    const name = (i: number) => `${project}-s${i}-1`;

    const rec = await recordEvents(
      engine,
      project,
      async () => name(N),
      async () => {
        const up = spawnTsfig(dir, project, ['up', '-d', '--wait-timeout', '120']);
        // All of them exist while s1 is not healthy (so s2 cannot start): the creates did not wait.
        const held = await eventually(async () => {
          const list = await containersOf(engine, project);
          if (list.length !== N) throw new Error(`${list.length} of ${N} containers created so far`);
          if (list.find((c) => c.service === 's1')?.state !== 'running') throw new Error('s1 not running yet');
          return list;
        }, { timeout: 60_000 });
        expect(held.filter((c) => c.state === 'running').map((c) => c.service)).toEqual(['s1']);
        await sh(engine, name(1), 'touch /tmp/go');
        const r = await up.done;
        expect(r.code, r.stderr).toBe(0);
        return r;
      },
    );

    const list = await containersOf(engine, project);
    expect(list.map((c) => [c.service, c.state])).toEqual(Array.from({ length: N }, (_, i) => [`s${i + 1}`, 'running']));
    // The engine's order: each start after the start of the one it depends on.
    const ids = new Map(list.map((c) => [c.id, c.service]));
    const starts = rec.events.filter((e) => e.action === 'start' && ids.has(e.id)).map((e) => ids.get(e.id));
    expect(starts, describeEvents(rec.events).join('\n')).toEqual(Array.from({ length: N }, (_, i) => `s${i + 1}`));
  });
});

/**
 * Issue 15: the fault campaign in its reduced form (the scenarios of `npm run faults`, few
 * trials: test/support/faults/scenarios.ts; a host of the multi-host rig cut off mid-up:
 * test/support/faults/cutoff.ts, on scripts/hosts.sh's rig), and the engine restarted mid-up (item 2) on the
 * tests' own dockerd (scripts/fault-engine.sh, never the machine's engine): the interrupted up
 * says once that the engine went away; a container the engine cannot start for a stale task is
 * named in the plan and replaced by the next up, and its dependents are made.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { cutoffTrials } from '../support/faults/cutoff.js';
import { concurrencyRounds, FAULT_ENDPOINT, faultEngine, killTrials, proxyRounds, restartTrials, script, type Campaign, type Row } from '../support/faults/scenarios.js';
import { isSetnsLost, removeStack, stackDir, violations } from '../support/faults/stack.js';
import { engineFromEnv, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import { BIN, spawnTsfig } from './support/stack.js';

let engine: Engine;
let c: Campaign;
const SEED = Number(process.env.FAULTS_SEED ?? 20261207);

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN}: run npm run build first`).toBe(true);
  engine = engineFromEnv();
  await requireEngine(engine);
  c = { engine, endpoint: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', seed: SEED, services: 10, log: () => undefined };
});

/** A row with no violation, and every trial either converged or failed with one line per failed call. */
function expectClean(row: Row): void {
  expect({ violations: row.violations, notes: row.violations ? row.notes : [] }).toEqual({ violations: 0, notes: [] });
  expect(row.converged + row.failedOneLine).toBe(row.trials);
  expect(row.trials).toBeGreaterThan(0);
}

describe('fault campaign, reduced (npm run faults runs the same with more trials)', () => {
  it('kill -9 at random times of up from nothing: one more up converges, nothing leaked, the next plan is empty', async () => {
    const row = await killTrials(c, 'create', 2);
    expectClean(row);
    expect(row.converged).toBe(2);
  }, 240_000);

  it('kill -9 at random times of a recreate of every service: volumes and their data kept', async () => {
    expectClean(await killTrials(c, 'recreate', 2));
  }, 240_000);

  it('the fault proxy: each faulted up converges or fails with one line per call; the clean up converges; a canary is untouched', async () => {
    const row = await proxyRounds(c, 2, 0.05, (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, ''));
    expectClean(row);
  }, 240_000);

  it('the engine restarted during up: the next up converges', async () => {
    expectClean(await restartTrials({ ...c, services: 30 }, 1));
  }, 240_000);

  it('a host of the multi-host rig cut off mid-up (link down): the up fails in bounded time with one line naming it; hosts 1 and 2 keep their containers; link back, up converges', async () => {
    const row = await cutoffTrials({ seed: SEED, perHost: 3, log: () => undefined }, 2);
    expectClean(row);
    expect(row.notes[0]).toMatch(/^the cut interrupted the up in [12] of 2;/);
  }, 300_000);

  it.each(['five-ups', 'up-during-down', 'down-during-up'] as const)('concurrency: %s', async (kind) => {
    expectClean(await concurrencyRounds(c, kind, 1));
  }, 240_000);
});

describe('what the campaign reads of a failed exec', () => {
  it("dockerd answers an exec the runtime refuses with exit 126 and the runtime's error as its output: the form isSetnsLost reads", async () => {
    const project = uniqueProject('faults-exec');
    const dir = stackDir(1, 1);
    try {
      const up = await spawnTsfig(dir, project, ['up', '-d']).done;
      expect(up.code, up.stderr).toBe(0);
      const r = await engine.exec(`${project}-s1-1`, { cmd: ['/nonexistent'] });
      expect(r.exitCode).toBe(126);
      expect(r.stdout).toMatch(/^OCI runtime exec failed: exec failed: unable to start container process: exec: "\/nonexistent"/);
      expect(isSetnsLost(r)).toBe(false);
      expect(isSetnsLost({ ...r, stdout: r.stdout.replace(/exec: "\/nonexistent".*/, 'error starting setns process: fork/exec /proc/self/exe: no such file or directory: unknown') })).toBe(true);
    } finally {
      await removeStack(engine, project);
    }
  }, 120_000);
});

describe('the engine restarted mid-up (issue 15, item 2)', () => {
  it('the interrupted up says once that the engine went away; a stale task is named by plan and replaced by up, its dependents made', async () => {
    const fault = await faultEngine();
    let staleSeen = false;
    // A stale task needs the restart to land while starts are in flight: up to 5 tries.
    for (let attempt = 0; attempt < 5 && !staleSeen; attempt++) {
      const project = uniqueProject('faults-item2');
      const dir = stackDir(30, 1);
      try {
        const controller = new AbortController();
        const stream = await fault.events({ filters: { type: ['container'], event: ['start'], label: [`${PROJECT_LABEL}=${project}`] }, signal: controller.signal });
        const up = spawnTsfig(dir, project, ['up', '-d'], { DOCKER_HOST: FAULT_ENDPOINT });
        let starts = 0;
        for await (const e of stream) if (e.action === 'start' && ++starts === 4 + attempt) break;
        stream.close();
        controller.abort();
        await script('fault-engine.sh', ['restart']);
        const r = await up.done;
        expect(r.code).toBe(1);
        const lines = r.stderr.split('\n');
        const gone = lines.filter((l) => l.includes('went away'));
        expect(gone).toHaveLength(1);
        expect(gone[0]).toMatch(new RegExp(`^error: the Docker engine at ${FAULT_ENDPOINT} went away during this run \\(at (container|network|volume) \\S+: \\w+: .+\\); \\d+ steps? not done`));
        expect(lines.filter((l) => /transport is closing|database not open|client connection is closing|failed to update store/.test(l) && !l.includes('went away'))).toEqual([]);

        // `start` tries what up left created: a stale task refuses it, and the engine keeps that error on the container.
        const start = await spawnTsfig(dir, project, ['start'], { DOCKER_HOST: FAULT_ENDPOINT }).done;
        const stale = [...start.stderr.matchAll(/Container (\S+)\s+Error: task [0-9a-f]+: already exists/g)].map((m) => m[1]!);
        if (stale.length) {
          staleSeen = true;
          const plan = await spawnTsfig(dir, project, ['plan'], { DOCKER_HOST: FAULT_ENDPOINT }).done;
          for (const name of stale) expect(plan.stdout).toMatch(new RegExp(`~ container ${name}: recreate \\(the engine cannot start it: task [0-9a-f]+: already exists \\(a task left by an engine restart\\)\\)`));
        }
        const again = await spawnTsfig(dir, project, ['up', '-d'], { DOCKER_HOST: FAULT_ENDPOINT }).done;
        expect(again.code, again.stderr).toBe(0);
        // runc unable to enter a container started across the restart is the engine's (isSetnsLost); anything else fails.
        expect(await violations(fault, project, { services: 30, gen: 1 }, undefined, [])).toEqual([]);
        const noop = await spawnTsfig(dir, project, ['plan'], { DOCKER_HOST: FAULT_ENDPOINT }).done;
        expect(noop.stdout + noop.stderr).toContain('nothing to do');
      } finally {
        await removeStack(fault, project);
      }
    }
    expect(staleSeen, 'no restart in 5 left a stale task behind').toBe(true);
  }, 600_000);
});

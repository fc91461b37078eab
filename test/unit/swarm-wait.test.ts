/**
 * `up --wait` on a swarm (backend/swarm/wait.ts), against scripted answers of the two calls it
 * makes: a task of the current spec that fails while it waits is said once, at once; one that had
 * failed before the wait began is not; the wait goes on until the service runs.
 */
import { describe, expect, it } from 'vitest';
import type { SwarmEngine } from '../../src/backend/swarm/observe.js';
import type { SwarmJson } from '../../src/backend/swarm/types.js';
import { waitServices, type TaskFailure } from '../../src/backend/swarm/wait.js';

const SPEC = { Image: 'busybox', Env: ['REV=2'] };

function task(id: string, slot: number, state: string, err = '', spec: SwarmJson = SPEC): SwarmJson {
  return { ID: id, Slot: slot, DesiredState: state === 'running' ? 'running' : 'shutdown', Status: { State: state, Err: err, Timestamp: '2026-12-07T15:00:00Z' }, Spec: { ContainerSpec: spec } };
}

/** An engine whose listTasks answers the next of `rounds` at each look (the last one repeats). */
function scripted(rounds: SwarmJson[][]): { engine: SwarmEngine; looks: () => number } {
  let look = 0;
  const engine = {
    inspectService: async (id: string) => ({ id, version: 1, spec: { Name: 'p_web', TaskTemplate: { ContainerSpec: SPEC }, Mode: { Replicated: { Replicas: 1 } } }, raw: {} }),
    listTasks: async () => rounds[Math.min(look++, rounds.length - 1)]!,
  };
  return { engine: engine as unknown as SwarmEngine, looks: () => look };
}

describe('swarm up --wait', () => {
  it('says each task of the current spec that fails while it waits, once; older failures and old specs are not news', async () => {
    const old = task('t0', 1, 'failed', 'exit 1 (before the wait)');
    const oldSpec = task('o1', 1, 'failed', 'old spec', { Image: 'busybox', Env: ['REV=1'] });
    const { engine, looks } = scripted([
      [old, oldSpec],
      [old, oldSpec, task('t1', 1, 'rejected', 'No such image: busybox')],
      [old, oldSpec, task('t1', 1, 'rejected', 'No such image: busybox'), task('t2', 1, 'failed', 'task: non-zero exit (1)')],
      [old, oldSpec, task('t1', 1, 'rejected', 'No such image: busybox'), task('t2', 1, 'failed', 'task: non-zero exit (1)'), task('t3', 1, 'running')],
    ]);
    const said: Array<[string, TaskFailure]> = [];
    const ready: string[] = [];
    await waitServices(engine, ['svc1'], 60_000, undefined, { onReady: (n) => ready.push(n), onTaskFailed: (n, f) => said.push([n, f]) });
    expect(said).toEqual([
      ['p_web', { id: 't1', task: 'p_web.1', message: 'No such image: busybox' }],
      ['p_web', { id: 't2', task: 'p_web.1', message: 'task: non-zero exit (1)' }],
    ]);
    expect(ready).toEqual(['p_web']);
    expect(looks()).toBe(4);
  });
});

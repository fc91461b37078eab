import { describe, expect, it } from 'vitest';
import { exitLine, waitAll, waitTargets, type WaitTarget } from '../../src/reconcile/wait.js';
import type { ObservedContainer, ObservedState } from '../../src/reconcile/state.js';
import { host } from '../support/observed.js';
import { eventually } from '../support/sync.js';
import { projectDir, tsfig } from '../support/project.js';

let seq = 0;
function ctr(service: string, state: string, extra: Partial<ObservedContainer> = {}): ObservedContainer {
  seq++;
  const number = extra.number ?? 1;
  return {
    id: `${seq.toString(16).padStart(4, '0')}${'c'.repeat(60)}`,
    name: `p-${service}-${number}`,
    host: 'default',
    service,
    number,
    oneoff: false,
    configHash: 'h',
    image: 'busybox',
    imageId: 'sha256:x',
    state,
    status: state,
    created: 1000 + seq,
    labels: {},
    mounts: [],
    ports: [],
    networks: [],
    ...extra,
  };
}

function observed(...containers: ObservedContainer[]): ObservedState {
  const hosts: ObservedState['hosts'] = {};
  for (const c of containers) (hosts[c.host] ??= host(c.host)).containers.push(c);
  if (!hosts.default) hosts.default = host('default');
  return { project: 'p', hosts };
}

const names = (ts: WaitTarget[]) => ts.map((t) => [t.container.name, t.stopped]);

describe('waitTargets', () => {
  it('running and paused ones are waited for, exited and dead ones count at once (listed first), created ones never ran', () => {
    const o = observed(
      ctr('web', 'running', { number: 2 }),
      ctr('web', 'running', { number: 1 }),
      ctr('job', 'exited'),
      ctr('web', 'created', { number: 3 }),
      ctr('db', 'paused'),
      ctr('other', 'running'),
      ctr('job', 'dead', { number: 2 }),
    );
    expect(names(waitTargets(o, ['web', 'job', 'db']))).toEqual([
      ['p-job-1', true],
      ['p-job-2', true],
      ['p-web-1', false],
      ['p-web-2', false],
      ['p-db-1', false],
    ]);
  });

  it('takes the containers of every reachable host, one-offs too', () => {
    const o = observed(ctr('web', 'running'), ctr('web', 'running', { host: 'b', name: 'p-web-run-1', oneoff: true, number: 0 }));
    expect(waitTargets(o, ['web']).map((t) => [t.container.name, t.container.host])).toEqual([
      ['p-web-run-1', 'b'],
      ['p-web-1', 'default'],
    ]);
  });

  it('a service with no containers is an error naming it; created-only ones say to start them', () => {
    const o = observed(ctr('web', 'running'), ctr('job', 'created'));
    expect(() => waitTargets(o, ['web', 'db'])).toThrow(/^service db has no containers$/);
    expect(() => waitTargets(o, ['job', 'db', 'db'])).toThrow(/^service job has no container that was ever started \(only created ones: tsfig start job\); service db has no containers$/);
  });
});

describe('waitAll', () => {
  /** Waits the test settles by hand: container id -> resolve. */
  function gate() {
    const pending = new Map<string, { resolve: (n: number) => void; reject: (e: unknown) => void }>();
    const aborted: string[] = [];
    const waitOne = (c: ObservedContainer, signal: AbortSignal) =>
      new Promise<number>((resolve, reject) => {
        pending.set(c.id, { resolve, reject });
        signal.addEventListener('abort', () => {
          aborted.push(c.name);
          reject(new Error(`aborted ${c.name}`));
        }, { once: true });
      });
    return { pending, aborted, waitOne };
  }

  it('reports the stopped ones first, then each as it stops, and resolves with the code of the last to stop', async () => {
    const [a, b, done] = [ctr('a', 'running'), ctr('b', 'running'), ctr('c', 'exited')];
    const { pending, waitOne } = gate();
    const seen: string[] = [];
    const result = waitAll(waitTargets(observed(a, b, done), ['a', 'b', 'c']), waitOne, (c, n) => seen.push(`${c.name}=${n}`));
    pending.get(done.id)!.resolve(7);
    await eventually(() => expect(seen).toEqual(['p-c-1=7']), { interval: 1, timeout: 2000 });
    pending.get(b.id)!.resolve(3);
    await eventually(() => expect(seen).toEqual(['p-c-1=7', 'p-b-1=3']), { interval: 1, timeout: 2000 });
    pending.get(a.id)!.resolve(0);
    expect(await result).toBe(0);
    expect(seen).toEqual(['p-c-1=7', 'p-b-1=3', 'p-a-1=0']);
  });

  it('already stopped ones alone: resolves at once with the last one\'s code', async () => {
    const t = waitTargets(observed(ctr('a', 'exited'), ctr('a', 'exited', { number: 2 })), ['a']);
    const codes: Record<string, number> = { 'p-a-1': 1, 'p-a-2': 4 };
    expect(await waitAll(t, async (c) => codes[c.name]!, () => {})).toBe(4);
  });

  it('the first failed wait cancels the others and rejects', async () => {
    const [a, b] = [ctr('a', 'running'), ctr('b', 'running')];
    const { pending, aborted, waitOne } = gate();
    const seen: string[] = [];
    const result = waitAll(waitTargets(observed(a, b), ['a', 'b']), waitOne, (c) => seen.push(c.name));
    pending.get(a.id)!.reject(new Error('no such container'));
    await expect(result).rejects.toThrow('no such container');
    expect(aborted).toEqual(['p-a-1', 'p-b-1']);
    expect(seen).toEqual([]);
  });

  it('the signal cancels every wait', async () => {
    const a = ctr('a', 'running');
    const { waitOne } = gate();
    const controller = new AbortController();
    const result = waitAll(waitTargets(observed(a), ['a']), waitOne, () => {}, controller.signal);
    controller.abort();
    await expect(result).rejects.toThrow('aborted p-a-1');
  });
});

describe('exitLine', () => {
  it("is compose's wording", () => {
    const c = ctr('a', 'exited');
    expect(exitLine(c, 3)).toBe(`container "${c.id}" exited with status code 3\n`);
  });
});

describe('create and wait: usage errors before any engine call', () => {
  const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n' });
  const env = { HOME: '/home/u', DOCKER_HOST: 'unix:///nonexistent/tsfig-test.sock' };

  it('create refuses --force-recreate with --no-recreate, a bad --pull and a bad --scale (exit 2)', async () => {
    for (const args of [['--force-recreate', '--no-recreate'], ['--pull', 'sometimes'], ['--scale', 'web']]) {
      const r = await tsfig(['create', ...args], { cwd: dir, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('wait needs a service (exit 2) and refuses an unknown one (exit 1, named)', async () => {
    expect((await tsfig(['wait'], { cwd: dir, env })).code).toBe(2);
    const r = await tsfig(['wait', 'nope'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such service: nope');
  });
});

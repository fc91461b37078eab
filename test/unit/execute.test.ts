/**
 * The executor against an in-memory fake engine: ordering, the parallel limit, failure
 * propagation, events, cancellation, and the few engine answers the executor interprets
 * (409 on create, 404 on remove, health and exit codes for waits). Hand-built plans; no Docker.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { LABEL } from '../../src/model/labels.js';
import { criticalRanks, execute, type ExecuteOptions, type ExecuteResult } from '../../src/reconcile/execute.js';
import { emptyPlan, type Op, type Plan, type PlanGroup, type PlanNode, type Verb } from '../../src/reconcile/plan.js';
import type { ProgressEvent } from '../../src/ui/events.js';
import { FakeEngine, type FakeCall } from '../support/fake-engine.js';

const H = 'default';

function grp(id: string, verb: Verb = 'create', extra: Partial<PlanGroup> = {}): PlanGroup {
  return { id, resource: { kind: 'container', name: id }, verb, cause: `test ${id}`, visible: true, ...extra };
}

function node(id: string, op: Op, deps: string[] = [], group = id): PlanNode {
  return { id, op, deps, group };
}

/** A plan; groups not given are made (visible, verb create) from the nodes' group ids. */
function mkPlan(nodes: PlanNode[], groups: PlanGroup[] = []): Plan {
  const all = [...groups];
  for (const n of nodes) if (!all.some((g) => g.id === n.group)) all.push(grp(n.group));
  return { nodes, groups: all, warnings: [], errors: [] };
}

/** The cheapest mutating op: create a volume named `name` (the call's target is the name). */
function vol(name: string): Op {
  return { type: 'volume.create', host: H, key: name, body: { Name: name } };
}

function wait(names: string[], condition: 'healthy' | 'completed', timeoutMs = 60_000, service = 'db'): Op {
  return { type: 'container.wait', host: H, service, names, condition, timeoutMs };
}

function labels(hash: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.project]: 'p', [LABEL.service]: 'web', [LABEL.number]: '1', [LABEL.configHash]: hash, ...extra };
}

function createOp(name: string, hash: string): Op {
  return { type: 'container.create', host: H, service: 'web', number: 1, name, body: { Image: 'busybox:latest', Labels: labels(hash) }, extraNetworks: [] };
}

interface Run {
  done: Promise<ExecuteResult>;
  events: ProgressEvent[];
}

function start(plan: Plan, fake: FakeEngine, extra: Partial<ExecuteOptions> = {}): Run {
  const events: ProgressEvent[] = [];
  const done = execute(plan, { engines: { [H]: fake }, concurrency: 4, pollMs: 1, onEvent: (e) => events.push(e), ...extra });
  return { done, events };
}

async function run(plan: Plan, fake: FakeEngine, extra: Partial<ExecuteOptions> = {}): Promise<{ result: ExecuteResult; events: ProgressEvent[] }> {
  const r = start(plan, fake, extra);
  return { result: await r.done, events: r.events };
}

/** The one call of `method` on `target`. */
function callOn(fake: FakeEngine, method: string, target: string): FakeCall {
  const found = fake.calls.filter((c) => c.method === method && c.target === target);
  expect(found, `${method} ${target}`).toHaveLength(1);
  return found[0]!;
}

function ids(groups: PlanGroup[]): string[] {
  return groups.map((g) => g.id).sort();
}

/** start / done / error events of one group, as `type:action-or-message`. */
function lifecycle(events: ProgressEvent[], id: string): string[] {
  return events
    .filter((e) => e.type !== 'message' && e.type !== 'progress' && e.id === id)
    .map((e) => (e.type === 'error' ? `error:${e.message}` : e.type === 'start' || e.type === 'done' ? `${e.type}:${e.action}` : e.type));
}

/** Let pending promise callbacks and timers of zero delay run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

function clean(result: ExecuteResult): void {
  expect(result.failed).toEqual([]);
  expect(result.skipped).toEqual([]);
  expect(result.aborted).toBe(false);
}

describe('execute: dependencies', () => {
  it('starts a node only after all its dependencies finished, and runs independent nodes in parallel', async () => {
    const fake = new FakeEngine();
    fake.delay('createVolume', 5);
    const gateA = fake.hold({ target: 'a' });
    const gateBC = fake.hold((c) => c.target === 'b' || c.target === 'c');
    const plan = mkPlan([node('d', vol('d'), ['b', 'c']), node('b', vol('b'), ['a']), node('c', vol('c'), ['a']), node('a', vol('a')), node('e', vol('e'))]);
    const r = start(plan, fake);

    await gateA.reached();
    // e does not depend on a: it runs (and finishes) while a is still held.
    await vi.waitFor(() => expect(callOn(fake, 'createVolume', 'e').outcome).toBe('ok'));
    expect(fake.calls.map((c) => c.target).sort()).toEqual(['a', 'e']);
    gateA.release();

    // b and c both depend on a only: both are in flight at once.
    await gateBC.reached(2);
    expect(fake.callsOf('createVolume').some((c) => c.target === 'd')).toBe(false);
    gateBC.release();

    const result = await r.done;
    clean(result);
    for (const n of plan.nodes) {
      const c = callOn(fake, 'createVolume', n.id);
      for (const d of n.deps) expect(c.beginSeq, `${n.id} began after ${d} ended`).toBeGreaterThan(callOn(fake, 'createVolume', d).endSeq!);
    }
    expect(fake.volumeNames()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('runs a chain strictly in order', async () => {
    const fake = new FakeEngine();
    fake.delay('createVolume', 2);
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const plan = mkPlan(names.map((n, i) => node(n, vol(n), i ? [names[i - 1]!] : [])).reverse());
    clean((await run(plan, fake, { concurrency: 8 })).result);
    expect(fake.calls.map((c) => c.target)).toEqual(names);
    expect(fake.maxInFlight()).toBe(1);
  });
});

describe('execute: the critical path first', () => {
  it('ranks each node by the longest path from it to the end of the plan', () => {
    const nodes = [node('x', vol('x')), node('a', vol('a')), node('b', vol('b'), ['a', 'a']), node('c', vol('c'), ['b']), node('d', vol('d'), ['a'])];
    expect(Object.fromEntries(criticalRanks(nodes))).toEqual({ x: 1, a: 3, b: 2, c: 1, d: 1 });
  });

  it('queued work runs longest path first: a chain does not wait behind independent work queued before it', async () => {
    const fake = new FakeEngine();
    fake.delay('createVolume', 2);
    const plan = mkPlan([node('x1', vol('x1')), node('x2', vol('x2')), node('x3', vol('x3')), node('x4', vol('x4')), node('a', vol('a')), node('b', vol('b'), ['a']), node('c', vol('c'), ['b'])]);
    clean((await run(plan, fake, { concurrency: 1 })).result);
    // x1 was already running when the rest were queued; then the chain as each link is freed
    // (ranks 3, 2), then the rest in the order queued (c, the end of the chain, ranks 1 as they do).
    expect(fake.calls.map((c) => c.target)).toEqual(['x1', 'a', 'b', 'x2', 'x3', 'x4', 'c']);
  });
});

describe('execute: the concurrency limit', () => {
  it('never has more engine calls in flight than the limit', async () => {
    const fake = new FakeEngine();
    fake.delay('createVolume', 15);
    const plan = mkPlan(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].map((n) => node(n, vol(n))));
    clean((await run(plan, fake, { concurrency: 2 })).result);
    expect(fake.callsOf('createVolume')).toHaveLength(6);
    expect(fake.maxInFlight()).toBe(2);
  });

  it('holds the limit while calls are gated: a third call starts only when a slot frees', async () => {
    const fake = new FakeEngine();
    const gate = fake.hold('createVolume', 2);
    const plan = mkPlan(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].map((n) => node(n, vol(n))));
    const r = start(plan, fake, { concurrency: 2 });
    await gate.reached(2);
    await settle();
    expect(fake.calls).toHaveLength(2);
    gate.release();
    clean(await r.done);
    expect(fake.calls).toHaveLength(6);
    expect(fake.maxInFlight()).toBe(2);
  });

  it('does not give a container.wait a slot: other work proceeds while it polls', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting'] });
    const gate = fake.hold({ method: 'createVolume', target: 'x' });
    const plan = mkPlan([node('w', wait(['db'], 'healthy')), node('x', vol('x'))], [grp('w', 'wait', { visible: false })]);
    const r = start(plan, fake, { concurrency: 1 });
    // With the only slot taken by the wait, x could never start before db is healthy.
    await vi.waitFor(() => expect(gate.waiting).toHaveLength(1), { timeout: 2000 });
    expect(fake.callsOf('inspectContainer').length).toBeGreaterThan(0);
    gate.release();
    await vi.waitFor(() => expect(callOn(fake, 'createVolume', 'x').outcome).toBe('ok'));
    fake.setHealth('db', ['healthy']);
    clean(await r.done);
  });
});

describe('execute: failure', () => {
  it('marks the failing group failed with the engine message, skips its dependents, completes independent branches', async () => {
    const fake = new FakeEngine();
    fake.fail({ method: 'createVolume', target: 'a' }, 500, 'boom: disk full');
    fake.delay({ target: 'c' }, 5);
    const plan = mkPlan([node('a', vol('a')), node('b', vol('b'), ['a']), node('b2', vol('b2'), ['b']), node('c', vol('c')), node('d', vol('d'), ['c'])]);
    const { result, events } = await run(plan, fake);

    expect(result.failed.map((f) => [f.group.id, f.message])).toEqual([['a', 'boom: disk full']]);
    expect(ids(result.skipped)).toEqual(['b', 'b2']);
    expect(result.aborted).toBe(false);
    expect(fake.calls.map((c) => c.target).sort()).toEqual(['a', 'c', 'd']);
    expect(fake.volumeNames()).toEqual(['c', 'd']);
    expect(lifecycle(events, 'a')).toEqual(['start:Creating', 'error:boom: disk full']);
    expect(lifecycle(events, 'b')).toEqual([]);
    expect(lifecycle(events, 'd')).toEqual(['start:Creating', 'done:Created']);
  });

  it('fails a step whose host has no engine, with a message naming the host', async () => {
    const fake = new FakeEngine();
    const plan = mkPlan([node('a', { type: 'volume.create', host: 'elsewhere', key: 'a', body: { Name: 'a' } })]);
    const { result } = await run(plan, fake);
    expect(result.failed.map((f) => f.message)).toEqual(['no engine for host elsewhere']);
    expect(fake.calls).toHaveLength(0);
  });
});

/** The five operations of a recreate, all in one group, as the planner lays them out. */
function recreate(group: string, name: string, hash: string): PlanNode[] {
  const tmp = `${name}_tmp`;
  return [
    node(`${group}/create`, createOp(tmp, hash), [], group),
    node(`${group}/stop`, { type: 'container.stop', host: H, name, timeout: 10 }, [`${group}/create`], group),
    node(`${group}/remove`, { type: 'container.remove', host: H, name, volumes: false, force: false }, [`${group}/stop`], group),
    node(`${group}/rename`, { type: 'container.rename', host: H, name: tmp, to: name }, [`${group}/remove`], group),
    node(`${group}/start`, { type: 'container.start', host: H, name }, [`${group}/rename`], group),
  ];
}

describe('execute: events', () => {
  it('a recreate (create, stop, remove, rename, start) emits one start (Recreating) and one done (Recreated)', async () => {
    const fake = new FakeEngine();
    const oldId = fake.seedContainer({ name: 'p-web-1', labels: labels('old') });
    fake.delay(() => true, 2);
    const plan = mkPlan(recreate('web', 'p-web-1', 'new'), [grp('web', 'recreate')]);
    const { result, events } = await run(plan, fake);
    clean(result);
    expect(lifecycle(events, 'web')).toEqual(['start:Recreating', 'done:Recreated']);
    const done = events.find((e) => e.type === 'done');
    expect(done).toMatchObject({ id: 'web', resource: { kind: 'container', name: 'web' } });
    expect(fake.mutatingCalls().map((c) => c.method)).toEqual(['createContainer', 'stopContainer', 'removeContainer', 'renameContainer', 'startContainer']);
    // The fake's state: one container under the name, the new one, running.
    expect(fake.containerNames()).toEqual(['p-web-1']);
    const now = fake.container('p-web-1')!;
    expect(now.id).not.toBe(oldId);
    expect(now.status).toBe('running');
    expect(now.labels[LABEL.configHash]).toBe('new');
  });

  it('emits start before done, with elapsed time from the injected clock', async () => {
    const fake = new FakeEngine();
    let t = 1000;
    const { events } = await run(mkPlan([node('a', vol('a'))]), fake, { now: () => (t += 10) });
    const s = events.find((e) => e.type === 'start');
    const d = events.find((e) => e.type === 'done');
    expect(s && d && s.at < d.at).toBe(true);
    expect(d && d.type === 'done' ? d.elapsedMs : -1).toBeGreaterThan(0);
  });

  it('invisible groups (read-only waits) emit no start or done', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting', 'healthy'] });
    const plan = mkPlan([node('w', wait(['db'], 'healthy')), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: false })]);
    const { result, events } = await run(plan, fake);
    clean(result);
    expect(lifecycle(events, 'w')).toEqual([]);
    expect(lifecycle(events, 'a')).toEqual(['start:Creating', 'done:Created']);
  });

  it('a failing step of a group emits one start and one error, no done; the rest of the group and its dependents do not run', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'p-web-1', labels: labels('old') });
    fake.fail('stopContainer', 500, 'cannot stop container: permission denied');
    const plan = mkPlan([...recreate('web', 'p-web-1', 'new'), node('after', vol('after'), ['web/start'])], [grp('web', 'recreate')]);
    const { result, events } = await run(plan, fake);
    expect(lifecycle(events, 'web')).toEqual(['start:Recreating', 'error:cannot stop container: permission denied']);
    expect(result.failed.map((f) => [f.group.id, f.message])).toEqual([['web', 'cannot stop container: permission denied']]);
    // A failed group is reported once, as failed, not also as skipped.
    expect(ids(result.skipped)).toEqual(['after']);
    expect(fake.mutatingCalls().map((c) => c.method)).toEqual(['createContainer', 'stopContainer']);
  });
});

describe('execute: cancellation', () => {
  /** a and b in flight (held), c and d queued behind the limit of 2, e after a. */
  function cancellable(fake: FakeEngine) {
    const gate = fake.hold((c) => c.target === 'a' || c.target === 'b');
    const plan = mkPlan([node('a', vol('a')), node('b', vol('b')), node('c', vol('c')), node('d', vol('d')), node('e', vol('e'), ['a'])]);
    const controller = new AbortController();
    const r = start(plan, fake, { concurrency: 2, signal: controller.signal });
    return { gate, controller, r };
  }

  it('aborting mid-run starts nothing new, reports aborted: true and the not-started groups as skipped', async () => {
    const fake = new FakeEngine();
    const { gate, controller, r } = cancellable(fake);
    await gate.reached(2);
    controller.abort();
    await settle();
    gate.release();
    const result = await r.done;
    await settle();

    expect(result.aborted).toBe(true);
    expect(fake.calls.map((c) => c.target).sort()).toEqual(['a', 'b']);
    expect(ids(result.skipped)).toEqual(['c', 'd', 'e']);
    expect(result.failed).toEqual([]);
  });

  it('lets in-flight calls finish: execute resolves only after them, and their groups are done, not failed', async () => {
    const fake = new FakeEngine();
    const { gate, controller, r } = cancellable(fake);
    let resolved = false;
    void r.done.then(() => (resolved = true));
    await gate.reached(2);
    controller.abort();
    await settle();
    expect(resolved, 'execute must not return while engine calls are still running').toBe(false);

    gate.release();
    const result = await r.done;
    expect(callOn(fake, 'createVolume', 'a').outcome).toBe('ok');
    expect(callOn(fake, 'createVolume', 'b').outcome).toBe('ok');
    expect(fake.volumeNames()).toEqual(['a', 'b']);
    expect(lifecycle(r.events, 'a')).toEqual(['start:Creating', 'done:Created']);
    expect(lifecycle(r.events, 'b')).toEqual(['start:Creating', 'done:Created']);
    expect(result.failed).toEqual([]);
    expect(result.aborted).toBe(true);
  });

  it('an abort before the run makes zero engine calls and skips every group', async () => {
    const fake = new FakeEngine();
    const controller = new AbortController();
    controller.abort();
    const plan = mkPlan([node('a', vol('a')), node('b', vol('b'), ['a']), node('w', wait(['db'], 'healthy'))]);
    const { result, events } = await run(plan, fake, { signal: controller.signal });
    expect(fake.calls).toHaveLength(0);
    expect(result.aborted).toBe(true);
    expect(ids(result.skipped)).toEqual(['a', 'b', 'w']);
    expect(result.failed).toEqual([]);
    expect(events).toEqual([]);
  });

  it('a read-only wait in progress stops at once on abort and counts as skipped, not failed', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting'] });
    const controller = new AbortController();
    const plan = mkPlan([node('w', wait(['db'], 'healthy')), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: false })]);
    const r = start(plan, fake, { signal: controller.signal, pollMs: 5 });
    await vi.waitFor(() => expect(fake.callsOf('inspectContainer').length).toBeGreaterThan(1));
    controller.abort();
    const result = await r.done;
    expect(result.aborted).toBe(true);
    expect(fake.callsOf('createVolume')).toHaveLength(0);
    expect(result.failed).toEqual([]);
    expect(ids(result.skipped)).toEqual(['a', 'w']);
  });
});

describe('execute: answers the executor interprets', () => {
  it('container.create failing with 409 counts as success when the existing container has the same project/service/number/config-hash', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'p-web-1', labels: labels('h1', { [LABEL.version]: 'other' }) });
    const { result, events } = await run(mkPlan([node('c', createOp('p-web-1', 'h1'))]), fake);
    clean(result);
    expect(callOn(fake, 'createContainer', 'p-web-1').error).toMatchObject({ statusCode: 409 });
    expect(callOn(fake, 'inspectContainer', 'p-web-1').outcome).toBe('ok');
    expect(lifecycle(events, 'c')).toEqual(['start:Creating', 'done:Created']);
    expect(fake.containerNames()).toEqual(['p-web-1']);
  });

  it('container.create failing with 409 fails when the existing container has different labels', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'p-web-1', labels: labels('h0') });
    const { result } = await run(mkPlan([node('c', createOp('p-web-1', 'h1'))]), fake);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.message).toMatch(/Conflict\. The container name "\/p-web-1" is already in use/);
  });

  it('container.create failing with 409 fails for a foreign container without tsfig labels', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'p-web-1' });
    const { result } = await run(mkPlan([node('c', createOp('p-web-1', 'h1'))]), fake);
    expect(result.failed.map((f) => f.group.id)).toEqual(['c']);
  });

  it('other create failures are not retried or excused', async () => {
    const fake = new FakeEngine();
    fake.fail('createContainer', 404, 'No such image: busybox:latest');
    const { result } = await run(mkPlan([node('c', createOp('p-web-1', 'h1'))]), fake);
    expect(result.failed.map((f) => f.message)).toEqual(['No such image: busybox:latest']);
    expect(fake.callsOf('inspectContainer')).toHaveLength(0);
  });

  it('removing an already-removed container (404) counts as success; other remove errors fail', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'p-run-1', status: 'running' });
    const plan = mkPlan([
      node('gone', { type: 'container.remove', host: H, name: 'p-gone-1', volumes: false, force: false }),
      node('running', { type: 'container.remove', host: H, name: 'p-run-1', volumes: false, force: false }),
    ], [grp('gone', 'remove'), grp('running', 'remove')]);
    const { result, events } = await run(plan, fake);
    expect(callOn(fake, 'removeContainer', 'p-gone-1').error).toMatchObject({ statusCode: 404 });
    expect(lifecycle(events, 'gone')).toEqual(['start:Removing', 'done:Removed']);
    expect(result.failed.map((f) => f.group.id)).toEqual(['running']);
    expect(result.failed[0]!.message).toMatch(/cannot remove a running container/);
  });
});

describe('execute: container.wait', () => {
  /** A clock that moves `step` ms every time it is read. */
  function ticking(step: number): () => number {
    let t = 0;
    return () => (t += step);
  }

  it('healthy: succeeds when the container reports healthy after a few polls', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting', 'starting', 'starting', 'healthy'] });
    const plan = mkPlan([node('w', wait(['db'], 'healthy', 10_000)), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: true })]);
    const { result, events } = await run(plan, fake, { now: ticking(1) });
    clean(result);
    expect(fake.callsOf('inspectContainer')).toHaveLength(4);
    expect(events.some((e) => e.type === 'progress' && e.id === 'w' && e.text === 'waiting for db to be healthy')).toBe(true);
    expect(callOn(fake, 'createVolume', 'a').beginSeq).toBeGreaterThan(fake.callsOf('inspectContainer').at(-1)!.endSeq!);
  });

  it('healthy: waits for every named container', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db-1', health: ['healthy'] });
    fake.seedContainer({ name: 'db-2', health: ['starting', 'starting', 'healthy'] });
    const { result } = await run(mkPlan([node('w', wait(['db-1', 'db-2'], 'healthy'))]), fake, { now: ticking(1) });
    clean(result);
    expect(fake.callsOf('inspectContainer').map((c) => c.target)).toEqual(['db-1', 'db-2', 'db-2', 'db-2']);
  });

  it('healthy: fails when the container turns unhealthy, and skips what depends on it', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting', 'unhealthy'] });
    const plan = mkPlan([node('w', wait(['db'], 'healthy')), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: false })]);
    const { result, events } = await run(plan, fake, { now: ticking(1) });
    expect(result.failed.map((f) => [f.group.id, f.message])).toEqual([['w', 'db is unhealthy']]);
    expect(ids(result.skipped)).toEqual(['a']);
    expect(lifecycle(events, 'w')).toEqual(['error:db is unhealthy']);
  });

  it('healthy: fails with a timeout message when the deadline passes', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: ['starting'] });
    const { result } = await run(mkPlan([node('w', wait(['db'], 'healthy', 3000))]), fake, { now: ticking(1000) });
    expect(result.failed.map((f) => f.message)).toEqual(['timed out after 3s waiting for db to be healthy']);
    expect(fake.callsOf('inspectContainer').length).toBeGreaterThan(1);
  });

  it('healthy: fails clearly when the container has no healthcheck', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db' });
    const { result } = await run(mkPlan([node('w', wait(['db'], 'healthy'))]), fake, { now: ticking(1) });
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.message).toMatch(/^db has no healthcheck.*add a healthcheck to service db/);
    expect(fake.callsOf('inspectContainer')).toHaveLength(1);
  });

  it('healthy: fails when the container exits before it became healthy', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', status: 'exited', exitCode: 3, health: ['starting'] });
    const { result } = await run(mkPlan([node('w', wait(['db'], 'healthy'))]), fake, { now: ticking(1) });
    expect(result.failed.map((f) => f.message)).toEqual(['db exited with code 3 before it became healthy']);
  });

  it('healthy: fails when a named container does not exist', async () => {
    const fake = new FakeEngine();
    const { result } = await run(mkPlan([node('w', wait(['db'], 'healthy'))]), fake, { now: ticking(1) });
    expect(result.failed.map((f) => f.message)).toEqual(['No such container: db']);
  });

  it('completed: succeeds once the container exits 0', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'job', status: 'running' });
    const plan = mkPlan([node('w', wait(['job'], 'completed', 60_000, 'job')), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: false })]);
    const r = start(plan, fake, { now: ticking(1) });
    await vi.waitFor(() => expect(fake.callsOf('inspectContainer').length).toBeGreaterThan(2));
    expect(fake.callsOf('createVolume')).toHaveLength(0);
    fake.exit('job', 0);
    clean(await r.done);
    expect(fake.volumeNames()).toEqual(['a']);
  });

  it('completed: fails on exit 1', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'job', status: 'exited', exitCode: 1 });
    const plan = mkPlan([node('w', wait(['job'], 'completed', 60_000, 'job')), node('a', vol('a'), ['w'])], [grp('w', 'wait', { visible: false })]);
    const { result } = await run(plan, fake, { now: ticking(1) });
    expect(result.failed.map((f) => f.message)).toEqual(['job exited with code 1; service_completed_successfully needs 0']);
    expect(ids(result.skipped)).toEqual(['a']);
    expect(fake.callsOf('createVolume')).toHaveLength(0);
  });

  it('completed: a container that was created but never started is still pending, not done', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'job', status: 'created' });
    const { result } = await run(mkPlan([node('w', wait(['job'], 'completed', 2000, 'job'))]), fake, { now: ticking(1000) });
    expect(result.failed.map((f) => f.message)).toEqual(['timed out after 2s waiting for job to be completed']);
  });

  it('a long wait does not pile up abort listeners on the run signal', async () => {
    const fake = new FakeEngine();
    fake.seedContainer({ name: 'db', health: [...Array<string>(20).fill('starting'), 'healthy'] });
    const controller = new AbortController();
    const { result } = await run(mkPlan([node('w', wait(['db'], 'healthy'))]), fake, { signal: controller.signal, now: ticking(1) });
    clean(result);
    expect(fake.callsOf('inspectContainer')).toHaveLength(21);
    // Each poll that ended normally must have removed its listener (Node warns at 11:
    // "MaxListenersExceededWarning: Possible EventTarget memory leak detected", on stderr).
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('execute: idempotence', () => {
  it('a second run of an empty plan makes zero engine calls', async () => {
    const fake = new FakeEngine();
    const first = await run(emptyPlan(), fake);
    const second = await run(emptyPlan(), fake);
    clean(first.result);
    clean(second.result);
    expect(fake.calls).toHaveLength(0);
    expect([...first.events, ...second.events]).toEqual([]);
  });
});

describe('execute: a network with active endpoints', () => {
  const rm = (name: string): Op => ({ type: 'network.remove', host: H, name });

  it('drops endpoints whose container is gone (dockerd 20.10 keeps some) and removes the network', async () => {
    const fake = new FakeEngine();
    await fake.createNetwork({ Name: 'p_default' });
    fake.staleEndpoint('p_default', 'p-web-1');
    const { result } = await run(mkPlan([node('net', rm('p_default'))]), fake);
    clean(result);
    expect(fake.networkNames()).toEqual([]);
    const d = fake.callsOf('disconnectNetwork');
    expect(d.map((c) => c.args)).toEqual([['p_default', 'p-web-1', true]]);
  });

  it('names a live container still attached and leaves it connected', async () => {
    const fake = new FakeEngine();
    await fake.createNetwork({ Name: 'p_default' });
    fake.seedContainer({ name: 'someone-else' });
    fake.attach('p_default', 'someone-else');
    const { result } = await run(mkPlan([node('net', rm('p_default'))]), fake);
    expect(result.failed.map((f) => f.message)).toEqual(['network p_default is still used by container someone-else: disconnect or remove it first']);
    expect(fake.networkNames()).toEqual(['p_default']);
    expect(fake.container('someone-else')!.networks).toEqual(['p_default']);
    expect(fake.callsOf('disconnectNetwork')).toEqual([]);
  });
});

describe('execute: a leaked endpoint count (issue 15 item 6)', () => {
  const rm = (name: string): Op => ({ type: 'network.remove', host: H, name });

  it('a count that settles: removed on a later try, no warning', async () => {
    const fake = new FakeEngine();
    await fake.createNetwork({ Name: 'p_default' });
    fake.leakEndpoints('p_default', 2);
    const { result, events } = await run(mkPlan([node('net', rm('p_default'))]), fake);
    clean(result);
    expect(fake.networkNames()).toEqual([]);
    expect(fake.callsOf('removeNetwork')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'message')).toEqual([]);
  });

  it('a count that never settles: the step ends as Left with one warning saying why and what clears it; not a failure', async () => {
    const fake = new FakeEngine();
    await fake.createNetwork({ Name: 'p_default' });
    fake.leakEndpoints('p_default');
    const { result, events } = await run(mkPlan([node('net', rm('p_default'))]), fake);
    clean(result);
    expect(fake.networkNames()).toEqual(['p_default']);
    expect(fake.callsOf('removeNetwork')).toHaveLength(6);
    const warnings = events.flatMap((e) => (e.type === 'message' && e.level === 'warning' ? [e.text] : []));
    expect(warnings).toEqual([
      'network p_default was left: the engine counts endpoints it does not list (a dockerd 20.10 leak, moby#42119) and refuses to remove it; nothing uses it and the next up reuses it; a restart of dockerd recounts them, then down removes it',
    ]);
    expect(events.flatMap((e) => (e.type === 'done' ? [e.action] : []))).toEqual(['Left']);
  });

  it('a container that joins while it retries is named, and the step fails', async () => {
    const fake = new FakeEngine();
    await fake.createNetwork({ Name: 'p_default' });
    fake.leakEndpoints('p_default', 1);
    fake.seedContainer({ name: 'late' });
    const gate = fake.hold('removeNetwork');
    const r = run(mkPlan([node('net', rm('p_default'))]), fake);
    await gate.reached();
    fake.attach('p_default', 'late');
    gate.release();
    const { result } = await r;
    expect(result.failed.map((f) => f.message)).toEqual(['network p_default is still used by container late: disconnect or remove it first']);
    expect(fake.container('late')!.networks).toEqual(['p_default']);
  });
});

describe('the fake engine', () => {
  it('rejects an aborted call with the signal reason and changes nothing', async () => {
    const fake = new FakeEngine();
    const gate = fake.hold('createVolume');
    const controller = new AbortController();
    const p = fake.createVolume({ Name: 'v' }, { signal: controller.signal });
    await gate.reached();
    controller.abort();
    await expect(p).rejects.toBe(controller.signal.reason);
    expect(fake.calls[0]!.outcome).toBe('aborted');
    expect(fake.volumeNames()).toEqual([]);
  });

  it('does not support streaming methods', async () => {
    const fake = new FakeEngine();
    await expect(fake.logs('x')).rejects.toThrow('not supported by the fake');
    await expect(fake.exec('x', { cmd: ['true'] })).rejects.toThrow('not supported by the fake');
  });
});

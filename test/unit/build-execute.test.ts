/**
 * Image steps in the executor (fake engine): builds and pulls in queues of their own, build
 * output as prefixed lines, credentials handed to pulls, the build stream's messages, and pull
 * progress summed per image.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BuildStream } from '../../src/engine/docker-build.js';
import { EngineError } from '../../src/errors.js';
import { execute, formatBytes, imageLimits, LayerProgress, type ExecuteOptions } from '../../src/reconcile/execute.js';
import type { Op, Plan, PlanGroup, PlanNode } from '../../src/reconcile/plan.js';
import type { ProgressEvent } from '../../src/ui/events.js';
import { FakeEngine } from '../support/fake-engine.js';

const H = 'default';

function contextDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'tsfig-bx-')), 'ctx');
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\n');
  return dir;
}

function buildOp(service: string, context: string): Op {
  return { type: 'image.build', host: H, service, ref: `p-${service}:latest`, build: { context, tags: [`p-${service}:latest`], args: {} } };
}

function plan(entries: Array<{ id: string; op: Op; deps?: string[]; verb?: PlanGroup['verb'] }>): Plan {
  const nodes: PlanNode[] = entries.map((e) => ({ id: e.id, op: e.op, deps: e.deps ?? [], group: e.id }));
  const groups: PlanGroup[] = entries.map((e) => ({ id: e.id, resource: { kind: e.op.type.startsWith('image.') ? 'image' : 'volume', name: e.id }, verb: e.verb ?? 'create', cause: 'test', visible: true }));
  return { nodes, groups, warnings: [], errors: [] };
}

function run(p: Plan, fake: FakeEngine, extra: Partial<ExecuteOptions> = {}) {
  const events: ProgressEvent[] = [];
  const done = execute(p, { engines: { [H]: fake }, concurrency: 1, onEvent: (e) => events.push(e), ...extra });
  return { done, events };
}

describe('execute: image steps', () => {
  it('builds run up to their own limit and hold no slot of the main queue', async () => {
    const ctx = contextDir();
    const fake = new FakeEngine();
    const gate = fake.hold('buildImage');
    const p = plan([
      { id: 'b1', op: buildOp('a', ctx), verb: 'build' },
      { id: 'b2', op: buildOp('b', ctx), verb: 'build' },
      { id: 'b3', op: buildOp('c', ctx), verb: 'build' },
      { id: 'v1', op: { type: 'volume.create', host: H, key: 'v1', body: { Name: 'v1' } } },
      { id: 'v2', op: { type: 'volume.create', host: H, key: 'v2', body: { Name: 'v2' } } },
    ]);
    const r = run(p, fake, { buildConcurrency: 2 });
    await gate.reached(2);
    // The volumes went through the main queue (limit 1) while two builds were held.
    await vi.waitFor(() => expect(fake.volumeNames()).toEqual(['v1', 'v2']));
    expect(fake.inFlight((c) => c.method === 'buildImage')).toHaveLength(2);
    gate.release();
    const result = await r.done;
    expect(result.failed).toEqual([]);
    expect(fake.maxInFlight((c) => c.method === 'buildImage')).toBe(2);
  });

  it('pulls have their own limit too', async () => {
    const fake = new FakeEngine();
    const gate = fake.hold('pullImage');
    const p = plan(['x', 'y', 'z'].map((n) => ({ id: n, op: { type: 'image.pull', host: H, ref: `${n}:1` } as Op, verb: 'pull' as const })));
    const r = run(p, fake, { pullConcurrency: 3 });
    await gate.reached(3);
    gate.release();
    await r.done;
    expect(fake.maxInFlight((c) => c.method === 'pullImage')).toBe(3);
  });

  it('build output goes out as lines with the service prefix; what needs the image waits for the build', async () => {
    const ctx = contextDir();
    const fake = new FakeEngine();
    const p = plan([
      { id: 'b', op: buildOp('web', ctx), verb: 'build' },
      { id: 'c', op: { type: 'container.create', host: H, service: 'web', number: 1, name: 'p-web-1', body: { Image: 'p-web:latest' }, extraNetworks: [] }, deps: ['b'] },
    ]);
    const r = run(p, fake, { buildPrefix: (s) => `${s}  | ` });
    const result = await r.done;
    expect(result.failed).toEqual([]);
    const lines = r.events.filter((e) => e.type === 'message').map((e) => (e as { text: string }).text);
    expect(lines[0]).toMatch(/^web {2}\| Step 1\/1 : FROM busybox \(\d+ bytes of context\)$/);
    expect(lines).toHaveLength(2);
    expect(fake.container('p-web-1')).toBeDefined();
    expect(r.events.filter((e) => e.type === 'done').map((e) => (e as { action: string }).action)).toEqual(['Built', 'Created']);
  });

  it('a context that cannot be packed fails the build step with its reason, and skips what needs it', async () => {
    const fake = new FakeEngine();
    const p = plan([
      { id: 'b', op: buildOp('web', '/nonexistent/tsfig-context'), verb: 'build' },
      { id: 'v', op: { type: 'volume.create', host: H, key: 'v', body: { Name: 'v' } }, deps: ['b'] },
    ]);
    const result = await run(p, fake).done;
    expect(result.failed.map((f) => f.message)).toEqual(['build context /nonexistent/tsfig-context: no such file or directory']);
    expect(result.skipped.map((g) => g.id)).toEqual(['v']);
    expect(fake.callsOf('buildImage')).toEqual([]);
  });

  it('pulls and pushes get the credentials of their registry', async () => {
    const fake = new FakeEngine();
    const pull = vi.spyOn(fake, 'pullImage');
    const push = vi.spyOn(fake, 'pushImage').mockResolvedValue();
    const auth = vi.fn(async (ref: string) => (ref.startsWith('reg.local') ? { username: 'u', password: 'p', serveraddress: 'reg.local' } : undefined));
    const p = plan([
      { id: 'a', op: { type: 'image.pull', host: H, ref: 'reg.local/app:1' }, verb: 'pull' },
      { id: 'b', op: { type: 'image.pull', host: H, ref: 'busybox:latest' }, verb: 'pull' },
      { id: 'c', op: { type: 'image.push', host: H, ref: 'reg.local/app:1' }, verb: 'push' },
    ]);
    const result = await run(p, fake, { registryAuth: auth }).done;
    expect(result.failed).toEqual([]);
    expect(pull.mock.calls.find((c) => c[0] === 'reg.local/app:1')?.[2]).toMatchObject({ auth: { username: 'u', password: 'p' } });
    expect(pull.mock.calls.find((c) => c[0] === 'busybox:latest')?.[2]?.auth).toBeUndefined();
    expect(push.mock.calls[0]?.[2]).toMatchObject({ auth: { username: 'u' } });
  });

  it('pull progress is one line per image with bytes', async () => {
    const fake = new FakeEngine();
    const p = plan([{ id: 'a', op: { type: 'image.pull', host: H, ref: 'x:1' }, verb: 'pull' }]);
    const r = run(p, fake);
    await r.done;
    const progress = r.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => e.resource.name === 'a')).toBe(true);
  });

  it('limits from the environment', () => {
    expect(imageLimits({})).toEqual({ pullConcurrency: 4, buildConcurrency: 4 });
    expect(imageLimits({ TSFIG_PULL_PARALLEL_LIMIT: '2', TSFIG_BUILD_PARALLEL_LIMIT: '1' })).toEqual({ pullConcurrency: 2, buildConcurrency: 1 });
    expect(imageLimits({ TSFIG_PULL_PARALLEL_LIMIT: '', TSFIG_BUILD_PARALLEL_LIMIT: ' ' })).toEqual({ pullConcurrency: 4, buildConcurrency: 4 });
    // A value that means nothing is a usage error (exit 2), not silently the default.
    expect(() => imageLimits({ TSFIG_PULL_PARALLEL_LIMIT: 'x' })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => imageLimits({ TSFIG_BUILD_PARALLEL_LIMIT: '0' })).toThrow(/TSFIG_BUILD_PARALLEL_LIMIT/);
  });
});

describe('LayerProgress', () => {
  it('sums the layers of a pull: layers done, bytes so far of bytes in all', () => {
    const l = new LayerProgress('Downloading');
    expect(l.feed({ status: 'Pulling from library/app', id: 'latest' })).toEqual({ text: 'Pulling from library/app' });
    l.feed({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' });
    l.feed({ status: 'Already exists', id: 'bbbbbbbbbbbb' });
    expect(l.feed({ status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 500, total: 2000 } })).toEqual({ text: 'Downloading 1/2 layers 500B/2.00kB', current: 500, total: 2000 });
    l.feed({ status: 'Pulling fs layer', id: 'cccccccccccc' });
    expect(l.feed({ status: 'Downloading', id: 'cccccccccccc', progressDetail: { current: 1000, total: 3_000_000 } })).toEqual({ text: 'Downloading 1/3 layers 1.50kB/3.00MB', current: 1500, total: 3_002_000 });
    l.feed({ status: 'Download complete', id: 'aaaaaaaaaaaa' });
    l.feed({ status: 'Pull complete', id: 'aaaaaaaaaaaa' });
    l.feed({ status: 'Download complete', id: 'cccccccccccc' });
    expect(l.feed({ status: 'Pull complete', id: 'cccccccccccc' })).toEqual({ text: 'Downloading 3/3 layers 3.00MB/3.00MB', current: 3_002_000, total: 3_002_000 });
  });

  it('formats bytes in decimal units', () => {
    expect([0, 999, 1000, 15_300, 123_456_789, 2e12].map(formatBytes)).toEqual(['0B', '999B', '1.00kB', '15.3kB', '123.5MB', '2.00TB']);
  });
});

describe('BuildStream', () => {
  it('splits output into lines across messages and picks up the image ID', () => {
    const lines: string[] = [];
    const s = new BuildStream((p) => p.line !== undefined && lines.push(p.line));
    s.feed({ stream: 'Step 1/2 : FROM busybox\n ---> abc\nStep 2/2 : RUN ec' });
    s.feed({ stream: 'ho hi\n' });
    s.feed({ stream: 'hi\r\n' });
    s.feed({ aux: { ID: 'sha256:' + 'f'.repeat(64) } });
    s.feed({ stream: 'Successfully built ffffffffffff\n' });
    expect(s.finish()).toEqual({ id: 'sha256:' + 'f'.repeat(64) });
    expect(lines).toEqual(['Step 1/2 : FROM busybox', ' ---> abc', 'Step 2/2 : RUN echo hi', 'hi', 'Successfully built ffffffffffff']);
  });

  it('a failure names the step that failed', () => {
    const s = new BuildStream(undefined);
    s.feed({ stream: 'Step 1/3 : FROM busybox\n' });
    s.feed({ stream: 'Step 2/3 : RUN exit 3\n' });
    expect(() => s.feed({ errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: 'x' })).toThrow(
      new EngineError("build failed: Step 2/3 : RUN exit 3: The command '/bin/sh -c exit 3' returned a non-zero code: 3"),
    );
  });

  it('an engine that sends no aux ID: the short ID of "Successfully built"; none at all is an error', () => {
    const s = new BuildStream(undefined);
    s.feed({ stream: 'Successfully built 0123456789ab\n' });
    expect(s.finish()).toEqual({ id: '0123456789ab' });
    expect(() => new BuildStream(undefined).finish()).toThrow(/the engine reported no image/);
  });

  it('FROM pulls come through as pull progress', () => {
    const pulls: unknown[] = [];
    const s = new BuildStream((p) => p.pull && pulls.push(p.pull));
    s.feed({ status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 1, total: 2 }, progress: '[=>  ]' });
    expect(pulls).toEqual([{ status: 'Downloading', id: 'aaaaaaaaaaaa', progress: '[=>  ]', progressDetail: { current: 1, total: 2 } }]);
  });
});

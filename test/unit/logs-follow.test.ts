/**
 * The follower's logic against a scripted engine (logs with `since`/`tail` filtering, follow
 * streams, events). It proves the bookkeeping (resume points, dedupe, discovery, ordering of
 * subscribe and list); the engine's real behaviour is proved by test/e2e/logs.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ContainerInspect, ContainerSummary, EngineEvent, EventStream, LogsOptions } from '../../src/engine/engine.js';
import { inspectOf, summaryOf } from '../support/fake-engine.js';
import { frame } from '../../src/engine/streams.js';
import { LogFollower, type FollowOptions, type LogsEngine } from '../../src/logs/follow.js';
import { parseTimeArg } from '../../src/logs/time.js';
import { eventually } from '../support/sync.js';

interface Entry {
  stream: 'stdout' | 'stderr';
  ns: bigint;
  line: string;
}

interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  log: Entry[];
  follows: Set<PassThrough>;
}

const BASE = BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n;

function stamp(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

class ScriptedEngine implements LogsEngine {
  readonly calls: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  private clock = BASE;
  private subscribers = new Set<{ push: (e: EngineEvent) => void; end: () => void }>();
  /** Called inside listContainers (after the subscription): something happens meanwhile. */
  duringList: (() => void) | undefined;

  constructor(private readonly project: string) {}

  add(name: string, service: string, number = 1, running = true): FakeContainer {
    const c: FakeContainer = {
      id: `${name}-id-${this.containers.size}`,
      name,
      labels: { 'io.tsfig.project': this.project, 'io.tsfig.service': service, 'io.tsfig.number': String(number), 'io.tsfig.oneoff': 'False' },
      running,
      log: [],
      follows: new Set(),
    };
    this.containers.set(c.id, c);
    return c;
  }

  write(c: FakeContainer, line: string, stream: 'stdout' | 'stderr' = 'stdout', deliver = true): void {
    this.clock += 1_000_000n;
    const e = { stream, ns: this.clock, line };
    c.log.push(e);
    if (deliver) for (const f of c.follows) f.write(this.frame(e));
  }

  private frame(e: Entry): Buffer {
    return frame(e.stream, `${stamp(e.ns)} ${e.line}\n`);
  }

  event(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const e: EngineEvent = { type: 'container', action, id: c.id, attributes: { ...c.labels, name: c.name, ...extra }, time: 0, timeNano: 0 };
    for (const s of this.subscribers) s.push(e);
  }

  start(c: FakeContainer): void {
    c.running = true;
    this.event(c, 'start');
  }

  stop(c: FakeContainer): void {
    c.running = false;
    for (const f of c.follows) f.end();
    c.follows.clear();
    this.event(c, 'die', { exitCode: '0' });
  }

  destroy(c: FakeContainer): void {
    this.containers.delete(c.id);
    this.event(c, 'destroy');
  }

  // ---------------------------------------------------------------- the Engine subset

  async listContainers(): Promise<ContainerSummary[]> {
    this.calls.push('list');
    this.duringList?.();
    return [...this.containers.values()].map((c) => summaryOf({ id: c.id, names: [c.name], labels: c.labels, state: c.running ? 'running' : 'exited' }));
  }

  async inspectContainer(id: string): Promise<ContainerInspect> {
    const c = this.containers.get(id);
    if (!c) throw Object.assign(new Error('no such container'), { statusCode: 404 });
    return inspectOf({ id, state: { running: c.running, restarting: false, exitCode: 0 } });
  }

  async events(opts: { signal?: AbortSignal }): Promise<EventStream> {
    this.calls.push('events');
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const sub = {
      push: (e: EngineEvent) => {
        queue.push(e);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    this.subscribers.add(sub);
    opts.signal?.addEventListener('abort', sub.end, { once: true });
    const subscribers = this.subscribers;
    return {
      close: sub.end,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length) yield queue.shift()!;
            if (ended) return;
            await new Promise<void>((r) => (wake = r));
          }
        } finally {
          subscribers.delete(sub);
        }
      },
    };
  }

  async logs(id: string, opts: LogsOptions): Promise<NodeJS.ReadableStream> {
    this.calls.push(`logs ${this.containers.get(id)?.name} follow=${opts.follow === true} since=${opts.since ?? '-'} tail=${opts.tail ?? '-'}`);
    const c = this.containers.get(id);
    if (!c) throw Object.assign(new Error('no such container'), { statusCode: 404 });
    const out = new PassThrough();
    const since = opts.since !== undefined ? parseTimeArg(String(opts.since))! : undefined;
    let entries = c.log.filter((e) => since === undefined || e.ns >= since);
    if (typeof opts.tail === 'number') entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
    for (const e of entries) out.write(this.frame(e));
    if (opts.follow && c.running) {
      c.follows.add(out);
      opts.signal?.addEventListener('abort', () => {
        c.follows.delete(out);
        out.end();
      });
    } else out.end();
    return out;
  }
}

function follower(engine: ScriptedEngine, opts: Partial<FollowOptions> = {}) {
  let out = '';
  let last = '';
  let err = '';
  const f = new LogFollower({
    hosts: [{ name: 'default', endpoint: 'fake', engine }],
    project: 'p',
    out: (s) => {
      out += s;
      last = s;
    },
    err: (s) => (err += s),
    ...opts,
  });
  return { f, out: () => out, err: () => err, last: () => last };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  await eventually(() => expect(cond(), what).toBe(true), { interval: 5, timeout: 2000, message: `waiting for ${what}` });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('LogFollower (scripted engine)', () => {
  it('without -f: every container once, prefixed and padded, --tail per container, then the end', async () => {
    const e = new ScriptedEngine('p');
    const web = e.add('p-web-1', 'web');
    const db = e.add('p-database-1', 'database', 1, false);
    for (let i = 0; i < 5; i++) e.write(web, `w${i}`);
    for (let i = 0; i < 5; i++) e.write(db, `d${i}`, 'stderr');
    const { f, out } = follower(e, { tail: 2 });
    const r = await f.run();
    expect(r).toMatchObject({ problems: 0, aborted: false, lines: 4 });
    expect(lines(out()).sort()).toEqual(['p-database-1 | d3', 'p-database-1 | d4', 'p-web-1      | w3', 'p-web-1      | w4']);
    expect(e.calls.filter((c) => c === 'events')).toEqual([]);
  });

  it('selects services, --index, and never one-off containers', async () => {
    const e = new ScriptedEngine('p');
    e.write(e.add('p-web-1', 'web', 1), 'one');
    e.write(e.add('p-web-2', 'web', 2), 'two');
    e.write(e.add('p-db-1', 'db'), 'db');
    const run = e.add('p-web-run-1234', 'web', 1);
    run.labels['io.tsfig.oneoff'] = 'True';
    e.write(run, 'oneoff');
    const { f, out } = follower(e, { services: ['web'], index: 2 });
    await f.run();
    expect(out()).toBe('p-web-2 | two\n');
  });

  it('-f: subscribes to events before listing, and follows a container started in between', async () => {
    const e = new ScriptedEngine('p');
    const web = e.add('p-web-1', 'web');
    e.write(web, 'w0');
    let late: FakeContainer | undefined;
    e.duringList = () => {
      e.duringList = undefined;
      late = e.add('p-worker-1', 'worker', 1, false);
      e.write(late, 'early line');
      e.start(late);
    };
    const { f, out } = follower(e, { follow: true });
    const done = f.run();
    await until(() => out().includes('early line') && out().includes('w0'), 'both containers');
    expect(e.calls.indexOf('events')).toBeLessThan(e.calls.indexOf('list'));
    f.stop();
    await done;
  });

  it('-f: across restarts no line is repeated or lost, also when a follow stream misses its last lines', async () => {
    const e = new ScriptedEngine('p');
    const web = e.add('p-web-1', 'web');
    let n = 0;
    const burst = (k: number, deliver = true) => {
      for (let i = 0; i < k; i++) e.write(web, `n=${n++}`, n % 4 === 0 ? 'stderr' : 'stdout', deliver);
    };
    burst(10);
    const { f, out } = follower(e, { follow: true, prefix: false });
    const done = f.run();
    await until(() => lines(out()).length === 10, 'the first lines');
    for (let restart = 0; restart < 3; restart++) {
      burst(5);
      burst(3, false); // written, but the follow stream ends before delivering them
      e.stop(web);
      e.start(web);
      burst(5);
    }
    e.stop(web); // and stays stopped: the follower waits for it
    await until(() => lines(out()).length === n, `all ${n} lines`);
    expect(lines(out())).toEqual(Array.from({ length: n }, (_, i) => `n=${i}`));
    // Resumes start from the cursor, without --tail.
    const reads = e.calls.filter((c) => c.startsWith('logs'));
    expect(reads.length).toBeGreaterThan(1);
    for (const r of reads.slice(1)) expect(r).toMatch(/since=\d+\.\d{9} tail=-$/);
    f.stop();
    await done;
  });

  it('-f: a recreated container (new id, same name) and a scaled-up one are followed from their first line', async () => {
    const e = new ScriptedEngine('p');
    const old = e.add('p-web-1', 'web');
    e.write(old, 'old 1');
    const { f, out } = follower(e, { follow: true, tail: 0 });
    const done = f.run();
    await until(() => e.calls.some((c) => c.startsWith('logs p-web-1')), 'the first stream');
    e.write(old, 'old 2');
    // Recreate: the replacement is created under a temporary name, renamed, then started.
    const repl = e.add('p-web-1_tsfig-new-abc', 'web', 1, false);
    e.event(repl, 'create');
    e.write(old, 'old 3');
    e.stop(old);
    e.destroy(old);
    repl.name = 'p-web-1';
    e.event(repl, 'rename', { oldName: '/p-web-1_tsfig-new-abc' });
    e.write(repl, 'new 1');
    e.start(repl);
    e.write(repl, 'new 2');
    const second = e.add('p-web-2', 'web', 2, false);
    e.write(second, 'second 1');
    e.start(second);
    await until(() => lines(out()).length === 5, 'five lines');
    const got = lines(out());
    // tail 0 skipped "old 1"; everything after it is there once.
    expect(got.filter((l) => l.startsWith('p-web-1 '))).toEqual(['p-web-1 | old 2', 'p-web-1 | old 3', 'p-web-1 | new 1', 'p-web-1 | new 2']);
    expect(got).toContain('p-web-2 | second 1');
    expect(f.containers().map((c) => c.id).sort()).toEqual([repl.id, second.id].sort());
    f.stop();
    await done;
  });

  it('-f: while the output is congested, nothing more is read; reading goes on once it drains', async () => {
    const e = new ScriptedEngine('p');
    const web = e.add('p-web-1', 'web');
    const worker = e.add('p-worker-1', 'worker');
    e.write(web, 'first');
    let release: (() => void) | undefined;
    let congested = true;
    const { f, out, last } = follower(e, {
      follow: true,
      // asked right after a stream's output is printed: only web's stream finds it congested
      congested: () => (congested && last().startsWith('p-web-1 ') ? new Promise<void>((r) => (release = r)) : undefined),
    });
    const done = f.run();
    await until(() => out().includes('first') && release !== undefined, 'the first line, then a wait');
    e.write(web, 'second');
    // Lines written after it on another stream arrive: had web's stream been read, "second" would be there.
    e.write(worker, 'later 1');
    await until(() => out().includes('later 1'), 'a later line of another container');
    e.write(worker, 'later 2');
    await until(() => out().includes('later 2'), 'a second later line');
    expect(out()).not.toContain('second');
    congested = false;
    release!();
    await until(() => out().includes('second'), 'the line after the drain');
    f.stop();
    await done;
  });

  it('an abort ends everything at once', async () => {
    const e = new ScriptedEngine('p');
    e.write(e.add('p-web-1', 'web'), 'x');
    const ac = new AbortController();
    const { f, out } = follower(e, { follow: true, signal: ac.signal });
    const done = f.run();
    await until(() => out() !== '', 'a line');
    ac.abort();
    expect((await done).aborted).toBe(true);
  });
});

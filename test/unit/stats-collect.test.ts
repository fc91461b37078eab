/** The sampling side of `tsfig stats` against a scripted engine (only `stats` is called). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { ContainerStats, StatsOptions, StatsStream } from '../../src/engine/engine.js';
import { EngineError } from '../../src/errors.js';
import { sampleOnce, StatsWatch, type StatsEngine, type StatsTarget } from '../../src/stats/collect.js';
import { ZERO_ENTRY } from '../../src/stats/compute.js';
import { eventually } from '../support/sync.js';

const here = dirname(fileURLToPath(import.meta.url));
const busy = JSON.parse(readFileSync(join(here, 'testdata', 'stats-cgroup-v1-busy.json'), 'utf8')) as ContainerStats;
/** The first sample of a stream: no previous CPU reading. */
const firstOfStream: ContainerStats = { ...busy, precpu_stats: { cpu_usage: { total_usage: 0 } } };

/** A stream the test feeds. */
class Feed implements StatsStream {
  closed = false;
  private queue: ContainerStats[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly idle: Array<() => void> = [];
  push(s: ContainerStats): void {
    this.queue.push(s);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  close(): void {
    this.closed = true;
    this.end();
  }
  /**
   * A gate: resolves once the reader has handled every sample pushed so far and asks for the
   * next (it reads one sample at a time), or has finished the stream.
   */
  consumed(): Promise<void> {
    return new Promise((r) => this.idle.push(r));
  }
  private settle(): void {
    for (const r of this.idle.splice(0)) r();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<ContainerStats> {
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.ended) return;
        this.settle();
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.settle();
    }
  }
}

class ScriptedEngine implements StatsEngine {
  calls: Array<{ id: string; opts: StatsOptions | undefined }> = [];
  feeds = new Map<string, Feed>();
  answers = new Map<string, ContainerStats | Error>();
  private readonly openers = new Map<string, Array<(f: Feed) => void>>();
  /** A gate: the next stream opened for `id`, once the watch opens it. */
  nextStream(id: string): Promise<Feed> {
    return new Promise((r) => this.openers.set(id, [...(this.openers.get(id) ?? []), r]));
  }
  async stats(id: string, opts?: StatsOptions): Promise<StatsStream> {
    this.calls.push({ id, opts });
    const a = this.answers.get(id);
    if (a instanceof Error) throw a;
    if (opts?.stream === true) {
      const f = new Feed();
      this.feeds.set(id, f);
      for (const open of this.openers.get(id)?.splice(0) ?? []) open(f);
      return f;
    }
    const f = new Feed();
    if (a !== undefined) f.push(a);
    f.end();
    return f;
  }
}

const target = (id: string, live = true, host = 'default'): StatsTarget => ({ id, name: `p-${id}-1`, service: id, host, live });

describe('sampleOnce (--no-stream)', () => {
  it('asks each running container for one two-reading sample; stopped ones are zeros without a call; sorted by name', async () => {
    const e = new ScriptedEngine();
    e.answers.set('web', busy);
    const rows = await sampleOnce([target('web'), target('db', false)], { default: e });
    expect(e.calls).toEqual([{ id: 'web', opts: { stream: false } }]);
    expect(rows.map((r) => r.name)).toEqual(['p-db-1', 'p-web-1']);
    expect(rows[0]!.entry).toEqual(ZERO_ENTRY);
    expect(rows[1]!.entry?.cpuPercent).toBeGreaterThan(90);
  });

  it('a container removed meanwhile is left out; another failure leaves -- and a warning', async () => {
    const e = new ScriptedEngine();
    e.answers.set('gone', new EngineError('No such container: gone', 404));
    e.answers.set('sick', new EngineError('boom', 500));
    const warnings: string[] = [];
    const rows = await sampleOnce([target('gone'), target('sick')], { default: e }, { warn: (w) => warnings.push(w) });
    expect(rows.map((r) => [r.name, r.entry])).toEqual([['p-sick-1', undefined]]);
    expect(warnings).toEqual(['p-sick-1: boom']);
  });

  it('each container is asked on its own host', async () => {
    const a = new ScriptedEngine();
    const b = new ScriptedEngine();
    a.answers.set('web', busy);
    b.answers.set('db', busy);
    await sampleOnce([target('web', true, 'a'), target('db', true, 'b')], { a: a, b: b });
    expect(a.calls.map((c) => c.id)).toEqual(['web']);
    expect(b.calls.map((c) => c.id)).toEqual(['db']);
  });
});

describe('StatsWatch (streaming)', () => {
  it('skips the first sample of a stream (no CPU %), then shows the latest', async () => {
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e } });
    const opened = e.nextStream('web');
    w.update([target('web')]);
    const feed = await opened;
    // A one-shot sample to go with the stream's first one (it has none here), and the stream.
    expect(e.calls).toEqual([
      { id: 'web', opts: { stream: false, oneShot: true } },
      { id: 'web', opts: { stream: true } },
    ]);
    feed.push(firstOfStream);
    await feed.consumed();
    expect(w.rows()[0]!.entry).toBeUndefined();
    feed.push(busy);
    await feed.consumed();
    expect(w.rows()[0]!.entry?.cpuPercent).toBeCloseTo(97.46, 1);
    w.close();
    expect(e.feeds.get('web')!.closed).toBe(true);
  });

  it('the first sample of a stream gets the one-shot sample taken before it as its previous reading', async () => {
    const e = new ScriptedEngine();
    const read = Date.parse(busy.read!);
    // The one-shot reading: 1 s before the stream's first sample, the CPU counters 1 s earlier.
    const earlier: ContainerStats = { ...busy, read: new Date(read - 1000).toISOString(), cpu_stats: busy.precpu_stats!, precpu_stats: {} };
    e.answers.set('web', earlier);
    const w = new StatsWatch({ engines: { default: e } });
    const opened = e.nextStream('web');
    w.update([target('web')]);
    const feed = await opened;
    feed.push(firstOfStream);
    await feed.consumed();
    expect(w.rows()[0]!.entry?.cpuPercent).toBeCloseTo(97.46, 1);
    w.close();
  });

  it('ready() waits for every container\'s first numbers, or the timeout', async () => {
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e } });
    const opened = Promise.all([e.nextStream('web'), e.nextStream('db')]);
    w.update([target('web'), target('db')]);
    let ready = false;
    const p = w.ready(10_000).then(() => (ready = true));
    const [web, db] = await opened;
    web.push(busy);
    await web.consumed();
    expect(ready).toBe(false);
    db.push(busy);
    await p;
    expect(ready).toBe(true);
    // A container without numbers: ready() gives up at its timeout, not before.
    vi.useFakeTimers();
    try {
      w.update([target('web'), target('db'), target('late')]);
      let gaveUp = false;
      const late = w.ready(50).then(() => (gaveUp = true));
      await vi.advanceTimersByTimeAsync(49);
      expect(gaveUp).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await late;
    } finally {
      vi.useRealTimers();
    }
    w.close();
  });

  it('follows the list: new containers get a stream, gone ones lose theirs, stopped ones show zeros', async () => {
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e } });
    const web = e.nextStream('web');
    w.update([target('web')]);
    await web;
    const db = e.nextStream('db');
    w.update([target('web'), target('db')]);
    await db;
    expect(e.calls.filter((c) => c.opts?.stream === true).map((c) => c.id)).toEqual(['web', 'db']);
    w.update([target('db', false)]);
    expect(e.feeds.get('web')!.closed).toBe(true);
    expect(e.feeds.get('db')!.closed).toBe(true);
    expect(w.rows()).toEqual([{ id: 'db', name: 'p-db-1', service: 'db', host: 'default', entry: ZERO_ENTRY }]);
    w.close();
  });

  it('a stream that ended is reopened at the next update; numbers that stop coming go stale', async () => {
    let now = 1000;
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e }, staleMs: 5000, now: () => now });
    const opened = e.nextStream('web');
    w.update([target('web')]);
    const feed = await opened;
    feed.push(busy);
    await feed.consumed();
    feed.end();
    await feed.consumed();
    expect(w.rows()[0]!.entry).toBeDefined();
    now += 6000;
    expect(w.rows()[0]!.entry).toBeUndefined();
    // Once the watch has seen the end (a moment after the stream's), an update opens a new stream.
    await eventually(
      () => {
        w.update([target('web')]);
        expect(e.calls.filter((c) => c.opts?.stream === true).length).toBe(2);
      },
      { interval: 1, timeout: 2000 },
    );
    w.close();
  });

  it('a failing stream is reported; a container that went away (404) is not', async () => {
    const e = new ScriptedEngine();
    e.answers.set('sick', new EngineError('boom', 500));
    e.answers.set('gone', new EngineError('No such container', 404));
    const warnings: string[] = [];
    const w = new StatsWatch({ engines: { default: e }, warn: (t) => warnings.push(t) });
    w.update([target('sick'), target('gone')]);
    await w.ready(1000);
    expect(warnings).toEqual(['p-sick-1: boom']);
    w.close();
  });
});

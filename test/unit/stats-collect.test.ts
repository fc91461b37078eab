/** The sampling side of `tsfig stats` against a scripted engine (only `stats` is called). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ContainerStats, StatsOptions, StatsStream } from '../../src/engine/engine.js';
import { EngineError } from '../../src/errors.js';
import { sampleOnce, StatsWatch, type StatsEngine, type StatsTarget } from '../../src/stats/collect.js';
import { ZERO_ENTRY } from '../../src/stats/compute.js';

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
  async *[Symbol.asyncIterator](): AsyncGenerator<ContainerStats> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

class ScriptedEngine implements StatsEngine {
  calls: Array<{ id: string; opts: StatsOptions | undefined }> = [];
  feeds = new Map<string, Feed>();
  answers = new Map<string, ContainerStats | Error>();
  async stats(id: string, opts?: StatsOptions): Promise<StatsStream> {
    this.calls.push({ id, opts });
    const a = this.answers.get(id);
    if (a instanceof Error) throw a;
    if (opts?.stream === true) {
      const f = new Feed();
      this.feeds.set(id, f);
      return f;
    }
    const f = new Feed();
    if (a !== undefined) f.push(a);
    f.end();
    return f;
  }
}

const target = (id: string, live = true, host = 'default'): StatsTarget => ({ id, name: `p-${id}-1`, service: id, host, live });
const tick = () => new Promise((r) => setTimeout(r, 5));

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
    w.update([target('web')]);
    await tick();
    // A one-shot sample to go with the stream's first one (it has none here), and the stream.
    expect(e.calls).toEqual([
      { id: 'web', opts: { stream: false, oneShot: true } },
      { id: 'web', opts: { stream: true } },
    ]);
    e.feeds.get('web')!.push(firstOfStream);
    await tick();
    expect(w.rows()[0]!.entry).toBeUndefined();
    e.feeds.get('web')!.push(busy);
    await tick();
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
    w.update([target('web')]);
    await tick();
    e.feeds.get('web')!.push(firstOfStream);
    await tick();
    expect(w.rows()[0]!.entry?.cpuPercent).toBeCloseTo(97.46, 1);
    w.close();
  });

  it('ready() waits for every container\'s first numbers, or the timeout', async () => {
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e } });
    w.update([target('web'), target('db')]);
    let ready = false;
    const p = w.ready(10_000).then(() => (ready = true));
    await tick();
    e.feeds.get('web')!.push(busy);
    await tick();
    expect(ready).toBe(false);
    e.feeds.get('db')!.push(busy);
    await p;
    expect(ready).toBe(true);
    const started = Date.now();
    w.update([target('web'), target('db'), target('late')]);
    await w.ready(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    w.close();
  });

  it('follows the list: new containers get a stream, gone ones lose theirs, stopped ones show zeros', async () => {
    const e = new ScriptedEngine();
    const w = new StatsWatch({ engines: { default: e } });
    w.update([target('web')]);
    await tick();
    w.update([target('web'), target('db')]);
    await tick();
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
    w.update([target('web')]);
    await tick();
    e.feeds.get('web')!.push(busy);
    await tick();
    e.feeds.get('web')!.end();
    await tick();
    expect(w.rows()[0]!.entry).toBeDefined();
    now += 6000;
    expect(w.rows()[0]!.entry).toBeUndefined();
    w.update([target('web')]);
    await tick();
    expect(e.calls.filter((c) => c.opts?.stream === true).length).toBe(2);
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

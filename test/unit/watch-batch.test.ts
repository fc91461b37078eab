import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, DEFAULT_BURST_QUIET_MS, DEFAULT_FEW_PATHS, DEFAULT_MAX_WAIT_MS, DEFAULT_QUIET_MS, type Change } from '../../src/watch/batch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder(handler?: (c: Change[]) => Promise<void>) {
  const batches: Change[][] = [];
  const b = new Batcher({
    quietMs: 300,
    maxWaitMs: 2000,
    onBatch: async (c) => {
      batches.push(c);
      if (handler) await handler(c);
    },
  });
  return { b, batches };
}

describe('debounce and batching', () => {
  it('hands a batch over once no event came for the quiet period', async () => {
    const { b, batches } = recorder();
    b.push({ path: '/a', kind: 'change' });
    await vi.advanceTimersByTimeAsync(200);
    b.push({ path: '/b', kind: 'add' });
    await vi.advanceTimersByTimeAsync(299);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[{ path: '/a', kind: 'change' }, { path: '/b', kind: 'add' }]]);
  });

  it('a path appears once, with its last event, in the place it was first seen', async () => {
    const { b, batches } = recorder();
    b.push({ path: '/a', kind: 'add' });
    b.push({ path: '/b', kind: 'change' });
    b.push({ path: '/a', kind: 'unlink' });
    await vi.advanceTimersByTimeAsync(300);
    expect(batches).toEqual([[{ path: '/a', kind: 'unlink' }, { path: '/b', kind: 'change' }]]);
  });

  it('a steady stream of events still gets a batch every maxWait', async () => {
    const { b, batches } = recorder();
    for (let t = 0; t < 2500; t += 100) {
      b.push({ path: `/f${t}`, kind: 'change' });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(batches.length).toBe(1);
    expect(batches[0]!.length).toBe(20); // events at 0..1900 ms: handed over at 2000 ms
    await vi.advanceTimersByTimeAsync(300);
    expect(batches.length).toBe(2);
  });

  it('1000 changes in a burst are one batch', async () => {
    const { b, batches } = recorder();
    for (let i = 0; i < 1000; i++) b.push({ path: `/src/f${i}.js`, kind: 'change' });
    await vi.advanceTimersByTimeAsync(300);
    expect(batches.length).toBe(1);
    expect(batches[0]!.length).toBe(1000);
  });

  it('batches never overlap: events during a handler gather into the next batch, handed over after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let maxRunning = 0;
    const { b, batches } = recorder(async (c) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (c[0]!.path === '/first') await gate;
      running--;
    });
    b.push({ path: '/first', kind: 'change' });
    await vi.advanceTimersByTimeAsync(300);
    expect(batches.length).toBe(1);
    b.push({ path: '/x', kind: 'change' });
    b.push({ path: '/y', kind: 'change' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(batches.length).toBe(1); // still busy
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.length).toBe(2);
    expect(batches[1]!.map((c) => c.path)).toEqual(['/x', '/y']);
    expect(maxRunning).toBe(1);
  });

  it('a failing handler does not stop later batches; close drops what is pending', async () => {
    const { b, batches } = recorder(async () => {
      throw new Error('boom');
    });
    b.push({ path: '/a', kind: 'change' });
    await vi.advanceTimersByTimeAsync(300);
    b.push({ path: '/b', kind: 'change' });
    await vi.advanceTimersByTimeAsync(300);
    expect(batches.length).toBe(2);
    b.push({ path: '/c', kind: 'change' });
    await b.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches.length).toBe(2);
    b.push({ path: '/d', kind: 'change' });
    expect(b.size).toBe(0);
  });

  it('flush hands over at once; idle resolves when everything is handled', async () => {
    const { b, batches } = recorder();
    b.push({ path: '/a', kind: 'change' });
    b.flush();
    await b.idle();
    expect(batches.length).toBe(1);
  });
});

describe('the adaptive quiet period (the defaults of the dev loop)', () => {
  function adaptive() {
    const batches: Change[][] = [];
    const b = new Batcher({ quietMs: DEFAULT_QUIET_MS, burstQuietMs: DEFAULT_BURST_QUIET_MS, onBatch: (c) => void batches.push(c) });
    return { b, batches };
  }

  it('a lone save goes after the short quiet period', async () => {
    const { b, batches } = adaptive();
    b.push({ path: '/src/app.js', kind: 'change' });
    await vi.advanceTimersByTimeAsync(DEFAULT_QUIET_MS - 1);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[{ path: '/src/app.js', kind: 'change' }]]);
    expect(DEFAULT_QUIET_MS).toBeLessThanOrEqual(50);
  });

  it("an editor's save (temporary file, rename over the original, backup) is one batch", async () => {
    const { b, batches } = adaptive();
    b.push({ path: '/src/.app.js.swp', kind: 'add' });
    await vi.advanceTimersByTimeAsync(5);
    b.push({ path: '/src/app.js', kind: 'change' });
    await vi.advanceTimersByTimeAsync(5);
    b.push({ path: '/src/.app.js.swp', kind: 'unlink' });
    b.push({ path: '/src/app.js~', kind: 'add' });
    await vi.advanceTimersByTimeAsync(DEFAULT_QUIET_MS);
    expect(batches.length).toBe(1);
    expect(batches[0]!.map((c) => c.path)).toEqual(['/src/.app.js.swp', '/src/app.js', '/src/app.js~']);
  });

  it('a storm of 1000 events over 2 s, with pauses longer than the short quiet period, is one batch', async () => {
    const { b, batches } = adaptive();
    // 1000 files, 10 every 16 ms, and a 120 ms pause (a slow disk) every 250 files: about 2 s.
    let t = 0;
    for (let i = 0; i < 1000; i++) {
      b.push({ path: `/src/f${i}.js`, kind: i % 3 === 0 ? 'add' : 'change' });
      if (i % 10 === 9) {
        const step = i % 250 === 249 ? 120 : 16;
        await vi.advanceTimersByTimeAsync(step);
        t += step;
      }
    }
    expect(t).toBeLessThan(DEFAULT_MAX_WAIT_MS);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(DEFAULT_BURST_QUIET_MS);
    expect(batches.length).toBe(1);
    expect(batches[0]!.length).toBe(1000);
  });

  it('a new directory waits the longer period: its files, reported after the watcher read it, join the same batch', async () => {
    const { b, batches } = adaptive();
    b.push({ path: '/src/new', kind: 'addDir' });
    await vi.advanceTimersByTimeAsync(DEFAULT_BURST_QUIET_MS - 50);
    expect(batches).toEqual([]);
    for (let i = 0; i < 3; i++) b.push({ path: `/src/new/f${i}`, kind: 'add' });
    await vi.advanceTimersByTimeAsync(DEFAULT_BURST_QUIET_MS);
    expect(batches.map((x) => x.length)).toEqual([4]);
    // The next batch starts afresh: a lone change goes after the short period again.
    b.push({ path: '/src/new/f0', kind: 'change' });
    await vi.advanceTimersByTimeAsync(DEFAULT_QUIET_MS);
    expect(batches.map((x) => x.length)).toEqual([4, 1]);
  });

  it('a burst goes once it has been quiet for the longer period, not the short one', async () => {
    const { b, batches } = adaptive();
    for (let i = 0; i < DEFAULT_FEW_PATHS + 1; i++) b.push({ path: `/f${i}`, kind: 'change' });
    await vi.advanceTimersByTimeAsync(DEFAULT_BURST_QUIET_MS - 1);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.length).toBe(1);
  });

  it('the maximum wait bounds a batch while events never stop', async () => {
    const { b, batches } = adaptive();
    for (let t = 0; t < DEFAULT_MAX_WAIT_MS + 500; t += 10) {
      b.push({ path: `/gen/f${t}`, kind: 'add' });
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(batches.length).toBe(1);
    expect(batches[0]!.length).toBe(DEFAULT_MAX_WAIT_MS / 10);
  });
});

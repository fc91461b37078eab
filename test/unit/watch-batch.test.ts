import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type Change } from '../../src/watch/batch.js';

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

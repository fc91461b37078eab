import { describe, expect, it } from 'vitest';
import type { TerminalSize } from '../../src/app/containers/context.js';
import { sizeFollower } from '../../src/cli/interactive.js';

/** A resize whose calls the test answers one by one. */
function controlled() {
  const calls: { size: TerminalSize; ok: () => void; fail: () => void }[] = [];
  const resize = (size: TerminalSize) =>
    new Promise<void>((resolve, reject) => calls.push({ size, ok: resolve, fail: () => reject(new Error('no such exec')) }));
  return { calls, resize };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('the remote TTY follows the terminal size', () => {
  it('one request at a time; sizes asked for while one is in flight collapse into the newest', async () => {
    const { calls, resize } = controlled();
    const follow = sizeFollower(resize, async () => undefined);
    follow({ h: 40, w: 100 });
    follow({ h: 50, w: 100 });
    follow({ h: 50, w: 120 });
    await flush();
    expect(calls.map((c) => c.size)).toEqual([{ h: 40, w: 100 }]);
    calls[0]!.ok();
    await flush();
    expect(calls.map((c) => c.size)).toEqual([{ h: 40, w: 100 }, { h: 50, w: 120 }]);
    calls[1]!.ok();
    await flush();
    follow({ h: 50, w: 120 });
    await flush();
    expect(calls).toHaveLength(2);
  });

  it('the first size is retried while the process does not exist yet (five tries); later failures are let go', async () => {
    const { calls, resize } = controlled();
    const pauses: number[] = [];
    const follow = sizeFollower(resize, async (ms) => void pauses.push(ms));
    follow({ h: 40, w: 100 });
    for (let i = 0; i < 5; i++) {
      await flush();
      calls[i]!.fail();
    }
    await flush();
    expect(calls).toHaveLength(5);
    expect(pauses).toEqual([30, 60, 90, 120]);
    follow({ h: 41, w: 100 });
    await flush();
    calls[5]!.fail();
    await flush();
    expect(calls).toHaveLength(6);
    follow({ h: 42, w: 100 });
    await flush();
    expect(calls.at(-1)!.size).toEqual({ h: 42, w: 100 });
  });
});

/**
 * The reader's second check: the path is a regular file when stat looks, and a FIFO (or a
 * device) by the time it is opened. The open must not block (O_NONBLOCK) and fstat on the
 * opened descriptor must name what was opened. statSync is made to lie, as a swap between
 * the two calls would.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const lie = vi.hoisted(() => ({ on: false }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const statSync = ((path: fs.PathLike, opts?: fs.StatSyncOptions) => {
    const st = real.statSync(path, opts as fs.StatSyncOptions & { bigint?: false }) as fs.Stats;
    if (!lie.on) return st;
    // What stat saw a moment ago: a small regular file.
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as fs.Stats, st, {
      isFile: () => true,
      isDirectory: () => false,
      isFIFO: () => false,
      isCharacterDevice: () => false,
      isBlockDevice: () => false,
      isSocket: () => false,
      size: 10,
    });
  }) as typeof real.statSync;
  return { ...real, default: { ...real, statSync }, statSync };
});

const { readRegularFile } = await import('../../src/config/readfile.js');

const writers: ChildProcess[] = [];
afterEach(() => {
  lie.on = false;
  for (const w of writers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
});

describe('a path swapped between stat and open', () => {
  it('a FIFO: the open does not block, fstat names it', { timeout: 20_000 }, () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tsfig-race-')), 'swapped.env');
    execFileSync('mkfifo', [path]);
    // A writer that comes and goes at once, so a blocking open would return (and read nothing).
    writers.push(spawn('sh', ['-c', 'exec 3>"$0"', path], { stdio: 'ignore' }));
    lie.on = true;
    const started = performance.now();
    const r = readRegularFile(path);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ ok: false, problem: 'not-regular', kind: 'a FIFO (named pipe)' });
  });

  it('a device (/dev/zero): refused before a byte is read', { timeout: 20_000 }, () => {
    lie.on = true;
    const rss = process.memoryUsage().rss;
    const r = readRegularFile('/dev/zero');
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    expect(r).toMatchObject({ ok: false, problem: 'not-regular', kind: 'a character device' });
  });
});

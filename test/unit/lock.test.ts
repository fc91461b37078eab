/**
 * lock.ts: the project lock. Many processes race for one lock while its holders "crash"
 * (leave the lock behind with a dead or reused pid); never two hold it at once. Keys, folders,
 * waiting and release.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock, lockDir, lockName } from '../../src/lock.js';
import { TsfigError } from '../../src/errors.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tsfig-lock-test-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(work, { recursive: true, force: true });
});

/** Leave a lock as a crashed tsfig would: its folder with an owner record (`pid start token`). */
function plant(dir: string, project: string, owner: string, endpoints: string[] = []): string {
  const path = join(dir, lockName(project, endpoints));
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'owner'), `${owner}\n`);
  return path;
}

/** This process's start time (/proc/self/stat field 22). */
function ownStart(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A pid no process can have (above Linux's PID_MAX_LIMIT). */
const DEAD_PID = 99_999_999;

/** The promise of a lock that must not be granted: it waits (onWait) and is then cancelled. */
async function mustWait(project: string, opts: Parameters<typeof acquireLock>[1]): Promise<number> {
  const ac = new AbortController();
  let waitedFor = 0;
  const p = acquireLock(project, {
    ...opts,
    signal: ac.signal,
    onWait: (pid) => {
      waitedFor = pid;
      ac.abort();
    },
  });
  await expect(p).rejects.toThrow(/cancelled while waiting/);
  return waitedFor;
}

describe('acquireLock', () => {
  it('a second taker waits until the first releases; the release removes the lock', async () => {
    const dir = join(work, 'locks');
    const release = await acquireLock('p', { dir });
    let second: Promise<() => void> | undefined;
    const waiting = new Promise<number>((resolve) => {
      second = acquireLock('p', { dir, pollMs: 1, onWait: resolve });
    });
    expect(await waiting).toBe(process.pid);
    release();
    const release2 = await second!;
    release2();
    release2();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a lock whose pid is gone is taken over at once', async () => {
    const dir = join(work, 'locks');
    plant(dir, 'p', `${DEAD_PID} - deadbeef`);
    const path = join(dir, lockName('p'));
    const takenMs = statSync(path).mtimeMs;
    const onWait = vi.fn();
    const onTakeOver = vi.fn();
    const release = await acquireLock('p', { dir, onWait, onTakeOver });
    expect(onWait).not.toHaveBeenCalled();
    // Said once, with the dead owner and when it took the lock (what it sent may still land: up checks).
    expect(onTakeOver.mock.calls).toEqual([[{ pid: DEAD_PID, sinceMs: takenMs }]]);
    // The dead owner's lock went to its tombstone, named after it.
    expect(readdirSync(dir).sort()).toEqual([lockName('p'), `${lockName('p')}.stale-${DEAD_PID}-deadbeef`]);
    release();
  });

  it('a reused pid is not the owner: a start time that differs makes the lock stale', async () => {
    const dir = join(work, 'locks');
    // Our own pid (alive), but a process that started at another time.
    plant(dir, 'p', `${process.pid} 1 cafe`);
    const onTakeOver = vi.fn();
    const release = await acquireLock('p', { dir, timeoutMs: 60_000, onTakeOver });
    expect(onTakeOver).toHaveBeenCalledTimes(1);
    release();
    // A free lock is no take-over.
    const free = vi.fn();
    (await acquireLock('p', { dir, onTakeOver: free }))();
    expect(free).not.toHaveBeenCalled();
    // The same pid with its real start time is alive: wait.
    plant(dir, 'q', `${process.pid} ${ownStart()} cafe`);
    expect(await mustWait('q', { dir, pollMs: 1 })).toBe(process.pid);
  });

  it('is keyed by the project and its engine endpoints, in any order', async () => {
    const dir = join(work, 'locks');
    const a = await acquireLock('p', { dir, endpoints: ['unix:///var/run/docker.sock', 'tcp://10.0.0.2:2376'] });
    // Same project name, another engine: another lock, granted at once.
    const b = await acquireLock('p', { dir, endpoints: ['unix:///other.sock'], timeoutMs: 0 });
    // The same engines in another order: the same lock.
    expect(await mustWait('p', { dir, endpoints: ['tcp://10.0.0.2:2376', 'unix:///var/run/docker.sock'], pollMs: 1 })).toBe(process.pid);
    expect(lockName('p', ['x', 'y'])).toBe(lockName('p', ['y', 'x']));
    expect(lockName('p', ['x'])).not.toBe(lockName('p'));
    expect(lockName('p/../q', [])).toMatch(/^p_\.\._q-[0-9a-f]{16}\.lock$/);
    a();
    b();
  });

  it('gives up after timeoutMs, in one line naming the holder', async () => {
    const dir = join(work, 'locks');
    const release = await acquireLock('p', { dir });
    const err = await acquireLock('p', { dir, timeoutMs: 0, pollMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsfigError);
    expect((err as Error).message).toMatch(new RegExp(`^another tsfig \\(pid ${process.pid}\\) is working on this project; gave up waiting`));
    expect((err as Error).message).not.toContain('\n');
    release();
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const dir = join(work, 'locks');
    const release = await acquireLock('p', { dir });
    // Someone replaced the record (as a takeover would): not ours to remove.
    writeFileSync(join(dir, lockName('p'), 'owner'), `${process.pid} ${ownStart()} someone-else\n`);
    release();
    expect(existsSync(join(dir, lockName('p')))).toBe(true);
  });
});

describe('lock folder', () => {
  it('is $XDG_RUNTIME_DIR/tsfig when that is a directory, made 0700', async () => {
    const xdg = join(work, 'run');
    mkdirSync(xdg);
    const env = { XDG_RUNTIME_DIR: xdg };
    expect(lockDir({ env })).toBe(join(xdg, 'tsfig'));
    const release = await acquireLock('p', { env });
    expect(statSync(join(xdg, 'tsfig')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(xdg, 'tsfig', lockName('p')))).toBe(true);
    release();
  });

  it('else <tmpdir>/tsfig-<uid> (XDG_RUNTIME_DIR unset, empty, missing or a file), made 0700', async () => {
    vi.stubEnv('TMPDIR', work);
    const fallback = join(work, `tsfig-${process.getuid!()}`);
    writeFileSync(join(work, 'file'), '');
    for (const xdg of [undefined, '', join(work, 'missing'), join(work, 'file')]) expect(lockDir({ env: { XDG_RUNTIME_DIR: xdg } })).toBe(fallback);
    const release = await acquireLock('p', { env: {} });
    expect(statSync(fallback).mode & 0o777).toBe(0o700);
    release();
    // A folder of ours with looser modes is tightened.
    chmodSync(fallback, 0o755);
    (await acquireLock('p', { env: {} }))();
    expect(statSync(fallback).mode & 0o777).toBe(0o700);
  });

  it('refuses, in one line, a folder that belongs to another user or is a symlink', async () => {
    const dir = join(work, 'locks');
    mkdirSync(dir, { mode: 0o700 });
    const other = (process.getuid?.() ?? 0) + 4242;
    await expect(acquireLock('p', { dir, uid: other })).rejects.toThrow(new RegExp(`^lock folder ${dir} belongs to another user \\(uid \\d+\\); refusing to use it$`));
    const link = join(work, 'link');
    symlinkSync(dir, link);
    await expect(acquireLock('p', { dir: link })).rejects.toThrow(/is not a directory/);
  });

  it('sweeps tombstones and half-made locks once they are old', async () => {
    const dir = join(work, 'locks');
    plant(dir, 'p', `${DEAD_PID} - aa`);
    (await acquireLock('p', { dir }))();
    mkdirSync(join(dir, `${lockName('q')}.new-1-ab`));
    expect(readdirSync(dir).length).toBe(2);
    (await acquireLock('p', { dir, sweepAfterMs: -1 }))();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('lock under contention (child processes)', () => {
  it('never two holders, while holders leave it behind with a dead pid or a reused one', { timeout: 120_000 }, async () => {
    const dir = join(work, 'locks');
    const bundle = join(work, 'lock.mjs');
    buildSync({ entryPoints: [join(import.meta.dirname, '../../src/lock.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const endpoints = ['unix:///var/run/docker.sock'];
    const lockPath = plant(dir, 'race', `${DEAD_PID} - first`, endpoints);
    const marker = join(work, 'holder');
    // Each child: take the lock, claim the holder marker (exclusive create: failing means
    // someone else holds the lock too), keep it a few turns of the event loop, then either
    // release, or "crash": give the marker back and leave the lock with an owner record that
    // is dead (a gone pid) or reused (a live pid with another start time).
    const child = `
      import { acquireLock } from ${JSON.stringify(bundle)};
      import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
      const [, , dir, marker, lockPath, seedArg] = process.argv;
      let seed = Number(seedArg);
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const out = { held: 0, overlaps: 0, crashes: 0 };
      for (let i = 0; i < 25; i++) {
        const release = await acquireLock('race', { dir, endpoints: ${JSON.stringify(endpoints)}, pollMs: 1 });
        out.held++;
        let fd;
        try { fd = openSync(marker, 'wx'); } catch { out.overlaps++; }
        for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
        if (fd !== undefined) { closeSync(fd); unlinkSync(marker); }
        const r = rnd();
        if (r < 0.3) {
          out.crashes++;
          const owner = r < 0.15 ? '${DEAD_PID} - dead' + process.pid + '-' + i : process.pid + ' 1 reused' + process.pid + '-' + i;
          // Failing here means the lock was taken from its holder: two holders.
          try {
            writeFileSync(lockPath + '/owner.tmp', owner + '\\n');
            renameSync(lockPath + '/owner.tmp', lockPath + '/owner');
          } catch { out.overlaps++; }
        } else {
          release();
        }
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const script = join(work, 'child.mjs');
    writeFileSync(script, child);
    const run = (seed: number): Promise<{ held: number; overlaps: number; crashes: number }> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [script, dir, marker, lockPath, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('error', reject);
        p.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { held: number; overlaps: number; crashes: number }) : reject(new Error(`child exited ${code}: ${stderr}`))));
      });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => run(s * 7919)));
    expect(results.map((r) => r.held)).toEqual([25, 25, 25, 25, 25, 25]);
    expect(results.reduce((n, r) => n + r.overlaps, 0)).toBe(0);
    expect(results.reduce((n, r) => n + r.crashes, 0)).toBeGreaterThan(10);
    // Nothing half-made left behind: the lock (or none), and tombstones.
    expect(readdirSync(dir).filter((n) => !n.includes('.stale-') && n !== lockName('race', endpoints))).toEqual([]);
  });
});

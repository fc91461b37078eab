import { chmodSync, mkdirSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar } from '../../src/engine/tar.js';
import type { Project } from '../../src/model/project.js';
import { pollInterval } from '../../src/cli/commands/watch.js';
import { compileRules } from '../../src/watch/rules.js';
import { planBatch } from '../../src/watch/plan.js';
import { collectSync, differs, syncArchive, topmost, walkRule, type HostFile } from '../../src/watch/sync.js';
import { needsLookup, resolveOwner, ROOT } from '../../src/watch/owner.js';
import { projectDir, tsfig } from '../support/project.js';

async function entriesOf(src: Buffer | NodeJS.ReadableStream) {
  const out: Array<{ name: string; type: string; mode: number; mtime: number; body: string; linkname: string; uid: number; gid: number }> = [];
  const iterable = Buffer.isBuffer(src) ? (async function* () {
    yield src;
  })() : (src as AsyncIterable<Buffer>);
  for await (const e of readTar(iterable)) {
    let body = '';
    for await (const c of e.body) body += c.toString('utf8');
    out.push({ name: e.header.name, type: e.header.type, mode: e.header.mode, mtime: e.header.mtime, body, linkname: e.header.linkname, uid: e.header.uid, gid: e.header.gid });
  }
  return out;
}

describe('the sync archive', () => {
  it('carries files with their modes and mtimes, new directories, links as links; missing paths become deletions', async () => {
    const dir = projectDir({ 'a.txt': 'hello', 'bin/run.sh': '#!/bin/sh\n' });
    chmodSync(join(dir, 'bin/run.sh'), 0o750);
    chmodSync(join(dir, 'a.txt'), 0o640);
    utimesSync(join(dir, 'a.txt'), 1_600_000_000, 1_600_000_000);
    mkdirSync(join(dir, 'newdir'));
    chmodSync(join(dir, 'newdir'), 0o700);
    symlinkSync('a.txt', join(dir, 'link'));
    const set = await collectSync([
      { hostPath: join(dir, 'a.txt'), containerPath: '/app/a.txt' },
      { hostPath: join(dir, 'bin/run.sh'), containerPath: '/app/bin/run.sh' },
      { hostPath: join(dir, 'newdir'), containerPath: '/app/newdir' },
      { hostPath: join(dir, 'link'), containerPath: '/app/link' },
      { hostPath: join(dir, 'gone.txt'), containerPath: '/app/gone.txt' },
      { hostPath: join(dir, 'gone/deeper.txt'), containerPath: '/app/gone/deeper.txt' },
    ]);
    expect(set.deletes.sort()).toEqual(['/app/gone.txt', '/app/gone/deeper.txt']);
    const archive = syncArchive(set);
    const entries = await entriesOf(await archive(ROOT));
    const root = { uid: 0, gid: 0 };
    expect(entries).toEqual([
      { name: 'app/a.txt', type: 'file', mode: 0o640, mtime: 1_600_000_000, body: 'hello', linkname: '', ...root },
      { name: 'app/bin/run.sh', type: 'file', mode: 0o750, mtime: expect.any(Number) as number, body: '#!/bin/sh\n', linkname: '', ...root },
      { name: 'app/link', type: 'symlink', mode: expect.any(Number) as number, mtime: expect.any(Number) as number, body: '', linkname: 'a.txt', ...root },
      { name: 'app/newdir', type: 'directory', mode: 0o700, mtime: expect.any(Number) as number, body: '', linkname: '', ...root },
    ]);
    // Another owner: the same entries, owned by it; one archive per owner.
    const owned = await entriesOf(await archive({ uid: 1000, gid: 50 }));
    expect(owned.map((e) => [e.name, e.uid, e.gid])).toEqual(entries.map((e) => [e.name, 1000, 50]));
    expect(await archive({ uid: 1000, gid: 50 })).toBe(await archive({ uid: 1000, gid: 50 }));
  });

  it('a deletion below another is covered by it', () => {
    expect(topmost(['/app/a/b', '/app/a', '/app/ab', '/app/a/c/d', '/app/a'])).toEqual(['/app/a', '/app/ab']);
  });
});

describe('the owner of synced files (the container\'s user, as runc resolves it)', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\n# comment\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:1000:1001::/app:/bin/sh\n';
  const group = 'root:x:0:\nstaff:x:50:app\napp:x:1001:\n';
  it.each([
    ['', { uid: 0, gid: 0 }],
    ['app', { uid: 1000, gid: 1001 }],
    ['app:staff', { uid: 1000, gid: 50 }],
    ['app:7', { uid: 1000, gid: 7 }],
    ['1000', { uid: 1000, gid: 1001 }],
    ['4242', { uid: 4242, gid: 0 }],
    ['4242:4343', { uid: 4242, gid: 4343 }],
    ['nobody', { uid: 65534, gid: 65534 }],
  ])('%j', (user, owner) => {
    expect(resolveOwner(user, passwd, group)).toEqual(owner);
  });

  it('names what the container\'s files lack, and reads them only when needed', () => {
    expect(resolveOwner('ghost', passwd, group)).toBe("no user ghost in the container's /etc/passwd");
    expect(resolveOwner('app:ghosts', passwd, group)).toBe("no group ghosts in the container's /etc/group");
    expect(needsLookup('4242:4343')).toEqual({ passwd: false, group: false });
    expect(needsLookup('4242')).toEqual({ passwd: true, group: false });
    expect(needsLookup('app:staff')).toEqual({ passwd: true, group: true });
  });
});

/** One sync rule of service web: `dir`/src to /app. */
function syncRules(dir: string, ignore: string[], initialSync: boolean) {
  const project = { name: 'p', workingDir: dir, services: { web: { name: 'web' } } } as unknown as Project;
  return compileRules([{ service: 'web', index: 0, path: join(dir, 'src'), action: 'sync', target: '/app', ignore, include: [], initialSync }], project, () => undefined).rules;
}

describe('a new directory', () => {
  it('goes with everything under it that its rule covers, though no event named those files (the watcher was not watching it yet)', async () => {
    const dir = projectDir({
      'src/new/a.txt': 'a',
      'src/new/deep/b.txt': 'bb',
      'src/new/skip.me': 'x',
      'src/new/.git/HEAD': 'x',
      'src/new/node_modules/m/i.js': 'x',
      'src/new/fig.yml': 'x',
      'src/other.txt': 'not in the directory',
    });
    chmodSync(join(dir, 'src/new/deep'), 0o750);
    const rules = syncRules(dir, ['**/*.me'], false);
    const rule = rules[0]!;
    const set = await collectSync(
      [
        { hostPath: join(dir, 'src/new'), containerPath: '/app/new', rule },
        // Named both by an event and by the walk: sent once.
        { hostPath: join(dir, 'src/new/a.txt'), containerPath: '/app/new/a.txt', rule },
      ],
      new Set([join(dir, 'src/new/fig.yml')]),
    );
    expect(set.entries.map((e) => [e.containerPath, e.type])).toEqual([
      ['/app/new', 'directory'],
      ['/app/new/a.txt', 'file'],
      ['/app/new/deep', 'directory'],
      ['/app/new/deep/b.txt', 'file'],
    ]);
    expect(set.entries.find((e) => e.containerPath === '/app/new/deep')?.mode).toBe(0o750);
    expect(set.entries.find((e) => e.containerPath === '/app/new/deep/b.txt')?.content?.toString()).toBe('bb');
    // Without its rule a directory item is the directory alone (as before).
    const bare = await collectSync([{ hostPath: join(dir, 'src/new'), containerPath: '/app/new' }]);
    expect(bare.entries.map((e) => e.containerPath)).toEqual(['/app/new']);
  });

  it('the batch plan hands the rule with each sync item', async () => {
    const dir = projectDir({ 'src/x/a.txt': 'a' });
    const rules = syncRules(dir, [], false);
    const plan = planBatch([{ path: join(dir, 'src/x'), kind: 'addDir' }], rules, new Set());
    expect(plan.services[0]?.sync).toEqual([{ hostPath: join(dir, 'src/x'), containerPath: '/app/x', rule: rules[0] }]);
    const set = await collectSync(plan.services[0]!.sync);
    expect(set.entries.map((e) => e.containerPath)).toEqual(['/app/x', '/app/x/a.txt']);
  });
});

describe('initial sync', () => {
  const host = (extra: Partial<HostFile> = {}): HostFile => ({ hostPath: '/w/a', containerPath: '/app/a', type: 'file', size: 5, mode: 0o644, mtime: 100, ...extra });

  it('sends what the container lacks or has different (type, size, mode, mtime to the second, link target)', () => {
    const same = { type: 'file' as const, size: 5, mode: 0o644, mtime: 100, linkname: '' };
    expect(differs(host(), same)).toBe(false);
    expect(differs(host(), undefined)).toBe(true);
    expect(differs(host({ size: 6 }), same)).toBe(true);
    expect(differs(host({ mode: 0o755 }), same)).toBe(true);
    expect(differs(host({ mtime: 101 }), same)).toBe(true);
    expect(differs(host(), { ...same, type: 'directory' })).toBe(true);
    expect(differs(host({ type: 'symlink', linkname: 'x' }), { ...same, type: 'symlink', linkname: 'x' })).toBe(false);
    expect(differs(host({ type: 'symlink', linkname: 'x' }), { ...same, type: 'symlink', linkname: 'y' })).toBe(true);
  });

  it('walks the rule path, skipping ignored trees, .git, node_modules and excluded files', async () => {
    const dir = projectDir({
      'src/a.js': '1',
      'src/lib/b.js': '2',
      'src/.git/HEAD': 'x',
      'src/node_modules/m/i.js': 'x',
      'src/dist/out.js': 'x',
      'src/skip.me': 'x',
      'src/fig.yml': 'x',
    });
    const rules = syncRules(dir, ['dist', '*.me'], true);
    const files = await walkRule(rules[0]!, new Set([join(dir, 'src/fig.yml')]));
    expect(files.map((f) => f.containerPath)).toEqual(['/app/a.js', '/app/lib/b.js']);
    expect(files[0]).toMatchObject({ type: 'file', size: 1 });
  });
});

describe('watch command', () => {
  it('--poll and TSFIG_WATCH_POLL', () => {
    expect(pollInterval(undefined, {})).toBeUndefined();
    expect(pollInterval(true, {})).toBe(1000);
    expect(pollInterval('250', {})).toBe(250);
    expect(pollInterval(undefined, { TSFIG_WATCH_POLL: '1' })).toBe(1000);
    expect(pollInterval(undefined, { TSFIG_WATCH_POLL: '500' })).toBe(500);
    expect(pollInterval(undefined, { TSFIG_WATCH_POLL: '0' })).toBeUndefined();
    expect(() => pollInterval('abc', {})).toThrow(/--poll/);
  });

  it('without any develop.watch rule for the selected services, says so and exits 1 before touching the engine', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n' });
    const r = await tsfig(['-H', 'tcp://127.0.0.1:1', 'watch'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/none of the selected services has develop\.watch rules/);
  });

  it('a wrong rule is reported with its place, exit 1', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    develop:\n      watch:\n        - path: src\n          action: rebuild\n' });
    const r = await tsfig(['-H', 'tcp://127.0.0.1:1', 'watch'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/services\.web\.develop\.watch\[0\]: action rebuild needs a build section/);
  });

  it('up --watch with -d is a usage error', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    develop:\n      watch:\n        - path: src\n          action: restart\n' });
    const r = await tsfig(['-H', 'tcp://127.0.0.1:1', 'up', '-d', '--watch'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--watch/);
  });
});

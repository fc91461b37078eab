/** cp's flags against a fake engine with archives: -a (owners, copyUIDGID), -L (links followed), --all (every container, one-offs too). */
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFiles, parseCpArgs } from '../../src/app/containers/cp.js';
import { hostEntries } from '../../src/app/containers/cp-host.js';
import type { Archive, ArchiveStat, CallOptions, PutArchiveOptions } from '../../src/engine/engine.js';
import { readTar, writeTar } from '../../src/engine/tar.js';
import { fakeContainersContext, serviceLabels } from '../support/containers.js';
import { FakeEngine } from '../support/fake-engine.js';
import { load, projectDir } from '../support/project.js';

const NAME = 'appccp';
const DIR_MODE = 2147484141;

/** A fake whose containers have `/tmp` (a folder), `/data/target.txt` and `/data/link` -> `target.txt`. */
class ArchiveEngine extends FakeEngine {
  readonly puts: Array<{ id: string; path: string; opts: PutArchiveOptions | undefined; names: string[] }> = [];
  readonly gets: string[] = [];
  override statArchive(_id: string, path: string): Promise<ArchiveStat | undefined> {
    const files: Record<string, ArchiveStat> = {
      '/tmp': { name: 'tmp', size: 0, mode: DIR_MODE, mtime: '', linkTarget: '' },
      '/data/target.txt': { name: 'target.txt', size: 2, mode: 0o644, mtime: '', linkTarget: '' },
      '/data/link': { name: 'link', size: 0, mode: 0o777 | 2 ** 27, mtime: '', linkTarget: 'target.txt' },
    };
    return Promise.resolve(files[path]);
  }
  override async putArchive(id: string, path: string, tar: NodeJS.ReadableStream | Buffer, opts?: PutArchiveOptions): Promise<void> {
    const names: string[] = [];
    for await (const e of readTar(Readable.from(tar as NodeJS.ReadableStream))) names.push(`${e.header.name} ${e.header.uid ?? 0}:${e.header.gid ?? 0}`);
    this.puts.push({ id, path, opts, names });
  }
  override getArchive(_id: string, path: string, _opts?: CallOptions): Promise<Archive> {
    this.gets.push(path);
    const name = path.split('/').pop()!;
    return Promise.resolve({ stat: { name, size: 2, mode: 0o644, mtime: '', linkTarget: '' }, stream: Readable.from(writeTar([{ header: { name, type: 'file', size: 2 }, body: Buffer.from('hi') }])) });
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsfig-cpflags-'));
  dirs.push(d);
  return d;
}

function setup() {
  const r = load(projectDir({ 'fig.yml': `name: ${NAME}\nservices:\n  web:\n    image: busybox\n` }));
  const fake = new ArchiveEngine();
  const one = fake.seedContainer({ name: `${NAME}-web-1`, labels: serviceLabels(NAME, 'web', 1) });
  const two = fake.seedContainer({ name: `${NAME}-web-2`, labels: serviceLabels(NAME, 'web', 2) });
  const run = fake.seedContainer({ name: `${NAME}-web-run-abc`, labels: serviceLabels(NAME, 'web', 0, true) });
  return { ctx: fakeContainersContext(r.project!, { default: fake }), fake, one, two, run };
}

describe('cp -a, -L, --all', () => {
  it('into a container: container 1 by default; --all: every container of the service, one-offs included; --index wins over --all', async () => {
    const { ctx, fake, one, two, run } = setup();
    const dir = temp();
    writeFileSync(join(dir, 'f.txt'), 'x');
    await copyFiles(ctx, parseCpArgs('f.txt', 'web:/tmp'), undefined, dir);
    expect(fake.puts.map((p) => p.id)).toEqual([one]);
    await copyFiles(ctx, parseCpArgs('f.txt', 'web:/tmp'), undefined, dir, { all: true });
    expect(fake.puts.slice(1).map((p) => p.id)).toEqual([one, two, run]);
    await copyFiles(ctx, parseCpArgs('f.txt', 'web:/tmp'), 2, dir, { all: true });
    expect(fake.puts.slice(4).map((p) => p.id)).toEqual([two]);
  });

  it("-a: the files' owners go in the archive and the engine is told to keep them; without it, neither", async () => {
    const { ctx, fake } = setup();
    const dir = temp();
    writeFileSync(join(dir, 'f.txt'), 'x');
    // Owners that are not root's, so kept and dropped differ (as root: given to another uid).
    if (process.getuid?.() === 0) chownSync(join(dir, 'f.txt'), 4321, 8765);
    const st = statSync(join(dir, 'f.txt'));
    expect(st.uid).not.toBe(0);
    await copyFiles(ctx, parseCpArgs('f.txt', 'web:/tmp'), undefined, dir);
    await copyFiles(ctx, parseCpArgs('f.txt', 'web:/tmp'), undefined, dir, { archive: true });
    expect(fake.puts[0]!.opts?.copyUIDGID).toBeUndefined();
    expect(fake.puts[0]!.names).toEqual(['f.txt 0:0']);
    expect(fake.puts[1]!.opts?.copyUIDGID).toBe(true);
    expect(fake.puts[1]!.names).toEqual([`f.txt ${st.uid}:${st.gid}`]);
  });

  it('-L into a container: a link given as SRC is sent as the file it points to, under its own name', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'real.txt'), 'real');
    symlinkSync('real.txt', join(dir, 'ln'));
    const types = async (follow: boolean) => {
      const out: string[] = [];
      for await (const e of readTar(writeTar(hostEntries(join(dir, 'ln'), 'ln', () => undefined, { followLink: follow })))) out.push(`${e.header.type} ${e.header.name}`);
      return out;
    };
    expect(await types(false)).toEqual(['symlink ln']);
    expect(await types(true)).toEqual(['file ln']);
  });

  it('-L out of a container: the link is followed (getArchive of its target), the copy keeps the link\'s name; without -L the link itself', async () => {
    const { ctx, fake } = setup();
    const dir = temp();
    await copyFiles(ctx, parseCpArgs('web:/data/link', '.'), undefined, dir, { followLink: true });
    expect(fake.gets).toEqual(['/data/target.txt']);
    expect(readFileSync(join(dir, 'link'), 'utf8')).toBe('hi');
    await copyFiles(ctx, parseCpArgs('web:/data/link', 'plain'), undefined, dir);
    expect(fake.gets).toEqual(['/data/target.txt', '/data/link']);
  });
});

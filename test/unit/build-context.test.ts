/** build/context.ts: the tar stream of a build context, read back with the tar reader. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContextError, GENERATED_DOCKERFILE, packContext } from '../../src/build/context.js';
import { readTar, type TarHeader } from '../../src/engine/tar.js';

interface Got {
  header: TarHeader;
  data: string;
}

async function unpack(opts: Parameters<typeof packContext>[0]): Promise<{ files: Map<string, Got>; names: string[]; dockerfile: string }> {
  const packed = await packContext(opts);
  const files = new Map<string, Got>();
  const names: string[] = [];
  for await (const e of readTar(packed.stream)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    files.set(e.header.name, { header: e.header, data: Buffer.concat(parts).toString('utf8') });
    names.push(e.header.name);
  }
  return { files, names, dockerfile: packed.dockerfile };
}

let base: string;
let ctx: string;

function write(rel: string, text: string, mode?: number): void {
  const p = join(ctx, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  if (mode !== undefined) chmodSync(p, mode);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'tsfig-ctx-'));
  ctx = join(base, 'ctx');
  mkdirSync(ctx);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('packContext', () => {
  it('sends every file, sorted, owned by 0:0, with modes and contents', async () => {
    write('Dockerfile', 'FROM busybox\n');
    write('run.sh', '#!/bin/sh\necho hi\n', 0o755);
    write('src/b.txt', 'b');
    write('src/a.txt', 'a');
    write('empty/.keep', '');
    chmodSync(join(ctx, 'src'), 0o750);
    const { files, names, dockerfile } = await unpack({ context: ctx });
    expect(dockerfile).toBe('Dockerfile');
    expect(names).toEqual(['Dockerfile', 'empty', 'empty/.keep', 'run.sh', 'src', 'src/a.txt', 'src/b.txt']);
    expect(files.get('run.sh')!.header.mode).toBe(0o755);
    expect(files.get('run.sh')!.data).toBe('#!/bin/sh\necho hi\n');
    expect(files.get('src')!.header).toMatchObject({ type: 'directory', mode: 0o750 });
    for (const f of files.values()) expect([f.header.uid, f.header.gid]).toEqual([0, 0]);
  });

  it('stores links as links and never follows them, in or out of the context', async () => {
    write('Dockerfile', 'FROM busybox\n');
    write('real/inside.txt', 'inside');
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret.txt'), 'do not send');
    symlinkSync('real/inside.txt', join(ctx, 'rel-link'));
    symlinkSync(join(base, 'outside', 'secret.txt'), join(ctx, 'abs-link'));
    symlinkSync('../outside', join(ctx, 'dir-link'));
    symlinkSync('missing', join(ctx, 'dangling'));
    const { files, names } = await unpack({ context: ctx });
    expect(files.get('rel-link')!.header).toMatchObject({ type: 'symlink', linkname: 'real/inside.txt', size: 0 });
    expect(files.get('abs-link')!.header).toMatchObject({ type: 'symlink', linkname: join(base, 'outside', 'secret.txt') });
    expect(files.get('dir-link')!.header).toMatchObject({ type: 'symlink', linkname: '../outside' });
    expect(files.get('dangling')!.header.type).toBe('symlink');
    expect(names.filter((n) => n.startsWith('dir-link/'))).toEqual([]);
    expect([...files.values()].some((f) => f.data.includes('do not send'))).toBe(false);
  });

  it('a context that is itself a link is resolved first', async () => {
    write('Dockerfile', 'FROM busybox\n');
    write('a.txt', 'a');
    symlinkSync(ctx, join(base, 'via-link'));
    const { names } = await unpack({ context: join(base, 'via-link') });
    expect(names).toEqual(['Dockerfile', 'a.txt']);
  });

  it('honours .dockerignore with exceptions, and always sends the Dockerfile and .dockerignore', async () => {
    write('Dockerfile', 'FROM busybox\n');
    write('.dockerignore', '# build output\nbuild\n*.log\n!important.log\n.dockerignore\nDockerfile\ndocs\n!docs/README.md\n/secret.txt\n**/node_modules\n');
    write('build/out.o', 'o');
    write('app.log', 'l');
    write('important.log', 'i');
    write('docs/README.md', 'r');
    write('docs/guide.md', 'g');
    write('secret.txt', 's');
    write('sub/secret.txt', 'kept: only the root one is excluded');
    write('sub/node_modules/x/index.js', 'x');
    write('node_modules/y.js', 'y');
    write('main.c', 'c');
    const { names } = await unpack({ context: ctx });
    expect(names).toEqual(['.dockerignore', 'Dockerfile', 'docs/README.md', 'important.log', 'main.c', 'sub', 'sub/secret.txt']);
  });

  it('a Dockerfile in a sub-folder, excluded, is still sent under its path', async () => {
    write('docker/app.Dockerfile', 'FROM busybox\n');
    write('docker/other', 'x');
    write('.dockerignore', 'docker\n');
    const { names, dockerfile } = await unpack({ context: ctx, dockerfile: 'docker/app.Dockerfile' });
    expect(dockerfile).toBe('docker/app.Dockerfile');
    expect(names).toEqual(['.dockerignore', 'docker/app.Dockerfile']);
  });

  it('dockerfile_inline is sent as a generated Dockerfile that .dockerignore hides from COPY', async () => {
    write('a.txt', 'a');
    write('.dockerignore', 'b.txt');
    write('b.txt', 'b');
    const { files, names, dockerfile } = await unpack({ context: ctx, dockerfileInline: 'FROM busybox\nCOPY . /x\n' });
    expect(dockerfile).toBe(GENERATED_DOCKERFILE);
    expect(names).toEqual([GENERATED_DOCKERFILE, '.dockerignore', 'a.txt']);
    expect(files.get(GENERATED_DOCKERFILE)!.data).toBe('FROM busybox\nCOPY . /x\n');
    expect(files.get('.dockerignore')!.data).toBe(`b.txt\n${GENERATED_DOCKERFILE}\n`);
  });

  it('a Dockerfile outside the context is sent under the generated name', async () => {
    write('a.txt', 'a');
    writeFileSync(join(base, 'Outside.Dockerfile'), 'FROM busybox\n');
    const { files, dockerfile } = await unpack({ context: ctx, dockerfile: '../Outside.Dockerfile' });
    expect(dockerfile).toBe(GENERATED_DOCKERFILE);
    expect(files.get(GENERATED_DOCKERFILE)!.data).toBe('FROM busybox\n');
    expect(files.get('.dockerignore')!.data).toBe(`${GENERATED_DOCKERFILE}\n`);
  });

  it('leaves out FIFOs', async () => {
    write('Dockerfile', 'FROM busybox\n');
    execFileSync('mkfifo', [join(ctx, 'pipe')]);
    const { names } = await unpack({ context: ctx });
    expect(names).toEqual(['Dockerfile']);
  });

  it('fails before sending anything: a missing context, a missing Dockerfile, a bad pattern', async () => {
    await expect(packContext({ context: join(base, 'nope') })).rejects.toThrow(BuildContextError);
    await expect(packContext({ context: join(base, 'nope') })).rejects.toThrow(/build context .*nope: no such file or directory/);
    await expect(packContext({ context: ctx })).rejects.toThrow(/cannot find the Dockerfile .*Dockerfile: no such file/);
    write('Dockerfile', 'FROM busybox\n');
    write('.dockerignore', '!\n');
    await expect(packContext({ context: ctx })).rejects.toThrow(/\.dockerignore: illegal exclusion pattern/);
  });

  // (Root reads files whatever their mode, so the file vanishes between listing and reading.)
  it('a file that cannot be read fails the stream with its name', async () => {
    write('Dockerfile', 'FROM busybox\n');
    write('vanishing', 'x');
    const packed = await packContext({ context: ctx });
    rmSync(join(ctx, 'vanishing'));
    const drain = async () => {
      for await (const e of readTar(packed.stream)) for await (const _ of e.body) void _;
    };
    await expect(drain()).rejects.toThrow(/cannot read .*vanishing/);
  });
});

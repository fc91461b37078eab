/**
 * The V8 code cache of the bundle (bin/codecache.js): the built binary run cold (no cache),
 * warm (the cache it wrote) and with a damaged cache gives the same bytes on stdout and stderr
 * and the same exit code; a cache that V8 accepts is not written again; TSFIG_CODE_CACHE=0
 * writes none. No engine is needed (config, --version, a config error).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = resolve(root, 'bin/tsfig.js');
const example = resolve(root, 'examples/extends');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], cacheDir: string, extra: Record<string, string> = {}, cwd = example): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', TSFIG_CACHE_DIR: cacheDir, ...extra };
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsfig-codecache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The cache files of one command in `dir`. */
const files = (dir: string, command: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(`-${command}.bin`)) : []);

describe('the code cache of the bundle', () => {
  it('is built: the bundle entry names an existing file', () => {
    const entry = JSON.parse(readFileSync(resolve(root, 'dist/bundle/entry.json'), 'utf8')) as { file: string };
    expect(existsSync(resolve(root, 'dist/bundle', entry.file))).toBe(true);
  });

  it.each([
    ['config', ['config'], 'config'],
    ['config --format json', ['config', '--format', 'json'], 'config'],
    ['--version', ['--version'], 'version'],
    ['a config error', ['-f', 'missing.yml', 'config'], 'config'],
  ])('%s: cold, warm and damaged caches give the same output', async (_name, args, command) => {
    const dir = cacheDir();
    const cold = await run(args, dir);
    expect(cold.stdout + cold.stderr).not.toBe('');
    const [file] = files(dir, command);
    expect(file).toBeDefined();
    const path = join(dir, file!);
    const written = statSync(path);

    const warm = await run(args, dir);
    expect(warm).toEqual(cold);
    // V8 took it: not written again.
    expect(statSync(path).mtimeMs).toBe(written.mtimeMs);
    expect(statSync(path).ino).toBe(written.ino);

    writeFileSync(path, Buffer.from('not a code cache'));
    const damaged = await run(args, dir);
    expect(damaged).toEqual(cold);
    // Rejected, so made again.
    expect(readFileSync(path).toString('latin1')).not.toBe('not a code cache');
  });

  it("a cache of another build is removed when this build's is written", async () => {
    const dir = cacheDir();
    const stale = join(dir, 'code-0000000000000000-v0.0.0-x64-config.bin');
    writeFileSync(stale, 'old');
    const other = join(dir, 'unrelated.txt');
    writeFileSync(other, 'keep');
    expect((await run(['config'], dir)).code).toBe(0);
    expect(files(dir, 'config')).toHaveLength(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(other)).toBe(true);
  });

  it('TSFIG_CODE_CACHE=0 reads and writes none', async () => {
    const dir = join(cacheDir(), 'sub');
    const off = await run(['config'], dir, { TSFIG_CODE_CACHE: '0', TSFIG_PROJECT_CACHE: '0' });
    expect(off.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const on = await run(['config'], dir);
    expect(on).toEqual(off);
    expect(files(dir, 'config')).toHaveLength(1);
  });
});

/** The resolved-project cache files in `dir`. */
const projects = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /^project-[0-9a-f]+\.bin$/.test(f)) : []);

describe('the resolved-project cache of the bundle (config/projectcache.ts)', () => {
  it('a second run reads the project it kept (the same output, the file not written again); an edited file and a changed variable are seen', async () => {
    const dir = cacheDir();
    const proj = mkdtempSync(join(tmpdir(), 'tsfig-pcache-e2e-'));
    dirs.push(proj);
    for (const f of readdirSync(example)) writeFileSync(join(proj, f), readFileSync(join(example, f)));
    const cold = await run(['config'], dir, {}, proj);
    expect(cold.code).toBe(0);
    const [file] = projects(dir);
    expect(file).toBeDefined();
    const written = statSync(join(dir, file!));
    const warm = await run(['config'], dir, {}, proj);
    expect(warm).toEqual(cold);
    expect(statSync(join(dir, file!)).ino).toBe(written.ino);
    // Without any cache: the same bytes.
    expect(await run(['config'], join(cacheDir(), 'none'), { TSFIG_PROJECT_CACHE: '0', TSFIG_CODE_CACHE: '0' }, proj)).toEqual(cold);
    // An edited file of extends (common.yml): seen at once.
    const common = join(proj, 'common.yml');
    writeFileSync(common, readFileSync(common, 'utf8').replace(/image: [^\n]+/, 'image: edited-image:1'));
    const edited = await run(['config'], dir, {}, proj);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('edited-image:1');
    expect(edited.stdout).not.toBe(cold.stdout);
    expect(statSync(join(dir, file!)).ino).not.toBe(written.ino);
    // A variable the file uses, set in the shell, and another project name.
    writeFileSync(join(proj, 'fig.yml'), readFileSync(join(proj, 'fig.yml'), 'utf8') + '\n  extra:\n    image: "busybox:${EXTRA_TAG:-1}"\n');
    expect((await run(['config'], dir, {}, proj)).stdout).toContain('busybox:1');
    expect((await run(['config'], dir, { EXTRA_TAG: '2' }, proj)).stdout).toContain('busybox:2');
    expect((await run(['config'], dir, {}, proj)).stdout).toContain('busybox:1');
  });

  it('TSFIG_PROJECT_CACHE=0 reads and writes none', async () => {
    const dir = cacheDir();
    expect((await run(['config'], dir, { TSFIG_PROJECT_CACHE: '0' })).code).toBe(0);
    expect(projects(dir)).toEqual([]);
  });
});

/**
 * Every file the loader reads goes through one reader: regular files only, the size limit
 * enforced while reading, an error naming the file, what it is, and the key that named it.
 * The hostile files are made here; each load is bounded in time and memory, and a FIFO
 * always has a writer child waiting, so a loader that opened it would get an empty file
 * (and fail the assertions) instead of blocking the test forever.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../src/config/load.js';
import { readDescriptor } from '../../src/config/readfile.js';
import { LIMITS } from '../../src/config/tree.js';
import { errorsOf, load, projectDir } from '../support/project.js';

type Kind = 'device' | 'fifo' | 'directory' | 'loop' | 'oversized';

const writers: ChildProcess[] = [];

afterEach(() => {
  // Writers still blocked in open(): nothing read their FIFO, as it should be.
  for (const w of writers.splice(0)) if (w.exitCode === null && w.pid !== undefined) w.kill('SIGKILL');
});

/** Make the hostile thing `kind` at `path`. */
function makeHostile(kind: Kind, path: string): void {
  switch (kind) {
    case 'device':
      symlinkSync('/dev/zero', path);
      break;
    case 'fifo': {
      execFileSync('mkfifo', [path]);
      // Opens the write end (blocking until a reader comes) and closes it at once.
      const w = spawn('sh', ['-c', 'exec 3>"$0"', path], { stdio: 'ignore' });
      writers.push(w);
      break;
    }
    case 'directory':
      mkdirSync(path);
      break;
    case 'loop':
      symlinkSync(`${path}.other`, path);
      symlinkSync(path, `${path}.other`);
      break;
    case 'oversized':
      // Valid as YAML and as an env file, only too big.
      writeFileSync(path, '# x\n'.repeat(LIMITS.maxBytes / 4 + 16));
      break;
  }
}

const expected: Record<Kind, { code: string; says: string }> = {
  device: { code: 'FILE_NOT_REGULAR', says: 'is a character device' },
  fifo: { code: 'FILE_NOT_REGULAR', says: 'is a FIFO' },
  directory: { code: 'FILE_NOT_REGULAR', says: 'is a directory' },
  loop: { code: 'FILE_UNREADABLE', says: 'symlink loop' },
  oversized: { code: 'FILE_TOO_LARGE', says: 'more than the limit' },
};

interface Reference {
  name: string;
  /** Files of the project; `HOSTILE` is where the hostile thing goes (relative to the project). */
  files: Record<string, string>;
  hostile: string;
  opts?: (hostilePath: string) => Partial<LoadOptions>;
  /** Position of the key that names the file, when one does. */
  at?: { line: number; col: number };
  /** What the message calls the file. */
  what: string;
  /** Kinds that are not an error here (a folder named .env is not an env file). */
  fine?: Kind[];
}

const svc = 'services:\n  web:\n    image: busybox\n';

const references: Reference[] = [
  { name: '-f', files: {}, hostile: 'fig.yml', opts: (p) => ({ files: [p] }), what: 'project file' },
  // Found by its default name, not skipped for the parent directory's file.
  { name: 'the default fig.yml', files: { '../fig.yml': svc }, hostile: 'fig.yml', what: 'project file' },
  { name: 'the override file', files: { 'fig.yml': svc }, hostile: 'fig.override.yml', what: 'project file' },
  {
    name: 'extends.file',
    files: { 'fig.yml': 'services:\n  web:\n    image: busybox\n    extends:\n      file: HOSTILE\n      service: base\n' },
    hostile: 'base.yml',
    at: { line: 5, col: 13 },
    what: 'extends file',
  },
  { name: 'include', files: { 'fig.yml': 'include:\n  - HOSTILE\n' }, hostile: 'other.yml', at: { line: 2, col: 5 }, what: 'included file' },
  {
    name: "include's env_file",
    files: { 'fig.yml': 'include:\n  - path: other.yml\n    env_file: HOSTILE\n', 'other.yml': svc },
    hostile: 'inc.env',
    at: { line: 3, col: 15 },
    what: 'env_file of the include',
  },
  {
    name: "an included folder's .env",
    files: { 'fig.yml': 'include:\n  - sub/fig.yml\n', 'sub/fig.yml': 'services:\n  sub:\n    image: busybox\n' },
    hostile: 'sub/.env',
    at: { line: 2, col: 5 },
    what: 'env file of the included project',
    fine: ['directory'],
  },
  { name: 'env_file', files: { 'fig.yml': `${svc}    env_file: HOSTILE\n` }, hostile: 'app.env', at: { line: 4, col: 15 }, what: 'env_file' },
  {
    name: 'optional env_file',
    files: { 'fig.yml': `${svc}    env_file:\n      - path: HOSTILE\n        required: false\n` },
    hostile: 'app.env',
    at: { line: 5, col: 9 },
    what: 'env_file',
  },
  { name: 'label_file', files: { 'fig.yml': `${svc}    label_file: HOSTILE\n` }, hostile: 'labels', at: { line: 4, col: 17 }, what: 'label_file' },
  { name: '--env-file', files: { 'fig.yml': svc }, hostile: 'x.env', opts: (p) => ({ envFiles: [p] }), what: 'env file' },
  { name: 'the project .env', files: { 'fig.yml': svc }, hostile: '.env', what: 'env file', fine: ['directory'] },
];

const kinds: Kind[] = ['device', 'fifo', 'directory', 'loop', 'oversized'];

describe('hostile files named by the project', { timeout: 30_000 }, () => {
  // The first load compiles the schema (seconds on a busy machine): not part of any bound.
  beforeAll(() => {
    expect(errorsOf(load(projectDir({ 'fig.yml': svc })))).toEqual([]);
  }, 60_000);

  for (const ref of references) {
    for (const kind of kinds) {
      it(`${ref.name}: ${kind}`, { timeout: 20_000 }, () => {
        const files = Object.fromEntries(Object.entries(ref.files).map(([k, v]) => [k, v.replace('HOSTILE', ref.hostile)]));
        const dir = projectDir(files);
        const hostilePath = join(dir, ref.hostile);
        makeHostile(kind, hostilePath);

        global.gc?.();
        const rss = process.memoryUsage().rss;
        const started = performance.now();
        const r = load(dir, ref.opts?.(hostilePath) ?? {});
        const ms = performance.now() - started;
        const grown = process.memoryUsage().rss - rss;

        expect(ms).toBeLessThan(5000);
        expect(grown).toBeLessThan(100 * 1024 * 1024);
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        if (ref.fine?.includes(kind)) {
          expect(errors).toEqual([]);
          expect(r.project).toBeDefined();
          return;
        }
        expect(errorsOf(r)).toEqual([ref.at ? { code: expected[kind].code, ...ref.at } : { code: expected[kind].code }]);
        const message = errors[0]!.message;
        expect(message).toContain(hostilePath);
        expect(message).toContain(expected[kind].says);
        expect(message.startsWith(`${ref.what} `)).toBe(true);
        expect(message).not.toMatch(/not found|\n/);
      });
    }
  }

  it('/dev/zero named directly by extends or include is refused at once', { timeout: 20_000 }, () => {
    const cases = [
      { text: 'include:\n  - /dev/zero\n', at: { line: 2, col: 5 } },
      { text: 'services:\n  web:\n    image: busybox\n    extends: {file: /dev/zero, service: x}\n', at: { line: 4, col: 21 } },
    ];
    for (const c of cases) {
      const dir = projectDir({ 'fig.yml': c.text });
      const rss = process.memoryUsage().rss;
      const started = performance.now();
      const r = load(dir);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
      expect(errorsOf(r)).toEqual([{ code: 'FILE_NOT_REGULAR', ...c.at }]);
      expect(r.diagnostics[0]!.message).toContain('/dev/zero is a character device');
    }
  });

  it('a missing file is still "not found", with its own code', () => {
    const dir = projectDir({ 'fig.yml': 'include:\n  - nope.yml\n' });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([{ code: 'FILE_NOT_FOUND', line: 2, col: 5 }]);
    expect(r.diagnostics[0]!.message).toContain('not found');
  });
});

describe('hostile interpolation', { timeout: 30_000 }, () => {
  it('${U:-${U:-...}} 2,000 deep loads, as compose accepts it', () => {
    const image = '${U:-'.repeat(2000) + 'busybox' + '}'.repeat(2000);
    const r = load(projectDir({ 'fig.yml': `services:\n  web:\n    image: "${image}"\n` }));
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.image).toBe('busybox');
  });
});

describe('standard input (-f -)', () => {
  it('a stream without end (/dev/zero) stops at the limit', { timeout: 20_000 }, () => {
    const fd = openSync('/dev/zero', 'r');
    try {
      const rss = process.memoryUsage().rss;
      const started = performance.now();
      const r = readDescriptor(fd);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
      expect(r).toMatchObject({ ok: false, problem: 'too-large' });
    } finally {
      closeSync(fd);
    }
  });

  it('a stream within the limit is read whole', () => {
    const dir = projectDir({ 'in.yml': 'services:\n  web:\n    image: busybox\n' });
    const fd = openSync(join(dir, 'in.yml'), 'r');
    try {
      expect(readDescriptor(fd)).toMatchObject({ ok: true, text: 'services:\n  web:\n    image: busybox\n' });
    } finally {
      closeSync(fd);
    }
  });
});

/**
 * The resolved-project cache (config/projectcache.ts): a hit is the very project a fresh load
 * makes (values, prototypes, positions, warnings, variables), and it is never stale: any file,
 * path, variable, option or build the load depended on changes, and the next load is fresh.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, type LoadOptions } from '../../src/config/load.js';
import { loadCached, projectCacheFromEnv, type ProjectCache } from '../../src/config/projectcache.js';
import { readDescriptor, recordInputs } from '../../src/config/readfile.js';
import { flattenSources } from '../../src/config/tree.js';
import { attachedSources, sourceLoc, sourceValueLoc } from '../../src/model/diagnostic.js';
import { projectDir } from '../support/project.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CORPUS = resolve(ROOT, '../shared/corpus');

function cacheAt(extra: Partial<ProjectCache> = {}): ProjectCache {
  return { dir: mkdtempSync(join(tmpdir(), 'tsfig-pcache-')), build: 'tsfig-0123456789abcdef.cjs', ...extra };
}

const baseEnv = (): Record<string, string | undefined> => ({ HOME: '/home/u', PATH: '/usr/bin' });

function opts(cwd: string, more: Partial<LoadOptions> = {}): LoadOptions {
  return { cwd, env: baseEnv(), homeDir: '/home/u', checkBuildContexts: false, ...more };
}

/** Paths (depth first) of the objects without a prototype: what v8's format alone would lose. */
function barePaths(v: unknown, path = '', out: string[] = [], seen = new Set<object>()): string[] {
  if (typeof v !== 'object' || v === null || seen.has(v)) return out;
  seen.add(v);
  if (!Array.isArray(v) && Object.getPrototypeOf(v) === null) out.push(path || '/');
  for (const [k, x] of Object.entries(v)) barePaths(x, `${path}/${k}`, out, seen);
  return out;
}

/** A hit is the fresh load: every value, prototype, warning, variable and position. */
function expectSameLoad(fresh: ReturnType<typeof loadProject>, cached: ReturnType<typeof loadProject>): void {
  expect(cached.project).toStrictEqual(fresh.project);
  expect(cached.diagnostics).toStrictEqual(fresh.diagnostics);
  expect(cached.vars).toStrictEqual(fresh.vars);
  expect(barePaths(cached.project)).toEqual(barePaths(fresh.project));
  expect(barePaths(cached.vars)).toEqual(barePaths(fresh.vars));
  const flat = flattenSources(attachedSources(fresh.project!));
  expect(flat).toBeDefined();
  for (const key of flat!.keys()) {
    const path = JSON.parse(key) as string[];
    for (const p of [path, [...path, 'no-such-key'], path.slice(0, -1)]) {
      expect(sourceLoc(cached.project!, p)).toStrictEqual(sourceLoc(fresh.project!, p));
      expect(sourceValueLoc(cached.project!, p)).toStrictEqual(sourceValueLoc(fresh.project!, p));
    }
  }
}

/** Loads twice through the cache: a miss, then a hit equal to a fresh load. */
function expectHit(o: LoadOptions, cache: ProjectCache): void {
  const fresh = loadProject(o);
  expect(fresh.project, JSON.stringify(fresh.diagnostics)).toBeDefined();
  const first = loadCached(o, cache);
  expect(first.outcome).toBe('miss');
  expectSameLoad(fresh, first.result);
  const second = loadCached(o, cache);
  expect(second.outcome).toBe('hit');
  expectSameLoad(fresh, second.result);
}

const RICH: Record<string, string> = {
  'compose.yaml': `
name: rich
include:
  - path: inc/other.yml
x-common: &common
  restart: unless-stopped
  labels: {team: "core"}
services:
  web:
    <<: *common
    image: "busybox:\${TAG:-1.36}"
    command: ["sh", "-c", "echo $$HOME"]
    env_file: [web.env]
    environment:
      GREETING: "\${GREETING}"
    ports: ["8080:80", {target: 443, published: "8443"}]
    depends_on:
      db: {condition: service_healthy}
    networks: {front: {aliases: [www]}, back: {}}
    volumes: ["data:/data", "./static:/srv:ro"]
  db:
    extends: {file: base.yml, service: database}
  debug:
    image: busybox
    profiles: [debug]
  hasOwnProperty:
    image: busybox
networks: {front: {}, back: {internal: true}}
volumes: {data: {}}
secrets: {token: {file: ./token.txt}}
`,
  'inc/other.yml': 'services:\n  cache:\n    image: "redis:${REDIS_TAG:-7}"\n',
  'base.yml': 'services:\n  database:\n    image: postgres\n    healthcheck: {test: ["CMD", "true"], interval: 1s}\n',
  'web.env': 'PASSWORD=from-env-file\n',
  '.env': 'GREETING=hello\nTAG=1.37\n',
  'token.txt': 'secret',
};

describe('the resolved-project cache', () => {
  it('a second load with nothing changed comes from the cache and is the fresh load: values, prototypes, warnings, variables, positions', () => {
    const cache = cacheAt();
    expectHit(opts(projectDir(RICH)), cache);
    // The flat Fig form, a warning (an unset variable), and the project's own files.
    expectHit(opts(projectDir({ 'fig.yml': 'web:\n  image: busybox\n  environment: ["X=${UNSET_X}"]\n  links: [db]\ndb:\n  image: busybox\n' })), cache);
    expect(loadProject(opts(projectDir({ 'fig.yml': 'web:\n  image: "${UNSET_X}busybox"\n' }))).diagnostics.length).toBeGreaterThan(0);
    expectHit(opts(ROOT), cache);
    for (const ex of readdirSync(join(ROOT, 'examples'))) expectHit(opts(join(ROOT, 'examples', ex)), cache);
  });

  it('agrees with a fresh load on every valid file of the real-world corpus', () => {
    const expect_ = JSON.parse(readFileSync(join(CORPUS, 'expect.json'), 'utf8')) as Record<string, { expect: string; env?: Record<string, string> }>;
    const cache = cacheAt();
    let checked = 0;
    for (const [rel, e] of Object.entries(expect_)) {
      if (e.expect !== 'valid') continue;
      const file = join(CORPUS, rel);
      const o = opts(dirname(file), { files: [file], env: { ...baseEnv(), ...(e.env ?? {}) } });
      if (!loadProject(o).project) continue; // a documented exception (scripts/conformance.ts)
      expectHit(o, cache);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  describe('never stale', () => {
    /** After `change`, the next load is a miss and equal to a fresh load. */
    function expectSeen(files: Record<string, string>, change: (dir: string, o: LoadOptions) => LoadOptions | void, more: Partial<LoadOptions> = {}): { before: ReturnType<typeof loadProject>; after: ReturnType<typeof loadProject> } {
      const dir = projectDir(files);
      const cache = cacheAt();
      const o = opts(dir, more);
      expect(loadCached(o, cache).outcome).toBe('miss');
      const before = loadCached(o, cache);
      expect(before.outcome).toBe('hit');
      const o2 = change(dir, o) ?? o;
      const after = loadCached(o2, cache);
      expect(after.outcome).toBe('miss');
      expectSameLoadOrErrors(loadProject(o2), after.result);
      return { before: before.result, after: after.result };
    }

    function expectSameLoadOrErrors(fresh: ReturnType<typeof loadProject>, got: ReturnType<typeof loadProject>): void {
      if (fresh.project) expectSameLoad(fresh, got);
      else expect(got.diagnostics).toStrictEqual(fresh.diagnostics);
    }

    it('an edited included file', () => {
      const { before, after } = expectSeen(RICH, (dir) => writeFileSync(join(dir, 'inc/other.yml'), 'services:\n  cache:\n    image: "redis:6"\n'));
      expect(before.project!.services.cache!.image).toBe('redis:7');
      expect(after.project!.services.cache!.image).toBe('redis:6');
    });

    it('an edited file of extends, env_file and .env', () => {
      expect(expectSeen(RICH, (dir) => writeFileSync(join(dir, 'base.yml'), 'services:\n  database:\n    image: mariadb\n')).after.project!.services.db!.image).toBe('mariadb');
      expect(expectSeen(RICH, (dir) => writeFileSync(join(dir, 'web.env'), 'PASSWORD=changed\n')).after.project!.services.web!.environment).toMatchObject({ PASSWORD: 'changed' });
      expect(expectSeen(RICH, (dir) => writeFileSync(join(dir, '.env'), 'GREETING=bye\n')).after.project!.services.web!.image).toBe('busybox:1.36');
    });

    it('a .env or a project file that appears, one that goes, a build context removed', () => {
      const files = { 'compose.yaml': 'services:\n  web:\n    image: "busybox:${TAG:-1}"\n' };
      expect(expectSeen(files, (dir) => writeFileSync(join(dir, '.env'), 'TAG=2\n')).after.project!.services.web!.image).toBe('busybox:2');
      // Found in the parent first; then a file in the working directory wins.
      const parent = projectDir({ ...files, 'sub/keep': '' });
      const cache = cacheAt();
      const inSub = opts(join(parent, 'sub'));
      expect(loadCached(inSub, cache).result.project!.services.web).toBeDefined();
      expect(loadCached(inSub, cache).outcome).toBe('hit');
      writeFileSync(join(parent, 'sub/compose.yaml'), 'services:\n  api:\n    image: busybox\n');
      const now = loadCached(inSub, cache);
      expect(now.outcome).toBe('miss');
      expect(Object.keys(now.result.project!.services)).toEqual(['api']);
      rmSync(join(parent, 'compose.yaml'));
      rmSync(join(parent, 'sub/compose.yaml'));
      const gone = loadCached(inSub, cache);
      expect(gone.result.project).toBeUndefined();
      expect(gone.result.diagnostics[0]!.code).toBe('NO_PROJECT_FILE');
      // A build context that goes away: the error comes back at its position.
      const b = expectSeen({ 'compose.yaml': 'services:\n  app:\n    build: ./app\n', 'app/Dockerfile': 'FROM busybox\n' }, (dir) => rmSync(join(dir, 'app'), { recursive: true }), { checkBuildContexts: true });
      expect(b.after.project).toBeUndefined();
      expect(b.after.diagnostics.map((d) => d.code)).toContain('BUILD_CONTEXT_NOT_FOUND');
    });

    it('a changed, added or removed variable of the shell', () => {
      expect(expectSeen(RICH, (_dir, o) => ({ ...o, env: { ...o.env, TAG: '9' } })).after.project!.services.web!.image).toBe('busybox:9');
      expect(expectSeen(RICH, (_dir, o) => ({ ...o, env: { ...o.env, UNRELATED: 'x' } })).after.project).toBeDefined();
      expect(expectSeen(RICH, (_dir, o) => ({ ...o, env: { HOME: '/home/u' } })).after.project).toBeDefined();
    });

    it('other options, the loader limits, and another build', () => {
      expect(Object.keys(expectSeen(RICH, (_dir, o) => ({ ...o, profiles: ['debug'] })).after.project!.services)).toContain('debug');
      expect(expectSeen(RICH, (_dir, o) => ({ ...o, projectName: 'other' })).after.project!.name).toBe('other');
      const dir = projectDir(RICH);
      const cache = cacheAt();
      loadCached(opts(dir), cache);
      expect(loadCached(opts(dir), cache).outcome).toBe('hit');
      expect(loadCached(opts(dir), { ...cache, build: 'tsfig-fedcba9876543210.cjs' }).outcome).toBe('miss');
    });

    it('a file whose content is the same but which cannot be read now', () => {
      if (process.getuid?.() === 0) {
        // root reads any file: a file replaced by a folder stands in for it.
        expectSeen(RICH, (dir) => {
          rmSync(join(dir, 'web.env'));
          mkdirSync(join(dir, 'web.env'));
        });
      } else {
        expectSeen(RICH, (dir) => chmodSync(join(dir, 'web.env'), 0o000));
      }
    });
  });

  it('the cache file holds no value of the project, its files or its variables, and only its owner can read it', () => {
    const canary = 'CANARY-5f0c2e7b';
    const cache = cacheAt({ dir: join(mkdtempSync(join(tmpdir(), 'tsfig-pcache-')), 'nested') });
    const dir = projectDir({
      'compose.yaml': `services:\n  web:\n    image: busybox\n    environment: {A: "${canary}-inline", B: "\${FROM_DOTENV}", C: "\${FROM_SHELL}"}\n    env_file: [web.env]\n`,
      '.env': `FROM_DOTENV=${canary}-dotenv\n`,
      'web.env': `D=${canary}-envfile\n`,
    });
    const o = opts(dir, { env: { ...baseEnv(), FROM_SHELL: `${canary}-shell` } });
    expect(loadCached(o, cache).outcome).toBe('miss');
    expect(loadCached(o, cache).outcome).toBe('hit');
    const [file] = readdirSync(cache.dir).filter((f) => f.startsWith('project-'));
    const bytes = readFileSync(join(cache.dir, file!));
    expect(bytes.includes(Buffer.from('CANARY'))).toBe(false);
    expect(bytes.includes(Buffer.from('busybox'))).toBe(false);
    expect(statSync(join(cache.dir, file!)).mode & 0o777).toBe(0o600);
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
  });

  it('a damaged, cut or foreign cache file is a miss, and the load is as without the cache', () => {
    const dir = projectDir(RICH);
    const cache = cacheAt();
    const o = opts(dir);
    loadCached(o, cache);
    const [name] = readdirSync(cache.dir);
    const file = join(cache.dir, name!);
    const good = readFileSync(file);
    const damaged = [good.subarray(0, good.length - 7), Buffer.concat([good.subarray(0, 40), Buffer.from('x'), good.subarray(41)]), Buffer.from('not a cache file'), Buffer.alloc(0)];
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3]! ^= 0xff;
    damaged.push(flipped);
    for (const bytes of damaged) {
      writeFileSync(file, bytes);
      const r = loadCached(o, cache);
      expect(r.outcome).toBe('miss');
      expectSameLoad(loadProject(o), r.result);
    }
    expect(loadCached(o, cache).outcome).toBe('hit');
  });

  it('stdin, config raw modes and loads with errors are never kept', () => {
    const cache = cacheAt();
    const dir = projectDir(RICH);
    expect(loadCached(opts(dir, { files: ['-'], stdin: () => 'services: {a: {image: busybox}}' }), cache).outcome).toBe('off');
    expect(loadCached(opts(dir, { interpolate: false }), cache).outcome).toBe('off');
    expect(loadCached(opts(dir, { resolvePaths: false }), cache).outcome).toBe('off');
    // Whatever names stdin (`-f -`, COMPOSE_FILE=-), a load that reads it is not repeatable,
    // nor is a read of any descriptor (read here from a file, not the test's own stdin).
    expect(recordInputs(() => loadProject(opts(dir, { files: ['-'], stdin: () => 'services: {a: {image: busybox}}' }))).recording.repeatable).toBe(false);
    const fd = openSync(join(dir, 'token.txt'), 'r');
    try {
      expect(recordInputs(() => readDescriptor(fd)).recording.repeatable).toBe(false);
    } finally {
      closeSync(fd);
    }
    expect(recordInputs(() => loadProject(opts(dir))).recording.repeatable).toBe(true);
    const bad = projectDir({ 'compose.yaml': 'services:\n  web:\n    image: [1\n' });
    expect(loadCached(opts(bad), cache).result.project).toBeUndefined();
    expect(loadCached(opts(bad), cache).outcome).toBe('miss');
    expect(existsSync(cache.dir) ? readdirSync(cache.dir).filter((f) => f.startsWith('project-')) : []).toEqual([]);
  });

  it('keeps at most `keep` projects, the least recently written going first', () => {
    const cache = cacheAt({ keep: 2 });
    const dirs = [1, 2, 3].map((i) => projectDir({ 'compose.yaml': `services:\n  s${i}:\n    image: busybox\n` }));
    for (const d of dirs) loadCached(opts(d), cache);
    expect(readdirSync(cache.dir).filter((f) => f.startsWith('project-'))).toHaveLength(2);
    expect(loadCached(opts(dirs[2]!), cache).outcome).toBe('hit');
  });

  it('is on for the bundle only, and off with TSFIG_PROJECT_CACHE=0, false, no or off', () => {
    expect(projectCacheFromEnv({ HOME: '/h' })).toBeUndefined(); // these tests run from src/, not the bundle
    expect(projectCacheFromEnv({ TSFIG_CACHE_DIR: '/c' }, 'tsfig-0123456789abcdef.cjs')).toEqual({ dir: '/c', build: 'tsfig-0123456789abcdef.cjs' });
    expect(projectCacheFromEnv({ XDG_CACHE_HOME: '/x' }, 'tsfig-0123456789abcdef.cjs')!.dir).toBe('/x/tsfig');
    for (const v of ['0', 'false', ' FALSE ', 'no', 'off']) expect(projectCacheFromEnv({ TSFIG_PROJECT_CACHE: v }, 'tsfig-0123456789abcdef.cjs')).toBeUndefined();
  });
});

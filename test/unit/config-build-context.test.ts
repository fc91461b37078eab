/**
 * A local build context that is missing or not a directory, and a `dockerfile:` that is not a
 * file in it, are load errors at the key's position for the commands that may build
 * (`config`, `plan`, `up`, ...); remote contexts are the engine's to fetch and not checked.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorsOf, load, projectDir, tsfig } from '../support/project.js';

const check = { checkBuildContexts: true };
const web = (build: string) => `services:\n  web:\n    image: app\n${build}`;

// The first load compiles the schema: seconds on a busy machine.
describe('build context checks', { timeout: 30_000 }, () => {
  it('a missing context (short form) is reported at the build value', () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n') });
    const r = load(dir, check);
    expect(errorsOf(r)).toEqual([{ code: 'BUILD_CONTEXT_NOT_FOUND', line: 4, col: 12 }]);
    expect(r.diagnostics[0]!.message).toContain(join(dir, 'nosuchdir'));
    expect(r.project).toBeUndefined();
  });

  it('a missing context (long form) is reported at the context value', () => {
    const dir = projectDir({ 'fig.yml': web('    build:\n      context: ctx/missing\n') });
    expect(errorsOf(load(dir, check))).toEqual([{ code: 'BUILD_CONTEXT_NOT_FOUND', line: 5, col: 16 }]);
  });

  it('a context that is a file is named as such', () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./Dockerfile\n'), Dockerfile: 'FROM busybox\n' });
    const r = load(dir, check);
    expect(errorsOf(r)).toEqual([{ code: 'BUILD_CONTEXT_NOT_DIRECTORY', line: 4, col: 12 }]);
    expect(r.diagnostics[0]!.message).toContain('is a file, not a directory');
  });

  it('a dockerfile that is not in the context is reported at the dockerfile value', () => {
    const dir = projectDir({ 'fig.yml': web('    build:\n      context: app\n      dockerfile: Dockerfile.dev\n'), 'app/Dockerfile': 'FROM busybox\n' });
    const r = load(dir, check);
    expect(errorsOf(r)).toEqual([{ code: 'DOCKERFILE_NOT_FOUND', line: 6, col: 19 }]);
    expect(r.diagnostics[0]!.message).toContain(join(dir, 'app', 'Dockerfile.dev'));
  });

  it('a dockerfile that is a directory is named as such', () => {
    const dir = projectDir({ 'fig.yml': web('    build: {context: ., dockerfile: docker}\n'), 'docker/Dockerfile': 'FROM busybox\n' });
    const r = load(dir, check);
    expect(errorsOf(r)).toEqual([{ code: 'DOCKERFILE_NOT_FOUND', line: 4, col: 37 }]);
    expect(r.diagnostics[0]!.message).toContain('is a directory');
  });

  it('the Fig form: dockerfile beside build', () => {
    const dir = projectDir({ 'fig.yml': 'web:\n  build: .\n  dockerfile: Nope\n' });
    expect(errorsOf(load(dir, check))).toEqual([{ code: 'DOCKERFILE_NOT_FOUND', line: 3, col: 15 }]);
  });

  it('an existing context and dockerfile, an absolute dockerfile, dockerfile_inline: no error', () => {
    const dir = projectDir({
      'fig.yml':
        'services:\n  a:\n    build: ./app\n  b:\n    build: {context: app, dockerfile: ../other/Dockerfile.b}\n  c:\n    build: {context: app, dockerfile_inline: "FROM busybox"}\n  d:\n    build: .\n',
      'app/Dockerfile': 'FROM busybox\n',
      'other/Dockerfile.b': 'FROM busybox\n',
      Dockerfile: 'FROM busybox\n',
    });
    expect(errorsOf(load(dir, check))).toEqual([]);
  });

  it('remote contexts are not checked', () => {
    const dir = projectDir({
      'fig.yml':
        'services:\n  a:\n    build: https://github.com/docker/nope.git#main\n  b:\n    build: git@github.com:docker/nope.git\n  c:\n    build: {context: "http://127.0.0.1:9/ctx.tar.gz", dockerfile: Nope}\n',
    });
    expect(errorsOf(load(dir, check))).toEqual([]);
  });

  it('is checked after merging: an override that fixes the context wins', () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n'), 'fig.override.yml': 'services:\n  web:\n    build: ./real\n' });
    mkdirSync(join(dir, 'real'));
    expect(errorsOf(load(dir, { ...check, files: ['fig.yml', 'fig.override.yml'] }))).toEqual([]);
  });

  it('services of inactive profiles are not checked', () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n    profiles: [later]\n') });
    expect(errorsOf(load(dir, check))).toEqual([]);
    expect(errorsOf(load(dir, { ...check, profiles: ['later'] }))).toEqual([{ code: 'BUILD_CONTEXT_NOT_FOUND', line: 4, col: 12 }]);
  });

  it('commands that do not build (ps, down, logs) load the project anyway', () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n') });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.build!.context).toBe(join(dir, 'nosuchdir'));
  });

  it('`config -q` and `plan` fail at file:line:col, before any engine call', async () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n') });
    for (const args of [['config', '-q'], ['plan']]) {
      // An engine address that cannot answer: reaching for it would be another error.
      const r = await tsfig(args, { cwd: dir, env: { HOME: '/home/u', DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^fig\.yml:4:12: build context \S*nosuchdir of service "web" not found/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('`config --no-build-check` judges the file alone, as docker compose config does', async () => {
    const dir = projectDir({ 'fig.yml': web('    build: ./nosuchdir\n') });
    expect(await tsfig(['config', '-q', '--no-build-check'], { cwd: dir, env: { HOME: '/home/u' } })).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

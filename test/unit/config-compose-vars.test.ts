/**
 * docker compose's (and Fig's) variables, from the shell and from the project's .env, shell
 * first: COMPOSE_PROJECT_NAME, COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, COMPOSE_PROFILES,
 * COMPOSE_ENV_FILES, COMPOSE_DISABLE_ENV_FILE, FIG_FILE, FIG_PROJECT_NAME; tsfig's own TSFIG_*
 * names first (TSFIG_FILE in .env too); and the settings COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT,
 * COMPOSE_REMOVE_ORPHANS.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { httpTimeoutMs, ignoreOrphansSetting, parallelSetting, progressMode, removeOrphansSetting, statusStdoutSetting } from '../../src/settings.js';
import { load, projectDir, tsfig } from '../support/project.js';

const svc = (name: string) => `services:\n  ${name}:\n    image: busybox\n`;

function loaded(files: Record<string, string>, env: Record<string, string> = {}) {
  const r = load(projectDir(files, 'dirname'), { env: { HOME: '/home/u', ...env } });
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

describe('project name', () => {
  it('COMPOSE_PROJECT_NAME in .env names the project (it was ignored: the directory named it)', () => {
    expect(loaded({ 'fig.yml': svc('a'), '.env': 'COMPOSE_PROJECT_NAME=fromdotenv\n' }).name).toBe('fromdotenv');
  });
  it('the shell wins over .env; then -p, TSFIG_PROJECT_NAME, COMPOSE_PROJECT_NAME, FIG_PROJECT_NAME, name:, the directory', () => {
    expect(loaded({ 'fig.yml': svc('a'), '.env': 'COMPOSE_PROJECT_NAME=fromdotenv\n' }, { COMPOSE_PROJECT_NAME: 'fromshell' }).name).toBe('fromshell');
    expect(loaded({ 'fig.yml': svc('a') }, { COMPOSE_PROJECT_NAME: 'compose', TSFIG_PROJECT_NAME: 'tsfig' }).name).toBe('tsfig');
    expect(loaded({ 'fig.yml': `name: infile\n${svc('a')}` }, { COMPOSE_PROJECT_NAME: 'compose' }).name).toBe('compose');
    expect(loaded({ 'fig.yml': svc('a') }, { FIG_PROJECT_NAME: 'figname' }).name).toBe('figname');
  });
  it('an invalid one is named with where it came from', () => {
    const r = load(projectDir({ 'fig.yml': svc('a'), '.env': 'COMPOSE_PROJECT_NAME=Bad Name\n' }), {});
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/from COMPOSE_PROJECT_NAME/);
  });
});

describe('files', () => {
  const files = { 'a.yml': svc('a'), 'b.yml': svc('b'), 'fig.yml': svc('default') };
  it('COMPOSE_FILE (":"-separated) from the shell or .env; COMPOSE_PATH_SEPARATOR', () => {
    expect(Object.keys(loaded(files, { COMPOSE_FILE: 'a.yml:b.yml' }).services).sort()).toEqual(['a', 'b']);
    expect(Object.keys(loaded({ ...files, '.env': 'COMPOSE_FILE=a.yml\n' }).services)).toEqual(['a']);
    expect(Object.keys(loaded(files, { COMPOSE_FILE: 'a.yml,b.yml', COMPOSE_PATH_SEPARATOR: ',' }).services).sort()).toEqual(['a', 'b']);
  });
  it('TSFIG_FILE wins, in .env too; FIG_FILE last', () => {
    expect(Object.keys(loaded({ ...files, '.env': 'TSFIG_FILE=b.yml\nCOMPOSE_FILE=a.yml\n' }).services)).toEqual(['b']);
    expect(Object.keys(loaded(files, { FIG_FILE: 'b.yml' }).services)).toEqual(['b']);
  });
  it('a missing file named by COMPOSE_FILE says so', () => {
    const r = load(projectDir(files), { env: { COMPOSE_FILE: 'nope.yml' } });
    expect(r.diagnostics.map((d) => `${d.message} (${d.hint ?? ''})`).join('\n')).toMatch(/nope\.yml.*COMPOSE_FILE/);
  });
});

describe('profiles and env files', () => {
  const text = `services:\n  a:\n    image: busybox\n    environment: {X: "\${X:-none}"}\n  dbg:\n    image: busybox\n    profiles: [debug]\n`;
  it('COMPOSE_PROFILES enables profiles, from .env too', () => {
    expect(Object.keys(loaded({ 'fig.yml': text }, { COMPOSE_PROFILES: 'debug' }).services).sort()).toEqual(['a', 'dbg']);
    expect(Object.keys(loaded({ 'fig.yml': text, '.env': 'COMPOSE_PROFILES=debug\n' }).services).sort()).toEqual(['a', 'dbg']);
  });
  it('COMPOSE_ENV_FILES replaces .env; COMPOSE_DISABLE_ENV_FILE turns .env off', () => {
    const files = { 'fig.yml': text, '.env': 'X=dotenv\n', 'one.env': 'X=one\n', 'two.env': 'X=two\n' };
    expect(loaded(files).services.a!.environment.X).toBe('dotenv');
    expect(loaded(files, { COMPOSE_ENV_FILES: 'one.env,two.env' }).services.a!.environment.X).toBe('two');
    expect(loaded(files, { COMPOSE_DISABLE_ENV_FILE: '1' }).services.a!.environment.X).toBe('none');
  });
});

describe('settings with compose names', () => {
  it('COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT, COMPOSE_REMOVE_ORPHANS; the TSFIG_ name wins', () => {
    expect(progressMode(undefined, { COMPOSE_PROGRESS: 'plain' })).toBe('plain');
    expect(progressMode(undefined, { COMPOSE_PROGRESS: 'plain', TSFIG_PROGRESS: 'json' })).toBe('json');
    expect(() => progressMode(undefined, { COMPOSE_PROGRESS: 'bogus' })).toThrow(/invalid COMPOSE_PROGRESS "bogus"/);
    expect(parallelSetting(undefined, { COMPOSE_PARALLEL_LIMIT: '3' }, 8)).toBe(3);
    expect(() => parallelSetting(undefined, { COMPOSE_PARALLEL_LIMIT: 'x' }, 8)).toThrow(UsageError);
    expect(removeOrphansSetting({ COMPOSE_REMOVE_ORPHANS: 'true' })).toBe(true);
    expect(removeOrphansSetting({ COMPOSE_REMOVE_ORPHANS: 'true', TSFIG_REMOVE_ORPHANS: '0' })).toBe(false);
    expect(ignoreOrphansSetting({ COMPOSE_IGNORE_ORPHANS: '1' })).toBe(true);
    expect(ignoreOrphansSetting({})).toBe(false);
    expect(() => ignoreOrphansSetting({ COMPOSE_IGNORE_ORPHANS: 'maybe' })).toThrow(/invalid COMPOSE_IGNORE_ORPHANS/);
  });
});

describe('global flags', () => {
  it('--parallel before the command bounds every command (a bad value is a usage error before any engine call)', async () => {
    const dir = projectDir({ 'fig.yml': svc('a') });
    const r = await tsfig(['--parallel', '0', 'ps'], { cwd: dir, env: { HOME: '/home/u', DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --parallel "0"/);
  });
  it('--ansi takes never, always or auto', async () => {
    const r = await tsfig(['--ansi', 'sometimes', 'config', '-q'], { cwd: projectDir({ 'fig.yml': svc('a') }), env: { HOME: '/home/u' } });
    expect(r.code).toBe(2);
  });
});

describe('compose twins of tsfig settings', () => {
  it('COMPOSE_HTTP_TIMEOUT sets the read timeout (TSFIG_HTTP_TIMEOUT wins); a bad one is named', () => {
    expect(httpTimeoutMs({})).toBe(60_000);
    expect(httpTimeoutMs({ COMPOSE_HTTP_TIMEOUT: '5' })).toBe(5000);
    expect(httpTimeoutMs({ COMPOSE_HTTP_TIMEOUT: '5', TSFIG_HTTP_TIMEOUT: '2' })).toBe(2000);
    expect(() => httpTimeoutMs({ COMPOSE_HTTP_TIMEOUT: 'soon' })).toThrow(/COMPOSE_HTTP_TIMEOUT "soon"/);
  });

  it('COMPOSE_STATUS_STDOUT (TSFIG_STATUS_STDOUT wins); a bad one is named', () => {
    expect(statusStdoutSetting({})).toBe(false);
    expect(statusStdoutSetting({ COMPOSE_STATUS_STDOUT: '1' })).toBe(true);
    expect(statusStdoutSetting({ COMPOSE_STATUS_STDOUT: '1', TSFIG_STATUS_STDOUT: 'false' })).toBe(false);
    expect(() => statusStdoutSetting({ COMPOSE_STATUS_STDOUT: 'maybe' })).toThrow(/COMPOSE_STATUS_STDOUT "maybe"/);
  });
});

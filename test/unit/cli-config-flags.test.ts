/** Issue 14: docker compose's `config` flags, in-process through the CLI. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { extractVariables } from '../../src/config/variables.js';
import { projectDir, tsfig } from '../support/project.js';

const FILE = [
  'services:',
  '  web:',
  '    build: ./app',
  '    image: web:${TAG:-1.0}',
  '    ports: ["${PORT:?set PORT}:80"]',
  '    command: echo $$HOME ${GREETING:+hi} $$$${NOT_ONE}',
  '    volumes: ["./data:/data", "~/x:/x"]',
  '    env_file: web.env',
  '    depends_on: [db]',
  '  db:',
  '    image: postgres',
  '    networks: [back]',
  '    volumes: [dbdata:/var/lib]',
  'networks:',
  '  back: {}',
  'volumes:',
  '  dbdata: {}',
  'secrets:',
  '  s: {file: ./s.txt}',
  '',
].join('\n');

function project(): string {
  return projectDir({ 'fig.yml': FILE, 'web.env': 'A=1\n', '.env': 'PORT=8080\n', 's.txt': 's\n', 'app/Dockerfile': 'FROM busybox\n' });
}

const env = { HOME: '/home/u', SHELLVAR: 'from shell' };

describe('config --no-interpolate', () => {
  it('prints the files merged as written: variables and $$ left alone, short forms kept', async () => {
    const dir = project();
    const r = await tsfig(['config', '--no-interpolate'], { cwd: dir, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = parse(r.stdout);
    expect(out.name).toBe('proj');
    expect(out.services.web.image).toBe('web:${TAG:-1.0}');
    expect(out.services.web.ports).toEqual(['${PORT:?set PORT}:80']);
    expect(out.services.web.command).toBe('echo $$HOME ${GREETING:+hi} $$$${NOT_ONE}');
    expect(out.services.web.env_file).toBe('web.env');
    expect(Object.keys(out)).toEqual(['name', 'networks', 'secrets', 'services', 'volumes']);
  });

  it('still checks the project as interpolated: a required variable unset is an error', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: x\n    ports: ["${PORT:?set PORT}:80"]\n' });
    const r = await tsfig(['config', '--no-interpolate'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^fig\.yml:4:\d+: .*PORT/);
  });

  it('merges -f files, extends and the flat form as written', async () => {
    const dir = projectDir({
      'fig.yml': 'web:\n  image: busybox:${V}\n  command: a\nworker:\n  extends: web\n  command: b $$1\n',
      'more.yml': 'services:\n  web:\n    environment: ["X=${Y:-y}"]\n',
    });
    const r = await tsfig(['-f', 'fig.yml', '-f', 'more.yml', 'config', '--no-interpolate', '--format', 'json'], { cwd: dir, env: { ...env, V: '1' } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.services.web).toEqual({ command: 'a', environment: ['X=${Y:-y}'], image: 'busybox:${V}' });
    expect(out.services.worker).toEqual({ command: 'b $$1', image: 'busybox:${V}' });
  });
});

describe('config --variables', () => {
  it("prints compose's table of the variables the files use", async () => {
    const r = await tsfig(['config', '--variables'], { cwd: project(), env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      ['NAME       REQUIRED   DEFAULT VALUE   ALTERNATE VALUE', 'GREETING   false                      hi', 'PORT       true', 'TAG        false      1.0', ''].join('\n'),
    );
  });

  it('--format json prints them by name with compose\'s fields', async () => {
    const r = await tsfig(['config', '--variables', '--format', 'json'], { cwd: project(), env });
    expect(JSON.parse(r.stdout).TAG).toEqual({ Name: 'TAG', DefaultValue: '1.0', PresenceValue: '', Required: false });
  });

  it('reads every form, nested defaults too, and skips $$', () => {
    const vars = extractVariables({ a: ['$A ${B} ${C-c} ${D:?m} ${E?m} ${F+f} ${G:-${H:-h}} $$I $${J} $1 ${K:-{x}}'], key$L: 'x' });
    expect(Object.values(vars)).toEqual([
      { name: 'A', required: false, defaultValue: '', alternateValue: '' },
      { name: 'B', required: false, defaultValue: '', alternateValue: '' },
      { name: 'C', required: false, defaultValue: 'c', alternateValue: '' },
      { name: 'D', required: true, defaultValue: '', alternateValue: '' },
      { name: 'E', required: true, defaultValue: '', alternateValue: '' },
      { name: 'F', required: false, defaultValue: '', alternateValue: 'f' },
      { name: 'G', required: false, defaultValue: '${H:-h}', alternateValue: '' },
      { name: 'H', required: false, defaultValue: 'h', alternateValue: '' },
      { name: 'K', required: false, defaultValue: '{x}', alternateValue: '' },
    ]);
  });
});

describe('config --environment', () => {
  it('prints the variables interpolation used, shell over .env, NAME=value sorted', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: x\n', '.env': 'PORT=8080\nSHELLVAR=from env file\n' });
    const r = await tsfig(['config', '--environment'], { cwd: dir, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('HOME=/home/u\nPORT=8080\nSHELLVAR=from shell\n');
  });
});

describe('config -o/--output', () => {
  it('writes the output to the file, nothing to stdout', async () => {
    const dir = project();
    const r = await tsfig(['config', '-o', 'out.yml'], { cwd: dir, env });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'out.yml'), 'utf8')).toBe((await tsfig(['config'], { cwd: dir, env })).stdout);
    await tsfig(['config', '--services', '--output', 'list.txt'], { cwd: dir, env });
    expect(readFileSync(join(dir, 'list.txt'), 'utf8')).toBe('db\nweb\n');
  });

  it('with -q writes nothing; an unwritable path is one line, exit 1', async () => {
    const dir = project();
    expect(await tsfig(['config', '-q', '-o', 'out.yml'], { cwd: dir, env })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(dir, 'out.yml'))).toBe(false);
    const r = await tsfig(['config', '-o', 'no/such/dir/out.yml'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot write .*no\/such\/dir\/out\.yml: ENOENT/);
  });
});

describe('config --no-path-resolution', () => {
  it('keeps relative and ~ paths as written', async () => {
    const r = await tsfig(['config', '--no-path-resolution', '--format', 'json'], { cwd: project(), env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out.services.web.build.context).toBe('./app');
    expect(out.services.web.volumes.map((v: { source: string }) => v.source)).toEqual(['./data', '~/x']);
    expect(out.secrets.s.file).toBe('./s.txt');
    // env_file is still read from the project directory, not from where tsfig runs.
    expect(out.services.web.environment).toEqual({ A: '1' });
  });

  it('resolves them without the flag', async () => {
    const dir = project();
    const out = JSON.parse((await tsfig(['config', '--format', 'json'], { cwd: dir, env })).stdout);
    expect(out.services.web.build.context).toBe(join(dir, 'app'));
    expect(out.services.web.volumes.map((v: { source: string }) => v.source)).toEqual([join(dir, 'data'), '/home/u/x']);
  });
});

describe('config --no-env-resolution', () => {
  it('prints env_file as the list of files (long form) instead of their variables; the output loads back to the resolved project', async () => {
    const dir = projectDir({
      'fig.yml': 'services:\n  web:\n    image: busybox\n    env_file: [web.env, {path: opt.env, required: false}]\n    environment: {B: "2"}\n',
      'web.env': 'A=1\n',
    });
    const r = await tsfig(['config', '--no-env-resolution', '--format', 'json'], { cwd: dir, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const web = JSON.parse(r.stdout).services.web;
    expect(web.env_file).toEqual([
      { path: join(dir, 'web.env'), required: true },
      { path: join(dir, 'opt.env'), required: false },
    ]);
    expect(web.environment).toEqual({ B: '2' });
    const plain = await tsfig(['config', '--format', 'json'], { cwd: dir, env });
    const printed = await tsfig(['config', '--no-env-resolution', '-o', join(dir, 'out.yml')], { cwd: dir, env });
    expect(printed.code).toBe(0);
    const again = await tsfig(['-f', join(dir, 'out.yml'), 'config', '--format', 'json'], { cwd: dir, env });
    expect(JSON.parse(again.stdout).services).toEqual(JSON.parse(plain.stdout).services);
    expect(JSON.parse(plain.stdout).services.web.environment).toEqual({ A: '1', B: '2' });
  });

  it('two files with env_file: the lists are appended, as compose merges them', async () => {
    const dir = projectDir({
      'fig.yml': 'services:\n  web:\n    image: busybox\n    env_file: a.env\n',
      'fig.override.yml': 'services:\n  web:\n    env_file: b.env\n',
      'a.env': 'A=1\n',
      'b.env': 'B=2\n',
    });
    const r = await tsfig(['config', '--no-env-resolution', '--format', 'json'], { cwd: dir, env });
    expect(JSON.parse(r.stdout).services.web.env_file.map((f: { path: string }) => f.path)).toEqual([join(dir, 'a.env'), join(dir, 'b.env')]);
  });
});

describe('config --no-consistency', () => {
  const broken = 'services:\n  web:\n    image: x\n    depends_on: [db]\n    networks: [nope]\n    volumes: [undeclared:/v]\n    secrets: [missing]\n  bare: {}\n';

  it('prints a project whose references do not resolve', async () => {
    const dir = projectDir({ 'fig.yml': broken });
    expect((await tsfig(['config', '-q'], { cwd: dir, env })).code).toBe(1);
    const r = await tsfig(['config', '--no-consistency', '--format', 'json'], { cwd: dir, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.services.web.networks)).toEqual(['nope']);
    expect(Object.keys(out.services.web.depends_on)).toEqual(['db']);
  });

  it('still refuses what is not a reference (a schema error, a cycle)', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n' });
    expect((await tsfig(['config', '--no-consistency'], { cwd: dir, env })).code).toBe(1);
  });
});

describe('config --no-normalize', () => {
  it('leaves out the default network the file does not declare', async () => {
    const dir = project();
    const normal = JSON.parse((await tsfig(['config', '--format', 'json'], { cwd: dir, env })).stdout);
    expect(normal.networks.default).toEqual({ name: 'proj_default' });
    expect(normal.services.web.networks).toEqual({ default: null });
    const r = await tsfig(['config', '--no-normalize', '--format', 'json'], { cwd: dir, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.networks)).toEqual(['back']);
    expect(out.services.web.networks).toBeUndefined();
    expect(out.services.db.networks).toEqual({ back: null });
  });
});

describe('config --resolve-image-digests (the use case, with a stand-in registry)', () => {
  it('pins every service image through the resolver, with and without interpolation; a failure is the error', async () => {
    const { projectConfig } = await import('../../src/app/containers/config.js');
    const dir = projectDir({ 'fig.yml': 'services:\n  a:\n    image: busybox\n  b:\n    image: reg:5000/x:${T:-2}\n' });
    const load = { cwd: dir, env, homeDir: '/home/u' };
    const asked: string[] = [];
    const resolver = async (image: string) => {
      asked.push(image);
      return `${image}@sha256:${'a'.repeat(64)}`;
    };
    const out = JSON.parse(await projectConfig(load, { services: [], format: 'json', resolveImageDigests: true }, () => {}, resolver));
    expect(out.services.a.image).toBe(`busybox@sha256:${'a'.repeat(64)}`);
    expect(out.services.b.image).toBe(`reg:5000/x:2@sha256:${'a'.repeat(64)}`);
    const raw = parse(await projectConfig(load, { services: [], resolveImageDigests: true, noInterpolate: true }, () => {}, resolver));
    expect(raw.services.b.image).toBe(`reg:5000/x:\${T:-2}@sha256:${'a'.repeat(64)}`);
    expect(asked).toEqual(['busybox', 'reg:5000/x:2', 'busybox', 'reg:5000/x:${T:-2}']);
    const failing = async () => {
      throw new Error('cannot resolve the digest of busybox: refused');
    };
    await expect(projectConfig(load, { services: [], resolveImageDigests: true }, () => {}, failing)).rejects.toThrow('cannot resolve the digest of busybox: refused');
  });
});

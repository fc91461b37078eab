import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectDir, tsfig } from '../support/project.js';

const root = resolve(import.meta.dirname, '../..');

describe('tsfig config', () => {
  it('prints the canonical long form as JSON', async () => {
    const dir = projectDir({
      'fig.yml': 'web:\n  image: busybox\n  ports: ["8080:80"]\n  environment: [A=1]\n  volumes: ["./src:/src:ro"]\n  healthcheck:\n    test: exit 0\n    interval: 90s\n',
    });
    const r = await tsfig(['config', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.name).toBe('proj');
    expect(out.services.web.ports).toEqual([{ mode: 'ingress', protocol: 'tcp', published: '8080', target: 80 }]);
    expect(out.services.web.environment).toEqual({ A: '1' });
    expect(out.services.web.volumes).toEqual([{ type: 'bind', source: join(dir, 'src'), target: '/src', read_only: true, bind: { create_host_path: true } }]);
    expect(out.services.web.healthcheck).toEqual({ test: ['CMD-SHELL', 'exit 0'], interval: '1m30s' });
    expect(out.networks).toEqual({ default: { name: 'proj_default' } });
  });

  it('-q validates silently; --services and --volumes list names', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  b:\n    image: x\n    volumes: [v:/v]\n  a:\n    image: x\nvolumes:\n  v: {}\n' });
    expect(await tsfig(['config', '-q'], { cwd: dir })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await tsfig(['config', '--services'], { cwd: dir })).stdout).toBe('a\nb\n');
    expect((await tsfig(['config', '--volumes'], { cwd: dir })).stdout).toBe('v\n');
  });

  it('--images prints each service\'s image; a built one without image: its default tag', async () => {
    const dir = projectDir({ 'fig.yml': 'name: shop\nservices:\n  web:\n    build: .\n    depends_on: [db]\n  db:\n    image: postgres:16\n', Dockerfile: 'FROM busybox\n' });
    expect((await tsfig(['config', '--images'], { cwd: dir })).stdout).toBe('postgres:16\nshop-web\n');
  });

  it('--hash prints a stable hash that changes with the service', async () => {
    const a = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    command: echo a\n' });
    const b = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    command: echo b\n' });
    const ha = (await tsfig(['config', '--hash', 'web'], { cwd: a })).stdout;
    expect(ha).toMatch(/^web [0-9a-f]{64}\n$/);
    expect((await tsfig(['config', '--hash', 'web'], { cwd: a })).stdout).toBe(ha);
    expect((await tsfig(['config', '--hash', 'web'], { cwd: b })).stdout).not.toBe(ha);
  });

  it('prints values as written, env_file and secret-looking names included, as docker compose does (--show-secrets is accepted)', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: x\n    env_file: s.env\n    environment: {DB_PASSWORD: hunter2, PLAIN: ok}\n', 's.env': 'TOKENISH=fromfile\n' });
    const shown = JSON.parse((await tsfig(['config', '--format', 'json'], { cwd: dir })).stdout);
    expect(shown.services.web.environment).toEqual({ DB_PASSWORD: 'hunter2', PLAIN: 'ok', TOKENISH: 'fromfile' });
    expect((await tsfig(['config', '--format', 'json', '--show-secrets'], { cwd: dir })).stdout).toBe(JSON.stringify(shown, null, 2) + '\n');
  });

  it('writes every $ of a value as $$, keys as they are, so the output is not interpolated twice', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: x\n    command: echo $$HOME ${V}\n    labels: {"a$$b": "c$$d"}\n', '.env': "V='a$b'\n" });
    const r = await tsfig(['config', '--format', 'json'], { cwd: dir, env: { HOME: '/home/u' } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.services.web.command).toEqual(['echo', '$$HOME', 'a$$b']);
    expect(out.services.web.labels).toEqual({ 'a$$b': 'c$$d' });
  });

  it('bad input: FILE:LINE:COL lines on stderr, exit 1, nothing on stdout, no stack trace', async () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    imgae: busybox\n    ports: ["99999:80"]\n' });
    const r = await tsfig(['config'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fig\.yml:3:5: unknown key "imgae" in services\.web \(did you mean "image"\?\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2', async () => {
    const dir = projectDir({ 'fig.yml': 'services: {}\n' });
    expect((await tsfig(['config', '--format', 'xml'], { cwd: dir })).code).toBe(2);
    expect((await tsfig(['nosuchcommand'], { cwd: dir })).code).toBe(2);
  });
});

describe('examples', () => {
  const examples = ['examples/fig-flat', 'examples/web-cache-worker', 'examples/extends', 'examples/networks', 'examples/healthcheck', 'examples/build', 'examples/dev-loop', 'examples/fig-counter', 'examples/web-api-db', 'examples/reverse-proxy', 'examples/counter-watch', 'examples/web-api-db-multihost', 'examples/web-api-db-swarm', '.'];
  for (const ex of examples) {
    it(`${ex}: config -q passes and config --format json matches the golden file`, async () => {
      const cwd = join(root, ex);
      expect(await tsfig(['config', '-q'], { cwd })).toMatchObject({ code: 0, stderr: '' });
      const r = await tsfig(['config', '--format', 'json'], { cwd });
      const text = r.stdout.split(root).join('<root>');
      const golden = join(root, 'test/unit/golden', `${ex === '.' ? 'demo' : ex.replace('examples/', '')}.json`);
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }
});

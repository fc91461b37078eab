/**
 * The built `tsfig` binary, run as a user runs it (node bin/tsfig.js; `npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = resolve(root, 'bin/tsfig.js');

function run(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd: opts.cwd ?? root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('the tsfig binary', () => {
  it('is built', () => {
    expect(existsSync(resolve(root, 'dist/cli/main.js'))).toBe(true);
  });

  /** bin/ and package.json copied into a fresh directory with `files` beside them, run with `args`. */
  async function inCopy(files: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const copy = mkdtempSync(join(tmpdir(), 'tsfig-copy-'));
    try {
      cpSync(resolve(root, 'bin'), join(copy, 'bin'), { recursive: true });
      cpSync(resolve(root, 'package.json'), join(copy, 'package.json'));
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(copy, name)), { recursive: true });
        writeFileSync(join(copy, name), text);
      }
      return await new Promise((done) =>
        execFile(process.execPath, [join(copy, 'bin/tsfig.js'), ...args], { timeout: 60_000 }, (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr })),
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  it('a checkout that was never built: one line saying what to run, exit 1, no stack trace', async () => {
    const r = await inCopy({}, ['--version']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: 'tsfig: not built yet: run `npm ci && npm run build` in this checkout first\n' });
  });

  it('without the bundle it runs the compiled tree (dist/cli/main.js, an ES module) and exits with its code', async () => {
    const r = await inCopy({ 'dist/cli/main.js': 'export async function main(argv) { process.stdout.write(argv.slice(2).join(",")); return 7; }\n' }, ['ps', '-a']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 7, stdout: 'ps,-a' });
  });

  it('a damaged build (the bundle its entry names is missing): one line saying what to run, exit 1', async () => {
    const r = await inCopy({ 'dist/bundle/entry.json': JSON.stringify({ file: 'tsfig-gone.cjs', hash: 'gone', encoding: 'latin1' }) }, ['ps']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tsfig: cannot load the build in dist\/bundle \(ENOENT[^\n]*tsfig-gone\.cjs'\): run `npm run build` in this checkout\n$/);
  });

  /** The run's exit code and which of Node's own modules it loaded (a preload records them), in `cwd`. */
  async function modulesLoaded(args: string[], cwd = root): Promise<{ code: number; loaded: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'tsfig-loader-'));
    try {
      const preload = join(dir, 'list.cjs');
      writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(join(dir, 'loaded'))}, process.moduleLoadList.join('\\n')));\n`);
      const code = await new Promise<number>((done) => execFile(process.execPath, ['-r', preload, bin, ...args], { cwd, timeout: 60_000 }, (err) => done(err ? Number(err.code) : 0)));
      return { code, loaded: readFileSync(join(dir, 'loaded'), 'utf8').split('\n') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("starts without Node's ES module loader (bin/ is CommonJS: about 7 ms of every run)", async () => {
    expect(JSON.parse(readFileSync(resolve(root, 'bin/package.json'), 'utf8')).type).toBe('commonjs');
    const { code, loaded } = await modulesLoaded(['--version']);
    expect(code).toBe(0);
    expect(loaded).toContain('NativeModule vm');
    expect(loaded.filter((m) => /esm\/(module_job|translators)/.test(m))).toEqual([]);
  });

  it('reads the engine without loading node:http or node:https (plain reads go over rawget.ts: ~12 ms of a no-op)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfig-reads-'));
    try {
      writeFileSync(join(dir, 'fig.yml'), 'services:\n  web:\n    image: busybox\n');
      const { code, loaded } = await modulesLoaded(['-p', 'tsfig-smoke-reads', 'ps'], dir);
      expect(code).toBe(0);
      // It did talk to the engine, over a socket.
      expect(loaded).toContain('NativeModule net');
      expect(loaded.filter((m) => /^NativeModule (https?|_http_client)$/.test(m))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its version and help', async () => {
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('config');
  });

  it('validates and prints the demo stack', async () => {
    expect(await run(['config', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const r = await run(['config', '--format', 'json']);
    expect(JSON.parse(r.stdout).name).toBe('tsfigdemo');
  });

  it('talks to the engine: tsfig version names the engine and its API version', async () => {
    const r = await run(['version', '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.engine.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('no engine: one clear line, exit 1, no stack trace', async () => {
    const sock = 'unix:///tmp/tsfig-no-engine.sock';
    const r = await run(['version'], { env: { DOCKER_HOST: sock } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^tsfig version \S+\n$/);
    expect(r.stderr).toMatch(/^cannot reach the Docker engine at unix:\/\/\/tmp\/tsfig-no-engine\.sock: .+\n$/);
  });

  it('-H wins over DOCKER_HOST', async () => {
    const bad = await run(['-H', 'unix:///tmp/tsfig-no-engine.sock', 'version'], { env: { DOCKER_HOST: undefined } });
    expect(bad.stderr).toMatch(/^cannot reach the Docker engine at unix:\/\/\/tmp\/tsfig-no-engine\.sock: /);
    const good = await run(['-H', 'unix:///var/run/docker.sock', 'version'], { env: { DOCKER_HOST: 'unix:///tmp/tsfig-no-engine.sock' } });
    expect(good.code).toBe(0);
  });

  it('a config error in a real file: FILE:LINE:COL and exit 1', async () => {
    const r = await run(['-f', 'test/e2e/testdata/bad-config/fig.yml', 'config']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'test/e2e/testdata/bad-config/fig.yml:5:10: unknown key "bogus" in services.web.ports[0] (allowed keys: target, published, host_ip, protocol, mode, name, app_protocol)\n',
    );
  });
});

/**
 * Build, pull and push against a real engine and real registries: Debian's docker-registry on
 * 127.0.0.1:5000 (open) and 127.0.0.1:5001 (htpasswd login), both started by
 * `bash scripts/engine.sh registry` in beforeAll (idempotent: nothing is started when they
 * answer). busybox is pushed to 127.0.0.1:5000/tsfig-e2e/<project>/bb:1 first.
 *
 * Remote contexts: a git repository served by `git daemon` (a child of the test, ended by its
 * pid) and a tarball served by a node http server, both on 127.0.0.1; the engine (on this
 * host's network) fetches them itself.
 *
 * Checks read the engine's state (images, containers, files inside images), never wording,
 * except where the wording is the feature (a failed build names its step).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect as connectTcp, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packContext } from '../../src/build/context.js';
import type { Engine } from '../../src/engine/engine.js';
import { EngineError } from '../../src/errors.js';
import { docker, engineFromEnv, eventually, requireEngine, uniqueProject } from './support/harness.js';
import { cleanupStack, containersOf, fixture, idsByName, ok, ROOT, run } from './support/stack.js';

const REGISTRY = '127.0.0.1:5000';
const AUTH_REGISTRY = '127.0.0.1:5001';
/** The test account of the registry on :5001 (scripts/engine.sh). */
const LOGIN = { user: 'tsfig', password: 'tsfig-registry-pass' };

let engine: Engine;
/** One project per file for registry paths; scenarios get their own. */
const base = uniqueProject('build');
const REPO = `${REGISTRY}/tsfig-e2e/${base}`;
const made: Array<{ project: string; dir: string }> = [];
const images = new Set<string>();
let busyboxId = '';

function scenario(name: string): { project: string; dir: string } {
  const project = uniqueProject(`build-${name}`);
  const dir = fixture('build');
  made.push({ project, dir });
  images.add(`${project}-web:latest`);
  images.add(`${project}-broken:latest`);
  return { project, dir };
}

function vars(project: string, extra: Record<string, string> = {}): Record<string, string> {
  return { REPO, PROJECT: project, ...extra };
}

function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Run a command in a throwaway container of `image`; its stdout. */
async function inImage(image: string, ...cmd: string[]): Promise<string> {
  return docker('run', '--rm', '--network', 'none', image, ...cmd);
}

async function imageId(ref: string): Promise<string | undefined> {
  return (await engine.inspectImage(ref))?.id;
}

/** A docker config folder: `auths` for the login registry, or nothing. */
function dockerConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfig-dockercfg-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  await sh('bash', ['scripts/engine.sh', 'registry']);
  busyboxId = (await imageId('busybox:latest'))!;
  await docker('tag', 'busybox:latest', `${REPO}/bb:1`);
  await docker('push', `${REPO}/bb:1`);
  await docker('rmi', `${REPO}/bb:1`);
}, 300_000);

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupStack(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const ref of [...images, `${REPO}/bb:1`, `${REPO}/rebuilt:1`, `${REPO}/pushed:1`, `${REPO}/never:1`]) {
    await engine.removeImage(ref, { force: true }).catch(() => undefined);
  }
});

describe('build', () => {
  it('up builds a missing image itself, tagged <project>-<service>, with args and the target stage', async () => {
    const { project, dir } = scenario('args');
    const r = await ok(dir, project, ['up', '-d'], vars(project, { FLAVOUR: 'strawberry' }));
    // Build output streamed with the service prefix.
    expect(r.stderr).toMatch(/^web \| Step 1\/\d+ : FROM busybox AS base$/m);
    const ctrs = await containersOf(engine, project);
    expect(ctrs.map((c) => `${c.service}:${c.state}`).sort()).toEqual(['plain:running', 'web:running']);
    const tag = `${project}-web:latest`;
    expect(await imageId(tag)).toBeDefined();
    expect((await engine.inspectContainer(`${project}-web-1`)).image).toBe(await imageId(tag));
    expect(await inImage(tag, 'cat', '/greeting', '/flavour')).toBe('hello-from-args\nstrawberry\n');
  });

  it('target: base builds the first stage only; with image:, the built image is tagged with it', async () => {
    const { project, dir } = scenario('target');
    images.add(`${project}-base:latest`);
    await ok(dir, project, ['-f', 'fig.target-base.yml', 'build'], vars(project));
    expect(await imageId(`${project}-web:latest`)).toBeUndefined();
    const tag = `${project}-base:latest`;
    expect(await inImage(tag, 'cat', '/greeting')).toBe('base-only\n');
    expect(await inImage(tag, 'sh', '-c', 'test -e /flavour && echo yes || echo no')).toBe('no\n');
  });

  it('build --build-arg overrides the file; a bare KEY takes its value from the environment', async () => {
    const { project, dir } = scenario('buildarg');
    await ok(dir, project, ['build', '-q', '--build-arg', 'GREETING=from-the-command-line', '--build-arg', 'FLAVOUR'], vars(project, { FLAVOUR: 'from-env' }));
    expect(await inImage(`${project}-web:latest`, 'cat', '/greeting', '/flavour')).toBe('from-the-command-line\nfrom-env\n');
  });

  it('.dockerignore with exceptions: excluded files are absent from the image; links stay links; modes are kept', async () => {
    const { project, dir } = scenario('ignore');
    symlinkSync('normal.txt', join(dir, 'app', 'link'));
    symlinkSync('/etc/passwd', join(dir, 'app', 'abs-link'));
    chmodSync(join(dir, 'app', 'run.sh'), 0o755);
    await ok(dir, project, ['build', '-q', 'web'], vars(project));
    const tag = `${project}-web:latest`;
    const files = (await inImage(tag, 'find', '/ctx')).trim().split('\n').sort();
    expect(files).toEqual(
      [
        '/ctx',
        '/ctx/.dockerignore',
        '/ctx/Dockerfile',
        '/ctx/abs-link',
        '/ctx/link',
        '/ctx/logs',
        '/ctx/logs/keep.txt',
        '/ctx/normal.txt',
        '/ctx/run.sh',
        '/ctx/secret-public.txt',
        '/ctx/sub',
        '/ctx/sub/root-only.txt',
        '/ctx/sub/y.txt',
      ].sort(),
    );
    expect(await inImage(tag, 'sh', '-c', 'readlink /ctx/link; readlink /ctx/abs-link')).toBe('normal.txt\n/etc/passwd\n');
    expect(await inImage(tag, 'stat', '-c', '%a', '/ctx/run.sh')).toBe('755\n');
  });

  it('a failing RUN: exit 1, the error names the step; up creates nothing', async () => {
    const { project, dir } = scenario('fail-run');
    const r = await run(dir, project, ['-f', 'fig.fail-run.yml', 'build'], vars(project));
    expect(r.code).toBe(1);
    // Reported once, by the progress output (plain here): `Image NAME  Error: ...`.
    const error = r.stderr.split('\n').find((l) => l.includes('  Error: '));
    expect(error).toMatch(/Step 3\/3 : RUN echo about to fail >&2; exit 3: .*returned a non-zero code: 3/);
    // The build's own output came through too.
    expect(r.stderr).toMatch(/^broken \| about to fail$/m);
    // The failed step's container is not left behind.
    const left = await docker('ps', '-a', '--no-trunc', '--format', '{{.Command}}');
    expect(left).not.toContain('about to fail');
    const up = await run(dir, project, ['-f', 'fig.fail-run.yml', 'up', '-d'], vars(project));
    expect(up.code).toBe(1);
    expect(await containersOf(engine, project)).toEqual([]);
  });

  it('a missing file: exit 1, the error names the COPY step and the file', async () => {
    const { project, dir } = scenario('fail-copy');
    const r = await run(dir, project, ['-f', 'fig.fail-copy.yml', 'build', '-q'], vars(project));
    expect(r.code).toBe(1);
    // -q: quiet progress, so the failure has a line of its own (once).
    expect(r.stderr).toMatch(/error: .*Step 2\/2 : COPY no-such-file\.txt \/x: .*no-such-file\.txt/);
  });

  it('a rebuild with a change recreates the service on the next up; an unchanged rebuild does not', async () => {
    const { project, dir } = scenario('rebuild');
    await ok(dir, project, ['up', '-d'], vars(project));
    const first = (await idsByName(engine, project))[`${project}-web-1`]!;
    const plain = (await idsByName(engine, project))[`${project}-plain-1`]!;

    // Nothing changed: a rebuild hits the cache, the same image, nothing recreated.
    await ok(dir, project, ['build', '-q'], vars(project));
    await ok(dir, project, ['up', '-d'], vars(project));
    expect((await idsByName(engine, project))[`${project}-web-1`]).toBe(first);
    await ok(dir, project, ['up', '-d', '--build'], vars(project));
    expect((await idsByName(engine, project))[`${project}-web-1`]).toBe(first);

    // A file of the context changed: a new image, web recreated, plain untouched.
    writeFileSync(join(dir, 'app', 'normal.txt'), 'changed\n');
    await ok(dir, project, ['build', '-q'], vars(project));
    await ok(dir, project, ['up', '-d'], vars(project));
    const ids = await idsByName(engine, project);
    expect(ids[`${project}-web-1`]).not.toBe(first);
    expect(ids[`${project}-plain-1`]).toBe(plain);
    expect(await docker('exec', `${project}-web-1`, 'cat', '/ctx/normal.txt')).toBe('changed\n');

    // up --build does both at once.
    writeFileSync(join(dir, 'app', 'normal.txt'), 'changed again\n');
    await ok(dir, project, ['up', '-d', '--build'], vars(project));
    expect(await docker('exec', `${project}-web-1`, 'cat', '/ctx/normal.txt')).toBe('changed again\n');
  });

  it('up --no-build refuses to build a missing image', async () => {
    const { project, dir } = scenario('nobuild');
    const r = await run(dir, project, ['up', '-d', '--no-build'], vars(project));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--no-build/);
    expect(await containersOf(engine, project)).toEqual([]);
    expect(await imageId(`${project}-web:latest`)).toBeUndefined();
  });

  it('engine.buildImage: labels on the image; a failure is an EngineError naming the step', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'tsfig-engine-build-'));
    try {
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo ok\n');
      const tag = `${base}-engine:latest`;
      images.add(tag);
      const lines: string[] = [];
      const packed = await packContext({ context: ctx });
      const res = await engine.buildImage(packed.stream, { tags: [tag], labels: { 'io.tsfig.test': 'yes' } }, (p) => p.line !== undefined && lines.push(p.line));
      const img = await engine.inspectImage(tag);
      expect(img?.id).toBe(res.id);
      expect(img?.config.labels['io.tsfig.test']).toBe('yes');
      expect(lines).toContain('Step 2/3 : RUN echo ok');
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 7\n');
      const failing = await packContext({ context: ctx });
      const err = await engine.buildImage(failing.stream, { tags: [`${base}-engine-fail:latest`] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as Error).message).toMatch(/^build failed: Step 2\/2 : RUN exit 7: .*non-zero code: 7$/);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});

describe('pull and push (registry on 127.0.0.1:5000)', () => {
  it('pull: the image comes from the registry', async () => {
    const { project, dir } = scenario('pull');
    const r = await ok(dir, project, ['-f', 'fig.registry.yml', 'pull', 'pulled'], vars(project));
    expect(await imageId(`${REPO}/bb:1`)).toBe(busyboxId);
    expect(r.stderr).toMatch(/Pulled/);
    await docker('rmi', `${REPO}/bb:1`);
  });

  it('pull of a missing tag: exit 1 with a clear error; --ignore-pull-failures: a warning, exit 0', async () => {
    const { project, dir } = scenario('pull-missing');
    const r = await run(dir, project, ['-f', 'fig.registry.yml', 'pull', 'missing', 'pulled'], vars(project));
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.includes('  Error: '));
    expect(line).toContain(`${REPO}/bb:no-such-tag`);
    expect(line).toMatch(/not found/);
    // The other pull went through.
    expect(await imageId(`${REPO}/bb:1`)).toBe(busyboxId);
    const ignored = await run(dir, project, ['-f', 'fig.registry.yml', 'pull', '--ignore-pull-failures', 'missing'], vars(project));
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toMatch(/^Image .*bb:no-such-tag {2}Error: .*not found/m);
    await docker('rmi', `${REPO}/bb:1`);
  });

  it('pull --include-deps also pulls what the named services depend on', async () => {
    const { project, dir } = scenario('pull-deps');
    await ok(dir, project, ['-f', 'fig.registry.yml', 'pull', '-q', '--include-deps', 'pushed', '--ignore-pull-failures'], vars(project));
    expect(await imageId(`${REPO}/bb:1`)).toBe(busyboxId);
    await docker('rmi', `${REPO}/bb:1`);
  });

  it('an image missing at up is pulled', async () => {
    const { project, dir } = scenario('up-pull');
    await ok(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', 'pulled'], vars(project));
    expect((await engine.inspectContainer(`${project}-pulled-1`)).image).toBe(busyboxId);
  });

  it('push: a built image lands in the registry and pulls back', async () => {
    const { project, dir } = scenario('push');
    await ok(dir, project, ['-f', 'fig.registry.yml', 'build', '-q', 'pushed'], vars(project));
    const built = await imageId(`${REPO}/pushed:1`);
    expect(built).toBeDefined();
    const r = await ok(dir, project, ['-f', 'fig.registry.yml', 'push', 'pushed'], vars(project));
    expect(r.stderr).toMatch(/Pushed/);
    const tags = (await (await fetch(`http://${REGISTRY}/v2/tsfig-e2e/${base}/pushed/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['1']);
    await docker('rmi', `${REPO}/pushed:1`);
    await ok(dir, project, ['-f', 'fig.registry.yml', 'pull', '-q', 'pushed'], vars(project));
    expect(await imageId(`${REPO}/pushed:1`)).toBe(built);
  });

  it('push of an image that is not there: exit 1 naming it', async () => {
    const { project, dir } = scenario('push-missing');
    const r = await run(dir, project, ['-f', 'fig.registry.yml', 'push', 'never'], vars(project));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Image ${REPO.replace(/\./g, '\\.')}/never:1 {2}Error: `, 'm'));
  });

  it('pull_policy: always pulls over a local image, never refuses to pull, build rebuilds every up', async () => {
    const { project, dir } = scenario('policy');
    // A different image under the same name locally: always must replace it with the registry's.
    const ctx = mkdtempSync(join(tmpdir(), 'tsfig-policy-'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nLABEL io.tsfig.test=stale\n');
    const stale = await engine.buildImage((await packContext({ context: ctx })).stream, { tags: [`${REPO}/bb:1`] });
    images.add(stale.id);
    rmSync(ctx, { recursive: true, force: true });
    expect(await imageId(`${REPO}/bb:1`)).not.toBe(busyboxId);
    await ok(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', 'always'], vars(project));
    expect(await imageId(`${REPO}/bb:1`)).toBe(busyboxId);
    expect((await engine.inspectContainer(`${project}-always-1`)).image).toBe(busyboxId);

    // never: not on the host, not pulled; nothing created.
    const never = await run(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', 'never'], vars(project));
    expect(never.code).toBe(1);
    expect(never.stderr).toMatch(/pull_policy: never/);
    expect((await containersOf(engine, project)).map((c) => c.service)).toEqual(['always']);

    // --pull never wins over pull_policy: always: with the image gone, up refuses to pull it.
    await docker('rmi', `${REPO}/bb:1`);
    const flag = await run(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', '--pull', 'never', 'always'], vars(project));
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/--pull never/);

    // build: every up builds (cached, so the same image and the container stays).
    await ok(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', 'rebuilt'], vars(project));
    const id = (await idsByName(engine, project))[`${project}-rebuilt-1`];
    const again = await ok(dir, project, ['-f', 'fig.registry.yml', 'up', '-d', 'rebuilt'], vars(project));
    expect(again.stderr).toMatch(/Built/);
    expect((await idsByName(engine, project))[`${project}-rebuilt-1`]).toBe(id);
  });
});

describe('registry credentials (registry with a login on 127.0.0.1:5001)', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('push and pull with ~/.docker/config.json auths; without them the registry refuses', async () => {
    const { project, dir } = scenario('auth');
    const ref = `${AUTH_REGISTRY}/tsfig-e2e/${project}/private:1`;
    images.add(ref);
    const none = dockerConfig({});
    const withAuth = dockerConfig({ auths: { [AUTH_REGISTRY]: { auth: b64(`${LOGIN.user}:${LOGIN.password}`) } } });
    try {
      await ok(dir, project, ['-f', 'fig.auth.yml', 'build', '-q'], vars(project, { DOCKER_CONFIG: none }));
      const refused = await run(dir, project, ['-f', 'fig.auth.yml', 'push'], vars(project, { DOCKER_CONFIG: none }));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/ {2}Error: .*(no basic auth credentials|unauthorized|authentication required)/i);
      await ok(dir, project, ['-f', 'fig.auth.yml', 'push'], vars(project, { DOCKER_CONFIG: withAuth }));
      const built = await imageId(ref);
      await docker('rmi', ref);
      const denied = await run(dir, project, ['-f', 'fig.auth.yml', 'pull'], vars(project, { DOCKER_CONFIG: none }));
      expect(denied.code).toBe(1);
      await ok(dir, project, ['-f', 'fig.auth.yml', 'pull'], vars(project, { DOCKER_CONFIG: withAuth }));
      expect(await imageId(ref)).toBe(built);
    } finally {
      rmSync(none, { recursive: true, force: true });
      rmSync(withAuth, { recursive: true, force: true });
    }
  });

  it('a credential helper (credHelpers) supplies the login', async () => {
    const { project, dir } = scenario('helper');
    const ref = `${AUTH_REGISTRY}/tsfig-e2e/${project}/private:1`;
    images.add(ref);
    const bin = mkdtempSync(join(tmpdir(), 'tsfig-credhelper-'));
    const helper = join(bin, 'docker-credential-tsfige2e');
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${AUTH_REGISTRY}" ]; then printf '{"ServerURL":"%s","Username":"${LOGIN.user}","Secret":"${LOGIN.password}"}' "$server"; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n`,
    );
    chmodSync(helper, 0o755);
    const cfg = dockerConfig({ credHelpers: { [AUTH_REGISTRY]: 'tsfige2e' } });
    try {
      const env = vars(project, { DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
      await ok(dir, project, ['-f', 'fig.auth.yml', 'build', '-q'], env);
      await ok(dir, project, ['-f', 'fig.auth.yml', 'push'], env);
      const tags = await fetch(`http://${AUTH_REGISTRY}/v2/tsfig-e2e/${project}/private/tags/list`, {
        headers: { authorization: `Basic ${b64(`${LOGIN.user}:${LOGIN.password}`)}` },
      });
      expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['1']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(cfg, { recursive: true, force: true });
    }
  });
});

describe('remote build contexts (the engine fetches them; servers on 127.0.0.1 only)', () => {
  let tmp = '';
  let daemon: ChildProcess | undefined;
  let gitRepo = '';
  let http: Server | undefined;
  const httpGets: string[] = [];
  let tarUrl = '';

  /** A port nothing listens on (taken from the kernel, then let go). */
  async function freePort(): Promise<number> {
    const srv = createNetServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
  }

  function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connectTcp({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  }

  /** git without the machine's or the user's config, with a fixed identity. */
  const gitEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'tsfig e2e',
    GIT_AUTHOR_EMAIL: 'e2e@tsfig.invalid',
    GIT_COMMITTER_NAME: 'tsfig e2e',
    GIT_COMMITTER_EMAIL: 'e2e@tsfig.invalid',
  };
  function git(cwd: string, ...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd, env: gitEnv, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  beforeAll(async () => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'tsfig-remote-')));
    // The git repository: main, and a branch `release` that changes sub/.
    const work = join(tmp, 'work');
    mkdirSync(join(work, 'sub'), { recursive: true });
    writeFileSync(join(work, 'Dockerfile'), 'FROM busybox\nRUN echo from-git > /v\n');
    writeFileSync(join(work, 'sub', 'Dockerfile'), 'FROM busybox\nRUN echo from-main > /v\n');
    await git(work, 'init', '-q', '-b', 'main');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'main');
    await git(work, 'checkout', '-q', '-b', 'release');
    writeFileSync(join(work, 'sub', 'Dockerfile'), 'FROM busybox\nCOPY note.txt /note.txt\nRUN echo from-git-sub > /v\n');
    writeFileSync(join(work, 'sub', 'note.txt'), 'in-sub\n');
    writeFileSync(join(work, 'sub', 'Other.Dockerfile'), 'FROM busybox\nRUN echo from-other > /v\n');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'release');
    const served = join(tmp, 'served');
    mkdirSync(served);
    await git(tmp, 'clone', '-q', '--bare', work, join(served, 'repo.git'));

    // git daemon, a child of this test on a free loopback port.
    const execPath = (await git(tmp, '--exec-path')).trim();
    if (!existsSync(join(execPath, 'git-daemon'))) throw new Error(`git daemon is not installed (no ${join(execPath, 'git-daemon')}): these tests serve a repository with it`);
    const port = await freePort();
    let stderr = '';
    const child = spawn('git', ['daemon', '--export-all', `--base-path=${served}`, '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, served], { env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    daemon = child;
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`git daemon exited (${code}): ${stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([eventually(async () => expect(await canConnect(port)).toBe(true), { timeout: 15_000, message: 'git daemon on 127.0.0.1' }), exited]);
    gitRepo = `git://127.0.0.1:${port}/repo.git`;

    // The tarball, served by a node http server.
    const ctx = join(tmp, 'tarctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY payload.txt /payload.txt\n');
    writeFileSync(join(ctx, 'payload.txt'), 'from-tarball\n');
    await sh('tar', ['-czf', join(tmp, 'ctx.tar.gz'), '-C', ctx, 'Dockerfile', 'payload.txt']);
    const tarball = readFileSync(join(tmp, 'ctx.tar.gz'));
    http = createServer((req, res) => {
      httpGets.push(`${req.method} ${req.url}`);
      if (req.url === '/ctx.tar.gz') {
        res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': tarball.length });
        res.end(tarball);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    tarUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/ctx.tar.gz`;
  });

  afterAll(async () => {
    if (daemon?.pid !== undefined && daemon.exitCode === null && daemon.signalCode === null) {
      const gone = new Promise((r) => daemon!.once('exit', r));
      process.kill(daemon.pid, 'SIGTERM');
      await gone;
    }
    if (http) await new Promise((r) => http!.close(r));
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('a git URL with #branch:subdir: up builds from that branch and folder, dockerfile is relative to the repository; build and up --build too', async () => {
    const { project, dir } = scenario('remote-git');
    images.add(`${project}-alt:latest`);
    const env = vars(project, { GIT_REPO: gitRepo });
    await ok(dir, project, ['-f', 'fig.remote-git.yml', 'up', '-d'], env);
    const ctrs = await containersOf(engine, project);
    expect(ctrs.map((c) => `${c.service}:${c.state}`).sort()).toEqual(['alt:running', 'web:running']);
    expect(await docker('exec', `${project}-web-1`, 'cat', '/v', '/note.txt')).toBe('from-git-sub\nin-sub\n');
    expect(await docker('exec', `${project}-alt-1`, 'cat', '/v')).toBe('from-other\n');

    await ok(dir, project, ['-f', 'fig.remote-git.yml', 'build', '-q', 'web'], env);
    const again = await ok(dir, project, ['-f', 'fig.remote-git.yml', 'up', '-d', '--build', 'web'], env);
    expect(again.stderr).toMatch(/Built/);
    expect(await inImage(`${project}-web:latest`, 'cat', '/v')).toBe('from-git-sub\n');
    expect(await docker('exec', `${project}-web-1`, 'cat', '/v')).toBe('from-git-sub\n');
  });

  it('a tarball URL: build downloads it (the engine does) and builds from its root', async () => {
    const { project, dir } = scenario('remote-tar');
    httpGets.length = 0;
    await ok(dir, project, ['-f', 'fig.remote-tar.yml', 'build', '-q'], vars(project, { TAR_URL: tarUrl }));
    expect(httpGets).toContain('GET /ctx.tar.gz');
    expect(await inImage(`${project}-web:latest`, 'cat', '/payload.txt')).toBe('from-tarball\n');
  });

  it("an unreachable remote: exit 1, one error line naming the service and the engine's message; nothing created", async () => {
    const { project, dir } = scenario('remote-gone');
    images.add(`${project}-gone:latest`);
    const url = `git://127.0.0.1:${await freePort()}/repo.git#main`;
    const r = await run(dir, project, ['-f', 'fig.remote-gone.yml', 'up', '-d'], vars(project, { GONE_URL: url }));
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: ') || l.includes('  Error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`service gone: build context ${url}: `);
    expect(errors[0]).toMatch(/git clone|unable to connect|connection refused/i);
    // The engine's multi-line git output stays on the line that names the service.
    expect(r.stderr.split('\n').filter((l) => /errno=|exit status \d+/.test(l) && !l.includes('service gone: '))).toEqual([]);
    expect(await containersOf(engine, project)).toEqual([]);
    expect(await engine.listNetworks({ labels: { 'io.tsfig.project': project } })).toEqual([]);
    expect(await imageId(`${project}-gone:latest`)).toBeUndefined();
  });
});

/**
 * `tsfig watch` on real containers: the dev loop runs in-process (with an AbortController)
 * against a stack brought up by `tsfig up -d`; checks read the containers (exec, inspect), never
 * the loop's wording. Two tests run the built binary (`watch`, `up --watch`) and stop it with
 * SIGINT.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load.js';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { formatDiagnostic, hasErrors } from '../../src/config/diagnostics.js';
import type { Project } from '../../src/model/project.js';
import type { HostEngine } from '../../src/reconcile/observe.js';
import { VERSION } from '../../src/cli/version.js';
import { runDevLoop, type DevLoopOptions } from '../../src/watch/loop.js';
import { watchConverge } from '../../src/app/watch.js';
import { engineFromEnv, eventually, requireEngine, SESSION_ID, SESSION_LABEL, uniqueProject } from './support/harness.js';
import { cleanupStack, ok, sh, spawnTsfig, testEnv } from './support/stack.js';
import { projectDir } from '../support/project.js';

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];
const loops: Array<{ stop: AbortController; done: Promise<void> }> = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const l of loops.splice(0)) {
    l.stop.abort();
    await l.done.catch(() => undefined);
  }
  for (const m of made.splice(0)) {
    await cleanupStack(engine, m.project);
    // Images the scenarios built (tagged or left dangling by a rebuild) carry the session label.
    const images = await engine.listImages({ all: true, labels: { [SESSION_LABEL]: SESSION_ID, 'io.tsfig.test-project': m.project } });
    for (const i of images) await engine.removeImage(i.id, { force: true }).catch(() => undefined);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;

/** A project folder: `web` (built, with rules) and `other` (busybox, untouched by web's actions). */
function scenario(name: string, rules: string, extra: Record<string, string> = {}, webExtra = ''): { project: string; dir: string } {
  const project = uniqueProject(`watch-${name}`);
  const fig = `services:
  web:
    build:
      context: .
      labels:
        ${SESSION_LABEL}: "${SESSION_ID}"
        io.tsfig.test-project: "${project}"
    command: ${IDLE}
${webExtra}    develop:
      watch:
${rules}
  other:
    image: busybox
    command: ${IDLE}
`;
  const dir = projectDir({ 'fig.yml': fig, Dockerfile: 'FROM busybox\nRUN echo v1 > /version\n', 'app/index.txt': 'one\n', ...extra }, project);
  made.push({ project, dir });
  return { project, dir };
}

function loadAt(dir: string, project: string): Project {
  const r = loadProject({ cwd: dir, env: testEnv() as Record<string, string | undefined>, projectName: project, ...(process.env.HOME ? { homeDir: process.env.HOME } : {}) });
  if (hasErrors(r.diagnostics) || !r.project) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  return r.project;
}

function hosts(): HostEngine[] {
  const ep = resolveEndpoint({ env: process.env });
  return [{ name: 'default', endpoint: ep.url, engine: connect(ep) }];
}

/** The built binary with `args` (`watch`, `up --watch`); resolves once it watches (killed if it does not). */
async function watchingBinary(dir: string, project: string, args: string[]): Promise<{ child: ReturnType<typeof spawnTsfig>; stderr: () => string }> {
  const child = spawnTsfig(dir, project, args);
  let stderr = '';
  child.proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  try {
    await eventually(() => expect(stderr).toMatch(/watching 1 rule/), { timeout: 60_000 });
  } catch (err) {
    child.proc.kill('SIGKILL');
    throw err;
  }
  return { child, stderr: () => stderr };
}

/** Start the loop in-process; resolves once it watches. `lines` collects what it says. */
async function startLoop(dir: string, project: string, extra: Partial<DevLoopOptions> = {}): Promise<{ lines: string[]; stop: () => Promise<void>; done: Promise<void> }> {
  const lines: string[] = [];
  const stop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const loaded = loadAt(dir, project);
  const on = hosts();
  const sink = { progress: () => ({ emit() {}, close() {}, showsFailures: true }), line: (l: string) => void lines.push(l), result() {} };
  const done = runDevLoop({
    project: loaded,
    hosts: on,
    services: [],
    converge: watchConverge({ project: loaded, hosts: on, signal: stop.signal, sink, options: { parallel: 8, dryRun: false, env: testEnv(), version: VERSION } }),
    signal: stop.signal,
    write: (l) => lines.push(l),
    reload: () => loadAt(dir, project),
    onReady: () => ready(),
    ...extra,
  });
  loops.push({ stop, done });
  await Promise.race([isReady, done.then(() => Promise.reject(new Error(`loop ended early:\n${lines.join('\n')}`)))]);
  return {
    lines,
    done,
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

interface Identity {
  id: string;
  startedAt: string;
}

async function identity(name: string): Promise<Identity> {
  const i = await engine.inspectContainer(name);
  return { id: i.id, startedAt: i.state.startedAt };
}

const cat = (c: string, path: string) => sh(engine, c, `cat ${path}`);
const exists = async (c: string, path: string) => (await engine.exec(c, { cmd: ['test', '-e', path] })).exitCode === 0;

describe('watch: sync', () => {
  it('an edited file appears in the container without a restart; new files and directories keep their modes; a deleted file disappears; ignore patterns are honoured', async () => {
    const { project, dir } = scenario(
      'sync',
      `        - path: ./app
          action: sync
          target: /srv/app
          ignore:
            - "*.tmp"
            - cache/
`,
    );
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const before = await identity(web);
    const loop = await startLoop(dir, project);

    writeFileSync(join(dir, 'app/index.txt'), 'two\n');
    mkdirSync(join(dir, 'app/bin'));
    writeFileSync(join(dir, 'app/bin/run.sh'), '#!/bin/sh\necho ran\n');
    chmodSync(join(dir, 'app/bin/run.sh'), 0o751);
    writeFileSync(join(dir, 'app/scratch.tmp'), 'ignored\n');
    mkdirSync(join(dir, 'app/cache'));
    writeFileSync(join(dir, 'app/cache/c.bin'), 'ignored\n');
    mkdirSync(join(dir, 'app/.git'));
    writeFileSync(join(dir, 'app/.git/HEAD'), 'ignored\n');
    mkdirSync(join(dir, 'app/node_modules'));
    writeFileSync(join(dir, 'app/node_modules/m.js'), 'ignored\n');

    await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('two\n'), { timeout: 15_000 });
    await eventually(async () => expect(await sh(engine, web, 'stat -c %a /srv/app/bin/run.sh; /srv/app/bin/run.sh')).toBe('751\nran\n'), { timeout: 15_000 });
    expect(await identity(web)).toEqual(before);
    for (const p of ['/srv/app/scratch.tmp', '/srv/app/cache', '/srv/app/.git', '/srv/app/node_modules']) expect(await exists(web, p), p).toBe(false);

    unlinkSync(join(dir, 'app/index.txt'));
    await eventually(async () => expect(await exists(web, '/srv/app/index.txt')).toBe(false), { timeout: 15_000 });
    rmSync(join(dir, 'app/bin'), { recursive: true });
    await eventually(async () => expect(await exists(web, '/srv/app/bin')).toBe(false), { timeout: 15_000 });
    expect(await identity(web)).toEqual(before);
    await loop.stop();
    expect(loop.lines.join('\n')).not.toMatch(/failed/);
  });

  it('synced files belong to the container\'s user, who can rewrite them', async () => {
    const { project, dir } = scenario(
      'owner',
      `        - path: ./app
          action: sync
          target: /tmp/app
`,
      {},
      '    user: nobody\n',
    );
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const loop = await startLoop(dir, project);
    writeFileSync(join(dir, 'app/index.txt'), 'two\n');
    mkdirSync(join(dir, 'app/sub'));
    writeFileSync(join(dir, 'app/sub/new.txt'), 'new\n');
    await eventually(async () => expect(await sh(engine, web, 'stat -c %u:%g /tmp/app/index.txt /tmp/app/sub /tmp/app/sub/new.txt')).toBe('65534:65534\n65534:65534\n65534:65534\n'), { timeout: 15_000 });
    // exec runs as the service's user (nobody): it may rewrite what was synced.
    expect(await sh(engine, web, 'id -u; echo mine > /tmp/app/index.txt && echo mine > /tmp/app/sub/x && cat /tmp/app/index.txt')).toBe('65534\nmine\n');
    await loop.stop();
    expect(loop.lines.join('\n')).not.toMatch(/failed|owned by root/);
  });

  it('a burst of 1000 files is one sync', async () => {
    const { project, dir } = scenario('burst', `        - path: ./app\n          action: sync\n          target: /srv/app\n`);
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const syncs: number[] = [];
    await startLoop(dir, project, { onBatch: (p) => syncs.push(...p.services.map((a) => a.sync.length).filter((n) => n > 0)) });
    mkdirSync(join(dir, 'app/many'));
    for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `app/many/f${i}.txt`), `${i}\n`);
    await eventually(async () => expect((await sh(engine, web, 'ls /srv/app/many | wc -l')).trim()).toBe('1000'), { timeout: 30_000 });
    // The directory and its 1000 files: one batch, one upload.
    await eventually(() => expect(syncs).toEqual([1001]), { timeout: 5_000 });
  });

  it('polling (network file systems) syncs too', async () => {
    const { project, dir } = scenario('poll', `        - path: ./app\n          action: sync\n          target: /srv/app\n`);
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    await startLoop(dir, project, { poll: 100 });
    writeFileSync(join(dir, 'app/index.txt'), 'polled\n');
    await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('polled\n'), { timeout: 15_000 });
  });

  it('initial_sync: files changed while nobody watched are synced when watching starts, and into a container that starts again', async () => {
    const { project, dir } = scenario('initial', `        - path: ./app\n          action: sync\n          target: /srv/app\n          initial_sync: true\n`);
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    // Changed while nobody watches.
    writeFileSync(join(dir, 'app/index.txt'), 'offline edit\n');
    writeFileSync(join(dir, 'app/added.txt'), 'added offline\n');
    await startLoop(dir, project);
    // Synced before the loop says it is ready.
    expect(await cat(web, '/srv/app/index.txt')).toBe('offline edit\n');
    expect(await cat(web, '/srv/app/added.txt')).toBe('added offline\n');

    // The container is recreated behind the loop's back: its copy is gone, and comes back.
    await ok(dir, project, ['up', '-d', '--force-recreate', 'web']);
    await eventually(async () => expect(await cat(web, '/srv/app/added.txt')).toBe('added offline\n'), { timeout: 15_000 });
  });
});

describe('watch: rebuild, restart, exec, the project file', () => {
  it('a Dockerfile change rebuilds and recreates only that service (--prune drops the old image); a broken build keeps the old container and the loop alive', async () => {
    const { project, dir } = scenario(
      'rebuild',
      `        - path: ./Dockerfile
          action: rebuild
        - path: ./app
          action: sync
          target: /srv/app
          initial_sync: true
`,
    );
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const other = `${project}-other-1`;
    const web0 = await identity(web);
    const other0 = await identity(other);
    const image0 = (await engine.inspectContainer(web)).image;
    const loop = await startLoop(dir, project, { prune: true });
    expect(await cat(web, '/version')).toBe('v1\n');

    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo v2 > /version\n');
    await eventually(async () => expect(await cat(web, '/version')).toBe('v2\n'), { timeout: 60_000 });
    const web1 = await identity(web);
    expect(web1.id).not.toBe(web0.id);
    expect(await identity(other)).toEqual(other0);
    // --prune: the image web ran before is gone.
    await eventually(async () => expect(await engine.inspectImage(image0)).toBeUndefined(), { timeout: 10_000 });
    // The new container got the synced files again (initial_sync rules resync a started container).
    await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('one\n'), { timeout: 15_000 });

    // A broken build: the running container stays, the loop goes on.
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo broken && exit 3\n');
    await eventually(() => expect(loop.lines.join('\n')).toMatch(/rebuild failed/), { timeout: 60_000 });
    const after = await engine.inspectContainer(web);
    expect(after.id).toBe(web1.id);
    expect(after.state.running).toBe(true);
    writeFileSync(join(dir, 'app/index.txt'), 'still watching\n');
    await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('still watching\n'), { timeout: 15_000 });
    expect(await identity(other)).toEqual(other0);
  });

  it('restart restarts the container (same container, new start); sync+exec runs the command after the sync', async () => {
    const { project, dir } = scenario(
      'restart',
      `        - path: ./conf
          action: restart
        - path: ./app
          action: sync+exec
          target: /srv/app
          exec:
            command: ["sh", "-c", "cat /srv/app/index.txt > /tmp/exec-saw"]
`,
      { 'conf/app.ini': 'a=1\n' },
    );
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const before = await identity(web);
    const loop = await startLoop(dir, project);

    writeFileSync(join(dir, 'app/index.txt'), 'for exec\n');
    await eventually(async () => expect(await cat(web, '/tmp/exec-saw')).toBe('for exec\n'), { timeout: 15_000 });
    expect(await identity(web)).toEqual(before);

    writeFileSync(join(dir, 'conf/app.ini'), 'a=2\n');
    await eventually(async () => {
      const now = await identity(web);
      expect(now.id).toBe(before.id);
      expect(now.startedAt).not.toBe(before.startedAt);
    }, { timeout: 20_000 });
    expect((await engine.inspectContainer(web)).state.running).toBe(true);
    expect(loop.lines.join('\n')).not.toMatch(/failed/);
  });

  it('editing the project file applies the change; a broken edit changes nothing and watching goes on', async () => {
    const rules = `        - path: ./app\n          action: sync\n          target: /srv/app\n`;
    const { project, dir } = scenario('projectfile', rules);
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const other = `${project}-other-1`;
    const other0 = await identity(other);
    const loop = await startLoop(dir, project);
    const fig = readFileSync(join(dir, 'fig.yml'), 'utf8');

    writeFileSync(join(dir, 'fig.yml'), fig.replace(`    command: ${IDLE}\n    develop:`, `    command: ${IDLE}\n    environment:\n      GREETING: hello\n    develop:`));
    await eventually(async () => expect(await sh(engine, web, 'echo $GREETING')).toBe('hello\n'), { timeout: 30_000 });
    expect(await identity(other)).toEqual(other0);

    writeFileSync(join(dir, 'fig.yml'), 'services:\n  web: [unclosed\n');
    await eventually(() => expect(loop.lines.join('\n')).toMatch(/has errors: nothing applied/), { timeout: 15_000 });
    expect((await engine.inspectContainer(web)).state.running).toBe(true);
    writeFileSync(join(dir, 'app/index.txt'), 'after a broken file\n');
    await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('after a broken file\n'), { timeout: 15_000 });
  });
});

describe('watch: the binary', () => {
  it('tsfig watch brings the stack up, syncs, and stops at Ctrl-C with 130, leaving the stack running', async () => {
    const { project, dir } = scenario('cli', `        - path: ./app\n          action: sync\n          target: /srv/app\n`);
    const { child, stderr } = await watchingBinary(dir, project, ['watch']);
    try {
      const web = `${project}-web-1`;
      writeFileSync(join(dir, 'app/index.txt'), 'from the binary\n');
      await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('from the binary\n'), { timeout: 15_000 });
      await eventually(() => expect(stderr()).toMatch(/web {3}\| synced 1 file in \d+ ms/), { timeout: 5_000 });
      child.proc.kill('SIGINT');
      const r = await child.done;
      expect(r.code).toBe(130);
      expect((await engine.inspectContainer(web)).state.running).toBe(true);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });

  it('1000 files written in a tight loop into a new directory all reach the container (the watcher sees the directory before it watches it)', async () => {
    const { project, dir } = scenario('cli-storm', `        - path: ./app\n          action: sync\n          target: /srv/app\n`);
    const { child } = await watchingBinary(dir, project, ['watch']);
    try {
      const web = `${project}-web-1`;
      // Three directories, each made and filled as fast as a process writes (as a `git checkout`
      // does): the watcher reports each directory, then only the files written after it watches it.
      const write = `const fs = require('fs'); for (const d of ['s1', 's2', 's3']) { fs.mkdirSync('app/' + d); for (let i = 0; i < 1000; i++) fs.writeFileSync('app/' + d + '/f' + i + '.txt', i + '\\n'); }`;
      expect(spawnSync(process.execPath, ['-e', write], { cwd: dir }).status).toBe(0);
      await eventually(async () => expect((await sh(engine, web, 'for d in s1 s2 s3; do ls /srv/app/$d | wc -l; done')).trim().split(/\s+/)).toEqual(['1000', '1000', '1000']), { timeout: 30_000 });
      expect(await cat(web, '/srv/app/s3/f999.txt')).toBe('999\n');
    } finally {
      child.proc.kill('SIGINT');
      await child.done;
    }
  });

  it('up --watch follows logs and files; Ctrl-C stops watching and the stack', async () => {
    const { project, dir } = scenario('upwatch', `        - path: ./app\n          action: sync\n          target: /srv/app\n`);
    const { child } = await watchingBinary(dir, project, ['up', '--watch']);
    try {
      const web = `${project}-web-1`;
      writeFileSync(join(dir, 'app/index.txt'), 'up watch\n');
      await eventually(async () => expect(await cat(web, '/srv/app/index.txt')).toBe('up watch\n'), { timeout: 15_000 });
      child.proc.kill('SIGINT');
      const r = await child.done;
      expect(r.code).toBe(130);
      for (const c of [web, `${project}-other-1`]) expect((await engine.inspectContainer(c)).state.running).toBe(false);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });
});

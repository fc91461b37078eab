/**
 * `attach`, `commit` and `export` on a real engine.
 *
 * attach runs as the built binary in a child process (`node bin/tsfig.js`), the TTY session
 * inside `script` (util-linux) so tsfig's stdin is a terminal, as in run-exec.test.ts. Checks
 * read the engine's state (running or not, exit codes, image config, the archive's files).
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { readTar } from '../../src/engine/tar.js';
import { projectDir, tsfig, type RunResult } from '../support/project.js';
import { bin, binaryEnv, inTerminal } from './support/binary.js';
import { cleanupProject, dockerResult, engineFromEnv, eventually, PROJECT_LABEL, requireEngine, SESSION_ID, SESSION_LABEL, uniqueProject } from './support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Host 1 of the multi-host rig (`bash scripts/hosts.sh up`). */
const RIG_HOST = 'unix:///run/tsfig-host1.sock';

const FIG = `services:
  reader:
    image: busybox
    stdin_open: true
    command: ["sh", "-c", "while read l; do [ \\"$$l\\" = quit ] && exit 5; echo got:$$l; done"]
  term:
    image: busybox
    stdin_open: true
    tty: true
    command: sh
  ticker:
    image: busybox
    command: ["sh", "-c", "trap 'echo bye; exit 3' TERM; while :; do echo tick; sleep 1 & wait $$!; done"]
`;

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];

function scenario(prefix: string): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  const dir = projectDir({ 'fig.yml': FIG }, 'proj');
  made.push({ project, dir });
  return { project, dir };
}


/** In-process tsfig, for commands that do not read stdin or write binary. */
function cli(dir: string, project: string, args: string[]): Promise<RunResult> {
  return tsfig(['-p', project, ...args], { cwd: dir, env: binaryEnv() });
}

async function up(dir: string, project: string, service: string): Promise<void> {
  const r = await cli(dir, project, ['up', '-d', service]);
  expect(r.code, r.stderr).toBe(0);
}






async function state(name: string): Promise<{ status: string; exitCode: number }> {
  const i = await engine.inspectContainer(name);
  return { status: i.state.status, exitCode: i.state.exitCode };
}

/** Resolves once the engine reports an `attach` to `name` (tsfig is attached from then on). */
async function attached(name: string): Promise<{ wait: Promise<void>; close: () => void }> {
  const stream = await engine.events({ filters: { type: ['container'], event: ['attach'], container: [name] } });
  const wait = (async () => {
    for await (const e of stream) if (e.action === 'attach') return;
  })();
  return { wait, close: () => stream.close() };
}

/** The files of a tar archive, by name (directories end with `/` or not, as the engine wrote them). */
async function tarFiles(source: NodeJS.ReadableStream | AsyncIterable<unknown>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of readTar(source)) {
    const chunks: Buffer[] = [];
    for await (const c of entry.body) chunks.push(c);
    files.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
  }
  return files;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  if (!existsSync(resolve(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupProject(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const m of made.splice(0)) await cleanupProject(engine, m.project);
  // Images committed here carry the session label (a -c LABEL change).
  for (const img of await engine.listImages({ labels: { [SESSION_LABEL]: SESSION_ID } })) {
    for (const ref of img.repoTags.filter((t) => t !== '<none>:<none>')) await engine.removeImage(ref, { force: true }).catch(() => undefined);
    await engine.removeImage(img.id, { force: true }).catch(() => undefined);
  }
});

describe('attach', () => {
  it('without a TTY: stdin in, output out; the end of stdin detaches and the container runs on; the exit code is passed through', async () => {
    const { project, dir } = scenario('attach-pipe');
    await up(dir, project, 'reader');
    const name = `${project}-reader-1`;

    const a = bin(dir, project, ['attach', 'reader']);
    a.proc.stdin?.write('hello\n');
    await eventually(() => expect(a.out()).toContain('got:hello\n'), { timeout: 30_000 });
    a.proc.stdin?.end();
    const r = await a.done;
    expect(r.code, r.stderr).toBe(0);
    expect(await state(name)).toMatchObject({ status: 'running' });

    // --sig-proxy=false: Ctrl-C detaches (130), the container runs on.
    const b = bin(dir, project, ['attach', '--sig-proxy=false', 'reader']);
    b.proc.stdin?.write('again\n');
    await eventually(() => expect(b.out()).toContain('got:again\n'), { timeout: 30_000 });
    b.proc.kill('SIGINT');
    const rb = await b.done;
    expect(rb.code, rb.stderr).toBe(130);
    expect(await state(name)).toMatchObject({ status: 'running' });

    // The container exits: tsfig exits with its code.
    const c = bin(dir, project, ['attach', 'reader']);
    c.proc.stdin?.write('last\n');
    await eventually(() => expect(c.out()).toContain('got:last\n'), { timeout: 30_000 });
    c.proc.stdin?.write('quit\n');
    const rc = await c.done;
    expect(rc.code, rc.stderr).toBe(5);
    expect(await state(name)).toEqual({ status: 'exited', exitCode: 5 });
  });

  it('--no-stdin: our input does not reach the container', async () => {
    const { project, dir } = scenario('attach-nostdin');
    await up(dir, project, 'reader');
    const name = `${project}-reader-1`;
    const seen = await attached(name);
    try {
      const a = bin(dir, project, ['attach', '--no-stdin', '--sig-proxy=false', 'reader']);
      await seen.wait;
      a.proc.stdin?.write('quit\n');
      // Forwarded, `quit` would end the container at once. A line typed later into a second
      // attach (a process started after `quit` was written) reaches the container, and its
      // answer reaches the first attach: the container was still reading after `quit`.
      const b = bin(dir, project, ['attach', '--sig-proxy=false', 'reader']);
      b.proc.stdin?.write('later\n');
      await eventually(() => expect(a.out()).toContain('got:later\n'), { timeout: 30_000 });
      expect(await state(name)).toMatchObject({ status: 'running' });
      b.proc.stdin?.end();
      expect((await b.done).code).toBe(0);
      a.proc.kill('SIGINT');
      expect((await a.done).code).toBe(130);
      expect(await state(name)).toMatchObject({ status: 'running' });
    } finally {
      seen.close();
    }
  });

  it('--sig-proxy (the default): SIGTERM goes to the container, whose exit code tsfig exits with', async () => {
    const { project, dir } = scenario('attach-proxy');
    await up(dir, project, 'ticker');
    const a = bin(dir, project, ['attach', 'ticker']);
    await eventually(() => expect(a.out()).toContain('tick\n'), { timeout: 30_000 });
    a.proc.kill('SIGTERM');
    const r = await a.done;
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('bye\n');
    expect(await state(`${project}-ticker-1`)).toEqual({ status: 'exited', exitCode: 3 });
  });

  it('with a TTY: raw terminal, its size, a typed command; ctrl-p ctrl-q detach (exit 0), the container runs on; then its exit code', async () => {
    const { project, dir } = scenario('attach-tty');
    await up(dir, project, 'term');
    const name = `${project}-term-1`;
    const t = inTerminal(dir, project, ['attach', 'term'], 'stty rows 33 cols 77; ');
    t.proc.stdin?.write('echo $((6*7)); stty size\n');
    await eventually(() => expect(t.out()).toMatch(/\n42\r*\n33 77\r*\n/), { timeout: 30_000 });
    t.proc.stdin?.write('\x10');
    await new Promise((r) => setTimeout(r, 200));
    t.proc.stdin?.write('\x11');
    const r = await t.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await state(name)).toMatchObject({ status: 'running' });

    // Other detach keys, typed in one go.
    const u = inTerminal(dir, project, ['attach', '--detach-keys', 'ctrl-x,x', 'term']);
    u.proc.stdin?.write('echo second-$((2*3))\n');
    await eventually(() => expect(u.out()).toMatch(/\nsecond-6\r*\n/), { timeout: 30_000 });
    u.proc.stdin?.write('\x18x');
    expect((await u.done).code).toBe(0);
    expect(await state(name)).toMatchObject({ status: 'running' });

    const v = inTerminal(dir, project, ['attach', 'term']);
    v.proc.stdin?.write('echo third\n');
    await eventually(() => expect(v.out()).toMatch(/\nthird\r*\n/), { timeout: 30_000 });
    v.proc.stdin?.write('exit 4\n');
    expect((await v.done).code).toBe(4);
    expect(await state(name)).toEqual({ status: 'exited', exitCode: 4 });
  });

  it('a service that is not running: one line, exit 1', async () => {
    const { project, dir } = scenario('attach-none');
    const r = bin(dir, project, ['attach', 'reader']);
    r.proc.stdin?.end();
    const d = await r.done;
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('reader');
    expect(d.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('commit', () => {
  it('a new image with the file written in the container, -c changes, author and message; untagged without a repository', async () => {
    const { project, dir } = scenario('commit');
    await up(dir, project, 'ticker');
    const ctr = `${project}-ticker-1`;
    expect((await engine.exec(ctr, { cmd: ['sh', '-c', 'echo committed-content > /committed.txt'] })).exitCode).toBe(0);
    const ref = `${project}-image:v1`;
    const label = `LABEL ${SESSION_LABEL}=${SESSION_ID}`;
    const r = await cli(dir, project, ['commit', '-a', 'Tester <t@example.com>', '-m', 'from the test', '-c', 'CMD ["cat", "/committed.txt"]', '-c', label, 'ticker', ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const img = await engine.inspectImage(ref);
    expect(img?.id).toBe(r.stdout.trim());
    expect(img?.config.cmd).toEqual(['cat', '/committed.txt']);
    expect(img?.config.labels[SESSION_LABEL]).toBe(SESSION_ID);
    // The container's tsfig labels are blanked: a container run from the image is nobody's replica.
    expect(img?.config.labels['io.tsfig.project']).toBe('');
    expect(img?.config.labels['io.tsfig.service']).toBe('');
    expect(img?.raw).toMatchObject({ Author: 'Tester <t@example.com>', Comment: 'from the test' });
    const run = await dockerResult('run', '--rm', ref);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('committed-content\n');
    // The container was paused for the commit, and runs on.
    expect(await state(ctr)).toMatchObject({ status: 'running' });

    const bare = await cli(dir, project, ['commit', '--pause=false', '-c', label, 'ticker']);
    expect(bare.code, bare.stderr).toBe(0);
    const id = bare.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await engine.inspectImage(id))?.repoTags).toEqual([]);
  });

  it('a service without a container: one line, exit 1', async () => {
    const { project, dir } = scenario('commit-none');
    const r = await cli(dir, project, ['commit', 'ticker', `${project}-never`]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await engine.inspectImage(`${project}-never`)).toBeUndefined();
  });
});

describe('export', () => {
  it('-o FILE: the filesystem with the file written in the container; piped stdout too; never a terminal', async () => {
    const { project, dir } = scenario('export');
    await up(dir, project, 'ticker');
    expect((await engine.exec(`${project}-ticker-1`, { cmd: ['sh', '-c', 'mkdir -p /srv && echo exported-content > /srv/exported.txt'] })).exitCode).toBe(0);

    const r = await cli(dir, project, ['export', '-o', 'fs.tar', 'ticker']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const files = await tarFiles(createReadStream(join(dir, 'fs.tar')));
    expect(files.get('srv/exported.txt')).toBe('exported-content\n');
    expect(files.has('bin/busybox')).toBe(true);
    // Written aside, then renamed: nothing else left in the folder.
    expect(readdirSync(dir).sort()).toEqual(['fig.yml', 'fs.tar']);

    const p = bin(dir, project, ['export', 'ticker']);
    p.proc.stdin?.end();
    const d = await p.done;
    expect(d.code, d.stderr).toBe(0);
    const piped = await tarFiles(Readable.from([d.bytes]));
    expect(piped.get('srv/exported.txt')).toBe('exported-content\n');

    const t = inTerminal(dir, project, ['export', 'ticker']);
    const td = await t.done;
    expect(td.code).toBe(1);
    expect(td.stdout).toContain('terminal');
    expect(td.stdout.length).toBeLessThan(400);
  });
});

describe('on another host', () => {
  it('attach, commit and export act on the engine the service is placed on (multi-host rig host 1)', async () => {
    if (process.getuid?.() !== 0) throw new Error('the multi-host rig needs root (network namespaces, a dockerd per host)');
    const rig = await new Promise<{ code: number; stderr: string }>((res) =>
      execFile('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', '3'], { timeout: 300_000, encoding: 'utf8' }, (err, _out, stderr) =>
        res({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
      ),
    );
    if (rig.code !== 0) throw new Error(`the multi-host rig did not come up: ${rig.stderr.trim().split('\n').slice(-3).join(' ')} (see scripts/hosts.sh)`);
    const remote = connect(resolveEndpoint({ env: {}, host: RIG_HOST }));
    const { project, dir } = scenario('hosts');
    writeFileSync(join(dir, 'fig.yml'), `hosts:\n  a: { docker: "${RIG_HOST}" }\n${FIG.replace(/^ {4}image: busybox$/gm, '    image: busybox\n    host: a')}`);
    try {
      await up(dir, project, 'reader');
      const name = `${project}-reader-1`;
      expect(await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).toEqual([]);
      expect(await state(name).catch(() => 'absent')).toBe('absent');
      expect((await remote.inspectContainer(name)).state.running).toBe(true);

      const a = bin(dir, project, ['attach', 'reader']);
      a.proc.stdin?.write('over-there\n');
      await eventually(() => expect(a.out()).toContain('got:over-there\n'), { timeout: 30_000 });
      a.proc.stdin?.end();
      expect((await a.done).code).toBe(0);

      expect((await remote.exec(name, { cmd: ['sh', '-c', 'echo remote-content > /remote.txt'] })).exitCode).toBe(0);
      const ref = `${project}-remote:v1`;
      const c = await cli(dir, project, ['commit', '-c', `LABEL ${SESSION_LABEL}=${SESSION_ID}`, 'reader', ref]);
      expect(c.code, c.stderr).toBe(0);
      expect((await remote.inspectImage(ref))?.id).toBe(c.stdout.trim());
      expect(await engine.inspectImage(ref)).toBeUndefined();

      const e = await cli(dir, project, ['export', '-o', 'remote.tar', 'reader']);
      expect(e.code, e.stderr).toBe(0);
      expect((await tarFiles(createReadStream(join(dir, 'remote.tar')))).get('remote.txt')).toBe('remote-content\n');
    } finally {
      await cleanupProject(remote, project);
      for (const img of await remote.listImages({ labels: { [SESSION_LABEL]: SESSION_ID } })) await remote.removeImage(img.id, { force: true }).catch(() => undefined);
    }
  });
});

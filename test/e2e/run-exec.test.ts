/**
 * One-off and inspection commands on a real engine: `run` (exit code, --rm cleanup of the
 * container and its anonymous volume, piped stdin, dependencies, -d, a TTY through a
 * pseudo-terminal, Ctrl-C), `exec` (exit code, output, -e/-u/-w, a TTY session), `top`,
 * `events --json`, `images`, `cp` both ways, and one-offs as `up`, `ps` and `down` see them.
 *
 * Commands that read stdin run as the built binary in a child process (`node bin/tsfig.js`),
 * the TTY sessions inside `script` (util-linux) so tsfig's stdin is a terminal. Checks read
 * the engine's state, not tsfig's wording.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { EngineError } from '../../src/errors.js';
import { projectDir, tsfig, type RunResult } from '../support/project.js';
import { bin, binaryEnv, inTerminal, type Child, type Done } from './support/binary.js';
import { cleanupProject, engineFromEnv, eventually, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;

const FIG = `services:
  db:
    image: busybox
    command: ${IDLE}
  app:
    image: busybox
    depends_on: [db]
    command: ${IDLE}
    volumes: ["/data"]
    ports: ["80"]
    environment:
      FOO: bar
`;

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];

function scenario(prefix: string): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  const dir = projectDir({ 'fig.yml': FIG }, 'proj');
  made.push({ project, dir });
  return { project, dir };
}


/** In-process tsfig, for commands that do not read stdin. */
function cli(dir: string, project: string, args: string[]): Promise<RunResult> {
  return tsfig(['-p', project, ...args], { cwd: dir, env: binaryEnv() });
}





/** The binary with `input` on stdin (then end of file). */
async function binWith(dir: string, project: string, args: string[], input = ''): Promise<Done> {
  const c = bin(dir, project, args);
  c.proc.stdin?.end(input);
  return c.done;
}


async function projectContainers(project: string) {
  return engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
}

async function oneOffs(project: string) {
  return (await projectContainers(project)).filter((c) => c.labels['io.tsfig.oneoff'] === 'True');
}

/**
 * Engine events (containers and volumes) while `fn` runs, until `last` is among them (the
 * engine's events arrive a moment after the command that caused them returns).
 */
async function recording<T>(fn: () => Promise<T>, last: (e: EngineEvent) => boolean): Promise<{ result: T; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const stream = await engine.events({ filters: { type: ['container', 'volume'] } });
  const pump = (async () => {
    for await (const e of stream) events.push(e);
  })();
  try {
    const result = await fn();
    await eventually(() => expect(events.some(last)).toBe(true), { message: 'the last event' });
    return { result, events };
  } finally {
    stream.close();
    await pump.catch(() => undefined);
  }
}

/**
 * Types `line` into a terminal session until its output matches `answer`. What is typed before
 * the terminal goes raw can be flushed by the switch (seen in CI): a line that got no answer
 * within a second is typed again.
 */
async function typeUntil(t: Child, line: string, answer: RegExp): Promise<void> {
  await eventually(
    async () => {
      t.proc.stdin?.write(line);
      await eventually(() => expect(t.out()).toMatch(answer), { timeout: 1000, interval: 50 });
    },
    { timeout: 30_000, interval: 0, message: `typing ${JSON.stringify(line)}` },
  );
}

async function volumeExists(name: string): Promise<boolean> {
  try {
    await engine.inspectVolume(name);
    return true;
  } catch (err) {
    if (err instanceof EngineError && err.statusCode === 404) return false;
    throw err;
  }
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
});

describe('run', () => {
  it('--rm: exits with the container\'s code; the container and its anonymous volume are gone; the dependency is up, the service itself is not', async () => {
    const { project, dir } = scenario('run-rm');
    const oneOffDestroyed = (e: EngineEvent) => e.type === 'container' && e.action === 'destroy' && (e.attributes.name ?? '').startsWith(`${project}-app-run-`);
    const { result: r, events } = await recording(() => binWith(dir, project, ['run', '--rm', 'app', 'sh', '-c', 'echo out; echo err >&2; touch /data/x; exit 3']), oneOffDestroyed);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');

    const created = events.find((e) => e.type === 'container' && e.action === 'create' && (e.attributes.name ?? '').startsWith(`${project}-app-run-`));
    expect(created?.attributes.name).toMatch(new RegExp(`^${project}-app-run-[0-9a-f]{12}$`));
    expect(created?.attributes['io.tsfig.oneoff']).toBe('True');
    const mount = events.find((e) => e.type === 'volume' && e.action === 'mount' && e.attributes.container === created?.id && e.attributes.destination === '/data');
    expect(mount?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await volumeExists(mount!.id)).toBe(false);
    expect(await oneOffs(project)).toEqual([]);

    const names = (await projectContainers(project)).map((c) => `${c.names[0]} ${c.state}`);
    expect(names).toEqual([`${project}-db-1 running`]);
  });

  it('--no-deps does not start the dependency; -e/-u/-w/--entrypoint apply', async () => {
    const { project, dir } = scenario('run-flags');
    const r = await binWith(dir, project, ['run', '--rm', '--no-deps', '-e', 'A=1', '-u', 'nobody', '-w', '/tmp', 'app', 'sh', '-c', 'echo $A $FOO $(id -u) $(pwd)']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1 bar 65534 /tmp\n');
    expect(await projectContainers(project)).toEqual([]);
    const e = await binWith(dir, project, ['run', '--rm', '--no-deps', '--entrypoint', 'echo from-entrypoint', 'app']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toBe('from-entrypoint\n');
  });

  it('pipes stdin: echo hello | tsfig run --rm -T app cat', async () => {
    const { project, dir } = scenario('run-stdin');
    const r = await binWith(dir, project, ['run', '--rm', '-T', 'app', 'cat'], 'hello\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello\n');
    const big = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const b = await binWith(dir, project, ['run', '--rm', '-T', 'app', 'wc', '-l'], big);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.trim()).toBe('20000');
  });

  it('-d prints the name; the one-off publishes no ports (unless --service-ports), is marked by ps -a, ignored by up, removed by down', async () => {
    const { project, dir } = scenario('run-detach');
    const d = await binWith(dir, project, ['run', '-d', 'app']);
    expect(d.code, d.stderr).toBe(0);
    const name = d.stdout.trim();
    expect(name).toMatch(new RegExp(`^${project}-app-run-[0-9a-f]{12}$`));
    const i = await engine.inspectContainer(name);
    expect(i.state.running).toBe(true);
    expect(i.config.labels['io.tsfig.oneoff']).toBe('True');
    expect(i.config.labels['io.tsfig.service']).toBe('app');
    expect(i.hostConfig.portBindings).toEqual({});
    expect(i.hostConfig.restartPolicy.name === '' || i.hostConfig.restartPolicy.name === 'no').toBe(true);

    const sp = await binWith(dir, project, ['run', '-d', '--name', `${project}-custom`, '--service-ports', 'app']);
    expect(sp.stdout.trim()).toBe(`${project}-custom`);
    const j = await engine.inspectContainer(`${project}-custom`);
    expect(Object.keys(j.hostConfig.portBindings)).toEqual(['80/tcp']);

    const ps = await cli(dir, project, ['ps']);
    expect(ps.stdout).not.toContain(name);
    const psa = await cli(dir, project, ['ps', '-a']);
    expect(psa.stdout).toMatch(new RegExp(`^${name}\\s.*\\sapp \\(one-off\\)\\s`, 'm'));

    const up = await cli(dir, project, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const after = (await projectContainers(project)).map((c) => c.names[0]).sort();
    expect(after).toEqual([`${project}-app-1`, `${project}-custom`, `${project}-db-1`, name].sort());
    expect((await engine.inspectContainer(name)).state.running).toBe(true);

    // down without -v leaves anonymous volumes, as docker compose does: this test removes them.
    const anonymous = (await Promise.all((await projectContainers(project)).map((c) => engine.inspectContainer(c.id))))
      .flatMap((c) => c.mounts)
      .filter((m) => m.type === 'volume' && m.name !== undefined)
      .map((m) => m.name!);
    expect(anonymous.length).toBeGreaterThan(0);
    const down = await cli(dir, project, ['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(await projectContainers(project)).toEqual([]);
    for (const v of anonymous) await engine.removeVolume(v);
  });

  it('with a terminal: a TTY, the reply to a typed command, the exit code, and --rm', async () => {
    const { project, dir } = scenario('run-tty');
    const t = inTerminal(dir, project, ['run', '--rm', '-it', 'app', 'sh'], 'stty rows 33 cols 77; ');
    t.proc.stdin?.write('tty && echo $((6*7))\n');
    await eventually(() => expect(t.out()).toMatch(/\/dev\/pts\/\d+\r*\n42\r*\n/), { timeout: 30_000 });
    t.proc.stdin?.write('stty size\n');
    await eventually(() => expect(t.out()).toMatch(/\n33 77\r*\n/), { timeout: 10_000 });
    t.proc.stdin?.write('exit 7\n');
    const r = await t.done;
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect(await oneOffs(project)).toEqual([]);
  });

  it('Ctrl-C stops the one-off, exits 130, and --rm still removes it', async () => {
    const { project, dir } = scenario('run-int');
    const c = bin(dir, project, ['run', '--rm', '-T', 'db']);
    await eventually(async () => expect((await oneOffs(project)).map((x) => x.state)).toEqual(['running']), { timeout: 30_000 });
    c.proc.kill('SIGINT');
    const r = await c.done;
    expect(r.code, r.stderr).toBe(130);
    expect(await oneOffs(project)).toEqual([]);
  });

  it('refuses an unknown service', async () => {
    const { project, dir } = scenario('run-unknown');
    const r = await binWith(dir, project, ['run', '--rm', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nope');
    expect(await projectContainers(project)).toEqual([]);
  });
});

describe('exec', () => {
  it('propagates the exit code; stdout and stderr apart; -e/-u/-w; stdin piped', async () => {
    const { project, dir } = scenario('exec');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    const r = await binWith(dir, project, ['exec', '-T', 'db', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    const f = await binWith(dir, project, ['exec', '-e', 'X=1', '-u', 'nobody', '-w', '/tmp', 'db', 'sh', '-c', 'echo $X $(id -u) $(pwd)']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe('1 65534 /tmp\n');
    const i = await binWith(dir, project, ['exec', '-T', 'db', 'tr', 'a-z', 'A-Z'], 'shout\n');
    expect(i.stdout).toBe('SHOUT\n');
    // Compose's -i (and -it) with a pipe: accepted, and no TTY since stdin is not a terminal.
    const it2 = await binWith(dir, project, ['exec', '-i', 'db', 'tr', 'a-z', 'A-Z'], 'piped\n');
    expect(it2.stdout, it2.stderr).toBe('PIPED\n');
    const d = await binWith(dir, project, ['exec', '-d', 'db', 'touch', '/tmp/detached']);
    expect(d.code, d.stderr).toBe(0);
    await eventually(async () => expect((await engine.exec(`${project}-db-1`, { cmd: ['ls', '/tmp/detached'] })).exitCode).toBe(0));
  });

  it('says so when the service has no running container', async () => {
    const { project, dir } = scenario('exec-none');
    const r = await binWith(dir, project, ['exec', '-T', 'app', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/app/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a TTY session through a pseudo-terminal: type a command, read the reply', async () => {
    const { project, dir } = scenario('exec-tty');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    const t = inTerminal(dir, project, ['exec', '-it', 'db', 'sh']);
    await typeUntil(t, 'echo $((6*7))\n', /\n42\r*\n/);
    t.proc.stdin?.write('exit\n');
    const r = await t.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('the TTY takes the size of the terminal, and follows it when it changes (SIGWINCH)', async () => {
    const { project, dir } = scenario('exec-size');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    // The terminal is 40x100; once the flag file exists, it becomes 50x120 (a minute at most).
    const flag = join(dir, 'resize-now');
    const t = inTerminal(
      dir,
      project,
      ['exec', 'db', 'sh'],
      `stty rows 40 cols 100; (i=0; while [ ! -e '${flag}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; stty rows 50 cols 120 </dev/tty) & `,
    );
    try {
      await typeUntil(t, 'stty size\n', /\n40 100\r*\n/);
      writeFileSync(flag, '');
      await typeUntil(t, 'stty size\n', /\n50 120\r*\n/);
      t.proc.stdin?.write('exit 0\n');
      expect((await t.done).code).toBe(0);
    } finally {
      writeFileSync(flag, '');
    }
  });
});

describe('top, events, images', () => {
  it('top: a header per container, then its processes', async () => {
    const { project, dir } = scenario('top');
    expect((await cli(dir, project, ['up', '-d'])).code).toBe(0);
    const r = await cli(dir, project, ['top']);
    expect(r.code, r.stderr).toBe(0);
    const blocks = r.stdout.split('\n\n');
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([`${project}-app-1`, `${project}-db-1`]);
    for (const b of blocks) {
      expect(b.split('\n')[1]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
      expect(b).toContain("trap 'exit 0' TERM");
    }
    const one = await cli(dir, project, ['top', 'db']);
    expect(one.stdout.split('\n')[0]).toBe(`${project}-db-1`);
    expect(one.stdout).not.toContain(`${project}-app-1`);
  });

  it('events --json: the project\'s events as JSON lines while listening; Ctrl-C ends it', async () => {
    const { project, dir } = scenario('events');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    const other = uniqueProject('events-other');
    made.push({ project: other, dir });
    const foreign = await engine.createContainer(`${other}-x`, { Image: 'busybox', Cmd: ['true'], Labels: { [PROJECT_LABEL]: other } });
    const c = bin(dir, project, ['events', '--json']);
    const lines = (): Array<Record<string, unknown>> =>
      c
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Restart until the subscription is live and the start shows up.
    await eventually(
      async () => {
        await engine.restartContainer(`${project}-db-1`, 0);
        await engine.startContainer(foreign.id);
        expect(lines().some((e) => e.action === 'start' && e.service === 'db')).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
    const start = lines().find((e) => e.action === 'start')!;
    expect(Object.keys(start).sort()).toEqual(['action', 'attributes', 'id', 'service', 'time', 'type']);
    expect(start.type).toBe('container');
    expect(start.id).toMatch(/^[0-9a-f]{64}$/);
    expect(start.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect((start.attributes as Record<string, string>).name).toBe(`${project}-db-1`);
    expect(lines().every((e) => (e.attributes as Record<string, string>)[PROJECT_LABEL] === project)).toBe(true);
    c.proc.kill('SIGINT');
    const r = await c.done;
    expect(r.code).toBe(130);

    // --since/--until: the past replayed, and the stream ends at --until by itself (exit 0).
    const until = new Date(Date.parse(start.time as string) + 1).toISOString();
    const past = await binWith(dir, project, ['events', '--json', '--since', '10m', '--until', until]);
    expect(past.code, past.stderr).toBe(0);
    const replayed = past.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(replayed.some((e) => e.action === 'start' && e.id === start.id && e.time === start.time)).toBe(true);
    expect(replayed.every((e) => (e.time as string) <= until)).toBe(true);
    const bad = await binWith(dir, project, ['events', '--since', 'soon']);
    expect(bad.code).toBe(2);
  });

  it('images: one row per container, table and json', async () => {
    const { project, dir } = scenario('images');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    const img = await engine.inspectImage('busybox:latest');
    const r = await cli(dir, project, ['images']);
    expect(r.code, r.stderr).toBe(0);
    const [head, row, ...rest] = r.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(row?.split(/\s{2,}/)).toEqual([`${project}-db-1`, 'busybox', 'latest', img!.id.slice(7, 19), expect.stringMatching(/^[\d.]+[kMG]?B$/)]);
    expect(rest).toEqual([]);
    const j = JSON.parse((await cli(dir, project, ['images', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    expect(j).toEqual([{ ContainerName: `${project}-db-1`, Repository: 'busybox', Tag: 'latest', ID: img!.id.slice(7, 19), Size: img!.size }]);
  });
});

describe('cp', () => {
  it('copies a folder and a file into a container, and back out', async () => {
    const { project, dir } = scenario('cp');
    expect((await cli(dir, project, ['up', '-d', 'db'])).code).toBe(0);
    const host = mkdtempSync(join(tmpdir(), 'tsfig-cp-'));
    try {
      const src = join(host, 'src');
      mkdirSync(join(src, 'sub'), { recursive: true });
      writeFileSync(join(src, 'a.txt'), 'alpha\n');
      writeFileSync(join(src, 'sub', 'b.sh'), '#!/bin/sh\necho beta\n', { mode: 0o755 });
      writeFileSync(join(src, 'big.bin'), Buffer.alloc(300_000, 7));
      symlinkSync('a.txt', join(src, 'link'));
      const long = 'd'.repeat(60) + '/' + 'e'.repeat(60) + '/' + 'f'.repeat(80) + '.txt';
      mkdirSync(join(src, dirname(long)), { recursive: true });
      writeFileSync(join(src, long), 'long name\n');
      const ctr = `${project}-db-1`;
      const sh = async (cmd: string) => (await engine.exec(ctr, { cmd: ['sh', '-c', cmd] })).stdout;

      // Host -> container: into an existing folder, then as a new name.
      expect((await cli(host, project, ['--project-directory', dir, '-f', join(dir, 'fig.yml'), 'cp', 'src', 'db:/tmp'])).code).toBe(0);
      expect(await sh('cat /tmp/src/a.txt /tmp/src/sub/b.sh; readlink /tmp/src/link; stat -c %a /tmp/src/sub/b.sh; wc -c < /tmp/src/big.bin')).toBe(
        'alpha\n#!/bin/sh\necho beta\na.txt\n755\n300000\n',
      );
      expect(await sh(`cat /tmp/src/${long}`)).toBe('long name\n');
      const f = await cli(dir, project, ['cp', join(src, 'a.txt'), 'db:/tmp/renamed.txt']);
      expect(f.code, f.stderr).toBe(0);
      expect(await sh('cat /tmp/renamed.txt')).toBe('alpha\n');

      // Container -> host: a folder to a new path, a file into a folder, a folder's content.
      await sh('mkdir -p /srv/out/deep && echo one > /srv/out/1.txt && echo two > /srv/out/deep/2.txt && ln -s 1.txt /srv/out/l');
      const back = join(host, 'back');
      const b = await cli(dir, project, ['cp', 'db:/srv/out', back]);
      expect(b.code, b.stderr).toBe(0);
      expect(readFileSync(join(back, '1.txt'), 'utf8')).toBe('one\n');
      expect(readFileSync(join(back, 'deep', '2.txt'), 'utf8')).toBe('two\n');
      expect(readlinkSync(join(back, 'l'))).toBe('1.txt');
      const intoDir = await cli(dir, project, ['cp', 'db:/etc/passwd', host]);
      expect(intoDir.code, intoDir.stderr).toBe(0);
      expect(readFileSync(join(host, 'passwd'), 'utf8')).toMatch(/^root:/);
      const roundTrip = await cli(dir, project, ['cp', `db:/tmp/src/${long}`, join(host, 'long.txt')]);
      expect(roundTrip.code, roundTrip.stderr).toBe(0);
      expect(readFileSync(join(host, 'long.txt'), 'utf8')).toBe('long name\n');
      const contents = join(host, 'contents');
      mkdirSync(contents);
      expect((await cli(dir, project, ['cp', 'db:/srv/out/.', contents])).code).toBe(0);
      expect(readFileSync(join(contents, 'deep', '2.txt'), 'utf8')).toBe('two\n');
      expect(statSync(join(contents, 'deep')).isDirectory()).toBe(true);

      const missing = await cli(dir, project, ['cp', 'db:/nope', host]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('/nope');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});

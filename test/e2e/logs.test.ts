/**
 * `tsfig logs` and attached `up` against a real engine: prefixes and colours, stdout and
 * stderr, --tail/--since/--until/--index, following across restarts (every line exactly once),
 * a recreate and a scale-up, the CLI under Ctrl-C, and attach with --abort-on-container-exit,
 * --exit-code-from and Ctrl-C. Checks read the output lines and the engine's state.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachAfterUp, type AttachOptions } from '../../src/app/attach.js';
import { attachIO } from '../../src/cli/attach.js';
import { cliSink, connectHosts, type Session } from '../../src/cli/runtime.js';
import { VERSION } from '../../src/cli/version.js';
import { loadProject } from '../../src/config/load.js';
import type { Engine } from '../../src/engine/engine.js';
import { LogFollower, type FollowOptions } from '../../src/logs/follow.js';
import { projectDir } from '../support/project.js';
import { cleanupProject, engineFromEnv, eventually, requireEngine, uniqueProject } from './support/harness.js';
import { containersOf, ok, run, spawnTsfig, testEnv } from './support/stack.js';

let engine: Engine;
const made: Array<{ project: string; dir: string }> = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const m of made.splice(0)) {
    await cleanupProject(engine, m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
});

/** A project folder with `fig.yml` and a fresh project name. */
function stack(name: string, yml: string): { project: string; dir: string } {
  const project = uniqueProject(`logs-${name}`);
  const dir = projectDir({ 'fig.yml': yml }, name);
  made.push({ project, dir });
  return { project, dir };
}

/**
 * A shell loop that prints `PREFIX n=N` every 100 ms, N counting on across restarts (kept in
 * /tmp/n). TERM sets a flag, so an iteration (print + save) is never cut in half, and the
 * container stops at once.
 */
function counter(prefix: string, stderrEvery = 0): string {
  const err = stderrEvery > 0 ? `if [ $$((i % ${stderrEvery})) = 0 ]; then echo "${prefix} n=$$i" >&2; else echo "${prefix} n=$$i"; fi` : `echo "${prefix} n=$$i"`;
  return JSON.stringify(['sh', '-c', `trap 'stop=1' TERM; i=$$(cat /tmp/n 2>/dev/null || echo 0); while [ -z "$$stop" ]; do i=$$((i+1)); ${err}; echo $$i > /tmp/n; sleep 0.1 & wait $$!; done; exit 0`]);
}

const IDLE = JSON.stringify(['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]);

function follow(project: string, opts: Partial<FollowOptions> = {}) {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const f = new LogFollower({
    hosts: [{ name: 'default', endpoint: 'env', engine }],
    project,
    follow: true,
    out: (s) => (out += s),
    err: (s) => (err += s),
    signal: controller.signal,
    ...opts,
  });
  const done = f.run();
  return { f, done, controller, out: () => out, err: () => err };
}

const linesOf = (text: string) => text.split('\n').filter((l) => l !== '');

/** The counter values of `prefix` in the output, in order. */
function counts(text: string, prefix: string): number[] {
  const re = new RegExp(`${prefix} n=(\\d+)$`);
  return linesOf(text)
    .map((l) => re.exec(l)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

function expectConsecutive(values: number[], from: number): void {
  expect(values.length).toBeGreaterThan(0);
  const want = Array.from({ length: values.length }, (_, i) => from + i);
  // A compact message: where the first difference is.
  const at = values.findIndex((v, i) => v !== want[i]);
  expect(at, `values ${JSON.stringify(values.slice(Math.max(0, at - 3), at + 4))} around index ${at}`).toBe(-1);
}

describe('logs', () => {
  it('prints stdout and stderr of every container with padded prefixes; colours only when asked, per service', async () => {
    const { project, dir } = stack(
      'prefix',
      `services:
  web:
    image: busybox
    command: ${JSON.stringify(['sh', '-c', "echo 'web to stdout'; echo 'web to stderr' >&2; trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"])}
  database:
    image: busybox
    tty: true
    command: ${JSON.stringify(['sh', '-c', "echo 'ünïcode ✓ from a tty'; trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"])}
`,
    );
    await ok(dir, project, ['up', '-d']);
    const web = `${project}-web-1`;
    const db = `${project}-database-1`;
    const r = await eventually(async () => {
      const r = await run(dir, project, ['logs']);
      expect(r.code).toBe(0);
      expect(linesOf(r.stdout)).toHaveLength(3);
      return r;
    });
    expect(linesOf(r.stdout).sort()).toEqual([`${db} | ünïcode ✓ from a tty`, `${web}      | web to stderr`, `${web}      | web to stdout`].sort());
    expect(r.stdout).not.toContain('\u001b');

    // Colours: forced on, one per service, only around the prefix.
    const colored = await run(dir, project, ['logs'], { FORCE_COLOR: '1' });
    const colourOf = (name: string) => {
      const line = linesOf(colored.stdout).find((l) => l.includes(name));
      return line?.startsWith('\u001b[') ? line.slice(2, line.indexOf('m')) : undefined;
    };
    expect(colourOf(web)).toBeDefined();
    expect(colourOf(db)).toBeDefined();
    expect(colourOf(web)).not.toBe(colourOf(db));
    expect(colored.stdout).toContain(`\u001b[${colourOf(web)}m${web}      |\u001b[39m web to stdout`);
    // --no-color and NO_COLOR turn them off.
    expect((await run(dir, project, ['logs', '--no-color'], { FORCE_COLOR: '1' })).stdout).not.toContain('\u001b');
    expect((await run(dir, project, ['logs'], { NO_COLOR: '1' })).stdout).not.toContain('\u001b');
    // --ansi, as compose's: always colours a pipe, never wins over FORCE_COLOR; so does COMPOSE_ANSI.
    expect((await run(dir, project, ['--ansi', 'always', 'logs'])).stdout).toContain(`\u001b[${colourOf(web)}m${web}      |\u001b[39m web to stdout`);
    expect((await run(dir, project, ['--ansi', 'never', 'logs'], { FORCE_COLOR: '1' })).stdout).not.toContain('\u001b');
    expect((await run(dir, project, ['logs'], { COMPOSE_ANSI: 'always' })).stdout).toContain('\u001b[');

    // --no-log-prefix, one service, -t.
    expect((await run(dir, project, ['logs', '--no-log-prefix', 'database'])).stdout).toBe('ünïcode ✓ from a tty\n');
    const stamped = linesOf((await run(dir, project, ['logs', '-t', 'database'])).stdout);
    expect(stamped).toHaveLength(1);
    expect(stamped[0]).toMatch(new RegExp(`^${db} \\| \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z ünïcode ✓ from a tty$`));
  });

  it('--tail per container, --index, --since/--until (RFC 3339 and relative)', async () => {
    const { project, dir } = stack(
      'tail',
      `services:
  web:
    image: busybox
    scale: 2
    command: ${JSON.stringify(['sh', '-c', "for i in 1 2 3 4 5; do echo \"line $$i\"; done; trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"])}
`,
    );
    await ok(dir, project, ['up', '-d']);
    await eventually(async () => expect(linesOf((await run(dir, project, ['logs'])).stdout)).toHaveLength(10));
    const tail = linesOf((await ok(dir, project, ['logs', '--tail', '2'])).stdout).sort();
    expect(tail).toEqual([`${project}-web-1 | line 4`, `${project}-web-1 | line 5`, `${project}-web-2 | line 4`, `${project}-web-2 | line 5`]);
    expect(linesOf((await ok(dir, project, ['logs', '--tail', '0'])).stdout)).toEqual([]);
    expect(linesOf((await ok(dir, project, ['logs', '--index', '2', '--tail', '1'])).stdout)).toEqual([`${project}-web-2 | line 5`]);

    expect(linesOf((await ok(dir, project, ['logs', '--since', '1h'])).stdout)).toHaveLength(10);
    expect(linesOf((await ok(dir, project, ['logs', '--since', '2999-01-01T00:00:00Z'])).stdout)).toEqual([]);
    expect(linesOf((await ok(dir, project, ['logs', '--until', '2000-01-01T00:00:00Z'])).stdout)).toEqual([]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(linesOf((await ok(dir, project, ['logs', '--until', future, '--since', '10m'])).stdout)).toHaveLength(10);

    const bad = await run(dir, project, ['logs', '--since', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since');
  });

  it('-f across restarts: every line exactly once, none missing (stdout and stderr), and it keeps following a stopped container', async () => {
    const { project, dir } = stack('restart', `services:\n  counter:\n    image: busybox\n    command: ${counter('c', 3)}\n`);
    await ok(dir, project, ['up', '-d']);
    const id = `${project}-counter-1`;
    const fl = follow(project, { prefix: false });
    try {
      await eventually(() => expect(counts(fl.out(), 'c').length).toBeGreaterThanOrEqual(5));
      await engine.restartContainer(id, 5);
      await eventually(() => expect(counts(fl.out(), 'c').length).toBeGreaterThanOrEqual(15));
      await engine.restartContainer(id, 5);
      await eventually(() => expect(counts(fl.out(), 'c').length).toBeGreaterThanOrEqual(25));
      // Stopped for a while, then started: the follower is still there.
      await engine.stopContainer(id, 5);
      const stoppedAt = counts(fl.out(), 'c').length;
      await engine.startContainer(id);
      await eventually(() => expect(counts(fl.out(), 'c').length).toBeGreaterThanOrEqual(stoppedAt + 10));
      await engine.restartContainer(id, 5);
      await eventually(() => expect(counts(fl.out(), 'c').length).toBeGreaterThanOrEqual(stoppedAt + 20));
    } finally {
      fl.controller.abort();
      await fl.done;
    }
    const values = counts(fl.out(), 'c');
    expectConsecutive(values, 1);
    // The engine has them all too (and the follower printed no more than that).
    const all = await run(dir, project, ['logs', '--no-log-prefix']);
    const logged = counts(all.stdout, 'c');
    expect(logged.slice(0, values.length)).toEqual(values);
    expect(fl.err()).toBe('');
  });

  it('-f follows a recreated container (new id, same name) and a scaled-up one', async () => {
    const yml = (gen: number) => `services:\n  web:\n    image: busybox\n    environment:\n      GEN: "${gen}"\n    command: ${counter(`gen${gen}`)}\n`;
    const { project, dir } = stack('recreate', yml(1));
    await ok(dir, project, ['up', '-d']);
    const before = (await containersOf(engine, project))[0]!;
    const fl = follow(project);
    try {
      await eventually(() => expect(counts(fl.out(), 'gen1').length).toBeGreaterThanOrEqual(3));
      writeFileSync(join(dir, 'fig.yml'), yml(2));
      await ok(dir, project, ['up', '-d']);
      const after = (await containersOf(engine, project))[0]!;
      expect(after.id).not.toBe(before.id);
      expect(after.name).toBe(before.name);
      await eventually(() => expect(counts(fl.out(), 'gen2').length).toBeGreaterThanOrEqual(3));
      await ok(dir, project, ['up', '-d', '--scale', 'web=2']);
      await eventually(() => expect(linesOf(fl.out()).filter((l) => l.startsWith(`${project}-web-2 |`)).length).toBeGreaterThanOrEqual(3));
    } finally {
      fl.controller.abort();
      await fl.done;
    }
    const out = fl.out();
    const web1 = linesOf(out).filter((l) => l.startsWith(`${project}-web-1 `));
    // Both generations under the same name, each counting from 1 without a hole or repeat.
    expect(web1.some((l) => l.endsWith('gen1 n=1'))).toBe(true);
    expectConsecutive(counts(web1.join('\n'), 'gen1'), 1);
    expectConsecutive(counts(web1.join('\n'), 'gen2'), 1);
    // The padding widened for web-2 (same length here) and web-2 starts at its first line.
    const web2 = linesOf(out).filter((l) => l.startsWith(`${project}-web-2 `));
    expectConsecutive(counts(web2.join('\n'), 'gen2'), 1);
  });

  it('the CLI: logs -f (the built binary) follows until Ctrl-C and exits 130', async () => {
    const { project, dir } = stack('cli', `services:\n  web:\n    image: busybox\n    command: ${counter('w')}\n  idle:\n    image: busybox\n    command: ${IDLE}\n`);
    await ok(dir, project, ['up', '-d']);
    const child = spawnTsfig(dir, project, ['logs', '-f', '--tail', '1', 'web']);
    let stdout = '';
    child.proc.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    await eventually(() => expect(counts(stdout, 'w').length).toBeGreaterThanOrEqual(5), { timeout: 30_000 });
    await ok(dir, project, ['restart', 'web']);
    const seen = counts(stdout, 'w').length;
    await eventually(() => expect(counts(stdout, 'w').length).toBeGreaterThanOrEqual(seen + 5), { timeout: 30_000 });
    child.proc.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(130);
    const values = counts(r.stdout, 'w');
    expectConsecutive(values, values[0]!);
    for (const l of linesOf(r.stdout)) expect(l).toMatch(new RegExp(`^${project}-web-1 \\| w n=\\d+$`));
  });
});

/** A session as `up` has it, wired by hand (up.ts is not wired to attach yet). */
async function session(dir: string, project: string, controller: AbortController) {
  let out = '';
  let err = '';
  const env = testEnv();
  const loaded = loadProject({ cwd: dir, env, projectName: project });
  if (!loaded.project) throw new Error(JSON.stringify(loaded.diagnostics));
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), cwd: dir, env, stdoutTTY: false, stderrTTY: false };
  const hosts = await connectHosts(loaded.project, {}, io);
  const s: Session = {
    project: loaded.project,
    hosts,
    engines: Object.fromEntries(hosts.map((h) => [h.name, h.engine])),
    io,
    signal: controller.signal,
    sink: cliSink(io, 'quiet'),
    options: { parallel: 8, dryRun: false, env, version: VERSION },
    progress: 'quiet',
    parallel: 8,
    dispose: () => {},
  };
  return { s, out: () => out, err: () => err };
}

async function attach(dir: string, project: string, opts: Partial<AttachOptions>, controller = new AbortController()) {
  const { s, out, err } = await session(dir, project, controller);
  const code = await attachAfterUp(s, attachIO(s), { services: [], ...opts });
  return { code, out: out(), err: err() };
}

describe('attached up (attachAfterUp)', () => {
  const yml = (jobExit: number) => `services:
  web:
    image: busybox
    command: ${counter('web')}
  job:
    image: busybox
    command: ${JSON.stringify(['sh', '-c', `echo job starting; sleep 1; echo job failing >&2; exit ${jobExit}`])}
`;

  it('--abort-on-container-exit: a container exits, everything is stopped gracefully, its code is the exit code', async () => {
    const { project, dir } = stack('abort', yml(3));
    await ok(dir, project, ['up', '-d']);
    const r = await attach(dir, project, { abortOnContainerExit: true });
    expect(r.code).toBe(3);
    const states = Object.fromEntries((await containersOf(engine, project)).map((c) => [c.service, c.state]));
    expect(states).toEqual({ web: 'exited', job: 'exited' });
    // web was stopped by its TERM trap (a graceful stop), not killed.
    expect((await engine.inspectContainer(`${project}-web-1`)).state.exitCode).toBe(0);
    const lines = linesOf(r.out);
    expect(lines).toContain(`${project}-job-1 | job starting`);
    expect(lines).toContain(`${project}-job-1 | job failing`);
    expect(lines).toContain(`${project}-job-1 exited with code 3`);
    expect(lines).toContain(`${project}-web-1 exited with code 0`);
    expectConsecutive(counts(r.out, 'web'), 1);
    expect(r.err).toContain('Aborting on container exit');
  });

  it("--exit-code-from SERVICE: that service's code, also when another container's exit stopped it", async () => {
    const { project, dir } = stack('exitcode', yml(5));
    await ok(dir, project, ['up', '-d']);
    expect((await attach(dir, project, { exitCodeFrom: 'job' })).code).toBe(5);
    await ok(dir, project, ['up', '-d']);
    // job exits first (5); web is then stopped gracefully and exits 0: that is the answer.
    expect((await attach(dir, project, { exitCodeFrom: 'web' })).code).toBe(0);
    await expect(attach(dir, project, { exitCodeFrom: 'nope' })).rejects.toThrow(/no such service: nope/);
  });

  it('without abort: returns 0 once every container has exited; --no-attach hides a service', async () => {
    const { project, dir } = stack(
      'allexit',
      `services:
  one:
    image: busybox
    command: ["sh", "-c", "echo one; sleep 1; exit 4"]
  two:
    image: busybox
    command: ["sh", "-c", "echo two; sleep 2"]
`,
    );
    await ok(dir, project, ['up', '-d']);
    const r = await attach(dir, project, { noAttach: ['one'] });
    expect(r.code).toBe(0);
    // `Attaching to` names only the containers whose logs are shown, as docker compose does.
    expect(linesOf(r.out)).toEqual(['Attaching to two-1', `${project}-two-1 | two`, `${project}-two-1 exited with code 0`]);
  });

  it('Ctrl-C: the containers are stopped gracefully and the exit code is 130', async () => {
    const { project, dir } = stack('ctrlc', `services:\n  web:\n    image: busybox\n    command: ${counter('web')}\n`);
    await ok(dir, project, ['up', '-d']);
    const controller = new AbortController();
    const { s, out, err } = await session(dir, project, controller);
    const pending = attachAfterUp(s, attachIO(s), { services: [] });
    await eventually(() => expect(counts(out(), 'web').length).toBeGreaterThanOrEqual(3));
    controller.abort();
    expect(await pending).toBe(130);
    const c = await engine.inspectContainer(`${project}-web-1`);
    expect(c.state.running).toBe(false);
    expect(c.state.exitCode).toBe(0);
    expect(err()).toContain('Gracefully stopping');
    expectConsecutive(counts(out(), 'web'), 1);
  });
});

/**
 * Error paths of the engine and the CLI, with the built binary in a child process: an engine
 * that is not there or never answers (every command: one line, nothing on stdout, non-zero),
 * Ctrl-C while tsfig reads a hung engine (exit 130), bad TSFIG_* settings (usage error, exit 2;
 * empty = unset, words in any case), closed output pipes (EPIPE), and `--remove-orphans` /
 * `rm -v` / `down -v` when a container borrowed its volume through volumes_from.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir } from '../support/project.js';
import { watchChild, type Child, type Done } from './support/binary.js';
import { cleanupProject, engineFromEnv, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import { BIN } from './support/stack.js';

const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;
const ONE = `services:
  web:
    image: busybox:latest
    command: ${IDLE}
`;

let engine: Engine;
const projects: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-failures-'));

/** The binary with exactly this environment (plus PATH and HOME), in `dir`. */
function tsfigChild(dir: string, project: string, args: string[], env: Record<string, string | undefined>, stdio: 'pipe' | 'ignore' = 'pipe'): Child {
  const full: Record<string, string> = { TSFIG_PROGRESS: 'plain' };
  for (const k of ['HOME', 'PATH', 'DOCKER_HOST'] as const) if (process.env[k] !== undefined) full[k] = process.env[k]!;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  return watchChild(spawn(process.execPath, [BIN, '-p', project, ...args], { cwd: dir, env: full, stdio: [stdio, 'pipe', 'pipe'] }));
}

function runTsfig(dir: string, project: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Done> {
  return tsfigChild(dir, project, args, env, 'ignore').done;
}

function scenario(prefix: string, fig = ONE): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  projects.push(project);
  return { project, dir: projectDir({ 'fig.yml': fig }, 'proj') };
}

/** A unix socket that accepts connections and never answers. */
async function hungEngine(name: string): Promise<{ path: string; server: Server; connections: Socket[] }> {
  const path = join(tmp, `${name}.sock`);
  const connections: Socket[] = [];
  const server = createServer((s) => {
    connections.push(s);
    s.on('error', () => {});
  });
  server.listen(path);
  await once(server, 'listening');
  return { path, server, connections };
}

function closeHung(h: { server: Server; connections: Socket[] }): Promise<void> {
  for (const c of h.connections) c.destroy();
  return new Promise((r) => h.server.close(() => r()));
}

/** Run `items` through `fn`, `width` at a time (the machine is shared). */
async function pooled<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterAll(async () => {
  for (const p of projects) await cleanupProject(engine, p);
  rmSync(tmp, { recursive: true, force: true });
});

/** Every command that talks to an engine, with arguments that would otherwise work. */
const ENGINE_COMMANDS: string[][] = [
  ['up', '-d'],
  ['create'],
  ['down'],
  ['ps'],
  ['plan'],
  ['start'],
  ['stop'],
  ['restart'],
  ['kill'],
  ['rm', '-f'],
  ['pause'],
  ['unpause'],
  ['scale', 'web=2'],
  ['wait', 'web'],
  ['port', 'web', '80'],
  ['ls'],
  ['run', '--rm', 'web', 'true'],
  ['exec', '-T', 'web', 'true'],
  ['attach', 'web'],
  ['commit', 'web'],
  ['export', 'web', '-o', 'x.tar'],
  ['top'],
  ['stats', '--no-stream'],
  ['events', '--json'],
  ['images'],
  ['cp', 'web:/etc/hostname', 'copied'],
  ['pull'],
  ['push'],
  ['logs'],
  ['logs', '-f'],
];
// Left out on purpose: `version` prints the client's version on stdout before the engine's
// error (as `docker version`), and `doctor` is a report on stdout whose FAIL line carries the
// same message.

describe('an engine that is not there or does not answer (issue 12 item 3)', () => {
  const unreachable = (endpoint: string) =>
    new RegExp(`^cannot reach the Docker engine at ${endpoint.replace(/[/.]/g, '\\$&')}: .+ Check DOCKER_HOST or -H\\n$`);

  it('no socket: every command says so in one line, prints nothing on stdout, exits non-zero, changes nothing', async () => {
    const { dir } = scenario('unreach');
    const endpoint = 'unix:///nonexistent.sock';
    // A project per command: the project lock must not make them wait for each other.
    const results = await pooled(ENGINE_COMMANDS, 4, async (args) => ({ args, r: await runTsfig(dir, uniqueProject('unreach'), args, { DOCKER_HOST: endpoint }) }));
    for (const { args, r } of results) {
      expect({ args, stdout: r.stdout, code: r.code === 0 ? 0 : 'non-zero' }).toEqual({ args, stdout: '', code: 'non-zero' });
      expect(r.stderr, args.join(' ')).toMatch(unreachable(endpoint));
    }
  });

  it('a socket that accepts and never answers: the same, within a bounded wait (TSFIG_HTTP_TIMEOUT)', async () => {
    const { dir } = scenario('hung');
    const hung = await hungEngine('hung-all');
    const endpoint = `unix://${hung.path}`;
    try {
      const results = await pooled(ENGINE_COMMANDS, 4, async (args) => {
        const t0 = Date.now();
        const r = await runTsfig(dir, uniqueProject('hung'), args, { DOCKER_HOST: endpoint, TSFIG_HTTP_TIMEOUT: '1' });
        return { args, r, ms: Date.now() - t0 };
      });
      for (const { args, r, ms } of results) {
        expect({ args, stdout: r.stdout, code: r.code === 0 ? 0 : 'non-zero' }).toEqual({ args, stdout: '', code: 'non-zero' });
        expect(r.stderr, args.join(' ')).toMatch(unreachable(endpoint));
        expect(r.stderr).toContain('no answer in 1 s (TSFIG_HTTP_TIMEOUT)');
        // Generous: a 1 s timeout, start-up of node on a busy machine.
        expect(ms, args.join(' ')).toBeLessThan(30_000);
      }
    } finally {
      await closeHung(hung);
    }
  });

  it('plan exits non-zero when the engine does not answer (a CI check on plan must not pass)', async () => {
    const { project, dir } = scenario('unplan');
    const r = await runTsfig(dir, project, ['plan'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('up to date');
  });
});

describe('Ctrl-C while tsfig reads a hung engine (issue 12 item 12)', () => {
  it.each([[['up', '-d']], [['ps']], [['down']]])('%j: exit 130, no internal error', async (args) => {
    const { project, dir } = scenario('sigint');
    const hung = await hungEngine(`sigint-${args[0]}`);
    try {
      const child = tsfigChild(dir, project, args, { DOCKER_HOST: `unix://${hung.path}` }, 'ignore');
      // Synchronise on the engine side: tsfig has connected and waits for an answer.
      await once(hung.server, 'connection');
      child.proc.kill('SIGINT');
      const r = await child.done;
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toContain('AbortError');
      expect(r.code).toBe(130);
      expect(r.stdout).toBe('');
    } finally {
      await closeHung(hung);
    }
  });
});

describe('TSFIG_* settings (issue 12 item 1)', () => {
  const bad: Array<[string, string, string[]]> = [
    ['TSFIG_PROGRESS', 'bogus', ['up', '-d']],
    ['TSFIG_PROGRESS', 'bogus', ['down']],
    ['TSFIG_PROGRESS', 'bogus', ['restart']],
    ['TSFIG_PROGRESS', 'bogus', ['stop']],
    ['TSFIG_PROGRESS', 'bogus', ['start']],
    ['TSFIG_PARALLEL_LIMIT', 'abc', ['up', '-d']],
    ['TSFIG_PARALLEL_LIMIT', '0', ['up', '-d']],
    ['TSFIG_PARALLEL_LIMIT', '-1', ['down']],
    ['TSFIG_PARALLEL_LIMIT', '2.5', ['up', '-d']],
    ['TSFIG_PULL_PARALLEL_LIMIT', 'x', ['up', '-d']],
    ['TSFIG_BUILD_PARALLEL_LIMIT', '0', ['up', '-d']],
    ['TSFIG_HTTP_TIMEOUT', 'abc', ['ps']],
    ['TSFIG_HTTP_TIMEOUT', '0', ['up', '-d']],
    ['TSFIG_REMOVE_ORPHANS', 'maybe', ['up', '-d']],
    ['TSFIG_WATCH_DEBOUNCE_MS', 'abc', ['watch']],
    ['TSFIG_WATCH_POLL', 'abc', ['watch']],
  ];

  it('a value that means nothing: one usage line naming the variable, exit 2, nothing made', async () => {
    const { project, dir } = scenario('badset');
    const results = await pooled(bad, 4, async ([name, value, args]) => ({ name, value, args, r: await runTsfig(dir, project, args, { [name]: value }) }));
    for (const { name, value, args, r } of results) {
      const what = `${name}=${value} ${args.join(' ')}`;
      expect({ what, code: r.code, stdout: r.stdout }).toEqual({ what, code: 2, stdout: '' });
      expect(r.stderr, what).toMatch(new RegExp(`^invalid ${name} "${value.replace('.', '\\.')}": [^\\n]+\\n$`));
    }
    expect(await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).toEqual([]);
  });

  it('empty is unset, words in any case: up -d, stop, start, restart and down work', async () => {
    const { project, dir } = scenario('okset');
    const steps: Array<[Record<string, string>, string[]]> = [
      [{ TSFIG_PROGRESS: '', TSFIG_PARALLEL_LIMIT: '', TSFIG_HTTP_TIMEOUT: '', TSFIG_REMOVE_ORPHANS: '' }, ['up', '-d']],
      [{ TSFIG_PROGRESS: 'PLAIN', TSFIG_PARALLEL_LIMIT: '2' }, ['stop']],
      [{ TSFIG_PROGRESS: 'Quiet', TSFIG_REMOVE_ORPHANS: 'TRUE' }, ['start']],
      [{ TSFIG_PROGRESS: ' json ', TSFIG_HTTP_TIMEOUT: '30' }, ['restart']],
    ];
    for (const [env, args] of steps) {
      const r = await runTsfig(dir, project, args, env);
      expect({ args, env, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ args, env, code: 0, stderr: '' });
      expect(r.stderr).not.toContain('internal error');
    }
    const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
    expect(list.map((c) => c.state)).toEqual(['running']);
    const down = await runTsfig(dir, project, ['down'], { TSFIG_PROGRESS: '' });
    expect(down.code).toBe(0);
    expect(await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).toEqual([]);
  });
});

/** `tsfig ARGS | TAIL` in bash; the exit code is tsfig's (PIPESTATUS), stderr is tsfig's unless `merge`. */
function piped(dir: string, project: string, args: string[], tail: string, merge = false): Promise<Done> {
  const quoted = [process.execPath, BIN, '-p', project, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const line = `${quoted} ${merge ? '2>&1 ' : ''}| ${tail} >/dev/null; exit \${PIPESTATUS[0]}`;
  const env: Record<string, string> = { TSFIG_PROGRESS: 'plain' };
  for (const k of ['HOME', 'PATH', 'DOCKER_HOST'] as const) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return watchChild(spawn('bash', ['-c', line], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })).done;
}

describe('closed output pipes (issue 12 item 11, item D)', () => {
  it('up -d 2>&1 | head -2: the progress reader is gone, the up finishes every container and exits 0', async () => {
    const services = Array.from({ length: 8 }, (_, i) => `  s${i}:\n    image: busybox:latest\n    command: ${IDLE}\n`).join('');
    const { project, dir } = scenario('epipe-up', `services:\n${services}`);
    const r = await piped(dir, project, ['up', '-d'], 'head -2', true);
    expect(r.code).toBe(0);
    const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
    expect(list.map((c) => c.state)).toEqual(Array(8).fill('running'));
  });

  it('config | head -c 100: exits quietly (no EPIPE stack trace), exit 0', async () => {
    // Far more than a pipe buffer (64 KiB), so writes go on after head has gone.
    const services = Array.from({ length: 400 }, (_, i) => `  s${i}:\n    image: busybox:latest\n    environment:\n      LONG: "${'x'.repeat(200)}"\n`).join('');
    const { project, dir } = scenario('epipe-config', `services:\n${services}`);
    const r = await piped(dir, project, ['config'], 'head -c 100');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('a container that borrowed its volume through volumes_from (issue 12 item 13)', () => {
  const SHARED = `services:
  data:
    image: busybox:latest
    command: ${IDLE}
    volumes: ["/data"]
  app:
    image: busybox:latest
    command: ${IDLE}
    volumes_from: [data]
`;
  const DATA_ONLY = `services:
  data:
    image: busybox:latest
    command: ${IDLE}
    volumes: ["/data"]
`;

  /** The anonymous volume data's container was created with. */
  async function dataVolume(project: string): Promise<string> {
    const [c] = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project, 'io.tsfig.service': 'data' } });
    const m = c!.mounts.find((x) => x.destination === '/data');
    return m!.name!;
  }

  async function volumeExists(name: string): Promise<boolean> {
    return (await engine.listVolumes()).some((v) => v.name === name);
  }

  async function services(project: string): Promise<string[]> {
    const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
    return list.map((c) => `${c.labels['io.tsfig.service']}:${c.state}`).sort();
  }

  it('up --remove-orphans removes the orphan, keeps the volume it borrowed, exits 0', async () => {
    const { project, dir } = scenario('vfrom-orphan', SHARED);
    expect((await runTsfig(dir, project, ['up', '-d'])).code).toBe(0);
    const vol = await dataVolume(project);
    writeFileSync(join(dir, 'fig.yml'), DATA_ONLY);
    const r = await runTsfig(dir, project, ['up', '-d', '--remove-orphans']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(await services(project)).toEqual(['data:running']);
    expect(await volumeExists(vol)).toBe(true);
    // down -v: the last holder is gone, the volume goes too.
    expect((await runTsfig(dir, project, ['down', '-v'])).code).toBe(0);
    expect(await volumeExists(vol)).toBe(false);
  });

  it('rm -s -f -v of the borrower keeps the lender\'s volume, exits 0', async () => {
    const { project, dir } = scenario('vfrom-rm', SHARED);
    expect((await runTsfig(dir, project, ['up', '-d'])).code).toBe(0);
    const vol = await dataVolume(project);
    const r = await runTsfig(dir, project, ['rm', '-s', '-f', '-v', 'app']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(await services(project)).toEqual(['data:running']);
    expect(await volumeExists(vol)).toBe(true);
  });
});

describe('run with an image that cannot be had (issue 12 item 10)', () => {
  it('fails before making anything: no network, volume or container is left, as with up -d', async () => {
    const fig = `services:
  db:
    image: busybox:latest
    command: ${IDLE}
  web:
    image: 127.0.0.1:5999/tsfig-e2e/no-such-image:1
    depends_on: [db]
    volumes: [cache:/cache]
volumes:
  cache: {}
`;
    const { project, dir } = scenario('run-noimage', fig);
    const r = await runTsfig(dir, project, ['run', '-T', 'web', 'true']);
    expect(r.code).toBe(1);
    // A registry on loopback that is not there (no traffic leaves the machine); the failure is
    // reported once, on the image's progress row.
    expect(r.stderr).toMatch(/^Image 127\.0\.0\.1:5999\/tsfig-e2e\/no-such-image:1 +Error: /m);
    expect(r.stderr.match(/no-such-image:1/g)?.length).toBe(2);
    const labels = { [PROJECT_LABEL]: project };
    expect(await engine.listNetworks({ labels })).toEqual([]);
    expect(await engine.listVolumes({ labels })).toEqual([]);
    expect(await engine.listContainers({ all: true, labels })).toEqual([]);
  });
});

describe('a published port that is taken (issue 12 item 9)', () => {
  /** A port free on 127.0.0.1 right now. */
  async function freePort(): Promise<number> {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(() => r(undefined)));
    return port;
  }

  const wanting = (port: number) => `services:
  web:
    image: busybox:latest
    command: ${IDLE}
    ports: ["127.0.0.1:${port}:80"]
`;

  it('held by a container of another project: the error names that container', async () => {
    const port = await freePort();
    const holder = scenario('port-holder', wanting(port));
    expect((await runTsfig(holder.dir, holder.project, ['up', '-d'])).code).toBe(0);
    const { project, dir } = scenario('port-want', wanting(port));
    const r = await runTsfig(dir, project, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`container ${holder.project}-web-1 (project ${holder.project}) holds 127.0.0.1:${port}`);
  });

  it('held by a process on this host: the error says so', async () => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    try {
      const { project, dir } = scenario('port-proc', wanting(port));
      const r = await runTsfig(dir, project, ['up', '-d']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`a process on the engine's host (not a container) holds 127.0.0.1:${port}`);
    } finally {
      await new Promise((r) => srv.close(() => r(undefined)));
    }
  });
});

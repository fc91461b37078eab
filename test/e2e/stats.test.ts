/**
 * `tsfig stats` on real containers: a busybox holding 8 MB in a shell variable under
 * `mem_limit: 64m`, one busy-looping, one idle that the tests stop and start. `--no-stream`
 * (JSON and table, `--all`, `--no-trunc`, a service filter), the streaming table of the built
 * binary (refreshes, containers starting and stopping meanwhile, Ctrl-C), and a project on two
 * engines (the multi-host rig's host 1), each container asked on its own engine.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { docker, engineFromEnv, eventually, PROJECT_LABEL, requireEngine } from './support/harness.js';
import { BIN, idsByName, ok, rigUp, run, scenarios, spawnTsfig, type Child } from './support/stack.js';

const MiB = 1024 * 1024;

let engine: Engine;
const children: Child[] = [];
const { scenario, cleanup } = scenarios('stats');

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  // A child still running (a failed test) is ours to end, by its PID.
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.done;
  }
  await cleanup(engine);
});

interface StatsLine {
  ID: string;
  Name: string;
  Service: string;
  Host: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
  CPUPercentage: number;
  Memory: number;
  MemoryLimit: number;
  PidsCurrent: number;
}

function parseLines(stdout: string): StatsLine[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as StatsLine);
}

function byName(lines: StatsLine[], name: string): StatsLine {
  const l = lines.find((x) => x.Name === name);
  if (l === undefined) throw new Error(`${name} not in ${JSON.stringify(lines.map((x) => x.Name))}`);
  return l;
}

/** The complete tables a streaming `stats` printed so far (each ends with a blank line). */
function tables(out: string): string[] {
  const parts = out.split('\n\n');
  parts.pop();
  return parts.filter((t) => t.startsWith('CONTAINER ID'));
}

/** The row of `name` in a table, split on the column gaps. */
function row(table: string, name: string): string[] | undefined {
  const line = table.split('\n').find((l) => l.split(/\s{3,}/).includes(name));
  return line?.split(/\s{3,}/);
}

describe('stats --no-stream', () => {
  it('memory held and its limit, a busy CPU, PIDs; stopped containers only with --all; table, --no-trunc, services', async () => {
    const { project, dir } = scenario('stats');
    await ok(dir, project, ['up', '-d']);
    await ok(dir, project, ['stop', '-t', '5', 'idle']);
    const [busy, idle, mem] = ['busy', 'idle', 'mem'].map((s) => `${project}-${s}-1`) as [string, string, string];
    const ids = await idsByName(engine, project);

    const lines = await eventually(
      async () => {
        const r = await ok(dir, project, ['stats', '--no-stream', '--format', 'json']);
        expect(r.stderr).toBe('');
        const got = parseLines(r.stdout);
        // Running containers only, one JSON object per line, sorted by name.
        expect(got.map((l) => l.Name)).toEqual([busy, mem]);
        const m = byName(got, mem);
        expect(m.Memory).toBeGreaterThan(4 * MiB);
        expect(m.Memory).toBeLessThan(64 * MiB);
        const b = byName(got, busy);
        expect(b.CPUPercentage).toBeGreaterThan(10);
        return got;
      },
      { timeout: 60_000, interval: 500, message: 'stats of the running containers' },
    );
    const m = byName(lines, mem);
    const b = byName(lines, busy);
    expect(m.MemoryLimit).toBe(64 * MiB);
    expect(m.MemUsage).toMatch(/^\d+(\.\d+)?MiB \/ 64MiB$/);
    expect(m.MemPerc).toBe(`${((m.Memory / m.MemoryLimit) * 100).toFixed(2)}%`);
    expect(b.CPUPerc).toMatch(/^\d+\.\d\d%$/);
    for (const l of lines) {
      expect(l.PidsCurrent).toBeGreaterThanOrEqual(1);
      expect(l.PIDs).toBe(String(l.PidsCurrent));
      expect(l.ID).toBe(ids[l.Name]!.slice(0, 12));
      expect(l.Host).toBe('default');
      expect(l.NetIO).toMatch(/^\d+(\.\d+)?[kMG]?B \/ \d+(\.\d+)?[kMG]?B$/);
    }
    expect([m.Service, b.Service]).toEqual(['mem', 'busy']);
    // The docker CLI sees the same limit for the same container.
    const cli = JSON.parse(await docker('stats', '--no-stream', '--format', '{{json .}}', mem)) as { MemUsage: string; ID: string };
    expect(cli.MemUsage.split(' / ')[1]).toBe('64MiB');
    expect(cli.ID).toBe(m.ID);

    // --all: the stopped one too, with zeros.
    const all = parseLines((await ok(dir, project, ['stats', '--no-stream', '--all', '--format', 'json'])).stdout);
    expect(all.map((l) => l.Name)).toEqual([busy, idle, mem]);
    expect(byName(all, idle)).toMatchObject({ CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0', Memory: 0 });

    // The table: docker's columns, no HOST column on one host, no escapes off a terminal.
    const table = (await ok(dir, project, ['stats', '--no-stream'])).stdout;
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^CONTAINER ID {3}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(rows.map((r) => r.split(/\s{3,}/)[1])).toEqual([busy, mem]);
    expect(row(table, mem)?.[3]).toMatch(/MiB \/ 64MiB$/);
    expect(table).not.toContain('\u001b');
    const full = (await ok(dir, project, ['stats', '--no-stream', '--no-trunc'])).stdout;
    expect(row(full, mem)?.[0]).toBe(ids[mem]);

    // Services named: only theirs.
    const only = parseLines((await ok(dir, project, ['stats', '--no-stream', '--format', 'json', 'mem'])).stdout);
    expect(only.map((l) => l.Name)).toEqual([mem]);

    // Nothing running: nothing printed (as docker stats --no-stream), exit 0.
    await ok(dir, project, ['stop', '-t', '5']);
    expect((await ok(dir, project, ['stats', '--no-stream'])).stdout).toBe('');
    expect(parseLines((await ok(dir, project, ['stats', '--no-stream', '-a', '--format', 'json'])).stdout).map((l) => l.Name)).toEqual([busy, idle, mem]);
  });
});

describe('stats (streaming, the built binary)', () => {
  it('a table about every second, containers starting and stopping picked up, Ctrl-C exits 130', async () => {
    expect(existsSync(BIN), `${BIN}: run npm run build first`).toBe(true);
    const { project, dir } = scenario('stats');
    await ok(dir, project, ['up', '-d']);
    await ok(dir, project, ['stop', '-t', '5', 'idle']);
    const [busy, idle, mem] = ['busy', 'idle', 'mem'].map((s) => `${project}-${s}-1`) as [string, string, string];

    const started = Date.now();
    const child = spawnTsfig(dir, project, ['stats']);
    children.push(child);
    let out = '';
    child.proc.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    await eventually(() => expect(tables(out).length).toBeGreaterThanOrEqual(2), { timeout: 15_000, interval: 20 });
    expect(Date.now() - started).toBeLessThan(5000);
    const second = tables(out)[1]!;
    expect(row(second, idle)).toBeUndefined();
    expect(Number.parseFloat(row(second, busy)?.[2] ?? '')).toBeGreaterThan(10);
    expect(row(second, mem)?.[3]).toMatch(/MiB \/ 64MiB$/);

    // A container that starts shows up with numbers; one that stops goes away.
    await ok(dir, project, ['start', 'idle']);
    await eventually(() => expect(row(tables(out).at(-1)!, idle)?.[2]).toMatch(/^\d+\.\d\d%$/), { timeout: 20_000, interval: 100 });
    await ok(dir, project, ['stop', '-t', '5', 'mem']);
    await eventually(() => expect(row(tables(out).at(-1)!, mem)).toBeUndefined(), { timeout: 20_000, interval: 100 });
    expect(row(tables(out).at(-1)!, busy)).toBeDefined();

    const before = tables(out).length;
    child.proc.kill('SIGINT');
    const r = await child.done;
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.stderr).toBe('');
    // Not a terminal: plain tables one after the other, no cursor escapes.
    expect(r.stdout).not.toContain('\u001b');
    expect(tables(r.stdout).length).toBeGreaterThanOrEqual(before);
  });
});

describe('stats without an engine', () => {
  it('one line on stderr, exit 1, nothing on stdout, streaming or not', async () => {
    const { project, dir } = scenario('stats');
    for (const args of [['stats', '--no-stream'], ['stats']]) {
      const r = await run(dir, project, args, { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cannot reach the Docker engine at unix:\/\/.*no-engine\.sock/)]);
    }
  });
});

describe('stats on two engines', () => {
  const RIG_HOST = 'unix:///run/tsfig-host1.sock';

  it('each container is asked on its own engine; a HOST column', async () => {
    await rigUp(1);
    const remote = connect(resolveEndpoint({ env: {}, host: RIG_HOST }));
    const { project, dir } = scenario('stats');
    writeFileSync(
      join(dir, 'fig.yml'),
      [
        'hosts:',
        `  rig: { docker: "${RIG_HOST}" }`,
        'services:',
        '  busy:',
        '    image: busybox',
        '    host: rig',
        `    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do :; done"]`,
        '  mem:',
        '    image: busybox',
        '    mem_limit: 32m',
        `    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`,
        '',
      ].join('\n'),
    );
    try {
      await ok(dir, project, ['up', '-d']);
      const [busy, mem] = [`${project}-busy-1`, `${project}-mem-1`];
      expect((await remote.inspectContainer(busy)).state.running).toBe(true);
      expect((await engine.listContainers({ labels: { [PROJECT_LABEL]: project } })).map((c) => c.names[0])).toEqual([mem]);

      const lines = await eventually(
        async () => {
          const got = parseLines((await ok(dir, project, ['stats', '--no-stream', '--format', 'json'])).stdout);
          expect(got.map((l) => [l.Name, l.Host])).toEqual([
            [busy, 'rig'],
            [mem, 'default'],
          ]);
          expect(byName(got, busy).CPUPercentage).toBeGreaterThan(10);
          return got;
        },
        { timeout: 60_000, interval: 500 },
      );
      expect(byName(lines, mem).MemoryLimit).toBe(32 * MiB);
      const table = (await ok(dir, project, ['stats', '--no-stream'])).stdout;
      expect(table.split('\n')[0]).toMatch(/^CONTAINER ID {3}HOST {4,}NAME +CPU %/);
      expect(row(table, busy)?.slice(1, 3)).toEqual(['rig', busy]);
      expect(row(table, mem)?.slice(1, 3)).toEqual(['default', mem]);
    } finally {
      await ok(dir, project, ['down', '-t', '1']).catch(() => undefined);
    }
  });
});

/**
 * `npm run bench`: tsfig, docker-compose 1.29, docker compose v2 and the raw engine floor side
 * by side, in one run, on the same engine and the same generated project of N busybox services
 * (the compose releases: bench/compose.ts; BENCH_COMPOSE_V2=0 leaves v2 out).
 *
 *   BENCH_N     comma-separated service counts (default 10,50)
 *   BENCH_RUNS  repetitions per measurement (default 5; start-up runs at least 10)
 *   BENCH_NO_BUILD=1  skip `npm run build` (the binary runs dist/)
 *   BENCH_CHAIN=1     the services form a depends_on chain (s02 depends on s01, ...): the floor
 *                     creates every container, then starts them one after the other
 *
 * Each repetition runs every tool's cycle in turn (up from nothing, no-op up, ps, down), so
 * drift of the machine spreads over all columns. Wall clock of child processes for the CLIs;
 * in-process calls through tsfig's Engine interface for the floor. Only containers and
 * networks labelled with the bench's project names are touched, and all of them are removed
 * at the end, on failure and on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, resolveEndpoint } from '../src/engine/connect.js';
import { composeTools, describeTools, type ComposeTool } from './compose.js';
import { RAW_LABEL, STALE_ENDPOINT, rawCycle, removeByLabel } from './raw.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/tsfig.js');
const Ns = (process.env.BENCH_N ?? '10,50').split(',').map(Number).filter((n) => n > 0);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 5) || 5);
const CMD = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'];
/** The floor's bounded variant uses tsfig's limit (TSFIG_PARALLEL_LIMIT, default 8). */
const FLOOR_LIMIT = Number(process.env.TSFIG_PARALLEL_LIMIT) || 8;
const CHAIN = process.env.BENCH_CHAIN === '1';

const P = { tsfig: 'bench-tsfig', compose: 'bench-compose', compose2: 'bench-compose2', raw: 'bench-raw' } as const;
const COMPOSE_LABEL = 'com.docker.compose.project';
const OWNED: Array<[label: string, project: string]> = [
  ['io.tsfig.project', P.tsfig],
  [COMPOSE_LABEL, P.compose],
  [COMPOSE_LABEL, P.compose2],
  [RAW_LABEL, P.raw],
];

const engine = connect(resolveEndpoint({ env: process.env }));
const children = new Set<ChildProcess>();
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-'));
const warnings = new Set<string>();
const warn = (msg: string) => warnings.add(msg);

// ------------------------------------------------------------------ helpers

/**
 * Run a command to completion; wall-clock milliseconds. A non-zero exit throws, except a failure
 * to remove a network the engine holds a stale endpoint on (see STALE_ENDPOINT): a warning.
 */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      children.delete(child);
      if (code === 0) done(ms);
      else if (STALE_ENDPOINT.test(out)) {
        warn(`${cmd === process.execPath ? 'tsfig' : cmd} ${args.at(-1)}: exit ${code}, the engine kept a stale endpoint on a network (dockerd bug)`);
        done(ms);
      } else fail(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}\n${out.trim()}`));
    });
  });
}

async function count(label: string, project: string): Promise<number> {
  return (await engine.listContainers({ all: true, labels: { [label]: project } })).length;
}

async function expectCount(what: string, label: string, project: string, n: number): Promise<void> {
  const c = await count(label, project);
  if (c !== n) throw new Error(`${what}: ${c} containers of ${project}, expected ${n}`);
}

async function cleanup(): Promise<void> {
  for (const [label, project] of OWNED) await removeByLabel(engine, label, project, warn);
}

function projectFile(n: number): { file: string; services: string[] } {
  const services = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
  // `$$` is the file's escape for `$` (docker-compose rejects a bare `$!`).
  const command = CMD.map((a) => JSON.stringify(a.replaceAll('$', '$$$$'))).join(', ');
  const body = services.map((s, i) => `  ${s}:\n    image: busybox:latest\n    command: [${command}]\n${CHAIN && i > 0 ? `    depends_on: [${services[i - 1]}]\n` : ''}`).join('');
  const file = join(tmp, `bench-${n}${CHAIN ? '-chain' : ''}.yml`);
  writeFileSync(file, `services:\n${body}`);
  return { file, services };
}

type Samples = Map<string, number[]>;
const add = (s: Samples, key: string, ms: number) => s.set(key, [...(s.get(key) ?? []), ms]);

function quantile(xs: number[] | undefined, q: number): number | undefined {
  if (!xs?.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}
const med = (xs: number[] | undefined) => quantile(xs, 0.5);
const fmt = (xs: number[] | undefined) => (xs?.length ? `${med(xs)!.toFixed(0)} / ${quantile(xs, 0.95)!.toFixed(0)}` : '-');

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

function ratio(label: string, a: number[] | undefined, b: number[] | undefined, target?: number): void {
  const x = med(a);
  const y = med(b);
  if (x === undefined || y === undefined) return console.log(`  ${label.padEnd(48)} -`);
  const r = x / y;
  const verdict = target === undefined ? '' : r <= target ? `  (target <= ${target}: met)` : `  (target <= ${target}: MISSED)`;
  console.log(`  ${label.padEnd(48)} ${r.toFixed(2)}  (${x.toFixed(0)} ms vs ${y.toFixed(0)} ms)${verdict}`);
}

// ------------------------------------------------------------------ the measurements

async function benchN(n: number, tools: ComposeTool[]): Promise<void> {
  const { file, services } = projectFile(n);
  const s: Samples = new Map();
  const tsfig = (...args: string[]) => timed(process.execPath, [bin, '-p', P.tsfig, '-f', file, ...args]);
  // An explicit DOCKER_HOST also overrides any docker context compose might pick up.
  const composeEnv = { ...process.env, DOCKER_HOST: engine.endpoint.url, COMPOSE_PROJECT_NAME: undefined };
  await cleanup();

  for (let i = 0; i < runs; i++) {
    if (process.stdout.isTTY) process.stdout.write(`  N=${n} run ${i + 1}/${runs}\r`);
    add(s, 'tsfig up', await tsfig('up', '-d'));
    await expectCount('tsfig up', 'io.tsfig.project', P.tsfig, n);
    add(s, 'tsfig noop', await tsfig('up', '-d'));
    add(s, 'tsfig ps', await tsfig('ps'));
    add(s, 'tsfig down', await tsfig('down'));
    await expectCount('tsfig down', 'io.tsfig.project', P.tsfig, 0);

    for (const tool of tools) {
      const dc = (...args: string[]) => timed(tool.bin, ['-p', P[tool.key], '-f', file, ...args], composeEnv);
      add(s, `${tool.key} up`, await dc('up', '-d'));
      await expectCount(`${tool.title} up`, COMPOSE_LABEL, P[tool.key], n);
      add(s, `${tool.key} noop`, await dc('up', '-d'));
      add(s, `${tool.key} ps`, await dc('ps'));
      add(s, `${tool.key} down`, await dc('down'));
      await expectCount(`${tool.title} down`, COMPOSE_LABEL, P[tool.key], 0);
    }

    for (const [key, limit] of [['raw', Infinity], ['raw8', FLOOR_LIMIT]] as const) {
      const t = await rawCycle(engine, P.raw, services, CMD, limit, warn, CHAIN);
      add(s, `${key} up`, t.up);
      add(s, `${key} list`, t.list);
      add(s, `${key} down`, t.down);
    }
  }

  if (process.stdout.isTTY) process.stdout.write(' '.repeat(24) + '\r');
  console.log(`\nN = ${n} services${CHAIN ? ' in a depends_on chain' : ''}, ${runs} runs, median / p95 in ms`);
  const cs = (phase: string) => tools.map((t) => fmt(s.get(`${t.key} ${phase}`)));
  table(
    ['phase', 'tsfig', ...tools.map((t) => t.title), 'raw (all in flight)', `raw (${FLOOR_LIMIT} in flight)`],
    [
      ['up -d (from nothing)', fmt(s.get('tsfig up')), ...cs('up'), fmt(s.get('raw up')), fmt(s.get('raw8 up'))],
      ['up -d (no-op)', fmt(s.get('tsfig noop')), ...cs('noop'), '-', '-'],
      ['ps / one list call', fmt(s.get('tsfig ps')), ...cs('ps'), fmt(s.get('raw list')), fmt(s.get('raw8 list'))],
      ['down', fmt(s.get('tsfig down')), ...cs('down'), fmt(s.get('raw down')), fmt(s.get('raw8 down'))],
    ],
  );
  const floorKey = (med(s.get('raw up')) ?? Infinity) <= (med(s.get('raw8 up')) ?? Infinity) ? 'raw' : 'raw8';
  const floorName = floorKey === 'raw' ? 'all in flight' : `${FLOOR_LIMIT} in flight`;
  console.log('ratios (medians)');
  for (const t of tools) ratio(`tsfig no-op up / ${t.title} no-op up`, s.get('tsfig noop'), s.get(`${t.key} noop`), t.key === 'compose' ? 0.25 : undefined);
  ratio(`tsfig up / raw floor up (best: ${floorName})`, s.get('tsfig up'), s.get(`${floorKey} up`), 1.3);
  ratio(`tsfig up / raw floor up (${FLOOR_LIMIT} in flight, as tsfig)`, s.get('tsfig up'), s.get('raw8 up'));
  for (const t of tools) ratio(`tsfig up / ${t.title} up`, s.get('tsfig up'), s.get(`${t.key} up`), CHAIN && t.key === 'compose' ? 0.9 : undefined);
  ratio('tsfig no-op up / raw list call', s.get('tsfig noop'), s.get('raw list'));
  for (const t of tools) ratio(`tsfig ps / ${t.title} ps`, s.get('tsfig ps'), s.get(`${t.key} ps`));
  for (const t of tools) ratio(`tsfig down / ${t.title} down`, s.get('tsfig down'), s.get(`${t.key} down`));
  ratio('tsfig down / raw floor down', s.get('tsfig down'), s.get('raw down'));
}

async function benchStartup(tools: ComposeTool[]): Promise<void> {
  const { file } = projectFile(3);
  const n = Math.max(10, runs);
  const s: Samples = new Map();
  for (let i = 0; i < n; i++) {
    add(s, 'node', await timed(process.execPath, ['-e', '0']));
    add(s, 'version', await timed(process.execPath, [bin, '--version']));
    add(s, 'config', await timed(process.execPath, [bin, '-f', file, 'config', '-q']));
    for (const t of tools) add(s, t.key, await timed(t.bin, ['version', '--short']));
  }
  console.log(`\nstart-up, ${n} runs, median / p95 in ms`);
  table(
    ['command', 'time'],
    [
      ['node -e 0', fmt(s.get('node'))],
      ['tsfig --version', fmt(s.get('version'))],
      ['tsfig config -q (3 services)', fmt(s.get('config'))],
      ...tools.map((t) => [`${t.title}: version --short`, fmt(s.get(t.key))]),
    ],
  );
  console.log('ratios (medians)');
  ratio('tsfig --version / node -e 0', s.get('version'), s.get('node'));
  ratio('tsfig config -q / node -e 0', s.get('config'), s.get('node'));
}

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const tools = composeTools();
  const [version, info] = await Promise.all([engine.version(), engine.info()]);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), engine sees ${info.cpus} CPUs, node ${process.version}`);
  console.log(`engine: ${engine.endpoint.url}, Docker ${version.version} (API ${version.apiVersion}), ${info.storageDriver}, ${info.operatingSystem}`);
  console.log(describeTools(tools));
  console.log(`tsfig parallel limit: ${process.env.TSFIG_PARALLEL_LIMIT ?? 'default (8)'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  await benchStartup(tools);
  for (const n of Ns) await benchN(n, tools);
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews wall clocks)`);
}

process.once('SIGINT', () => {
  console.error('\ninterrupted: cleaning up');
  for (const c of children) if (c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
  void cleanup().finally(() => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
});

try {
  await main();
} catch (err) {
  console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
  rmSync(tmp, { recursive: true, force: true });
  for (const w of warnings) console.log(`warning: ${w}`);
}

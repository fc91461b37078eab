/**
 * `npm run bench:scaling`: how cost grows with the stack. For each N of BENCH_N, one project of
 * N independent busybox services; tsfig, docker-compose 1.29, docker compose v2 (bench/compose.ts)
 * and the raw engine floor side by side, alternating, on the same engine. Prints Markdown tables (for bench/RESULTS.md): per N
 * the median wall time, the median CPU time (user + system of the process) and tsfig's peak
 * RSS of each command, and per command the slope (ms per added service, least squares over
 * the Ns) of each tool.
 *
 *   BENCH_N          service counts (default 10,30,100,300)
 *   BENCH_CYCLES     up/down cycles per N when N < 100 (default 3); BENCH_CYCLES_BIG when
 *                    N >= 100 (default 1): compose's up of 300 services takes minutes
 *   BENCH_REPEAT     config, no-op up and ps repetitions inside each cycle (default 5)
 *   BENCH_COMPOSE_V2 docker compose v2's binary, or 0 to leave it out (default: scripts/compose-v2.sh)
 *   BENCH_COMPOSE_TIMEOUT_S  how long a compose's `up -d` may take (default 600): docker-compose's
 *                    1.29 release can stall on hundreds of independent services (its threads
 *                    all wait, no engine call for minutes); it is then stopped, reported as
 *                    not finished with the containers it made, and its other rows of that N skipped
 *   BENCH_NO_BUILD=1 measure dist/ as it is
 *
 * Commands: `config -q`; `up -d` from nothing; `up -d` again (no-op); `ps`; `down -v`. The
 * floor: `node -e 0` for start-up, one list call by label for no-op up and ps, create+start of
 * every container (8 in flight, tsfig's limit) for up, stop+remove for down. Only resources
 * labelled with the bench's project names are touched; all are removed at the end.
 * The code cache (bin/codecache.js) is warm: each tool's first run of a command is not counted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, resolveEndpoint } from '../src/engine/connect.js';
import { composeTools, describeTools, type ComposeKey, type ComposeTool } from './compose.js';
import { RAW_LABEL, rawCycle, removeByLabel, STALE_ENDPOINT } from './raw.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/tsfig.js');
const Ns = (process.env.BENCH_N ?? '10,30,100,300').split(',').map(Number).filter((n) => n > 0);
const int = (v: string | undefined, d: number) => Math.max(1, Number(v ?? d) || d);
const cycles = (n: number) => (n >= 100 ? int(process.env.BENCH_CYCLES_BIG, 1) : int(process.env.BENCH_CYCLES, 3));
const repeat = int(process.env.BENCH_REPEAT, 5);
// Exits at once on TERM; one sleep an hour, so 600 idle containers do not load the machine
// (a sleep a second each made hundreds of processes a second at N = 300).
const CMD = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'];
const P = { tsfig: 'bench-scale-tsfig', compose: 'bench-scale-compose', compose2: 'bench-scale-compose2', raw: 'bench-scale-raw' } as const;
type Tool = 'tsfig' | ComposeKey;
const LABEL = { tsfig: 'io.tsfig.project', compose: 'com.docker.compose.project', compose2: 'com.docker.compose.project' } as const;
const OWNED: Array<[string, string]> = [
  [LABEL.tsfig, P.tsfig],
  [LABEL.compose, P.compose],
  [LABEL.compose2, P.compose2],
  [RAW_LABEL, P.raw],
];
const engine = connect(resolveEndpoint({ env: process.env }));
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-scaling-'));
const warnings = new Set<string>();

interface Sample {
  wall: number;
  cpu: number;
  rssMB: number;
}

const composeTimeoutMs = int(process.env.BENCH_COMPOSE_TIMEOUT_S, 600) * 1000;

/** A command stopped at its deadline. */
class TimedOut extends Error {}

/**
 * Wall clock, CPU (user + sys) and peak RSS of a child process, through GNU time. With a
 * deadline, the child runs in a process group of its own, killed when the deadline passes
 * (the promise then rejects with TimedOut).
 */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, deadlineMs?: number): Promise<Sample> {
  const out = join(tmp, 'time.txt');
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-o', out, '-f', '%U %S %M', cmd, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'], detached: deadlineMs !== undefined });
    let text = '';
    let late = false;
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            late = true;
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          }, deadlineMs);
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (late) return fail(new TimedOut(`${cmd} ${args.join(' ')}: stopped after ${deadlineMs} ms`));
      const wall = performance.now() - t0;
      const [u, s, m] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      const sample = { wall, cpu: (u! + s!) * 1000, rssMB: m! / 1024 };
      if (code === 0) return done(sample);
      if (STALE_ENDPOINT.test(text)) {
        warnings.add(`${args.join(' ')}: the engine kept a stale endpoint on a network (dockerd bug)`);
        return done(sample);
      }
      fail(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${text.trim()}`));
    });
  });
}

function projectFile(n: number): string {
  const command = CMD.map((a) => JSON.stringify(a.replaceAll('$', '$$$$'))).join(', ');
  const body = Array.from({ length: n }, (_, i) => `  s${String(i + 1).padStart(3, '0')}:\n    image: busybox:latest\n    command: [${command}]\n`).join('');
  const file = join(tmp, `scale-${n}.yml`);
  writeFileSync(file, `services:\n${body}`);
  return file;
}

async function count(label: string, project: string): Promise<number> {
  return (await engine.listContainers({ all: true, labels: { [label]: project } })).length;
}

async function expectCount(what: string, label: string, project: string, n: number): Promise<void> {
  const c = await count(label, project);
  if (c !== n) throw new Error(`${what}: ${c} containers, expected ${n}`);
}

async function cleanup(): Promise<void> {
  for (const [label, project] of OWNED) await removeByLabel(engine, label, project, (m) => warnings.add(m));
}

type Key = `${Tool | 'floor'} ${'config' | 'up' | 'noop' | 'ps' | 'down'}`;
const results = new Map<number, Map<Key, Sample[]>>();
/** `<compose> <N>` -> the containers that compose's `up -d` had made when it was stopped at its deadline. */
const stalled = new Map<string, number>();
/** The compose releases measured (bench/compose.ts). */
let tools: ComposeTool[] = [];
const add = (n: number, key: Key, s: Sample) => {
  const m = results.get(n) ?? new Map<Key, Sample[]>();
  results.set(n, m);
  m.set(key, [...(m.get(key) ?? []), s]);
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
};
const med = (n: number, key: Key, f: keyof Sample) => {
  const xs = results.get(n)?.get(key);
  return xs?.length ? median(xs.map((x) => x[f])) : undefined;
};

async function benchN(n: number): Promise<void> {
  const file = projectFile(n);
  const composeEnv = { ...process.env, DOCKER_HOST: engine.endpoint.url, COMPOSE_PROJECT_NAME: undefined };
  const runners: Record<Tool, (...a: string[]) => Promise<Sample>> = {
    tsfig: (...a) => measure(process.execPath, [bin, '-p', P.tsfig, '-f', file, ...a]),
    compose: (...a) => measure(tools.find((t) => t.key === 'compose')!.bin, ['-p', P.compose, '-f', file, ...a], composeEnv, a[0] === 'up' ? composeTimeoutMs : undefined),
    compose2: (...a) => measure(tools.find((t) => t.key === 'compose2')!.bin, ['-p', P.compose2, '-f', file, ...a], composeEnv, a[0] === 'up' ? composeTimeoutMs : undefined),
  };
  const composes = tools.map((t) => t.key);
  await cleanup();
  // Warm the code cache of each command (not counted).
  for (const a of [['config', '-q'], ['ps'], ['down', '-v']]) await runners.tsfig(...a);
  for (let c = 0; c < cycles(n); c++) {
    console.error(`N=${n} cycle ${c + 1}/${cycles(n)} (load ${loadavg()[0]!.toFixed(1)})`);
    for (let r = 0; r < repeat; r++) {
      add(n, 'floor config', await measure(process.execPath, ['-e', '0']));
      for (const tool of ['tsfig', ...composes] as const) add(n, `${tool} config`, await runners[tool]('config', '-q'));
    }
    // Each cycle starts with another tool, so none always runs on the engine the previous one left busy.
    const all: Tool[] = ['tsfig', ...composes.filter((k) => !stalled.has(`${k} ${n}`))];
    const order = all.map((_, i) => all[(i + c) % all.length]!);
    for (const tool of order) {
      try {
        add(n, `${tool} up`, await runners[tool]('up', '-d'));
      } catch (err) {
        if (!(err instanceof TimedOut) || tool === 'tsfig') throw err;
        stalled.set(`${tool} ${n}`, await count(LABEL[tool], P[tool]));
        console.error(`N=${n}: ${err.message}, with ${stalled.get(`${tool} ${n}`)} of ${n} containers made: ${tool}'s other rows of this N are skipped`);
        await removeByLabel(engine, LABEL[tool], P[tool], (m) => warnings.add(m));
        continue;
      }
      await expectCount(`${tool} up`, LABEL[tool], P[tool], n);
    }
    const live = order.filter((t) => !stalled.has(`${t} ${n}`));
    for (let r = 0; r < repeat; r++) {
      for (const tool of live) {
        add(n, `${tool} noop`, await runners[tool]('up', '-d'));
        add(n, `${tool} ps`, await runners[tool]('ps'));
      }
      const t0 = performance.now();
      await engine.listContainers({ all: true, labels: { [LABEL.tsfig]: P.tsfig } });
      const list = performance.now() - t0;
      add(n, 'floor noop', { wall: list, cpu: 0, rssMB: 0 });
      add(n, 'floor ps', { wall: list, cpu: 0, rssMB: 0 });
    }
    for (const tool of live) {
      add(n, `${tool} down`, await runners[tool]('down', '-v'));
      await expectCount(`${tool} down`, LABEL[tool], P[tool], 0);
    }
    const services = Array.from({ length: n }, (_, i) => `s${i + 1}`);
    const raw = await rawCycle(engine, P.raw, services, CMD, 8, (m) => warnings.add(m));
    add(n, 'floor up', { wall: raw.up, cpu: 0, rssMB: 0 });
    add(n, 'floor down', { wall: raw.down, cpu: 0, rssMB: 0 });
  }
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number | undefined {
  if (xs.length < 2) return undefined;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / den : undefined;
}

const f0 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0));
const COMMANDS = [
  ['config', '`config -q`', '`node -e 0`'],
  ['noop', '`up -d`, no-op', 'one list call'],
  ['ps', '`ps`', 'one list call'],
  ['up', '`up -d` from nothing', 'create+start, 8 in flight'],
  ['down', '`down -v`', 'stop+remove, all in flight'],
] as const;

/** The table of one N (printed as soon as that N is done). */
function reportN(n: number): void {
  const runs = results.get(n)!.get('tsfig up')?.length ?? 0;
  console.log(`\n### N = ${n} (${runs} up/down cycle${runs === 1 ? '' : 's'}; config, no-op up and ps ${runs * repeat} times)\n`);
  const cols = (f: (t: ComposeTool) => string) => tools.map(f).join(' | ');
  const sep = (k: number) => '|---'.repeat(k) + '|';
  console.log(`| command | tsfig wall | ${cols((t) => `${t.title} wall`)} | floor | ${cols((t) => `tsfig / ${t.title}`)} | tsfig CPU | ${cols((t) => `${t.title} CPU`)} | tsfig peak RSS MB |`);
  console.log(sep(5 + 3 * tools.length));
  for (const [k, name, floor] of COMMANDS) {
    const t = med(n, `tsfig ${k}`, 'wall');
    const fl = med(n, `floor ${k}`, 'wall');
    const wall = (tool: ComposeTool) => {
      const c = med(n, `${tool.key} ${k}`, 'wall');
      const stuck = stalled.get(`${tool.key} ${n}`);
      return c === undefined && stuck !== undefined && k !== 'config' ? (k === 'up' ? `did not finish in ${composeTimeoutMs / 1000} s (${stuck} of ${n} made)` : 'skipped') : f0(c);
    };
    const ratio = (tool: ComposeTool) => {
      const c = med(n, `${tool.key} ${k}`, 'wall');
      return t !== undefined && c !== undefined ? (t / c).toFixed(2) : '-';
    };
    const rss = results.get(n)!.get(`tsfig ${k}`);
    const flCpu = k === 'config' ? `, CPU ${f0(med(n, 'floor config', 'cpu'))}` : '';
    console.log(
      `| ${name} | ${f0(t)} | ${cols(wall)} | ${f0(fl)} (${floor}${flCpu}) | ${cols(ratio)} | ${f0(med(n, `tsfig ${k}`, 'cpu'))} | ${cols((tool) => f0(med(n, `${tool.key} ${k}`, 'cpu')))} | ${rss ? Math.max(...rss.map((x) => x.rssMB)).toFixed(0) : '-'} |`,
    );
  }
  console.log(`(load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
}

/**
 * The slopes over the Ns done so far: tsfig over every N, then beside each compose release
 * over the Ns where that release finished (both over the same Ns).
 */
function report(): void {
  const ns = [...results.keys()].filter((n) => results.get(n)!.get('tsfig down')?.length);
  if (ns.length < 2) return;
  console.log(`\n### Slope: ms per added service (least squares of the medians over N)\n`);
  console.log('| command | against | N compared | tsfig wall | compose wall | floor wall | tsfig CPU | compose CPU |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [k, name] of COMMANDS) {
    const s = (tool: Tool | 'floor', f: keyof Sample, at: number[]) => {
      const pts = at.map((n) => [n, med(n, `${tool} ${k}`, f)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
      const v = slope(pts.map((p) => p[0]), pts.map((p) => p[1]));
      return v === undefined ? '-' : v.toFixed(2);
    };
    const floor = (at: number[]) => (k === 'config' ? '-' : s('floor', 'wall', at));
    console.log(`| ${name} | (tsfig alone) | ${ns.join(', ')} | ${s('tsfig', 'wall', ns)} | - | ${floor(ns)} | ${s('tsfig', 'cpu', ns)} | - |`);
    for (const tool of tools) {
      const common = ns.filter((n) => med(n, `${tool.key} ${k}`, 'wall') !== undefined);
      if (common.length < 2) {
        console.log(`| ${name} | ${tool.title} | ${common.join(', ') || '-'} | - | - | - | - | - |`);
        continue;
      }
      console.log(`| ${name} | ${tool.title} | ${common.join(', ')} | ${s('tsfig', 'wall', common)} | ${s(tool.key, 'wall', common)} | ${floor(common)} | ${s('tsfig', 'cpu', common)} | ${s(tool.key, 'cpu', common)} |`);
    }
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  tools = composeTools();
  const version = await engine.version();
  console.log(`date ${new Date().toISOString()}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, Docker ${version.version}; ${describeTools(tools)}`);
  console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const n of Ns) {
    await benchN(n);
    reportN(n);
  }
  report();
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

process.once('SIGINT', () => {
  console.log('\ninterrupted: the slopes of the Ns done so far');
  report();
  void cleanup().finally(() => process.exit(130));
});
try {
  await main();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  report();
  process.exitCode = 1;
} finally {
  await cleanup().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
  rmSync(tmp, { recursive: true, force: true });
  for (const w of warnings) console.log(`warning: ${w}`);
}

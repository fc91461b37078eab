/**
 * Log throughput of `tsfig logs -f`, side by side with `docker logs -f` (one container) and
 * `logs -f` of docker-compose 1.29 and docker compose v2 (bench/compose.ts), on the same
 * engine; then a minute of live following with tsfig's memory (RSS) sampled every second.
 *
 *   node --import tsx bench/logs.ts
 *
 *   BENCH_LOG_SERVICES  services writing (default 10)
 *   BENCH_LOG_LINES     lines each service writes for the throughput runs (default 50000)
 *   BENCH_LOG_RUNS      repetitions of each throughput run (default 3; the median is shown)
 *   BENCH_LOG_SECONDS   length of the live run (default 60)
 *   BENCH_NO_BUILD=1    skip `npm run build` (the binary runs dist/)
 *
 * 1. Throughput: every service writes its lines as fast as it can (`yes | head -n N`), then
 *    idles. Once the engine holds them all, each tool follows from the start (`logs -f`) and the
 *    clock stops when it has printed every line (child process wall clock, start-up included).
 * 2. Live: every service writes without end (`yes`, json-file logs rotated at 20 MB so the
 *    disk stays bounded); `tsfig logs -f --tail 0` follows for a minute; lines per second and
 *    the follower's RSS (/proc/PID/status VmRSS) are sampled every second.
 *
 * Only containers and networks labelled with the bench's project names are touched, and all of
 * them are removed at the end, on failure and on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, resolveEndpoint } from '../src/engine/connect.js';
import { LogDecoder } from '../src/logs/decode.js';
import { composeTools, describeTools, type ComposeTool } from './compose.js';
import { removeByLabel } from './raw.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/tsfig.js');
const SERVICES = Math.max(1, Number(process.env.BENCH_LOG_SERVICES ?? 10) || 10);
const LINES = Math.max(1, Number(process.env.BENCH_LOG_LINES ?? 50_000) || 50_000);
const RUNS = Math.max(1, Number(process.env.BENCH_LOG_RUNS ?? 3) || 3);
const SECONDS = Math.max(5, Number(process.env.BENCH_LOG_SECONDS ?? 60) || 60);
const LINE = 'bench log line 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const P = { tsfig: 'bench-logs-tsfig', compose: 'bench-logs-compose', compose2: 'bench-logs-compose2', live: 'bench-logs-live' } as const;
const OWNED: Array<[label: string, project: string]> = [
  ['io.tsfig.project', P.tsfig],
  ['io.tsfig.project', P.live],
  ['com.docker.compose.project', P.compose],
  ['com.docker.compose.project', P.compose2],
];

const engine = connect(resolveEndpoint({ env: process.env }));
const children = new Set<ChildProcess>();
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-logs-'));

// ------------------------------------------------------------------ helpers

/** Run a command to completion; a non-zero exit throws with its output. */
function exec(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) done();
      else fail(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}\n${out.trim()}`));
    });
  });
}

/** Count newlines on a stream. */
function countLines(stream: NodeJS.ReadableStream, onCount: (n: number) => void): void {
  let n = 0;
  stream.on('data', (b: Buffer) => {
    let i = b.indexOf(10);
    while (i >= 0) {
      n++;
      i = b.indexOf(10, i + 1);
    }
    onCount(n);
  });
}

/**
 * Start a follower, stop the clock when it printed `want` lines, then end it (by its PID).
 * Milliseconds from spawn to the last line.
 */
function timeFollow(cmd: string, args: string[], cwd: string, want: number, timeoutMs = 600_000): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let finished = false;
    let lines = 0;
    let errText = '';
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      child.kill('SIGTERM');
      if (err) fail(err);
      else done(ms);
    };
    const timer = setTimeout(() => finish(new Error(`${cmd} ${args.join(' ')}: ${lines} of ${want} lines after ${timeoutMs} ms`)), timeoutMs);
    const onCount = (n: number) => {
      lines = n;
      if (n >= want) finish();
    };
    // docker logs writes the container's stderr to its own stderr; the writers use stdout only.
    countLines(child.stdout, onCount);
    child.stderr.on('data', (b: Buffer) => (errText += b.toString()));
    child.on('error', (e) => finish(e));
    child.on('close', (code) => {
      children.delete(child);
      if (!finished) finish(new Error(`${cmd} ${args.join(' ')} ended (exit ${code}) after ${lines} of ${want} lines\n${errText.trim()}`));
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function cleanup(): Promise<void> {
  for (const [label, project] of OWNED) await removeByLabel(engine, label, project);
}

/** A project file both tsfig and docker-compose read: N services running `script`. */
function projectFile(script: string, logging: Record<string, string>): string {
  // `$$` is the file's escape for `$`.
  const command = JSON.stringify(['sh', '-c', script.replaceAll('$', '$$$$')]);
  const opts = Object.entries(logging).map(([k, v]) => `        ${k}: "${v}"\n`).join('');
  let body = 'services:\n';
  for (let i = 1; i <= SERVICES; i++) {
    body += `  s${String(i).padStart(2, '0')}:\n    image: busybox:latest\n    command: ${command}\n    logging:\n      driver: json-file\n      options:\n${opts}`;
  }
  return body;
}

function folder(name: string, file: string, text: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

/** Lines a container's log holds now (read through tsfig's decoder). */
async function logLines(id: string): Promise<number> {
  const d = new LogDecoder({ timestamps: false });
  let n = 0;
  for await (const chunk of (await engine.logs(id, { follow: false })) as AsyncIterable<Buffer>) n += d.push(chunk).length;
  return n + d.end().length;
}

async function waitWritten(label: string, project: string, each: number): Promise<string[]> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const list = await engine.listContainers({ all: true, labels: { [label]: project } });
    const counts = await Promise.all(list.map((c) => logLines(c.id)));
    if (list.length === SERVICES && counts.every((n) => n >= each)) return list.map((c) => c.id);
    if (Date.now() > deadline) throw new Error(`${project}: logs hold ${counts.join(', ')} lines, expected ${each} each`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// ------------------------------------------------------------------ the runs

async function throughput(tools: ComposeTool[]): Promise<void> {
  const script = `yes "${LINE}" | head -n ${LINES}; trap "exit 0" TERM; while :; do sleep 1 & wait $!; done`;
  const text = projectFile(script, { 'max-size': '200m' });
  const tsfigDir = folder('throughput-tsfig', 'fig.yml', text);
  await exec(process.execPath, [bin, '-p', P.tsfig, '--progress', 'quiet', 'up', '-d'], tsfigDir);
  const ids = await waitWritten('io.tsfig.project', P.tsfig, LINES);
  const composeDirs = new Map<ComposeTool, string>();
  for (const t of tools) {
    const dir = folder(`throughput-${t.key}`, 'docker-compose.yml', text);
    await exec(t.bin, ['-p', P[t.key], 'up', '-d'], dir);
    await waitWritten('com.docker.compose.project', P[t.key], LINES);
    composeDirs.set(t, dir);
  }
  const total = LINES * SERVICES;
  const times: Record<string, number[]> = { tsfig: [], docker: [], compose: [], compose2: [] };
  for (let r = 0; r < RUNS; r++) {
    // Each repetition runs every tool in turn, so drift of the machine spreads over all.
    times.tsfig!.push(await timeFollow(process.execPath, [bin, '-p', P.tsfig, 'logs', '-f', '--no-color'], tsfigDir, total));
    times.docker!.push(await timeFollow('docker', ['logs', '-f', ids[0]!], tmp, LINES));
    for (const [t, dir] of composeDirs) times[t.key]!.push(await timeFollow(t.bin, ['-p', P[t.key], 'logs', '-f', '--no-color'], dir, total));
  }
  const row = (name: string, lines: number, ms: number[]) => {
    const m = median(ms);
    console.log(`${name.padEnd(44)} ${fmt(lines).padStart(10)} ${fmt(m).padStart(9)} ms ${fmt((lines / m) * 1000).padStart(12)} lines/s   (runs: ${ms.map((x) => fmt(x)).join(', ')} ms)`);
  };
  console.log(`\nThroughput: following logs already written (${SERVICES} services x ${fmt(LINES)} lines of ${LINE.length + 1} bytes; median of ${RUNS}; wall clock incl. start-up)`);
  console.log(`${'tool'.padEnd(44)} ${'lines'.padStart(10)} ${'time'.padStart(12)} ${'rate'.padStart(20)}`);
  row(`tsfig logs -f (${SERVICES} containers)`, total, times.tsfig!);
  row('docker logs -f (1 container)', LINES, times.docker!);
  for (const t of tools) row(`${t.title} logs -f (${SERVICES} containers)`, total, times[t.key]!);
  await cleanup();
}

async function live(): Promise<void> {
  const script = `trap "exit 0" TERM; yes "${LINE}" & wait $!`;
  const dir = folder('live', 'fig.yml', projectFile(script, { 'max-size': '20m', 'max-file': '2' }));
  await exec(process.execPath, [bin, '-p', P.live, '--progress', 'quiet', 'up', '-d'], dir);
  const child = spawn(process.execPath, [bin, '-p', P.live, 'logs', '-f', '--tail', '0', '--no-color'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let lines = 0;
  let errText = '';
  countLines(child.stdout, (n) => (lines = n));
  child.stderr.on('data', (b: Buffer) => (errText += b.toString()));
  const samples: Array<{ t: number; rss: number; rate: number }> = [];
  let last = 0;
  const t0 = performance.now();
  for (let s = 1; s <= SECONDS; s++) {
    await new Promise((r) => setTimeout(r, t0 + s * 1000 - performance.now()));
    const rss = child.pid !== undefined ? rssKb(child.pid) : undefined;
    if (rss === undefined) throw new Error(`tsfig logs -f is gone after ${s} s\n${errText.trim()}`);
    samples.push({ t: s, rss, rate: lines - last });
    last = lines;
  }
  child.kill('SIGTERM');
  children.delete(child);
  const rates = samples.slice(2).map((x) => x.rate);
  const rss = samples.map((x) => x.rss);
  const at = (sec: number) => samples.find((x) => x.t === sec)?.rss ?? samples[samples.length - 1]!.rss;
  console.log(`\nLive: ${SERVICES} services writing as fast as they can, tsfig logs -f --tail 0 for ${SECONDS} s (samples every second)`);
  console.log(`lines received: ${fmt(lines)}; lines/s: median ${fmt(median(rates))}, min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}`);
  const marks = [...new Set([5, 15, 30, SECONDS].filter((x) => x <= SECONDS))];
  console.log(`RSS (MB): ${marks.map((m) => `at ${m} s ${(at(m) / 1024).toFixed(1)}`).join(', ')}; min ${(Math.min(...rss) / 1024).toFixed(1)}, max ${(Math.max(...rss) / 1024).toFixed(1)}`);
  console.log(`RSS every 5 s (MB): ${samples.filter((x) => x.t % 5 === 0).map((x) => (x.rss / 1024).toFixed(0)).join(' ')}`);
  await cleanup();
}

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') {
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  await engine.ping();
  const tools = composeTools();
  const v = await engine.version();
  console.log(`tsfig logs bench: engine ${v.version} (API ${v.apiVersion}), ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`);
  await cleanup();
  console.log(describeTools(tools));
  await throughput(tools);
  await live();
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  for (const c of children) c.kill('SIGTERM');
  void cleanup().finally(() => process.exit(130));
});

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of children) c.kill('SIGTERM');
    await cleanup().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  });

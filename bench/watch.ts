/**
 * The dev loop's benchmark (`node --import tsx bench/watch.ts`): how long from a file written on
 * the host to that file readable inside the container, and what watching a big tree costs while
 * nothing happens.
 *
 *   BENCH_EDITS     edits per latency measurement (default 50)
 *   BENCH_FILES     files in the idle tree (default 20000)
 *   BENCH_IDLE_S    seconds of idle CPU sampling (default 30)
 *   BENCH_NO_BUILD=1  skip `npm run build` (the binary runs dist/)
 *
 * Latency columns, each over the same edits of one file (its size changes with every edit, so
 * the new version is recognised):
 * - floor: the same file uploaded in-process by one archive upload (what any sync costs);
 * - tsfig watch: the built binary (`watch --no-up`), default debounce (adaptive: 30 ms after a
 *   lone save, 500 ms once a batch holds more than 4 paths or a directory event);
 * - compose-like: the same binary with TSFIG_WATCH_DEBOUNCE_MS=500, compose watch's debounce
 *   (`pkg/watch/debounce.go`), the anchor to beat (compose v2 itself is not installed here).
 * Readable = the engine's archive stat of the path (HEAD /containers/{id}/archive) reports the
 * new size, polled every 5 ms from this process.
 *
 * Storm: BENCH_STORM files (default 1000) written at once into a new directory of the synced
 * tree (as a `git checkout` does): how many sync actions (uploads) the loop made for them, and
 * the time until the last file is readable in the container.
 *
 * Idle: `tsfig watch --no-up` over a tree of BENCH_FILES files (100 per directory), with file
 * events (inotify) and with polling (`--poll`, 1000 ms): time to the "watching" line, time until
 * the process is quiet (three seconds in a row under 10 ms of CPU) and the CPU spent until then, then CPU per second of idle watching over BENCH_IDLE_S (utime + stime
 * of the process, from /proc), and resident memory.
 *
 * Only the bench's own project (label io.tsfig.project=bench-watch) is touched and removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, resolveEndpoint } from '../src/engine/connect.js';
import { writeTar } from '../src/engine/tar.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/tsfig.js');
const EDITS = Math.max(5, Number(process.env.BENCH_EDITS ?? 50) || 50);
const FILES = Math.max(100, Number(process.env.BENCH_FILES ?? 20000) || 20000);
const IDLE_S = Math.max(2, Number(process.env.BENCH_IDLE_S ?? 30) || 30);
const STORM = Math.max(10, Number(process.env.BENCH_STORM ?? 1000) || 1000);
const PROJECT = 'bench-watch';
const CONTAINER = `${PROJECT}-web-1`;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const engine = connect(resolveEndpoint({ env: process.env }));
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-watch-'));
const dir = join(tmp, 'proj');
const children = new Set<ChildProcess>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

function tsfig(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, '-p', PROJECT, ...args], { cwd: dir, env: { ...process.env, TSFIG_PROGRESS: 'quiet', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsfig ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

interface Watcher {
  child: ChildProcess;
  readyMs: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** `tsfig watch --no-up` as a child; resolves once it says it watches. */
function startWatch(extraArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<Watcher> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, '-p', PROJECT, 'watch', '--no-up', ...extraArgs], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let err = '';
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const stop = async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await closed;
      children.delete(child);
    };
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (/watching \d+ rule/.test(err) && !(child as { ready?: boolean }).ready) {
        (child as { ready?: boolean }).ready = true;
        ok({ child, readyMs: performance.now() - t0, stderr: () => err, stop });
      }
    });
    child.on('close', (code) => fail(new Error(`tsfig watch ended (exit ${code}) before it was ready:\n${err}`)));
  });
}

/** Wait until the container's copy of `path` has `size` bytes; ms since `t0`. */
async function readableAfter(path: string, size: number, t0: number, timeoutMs = 10_000): Promise<number> {
  for (;;) {
    const st = await engine.statArchive(CONTAINER, path).catch(() => undefined);
    if (st && st.size === size) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${path} did not reach ${size} bytes in the container within ${timeoutMs} ms`);
    await sleep(5);
  }
}

function content(i: number): string {
  // A different size for every edit: the stat tells the versions apart.
  return `edit ${i}\n${'x'.repeat(100 + i)}\n`;
}

let edit = 0;

/**
 * EDITS edits of app/live.txt, each waited for; `push` uploads it when the loop does not. With
 * `paired`, each edit is followed by one in-process upload of another path (not watched), timed
 * the same way: the floor at that moment of the machine, alternating with the loop's edits.
 */
async function latencies(push?: (body: Buffer) => Promise<void>, paired?: number[]): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < EDITS; k++) {
    const body = Buffer.from(content(++edit));
    const t0 = performance.now();
    writeFileSync(join(dir, 'app/live.txt'), body);
    if (push) await push(body);
    out.push(await readableAfter('/app/live.txt', body.length, t0));
    if (paired) {
      const t1 = performance.now();
      await upload(body, 'floor/live.txt');
      paired.push(await readableAfter('/floor/live.txt', body.length, t1));
    }
    // Let the watcher settle, at a varying phase.
    await sleep(150 + Math.floor(Math.random() * 100));
  }
  return out;
}

/** STORM files written at once under app/storm-N; the loop's sync lines for them, and when the last is readable. */
async function stormOf(w: Watcher): Promise<{ uploads: number; lines: string[]; ms: number }> {
  const before = w.stderr().length;
  const sub = `storm-${Date.now()}`;
  mkdirSync(join(dir, 'app', sub));
  const t0 = performance.now();
  for (let i = 0; i < STORM; i++) writeFileSync(join(dir, 'app', sub, `f${i}.txt`), `file ${i}\n`);
  const last = `file ${STORM - 1}\n`;
  const ms = await readableAfter(`/app/${sub}/f${STORM - 1}.txt`, last.length, t0, 30_000);
  // Every file of the storm is in the container: count the sync lines that carried them.
  const lines = () => w.stderr().slice(before).split('\n').filter((l) => /synced/.test(l));
  const count = (ls: string[]) => ls.reduce((n, l) => n + Number(/synced (\d+) files?/.exec(l)?.[1] ?? 0), 0);
  for (let i = 0; i < 400 && count(lines()) < STORM; i++) await sleep(25);
  return { uploads: lines().length, lines: lines().map((l) => l.replace(/^.*\| */, '').trim()), ms };
}

async function upload(body: Buffer, name = 'app/live.txt'): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of writeTar([{ header: { name, type: 'file', size: body.length, mode: 0o644, mtime: Math.floor(Date.now() / 1000) }, body }])) chunks.push(c);
  await engine.putArchive(CONTAINER, '/', Buffer.concat(chunks));
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function idle(label: string, extraArgs: string[]): Promise<string[]> {
  const t0 = performance.now();
  const w = await startWatch(extraArgs);
  const pid = w.child.pid!;
  // The start-up (the scan, then collecting its garbage) goes on a little after the "watching"
  // line: wait until the process is quiet (at most 10 ms of CPU a second, three seconds in a
  // row; at most 20 s: polling is never quiet) before sampling the idle cost. V8 may still
  // collect the start-up's garbage once, later: the idle window includes it.
  let last = cpuTicks(pid);
  let quietFor = 0;
  for (let i = 0; i < 20 && quietFor < 3; i++) {
    await sleep(1000);
    const now = cpuTicks(pid);
    quietFor = ((now - last) / CLK_TCK) * 1000 <= 10 ? quietFor + 1 : 0;
    last = now;
  }
  const settledS = (performance.now() - t0) / 1000;
  const startupCpuS = last / CLK_TCK;
  const c0 = cpuTicks(pid);
  const s0 = performance.now();
  await sleep(IDLE_S * 1000);
  const cpuMs = ((cpuTicks(pid) - c0) / CLK_TCK) * 1000;
  const wallMs = performance.now() - s0;
  const rss = rssMb(pid);
  await w.stop();
  return [label, `${(w.readyMs / 1000).toFixed(2)} s`, `${settledS.toFixed(1)} s`, `${startupCpuS.toFixed(2)} s`, `${((cpuMs / wallMs) * 100).toFixed(2)} %`, `${rss.toFixed(0)} MB`];
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

async function cleanup(): Promise<void> {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await tsfig(['down']).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}

process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') {
    const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  mkdirSync(join(dir, 'app'), { recursive: true });
  writeFileSync(join(dir, 'app/live.txt'), content(0));
  writeFileSync(
    join(dir, 'fig.yml'),
    `services:
  web:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
    develop:
      watch:
        - path: ./app
          action: sync
          target: /app
`,
  );
  console.log(`tsfig watch benchmark: ${EDITS} edits, ${FILES} files idle, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
  await tsfig(['up', '-d']);
  await upload(Buffer.from(content(0)));

  const floor = await latencies(upload);
  let w = await startWatch([]);
  const pairedFloor: number[] = [];
  const tsfigDefault = await latencies(undefined, pairedFloor);
  await w.stop();
  w = await startWatch([], { TSFIG_WATCH_DEBOUNCE_MS: '500' });
  const composeLike = await latencies();
  await w.stop();
  w = await startWatch([]);
  const storm = await stormOf(w);
  await w.stop();

  console.log('\nfile written -> readable in the container (ms), p50 / p95 / max');
  const row = (label: string, xs: number[]) => [label, quantile(xs, 0.5).toFixed(0), quantile(xs, 0.95).toFixed(0), Math.max(...xs).toFixed(0)];
  table(['', 'p50', 'p95', 'max'], [
    row('floor: one archive upload, no watcher', floor),
    row('tsfig watch (default debounce)', tsfigDefault),
    row('  floor, alternating with those edits', pairedFloor),
    row('compose-like: 500 ms debounce', composeLike),
  ]);
  const gain = quantile(composeLike, 0.5) - quantile(tsfigDefault, 0.5);
  console.log(`  tsfig p50 is ${gain.toFixed(0)} ms below the 500 ms-debounce anchor (compose watch waits at least 500 ms before any sync)`);
  console.log(`  tsfig p90 ${quantile(tsfigDefault, 0.9).toFixed(0)} ms (goal: p50 <= 150 ms, p90 <= 250 ms); over the alternating floor: p50 +${(quantile(tsfigDefault, 0.5) - quantile(pairedFloor, 0.5)).toFixed(0)} ms, p90 +${(quantile(tsfigDefault, 0.9) - quantile(pairedFloor, 0.9)).toFixed(0)} ms`);
  console.log(`\nstorm: ${STORM} files written at once: ${storm.uploads} sync ${storm.uploads === 1 ? 'action' : 'actions'} (${storm.lines.join('; ')}), the last file readable after ${storm.ms.toFixed(0)} ms`);

  // The idle tree: FILES files, 100 per directory, under the synced path.
  const dirs = Math.ceil(FILES / 100);
  for (let d = 0; d < dirs; d++) {
    const sub = join(dir, 'app/tree', `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 100 && d * 100 + f < FILES; f++) writeFileSync(join(sub, `f${f}.js`), `// ${d}/${f}\n`);
  }
  console.log(`\nidle watching of ${FILES} files in ${dirs} directories (${IDLE_S} s)`);
  const rows = [await idle('file events (inotify)', []), await idle('polling every 1000 ms', ['--poll', '1000'])];
  table(['', 'ready', 'settled', 'start-up CPU', 'idle CPU', 'RSS'], rows);
}

main()
  .then(cleanup, async (err: unknown) => {
    await cleanup();
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });

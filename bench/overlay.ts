/**
 * `node --import tsx bench/overlay.ts`: what the cross-host overlay costs, on the multi-host rig
 * (`bash scripts/hosts.sh up 3`; brought up here when it is not, and then taken down at the end).
 *
 *   (a) two containers on an overlay network, a busybox httpd serving a 50 MB file and a client
 *       fetching it with wget, and `ping -c 20`: on two hosts (a -> b) versus both on host a;
 *   (b) `up -d` of 30 services, 10 on each of three hosts on one overlay network, versus the
 *       same 30 services all on host a; and the no-op `up -d` of both.
 *
 *   BENCH_RUNS  repetitions of (b) (default 3); (a) takes 5 samples of 5 fetches per placement
 *   BENCH_NO_BUILD=1  skip `npm run build` (the binary runs dist/)
 *
 * Times are wall clock. Five fetches are timed around one `docker exec`, and the median time of
 * a no-op `docker exec` on the same container is subtracted. Every run ends with `down -v` of its
 * project (try/finally), and whatever still carries a bench project's label is removed from
 * every rig host at the end. Traffic goes only between the rig's containers.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/tsfig.js');
const hostsSh = join(root, 'scripts/hosts.sh');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) || 3);
const FETCHES = 5;
/** Fetches per `docker exec` (so its overhead is small against the transfer). */
const PER_EXEC = 5;
const FILE_MB = 50;
const N_SERVICES = 30;
const HOSTS = ['a', 'b', 'c'] as const;
const sock = (i: number) => `unix:///run/tsfig-host${i}.sock`;
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-overlay-'));
const projects = new Set<string>();
const warnings: string[] = [];

interface Res {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = 300_000): Promise<Res> {
  return new Promise((done) => {
    const t0 = performance.now();
    execFile(cmd, args, { cwd: tmp, env: { ...process.env, ...env }, maxBuffer: 64 << 20, encoding: 'utf8', timeout }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      done({ code, stdout, stderr: stderr || (err?.message ?? ''), ms: performance.now() - t0 });
    });
  });
}

async function must(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Res> {
  const r = await exec(cmd, args, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.code}\n${(r.stderr || r.stdout).trim()}`);
  return r;
}

const hdocker = (i: number, ...args: string[]) => exec('docker', args, { DOCKER_HOST: sock(i) });
const tsfig = (project: string, file: string, ...args: string[]) => must(process.execPath, [bin, '-p', project, '-f', file, ...args], { TSFIG_PROGRESS: 'plain' });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

// ------------------------------------------------------------------ rig and cleanup

async function rigUp(): Promise<boolean> {
  const answers = await Promise.all([1, 2, 3].map(async (i) => (await hdocker(i, 'info', '--format', '{{.ID}}')).code === 0));
  return answers.every(Boolean);
}

/** Containers and networks of a bench project on every rig host, by label. */
async function removeByLabel(project: string): Promise<void> {
  for (let i = 1; i <= HOSTS.length; i++) {
    const filter = `label=io.tsfig.project=${project}`;
    const ps = await hdocker(i, 'ps', '-aq', '--filter', filter);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await hdocker(i, 'rm', '-f', '-v', ...ids);
    const nets = await hdocker(i, 'network', 'ls', '-q', '--filter', filter);
    for (const n of nets.stdout.split('\n').filter(Boolean)) await hdocker(i, 'network', 'rm', n);
  }
}

/** `down -v` of the project, whatever happened; failures become warnings. */
async function down(project: string, file: string): Promise<number> {
  const r = await exec(process.execPath, [bin, '-p', project, '-f', file, 'down', '-v', '-t', '1'], { TSFIG_PROGRESS: 'plain' });
  if (r.code !== 0) warnings.push(`down -v of ${project} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return r.ms;
}

// ------------------------------------------------------------------ project files

const HOSTS_BLOCK = (names: readonly string[]) =>
  `hosts:\n${names.map((h) => `  ${h}: {docker: "${sock(HOSTS.indexOf(h as (typeof HOSTS)[number]) + 1)}", address: 192.168.77.${HOSTS.indexOf(h as (typeof HOSTS)[number]) + 1}}\n`).join('')}`;
const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;

function write(name: string, text: string): string {
  const file = join(tmp, `${name}.yml`);
  writeFileSync(file, text);
  return file;
}

/** Client on host a, server on `serverHost`, one overlay network. */
function pairFile(name: string, serverHost: 'a' | 'b'): string {
  const serve = `mkdir -p /w && head -c ${FILE_MB * 1024 * 1024} /dev/urandom > /w/file && echo ok > /w/index.html && trap 'exit 0' TERM; httpd -f -p 80 -h /w & wait`;
  return write(
    name,
    `${HOSTS_BLOCK(['a', 'b'])}services:\n` +
      `  client:\n    image: busybox\n    host: a\n    command: ${IDLE}\n    networks: [back]\n` +
      `  server:\n    image: busybox\n    host: ${serverHost}\n    command: ["sh", "-c", ${JSON.stringify(serve)}]\n    networks: [back]\n` +
      `networks:\n  back:\n    driver: overlay\n`,
  );
}

/** N_SERVICES idle services on one overlay network, spread round-robin over `hosts`. */
function manyFile(name: string, hosts: readonly string[]): string {
  const body = Array.from({ length: N_SERVICES }, (_, i) => {
    const h = hosts[i % hosts.length]!;
    return `  s${String(i + 1).padStart(2, '0')}:\n    image: busybox\n    host: ${h}\n    command: ${IDLE}\n    networks: [back]\n`;
  }).join('');
  return write(name, `${HOSTS_BLOCK(hosts)}services:\n${body}networks:\n  back:\n    driver: overlay\n`);
}

// ------------------------------------------------------------------ (a) throughput and latency

interface PairResult {
  /** MB/s per fetch. */
  mbps: number[];
  fetchMs: number[];
  execMs: number;
  pingAvgMs: number;
}

async function pair(label: string, serverHost: 'a' | 'b'): Promise<PairResult> {
  const project = `bench-ov-${label}`;
  const file = pairFile(project, serverHost);
  projects.add(project);
  await removeByLabel(project);
  try {
    await tsfig(project, file, 'up', '-d');
    const client = `${project}-client-1`;
    // The server is ready once its index answers (the 50 MB file is written before httpd starts).
    const t0 = performance.now();
    for (;;) {
      const r = await hdocker(1, 'exec', client, 'sh', '-c', 'timeout 5 wget -q -O - http://server/index.html');
      if (r.code === 0 && r.stdout.trim() === 'ok') break;
      if (performance.now() - t0 > 60_000) throw new Error(`${label}: the server did not answer within 60 s: ${r.stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const noop: number[] = [];
    for (let i = 0; i < FETCHES; i++) noop.push((await must('docker', ['exec', client, 'true'], { DOCKER_HOST: sock(1) })).ms);
    const execMs = median(noop);
    const fetch = () => must('docker', ['exec', client, 'sh', '-c', `for i in $(seq ${PER_EXEC}); do timeout 60 wget -q -O /dev/null http://server/file || exit 1; done`], { DOCKER_HOST: sock(1) });
    await fetch(); // warm-up: ARP, page cache of the file
    const fetchMs: number[] = [];
    for (let i = 0; i < FETCHES; i++) fetchMs.push(Math.max(1, (await fetch()).ms - execMs));
    const ping = await must('docker', ['exec', client, 'ping', '-c', '20', 'server'], { DOCKER_HOST: sock(1) });
    const m = /min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(ping.stdout);
    if (!m) throw new Error(`${label}: cannot read ping's summary: ${ping.stdout.trim().split('\n').at(-1) ?? ''}`);
    return { mbps: fetchMs.map((ms) => (PER_EXEC * FILE_MB) / (ms / 1000)), fetchMs: fetchMs.map((ms) => ms / PER_EXEC), execMs, pingAvgMs: Number(m[1]) };
  } finally {
    await down(project, file);
  }
}

// ------------------------------------------------------------------ (b) up time

interface UpResult {
  up: number[];
  noop: number[];
  down: number[];
}

async function upTimes(label: string, hosts: readonly string[]): Promise<UpResult> {
  const project = `bench-ov-${label}`;
  const file = manyFile(project, hosts);
  projects.add(project);
  await removeByLabel(project);
  const out: UpResult = { up: [], noop: [], down: [] };
  for (let i = 0; i < runs; i++) {
    if (process.stdout.isTTY) process.stdout.write(`  ${label} run ${i + 1}/${runs}\r`);
    try {
      out.up.push((await tsfig(project, file, 'up', '-d')).ms);
      let n = 0;
      for (let h = 1; h <= HOSTS.length; h++) n += (await hdocker(h, 'ps', '-q', '--filter', `label=io.tsfig.project=${project}`)).stdout.split('\n').filter(Boolean).length;
      if (n !== N_SERVICES) throw new Error(`${label}: ${n} running containers after up, expected ${N_SERVICES}`);
      out.noop.push((await tsfig(project, file, 'up', '-d')).ms);
    } finally {
      out.down.push(await down(project, file));
    }
  }
  return out;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const version = (await must('docker', ['version', '--format', '{{.Server.Version}}'], { DOCKER_HOST: sock(1) })).stdout.trim();
  console.log(`rig: 3 dockerds (Docker ${version}) in network namespaces, underlay bridge 192.168.77.0/24; node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const cross = await pair('cross', 'b');
  const local = await pair('local', 'a');
  const fmtMbps = (p: PairResult) => `${median(p.mbps).toFixed(0)} MB/s (${median(p.fetchMs).toFixed(0)} ms)`;
  console.log(`\n(a) client on host a fetches ${FILE_MB} MB from busybox httpd (median of ${FETCHES} samples of ${PER_EXEC} fetches in one exec, minus ${cross.execMs.toFixed(0)}/${local.execMs.toFixed(0)} ms of docker exec), ping -c 20 avg`);
  table(
    ['placement', 'throughput', 'ping avg'],
    [
      ['a -> b (overlay, VXLAN)', fmtMbps(cross), `${cross.pingAvgMs.toFixed(3)} ms`],
      ['a -> a (overlay net, one host)', fmtMbps(local), `${local.pingAvgMs.toFixed(3)} ms`],
      ['ratio cross / one host', (median(cross.mbps) / median(local.mbps)).toFixed(2), (cross.pingAvgMs / local.pingAvgMs).toFixed(2)],
    ],
  );

  const multi = await upTimes('3hosts', HOSTS);
  const single = await upTimes('1host', ['a']);
  if (process.stdout.isTTY) process.stdout.write(' '.repeat(30) + '\r');
  console.log(`\n(b) ${N_SERVICES} services on one overlay network, medians of ${runs} runs, ms`);
  const f = (xs: number[]) => (xs.length ? median(xs).toFixed(0) : '-');
  table(
    ['phase', '3 hosts x 10', '1 host x 30', 'ratio'],
    [
      ['up -d (from nothing)', f(multi.up), f(single.up), (median(multi.up) / median(single.up)).toFixed(2)],
      ['up -d (no-op)', f(multi.noop), f(single.noop), (median(multi.noop) / median(single.noop)).toFixed(2)],
      ['down -v', f(multi.down), f(single.down), (median(multi.down) / median(single.down)).toFixed(2)],
    ],
  );
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

let broughtUp = false;
try {
  if (process.getuid?.() !== 0) throw new Error('the multi-host rig needs root');
  if (!(await rigUp())) {
    console.log('bringing the rig up: bash scripts/hosts.sh up 3');
    await must('bash', [hostsSh, 'up', '3']);
    broughtUp = true;
  }
  await main();
} catch (err) {
  console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  for (const p of projects) await removeByLabel(p).catch((err: unknown) => warnings.push(`cleanup of ${p}: ${String(err)}`));
  if (broughtUp) {
    const r = await exec('bash', [hostsSh, 'down']);
    if (r.code !== 0) warnings.push(`hosts.sh down exited ${r.code}: ${r.stderr.trim()}`);
  }
  rmSync(tmp, { recursive: true, force: true });
  for (const w of warnings) console.log(`warning: ${w}`);
}

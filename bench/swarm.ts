/**
 * tsfig against `docker stack deploy` on the swarm rig (scripts/swarm.sh up first):
 * `node --import tsx bench/swarm.ts`. A generated stack of BENCH_N services (default 20, one
 * replica each, dnsrr: the rig's kernel has no IPVS), the same file for both.
 *
 *   BENCH_N     services (default 20)
 *   BENCH_RUNS  no-op repetitions (default 5)
 *
 * Measured for each tool: the first deploy (until the command returns; the tasks start after),
 * the no-op deploy of the unchanged file (median), and how many services' version index a no-op
 * moved (an update the swarm rolls out: tasks replaced). Each stack is removed at the end with its
 * tool's own command (tsfig down; docker stack rm, then polled until its networks are gone).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const MANAGER = process.env.BENCH_SWARM_HOST ?? 'unix:///run/tsfig-swarm1.sock';
const n = Number(process.env.BENCH_N ?? 20) || 20;
const runs = Number(process.env.BENCH_RUNS ?? 5) || 5;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'tsfig.js');
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-swarm-'));
const file = join(tmp, 'stack.yml');
const services = Array.from({ length: n }, (_, i) => `  s${i}:\n    image: busybox:latest\n    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]\n    deploy:\n      endpoint_mode: dnsrr\n`).join('');
writeFileSync(file, `version: "3.8"\nservices:\n${services}`);

function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ ms: number; out: string }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: tmp, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done({ ms: performance.now() - t0, out }) : fail(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

const tsfig = (project: string, ...args: string[]) => exec(process.execPath, [BIN, '-f', file, '-p', project, ...args], { DOCKER_HOST: MANAGER, TSFIG_ORCHESTRATOR: 'swarm' });
const docker = (...args: string[]) => exec('docker', ['-H', MANAGER, ...args]);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function versions(project: string): Promise<Map<string, number>> {
  const ids = (await docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).out.trim().split('\n').filter(Boolean);
  const out = (await docker('service', 'inspect', '--format', '{{.Spec.Name}} {{.Version.Index}}', ...ids)).out;
  return new Map(out.trim().split('\n').map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]));
}

async function moved(project: string, op: () => Promise<{ ms: number }>): Promise<{ ms: number; moved: number }> {
  const before = await versions(project);
  const { ms } = await op();
  const after = await versions(project);
  return { ms, moved: [...after].filter(([k, v]) => before.get(k) !== v).length };
}

async function gone(project: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const left = (await docker('network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).out.trim();
    if (!left) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`stack ${project}: networks still there`);
}

const tag = process.pid.toString(36);
const sides = [
  { label: 'tsfig up -d', project: `benchsw-t${tag}`, deploy: (p: string) => tsfig(p, 'up', '-d'), remove: async (p: string) => void (await tsfig(p, 'down')) },
  { label: 'docker stack deploy', project: `benchsw-d${tag}`, deploy: (p: string) => docker('stack', 'deploy', '-c', file, p), remove: async (p: string) => { await docker('stack', 'rm', p); await gone(p); } },
];
const rows: string[] = [];
try {
  for (const s of sides) {
    const first = await s.deploy(s.project);
    const noop: number[] = [];
    const movedCounts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const m = await moved(s.project, () => s.deploy(s.project));
      noop.push(m.ms);
      movedCounts.push(m.moved);
    }
    const t0 = performance.now();
    await s.remove(s.project);
    const down = performance.now() - t0;
    rows.push(`| ${s.label} | ${(first.ms / 1000).toFixed(2)} s | ${(median(noop) / 1000).toFixed(2)} s | ${median(movedCounts)} of ${n} | ${(down / 1000).toFixed(2)} s |`);
  }
  process.stdout.write(`${n} services, ${runs} no-op runs (median)\n\n| tool | first deploy | no-op deploy | services updated by a no-op | remove until gone |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
} finally {
  for (const s of sides) await s.remove(s.project).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}

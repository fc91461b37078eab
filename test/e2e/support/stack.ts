/**
 * Helpers for the reconciler's end-to-end tests: fixture folders copied to a temp dir, tsfig
 * run in-process or as the built binary in a child process, the project's containers as the
 * engine sees them, and a recorder of the engine's events during one step.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, EngineEvent } from '../../../src/engine/engine.js';
import { tsfig, type RunResult } from '../../support/project.js';
import { cleanupProject, eventually, PROJECT_LABEL, uniqueProject } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const BIN = resolve(ROOT, 'bin/tsfig.js');
const TESTDATA = resolve(here, '../testdata');

/** Copy test/e2e/testdata/<scenario> to a fresh temp folder; returns the folder. */
export function fixture(scenario: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'tsfig-e2e-')), scenario);
  cpSync(join(TESTDATA, scenario), dir, { recursive: true });
  return dir;
}

/** Make `fig.<variant>.yml` of the fixture folder the project file (`fig.yml`). */
export function useVariant(dir: string, variant: string): void {
  copyFileSync(join(dir, `fig.${variant}.yml`), join(dir, 'fig.yml'));
}

/** The environment tsfig runs with in these tests: the engine address and nothing personal. */
export function testEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: process.env.HOME,
    PATH: process.env.PATH,
    DOCKER_HOST: process.env.DOCKER_HOST,
    TSFIG_PROGRESS: 'plain',
    ...extra,
  };
}

/** `tsfig -p PROJECT ARGS...` in-process, in `dir`. */
export function run(dir: string, project: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return tsfig(['-p', project, ...args], { cwd: dir, env: testEnv(env) });
}

/** Like `run`, and fails (with tsfig's stderr) unless it exits 0. */
export async function ok(dir: string, project: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const r = await run(dir, project, args, env);
  if (r.code !== 0) throw new Error(`tsfig ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

export interface Child {
  proc: ChildProcess;
  /** Resolves when the process has exited: its code (null when killed) and signal. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The built binary as a child process: `node bin/tsfig.js -p PROJECT ARGS...` in `dir`. */
export function spawnTsfig(dir: string, project: string, args: string[], env: Record<string, string | undefined> = {}): Child {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(testEnv(env))) if (v !== undefined) full[k] = v;
  const proc = spawn(process.execPath, [BIN, '-p', project, ...args], { cwd: dir, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => {
    proc.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { proc, done };
}

export interface Ctr {
  id: string;
  name: string;
  service: string;
  number: number;
  state: string;
  labels: Record<string, string>;
}

/** Every container labelled with the project, as the engine lists them, sorted by name. */
export async function containersOf(engine: Engine, project: string): Promise<Ctr[]> {
  const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
  return list
    .map((c) => ({
      id: c.id,
      name: c.names[0] ?? c.id,
      service: c.labels['io.tsfig.service'] ?? '',
      number: Number(c.labels['io.tsfig.number']),
      state: c.state,
      labels: c.labels,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** name -> id of the project's containers. */
export async function idsByName(engine: Engine, project: string): Promise<Record<string, string>> {
  return Object.fromEntries((await containersOf(engine, project)).map((c) => [c.name, c.id]));
}

/**
 * The invariants every converged project keeps: for each service, exactly the containers
 * `<project>-<service>-1..N`, one per number, all running, no temporary names.
 */
export async function expectConverged(engine: Engine, project: string, scale: Record<string, number>): Promise<Ctr[]> {
  const all = await containersOf(engine, project);
  const problems: string[] = [];
  for (const c of all) {
    if (c.name.includes('_tsfig-new-')) problems.push(`temporary name left: ${c.name}`);
    if (c.state !== 'running') problems.push(`${c.name} is ${c.state}`);
  }
  const want = Object.entries(scale)
    .flatMap(([svc, n]) => Array.from({ length: n }, (_, i) => `${project}-${svc}-${i + 1}`))
    .sort();
  const got = all.map((c) => c.name).sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`containers ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  for (const c of all) {
    const expected = `${project}-${c.service}-${c.number}`;
    if (c.name !== expected) problems.push(`${c.name} carries the labels of ${expected}`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return all;
}

/** Actions that change nothing: execs (our own probes) and health checks. */
const READ_ONLY = /^(exec_create|exec_start|exec_die|exec_detach|health_status|top|attach|resize|export|archive-path)/;

export interface Recording<T> {
  result: T;
  /** Every event that touched the project (its containers, networks or volumes). */
  events: EngineEvent[];
  /** Those of them that change something. */
  mutating: EngineEvent[];
}

/**
 * Run `step` while recording the engine's event stream, and return the project's events.
 * The recording ends at a sentinel (an exec in `sentinel`, a container of the project that
 * exists after the step), so every event the step caused has arrived when this returns.
 */
export async function recordEvents<T>(engine: Engine, project: string, sentinel: () => Promise<string>, step: () => Promise<T>): Promise<Recording<T>> {
  const controller = new AbortController();
  const stream = await engine.events({ signal: controller.signal });
  const seen: EngineEvent[] = [];
  const pump = (async () => {
    try {
      for await (const e of stream) seen.push(e);
    } catch {
      // closed
    }
  })();
  let result: T;
  try {
    result = await step();
    const token = `tsfig-e2e-sentinel-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const target = await sentinel();
    await engine.exec(target, { cmd: ['echo', token] });
    await eventually(() => {
      if (!seen.some((e) => e.type === 'container' && e.action.includes(token))) throw new Error('sentinel exec event not seen yet');
    }, { message: 'waiting for the sentinel event' });
  } finally {
    stream.close();
    controller.abort();
    await pump;
  }
  const containerIds = new Set(seen.filter((e) => e.type === 'container' && e.attributes[PROJECT_LABEL] === project).map((e) => e.id));
  for (const c of await containersOf(engine, project)) containerIds.add(c.id);
  const prefix = `${project}_`;
  const ours = (e: EngineEvent): boolean => {
    if (e.type === 'container') return e.attributes[PROJECT_LABEL] === project;
    if (e.type === 'network' || e.type === 'volume') {
      const name = e.attributes.name ?? e.id;
      return name.startsWith(prefix) || e.id.startsWith(prefix) || containerIds.has(e.attributes.container ?? '');
    }
    return false;
  };
  const events = seen.filter(ours);
  return { result, events, mutating: events.filter((e) => !READ_ONLY.test(e.action)) };
}

/** Short text of events, for assertion messages: `container destroy p-web-3`. */
export function describeEvents(events: EngineEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.action} ${e.attributes.name ?? e.id}`);
}

/** A shell one-liner's output inside a container (fails on a non-zero exit). */
export async function sh(engine: Engine, container: string, script: string): Promise<string> {
  const r = await engine.exec(container, { cmd: ['sh', '-c', script] });
  if (r.exitCode !== 0) throw new Error(`exec in ${container} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

/** The name of the volume mounted at `destination` in a container. */
export async function volumeAt(engine: Engine, container: string, destination: string): Promise<string> {
  const c = await engine.inspectContainer(container);
  const m = c.mounts.find((x) => x.destination === destination);
  if (!m || m.name === undefined) throw new Error(`${container} has no volume at ${destination}`);
  return m.name;
}

/**
 * Remove everything of `project` (by label, as the harness does) and the anonymous volumes its
 * containers had mounted: a volume a replacement inherited is mounted by name, so the engine's
 * `rm -v` leaves it behind.
 */
export async function cleanupStack(engine: Engine, project: string): Promise<void> {
  const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
  const anon = new Set(list.flatMap((c) => c.mounts.filter((m) => m.type === 'volume' && /^[0-9a-f]{64}$/.test(m.name ?? '')).map((m) => m.name!)));
  await cleanupProject(engine, project);
  for (const v of anon) await engine.removeVolume(v, { force: true }).catch(() => undefined);
}

/**
 * Scenarios of one test file: `scenario(name)` gives a fresh project name and a copy of the
 * fixture `name`; `cleanup(engine)` (in afterEach) removes what they made, by label.
 */
export function scenarios(prefix: string): { scenario: (name: string) => { project: string; dir: string }; cleanup: (engine: Engine) => Promise<void> } {
  const made: Array<{ project: string; dir: string }> = [];
  return {
    scenario(name) {
      const project = uniqueProject(`${prefix}-${name}`);
      const dir = fixture(name);
      made.push({ project, dir });
      return { project, dir };
    },
    async cleanup(engine) {
      for (const m of made.splice(0)) {
        await cleanupStack(engine, m.project);
        rmSync(dirname(m.dir), { recursive: true, force: true });
      }
    },
  };
}

/**
 * The multi-host rig (`bash scripts/hosts.sh up N`: N dockerds in network namespaces, sockets
 * unix:///run/tsfig-hostI.sock), brought up when it is not; fails (never skips) when it cannot.
 */
export async function rigUp(n: number): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the multi-host rig needs root (network namespaces, a dockerd per host)');
  const rig = await new Promise<{ code: number; stderr: string }>((res) =>
    execFile('bash', [join(ROOT, 'scripts', 'hosts.sh'), 'up', String(n)], { timeout: 300_000, encoding: 'utf8' }, (err, _out, stderr) =>
      res({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
    ),
  );
  if (rig.code !== 0) throw new Error(`the multi-host rig did not come up: ${rig.stderr.trim().split('\n').slice(-3).join(' ')} (see scripts/hosts.sh)`);
}

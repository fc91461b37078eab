/**
 * The fault campaign's stack and what it checks after each trial (issue 15): N services of
 * busybox, each with an anonymous volume at /data, the first with a named volume `keep` at
 * /keep, service i > 10 depending on service i - 10; `GEN` in every service's environment, so
 * a change of generation recreates all of them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, EngineEvent, EventStream } from '../../../src/engine/engine.js';
import { PROJECT_LABEL } from '../../e2e/support/harness.js';
import { containersOf } from '../../e2e/support/stack.js';

export const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;

export function stackYaml(services: number, gen: number): string {
  const lines = ['services:'];
  for (let i = 1; i <= services; i++) {
    lines.push(`  s${i}:`, '    image: busybox', `    command: ${IDLE}`, '    stop_grace_period: 2s');
    lines.push(`    volumes: [/data${i === 1 ? ', keep:/keep' : ''}]`);
    lines.push('    environment:', `      GEN: "${gen}"`);
    if (i > 10) lines.push(`    depends_on: [s${i - 10}]`);
  }
  lines.push('volumes:', '  keep: {}', '');
  return lines.join('\n');
}

/** A fresh folder with the stack's fig.yml at generation `gen`. */
export function stackDir(services: number, gen = 1): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'tsfig-faults-')), 'stack');
  mkdirSync(dir);
  writeStack(dir, services, gen);
  return dir;
}

export function writeStack(dir: string, services: number, gen: number): void {
  writeFileSync(join(dir, 'fig.yml'), stackYaml(services, gen));
}

export const serviceNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i + 1}`);

const ANON = /^[0-9a-f]{64}$/;

/**
 * The anonymous volumes the project's containers were made with: each container of the
 * project is inspected as soon as the engine reports its create. What one of them had and no
 * container of the project mounts at the end has leaked.
 */
export class VolumeLedger {
  readonly anonymous = new Set<string>();
  private stream: EventStream | undefined;
  private readonly controller = new AbortController();
  private pump: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly project: string,
  ) {}

  async start(): Promise<this> {
    this.stream = await this.engine.events({ filters: { type: ['container'], event: ['create'], label: [`${PROJECT_LABEL}=${this.project}`] }, signal: this.controller.signal });
    const stream = this.stream;
    this.pump = (async () => {
      try {
        for await (const e of stream) this.note(e);
      } catch {
        // closed
      }
    })();
    return this;
  }

  private note(e: EngineEvent): void {
    const p = this.engine
      .inspectContainer(e.id)
      .then((c) => {
        for (const m of c.mounts) if (m.type === 'volume' && m.name !== undefined && ANON.test(m.name)) this.anonymous.add(m.name);
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pending]);
    this.stream?.close();
    this.controller.abort();
    await this.pump;
  }

  /** Anonymous volumes the project's containers had that still exist and no container of the project mounts. */
  async leaked(): Promise<string[]> {
    await Promise.all([...this.pending]);
    const mounted = new Set<string>();
    const list = await this.engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: this.project } });
    for (const c of list) for (const m of c.mounts) if (m.name !== undefined) mounted.add(m.name);
    const existing = new Set((await this.engine.listVolumes()).map((v) => v.name));
    return [...this.anonymous].filter((v) => existing.has(v) && !mounted.has(v));
  }
}

export interface Expect {
  services: number;
  /** /data/marker of each service (and /keep/marker of s1) as written before the trial: must read the same. */
  markers?: Record<string, string>;
  /** Anonymous volume of each service before the trial: must be the same one. */
  volumes?: Record<string, string>;
  gen?: number;
}

/**
 * runc's answer to an exec in a container it can no longer enter: the container's start was in
 * flight when dockerd stopped, its task outlived dockerd's record of it, and after the restart it
 * runs but cannot be entered (docs/RELIABILITY.md, "engine restart again"). dockerd writes the
 * runtime's error as the exec's output and exits it 126.
 */
const SETNS_LOST = /^OCI runtime exec failed: .*error starting setns process/;

/** Whether an exec's failure is that engine case: exit 126 and runc's setns failure as its output. */
export function isSetnsLost(r: { exitCode: number; stdout: string; stderr: string }): boolean {
  return r.exitCode === 126 && SETNS_LOST.test(r.stdout.trim() || r.stderr.trim());
}

/**
 * The invariants of a converged stack; each violation as a short line. `engineCases`, given
 * only by a caller that restarted the engine, collects the one case that is the engine's there
 * (isSetnsLost) instead of counting it as a violation; anywhere else it stays a violation.
 */
export async function violations(engine: Engine, project: string, want: Expect, ledger?: VolumeLedger, engineCases?: string[]): Promise<string[]> {
  const out: string[] = [];
  const all = await containersOf(engine, project);
  const names = all.map((c) => c.name);
  const expected = serviceNames(want.services).map((s) => `${project}-${s}-1`).sort();
  for (const c of all) {
    if (c.name.includes('_tsfig-new-')) out.push(`temporary name left: ${c.name}`);
    else if (c.state !== 'running') out.push(`${c.name} is ${c.state}`);
    if (c.name !== `${project}-${c.service}-${c.number}`) out.push(`${c.name} carries the labels of ${c.service}-${c.number}`);
  }
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length) out.push(`duplicates: ${dup.join(', ')}`);
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n) && !n.includes('_tsfig-new-'));
  if (missing.length) out.push(`missing: ${missing.join(', ')}`);
  if (extra.length) out.push(`unexpected: ${extra.join(', ')}`);
  const byName = new Map(all.map((c) => [c.name, c]));
  await Promise.all(
    serviceNames(want.services).map(async (s) => {
      const name = `${project}-${s}-1`;
      if (!byName.has(name) || byName.get(name)!.state !== 'running') return;
      const c = await engine.inspectContainer(name);
      const data = c.mounts.find((m) => m.destination === '/data');
      if (!data?.name) return void out.push(`${name}: no volume at /data`);
      if (want.volumes?.[s] !== undefined && want.volumes[s] !== data.name) out.push(`${name}: anonymous volume lost (${want.volumes[s]!.slice(0, 12)} -> ${data.name.slice(0, 12)})`);
      // $(...) drops the files' trailing newlines: one value per line.
      const r = await engine.exec(name, { cmd: ['sh', '-c', 'printf "%s\\n%s\\n%s\\n" "$(cat /data/marker 2>/dev/null)" "$(cat /keep/marker 2>/dev/null)" "$GEN"'] });
      // An exec that fails says why: dockerd writes the runtime's refusal as the exec's output.
      if (engineCases && isSetnsLost(r)) return void engineCases.push(`${name}: runs, but runc cannot enter it after the engine restart (exec exit 126: error starting setns process): the engine's case, docs/RELIABILITY.md`);
      if (r.exitCode !== 0 || r.stdout === '') return void out.push(`${name}: listed running, yet an exec in it failed (exit ${r.exitCode}: ${(r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? ''})`);
      const [marker, keep, gen] = r.stdout.split('\n');
      if (want.markers?.[s] !== undefined && marker !== want.markers[s]) out.push(`${name}: /data/marker is '${marker}', want '${want.markers[s]}'`);
      if (s === 's1' && want.markers?.keep !== undefined && keep !== want.markers.keep) out.push(`${name}: named volume data lost (/keep/marker '${keep}')`);
      if (want.gen !== undefined && gen !== String(want.gen)) out.push(`${name}: GEN ${gen}, want ${want.gen}`);
    }),
  );
  if (ledger) for (const v of await ledger.leaked()) out.push(`anonymous volume leaked: ${v.slice(0, 12)}`);
  return out.sort();
}

/** Write a marker into each service's /data (and /keep of s1); returns the markers and the volumes. */
export async function markStack(engine: Engine, project: string, services: number, tag: string): Promise<{ markers: Record<string, string>; volumes: Record<string, string> }> {
  const markers: Record<string, string> = { keep: `keep-${tag}` };
  const volumes: Record<string, string> = {};
  await Promise.all(
    serviceNames(services).map(async (s) => {
      const name = `${project}-${s}-1`;
      markers[s] = `${s}-${tag}`;
      const script = `echo ${markers[s]} > /data/marker${s === 's1' ? ` && echo ${markers.keep} > /keep/marker` : ''}`;
      const r = await engine.exec(name, { cmd: ['sh', '-c', script] });
      if (r.exitCode !== 0) throw new Error(`marking ${name}: ${r.stderr}`);
      const c = await engine.inspectContainer(name);
      volumes[s] = c.mounts.find((m) => m.destination === '/data')?.name ?? '';
    }),
  );
  return { markers, volumes };
}

/** Remove the project (by label) and every anonymous volume its containers had. */
export async function removeStack(engine: Engine, project: string, ledger?: VolumeLedger): Promise<void> {
  const list = await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } });
  const anon = new Set([...(ledger?.anonymous ?? []), ...list.flatMap((c) => c.mounts.filter((m) => m.name !== undefined && ANON.test(m.name)).map((m) => m.name!))]);
  await Promise.all(list.map((c) => engine.removeContainer(c.id, { force: true, volumes: true }).catch(() => undefined)));
  const [nets, vols] = await Promise.all([engine.listNetworks({ labels: { [PROJECT_LABEL]: project } }), engine.listVolumes({ labels: { [PROJECT_LABEL]: project } })]);
  await Promise.all([...nets.map((n) => engine.removeNetwork(n.id).catch(() => undefined)), ...vols.map((v) => engine.removeVolume(v.name, { force: true }).catch(() => undefined))]);
  await Promise.all([...anon].map((v) => engine.removeVolume(v, { force: true }).catch(() => undefined)));
}

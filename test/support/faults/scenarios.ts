/**
 * The fault campaign's scenarios (issue 15), shared by `npm run faults` (scripts/faults.ts, many
 * trials) and test/e2e/faults.test.ts (a few): the built tsfig in child processes against a real
 * engine, a fault in the middle, then one more `up`, and the invariants of stack.ts.
 *
 * Each scenario returns a row: trials, how many converged (the faulted run itself, or the `up`
 * after it), how many failed with one line per failed call (the proxy's rounds), violations.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Engine } from '../../../src/engine/engine.js';
import { connect, resolveEndpoint } from '../../../src/engine/connect.js';
import { uniqueProject } from '../../e2e/support/harness.js';
import { ROOT, spawnTsfig, type Child } from '../../e2e/support/stack.js';
import { seededRandom, startFaultProxy } from '../fault-proxy.js';
import { markStack, removeStack, stackDir, violations, VolumeLedger, writeStack } from './stack.js';

export interface Row {
  scenario: string;
  trials: number;
  converged: number;
  failedOneLine: number;
  violations: number;
  /** The first violations seen, for the report. */
  notes: string[];
}

export interface Campaign {
  /** The engine of the kill, proxy and concurrency scenarios (tsfig reaches it at `endpoint`). */
  engine: Engine;
  endpoint: string;
  seed: number;
  services: number;
  /** A line of progress (stderr). */
  log: (line: string) => void;
}

export const newRow = (scenario: string): Row => ({ scenario, trials: 0, converged: 0, failedOneLine: 0, violations: 0, notes: [] });

export function violated(row: Row, what: string[]): void {
  row.violations++;
  if (row.notes.length < 6) row.notes.push(`trial ${row.trials}: ${what.slice(0, 3).join('; ')}`);
}

/** A seed of its own per scenario, from the campaign's. */
export function rngFor(c: Pick<Campaign, 'seed'>, scenario: string): () => number {
  let h = c.seed >>> 0;
  for (const ch of scenario) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return seededRandom(h);
}

function tsfigChild(c: Campaign, dir: string, project: string, args: string[], endpoint = c.endpoint, env: Record<string, string> = {}): Child {
  return spawnTsfig(dir, project, args, { DOCKER_HOST: endpoint, ...env });
}

async function tsfigRun(c: Campaign, dir: string, project: string, args: string[], endpoint = c.endpoint): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return tsfigChild(c, dir, project, args, endpoint).done;
}

const lastLine = (s: string): string => s.trim().split('\n').at(-1) ?? '';

/** What a failed run said about its failure: its error lines (else its last line), joined. */
export const failureLines = (s: string): string => {
  const errs = s.split('\n').filter((l) => /Error: |^error: /.test(l));
  return errs.length ? errs.slice(0, 3).join(' | ') : lastLine(s);
};

/** The next `up` would change nothing: `plan` says so. */
async function noopViolations(c: Campaign, dir: string, project: string, endpoint = c.endpoint): Promise<string[]> {
  const r = await tsfigRun(c, dir, project, ['plan'], endpoint);
  const text = `${r.stdout}${r.stderr}`;
  return r.code === 0 && text.includes('nothing to do') ? [] : [`plan after recovery not empty: ${text.trim().split('\n').slice(0, 2).join(' | ')}`];
}

/** `up -d` that must exit 0 (a recovery, a clean run). */
async function mustUp(c: Campaign, dir: string, project: string, endpoint = c.endpoint): Promise<string[]> {
  const r = await tsfigRun(c, dir, project, ['up', '-d'], endpoint);
  return r.code === 0 ? [] : [`up exited ${r.code}: ${failureLines(r.stderr)}`];
}

/** How long one `up -d` of the stack takes here (from nothing, or a recreate of every service). */
async function measureUp(c: Campaign, kind: 'create' | 'recreate'): Promise<number> {
  const project = uniqueProject('faults-measure');
  const dir = stackDir(c.services, 1);
  try {
    if (kind === 'recreate') {
      await mustUp(c, dir, project);
      writeStack(dir, c.services, 2);
    }
    const t0 = Date.now();
    const errs = await mustUp(c, dir, project);
    if (errs.length) throw new Error(`measuring up: ${errs[0]}`);
    return Date.now() - t0;
  } finally {
    await removeStack(c.engine, project);
  }
}

const delay = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/**
 * kill -9 of `up -d` at a uniformly random time of its run: from nothing (a fresh project per
 * trial), or during a recreate of every service (one project, the generation changed per
 * trial, markers written into every volume before). Then `up -d`, the invariants, `plan` empty.
 */
export async function killTrials(c: Campaign, kind: 'create' | 'recreate', trials: number): Promise<Row> {
  const row = newRow(kind === 'create' ? `kill -9 during up from nothing (${c.services} services)` : `kill -9 during recreate of ${c.services} services`);
  const rng = rngFor(c, row.scenario);
  const span = await measureUp(c, kind);
  c.log(`${row.scenario}: one up takes ${span} ms here; killing at uniform times in [0, ${span})`);
  let project = uniqueProject('faults-kill');
  let dir = stackDir(c.services, 1);
  let ledger = await new VolumeLedger(c.engine, project).start();
  let gen = 1;
  let landed = 0;
  try {
    if (kind === 'recreate') {
      const errs = await mustUp(c, dir, project);
      if (errs.length) throw new Error(`the first up of the recreate trials failed: ${errs[0]}`);
    }
    for (let t = 0; t < trials; t++) {
      row.trials++;
      let marks: Awaited<ReturnType<typeof markStack>> | undefined;
      if (kind === 'recreate') {
        marks = await markStack(c.engine, project, c.services, `t${t}`);
        gen++;
        writeStack(dir, c.services, gen);
      }
      const at = Math.floor(rng() * span);
      const child = tsfigChild(c, dir, project, ['up', '-d']);
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), at);
      const r = await child.done;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') landed++;
      const v = [...(await mustUp(c, dir, project))];
      v.push(...(await violations(c.engine, project, { services: c.services, gen, ...(marks ?? {}) }, ledger)));
      v.push(...(await noopViolations(c, dir, project)));
      if (v.length) violated(row, [`killed at ${at} ms`, ...v]);
      else row.converged++;
      if (kind === 'create' || v.length) {
        // A fresh project for the next trial (and after a violation, so one does not carry over).
        await ledger.stop();
        await removeStack(c.engine, project, ledger);
        project = uniqueProject('faults-kill');
        if (kind === 'recreate') {
          dir = stackDir(c.services, gen);
          ledger = await new VolumeLedger(c.engine, project).start();
          const errs = await mustUp(c, dir, project);
          if (errs.length) throw new Error(`the up of a fresh project failed: ${errs[0]}`);
        } else ledger = await new VolumeLedger(c.engine, project).start();
      }
      c.log(`${row.scenario}: trial ${t + 1}/${trials}: killed at ${at} ms${r.signal === 'SIGKILL' ? '' : ' (it had finished)'}: ${v.length ? `VIOLATION ${v[0]}` : 'converged'}`);
    }
  } finally {
    await ledger.stop();
    await removeStack(c.engine, project, ledger);
  }
  row.notes.unshift(`kill landed before the up finished in ${landed} of ${row.trials}`);
  return row;
}

/**
 * A faulted run's stderr is what the user should see when it fails: one line per failed call,
 * naming it (a progress line `Container x  Error: ...`, one `error: ...` line, or the command's
 * one-line failure naming the engine or the call: `list networks: ...`), no stack, at most one
 * `error:` line. Returns what is wrong with it, or nothing.
 */
export function failureOutputProblems(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const out: string[] = [];
  if (lines.some((l) => /^\s+at .*[:(]/.test(l))) out.push('a stack trace');
  const named = (l: string) =>
    /^(Container|Network|Volume|Image) \S+\s+Error: /.test(l) || /^error: /.test(l) || /(?:cannot reach the |^)Docker engine at \S+/.test(l) || /^(version|(list|inspect) [a-z ]+): /.test(l);
  if (!lines.some(named)) out.push(`no line names what failed (last: ${lastLine(stderr)})`);
  const errorLines = lines.filter((l) => /^error: /.test(l));
  if (errorLines.length > 1) out.push(`${errorLines.length} error: lines: ${errorLines.map((l) => l.slice(0, 200)).join(' | ')}`);
  return out;
}

/**
 * Rounds of `up -d` through the fault proxy (a share of the engine calls delayed, reset,
 * answered 500, or cut short), alternating generations (the first from nothing, then recreates).
 * Each faulted up converges, or fails with one line per failed call; the next clean `up`
 * converges; a canary container, volume and network without tsfig labels are never touched.
 */
export async function proxyRounds(c: Campaign, rounds: number, share: number, socketPath: string): Promise<Row> {
  const row = newRow(`fault proxy, ${Math.round(share * 100)}% of calls faulted`);
  const proxy = await startFaultProxy({ target: socketPath, listen: join('/tmp', `tsfig-faults-${process.pid}-${c.seed}.sock`), seed: c.seed, share, delayMs: 800 });
  const via = `unix://${proxy.path}`;
  const project = uniqueProject('faults-proxy');
  const dir = stackDir(c.services, 1);
  const tag = `tsfig-faults-canary-${process.pid}-${Date.now().toString(36)}`;
  const ledger = await new VolumeLedger(c.engine, project).start();
  const canary = await c.engine.createContainer(tag, { Image: 'busybox', Cmd: ['sleep', '86400'] });
  await c.engine.startContainer(canary.id);
  await c.engine.createVolume({ Name: tag });
  const net = await c.engine.createNetwork({ Name: tag });
  try {
    for (let t = 0; t < rounds; t++) {
      row.trials++;
      writeStack(dir, c.services, t + 1);
      const r = await tsfigRun(c, dir, project, ['up', '-d'], via);
      const v: string[] = [];
      let outcome: 'converged' | 'failed' = 'failed';
      if (r.code === 0) {
        const after = await violations(c.engine, project, { services: c.services, gen: t + 1 });
        if (after.length) v.push(`faulted up exited 0 but: ${after[0]}`);
        else outcome = 'converged';
      } else v.push(...failureOutputProblems(r.stderr).map((p) => `faulted up exited ${r.code} with ${p}`));
      v.push(...(await mustUp(c, dir, project)));
      v.push(...(await violations(c.engine, project, { services: c.services, gen: t + 1 }, ledger)));
      v.push(...(await noopViolations(c, dir, project)));
      const ci = await c.engine.inspectContainer(canary.id).catch(() => undefined);
      if (!ci?.state.running) v.push('the canary container was touched');
      if (!(await c.engine.listVolumes()).some((x) => x.name === tag)) v.push('the canary volume was removed');
      if (!(await c.engine.listNetworks()).some((x) => x.id === net.id)) v.push('the canary network was removed');
      if (v.length) violated(row, v);
      else if (outcome === 'converged') row.converged++;
      else row.failedOneLine++;
      c.log(`${row.scenario}: round ${t + 1}/${rounds}: exit ${r.code}${r.code === 0 ? '' : ` (${failureLines(r.stderr)})`}: ${v.length ? `VIOLATION ${v[0]}` : 'ok'}`);
    }
  } finally {
    await proxy.close();
    await ledger.stop();
    await removeStack(c.engine, project, ledger);
    await c.engine.removeContainer(canary.id, { force: true }).catch(() => undefined);
    await c.engine.removeVolume(tag, { force: true }).catch(() => undefined);
    await c.engine.removeNetwork(net.id).catch(() => undefined);
  }
  const f = proxy.faults();
  row.notes.unshift(`${proxy.calls.length} calls, faults: ${f.delay} delays, ${f.reset} resets, ${f['500']} 500s, ${f.truncate} truncated`);
  return row;
}

/** Run `bash scripts/<script> ARGS...` (root), failing with its stderr's last lines. */
export function script(name: string, args: string[], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', [join(ROOT, 'scripts', name), ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${name} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : resolve(stdout),
    ),
  );
}

export const FAULT_ENDPOINT = 'unix:///run/tsfig-fault.sock';

/** The fault engine (scripts/fault-engine.sh), started when it is not, and a client of it. */
export async function faultEngine(): Promise<Engine> {
  await script('fault-engine.sh', ['up']);
  return connect(resolveEndpoint({ env: { DOCKER_HOST: FAULT_ENDPOINT } }));
}

/** The raw shutdown errors an interrupted up used to print, one per step (issue 15, item 2). */
const RAW_SHUTDOWN = /transport is closing|database not open|client connection is closing|failed to update (?:the )?store/;

/**
 * The engine restarted 1 to 4 s into `up -d` of the stack (the fault engine, never the
 * machine's): the interrupted up says once that the engine went away (or finished first); the
 * next `up` converges (stale tasks replaced) and the one after has nothing to do.
 */
export async function restartTrials(c: Campaign, trials: number): Promise<Row> {
  const row = newRow(`engine restarted 1-4 s into up of ${c.services} services`);
  const rng = rngFor(c, row.scenario);
  const engine = await faultEngine();
  const fc: Campaign = { ...c, engine, endpoint: FAULT_ENDPOINT };
  let interrupted = 0;
  const engineCases: string[] = [];
  for (let t = 0; t < trials; t++) {
    row.trials++;
    const project = uniqueProject('faults-restart');
    const dir = stackDir(c.services, 1);
    const at = 1000 + Math.floor(rng() * 3000);
    const v: string[] = [];
    try {
      const child = tsfigChild(fc, dir, project, ['up', '-d']);
      await delay(at);
      await script('fault-engine.sh', ['restart']);
      const r = await child.done;
      if (r.code !== 0) {
        interrupted++;
        // Once, naming the endpoint: `... went away during this run (at <call>)`, or, when it was
        // already gone at a list, `cannot reach the Docker engine at <endpoint>: ...`.
        const gone = r.stderr.split('\n').filter((l) => l.includes('went away') || l.startsWith(`cannot reach the Docker engine at ${FAULT_ENDPOINT}`));
        if (gone.length !== 1 || !gone[0]!.includes(FAULT_ENDPOINT)) v.push(`interrupted up (exit ${r.code}) said ${gone.length} times that the engine went away: ${failureLines(r.stderr)}`);
        const raw = r.stderr.split('\n').filter((l) => !l.includes('went away') && RAW_SHUTDOWN.test(l));
        if (raw.length) v.push(`${raw.length} raw engine lines: ${raw[0]}`);
      }
      v.push(...(await mustUp(fc, dir, project)));
      v.push(...(await violations(engine, project, { services: c.services, gen: 1 }, undefined, engineCases)));
      v.push(...(await noopViolations(fc, dir, project)));
    } catch (err) {
      v.push(err instanceof Error ? err.message : String(err));
    } finally {
      await removeStack(engine, project).catch(() => undefined);
    }
    if (v.length) violated(row, [`restart at ${at} ms`, ...v]);
    else row.converged++;
    c.log(`${row.scenario}: trial ${t + 1}/${trials}: restart at ${at} ms: ${v.length ? `VIOLATION ${v[0]}` : 'converged'}`);
  }
  row.notes.unshift(`the restart interrupted the up in ${interrupted} of ${row.trials}`);
  // Counted as converged (tsfig's state is right; the engine cannot enter a container it runs), and said.
  if (engineCases.length) row.notes.push(`the engine's case (not tsfig's), ${engineCases.length}: ${engineCases[0]}`);
  return row;
}

/**
 * Concurrency, per round on a fresh project: five `up -d` at once (all exit 0, converged);
 * `down` started while an `up` runs and `up` while a `down` runs (both exit 0; the end state
 * is all up or all gone, never half; the next `up` converges).
 */
export async function concurrencyRounds(c: Campaign, kind: 'five-ups' | 'up-during-down' | 'down-during-up', rounds: number): Promise<Row> {
  const titles = { 'five-ups': 'five up at once', 'up-during-down': 'up during down', 'down-during-up': 'down during up' };
  const row = newRow(`${titles[kind]} (${c.services} services)`);
  const rng = rngFor(c, row.scenario);
  const span = kind === 'five-ups' ? 0 : await measureUp(c, 'create');
  for (let t = 0; t < rounds; t++) {
    row.trials++;
    const project = uniqueProject('faults-conc');
    const dir = stackDir(c.services, 1);
    const ledger = await new VolumeLedger(c.engine, project).start();
    const v: string[] = [];
    try {
      if (kind === 'five-ups') {
        const rs = await Promise.all(Array.from({ length: 5 }, () => tsfigRun(c, dir, project, ['up', '-d'])));
        for (const r of rs) if (r.code !== 0) v.push(`an up exited ${r.code}: ${failureLines(r.stderr)}`);
        v.push(...(await violations(c.engine, project, { services: c.services, gen: 1 }, ledger)));
      } else {
        if (kind === 'up-during-down') v.push(...(await mustUp(c, dir, project)));
        const [first, second] = kind === 'up-during-down' ? (['down', 'up'] as const) : (['up', 'down'] as const);
        // down -v: the anonymous volumes go with the containers (plain down keeps them, as compose does).
        const args = (w: 'up' | 'down') => (w === 'up' ? ['up', '-d'] : ['down', '-v']);
        const a = tsfigChild(c, dir, project, args(first));
        await delay(Math.floor(rng() * span));
        const b = tsfigChild(c, dir, project, args(second));
        const [ra, rb] = await Promise.all([a.done, b.done]);
        if (ra.code !== 0) v.push(`${first} exited ${ra.code}: ${failureLines(ra.stderr)}`);
        if (rb.code !== 0) v.push(`${second} exited ${rb.code}: ${failureLines(rb.stderr)}`);
        const left = await c.engine.listContainers({ all: true, labels: { 'io.tsfig.project': project } });
        const nets = await c.engine.listNetworks({ labels: { 'io.tsfig.project': project } });
        if (left.length === 0 && nets.length === 0) {
          // All gone: the down ran last.
        } else {
          const half = await violations(c.engine, project, { services: c.services, gen: 1 });
          if (half.length) v.push(`neither all up nor all gone: ${half[0]}`);
        }
        v.push(...(await mustUp(c, dir, project)));
        v.push(...(await violations(c.engine, project, { services: c.services, gen: 1 }, ledger)));
      }
      v.push(...(await noopViolations(c, dir, project)));
    } finally {
      await ledger.stop();
      await removeStack(c.engine, project, ledger);
    }
    if (v.length) violated(row, v);
    else row.converged++;
    c.log(`${row.scenario}: round ${t + 1}/${rounds}: ${v.length ? `VIOLATION ${v[0]}` : 'converged'}`);
  }
  return row;
}

/** The figures as a table. */
export function table(rows: Row[]): string {
  const head = ['scenario', 'trials', 'converged', 'failed, one line', 'violations'];
  const body = rows.map((r) => [r.scenario, String(r.trials), String(r.converged), String(r.failedOneLine), String(r.violations)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

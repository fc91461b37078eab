/**
 * npm run faults: the fault campaign of issue 15 against the real engine, with the built tsfig
 * (npm run build first). Prints a table: scenario, trials, converged, failed with one line,
 * violations (see docs/RELIABILITY.md for the method and the last figures).
 *
 *   FAULTS_TRIALS   kill -9 trials per kind (default 200)
 *   FAULTS_ROUNDS   rounds of each concurrency scenario (default 20)
 *   FAULTS_PROXY    fault-proxy rounds (default 20); FAULTS_SHARE: share of calls faulted (default 0.05)
 *   FAULTS_RESTARTS engine-restart trials (default 20; needs root: scripts/fault-engine.sh)
 *   FAULTS_CUTS     trials of host 3 of the multi-host rig cut off mid-up (default 10; needs root:
 *                   scripts/hosts.sh, left up); FAULTS_PER_HOST: services per host (default 4)
 *   FAULTS_SERVICES services in the stack (default 30)
 *   FAULTS_SEED     the seed (default: from the clock; printed)
 *   FAULTS_ONLY     comma-separated, run in that order: kill-create, kill-recreate, proxy, restart, cutoff, five-ups, up-during-down, down-during-up
 */
import { existsSync } from 'node:fs';
import { engineFromEnv, requireEngine } from '../test/e2e/support/harness.js';
import { BIN } from '../test/e2e/support/stack.js';
import { cutoffTrials } from '../test/support/faults/cutoff.js';
import { concurrencyRounds, killTrials, proxyRounds, restartTrials, table, type Campaign, type Row } from '../test/support/faults/scenarios.js';

const num = (name: string, dflt: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: not a number`);
  return n;
};

async function main(): Promise<number> {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: npm run build first`);
  const engine = engineFromEnv();
  await requireEngine(engine);
  const seed = num('FAULTS_SEED', Date.now() % 2 ** 31);
  const trials = num('FAULTS_TRIALS', 200);
  const rounds = num('FAULTS_ROUNDS', 20);
  const only = new Set((process.env.FAULTS_ONLY ?? '').split(',').filter(Boolean));
  const endpoint = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const socket = endpoint.replace(/^unix:\/\//, '');
  const c: Campaign = { engine, endpoint, seed, services: num('FAULTS_SERVICES', 30), log: (l) => process.stderr.write(`faults: ${l}\n`) };
  process.stdout.write(`fault campaign: seed ${seed}, ${c.services} services, ${new Date().toISOString()}\n`);
  const rows: Row[] = [];
  const step = async (_name: string, f: () => Promise<Row>) => {
    const t0 = Date.now();
    const row = await f();
    rows.push(row);
    process.stdout.write(`${row.scenario}: ${row.trials} trials in ${Math.round((Date.now() - t0) / 1000)} s${row.notes.length ? `\n  ${row.notes.join('\n  ')}` : ''}\n`);
  };
  const scenarios: Record<string, () => Promise<Row>> = {
    'kill-create': () => killTrials(c, 'create', trials),
    'kill-recreate': () => killTrials(c, 'recreate', trials),
    proxy: () => proxyRounds(c, num('FAULTS_PROXY', 20), num('FAULTS_SHARE', 0.05), socket),
    restart: () => restartTrials({ ...c, services: c.services }, num('FAULTS_RESTARTS', 20)),
    cutoff: () => cutoffTrials({ seed, perHost: num('FAULTS_PER_HOST', 4), log: c.log }, num('FAULTS_CUTS', 10)),
    'five-ups': () => concurrencyRounds(c, 'five-ups', rounds),
    'up-during-down': () => concurrencyRounds(c, 'up-during-down', rounds),
    'down-during-up': () => concurrencyRounds(c, 'down-during-up', rounds),
  };
  // FAULTS_ONLY's order when given, else this one.
  const order = only.size ? [...only] : Object.keys(scenarios);
  for (const name of order) {
    const f = scenarios[name];
    if (!f) throw new Error(`FAULTS_ONLY: no scenario ${name} (${Object.keys(scenarios).join(', ')})`);
    await step(name, f);
  }
  process.stdout.write(`\n${table(rows)}\n\nseed ${seed}\n`);
  return rows.some((r) => r.violations > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`faults: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);

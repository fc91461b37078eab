/**
 * Benchmarks, side by side in one run: tsfig, docker compose (when installed) and the raw
 * engine floor (the same containers made with direct API calls).
 *
 * Until the reconciler lands, this measures the loader only: the time `tsfig config -q`
 * takes on each example stack. What it will measure next: `up` from nothing, a no-op `up`
 * (one list call per resource kind), `up` after a one-service change, `down`, and for
 * `watch` the latency from a file write to the file being readable in the container.
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';

const { main } = await import('../src/cli/main.js');
const root = resolve(import.meta.dirname, '..');
const stacks = ['examples/fig-flat', 'examples/web-cache-worker', 'examples/extends', '.'];
const runs = Number(process.env.BENCH_RUNS ?? 50);

console.log(`loader: tsfig config -q, ${runs} runs per stack (in-process; the first run includes schema compilation)`);
for (const stack of stacks) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const code = await main(['node', 'tsfig', 'config', '-q'], { cwd: resolve(root, stack), env: { ...process.env }, stdout: () => {}, stderr: () => {} });
    times.push(performance.now() - t0);
    if (code !== 0) throw new Error(`${stack}: config -q failed`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  console.log(`  ${stack.padEnd(28)} first ${times[0]!.toFixed(1)} ms  p50 ${p(0.5)} ms  p95 ${p(0.95)} ms`);
}
console.log('engine benchmarks (up/no-op up/down vs docker compose and the API floor) arrive with the reconciler');

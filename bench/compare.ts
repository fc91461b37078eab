/**
 * Two builds of tsfig side by side in one run: `node --import tsx bench/compare.ts A B`, where A
 * and B are checkouts with a built `dist/` (`npm run build` in each). Used to show that a change
 * did not make the no-op path slower (issue 13: "no-op up before and after, side by side").
 *
 *   BENCH_N     services in the generated project (default 10)
 *   BENCH_RUNS  repetitions (default 15)
 *
 * Each build gets its own project (labels differ if the config hash changed between builds);
 * repetitions alternate A and B so drift of the machine spreads over both columns. Everything
 * the run made is removed at the end with each build's own `down`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const [a, b] = process.argv.slice(2).map((p) => resolve(p));
if (!a || !b) {
  process.stderr.write('usage: node --import tsx bench/compare.ts CHECKOUT_A CHECKOUT_B\n');
  process.exit(2);
}
const n = Number(process.env.BENCH_N ?? 10) || 10;
const runs = Number(process.env.BENCH_RUNS ?? 15) || 15;
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-compare-'));

function project(name: string): void {
  const services = Array.from({ length: n }, (_, i) => `  s${i}:\n    image: busybox:latest\n    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]\n`).join('');
  writeFileSync(join(tmp, `${name}.yml`), `name: ${name}\nservices:\n${services}`);
}

function run(checkout: string, file: string, args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(checkout, 'bin/tsfig.js'), '-f', file, ...args], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(performance.now() - t0) : fail(new Error(`${checkout} ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

const sides = [
  { label: 'A', checkout: a, file: join(tmp, 'bench-cmp-a.yml'), noop: [] as number[], ps: [] as number[] },
  { label: 'B', checkout: b, file: join(tmp, 'bench-cmp-b.yml'), noop: [] as number[], ps: [] as number[] },
];
project('bench-cmp-a');
project('bench-cmp-b');
try {
  for (const s of sides) await run(s.checkout, s.file, ['up', '-d']);
  for (let i = 0; i < runs; i++) {
    for (const s of i % 2 ? [...sides].reverse() : sides) {
      s.noop.push(await run(s.checkout, s.file, ['up', '-d']));
      s.ps.push(await run(s.checkout, s.file, ['ps']));
    }
  }
  const [A, B] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const row = (what: string, x: number[], y: number[]) =>
    `| ${what} | ${median(x).toFixed(0)} (min ${Math.min(...x).toFixed(0)}) | ${median(y).toFixed(0)} (min ${Math.min(...y).toFixed(0)}) | ${(median(y) / median(x)).toFixed(2)} |`;
  process.stdout.write(
    [
      `${n} services, ${runs} runs each, alternating; load ${loadavg()[0]!.toFixed(1)}; median ms`,
      `A = ${a}`,
      `B = ${b}`,
      '',
      '| command | A | B | B/A |',
      '|---|---|---|---|',
      row('no-op up -d', A.noop, B.noop),
      row('ps', A.ps, B.ps),
      '',
    ].join('\n'),
  );
} finally {
  for (const s of sides) await run(s.checkout, s.file, ['down']).catch((e: Error) => process.stderr.write(`${e.message}\n`));
  rmSync(tmp, { recursive: true, force: true });
}

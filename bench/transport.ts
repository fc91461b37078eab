/**
 * Which request path engine/ uses, by start-up cost: the time from a fresh `node` process to
 * the first answer (load the client, connect, `GET /containers/json`), which is most of a no-op
 * `tsfig up` or `tsfig ps`.
 *
 *   node --import tsx bench/transport.ts      (BENCH_RUNS repetitions, default 20)
 *
 * Child programs, bundled with esbuild the way scripts/bundle.mjs bundles the CLI
 * (dockerode external, loaded from node_modules as the CLI loads it):
 * - `node`:      an empty program (the floor: Node's own start-up);
 * - `http`:      src/engine/http.ts's client over the endpoint (its plain reads go over rawget.ts);
 * - `node-http`: node:http's own `get`, as http.ts made plain reads before rawget.ts;
 * - `http-4`, `node-http-4`: the four reads of a no-op `up` in parallel, through each;
 * - `dockerode`: dockerode (docker-modem) over the same endpoint.
 * Runs alternate between the three so that drift of a shared machine spreads over all columns.
 * Uses the default endpoint (DOCKER_HOST or /var/run/docker.sock); only reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 20) || 20);
const tmp = mkdtempSync(join(tmpdir(), 'tsfig-bench-transport-'));

const programs: Record<string, string> = {
  node: '',
  http: `
import { jsonClient } from ${JSON.stringify(join(root, 'src/engine/http.ts'))};
import { resolveEndpoint } from ${JSON.stringify(join(root, 'src/engine/connect.ts'))};
const ep = resolveEndpoint({ env: process.env });
const list = await jsonClient(ep).get('/containers/json', { all: '1' });
if (!Array.isArray(list)) throw new Error('no list');
`,
  // node:http itself, as http.ts made plain reads before rawget.ts (issue 16).
  'node-http': `
import { get } from 'node:http';
import { resolveEndpoint } from ${JSON.stringify(join(root, 'src/engine/connect.ts'))};
const ep = resolveEndpoint({ env: process.env });
const list = await new Promise((resolve, reject) => {
  get({ ...(ep.socketPath ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }), path: '/containers/json?all=1', headers: { Host: 'docker' } }, (res) => {
    const parts = [];
    res.on('data', (d) => parts.push(d));
    res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))));
    res.on('error', reject);
  }).on('error', reject);
});
if (!Array.isArray(list)) throw new Error('no list');
`,
  // The four reads of a no-op \`up\`, in parallel: tsfig's client, then node:http.
  'http-4': `
import { jsonClient } from ${JSON.stringify(join(root, 'src/engine/http.ts'))};
import { resolveEndpoint } from ${JSON.stringify(join(root, 'src/engine/connect.ts'))};
const c = jsonClient(resolveEndpoint({ env: process.env }));
const lists = await Promise.all(['/containers/json', '/networks', '/volumes', '/images/json'].map((p) => c.get(p)));
if (!lists.every((l) => l !== null && typeof l === 'object')) throw new Error('no list');
`,
  'node-http-4': `
import { get } from 'node:http';
import { resolveEndpoint } from ${JSON.stringify(join(root, 'src/engine/connect.ts'))};
const ep = resolveEndpoint({ env: process.env });
const read = (path) => new Promise((resolve, reject) => {
  get({ ...(ep.socketPath ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }), path, headers: { Host: 'docker' } }, (res) => {
    const parts = [];
    res.on('data', (d) => parts.push(d));
    res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))));
    res.on('error', reject);
  }).on('error', reject);
});
const lists = await Promise.all(['/containers/json', '/networks', '/volumes', '/images/json'].map(read));
if (!lists.every((l) => l !== null && typeof l === 'object')) throw new Error('no list');
`,
  dockerode: `
import { createRequire } from 'node:module';
import { resolveEndpoint } from ${JSON.stringify(join(root, 'src/engine/connect.ts'))};
const ep = resolveEndpoint({ env: process.env });
const Docker = createRequire(${JSON.stringify(join(root, 'package.json'))})('dockerode');
const list = await new Docker({ socketPath: ep.socketPath, host: ep.host, port: ep.port }).listContainers({ all: true });
if (!Array.isArray(list)) throw new Error('no list');
`,
};

async function bundle(name: string, source: string): Promise<string> {
  const entry = join(tmp, `${name}.ts`);
  writeFileSync(entry, source);
  const out = join(tmp, `${name}.mjs`);
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: out, external: ['dockerode'], logLevel: 'warning' });
  return out;
}

function stats(xs: number[]): { mean: number; median: number; min: number; sd: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, median: s[Math.floor(s.length / 2)]!, min: s[0]!, sd };
}

try {
  const files: Record<string, string> = {};
  for (const [name, src] of Object.entries(programs)) files[name] = await bundle(name, src);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
  // One warm-up each (file cache), not counted.
  for (const f of Object.values(files)) spawnSync(process.execPath, [f], { stdio: 'ignore' });
  for (let i = 0; i < runs; i++) {
    for (const [name, f] of Object.entries(files)) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [f], { stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr.toString().trim()}`);
      times[name]!.push(ms);
    }
  }
  const floor = stats(times.node!).mean;
  console.log(`time to first answer from a fresh node process (${runs} runs each, ms)`);
  console.log('path           mean  median     min      sd  over node');
  for (const [name, xs] of Object.entries(times)) {
    const s = stats(xs);
    const f = (n: number) => n.toFixed(1).padStart(7);
    console.log(`${name.padEnd(12)} ${f(s.mean)} ${f(s.median)} ${f(s.min)} ${f(s.sd)}  ${name === 'node' ? '      -' : f(s.mean - floor)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * Hostile project files (issue 15): property-based generation (fast-check) of project files
 * around the Compose Specification, and mutations of the real-world corpus. Whatever the input,
 * the loader
 * - never throws: every problem is a diagnostic, one line, with file:line:col when it is about
 *   the content of a file;
 * - never takes more than a second of CPU per file, nor more than 200 MB of heap over a batch;
 * - never prints a value from an env file (`.env`, `env_file:`) in a diagnostic: canaries there.
 *
 * The corpus is `$TSFIG_CORPUS`, else `../shared/corpus` beside the repository, else the
 * repository's own examples. fast-check prints the seed and the shrunk input of a failure;
 * replay one with FC_SEED=<seed> (and FC_PATH=<path>).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadProject, type LoadResult } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/model/diagnostic.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const replay = { ...(SEED !== undefined ? { seed: SEED } : {}), ...(process.env.FC_PATH !== undefined ? { path: process.env.FC_PATH } : {}) };

/** Canary values, one per place a secret can come from; their core must never be printed. */
const CORE = 'QXJ7K2WZ';
const CANARY = { dotenv: `dotenv-${CORE}-a`, envFile: `envfile-${CORE}-b`, secretFile: `secretfile-${CORE}-c` };
const ENV_FILE_TEXT = `API_TOKEN=${CANARY.envFile}\nexport OTHER="${CANARY.envFile}"\nQUOTED='${CANARY.envFile} x'\n`;
const DOTENV_TEXT = `SECRET=${CANARY.dotenv}\nPORT=${CANARY.dotenv}:80\nMEM=${CANARY.dotenv}m\n`;

const MAX_CPU_MS = 1000;
/** More runs (FC_RUNS) for a hunt get the time they need. */
const TIMEOUT = Math.max(120_000, Number(process.env.FC_RUNS ?? 0) * 150);
const MAX_HEAP_BYTES = 200 * 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), 'tsfig-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Measure {
  files: number;
  maxCpuMs: number;
  heapBase: number;
  heapPeak: number;
}
const measure: Measure = { files: 0, maxCpuMs: 0, heapBase: process.memoryUsage().heapUsed, heapPeak: 0 };

/** Load, and check what holds for every input. */
function loadChecked(opts: Parameters<typeof loadProject>[0], what: string): LoadResult {
  const cpu0 = process.cpuUsage();
  let r: LoadResult;
  try {
    r = loadProject(opts);
  } catch (err) {
    throw new Error(`the loader threw on ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  measure.files++;
  measure.maxCpuMs = Math.max(measure.maxCpuMs, ms);
  measure.heapPeak = Math.max(measure.heapPeak, process.memoryUsage().heapUsed);
  expect(ms, `CPU time on ${what}`).toBeLessThan(MAX_CPU_MS);
  for (const d of r.diagnostics) {
    const line = formatDiagnostic(d);
    expect(line, `one line: ${what}`).not.toMatch(/[\r\n]/);
    expect(line, `a canary in a diagnostic: ${what}`).not.toContain(CORE);
    if (d.loc) {
      expect(d.loc.line, line).toBeGreaterThanOrEqual(1);
      expect(d.loc.col, line).toBeGreaterThanOrEqual(1);
      expect(line.startsWith(`${d.loc.file}:${d.loc.line}:${d.loc.col}: `), line).toBe(true);
    } else if (d.severity === 'error') {
      // Without a position only what concerns no file's content (nothing found, an option).
      expect(['NO_PROJECT_FILE', 'FILE_NOT_FOUND'], line).toContain(d.code);
    }
  }
  return r;
}

// ------------------------------------------------------------------ generated projects

const SERVICE_KEYS = [
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'volumes_from',
  'depends_on', 'links', 'external_links', 'extends', 'networks', 'network_mode', 'healthcheck', 'deploy', 'secrets',
  'configs', 'labels', 'label_file', 'ulimits', 'logging', 'restart', 'mem_limit', 'memswap_limit', 'cpus', 'cpu_shares', 'shm_size',
  'stop_grace_period', 'stop_signal', 'user', 'working_dir', 'container_name', 'hostname', 'dns', 'extra_hosts', 'tmpfs',
  'devices', 'cap_add', 'privileged', 'pull_policy', 'platform', 'profiles', 'scale', 'sysctls', 'ipc', 'pid', 'init',
  'tty', 'stdin_open', 'develop', 'x-extra', 'net', 'dockerfile', 'hosts', 'host', 'blkio_config', 'storage_opt',
];
const TOP_KEYS = ['services', 'networks', 'volumes', 'secrets', 'configs', 'include', 'name', 'version', 'x-any', 'hosts'];
const FILES = ['fig.yml', 'a.yml', 'sub/b.yml', 'c.yml'];

const interpolated = fc.constantFrom(
  '${SECRET}', '$SECRET', '${SECRET:-d}', '${SECRET-d}', '${SECRET:?need it}', '${SECRET?x}', '${SECRET:+alt}', '${UNSET:?${SECRET}}',
  '${UNSET:-${SECRET}}', '${UNSET:-$${SECRET}}', '$$SECRET', '${', '$', '${SECRET', '${}', '${:-x}', '${1BAD}', '${SECRET:?}',
  '${PORT}', '${MEM}', '${API_TOKEN}', '${UNSET:?${UNSET2:?${SECRET}}}', '${SECRET:0:3}', '${SECRET/a/b}', '${SECRET^^}',
);
const scalarText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), interpolated, fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('80:80', '1.5', '-1', '0x10', '1e400', '10m', '1h2m', 'always', 'no', 'host', 'service:s0', 'container:x', './data:/data:ro', '~/x:/y', 'NaN', 'null', '~', '.inf', '1_000', '0o17', '22:22', 'yes') },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)) },
);
const scalar = fc.oneof(scalarText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(Number));
const anyKey = fc.oneof(fc.constantFrom(...SERVICE_KEYS), fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '<<', ''));

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 4 }),
  ),
}));

const serviceName = fc.oneof(fc.constantFrom('s0', 's1', 's2', 'web'), fc.string({ maxLength: 8 }));
const extendsValue = fc.oneof(
  serviceName,
  fc.record({ file: fc.constantFrom(...FILES, 'missing.yml', '.', '/dev/null', 'sub', '../fig.yml'), service: serviceName }, { requiredKeys: ['service'] }),
);
const serviceValue = fc.oneof(
  value,
  fc.constantFrom('canary.env', ['canary.env', '.env'], [{ path: 'canary.env', required: false }], 'missing.env', 'sub', '/dev/null').map((env_file) => ({ env_file, image: 'busybox' })),
  extendsValue.map((e) => ({ extends: e })),
);
const service = fc.dictionary(fc.constantFrom(...SERVICE_KEYS), serviceValue, { maxKeys: 5 }).map((svc) => {
  const out: Record<string, unknown> = { ...svc };
  // Services whose env_file names the canary often, so its values flow through the loader.
  if (!('env_file' in out) && Object.keys(out).length % 2 === 0) out.env_file = 'canary.env';
  return out;
});
/** Values of the right shape for their key, with variables from .env in them: they get past the schema, into the parsers. */
const S = fc.constantFrom('${SECRET}', '${PORT}', '${MEM}', '${SECRET}x', 'x${SECRET}', '${SECRET}:${SECRET}', '${API_TOKEN}', '1', '', 'x', '-1', '1.5', '80:80');
const plausibleValue: Record<string, fc.Arbitrary<unknown>> = {
  image: fc.oneof(S, fc.constantFrom('busybox', 'busybox:${TAG:-latest}', 'UPPER/case', 'a@sha256:xyz', 'a:b:c', 'busybox@${SECRET}')),
  ports: fc.array(fc.oneof(S, fc.constantFrom('8080:80', '127.0.0.1:80:80/udp', '1-5:6-10', '65536:1', ':80', 'a:b:c:d', '[::1]:80:80'), fc.record({ target: S, published: S, protocol: S, host_ip: S }, { requiredKeys: ['target'] })), { maxLength: 3 }),
  environment: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(S, fc.integer(), fc.constant(null)), { maxKeys: 3 }), fc.array(fc.oneof(S, S.map((v) => `K=${v}`)), { maxLength: 3 })),
  volumes: fc.array(fc.oneof(S.map((v) => `${v}:/data`), S.map((v) => `./x:${v}`), S.map((v) => `named:/z:${v}`), fc.record({ type: fc.constantFrom('bind', 'volume', 'tmpfs', '${SECRET}'), source: S, target: S, tmpfs: fc.record({ size: S }) }, { requiredKeys: ['target'] })), { maxLength: 3 }),
  depends_on: fc.oneof(fc.array(serviceName, { maxLength: 2 }), fc.dictionary(serviceName, fc.record({ condition: fc.oneof(S, fc.constantFrom('service_healthy', 'service_started', 'service_completed_successfully')), restart: fc.boolean() }), { maxKeys: 2 })),
  healthcheck: fc.record({ test: fc.oneof(S, fc.constant(['CMD', 'true']), fc.constant(['NONE'])), interval: S, timeout: S, retries: fc.oneof(S, fc.integer()), start_period: S, disable: fc.boolean() }),
  mem_limit: S, memswap_limit: S, shm_size: S, cpus: S, cpu_shares: S, stop_grace_period: S, stop_signal: S, user: S, working_dir: S,
  container_name: S, hostname: S, pull_policy: S, platform: S, restart: fc.oneof(S, S.map((v) => `on-failure:${v}`)), scale: fc.oneof(S, fc.integer()),
  network_mode: fc.oneof(S.map((v) => `service:${v}`), S.map((v) => `container:${v}`), fc.constantFrom('host', 'none', 'bridge')),
  networks: fc.oneof(fc.array(S, { maxLength: 2 }), fc.dictionary(fc.constantFrom('default', 'front'), fc.record({ ipv4_address: S, aliases: fc.array(S, { maxLength: 2 }), priority: S }), { maxKeys: 2 })),
  deploy: fc.record({ replicas: S, resources: fc.record({ limits: fc.record({ memory: S, cpus: S, pids: S }), reservations: fc.record({ memory: S }) }), restart_policy: fc.record({ condition: S, delay: S }) }),
  ulimits: fc.dictionary(fc.constantFrom('nofile', 'nproc', '${SECRET}'), fc.oneof(S, fc.record({ soft: S, hard: S })), { maxKeys: 2 }),
  labels: fc.oneof(fc.array(S.map((v) => `a=${v}`), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), S, { maxKeys: 2 })),
  logging: fc.record({ driver: S, options: fc.dictionary(fc.string({ maxLength: 4 }), S, { maxKeys: 2 }) }),
  build: fc.oneof(S, fc.record({ context: S, dockerfile: S, args: fc.dictionary(fc.string({ maxLength: 4 }), S, { maxKeys: 2 }), target: S, shm_size: S, network: S })),
  develop: fc.record({ watch: fc.array(fc.record({ path: S, action: fc.oneof(S, fc.constantFrom('sync', 'rebuild', 'sync+restart')), target: S, ignore: fc.array(S, { maxLength: 2 }) }), { maxLength: 2 }) }),
  secrets: fc.array(fc.oneof(fc.constantFrom('pw', 'token'), fc.record({ source: fc.constantFrom('pw', 'token'), target: S, mode: S, uid: S })), { maxLength: 2 }),
  extra_hosts: fc.array(fc.oneof(S.map((v) => `${v}:1.2.3.4`), S.map((v) => `h=${v}`), S), { maxLength: 2 }),
  dns: fc.oneof(S, fc.array(S, { maxLength: 2 })),
  devices: fc.array(S.map((v) => `${v}:/dev/x`), { maxLength: 2 }),
  tmpfs: fc.oneof(S.map((v) => `/x:size=${v}`), fc.array(S, { maxLength: 2 })),
  sysctls: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), S, { maxKeys: 2 }), fc.array(S.map((v) => `a=${v}`), { maxLength: 2 })),
  blkio_config: fc.record({ weight: S, device_read_bps: fc.array(fc.record({ path: S, rate: S }), { maxLength: 1 }) }),
  cap_add: fc.array(S, { maxLength: 2 }),
  expose: fc.array(fc.oneof(S, fc.integer()), { maxLength: 2 }),
  command: fc.oneof(S, fc.array(S, { maxLength: 3 })),
  entrypoint: fc.oneof(S, fc.array(S, { maxLength: 3 })),
  profiles: fc.array(S, { maxLength: 2 }),
  links: fc.array(fc.oneof(S, S.map((v) => `s0:${v}`)), { maxLength: 2 }),
  init: fc.oneof(fc.boolean(), S),
  privileged: fc.oneof(fc.boolean(), S),
  label_file: fc.constantFrom('canary.env', ['canary.env']),
};
const PLAUSIBLE_KEYS = Object.keys(plausibleValue);
const plausibleService = fc
  .uniqueArray(fc.constantFrom(...PLAUSIBLE_KEYS), { maxLength: 5 })
  .chain((keys) => fc.tuple(...keys.map((k) => plausibleValue[k]!)).map((vals) => Object.fromEntries([['image', 'busybox'], ['env_file', 'canary.env'], ...keys.map((k, i) => [k, vals[i]])])));
const includeValue = fc.oneof(fc.constantFrom(...FILES, 'missing.yml'), fc.record({ path: fc.constantFrom(...FILES), env_file: fc.constantFrom('canary.env', '.env', 'missing.env'), project_directory: fc.constantFrom('.', 'sub', '..') }, { requiredKeys: ['path'] }));
const projectFile = fc.record(
  {
    services: fc.dictionary(serviceName, fc.oneof({ weight: 3, arbitrary: service }, { weight: 4, arbitrary: plausibleService }, { weight: 1, arbitrary: value }), { maxKeys: 4 }),
    networks: fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 2 }),
    volumes: fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 2 }),
    secrets: fc.dictionary(fc.constantFrom('pw', 'token'), fc.oneof(fc.constant({ file: './secret.txt' }), fc.constant({ environment: 'SECRET' }), value), { maxKeys: 2 }),
    include: fc.array(includeValue, { maxLength: 2 }),
    name: fc.oneof(scalarText, fc.constant('${SECRET}')),
    extra: fc.dictionary(fc.constantFrom(...TOP_KEYS), value, { maxKeys: 2 }),
  },
  { requiredKeys: ['services'] },
);

/** Text-level shapes no object-to-YAML writer makes: anchors, aliases, merge keys, tags, nesting, bombs, bytes. */
const yamlOddity = fc.oneof(
  fc.nat({ max: 300 }).map((n) => `services:\n  s0:\n    image: busybox\n    labels: ${'['.repeat(n)}${']'.repeat(n)}\n`),
  fc.nat({ max: 300 }).map((n) => `services:\n  s0:\n    x-deep: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`),
  fc.nat({ max: 150 }).map((n) => `services:\n  s0:\n    image: busybox\n    x-deep:\n${Array.from({ length: n }, (_, i) => `${'  '.repeat(i + 3)}k${i}:\n`).join('')}`),
  fc.integer({ min: 1, max: 12 }).map((k) => {
    let s = 'x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= k; i++) s += `x-a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    return `${s}services:\n  s0:\n    image: busybox\n    labels: *a${k}\n`;
  }),
  fc.constantFrom(
    'x-base: &base\n  image: busybox\n  environment: &env\n    A: ${SECRET}\nservices:\n  s0:\n    <<: *base\n    environment:\n      <<: *env\n      B: 1\n',
    'x-a: &a [*a]\nservices:\n  s0:\n    image: busybox\n',
    'services:\n  s0: &s\n    image: busybox\n    x-self: *s\n',
    'services:\n  s0:\n    <<: *nope\n',
    'x-s: &s scalar\nservices:\n  s0:\n    <<: *s\n    image: busybox\n',
    'x-l: &l [1, 2]\nservices:\n  s0:\n    <<: [*l, 1]\n',
    'services:\n  s0:\n    image: busybox\n    image: alpine\n',
    'services:\n  s0:\n    image: !reset busybox\n    ports: !override [1]\n    x: !!binary aGVsbG8=\n    y: !custom z\n',
    'services:\n  s0:\n\timage: busybox\n',
    '%YAML 1.1\n---\nservices:\n  s0:\n    image: busybox\n...\n---\nservices: {}\n',
    '\uFEFFservices:\n  s0:\n    image: busybox\n',
    'services:\n  s0:\n    image: "\\ud800"\n',
    '? [a, b]\n: c\nservices: {}\n',
    'services:\n  ? {a: 1}\n  : {image: busybox}\n',
    'services:\n  s0:\n    image: busybox\n    environment:\n      - SECRET\n      - ${SECRET}=x\n      - =${SECRET}\n',
    'services: &s\n  s0:\n    image: busybox\n    extends: s0\n',
    'services:\n  s0:\n    extends: s0\n',
    'services:\n  s0:\n    extends: {file: fig.yml, service: s0}\n',
    'include: [fig.yml]\nservices:\n  s0:\n    image: busybox\n',
  ),
);

/** Bytes no text editor writes on purpose. */
const byteOddity = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x41, 0x00]), Buffer.from([0xfe, 0xff, 0x00]), Buffer.from('services:\n  s0:\n    image: \xc3\x28\n', 'latin1'), Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61])),
);

function toYaml(doc: Record<string, unknown>): string {
  const { extra, ...rest } = doc;
  const merged: Record<string, unknown> = { ...(extra as Record<string, unknown> | undefined), ...rest };
  return stringify(merged, { aliasDuplicateObjects: false, lineWidth: 0 });
}

const fileContent = fc.oneof(
  { weight: 6, arbitrary: projectFile.map(toYaml) },
  { weight: 2, arbitrary: yamlOddity },
  { weight: 1, arbitrary: byteOddity },
);

/** A project folder: the files, the canaries (.env, canary.env, secret.txt). */
function writeProject(files: Partial<Record<string, string | Buffer>>, name: string): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, '.env'), DOTENV_TEXT);
  writeFileSync(join(dir, 'canary.env'), ENV_FILE_TEXT);
  writeFileSync(join(dir, 'sub', 'canary.env'), ENV_FILE_TEXT);
  writeFileSync(join(dir, 'secret.txt'), CANARY.secretFile);
  for (const [rel, text] of Object.entries(files)) if (text !== undefined) writeFileSync(join(dir, rel), text);
  return dir;
}

const ENV = { HOME: '/home/u', PATH: '/usr/bin' };

describe('hostile project files (property-based)', () => {
  it('generated projects (one to four files, include/extends between them): diagnostics only, one line each, no canary', () => {
    fc.assert(
      fc.property(fc.tuple(fileContent, fc.option(fileContent, { nil: undefined }), fc.option(fileContent, { nil: undefined }), fc.option(fileContent, { nil: undefined })), ([main, a, b, c]) => {
        const dir = writeProject({ 'fig.yml': main, 'a.yml': a, 'sub/b.yml': b, 'c.yml': c }, 'gen');
        try {
          loadChecked({ cwd: dir, env: ENV, homeDir: '/home/u', checkBuildContexts: true }, 'a generated project');
          loadChecked({ cwd: dir, env: ENV, homeDir: '/home/u', files: ['fig.yml', 'c.yml'], interpolate: false }, 'a generated project, -f twice, not interpolated');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 250), ...replay },
    );
  }, TIMEOUT);

  it('regression: a message that quotes a part of an interpolated value names the variable instead (port "QXJ7K2WZ" of QXJ7K2WZ-b)', () => {
    const dir = writeProject({ 'fig.yml': 'services:\n  s0:\n    image: busybox\n    ports: ["${PW}"]\n' }, 'part');
    writeFileSync(join(dir, '.env'), `PW=${CORE}-b\n`);
    const r = loadChecked({ cwd: dir, env: ENV, homeDir: '/home/u' }, 'a port from .env');
    expect(r.diagnostics.map((d) => [d.code, d.loc?.line, d.message])).toEqual([['INVALID_PORT', 4, 'container port "${PW}" is not a number']]);
  });

  it('regression (seed -627895892): a long-syntax entry reported at its first line quotes a value of a later line as written', () => {
    const dir = writeProject({ 'fig.yml': 'services:\n  s0:\n    image: busybox\n    volumes:\n      - type: bind\n        target: ${SECRET}\n' }, 'entry');
    const r = loadChecked({ cwd: dir, env: ENV, homeDir: '/home/u' }, 'a volume target from .env');
    expect(r.diagnostics.map((d) => [d.loc?.line, d.loc?.endLine, d.message, d.hint])).toEqual([[5, 6, 'volume target "${SECRET}" is not an absolute path', 'use the absolute path inside the container, e.g. /${SECRET}']]);
  });

  it('generated env files: a malformed line never shows its value', () => {
    const envLine = fc.oneof(
      fc.constantFrom(`A=${CANARY.envFile}`, `A="${CANARY.envFile}`, `A='${CANARY.envFile}`, `${CANARY.envFile}`, `export ${CANARY.envFile}`, `A ${CANARY.envFile}`, `=${CANARY.envFile}`, `A="${CANARY.envFile}\\`, `A=\${${CANARY.envFile}}`, `A=\${B:?${CANARY.envFile}}`, `A-B=${CANARY.envFile}`, `\u0000A=${CANARY.envFile}`),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(envLine, { maxLength: 6 }), fc.array(envLine, { maxLength: 6 }), fc.constantFrom('${A}', '${A:?x}', '$A', '${A:-${B}}'), (dotenv, envFile, use) => {
        const yml = `services:\n  s0:\n    image: busybox:${use}\n    env_file: canary.env\n    ports: ["${use}"]\n    mem_limit: ${use}\n`;
        const dir = writeProject({ 'fig.yml': yml }, 'env');
        writeFileSync(join(dir, '.env'), dotenv.join('\n'));
        writeFileSync(join(dir, 'canary.env'), envFile.join('\n'));
        try {
          loadChecked({ cwd: dir, env: ENV, homeDir: '/home/u' }, 'generated env files');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 250), ...replay },
    );
  }, TIMEOUT);
});

// ------------------------------------------------------------------ the corpus, mutated

function corpusRoot(): string | undefined {
  const dir = process.env.TSFIG_CORPUS ?? resolve(ROOT, '../shared/corpus');
  return existsSync(join(dir, 'expect.json')) ? dir : undefined;
}

/** The corpus's project files (relative to the root), or the repository's examples. */
function corpusFiles(root: string, fromCorpus: boolean): string[] {
  if (fromCorpus) return Object.keys(JSON.parse(readFileSync(join(root, 'expect.json'), 'utf8')) as Record<string, unknown>);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(n)) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const SNIPPETS = [
  '${', '${SECRET}', '${UNSET:?${SECRET}}', ': ', '&a ', '*a', '<<: *a\n', '\t', '- ', '{', '[', ']', '}', '"', "'", '\u0000', '\uFEFF',
  '!reset ', '!!binary ', '%YAML 1.1\n---\n', '...\n', '---\n', '#', '\n  extends: web\n', '\n    env_file: canary.env\n', '\n    ports: ["${PORT}"]\n',
  '\ninclude: [fig.yml]\n', '\n    mem_limit: ${MEM}\n', '\n    image: ${API_TOKEN}\n', '\u2028', '\r', '? ', '|', '>-\n', '@', '`',
];

type Mutation = { kind: 'delete' | 'insert' | 'dup' | 'indent' | 'truncate' | 'swap'; at: number; len: number; snippet: string };
const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('delete', 'insert', 'insert', 'dup', 'indent', 'truncate', 'swap'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  len: fc.nat({ max: 40 }),
  snippet: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 })),
}) as fc.Arbitrary<Mutation>;

function mutate(text: string, muts: Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = Math.floor(m.at * s.length);
    const lines = s.split('\n');
    const li = Math.floor(m.at * lines.length);
    switch (m.kind) {
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      case 'insert':
        s = s.slice(0, at) + m.snippet + s.slice(at);
        break;
      case 'dup':
        lines.splice(li, 0, ...lines.slice(li, li + 1 + (m.len % 4)));
        s = lines.join('\n');
        break;
      case 'indent':
        lines[li] = m.len % 2 ? ' '.repeat(1 + (m.len % 5)) + (lines[li] ?? '') : (lines[li] ?? '').replace(/^ {1,3}/, '');
        s = lines.join('\n');
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'swap':
        if (li + 1 < lines.length) [lines[li], lines[li + 1]] = [lines[li + 1]!, lines[li]!];
        s = lines.join('\n');
        break;
    }
  }
  return s;
}

describe('hostile project files: the corpus, mutated', () => {
  const source = corpusRoot();
  const root = source ?? join(ROOT, 'examples');
  let copy = '';
  let files: string[] = [];

  beforeAll(() => {
    // A copy, so each mutation is written where the file was (its includes, extends, env files beside it).
    copy = join(work, 'corpus');
    cpSync(root, copy, { recursive: true });
    files = corpusFiles(copy, source !== undefined);
    for (const dir of new Set(files.map((f) => dirname(join(copy, f))))) {
      const dotenv = join(dir, '.env');
      const before = existsSync(dotenv) ? readFileSync(dotenv, 'utf8') : '';
      writeFileSync(dotenv, `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${DOTENV_TEXT}`);
      writeFileSync(join(dir, 'canary.env'), ENV_FILE_TEXT);
    }
  });

  it('each file as it is, and mutated: diagnostics only, one line each, no canary, within the limits', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) loadChecked({ cwd: dirname(join(copy, f)), env: ENV, homeDir: '/home/u', files: [join(copy, f)] }, f);
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, muts) => {
        const rel = files[i]!;
        const path = join(copy, rel);
        const original = readFileSync(path, 'utf8');
        writeFileSync(path, mutate(original, muts));
        try {
          loadChecked({ cwd: dirname(path), env: ENV, homeDir: '/home/u', files: [path] }, `${rel} mutated`);
        } finally {
          writeFileSync(path, original);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400), ...replay },
    );
  }, TIMEOUT);

  afterAll(() => {
    const growth = measure.heapPeak - measure.heapBase;
    // One line for the report: how many files, the slowest, the heap's growth over the batch.
    process.stderr.write(`hostile: ${measure.files} loads, slowest ${measure.maxCpuMs.toFixed(0)} ms CPU, heap growth ${(growth / 1048576).toFixed(0)} MB\n`);
    expect(growth).toBeLessThan(MAX_HEAP_BYTES);
  });
});

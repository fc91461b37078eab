/**
 * Real-world conformance: load every project file of a corpus with `tsfig config -q
 * --no-build-check` (the corpus holds the files, not their build folders; the
 * same code path as the bin) and compare with the corpus's expect.json. Then the `config`
 * round trip (issue 14) for every file that loads: its `config` output, loaded again as
 * `-f -` loads it, must give an identical `config --format json`.
 *
 *   npm run conformance -- ../shared/corpus
 *
 * Exits 1 when a file disagrees with its expectation, unless it is a documented exception.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
const { main } = await import('../src/cli/main.js');
const { configRoundTrip } = await import('../test/support/roundtrip.js');

interface Expectation {
  expect: 'valid' | 'invalid';
  why: string;
  env?: Record<string, string>;
}

/** Where tsfig deliberately differs from the loader that decided; keep this list short. */
const EXCEPTIONS: Record<string, { tsfig: 'valid' | 'invalid'; reason: string }> = {
  'compose-spec__compose-go/loader/full-example.yml': {
    tsfig: 'invalid',
    reason:
      'a schema showcase that breaks the consistency rules: service foo links and depends_on db and redis, which the file does not define, mounts the undeclared volume datavolume, and sets both network_mode and networks. compose-go\'s TestFullExample loads it with its consistency check off; `docker compose config` rejects it. tsfig always checks references (the schema part of the file passes)'
  },
  'docker__compose/tests/fixtures/extends/invalid-net-v2.yml': {
    tsfig: 'valid',
    reason:
      "Compose v1 refused to extend a service with network_mode: service:x in a version 2 file; the Compose Specification (compose-go, docker compose v2) allows it, and tsfig follows the specification for structured files (the v1 rule is kept for flat Fig files)",
  },
};

/** Files whose verdict is about project-directory discovery, so they are loaded without -f. */
const BY_DISCOVERY = new Set(['docker__compose/tests/fixtures/duplicate-override-yaml-files/docker-compose.yml']);

async function run(corpus: string): Promise<number> {
  const expectations = JSON.parse(readFileSync(join(corpus, 'expect.json'), 'utf8')) as Record<string, Expectation>;
  let agree = 0;
  let excepted = 0;
  const disagree: string[] = [];
  let roundTrips = 0;
  const roundTripFailures: string[] = [];
  for (const [rel, exp] of Object.entries(expectations)) {
    const file = resolve(corpus, rel);
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: homedir() };
    for (const [k, v] of Object.entries(exp.env ?? {})) env[k] = v === '<home dir>' ? homedir() : v;
    let err = '';
    // The corpus judges the files; their build folders were not copied with them.
    const argv = ['node', 'tsfig', ...(BY_DISCOVERY.has(rel) ? [] : ['-f', file]), 'config', '-q', '--no-build-check'];
    const code = await main(argv, { cwd: dirname(file), env, stdout: () => {}, stderr: (s) => (err += s) });
    const got = code === 0 ? 'valid' : 'invalid';
    const exception = EXCEPTIONS[rel];
    const firstError = err.split('\n').find((l) => l && !l.includes('warning:')) ?? '';
    if (got === 'valid') {
      roundTrips++;
      const problem = await roundTrip(file, env, !BY_DISCOVERY.has(rel));
      if (problem) {
        roundTripFailures.push(rel);
        console.log(`FAIL ${rel}: config round trip: ${problem}`);
      }
    }
    if (got === exp.expect) {
      agree++;
      if (got === 'invalid') console.log(`ok   ${rel}\n       ${firstError}`);
    } else if (exception && exception.tsfig === got) {
      excepted++;
      console.log(`skip ${rel}: expected ${exp.expect}, tsfig says ${got} on purpose: ${exception.reason}`);
    } else {
      disagree.push(rel);
      console.log(`FAIL ${rel}: expected ${exp.expect} (${exp.why}), tsfig says ${got}${firstError ? `: ${firstError}` : ''}`);
    }
  }
  const total = Object.keys(expectations).length;
  console.log(`conformance: ${agree}/${total} agree, ${excepted} documented exceptions, ${disagree.length} disagree`);
  console.log(`config round trip: ${roundTrips - roundTripFailures.length}/${roundTrips} identical`);
  return disagree.length || roundTripFailures.length ? 1 : 0;
}

/** The config round trip of one file: undefined when identical, else where the JSON first differs. */
async function roundTrip(file: string, env: Record<string, string | undefined>, named: boolean): Promise<string | undefined> {
  try {
    const r = await configRoundTrip({ cwd: dirname(file), env, homeDir: env.HOME ?? homedir(), ...(named ? { files: [file] } : {}) });
    if (r.after === r.before) return undefined;
    const a = r.before.split('\n');
    const b = r.after.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    return `line ${i + 1} of config --format json: ${a[i]?.trim()} became ${b[i]?.trim()}`;
  } catch (err) {
    return `the output does not load again: ${(err as Error).message.split('\n')[0]}`;
  }
}

const corpus = process.argv[2];
if (!corpus) {
  console.error('usage: npm run conformance -- CORPUS_DIR');
  process.exit(2);
}
process.exitCode = await run(resolve(corpus));

/**
 * The docker compose releases the benchmarks put beside tsfig, found or fetched once:
 *
 * - `compose` — docker-compose 1.29 (Python), Debian bookworm's package; installed with apt-get
 *   when missing and the bench runs as root.
 * - `compose2` — docker compose v2 (Go), the release people run today: Debian trixie's
 *   package, unpacked beside the first by scripts/compose-v2.sh (never installed). BENCH_COMPOSE_V2
 *   names a binary instead, or `0` to leave the column out.
 *
 * A release that cannot be had is left out, and the caller says so in its report.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export type ComposeKey = 'compose' | 'compose2';

export interface ComposeTool {
  key: ComposeKey;
  /** The program to run. */
  bin: string;
  version: string;
  /** Its column's title. */
  title: string;
}

const root = resolve(import.meta.dirname, '..');

function versionOf(bin: string): string | undefined {
  const v = spawnSync(bin, ['version', '--short'], { encoding: 'utf8' });
  return v.status === 0 ? v.stdout.trim() : undefined;
}

/** docker-compose 1.29, installing Debian's package when missing (as root). */
function compose1(): ComposeTool | undefined {
  let version = versionOf('docker-compose');
  if (version === undefined && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    console.error('installing docker-compose 1.29 (apt-get) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '-q', 'docker-compose'], { env, stdio: 'ignore' }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
      install();
    }
    version = versionOf('docker-compose');
  }
  // Debian's docker-compose is 1.29 on bookworm; on a newer system the same name may be v2.
  return version === undefined ? undefined : { key: 'compose', bin: 'docker-compose', version, title: `compose ${version.split('.').slice(0, 2).join('.')}` };
}

/** docker compose v2: BENCH_COMPOSE_V2, or scripts/compose-v2.sh's binary. */
function compose2(): ComposeTool | undefined {
  const given = process.env.BENCH_COMPOSE_V2;
  if (given === '0') return undefined;
  let bin = given;
  if (bin === undefined) {
    const r = spawnSync('bash', [join(root, 'scripts/compose-v2.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    bin = r.status === 0 ? r.stdout.trim().split('\n').at(-1) : undefined;
  }
  const version = bin === undefined ? undefined : versionOf(bin);
  return bin === undefined || version === undefined ? undefined : { key: 'compose2', bin, version, title: `compose ${version.replace(/-.*/, '')}` };
}

/** The compose releases to measure, 1.29 first; each one that cannot be had is missing. */
export function composeTools(): ComposeTool[] {
  return [compose1(), compose2()].filter((t): t is ComposeTool => t !== undefined && !(t.key === 'compose2' && t.version.startsWith('1.')));
}

/** A line for the report's head: what runs, and what is left out. */
export function describeTools(tools: ComposeTool[]): string {
  const has = (k: ComposeKey) => tools.find((t) => t.key === k);
  const one = has('compose');
  const two = has('compose2');
  return [
    `docker-compose 1.x: ${one ? `${one.version} (${one.bin})` : 'absent (column skipped)'}`,
    `docker compose v2: ${two ? `${two.version} (${two.bin})` : 'absent (column skipped; BENCH_COMPOSE_V2, or scripts/compose-v2.sh could not fetch it)'}`,
  ].join('; ');
}

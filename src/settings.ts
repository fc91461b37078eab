/**
 * The TSFIG_* settings (and the flags that override them) parsed in one place: an empty variable
 * counts as unset (as compose treats empty variables), words are case-insensitive, and a value
 * that means nothing is a one-line usage error (exit 2) naming the variable and what it takes.
 */
import { UsageError } from './errors.js';
import type { ProgressMode } from './ui/events.js';

type Env = Record<string, string | undefined>;

export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'tty', 'plain', 'json', 'quiet'];

/** The variable's value, trimmed; undefined when unset or empty. */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * tsfig's own variable, else docker compose's name for the same setting (COMPOSE_PROGRESS,
 * COMPOSE_PARALLEL_LIMIT, COMPOSE_REMOVE_ORPHANS): [the name that is set, its value].
 */
function either(env: Env, tsfig: string, compose: string): [string, string | undefined] {
  const own = value(env, tsfig);
  if (own !== undefined) return [tsfig, own];
  return [compose, value(env, compose)];
}

/** `--progress` (commander checked it) > TSFIG_PROGRESS > COMPOSE_PROGRESS > auto. */
export function progressMode(flag: string | undefined, env: Env): ProgressMode {
  if (flag !== undefined) return flag as ProgressMode;
  const [name, v] = either(env, 'TSFIG_PROGRESS', 'COMPOSE_PROGRESS');
  if (v === undefined) return 'auto';
  const mode = v.toLowerCase() as ProgressMode;
  if (!PROGRESS_MODES.includes(mode)) throw new UsageError(`invalid ${name} "${v}": use one of ${PROGRESS_MODES.join(', ')} (or leave it unset)`);
  return mode;
}

/** A whole number >= min from a flag or a variable, else `fallback`. */
export function positiveInt(raw: string | undefined, what: string, fallback: number, min = 1): number {
  const v = raw?.trim();
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!/^\+?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`invalid ${what} "${v}": use a whole number >= ${min}`);
  return n;
}

/** `--parallel` > TSFIG_PARALLEL_LIMIT > COMPOSE_PARALLEL_LIMIT > `fallback`. */
export function parallelSetting(flag: string | number | undefined, env: Env, fallback: number): number {
  if (flag !== undefined) return positiveInt(String(flag), '--parallel', fallback);
  const [name, v] = either(env, 'TSFIG_PARALLEL_LIMIT', 'COMPOSE_PARALLEL_LIMIT');
  return positiveInt(v, name, fallback);
}

/** TSFIG_IGNORE_ORPHANS > COMPOSE_IGNORE_ORPHANS > false: no warning about orphan containers. */
export function ignoreOrphansSetting(env: Env): boolean {
  const [name] = either(env, 'TSFIG_IGNORE_ORPHANS', 'COMPOSE_IGNORE_ORPHANS');
  return boolSetting(env, name);
}

/** TSFIG_REMOVE_ORPHANS > COMPOSE_REMOVE_ORPHANS > false. */
export function removeOrphansSetting(env: Env): boolean {
  const [name] = either(env, 'TSFIG_REMOVE_ORPHANS', 'COMPOSE_REMOVE_ORPHANS');
  return boolSetting(env, name);
}

/**
 * TSFIG_STATUS_STDOUT > COMPOSE_STATUS_STDOUT > false: progress and status lines go to stdout
 * instead of stderr (as plain lines: a live frame never shares stdout with results).
 */
export function statusStdoutSetting(env: Env): boolean {
  const [name] = either(env, 'TSFIG_STATUS_STDOUT', 'COMPOSE_STATUS_STDOUT');
  return boolSetting(env, name);
}

/** TSFIG_PULL_PARALLEL_LIMIT / TSFIG_BUILD_PARALLEL_LIMIT > `fallback`. */
export function imageSettings(env: Env, fallback: number): { pullConcurrency: number; buildConcurrency: number } {
  return {
    pullConcurrency: positiveInt(env.TSFIG_PULL_PARALLEL_LIMIT, 'TSFIG_PULL_PARALLEL_LIMIT', fallback),
    buildConcurrency: positiveInt(env.TSFIG_BUILD_PARALLEL_LIMIT, 'TSFIG_BUILD_PARALLEL_LIMIT', fallback),
  };
}

/** A yes/no variable: 1/true/yes/on, 0/false/no/off (any case); unset or empty is `fallback`. */
export function boolSetting(env: Env, name: string, fallback = false): boolean {
  const v = value(env, name);
  if (v === undefined) return fallback;
  const t = v.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  throw new UsageError(`invalid ${name} "${v}": use 1 or true to turn it on, 0 or false to turn it off`);
}

/** Default answer time of the engine's plain reads (lists, inspect, version), as compose's COMPOSE_HTTP_TIMEOUT. */
export const DEFAULT_HTTP_TIMEOUT_S = 60;

/** TSFIG_HTTP_TIMEOUT > COMPOSE_HTTP_TIMEOUT (seconds) > 60: how long a call to the engine may go unanswered. */
export function httpTimeoutMs(env: Env): number {
  const [name, v] = either(env, 'TSFIG_HTTP_TIMEOUT', 'COMPOSE_HTTP_TIMEOUT');
  if (v === undefined) return DEFAULT_HTTP_TIMEOUT_S * 1000;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0) || n > 86_400) throw new UsageError(`invalid ${name} "${v}": use a number of seconds (> 0)`);
  return Math.round(n * 1000);
}

/** `--orchestrator` (passed as TSFIG_ORCHESTRATOR) > TSFIG_ORCHESTRATOR: engine or swarm; undefined: the file decides. */
export function orchestratorSetting(env: Env): 'engine' | 'swarm' | undefined {
  const v = value(env, 'TSFIG_ORCHESTRATOR')?.toLowerCase();
  if (v === undefined) return undefined;
  if (v !== 'engine' && v !== 'swarm') throw new UsageError(`TSFIG_ORCHESTRATOR=${v}: use engine or swarm`);
  return v;
}

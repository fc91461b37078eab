/** Flag values shared by several commands, parsed into options (one line on a bad value). */
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { parseTimeArg } from '../app/containers/time.js';

/** `--since`/`--until`: RFC 3339, Unix seconds, or a duration back from now (`10m`, `1h30m`). */
export function parseTimeFlag(flag: string, v: string | undefined, nowMs = Date.now()): bigint | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeArg(v, nowMs);
  if (t === undefined) throw new UsageError(`invalid ${flag} "${v}": use RFC 3339 (2024-05-01T10:00:00Z), Unix seconds, or a duration like 10m or 1h30m`);
  return t;
}

/**
 * Per command, the boolean flags that take their value only after `=`, as Go's flags do
 * (`ps --orphans web` is `--orphans` and the service web; `--orphans=false` turns it off).
 */
const GO_BOOL_FLAGS: Readonly<Record<string, readonly string[]>> = { ps: ['--orphans'], commit: ['--pause'], attach: ['--sig-proxy'] };

/**
 * The command line with each bare Go-style boolean flag of `command` written as `--flag=true`,
 * so the token after it stays an argument (commander would take it as the flag's value).
 * Stops at `--`.
 */
export function goBoolFlags(argv: string[], command: string | undefined): string[] {
  const flags = command !== undefined && Object.hasOwn(GO_BOOL_FLAGS, command) ? GO_BOOL_FLAGS[command]! : [];
  if (!flags.length) return argv;
  const end = argv.indexOf('--');
  return argv.map((a, i) => ((end < 0 || i < end) && flags.includes(a) ? `${a}=true` : a));
}

/** A boolean flag's value as docker's flags read it (`--sig-proxy=false`, `-p=0`, ...). */
export function parseBoolFlag(value: string): boolean {
  const v = value.startsWith('=') ? value.slice(1) : value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new InvalidArgumentError('use true or false.');
}

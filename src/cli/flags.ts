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

/** A boolean flag's value as docker's flags read it (`--sig-proxy=false`, `-p=0`, ...). */
export function parseBoolFlag(value: string): boolean {
  const v = value.startsWith('=') ? value.slice(1) : value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new InvalidArgumentError('use true or false.');
}

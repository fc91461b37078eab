/** Why a container must be recreated, field by field, from the config stored on it. */
import { dict } from '../model/dict.js';
import { envDigest } from '../model/hash.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths where two JSON values differ (`environment.DB_URL`, `ports`), shallowest first. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return [prefix || '(config)'];
}

/** A short cause: up to three changed fields, then a count. */
export function describeChange(oldConfig: string | undefined, newConfig: string): string {
  if (oldConfig === undefined) return 'config changed';
  let before: unknown;
  try {
    before = JSON.parse(oldConfig);
  } catch {
    return 'config changed';
  }
  const after: unknown = JSON.parse(newConfig);
  const paths = changedPaths(digestOldEnvironment(before, after), after);
  if (!paths.length) return 'config changed';
  const shown = paths.slice(0, 3).join(', ');
  const more = paths.length > 3 ? ` and ${paths.length - 3} more` : '';
  return `${shown}${more} changed`;
}

/**
 * A label written by an older tsfig holds plain environment values where the new one holds
 * digests (model/hash.ts `redactedConfig`): the plain ones are digested before comparing, so an
 * unchanged value is not named as changed.
 */
function digestOldEnvironment(before: unknown, after: unknown): unknown {
  if (!isObj(before) || !isObj(after) || !isObj(before.environment) || !isObj(after.environment)) return before;
  const env: Record<string, unknown> = dict();
  for (const [k, v] of Object.entries(before.environment)) {
    const now = after.environment[k];
    env[k] = typeof v === 'string' && typeof now === 'string' && now.startsWith('sha256:') && !v.startsWith('sha256:') ? envDigest(v) : v;
  }
  return { ...before, environment: env };
}

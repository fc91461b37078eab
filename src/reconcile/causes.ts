/** Why a container must be recreated, field by field, from the config stored on it. */

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
  const paths = changedPaths(before, JSON.parse(newConfig));
  if (!paths.length) return 'config changed';
  const shown = paths.slice(0, 3).join(', ');
  const more = paths.length > 3 ? ` and ${paths.length - 3} more` : '';
  return `${shown}${more} changed`;
}

import { createHash } from 'node:crypto';
import type { Service } from './project.js';

/** Bumped only when the hash input changes shape; tool upgrades must not mass-recreate. */
export const HASH_VERSION = 1;

/** Keys that never cause a recreate: they change how or whether a service runs, not what runs. */
const EXCLUDED = new Set(['build', 'pull_policy', 'scale', 'depends_on', 'profiles', 'envFromFile', 'develop', 'host']);

/** JSON with sorted keys and no undefined values: the same service always gives the same text. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** The config hash of a service as written (the reconciler adds the resolved image ID). */
export function serviceConfigHash(svc: Service, imageId = ''): string {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(svc)) if (!EXCLUDED.has(k)) input[k] = v;
  if (input.deploy && typeof input.deploy === 'object') {
    const { replicas: _replicas, ...rest } = input.deploy as Record<string, unknown>;
    input.deploy = rest;
  }
  return createHash('sha256').update(`tsfig-v${HASH_VERSION}\n${stableJson(input)}\n${imageId}`).digest('hex');
}

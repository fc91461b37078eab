import { createHash } from 'node:crypto';
import type { Service } from './project.js';
import { byText, dict } from './dict.js';

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
    .sort(([a], [b]) => byText(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/**
 * The service's keys as the file has them: its `x-*` keys (kept in `extensions`) among the
 * others, as they were before the model was typed; the hash and `tsfig config` see this shape.
 */
export function serviceEntries(svc: Service): Array<[string, unknown]> {
  const { extensions, ...rest } = svc;
  return [...Object.entries(rest), ...Object.entries(extensions ?? {})];
}

/** What the config hash covers: the service minus what never causes a recreate. */
export function hashInput(svc: Service): Record<string, unknown> {
  const input: Record<string, unknown> = dict();
  for (const [k, v] of serviceEntries(svc)) if (!EXCLUDED.has(k)) input[k] = v;
  if (input.deploy && typeof input.deploy === 'object') {
    const { replicas: _replicas, ...rest } = input.deploy as Record<string, unknown>;
    input.deploy = rest;
  }
  return input;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The config hash of a service as written, plus the image ID it resolves to. */
export function serviceConfigHash(svc: Service, imageId = ''): string {
  return sha256(`tsfig-v${HASH_VERSION}\n${stableJson(hashInput(svc))}\n${imageId}`);
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/** Is an environment variable secret: from env_file, or named like a secret? */
export function isSecretEnv(svc: Service, key: string): boolean {
  return (svc.envFromFile ?? []).includes(key) || SECRET_NAME.test(key);
}

/** How an environment value is stored in the config label: a short digest, never the value. */
export function envDigest(value: string): string {
  return `sha256:${sha256(value).slice(0, 12)}`;
}

/**
 * The hash input with every environment value replaced by a short digest: stored on the
 * container so a later plan can say which field changed, without the label revealing a value
 * that came from `.env`, an `env_file` or the file itself (labels are read by anyone who can
 * list containers: `docker ps`, `tsfig ps --format json`, `events`).
 */
export function redactedConfig(svc: Service): string {
  const input = hashInput(svc);
  const env: Record<string, string | null> = dict();
  for (const [k, v] of Object.entries(svc.environment)) env[k] = v !== null ? envDigest(v) : v;
  input.environment = env;
  return stableJson(input);
}

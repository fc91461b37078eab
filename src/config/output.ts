/**
 * The Project as the Compose Specification's canonical long form, for `tsfig config`:
 * sorted keys, empty collections omitted, durations as Go duration strings, and values
 * from env_file or named like secrets redacted unless asked.
 */
import { stringify } from 'yaml';
import type { Project, Service } from '../model/project.js';
import { isSecretEnv } from '../model/hash.js';
import { formatDuration } from './shortsyntax.js';
import { dict } from '../model/dict.js';

export const REDACTED = '********';

export interface OutputOptions {
  showSecrets?: boolean;
}

const DURATIONS = ['interval', 'timeout', 'start_period', 'start_interval'] as const;
const INTERNAL = new Set(['name', 'envFromFile']);

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = dict();
    for (const k of Object.keys(v).sort()) {
      const val = (v as Record<string, unknown>)[k];
      if (val === undefined) continue;
      out[k] = sortKeys(val);
    }
    return out;
  }
  return v;
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (v && typeof v === 'object') return Object.keys(v).length === 0;
  return v === undefined;
}

export function serviceToCanonical(svc: Service, opts: OutputOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(svc)) {
    if (INTERNAL.has(k)) continue;
    if (k === 'networks') {
      out[k] = v; // `{default: null}` is meaningful
      continue;
    }
    if (isEmpty(v)) continue;
    switch (k) {
      case 'environment': {
        const env: Record<string, string | null> = dict();
        for (const [ek, ev] of Object.entries(svc.environment)) {
          env[ek] = !opts.showSecrets && ev !== null && isSecretEnv(svc, ek) ? REDACTED : ev;
        }
        out[k] = env;
        break;
      }
      case 'links':
        out[k] = svc.links.map((l) => (l.alias === l.service ? l.service : `${l.service}:${l.alias}`));
        break;
      case 'healthcheck': {
        const h: Record<string, unknown> = { ...svc.healthcheck };
        for (const d of DURATIONS) if (typeof h[d] === 'number') h[d] = formatDuration(h[d] as number);
        out[k] = h;
        break;
      }
      case 'stop_grace_period':
        out[k] = typeof v === 'number' ? formatDuration(v) : v;
        break;
      default:
        out[k] = v;
    }
  }
  return sortKeys(out) as Record<string, unknown>;
}

export function projectToCanonical(project: Project, opts: OutputOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = dict([['name', project.name]]);
  const services: Record<string, unknown> = dict();
  for (const name of Object.keys(project.services).sort()) services[name] = serviceToCanonical(project.services[name]!, opts);
  out.services = services;
  for (const section of ['networks', 'volumes', 'secrets', 'configs', 'hosts'] as const) {
    const v = project[section];
    if (!isEmpty(v)) out[section] = sortKeys(section === 'hosts' ? stripNames(project.hosts) : v);
  }
  for (const [k, v] of Object.entries(project.extensions)) out[k] = v;
  return out;
}

function stripNames(hosts: Project['hosts']): Record<string, unknown> {
  const out: Record<string, unknown> = dict();
  for (const [k, { name: _name, ...rest }] of Object.entries(hosts)) out[k] = rest;
  return out;
}

export function renderProject(project: Project, format: 'yaml' | 'json', opts: OutputOptions = {}): string {
  const canon = projectToCanonical(project, opts);
  if (format === 'json') return JSON.stringify(canon, null, 2) + '\n';
  return stringify(canon, { lineWidth: 0, aliasDuplicateObjects: false });
}

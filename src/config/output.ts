/**
 * The Project as the Compose Specification's canonical long form, for `tsfig config`:
 * sorted keys, empty collections omitted, durations as Go duration strings, values as
 * loaded (as docker compose prints them: `config` output is a project to deploy elsewhere),
 * and every `$` of a value written `$$`, so loading the output again interpolates nothing twice.
 */
import { Document, parse, visit } from 'yaml';
import type { Project, Service } from '../model/project.js';
import { serviceEntries } from '../model/hash.js';
import { formatDuration } from './shortsyntax.js';
import { dict } from '../model/dict.js';

export interface OutputOptions {
  /** Leave `$` as it is (`--no-interpolate`: the values are the text as written). */
  noEscape?: boolean;
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

export function serviceToCanonical(svc: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of serviceEntries(svc)) {
    if (INTERNAL.has(k)) continue;
    if (k === 'networks') {
      out[k] = v; // `{default: null}` is meaningful
      continue;
    }
    if (isEmpty(v)) continue;
    switch (k) {
      case 'links':
        out[k] = svc.links.map((l) => (l.alias === l.service ? l.service : `${l.service}:${l.alias}`));
        break;
      case 'healthcheck': {
        const h: Record<string, unknown> = { ...svc.healthcheck };
        for (const d of DURATIONS) if (typeof h[d] === 'number') h[d] = formatDuration(h[d] as number);
        out[k] = h;
        break;
      }
      case 'build': {
        const { extensions, ...build } = svc.build!;
        out[k] = { ...build, ...extensions };
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

export function projectToCanonical(project: Project): Record<string, unknown> {
  const out: Record<string, unknown> = dict([['name', project.name]]);
  const services: Record<string, unknown> = dict();
  for (const name of Object.keys(project.services).sort()) services[name] = serviceToCanonical(project.services[name]!);
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
  return renderTree(projectToCanonical(project), format, opts);
}

/**
 * Every string value (never a key: keys are not interpolated) with `$` written `$$`, as
 * docker compose's `config` writes them, so the output loads back to the same values.
 */
export function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('$') ? v.replaceAll('$', '$$$$') : v;
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = dict();
    for (const [k, x] of Object.entries(v)) out[k] = escapeDollars(x);
    return out;
  }
  return v;
}

/** A canonical map as YAML or JSON text (`$` escaped unless `noEscape`). */
export function renderTree(tree: Record<string, unknown>, format: 'yaml' | 'json', opts: OutputOptions = {}): string {
  const canon = opts.noEscape ? tree : escapeDollars(tree);
  if (format === 'json') return JSON.stringify(canon, null, 2) + '\n';
  const doc = new Document(canon, { aliasDuplicateObjects: false });
  // Written plain, these would be read back as something else by a YAML 1.1 reader (PyYAML,
  // older tools): `no` as false, `22:22` as 1342, `0777` as 511, `2001-12-14` as a date.
  visit(doc, {
    Scalar: (_, node) => {
      if (typeof node.value === 'string' && misreadByYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}

const misread = new Map<string, boolean>();

/** Would a YAML 1.1 reader take this string, written plain, for something other than itself? */
export function misreadByYaml11(s: string): boolean {
  // `<<` is a merge key to readers with merge keys on (tsfig among them), `=` the 1.1 value key.
  if (s === '<<' || s === '=') return true;
  if (s.length > 64 || !/^[-+.~0-9A-Za-z:]/.test(s)) return false;
  let r = misread.get(s);
  if (r === undefined) {
    try {
      r = parse(s, { version: '1.1', schema: 'yaml-1.1' }) !== s;
    } catch {
      r = true;
    }
    if (misread.size < 10_000) misread.set(s, r);
  }
  return r;
}

/**
 * Defensive readers of the engine's JSON (it sends null for empty maps and lists), and the
 * small conversions requests make (label filters, image references, credentials).
 */
import { ImageRef } from '../../model/imageref.js';
import type { EngineFilters, LabelFilter, RegistryAuth } from '../engine.js';

// ---------------------------------------------------------------- defensive readers

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
export function str(v: unknown, d = ''): string {
  return typeof v === 'string' ? v : d;
}
export function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
export function num(v: unknown, d = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}
export function bool(v: unknown): boolean {
  return v === true;
}
export function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
export function strArrOrNull(v: unknown): string[] | null {
  return Array.isArray(v) ? strArr(v) : null;
}
export function strRec(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
}
export function keys(v: unknown): string[] {
  return Object.keys(obj(v));
}

/** Drop undefined values (docker-modem would send `key=` in the query string). */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Json)[k] = v;
  return out;
}

export function labelFilters(labels: LabelFilter | undefined, filters: EngineFilters | undefined): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(filters ?? {})) out[k] = [...v];
  if (labels !== undefined) {
    const label = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    if (label.length > 0) out.label = [...(out.label ?? []), ...label];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A function, so TypeScript does not keep a narrowing across an await. */
export function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/**
 * The engine's `repo` and `tag` for pull, push and tag (model/imageref.ts reads the reference;
 * a digest goes as the tag, as the docker CLI sends it). Text that is not a reference goes as
 * it is, with no tag, for the engine to refuse in its own words.
 */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const r = ImageRef.tryParse(ref);
  if (r === undefined) return { repo: ref, tag: '' };
  return { repo: r.familiarName, tag: r.digest ?? r.tag ?? 'latest' };
}

export function authConfig(auth: RegistryAuth | undefined): Record<string, string> {
  // The docker CLI always sends X-Registry-Auth (an empty object without credentials).
  return defined({ ...(auth ?? {}) }) as Record<string, string>;
}


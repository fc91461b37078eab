/**
 * Schema validation: ajv against schema/fig.schema.json, every error mapped back to the
 * YAML node that produced it, reduced to the one most useful message per place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { diag, type Diagnostic, type Loc } from './diagnostics.js';
import { precompiledValidator } from './precompiled.js';
import { keyLoc, selfLoc, valueLoc } from './tree.js';
import { suggest } from './suggest.js';

export const SCHEMA_URL = new URL('../../schema/fig.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

/** Built by scripts/compile-schema.mjs next to this module in dist/ (not in src/). */
const PRECOMPILED = new URL('./schema-validator.cjs', import.meta.url);

function validator(): ValidateFunction {
  compiled ??= precompiledValidator();
  if (!compiled && existsSync(PRECOMPILED)) {
    compiled = createRequire(import.meta.url)(PRECOMPILED.pathname) as ValidateFunction;
  }
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object;
    // ajv itself is needed only without the precompiled validator (tests run from src/).
    const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Validate a structured project tree; returns diagnostics positioned in the source. */
export function validateTree(tree: unknown, file: string): Diagnostic[] {
  const validate = validator();
  if (validate(forAjv(tree))) return [];
  return reduce(validate.errors ?? []).map((e) => toDiagnostic(e, tree, file));
}

/**
 * The tree as ajv can check it: the loader's maps have no prototype (user names are keys), and
 * ajv's deep equality (uniqueItems, enum) calls `valueOf` on the maps it compares, which only
 * happens for maps inside lists. So what is inside a list is copied to ordinary objects, and
 * a map is copied only when something below it was (a map of 40,000 labels is not).
 */
function forAjv(v: unknown, inList = false): unknown {
  if (Array.isArray(v)) return v.map((x) => forAjv(x, true));
  if (typeof v !== 'object' || v === null) return v;
  const entries = Object.entries(v);
  const copied = entries.map(([, x]) => forAjv(x, inList));
  if (!inList && copied.every((c, i) => c === entries[i]![1])) return v;
  const out: Record<string, unknown> = inList ? {} : (Object.create(null) as Record<string, unknown>);
  entries.forEach(([k], i) => Object.defineProperty(out, k, { value: copied[i], enumerable: true, writable: true, configurable: true }));
  return out;
}

/** Walk a JSON pointer; returns the container holding the last segment and the key. */
function resolvePointer(root: unknown, pointer: string): { parent: object | undefined; key: string | undefined; value: unknown } {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent: object | undefined;
  let key: string | undefined;
  let value: unknown = root;
  for (const p of parts) {
    if (typeof value !== 'object' || value === null) break;
    parent = value;
    key = p;
    value = (value as Record<string, unknown>)[p];
  }
  return { parent, key, value };
}

/** Human path: `services.web.ports[0]`. */
export function displayPath(pointer: string): string {
  if (pointer === '') return 'the top level';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function typeName(t: string): string {
  switch (t) {
    case 'object':
      return 'a map';
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    case 'null':
      return 'empty';
    default:
      return `a ${t}`;
  }
}

function actualType(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `a ${typeof v}`;
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'if', 'not']);

/**
 * ajv with allErrors reports every branch of a oneOf. Keep, per place, the errors that
 * say the most: specific errors (unknown key, missing key, bad value) beat type errors,
 * deeper places beat their parents, and combinator summaries go last.
 */
function reduce(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'type' && !COMBINATORS.has(e.keyword));
  const typeErrs = errors.filter((e) => e.keyword === 'type');
  const out: ErrorObject[] = [];
  // A specific error wins over type errors at its own path or above it (the type errors
  // come from oneOf branches the value did not take).
  const isCovered = (p: string) => specific.some((s) => s.instancePath === p || s.instancePath.startsWith(p + '/'));
  const seenSpecific = new Set<string>();
  for (const s of specific) {
    const k = `${s.instancePath}|${s.keyword}|${JSON.stringify(s.params)}`;
    if (seenSpecific.has(k)) continue;
    seenSpecific.add(k);
    out.push(s);
  }
  const byPath = new Map<string, ErrorObject[]>();
  for (const t of typeErrs) {
    if (isCovered(t.instancePath) && out.some((o) => o.instancePath === t.instancePath || o.instancePath.startsWith(t.instancePath + '/'))) continue;
    const list = byPath.get(t.instancePath) ?? [];
    list.push(t);
    byPath.set(t.instancePath, list);
  }
  for (const [path, list] of byPath) {
    // Only the deepest type failures matter.
    if ([...byPath.keys()].some((p) => p !== path && p.startsWith(path + '/'))) continue;
    const types = new Set<string>();
    for (const t of list) for (const ty of ([] as string[]).concat(t.params.type as string | string[])) types.add(ty);
    const first = list[0]!;
    out.push({ ...first, params: { type: [...types] } });
  }
  if (!out.length) {
    const comb = errors.find((e) => COMBINATORS.has(e.keyword));
    if (comb) out.push(comb);
  }
  return out;
}

function toDiagnostic(e: ErrorObject, root: unknown, file: string): Diagnostic {
  const { parent, key, value } = resolvePointer(root, e.instancePath);
  const at = (): Loc | undefined => (parent && key !== undefined ? valueLoc(parent, key) : typeof root === 'object' && root ? selfLoc(root) : undefined);
  const fallback: Loc = { file, line: 1, col: 1 };
  const where = displayPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const loc = (typeof value === 'object' && value ? keyLoc(value, extra) : undefined) ?? at() ?? fallback;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const s = suggest(extra, allowed);
      return diag('UNKNOWN_KEY', `unknown key "${extra}" in ${where}`, loc, s ? `did you mean "${s}"?` : allowedHint(allowed));
    }
    case 'required': {
      const missing = String(e.params.missingProperty);
      return diag('MISSING_KEY', `${where} needs the key "${missing}"`, at() ?? fallback, `add ${missing}: ...`);
    }
    case 'type': {
      const types = ([] as string[]).concat(e.params.type as string | string[]).map(typeName);
      const unique = [...new Set(types)];
      return diag('WRONG_TYPE', `${where} must be ${joinOr(unique)}, not ${actualType(value)}`, at() ?? fallback);
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const s = typeof value === 'string' ? suggest(value, allowed) : undefined;
      return diag('INVALID_VALUE', `${where} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`, at() ?? fallback, s ? `did you mean "${s}"?` : undefined);
    }
    case 'const':
      return diag('INVALID_VALUE', `${where} must be ${JSON.stringify(e.params.allowedValue)}`, at() ?? fallback);
    case 'pattern':
      return diag('INVALID_VALUE', `${where} ${JSON.stringify(value)} does not match the pattern ${String(e.params.pattern)}`, at() ?? fallback);
    case 'propertyNames': {
      const name = String(e.params.propertyName);
      const loc = (typeof value === 'object' && value ? keyLoc(value, name) : undefined) ?? at() ?? fallback;
      return diag('INVALID_NAME', `invalid name "${name}" in ${where}`, loc, 'names use letters, digits, "_", "-" and "."');
    }
    case 'uniqueItems':
      return diag('INVALID_VALUE', `${where} has duplicate items (${String(e.params.j)} and ${String(e.params.i)})`, at() ?? fallback, 'remove the duplicate');
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return diag('INVALID_VALUE', `${where} ${e.message ?? 'is out of range'}`, at() ?? fallback);
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
    case 'minLength':
    case 'maxLength':
      return diag('INVALID_VALUE', `${where} ${e.message ?? 'has the wrong size'}`, at() ?? fallback);
    default:
      return diag('INVALID_VALUE', `${where} ${e.message ?? 'is invalid'}`, at() ?? fallback);
  }
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'valid';
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function allowedHint(allowed: string[]): string | undefined {
  if (!allowed.length || allowed.length > 12) return undefined;
  return `allowed keys: ${allowed.join(', ')}`;
}

/**
 * One service as written (short forms, lists or maps, relative paths) -> the canonical long
 * form of the Compose Specification, with paths made absolute against the file's base
 * directory. Runs per file, before files are merged, so every path is resolved against the
 * right directory and every error points at the right line.
 */
import { isAbsolute, resolve } from 'node:path';
import { isRemoteContext } from '../model/service.js';
import { diag, type Diagnostic, type Loc } from './diagnostics.js';
import { envFileToMap, parseEnvFile } from './envfile.js';
import { readDiagnostic, readRegularFile } from './readfile.js';
import {
  parseBytes,
  parseCommand,
  parseDependsOn,
  parseDuration,
  parseEnvironment,
  parseExtraHosts,
  parseHealthcheck,
  parseLabels,
  parseLink,
  parsePorts,
  parseSysctls,
  parseUlimits,
  parseVolume,
  normalizePortLong,
  normalizeVolumeLong,
  toStringList,
  type Parsed,
} from './shortsyntax.js';
import { copyLoc, copyMarks, isTree, newTree, put, rawText, setLoc, valueLoc, type Tree } from './tree.js';
import { dict, hasKey } from '../model/dict.js';

export interface CanonContext {
  /** Directory relative paths of this file resolve against. */
  baseDir: string;
  homeDir: string;
  /** Variables: shell env over .env; used for bare `KEY` environment entries. */
  lookup: (name: string) => string | undefined;
  diagnostics: Diagnostic[];
  file: string;
  /** Relative paths kept as written (`config --no-path-resolution`). */
  keepRelative?: boolean;
  /** `env_file` kept as a list of files, not read into `environment` (`config --no-env-resolution`). */
  keepEnvFiles?: boolean;
}

const INT_KEYS = [
  'scale',
  'cpu_shares',
  'cpu_quota',
  'cpu_period',
  'cpu_count',
  'cpu_percent',
  'pids_limit',
  'oom_score_adj',
  'mem_swappiness',
] as const;
const FLOAT_KEYS = ['cpus'] as const;
const BOOL_KEYS = ['privileged', 'read_only', 'stdin_open', 'tty', 'init', 'oom_kill_disable'] as const;
const BYTE_KEYS = ['mem_limit', 'mem_reservation', 'shm_size'] as const;
const LIST_KEYS = ['dns', 'dns_search', 'dns_opt', 'tmpfs', 'cap_add', 'cap_drop', 'security_opt', 'group_add', 'device_cgroup_rules'] as const;

/** Canonicalize every service of a structured file tree in place (services map values replaced). */
export function canonicalizeServices(tree: Tree, ctx: CanonContext): void {
  const services = tree.services;
  if (!isTree(services)) return;
  for (const [name, raw] of Object.entries(services)) {
    if (!isTree(raw)) continue;
    const svc = canonicalizeService(name, raw, ctx);
    put(services, name, svc);
  }
}

function report(ctx: CanonContext, code: Diagnostic['code'], r: { error: string; hint?: string }, at: Loc | undefined): void {
  ctx.diagnostics.push(diag(code, r.error, at ?? { file: ctx.file, line: 1, col: 1 }, r.hint));
}

function take<T>(ctx: CanonContext, code: Diagnostic['code'], r: Parsed<T>, at: Loc | undefined): T | undefined {
  if (r.ok) return r.value;
  report(ctx, code, r, at);
  return undefined;
}

/**
 * `take` for a parser of a whole list or map whose items are independent (environment,
 * extra_hosts, ulimits, healthcheck, ...): on failure, the error is placed at the first item
 * that fails on its own, not at the start of the list or map.
 */
function takeItems<T>(ctx: CanonContext, code: Diagnostic['code'], value: unknown, parse: (v: unknown) => Parsed<T>, at: Loc | undefined): T | undefined {
  const r = parse(value);
  if (r.ok) return r.value;
  let loc = at;
  if (Array.isArray(value)) {
    const i = value.findIndex((item) => !parse([item]).ok);
    if (i >= 0) loc = valueLoc(value, i) ?? at;
  } else if (isTree(value)) {
    const k = Object.keys(value).find((key) => !parse(dict([[key, value[key]]])).ok);
    if (k !== undefined) loc = valueLoc(value, k) ?? at;
  }
  report(ctx, code, r, loc);
  return undefined;
}

export function canonicalizeService(name: string, raw: Tree, ctx: CanonContext): Tree {
  const out = newTree(raw);
  copyMarks(raw, out);
  const at = (k: string) => valueLoc(raw, k);
  for (const [key, value] of Object.entries(raw)) {
    copyLoc(raw, key, out, key);
    switch (key) {
      case 'build':
        put(out, key, canonicalBuild(value, ctx, raw));
        break;
      case 'develop':
        put(out, key, canonicalDevelop(value, ctx));
        break;
      case 'dockerfile':
        // Compose file format v1: `dockerfile` beside `build`.
        break;
      case 'command':
      case 'entrypoint': {
        const v = take(ctx, 'INVALID_VALUE', parseCommand(value, key === 'entrypoint'), at(key));
        if (v !== undefined) put(out, key, v);
        break;
      }
      case 'environment': {
        const v = takeItems(ctx, 'INVALID_VALUE', value, (x) => parseEnvironment(x, ctx.lookup, (k) => (isTree(value) ? rawText(value, k) : undefined)), at(key));
        if (v) {
          const env = newTree(isTree(value) ? value : undefined);
          if (isTree(value)) copyMarks(value, env);
          for (const [k, ev] of Object.entries(v)) {
            put(env, k, ev);
            if (isTree(value)) copyLoc(value, k, env, k);
            else setLoc(env, k, at(key));
          }
          put(out, key, env);
        }
        break;
      }
      case 'env_file':
        break; // handled below, after environment
      case 'labels': {
        const v = takeItems(ctx, 'INVALID_VALUE', value, (x) => parseLabels(x), at(key));
        if (v && isTree(value)) copyMarks(value, v);
        if (v) put(out, key, v);
        break;
      }
      case 'label_file':
        break;
      case 'ports':
        put(out, key, canonicalList(value, ctx, (item, loc) => {
          if (isTree(item)) {
            const p = take(ctx, 'INVALID_PORT', normalizePortLong(item), loc);
            return p ? [p] : [];
          }
          return take(ctx, 'INVALID_PORT', parsePorts(item as string | number), loc) ?? [];
        }));
        break;
      case 'expose':
        put(out, key, Array.isArray(value) ? value.map(String) : []);
        break;
      case 'volumes':
        put(out, key, canonicalList(value, ctx, (item, loc) => {
          const vctx = { projectDir: ctx.baseDir, homeDir: ctx.homeDir, ...(ctx.keepRelative ? { keepRelative: true } : {}) };
          const v = isTree(item) ? take(ctx, 'INVALID_VOLUME', normalizeVolumeLong(item, vctx), loc) : take(ctx, 'INVALID_VOLUME', parseVolume(String(item), vctx), loc);
          return v ? [v] : [];
        }));
        break;
      case 'links':
        put(out, key, canonicalList(value, ctx, (item, loc) => {
          const l = take(ctx, 'INVALID_VALUE', parseLink(String(item)), loc);
          return l ? [l] : [];
        }));
        break;
      case 'depends_on': {
        const v = take(ctx, 'INVALID_VALUE', parseDependsOn(value), at(key));
        if (v) put(out, key, keyedCopy(v, value, at(key)));
        break;
      }
      case 'networks': {
        const nets = newTree();
        if (Array.isArray(value)) {
          value.forEach((n, i) => {
            put(nets, String(n), null);
            setLoc(nets, String(n), valueLoc(value, i));
          });
        } else if (isTree(value)) {
          for (const [n, cfg] of Object.entries(value)) {
            put(nets, n, cfg ?? null);
            copyLoc(value, n, nets, n);
          }
        }
        put(out, key, nets);
        break;
      }
      case 'healthcheck': {
        if (isTree(value)) {
          const h = takeItems(ctx, 'INVALID_DURATION', value, (x) => parseHealthcheck(x as Tree), at(key));
          if (h) put(out, key, h);
        }
        break;
      }
      case 'extra_hosts': {
        const v = takeItems(ctx, 'INVALID_VALUE', value, (x) => parseExtraHosts(x), at(key));
        if (v) put(out, key, v);
        break;
      }
      case 'ulimits': {
        const v = takeItems(ctx, 'INVALID_VALUE', value, (x) => parseUlimits(x), at(key));
        if (v) put(out, key, v);
        break;
      }
      case 'sysctls': {
        const v = takeItems(ctx, 'INVALID_VALUE', value, (x) => parseSysctls(x), at(key));
        if (v) put(out, key, v);
        break;
      }
      case 'stop_grace_period': {
        const v = take(ctx, 'INVALID_DURATION', parseDuration(value as string | number), at(key));
        if (v !== undefined) put(out, key, v);
        break;
      }
      case 'memswap_limit': {
        if (value === -1 || value === '-1') put(out, key, -1);
        else {
          const v = take(ctx, 'INVALID_SIZE', parseBytes(value as string | number), at(key));
          if (v !== undefined) put(out, key, v);
        }
        break;
      }
      case 'deploy':
        put(out, key, canonicalDeploy(value, ctx));
        break;
      case 'log_driver':
      case 'log_opt':
        break; // folded into logging below
      case 'restart': {
        const r = String(value);
        if (!/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(r)) {
          report(ctx, 'INVALID_VALUE', { error: `restart policy "${r}" is not one of no, always, on-failure[:N], unless-stopped`, hint: 'use e.g. restart: unless-stopped' }, at(key));
        }
        put(out, key, r);
        break;
      }
      default:
        put(out, key, scalarFor(key, value, ctx, at(key)));
    }
  }
  // env_file: lower precedence than environment.
  if (raw.env_file !== undefined) {
    if (ctx.keepEnvFiles) put(out, 'env_file', canonicalEnvFiles(raw, ctx));
    else applyEnvFiles(raw, out, ctx);
  }
  if (raw.label_file !== undefined) applyLabelFiles(raw, out, ctx);
  if (raw.log_driver !== undefined || raw.log_opt !== undefined) {
    const logging = isTree(out.logging) ? out.logging : newTree();
    if (raw.log_driver !== undefined && logging.driver === undefined) put(logging, 'driver', raw.log_driver);
    if (raw.log_opt !== undefined && logging.options === undefined) put(logging, 'options', raw.log_opt);
    put(out, 'logging', logging);
  }
  if (raw.dockerfile !== undefined) {
    const b = isTree(out.build) ? out.build : undefined;
    if (b && b.dockerfile === undefined) {
      put(b, 'dockerfile', raw.dockerfile);
      copyLoc(raw, 'dockerfile', b, 'dockerfile');
    }
  }
  put(out, 'name', name);
  return out;
}

function scalarFor(key: string, value: unknown, ctx: CanonContext, at: Loc | undefined): unknown {
  if ((INT_KEYS as readonly string[]).includes(key)) return toNumber(key, value, ctx, at, true);
  if ((FLOAT_KEYS as readonly string[]).includes(key)) return toNumber(key, value, ctx, at, false);
  if ((BOOL_KEYS as readonly string[]).includes(key)) return toBool(key, value, ctx, at);
  if ((BYTE_KEYS as readonly string[]).includes(key)) return take(ctx, 'INVALID_SIZE', parseBytes(value as string | number), at);
  if ((LIST_KEYS as readonly string[]).includes(key)) return take(ctx, 'INVALID_VALUE', toStringList(value), at);
  return value;
}

function toNumber(key: string, value: unknown, ctx: CanonContext, at: Loc | undefined, integer: boolean): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(n) || (integer && !Number.isInteger(n))) {
    report(ctx, 'INVALID_VALUE', { error: `${key} must be ${integer ? 'an integer' : 'a number'}, not ${JSON.stringify(value)}` }, at);
    return undefined;
  }
  return n;
}

function toBool(key: string, value: unknown, ctx: CanonContext, at: Loc | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True' || value === 'TRUE') return true;
  if (value === 'false' || value === 'False' || value === 'FALSE') return false;
  report(ctx, 'INVALID_VALUE', { error: `${key} must be true or false, not ${JSON.stringify(value)}` }, at);
  return undefined;
}

function canonicalList<T>(value: unknown, _ctx: CanonContext, each: (item: unknown, loc: Loc | undefined) => T[]): T[] {
  if (!Array.isArray(value)) return [];
  const out: T[] = [];
  value.forEach((item, i) => {
    const items = each(item, valueLoc(value, i));
    for (const it of items) {
      out.push(it);
      setLoc(out, out.length - 1, valueLoc(value, i));
    }
  });
  return out;
}

/** A map built from a list or map source, with each key positioned where it was written. */
function keyedCopy<T>(parsed: Record<string, T>, source: unknown, fallback: Loc | undefined): Tree {
  const t = newTree(isTree(source) ? source : undefined);
  for (const [k, v] of Object.entries(parsed)) {
    put(t, k, v);
    if (isTree(source)) copyLoc(source, k, t, k);
    else if (Array.isArray(source)) {
      const i = source.findIndex((s) => s === k);
      setLoc(t, k, i >= 0 ? valueLoc(source, i) : fallback);
    } else setLoc(t, k, fallback);
  }
  return t;
}

/** A path of the model: absolute, or as written with `keepRelative`. */
function resolvePath(ctx: CanonContext, p: string): string {
  if (ctx.keepRelative && !isAbsolute(p)) return p;
  return absolutePath(ctx, p);
}

/** A path the loader reads now (env_file, label_file): always absolute. */
function absolutePath(ctx: CanonContext, p: string): string {
  if (p === '~' || p.startsWith('~/')) return resolve(ctx.homeDir, p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(ctx.baseDir, p);
}

function canonicalBuild(value: unknown, ctx: CanonContext, raw: Tree): Tree {
  const b = newTree(isTree(value) ? value : undefined);
  if (typeof value === 'string') {
    put(b, 'context', isRemoteContext(value) ? value : resolvePath(ctx, value));
    setLoc(b, 'context', valueLoc(raw, 'build'));
    return b;
  }
  if (!isTree(value)) return b;
  for (const [k, v] of Object.entries(value)) {
    copyLoc(value, k, b, k);
    if (k === 'args') {
      const args = take(ctx, 'INVALID_VALUE', parseEnvironment(v, () => undefined, (key) => (isTree(v) ? rawText(v, key) : undefined)), valueLoc(value, k));
      put(b, k, args ?? {});
    } else if (k === 'labels') {
      const labels = take(ctx, 'INVALID_VALUE', parseLabels(v), valueLoc(value, k));
      put(b, k, labels ?? {});
    } else if (k === 'extra_hosts') {
      put(b, k, take(ctx, 'INVALID_VALUE', parseExtraHosts(v), valueLoc(value, k)) ?? []);
    } else if (k === 'shm_size') {
      put(b, k, take(ctx, 'INVALID_SIZE', parseBytes(v as string | number), valueLoc(value, k)));
    } else if (k === 'no_cache' || k === 'pull') {
      // `${NO_CACHE:-false}` interpolates to a string: the value is the boolean it spells.
      put(b, k, toBool(`build.${k}`, v, ctx, valueLoc(value, k)));
    } else put(b, k, v);
  }
  const c = typeof value.context === 'string' ? value.context : '.';
  put(b, 'context', isRemoteContext(c) ? c : resolvePath(ctx, c));
  return b;
}

/**
 * `deploy`: `replicas` and `placement.max_replicas_per_node` as integers (`replicas: "2"` and
 * `${REPLICAS}` interpolate to strings; compose reads them as numbers); the rest as written.
 */
function canonicalDeploy(value: unknown, ctx: CanonContext): unknown {
  if (!isTree(value)) return value;
  const d = newTree(value);
  for (const [k, v] of Object.entries(value)) {
    copyLoc(value, k, d, k);
    if (k === 'replicas' && typeof v === 'string') put(d, k, toNumber('deploy.replicas', v, ctx, valueLoc(value, k), true));
    else if (k === 'placement' && isTree(v) && typeof v.max_replicas_per_node === 'string') {
      const p = newTree(v);
      for (const [pk, pv] of Object.entries(v)) {
        copyLoc(v, pk, p, pk);
        put(p, pk, pk === 'max_replicas_per_node' ? toNumber('deploy.placement.max_replicas_per_node', pv, ctx, valueLoc(v, pk), true) : pv);
      }
      put(d, k, p);
    } else put(d, k, v);
  }
  return d;
}

/** `develop.watch`: each rule's `path` made absolute, `ignore`/`include` always lists. */
function canonicalDevelop(value: unknown, ctx: CanonContext): unknown {
  if (!isTree(value) || !Array.isArray(value.watch)) return value;
  const d = newTree(value);
  for (const [k, v] of Object.entries(value)) {
    copyLoc(value, k, d, k);
    put(d, k, v);
  }
  const rules = value.watch.map((rule: unknown) => {
    if (!isTree(rule)) return rule;
    const r = newTree(rule);
    for (const [k, v] of Object.entries(rule)) {
      copyLoc(rule, k, r, k);
      if (k === 'path' && typeof v === 'string') put(r, k, resolvePath(ctx, v));
      else if ((k === 'ignore' || k === 'include') && typeof v === 'string') put(r, k, [v]);
      else put(r, k, v);
    }
    return r;
  });
  value.watch.forEach((_, i) => copyLoc(value.watch as object, i, rules, i));
  put(d, 'watch', rules);
  return d;
}

interface FileRef {
  path: string;
  required: boolean;
  loc: Loc | undefined;
}

function fileRefs(value: unknown, at: Loc | undefined): FileRef[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((it, i) => {
    const loc = Array.isArray(value) ? valueLoc(value, i) : at;
    if (isTree(it)) return { path: String(it.path), required: it.required !== false && it.required !== 'false', loc };
    return { path: String(it), required: true, loc };
  });
}

function readKeyValueFile(ref: FileRef, ctx: CanonContext, what: string): Record<string, string | undefined> | undefined {
  const path = absolutePath(ctx, ref.path);
  const read = readRegularFile(path);
  if (!read.ok) {
    if (read.problem !== 'missing') ctx.diagnostics.push(readDiagnostic(read, what, path, ref.loc));
    else if (ref.required) {
      ctx.diagnostics.push(
        readDiagnostic(read, what, path, ref.loc, { missingCode: 'ENV_FILE_MISSING', hint: 'create the file, fix the path, or mark it optional with "required: false"' }),
      );
    }
    return undefined;
  }
  const parsed = parseEnvFile(read.text, ctx.lookup);
  for (const e of parsed.errors) ctx.diagnostics.push(diag('ENV_FILE_SYNTAX', e.message, { file: path, line: e.line, col: e.col }));
  return envFileToMap(parsed);
}

function applyEnvFiles(raw: Tree, out: Tree, ctx: CanonContext): void {
  const fromFiles: Record<string, string | undefined> = dict();
  for (const ref of fileRefs(raw.env_file, valueLoc(raw, 'env_file'))) {
    Object.assign(fromFiles, readKeyValueFile(ref, ctx, 'env_file'));
  }
  const env = isTree(out.environment) ? out.environment : newTree();
  const fromFile: string[] = Array.isArray(out.envFromFile) ? (out.envFromFile as string[]) : [];
  for (const [k, v] of Object.entries(fromFiles)) {
    if (Object.prototype.hasOwnProperty.call(env, k)) continue;
    put(env, k, v ?? null);
    setLoc(env, k, valueLoc(raw, 'env_file'));
    fromFile.push(k);
  }
  put(out, 'environment', env);
  if (fromFile.length) put(out, 'envFromFile', fromFile);
}

/** `env_file` in its long form (`{path, required}`), the paths resolved as other paths are. */
function canonicalEnvFiles(raw: Tree, ctx: CanonContext): Tree[] {
  return fileRefs(raw.env_file, valueLoc(raw, 'env_file')).map((ref) => {
    const t = newTree();
    put(t, 'path', resolvePath(ctx, ref.path));
    put(t, 'required', ref.required);
    return t;
  });
}

function applyLabelFiles(raw: Tree, out: Tree, ctx: CanonContext): void {
  const labels: Record<string, string> = isTree(out.labels) ? (out.labels as Record<string, string>) : dict<string>();
  for (const ref of fileRefs(raw.label_file, valueLoc(raw, 'label_file'))) {
    const m = readKeyValueFile(ref, ctx, 'label_file') ?? {};
    for (const [k, v] of Object.entries(m)) if (!hasKey(labels, k)) labels[k] = v ?? '';
  }
  put(out, 'labels', labels);
}


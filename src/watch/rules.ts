/**
 * `develop.watch` rules (the Compose Specification's develop section) as data, and which rule a
 * changed path falls under. Pure: paths in, decisions out; the file system is read only to load
 * a build context's `.dockerignore` (`loadDockerignore`).
 *
 * A path is considered by a rule when it lies at or below the rule's `path` and:
 * - no part of it below the rule's path is `.git`, `.idea`, or an editor's temporary file
 *   (vim `.x.swp`/`4913`/`x~`, emacs `.#x`, JetBrains `x___jb_tmp___`), as compose ignores them;
 * - no part is `node_modules`, unless the rule's `include` patterns match the path;
 * - the rule's `ignore` patterns (Docker's pattern syntax, relative to the rule's path) do not
 *   match it;
 * - the rule's `include` patterns, when there are any, match it;
 * - the service's build context `.dockerignore` (relative to the context) does not exclude it;
 *   the Dockerfile and `.dockerignore` themselves are never excluded (a build always reads them).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { posix } from 'node:path';
import { IgnoreMatcher, parseDockerignore } from '../build/dockerignore.js';
import { parseCommand } from '../config/shortsyntax.js';
import type { Project, Service } from '../model/project.js';

export type WatchAction = 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';

export const WATCH_ACTIONS: readonly WatchAction[] = ['sync', 'rebuild', 'restart', 'sync+restart', 'sync+exec'];

/** A command run in the service's containers after a sync (`sync+exec`). */
export interface ExecHook {
  command: string[];
  user?: string;
  privileged?: boolean;
  workingDir?: string;
  /** `KEY=value` entries. */
  env?: string[];
}

export interface WatchRule {
  service: string;
  /** Position in the service's `develop.watch` list. */
  index: number;
  /** Absolute host path (file or directory). */
  path: string;
  action: WatchAction;
  /** Absolute path inside the container (sync actions). */
  target?: string;
  ignore: string[];
  include: string[];
  initialSync: boolean;
  exec?: ExecHook;
}

/** A rule with its matchers built. */
export interface CompiledRule extends WatchRule {
  ignoreMatcher?: IgnoreMatcher;
  includeMatcher?: IgnoreMatcher;
  /** The build context's `.dockerignore`, for paths inside the context. */
  dockerignore?: ContextIgnore;
}

export interface ContextIgnore {
  /** Absolute context directory. */
  root: string;
  matcher: IgnoreMatcher;
  /** Context-relative paths never excluded (the Dockerfile, `.dockerignore`). */
  keep: Set<string>;
}

export function isSyncAction(a: WatchAction): boolean {
  return a === 'sync' || a === 'sync+restart' || a === 'sync+exec';
}

function toList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

function toBool(v: unknown): boolean {
  return v === true || v === 'true' || v === 'True' || v === 'TRUE';
}

/** A hook's command: a list as written; a string split into words as `command:` is. */
function hookCommand(v: unknown): string[] | undefined {
  const r = parseCommand(v);
  return r.ok && r.value ? r.value : undefined;
}

function hookEnv(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).map(([k, val]) => (val === null || val === undefined ? k : `${k}=${String(val)}`));
  }
  return undefined;
}

/** The `develop.watch` rules of one service, as written (paths made absolute against `baseDir`). */
export function serviceRules(svc: Service, baseDir: string): { rules: WatchRule[]; errors: string[] } {
  const develop = svc.develop as { watch?: unknown } | null | undefined;
  const list = develop && Array.isArray(develop.watch) ? (develop.watch as unknown[]) : [];
  const rules: WatchRule[] = [];
  const errors: string[] = [];
  list.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const r = raw as Record<string, unknown>;
    const where = `services.${svc.name}.develop.watch[${index}]`;
    const action = String(r.action) as WatchAction;
    if (!WATCH_ACTIONS.includes(action)) {
      errors.push(`${where}: action "${String(r.action)}" is not one of ${WATCH_ACTIONS.join(', ')}`);
      return;
    }
    if (typeof r.path !== 'string' || r.path === '') {
      errors.push(`${where}: a watch rule needs a path`);
      return;
    }
    const rule: WatchRule = {
      service: svc.name,
      index,
      path: resolve(baseDir, r.path),
      action,
      ignore: toList(r.ignore),
      include: toList(r.include),
      initialSync: toBool(r.initial_sync),
    };
    if (typeof r.target === 'string' && r.target !== '') rule.target = posix.resolve('/', r.target);
    if (isSyncAction(action) && rule.target === undefined) {
      errors.push(`${where}: action ${action} needs a target (the path inside the container)`);
      return;
    }
    if (action === 'rebuild' && !svc.build) {
      errors.push(`${where}: action rebuild needs a build section on service ${svc.name}`);
      return;
    }
    if (action === 'sync+exec') {
      const e = (r.exec ?? {}) as Record<string, unknown>;
      const command = hookCommand(e.command);
      if (!command?.length) {
        errors.push(`${where}: action sync+exec needs exec.command`);
        return;
      }
      const hook: ExecHook = { command };
      if (typeof e.user === 'string') hook.user = e.user;
      if (toBool(e.privileged)) hook.privileged = true;
      if (typeof e.working_dir === 'string') hook.workingDir = e.working_dir;
      const env = hookEnv(e.environment);
      if (env) hook.env = env;
      rule.exec = hook;
    }
    rules.push(rule);
  });
  return { rules, errors };
}

/** The services to watch: the named ones, or every service of the project. */
export function projectRules(project: Project, services: string[] = []): { rules: WatchRule[]; errors: string[] } {
  const names = services.length ? services : Object.keys(project.services).sort();
  const rules: WatchRule[] = [];
  const errors: string[] = [];
  for (const n of names) {
    const svc = project.services[n];
    if (!svc) {
      errors.push(`no such service: ${n}`);
      continue;
    }
    const r = serviceRules(svc, project.workingDir);
    rules.push(...r.rules);
    errors.push(...r.errors);
  }
  return { rules, errors };
}

/** A build context's `.dockerignore` (undefined without one, or for a remote context). */
export function loadDockerignore(svc: Service, read: (path: string) => string | undefined = readText): ContextIgnore | undefined {
  const b = svc.build;
  if (!b || typeof b.context !== 'string' || !isAbsolute(b.context)) return undefined;
  const text = read(join(b.context, '.dockerignore'));
  if (text === undefined) return undefined;
  const patterns = parseDockerignore(text);
  if (!patterns.length) return undefined;
  const keep = new Set(['.dockerignore']);
  const dockerfile = typeof b.dockerfile === 'string' ? b.dockerfile : 'Dockerfile';
  const rel = toSlash(relative(b.context, resolve(b.context, dockerfile)));
  if (!rel.startsWith('..')) keep.add(rel);
  return { root: b.context, matcher: new IgnoreMatcher(patterns), keep };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Rules with their matchers. Bad patterns are reported and the rule dropped; `dockerignore`
 * gives each service's context ignore (default: read from disk).
 */
export function compileRules(
  rules: WatchRule[],
  project: Project,
  dockerignore: (svc: Service) => ContextIgnore | undefined = (s) => loadDockerignore(s),
): { rules: CompiledRule[]; errors: string[] } {
  const out: CompiledRule[] = [];
  const errors: string[] = [];
  const byService = new Map<string, ContextIgnore | undefined>();
  for (const r of rules) {
    const svc = project.services[r.service];
    if (!svc) continue;
    if (!byService.has(r.service)) {
      try {
        byService.set(r.service, dockerignore(svc));
      } catch (err) {
        errors.push(`services.${r.service}: .dockerignore: ${(err as Error).message}`);
        byService.set(r.service, undefined);
      }
    }
    try {
      const c: CompiledRule = { ...r };
      if (r.ignore.length) c.ignoreMatcher = new IgnoreMatcher(r.ignore.map(cleanPattern));
      if (r.include.length) c.includeMatcher = new IgnoreMatcher(r.include.map(cleanPattern));
      const di = byService.get(r.service);
      if (di) c.dockerignore = di;
      out.push(c);
    } catch (err) {
      errors.push(`services.${r.service}.develop.watch[${r.index}]: ${(err as Error).message}`);
    }
  }
  return { rules: out, errors };
}

/** `./src/` and `/src` mean `src` (patterns are relative to the rule's path). */
function cleanPattern(p: string): string {
  const neg = p.startsWith('!');
  let body = (neg ? p.slice(1) : p).trim();
  body = body.replace(/^\.\/+/, '').replace(/^\/+/, '');
  return neg ? `!${body}` : body;
}

function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The path below `root` (`/`-separated; '' for root itself), or undefined when outside. */
export function relativeTo(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '') return '';
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return toSlash(rel);
}

/** Editor temporary and lock files (compose's list, from tilt). */
export function isEphemeralName(name: string): boolean {
  return (
    name === '4913' ||
    name.endsWith('~') ||
    name.startsWith('.#') ||
    name.endsWith('___jb_old___') ||
    name.endsWith('___jb_tmp___') ||
    /^\..*\.sw[pxon]$/.test(name)
  );
}

/** Ignored whatever the rule says: `.git`, `.idea`, editor temporaries; `node_modules` unless included. */
function defaultIgnored(parts: string[], included: boolean): boolean {
  for (const p of parts) {
    if (p === '.git' || p === '.idea' || isEphemeralName(p)) return true;
    if (p === 'node_modules' && !included) return true;
  }
  return false;
}

/** Where `path` goes in the container under `rule` (the rule's target, for a non-sync rule undefined). */
function containerPathFor(rule: WatchRule, rel: string): string | undefined {
  if (rule.target === undefined) return undefined;
  return rel === '' ? rule.target : posix.join(rule.target, rel);
}

export interface RuleMatch {
  rule: CompiledRule;
  /** Host path. */
  path: string;
  /** Path inside the container (sync actions). */
  containerPath?: string;
}

/** Does `rule` consider `path` (absolute)? */
export function matchRule(rule: CompiledRule, path: string): RuleMatch | undefined {
  const rel = relativeTo(rule.path, path);
  if (rel === undefined) return undefined;
  if (rel !== '') {
    const parts = rel.split('/');
    const included = rule.includeMatcher ? rule.includeMatcher.matches(rel) : false;
    if (defaultIgnored(parts, included)) return undefined;
    if (rule.ignoreMatcher?.matches(rel)) return undefined;
    if (rule.includeMatcher && !included) return undefined;
  }
  if (contextIgnored(rule.dockerignore, path)) return undefined;
  const containerPath = containerPathFor(rule, rel);
  return containerPath === undefined ? { rule, path } : { rule, path, containerPath };
}

function contextIgnored(ci: ContextIgnore | undefined, path: string): boolean {
  if (!ci) return false;
  const rel = relativeTo(ci.root, path);
  if (rel === undefined || rel === '' || ci.keep.has(rel)) return false;
  return ci.matcher.matches(rel);
}

/**
 * Can nothing at or below the directory `dir` match `rule`? (The watcher then skips the whole
 * tree: no inotify watch, no scan.) Conservative: false when unsure.
 */
export function canPrune(rule: CompiledRule, dir: string): boolean {
  const rel = relativeTo(rule.path, dir);
  if (rel === undefined) return true;
  if (rel === '') return false;
  const parts = rel.split('/');
  for (const p of parts) {
    if (p === '.git' || p === '.idea' || isEphemeralName(p)) return true;
  }
  if (parts.includes('node_modules') && !rule.include.some((i) => i.includes('node_modules') || i.startsWith('**') || i.startsWith('!'))) return true;
  if (rule.ignoreMatcher?.matches(rel) && !rule.ignoreMatcher.exceptionsBelow(rel)) return true;
  const ci = rule.dockerignore;
  if (ci) {
    const crel = relativeTo(ci.root, dir);
    if (crel !== undefined && crel !== '' && ci.matcher.matches(crel) && !ci.matcher.exceptionsBelow(crel)) {
      const keepsBelow = [...ci.keep].some((k) => k.startsWith(`${crel}/`));
      if (!keepsBelow) return true;
    }
  }
  return false;
}

/** Every rule that considers `path`, in rule order. */
export function matchAll(rules: CompiledRule[], path: string): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const r of rules) {
    const m = matchRule(r, path);
    if (m) out.push(m);
  }
  return out;
}

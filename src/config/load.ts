/**
 * The loader: files -> positioned trees -> interpolated -> validated -> canonical services
 * -> include and extends -> merged -> a Project, or every diagnostic found on the way.
 */
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Project } from '../model/project.js';
import { attachSources } from '../model/diagnostic.js';
import { checkBuildContexts } from './buildcheck.js';
import { hasKey } from '../model/dict.js';
import { canonicalizeServices } from './canonical.js';
import { diag, hasErrors, sortDiagnostics, warning, type Diagnostic, type Loc } from './diagnostics.js';
import { discover, type DiscoverOptions } from './discover.js';
import { envFileToMap, parseEnvFile } from './envfile.js';
import { finalizeProject } from './finalize.js';
import { interpolate } from './interpolate.js';
import { DIRECTORY, markUnrepeatable, readDiagnostic, readRegularFile, readStdin } from './readfile.js';
import { mergeFiles, mergeService } from './merge.js';
import { Substitutions } from './redact.js';
import { suggest } from './suggest.js';
import { copyLoc, copyMarks, decodeProjectFile, innerLoc, isTree, keyLoc, newTree, parseYaml, put, selfLoc, setSelfLoc, treeSources, valueLoc, type Tree } from './tree.js';
import { validateTree } from './validate.js';

export interface LoadOptions extends DiscoverOptions {
  /** `-p/--project-name`. */
  projectName?: string;
  /** `--profile` (TSFIG_PROFILES is read from env when absent). */
  profiles?: string[];
  /** Services named on the command line: they are enabled whatever their profiles. */
  services?: string[];
  homeDir?: string;
  /** Read stdin for `-f -`. */
  stdin?: () => string;
  /** Check local build contexts and Dockerfiles (commands that may build; not `down`, `ps`, ...). */
  checkBuildContexts?: boolean;
  /**
   * `false` (`config --no-interpolate`, `--variables`): after the project is checked as usual,
   * the files are read again without interpolation and without the canonical form, merged
   * (include, extends, `-f` files), and returned as `model`: the text as written.
   */
  interpolate?: boolean;
  /** `false` (`config --no-path-resolution`): relative paths kept as written in the project. */
  resolvePaths?: boolean;
  /** `false` (`config --no-env-resolution`): `env_file` kept as a list, not read into `environment`. */
  resolveEnvFiles?: boolean;
  /** `false` (`config --no-consistency`): cross-references are not checked (see finalize.ts). */
  consistency?: boolean;
}

export interface LoadResult {
  project?: Project;
  diagnostics: Diagnostic[];
  /** The variables interpolation used (shell over the env files), when the files were found. */
  vars?: Record<string, string | undefined>;
  /** With `interpolate: false`: the merged files as written (name set, `version` dropped). */
  model?: Record<string, unknown>;
}

/** A file after parsing, interpolation, validation and canonicalization of its services. */
interface FileModel {
  file: string;
  flat: boolean;
  tree: Tree;
  /** Services whose `extends` is resolved. */
  resolved: Set<string>;
  baseDir: string;
  vars: Record<string, string | undefined>;
}

class Loader {
  readonly diagnostics: Diagnostic[] = [];
  private readonly cache = new Map<string, FileModel | null>();
  private readonly warnedUnset = new Set<string>();
  private readonly reportedCycles = new Set<string>();

  constructor(
    private readonly homeDir: string,
    private readonly shellEnv: Record<string, string | undefined>,
    private readonly substitutions: Substitutions,
    private readonly stdin?: () => string,
    private readonly mode: { raw?: boolean; keepRelative?: boolean; keepEnvFiles?: boolean } = {},
  ) {}

  /** Read one file (cached per file and base directory). */
  load(file: string, baseDir: string, vars: Record<string, string | undefined>, includeStack: string[], at?: Loc, what = 'project file'): FileModel | undefined {
    const cacheKey = `${file}\u0000${baseDir}`;
    if (this.cache.has(cacheKey)) return this.cache.get(cacheKey) ?? undefined;
    this.cache.set(cacheKey, null);
    const displayName = file === '-' ? '<stdin>' : file;
    if (file === '-') markUnrepeatable();
    const read = file === '-' ? (this.stdin ? { ok: true as const, text: this.stdin() } : readStdin()) : readRegularFile(file);
    if (!read.ok) {
      this.diagnostics.push(readDiagnostic(read, what, displayName, at));
      return undefined;
    }
    // The bytes decode as UTF-8 or (with a BOM) UTF-16; invalid UTF-8 is refused at its position.
    const decoded = read.bytes !== undefined ? decodeProjectFile(read.bytes, displayName) : { text: read.text };
    if (decoded.text === undefined) {
      this.diagnostics.push(decoded.diagnostic);
      return undefined;
    }
    const text = decoded.text;
    const parsed = parseYaml(text, displayName);
    this.diagnostics.push(...parsed.diagnostics);
    if (parsed.value === undefined) return undefined;
    if (!isTree(parsed.value)) {
      this.diagnostics.push(diag('WRONG_TYPE', 'the top level of a project file must be a map of keys', { file: displayName, line: 1, col: 1 }, 'start with services: or a service name'));
      return undefined;
    }
    // The raw mode reads files the ordinary load has just checked: as written, not canonical.
    if (!this.mode.raw) this.interpolateTree(parsed.value, vars);
    const { tree, flat } = toStructured(parsed.value, this.diagnostics);
    if (!this.mode.raw) {
      const schemaErrors = validateTree(tree, displayName);
      this.diagnostics.push(...schemaErrors);
      if (schemaErrors.length) return undefined;
      const before = this.diagnostics.length;
      canonicalizeServices(tree, {
        baseDir,
        homeDir: this.homeDir,
        lookup: (k) => (hasKey(vars, k) ? vars[k] : undefined),
        diagnostics: this.diagnostics,
        file: displayName,
        ...(this.mode.keepRelative ? { keepRelative: true } : {}),
        ...(this.mode.keepEnvFiles ? { keepEnvFiles: true } : {}),
      });
      if (hasErrors(this.diagnostics.slice(before))) return undefined;
    }
    const model: FileModel = { file: displayName, flat, tree, resolved: new Set(), baseDir, vars };
    // Cached before extends are resolved, so extends that come back to this file find it
    // (and the chain of extends reports the cycle).
    this.cache.set(cacheKey, model);
    this.applyIncludes(model, [...includeStack, file]);
    this.applyExtends(model);
    return model;
  }

  private interpolateTree(node: object, vars: Record<string, string | undefined>): void {
    let used: Array<[string, string]> = [];
    const lookup = (k: string) => {
      const value = hasKey(vars, k) ? vars[k] : undefined;
      if (value) used.push([k, value]);
      return value;
    };
    const entries: Array<[string, unknown]> = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
    for (const [k, v] of entries) {
      if (typeof v === 'string' && v.includes('$')) {
        used = [];
        const r = interpolate(v, lookup);
        const loc = valueLoc(node, k);
        if (loc && used.length) this.substitutions.note(loc, v, r.value, used);
        for (const e of r.errors) {
          this.diagnostics.push(diag(e.kind === 'required' ? 'INTERP_REQUIRED' : 'INTERP_SYNTAX', e.message, innerLoc(node, k, e.offset) ?? loc, e.kind === 'required' ? `set ${e.variable ?? 'the variable'} in the environment or in .env` : 'write $$ for a literal $'));
        }
        for (const w of r.warnings) {
          const name = w.variable ?? w.message;
          if (this.warnedUnset.has(name)) continue;
          this.warnedUnset.add(name);
          this.diagnostics.push(warning('INTERP_UNSET', w.message, loc));
        }
        if (Array.isArray(node)) node[Number(k)] = r.value;
        else put(node as Tree, k, r.value);
      } else if (typeof v === 'object' && v !== null) {
        this.interpolateTree(v, vars);
      }
    }
  }

  private applyIncludes(model: FileModel, stack: string[]): void {
    const inc = model.tree.include;
    if (!Array.isArray(inc)) return;
    const dir = model.file === '<stdin>' ? model.baseDir : dirname(model.file);
    inc.forEach((entry, i) => {
      const at = valueLoc(inc, i);
      const paths = isTree(entry) ? ([] as unknown[]).concat(entry.path) : [entry];
      const projectDir = isTree(entry) && typeof entry.project_directory === 'string' ? resolve(dir, entry.project_directory) : undefined;
      const envFiles = isTree(entry) && entry.env_file !== undefined ? includeEnvFiles(entry, dir) : undefined;
      for (const p of paths) {
        const file = resolve(dir, String(p));
        if (stack.includes(file)) {
          this.diagnostics.push(diag('INCLUDE_CYCLE', `include cycle detected: ${[...stack, file].map((f) => basename(f)).join(' -> ')}`, at, 'remove the include that points back'));
          continue;
        }
        const baseDir = projectDir ?? dirname(file);
        const vars = this.includeVars(baseDir, envFiles, model.vars, at);
        const included = this.load(file, baseDir, vars, stack, at, 'included file');
        if (!included) continue;
        this.mergeIncluded(model, included, at);
      }
    });
    delete model.tree.include;
  }

  private includeVars(dir: string, envFiles: EnvFileRef[] | undefined, parent: Record<string, string | undefined>, at: Loc | undefined): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = { ...parent };
    for (const { path: f, loc } of envFiles ?? [{ path: resolve(dir, '.env'), loc: at }]) {
      const read = readRegularFile(f);
      if (!read.ok) {
        // An absent .env is normal (and a folder named .env is not one), as is an absent
        // env_file of an include; anything else named there is reported.
        const skip = read.problem === 'missing' || (envFiles === undefined && read.kind === DIRECTORY);
        if (!skip) this.diagnostics.push(readDiagnostic(read, envFiles ? 'env_file of the include' : 'env file of the included project', f, loc));
        continue;
      }
      const parsed = parseEnvFile(read.text, (k) => this.shellEnv[k]);
      for (const e of parsed.errors) this.diagnostics.push(diag('ENV_FILE_SYNTAX', e.message, { file: f, line: e.line, col: e.col }));
      Object.assign(out, envFileToMap(parsed));
    }
    for (const [k, v] of Object.entries(this.shellEnv)) if (v !== undefined) out[k] = v;
    return out;
  }

  private mergeIncluded(model: FileModel, included: FileModel, at: Loc | undefined): void {
    for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs', 'hosts'] as const) {
      const src = included.tree[section];
      if (!isTree(src)) continue;
      const dst = isTree(model.tree[section]) ? (model.tree[section] as Tree) : newTree();
      for (const [name, value] of Object.entries(src)) {
        if (section === 'services' && Object.prototype.hasOwnProperty.call(dst, name)) {
          this.diagnostics.push(diag('CONFLICT', `service "${name}" is defined both here and in the included file ${included.file}`, keyLoc(dst, name) ?? at, 'rename one of them, or use extends'));
          continue;
        }
        if (Object.prototype.hasOwnProperty.call(dst, name)) continue;
        put(dst, name, value);
        copyLoc(src, name, dst, name);
      }
      put(model.tree, section, dst);
    }
  }

  private applyExtends(model: FileModel): void {
    const services = model.tree.services;
    if (!isTree(services)) return;
    for (const name of Object.keys(services)) this.resolveService(model, name, []);
  }

  /** Resolve `extends` of one service of a file; returns the resolved service. */
  private resolveService(model: FileModel, name: string, chain: string[]): Tree | undefined {
    const services = model.tree.services as Tree;
    const svc = services[name];
    if (!isTree(svc)) return undefined;
    if (model.resolved.has(name) || svc.extends === undefined) {
      model.resolved.add(name);
      return svc;
    }
    const id = `${model.file}:${name}`;
    const at = valueLoc(svc, 'extends');
    if (chain.includes(id)) {
      const members = chain.slice(chain.indexOf(id));
      const key = [...members].sort().join('\u0000');
      if (this.reportedCycles.has(key)) return undefined;
      this.reportedCycles.add(key);
      const path = [...members, id].map((c) => c.replace(/^.*\//, ''));
      this.diagnostics.push(diag('EXTENDS_CYCLE', `extends cycle: ${path.join(' -> ')}`, at, 'break the chain of extends'));
      return undefined;
    }
    const ext = svc.extends;
    const baseName = typeof ext === 'string' ? ext : String((ext as Tree).service);
    const baseFile = isTree(ext) && typeof ext.file === 'string' ? ext.file : undefined;
    let baseModel: FileModel | undefined = model;
    if (baseFile) {
      const dir = model.file === '<stdin>' ? model.baseDir : dirname(model.file);
      const file = resolve(dir, baseFile);
      if (file === model.file) baseModel = model;
      else baseModel = this.load(file, dirname(file), model.vars, [], isTree(ext) ? (valueLoc(ext, 'file') ?? at) : at, 'extends file');
      if (!baseModel) return undefined;
    }
    const baseServices = baseModel.tree.services;
    if (!isTree(baseServices) || !isTree(baseServices[baseName])) {
      const candidates = isTree(baseServices) ? Object.keys(baseServices) : [];
      const s = suggest(baseName, candidates);
      this.diagnostics.push(
        diag('EXTENDS_UNKNOWN', `cannot extend service "${baseName}"${baseFile ? ` of ${baseFile}` : ''}: no such service`, at, s ? `did you mean "${s}"?` : undefined),
      );
      return undefined;
    }
    const base = this.resolveService(baseModel, baseName, [...chain, id]);
    if (!base) return undefined;
    if (baseModel.flat) {
      // Compose file format v1 (the flat form) forbids extending these.
      const why = Array.isArray(base.links) && base.links.length
        ? "services with 'links' cannot be extended"
        : Array.isArray(base.volumes_from) && base.volumes_from.length
          ? "services with 'volumes_from' cannot be extended"
          : typeof base.network_mode === 'string' && /^(container|service):/.test(base.network_mode)
            ? "services with 'net: container' cannot be extended"
            : undefined;
      if (why) {
        this.diagnostics.push(diag('EXTENDS_INVALID', `cannot extend service "${baseName}": ${why} in the flat (Fig / file format 1) form`, at, 'move the shared keys into a base service without them'));
        return undefined;
      }
    }
    const child = newTree(svc);
    copyMarks(svc, child);
    for (const [k, v] of Object.entries(svc)) {
      if (k === 'extends') continue;
      put(child, k, v);
      copyLoc(svc, k, child, k);
    }
    const merged = mergeService(base, child);
    put(merged, 'name', name);
    setSelfLoc(merged, selfLoc(svc));
    put(services, name, merged);
    model.resolved.add(name);
    return merged;
  }
}

interface EnvFileRef {
  path: string;
  loc: Loc | undefined;
}

/** An include entry's `env_file` (one or a list), absolute, each with the position that names it. */
function includeEnvFiles(entry: Tree, dir: string): EnvFileRef[] {
  const v = entry.env_file;
  if (Array.isArray(v)) return v.map((f, i) => ({ path: resolve(dir, String(f)), loc: valueLoc(v, i) ?? valueLoc(entry, 'env_file') }));
  return [{ path: resolve(dir, String(v)), loc: valueLoc(entry, 'env_file') }];
}

/**
 * The flat Fig form has services at the top level; the structured form has `services:`.
 * A file is structured when it has `services` or `version`, an `include` list, or a string
 * `name` at the top (a Fig service is always a map).
 */
function toStructured(top: Tree, diagnostics: Diagnostic[]): { tree: Tree; flat: boolean } {
  const structured = 'services' in top || 'version' in top || Array.isArray(top.include) || typeof top.name === 'string';
  if (structured) {
    if ('version' in top) {
      const t = newTree(top);
      for (const [k, v] of Object.entries(top)) {
        if (k === 'version') continue; // accepted and ignored
        put(t, k, v);
        copyLoc(top, k, t, k);
      }
      return { tree: t, flat: false };
    }
    return { tree: top, flat: false };
  }
  const tree = newTree(top);
  const services = newTree(top);
  for (const [k, v] of Object.entries(top)) {
    if (k.startsWith('x-')) {
      put(tree, k, v);
      copyLoc(top, k, tree, k);
      continue;
    }
    put(services, k, isTree(v) ? renameNet(v, diagnostics) : v);
    copyLoc(top, k, services, k);
  }
  put(tree, 'services', services);
  return { tree, flat: true };
}

/** Fig's `net` is `network_mode`. */
function renameNet(svc: Tree, diagnostics: Diagnostic[]): Tree {
  if (!('net' in svc)) return svc;
  if ('network_mode' in svc) {
    diagnostics.push(diag('CONFLICT', 'both net and network_mode are set', keyLoc(svc, 'net'), 'keep network_mode (net is its old name)'));
  }
  const out = newTree(svc);
  for (const [k, v] of Object.entries(svc)) {
    const nk = k === 'net' ? 'network_mode' : k;
    if (k === 'network_mode' && 'net' in svc) continue;
    put(out, nk, v);
    copyLoc(svc, k, out, nk);
  }
  return out;
}

/** The merged files as written, named; without the `name` that resolving `extends` gives a service. */
function rawModel(tree: Tree, name: string | undefined): Record<string, unknown> {
  const model: Record<string, unknown> = { ...tree, name };
  if (isTree(tree.services)) {
    const services = newTree();
    for (const [k, v] of Object.entries(tree.services)) {
      if (isTree(v)) {
        const { name: _n, ...rest } = v;
        put(services, k, rest);
      } else put(services, k, v);
    }
    model.services = services;
  }
  return model;
}

/** Load the project the options describe. Never throws for bad input. Diagnostics come sorted by position. */
export function loadProject(opts: LoadOptions): LoadResult {
  const substitutions = new Substitutions();
  const { interpolate: _i, resolvePaths: _r, ...checkOpts } = opts;
  // Checked as every command loads it; the options that change only what `config` prints
  // then read the files a second time.
  const r = loadUnsorted(checkOpts, substitutions);
  const checked = { ...r, diagnostics: sortDiagnostics(r.diagnostics.map((d) => substitutions.redact(d))) };
  if (!checked.project || (opts.interpolate !== false && opts.resolvePaths !== false)) return checked;
  const again = loadUnsorted({ ...opts, checkBuildContexts: false, projectName: checked.project.name }, new Substitutions());
  if (hasErrors(again.diagnostics)) return { diagnostics: sortDiagnostics(again.diagnostics) };
  return { ...checked, ...(again.project ? { project: again.project } : {}), ...(again.model ? { model: again.model } : {}) };
}

function loadUnsorted(opts: LoadOptions, substitutions: Substitutions): LoadResult {
  const found = discover(opts);
  const diagnostics = [...found.diagnostics];
  if (hasErrors(diagnostics)) return { diagnostics };
  const raw = opts.interpolate === false;
  const loader = new Loader(opts.homeDir ?? homedir(), opts.env, substitutions, opts.stdin, { raw, keepRelative: opts.resolvePaths === false, keepEnvFiles: opts.resolveEnvFiles === false });
  const models: FileModel[] = [];
  for (const f of found.files) {
    const m = loader.load(f, found.projectDir, found.vars, []);
    if (m) models.push(m);
  }
  diagnostics.push(...loader.diagnostics);
  if (hasErrors(diagnostics) || !models.length) return { diagnostics, vars: found.vars };
  let tree = models[0]!.tree;
  for (const m of models.slice(1)) tree = mergeFiles(tree, m.tree);
  if (raw) return { diagnostics, vars: found.vars, model: rawModel(tree, opts.projectName) };
  const fin = finalizeProject(tree, {
    projectDir: found.projectDir,
    files: found.files,
    flat: models[0]!.flat,
    vars: found.vars,
    projectName: opts.projectName,
    profiles: opts.profiles,
    services: opts.services,
    homeDir: opts.homeDir ?? homedir(),
    ...(opts.consistency === false ? { consistency: false } : {}),
    ...(opts.resolvePaths === false ? { resolvePaths: false } : {}),
  });
  diagnostics.push(...fin.diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics, vars: found.vars };
  // Where each key was written, for diagnostics past config/ (plan errors, overlay allocation).
  if (fin.project) attachSources(fin.project, treeSources(tree));
  if (opts.checkBuildContexts && fin.project) {
    diagnostics.push(...checkBuildContexts(tree, fin.project));
    if (hasErrors(diagnostics)) return { diagnostics, vars: found.vars };
  }
  return { project: fin.project, diagnostics, vars: found.vars };
}

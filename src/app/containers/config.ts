/** `config`: the project as loaded, in the canonical form, or one of its lists (services, images, hashes, variables, ...). */
import { stringify } from 'yaml';
import type { LoadOptions } from '../../config/load.js';
import { loadProjectCached } from '../../config/projectcache.js';
import { projectToCanonical, renderTree } from '../../config/output.js';
import { extractVariables } from '../../config/variables.js';
import { ConfigError, UsageError } from '../../errors.js';
import { Graph } from '../../graph/graph.js';
import { formatDiagnostic, hasErrors } from '../../model/diagnostic.js';
import { dict } from '../../model/dict.js';
import { serviceConfigHash } from '../../model/hash.js';
import { defaultImageName } from '../../model/naming.js';
import type { Project } from '../../model/project.js';
import { formatTable } from '../../ui/table.js';

export interface ConfigRequest {
  /** Keep only these services (their profiles were enabled when loading). */
  services: string[];
  /** yaml (the default) or json; for `variables`, absent means a table. */
  format?: 'yaml' | 'json';
  /** One list instead of the whole project (the first one set, in this order). */
  list?: 'services' | 'images' | 'volumes' | 'networks' | 'profiles';
  /** Config hashes of these services (`*`: all), comma separated. */
  hash?: string;
  quiet?: boolean;
  /** The variables the files use, with their defaults (`--variables`). */
  variables?: boolean;
  /** The variables interpolation used, `NAME=value` (`--environment`). */
  environment?: boolean;
  /** `--no-interpolate`: the files merged as written. */
  noInterpolate?: boolean;
  /** `--no-normalize`: without what the loader adds (the implicit `default` network). */
  noNormalize?: boolean;
  /** `--no-path-resolution`: relative paths kept as written. */
  noPathResolution?: boolean;
  /** `--no-env-resolution`: `env_file` printed as a list of files, not read into `environment`. */
  noEnvResolution?: boolean;
  /** `--no-consistency`: references between services, networks, volumes, ... not checked. */
  noConsistency?: boolean;
  /** `--resolve-image-digests`: each image pinned to the digest its registry holds. */
  resolveImageDigests?: boolean;
  /** The engine that asks the registries (`-H`, `--context`; else the docker CLI's default). */
  engine?: { host?: string; context?: string };
}

/** Pins an image reference to a digest (`name:tag@sha256:...`): asks the registry. */
export type DigestResolver = (image: string) => Promise<string>;

/**
 * What `config` prints, as one text (the CLI writes it to stdout or `-o FILE`). Loads the
 * project itself: the flags change how. Warnings go to `warn`; errors throw a ConfigError.
 * `resolver` stands in for the registries in tests.
 */
export async function projectConfig(load: LoadOptions, req: ConfigRequest, warn: (line: string) => void, resolver?: DigestResolver): Promise<string> {
  const raw = Boolean(req.noInterpolate || req.variables);
  const r = loadProjectCached({
    ...load,
    ...(raw ? { interpolate: false } : {}),
    ...(req.noPathResolution ? { resolvePaths: false } : {}),
    ...(req.noEnvResolution ? { resolveEnvFiles: false } : {}),
    ...(req.noConsistency ? { consistency: false } : {}),
  });
  if (hasErrors(r.diagnostics) || !r.project) throw new ConfigError(r.diagnostics.filter((d) => d.severity === 'error'), load.cwd);
  for (const d of r.diagnostics) warn(formatDiagnostic(d, load.cwd));
  const project = r.project;
  if (req.services.length) {
    const keep = new Set(req.services);
    for (const name of Object.keys(project.services)) if (!keep.has(name)) delete project.services[name];
    const services = r.model?.services;
    if (services && typeof services === 'object') for (const name of Object.keys(services)) if (!keep.has(name)) delete (services as Record<string, unknown>)[name];
  }
  if (req.quiet) return '';
  const lines = (items: Iterable<string>): string => [...items].map((l) => `${l}\n`).join('');
  switch (req.list) {
    case 'services':
      return lines(new Graph(project.services).order());
    case 'images':
      return lines(new Graph(project.services).order().map((name) => project.services[name]!.image ?? defaultImageName(project.name, name)));
    case 'volumes':
      return lines(Object.keys(project.volumes));
    case 'networks':
      return lines(Object.keys(project.networks));
    case 'profiles': {
      const all = new Set<string>();
      for (const s of [...Object.values(project.services), ...Object.values(project.disabledServices)]) for (const p of s.profiles) all.add(p);
      return lines([...all].sort());
    }
    case undefined:
      break;
  }
  if (req.hash !== undefined) {
    const names = req.hash === '*' ? Object.keys(project.services).sort() : req.hash.split(',');
    return lines(
      names.map((name) => {
        const svc = project.services[name];
        if (!svc) throw new UsageError(`no such service: ${name}`);
        return `${name} ${serviceConfigHash(svc)}`;
      }),
    );
  }
  if (req.variables) return renderVariables(r.model ?? {}, req.format);
  if (req.environment) {
    const vars = r.vars ?? {};
    return lines(
      Object.keys(vars)
        .sort()
        .filter((k) => vars[k] !== undefined)
        .map((k) => `${k}=${vars[k]}`),
    );
  }
  const format = req.format ?? 'yaml';
  const resolve = req.resolveImageDigests ? (resolver ?? (await defaultResolver(req.engine ?? {}, load.env))) : undefined;
  if (r.model && req.noInterpolate) {
    const model = sortedModel(r.model);
    if (resolve) await pinImages(model.services, resolve);
    return renderTree(model, format, { noEscape: true });
  }
  const canon = projectToCanonical(req.noNormalize ? withoutImplicit(project) : project);
  if (resolve) await pinImages(canon.services, resolve);
  return renderTree(canon, format);
}

/** `--variables`: compose's table (NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE), or JSON/YAML by name. */
function renderVariables(model: Record<string, unknown>, format: 'yaml' | 'json' | undefined): string {
  const vars = extractVariables(model);
  const names = Object.keys(vars).sort();
  if (format === undefined) {
    return formatTable(
      ['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'],
      names.map((n) => [n, String(vars[n]!.required), vars[n]!.defaultValue, vars[n]!.alternateValue]),
    );
  }
  const out: Record<string, unknown> = dict();
  for (const n of names) {
    const v = vars[n]!;
    out[n] = { Name: v.name, DefaultValue: v.defaultValue, PresenceValue: v.alternateValue, Required: v.required };
  }
  return format === 'json' ? JSON.stringify(out, null, 2) + '\n' : stringify(out, { lineWidth: 0 });
}

/** The merged files as written, keys sorted (the project's name first, as `config` prints it). */
function sortedModel(model: Record<string, unknown>): Record<string, unknown> & { services?: unknown } {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = dict();
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  const { name, ...rest } = model;
  return { name, ...(sort(rest) as Record<string, unknown>) };
}

/**
 * The project without what normalisation adds when the file does not say it: the `default`
 * network every service without `networks:` joins (compose's `--no-normalize` leaves it out).
 */
function withoutImplicit(project: Project): Project {
  const implicit = (n: unknown): boolean => {
    const d = n as Record<string, unknown> | undefined;
    return d !== undefined && Object.keys(d).length === 1 && d.name === `${project.name}_default`;
  };
  if (!implicit(project.networks.default)) return project;
  const networks = dict<Project['networks'][string]>();
  for (const [k, v] of Object.entries(project.networks)) if (k !== 'default') networks[k] = v;
  const services = dict<Project['services'][string]>();
  for (const [k, s] of Object.entries(project.services)) {
    const only = s.networks && Object.keys(s.networks).length === 1 && s.networks.default === null;
    if (only) {
      const { networks: _n, ...rest } = s;
      services[k] = rest as Project['services'][string];
    } else services[k] = s;
  }
  return { ...project, networks, services };
}

async function defaultResolver(engine: { host?: string; context?: string }, env: Record<string, string | undefined>): Promise<DigestResolver> {
  const { imageDigestResolver } = await import('../../backend/index.js');
  return imageDigestResolver(engine, env);
}

/** Each service's `image` pinned to its digest, in place. */
async function pinImages(services: unknown, resolve: DigestResolver): Promise<void> {
  if (!services || typeof services !== 'object') return;
  for (const svc of Object.values(services as Record<string, Record<string, unknown>>)) {
    if (svc && typeof svc.image === 'string') svc.image = await resolve(svc.image);
  }
}

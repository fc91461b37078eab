/**
 * The merged tree -> an immutable Project: the project name, resource names, defaults
 * (the `default` network), profiles, and every cross-reference checked with its position.
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { Graph, serviceEdges, type Edge } from '../graph/graph.js';
import type { BuildConfig, FileObjectConfig, HostConfig, NetworkConfig, Project, Service, VolumeConfig } from '../model/project.js';
import { diag, type Diagnostic, type Loc } from './diagnostics.js';
import { isValidProjectName, normalizeProjectName } from './discover.js';
import { suggest } from './suggest.js';
import { parseLabels } from './shortsyntax.js';
import { isTree, keyLoc, selfLoc, valueLoc, type Tree } from './tree.js';
import { dict } from '../model/dict.js';

export interface FinalizeOptions {
  projectDir: string;
  files: string[];
  /** The first file is in the flat (Fig) form: named volumes need no declaration. */
  flat: boolean;
  vars: Record<string, string | undefined>;
  projectName?: string | undefined;
  profiles?: string[] | undefined;
  services?: string[] | undefined;
  homeDir: string;
  /**
   * Check the cross-references (services, networks, volumes, secrets, configs, hosts; image or
   * build; network_mode beside networks). Off for `config --no-consistency`, as compose's
   * `WithConsistency(false)`: the model is printed as it is. Dependency cycles are always errors.
   */
  consistency?: boolean;
  /** Relative paths (secret and config files, hosts' keys) kept as written: `config --no-path-resolution`. */
  resolvePaths?: boolean;
}

export function finalizeProject(tree: Tree, opts: FinalizeOptions): { project?: Project; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  /** Where the cross-reference checks report: nowhere with `consistency: false`. */
  const refDiags: Diagnostic[] = opts.consistency === false ? [] : diagnostics;
  const name = projectName(tree, opts, diagnostics);
  if (!name) return { diagnostics };
  const services = isTree(tree.services) ? tree.services : dict();
  const rawNetworks = isTree(tree.networks) ? tree.networks : dict();
  const rawVolumes = isTree(tree.volumes) ? tree.volumes : dict();

  const networks: Record<string, NetworkConfig> = dict();
  for (const [key, cfg] of Object.entries(rawNetworks)) networks[key] = resource(name, key, cfg) as NetworkConfig;
  const volumes: Record<string, VolumeConfig> = dict();
  for (const [key, cfg] of Object.entries(rawVolumes)) volumes[key] = resource(name, key, cfg) as VolumeConfig;
  const keep = opts.resolvePaths === false;
  const secrets = fileObjects(name, tree.secrets, opts.projectDir, keep);
  const configs = fileObjects(name, tree.configs, opts.projectDir, keep);
  const hosts = hostsOf(tree.hosts, opts.projectDir, diagnostics, keep);

  const all: Record<string, Service> = dict();
  const svcTrees: Record<string, Tree> = dict();
  for (const [sname, raw] of Object.entries(services)) {
    if (!isTree(raw)) continue;
    svcTrees[sname] = raw;
    all[sname] = toService(sname, raw);
  }

  // Profiles: a service with profiles runs only when one is active or it is named.
  // --profile, with TSFIG_PROFILES or else compose's COMPOSE_PROFILES (shell over .env).
  const fromVars = opts.vars.TSFIG_PROFILES || opts.vars.COMPOSE_PROFILES || '';
  const active = new Set([...(opts.profiles ?? []), ...fromVars.split(',').map((s) => s.trim()).filter(Boolean)]);
  const named = new Set(opts.services ?? []);
  const enabled: Record<string, Service> = dict();
  const disabled: Record<string, Service> = dict();
  for (const [sname, svc] of Object.entries(all)) {
    const on = svc.profiles.length === 0 || svc.profiles.includes('*') || svc.profiles.some((p) => active.has(p)) || named.has(sname);
    (on ? enabled : disabled)[sname] = svc;
  }
  for (const n of named) {
    if (!all[n]) {
      const s = suggest(n, Object.keys(all));
      diagnostics.push(diag('UNKNOWN_SERVICE', `no such service: ${n}`, undefined, s ? `did you mean "${s}"?` : `services: ${Object.keys(all).join(', ')}`));
    }
  }

  let usesDefault = false;
  for (const [sname, svc] of Object.entries(all)) {
    const raw = svcTrees[sname]!;
    const at = keyLoc(services, sname) ?? selfLoc(raw);
    if (svc.image === undefined && svc.build === undefined) {
      refDiags.push(diag('NO_IMAGE', `service "${sname}" has neither an image nor a build context`, at, 'add image: NAME or build: PATH'));
    }
    if (svc.container_name !== undefined && (svc.scale ?? 1) > 1) {
      diagnostics.push(diag('CONFLICT', `service "${sname}" sets container_name, so it cannot be scaled to ${svc.scale}`, valueLoc(raw, 'scale'), 'remove container_name or scale'));
    }
    if (svc.network_mode !== undefined && svc.networks !== undefined) {
      refDiags.push(diag('CONFLICT', `service "${sname}" sets both network_mode and networks`, valueLoc(raw, 'network_mode'), 'use one of them'));
    }
    if (svc.network_mode === undefined) {
      if (svc.networks === undefined || Object.keys(svc.networks).length === 0) {
        svc.networks = dict([['default', null]]);
      }
      for (const net of Object.keys(svc.networks)) {
        if (net === 'default' && !networks.default) {
          usesDefault = true;
          continue;
        }
        if (!networks[net]) {
          const s = suggest(net, Object.keys(networks));
          refDiags.push(
            diag('UNKNOWN_NETWORK', `service "${sname}" uses the undefined network "${net}"`, isTree(raw.networks) ? keyLoc(raw.networks, net) : valueLoc(raw, 'networks'), s ? `did you mean "${s}"?` : `declare it under the top-level networks:`),
          );
        }
      }
    }
    svc.volumes.forEach((v, i) => {
      if (v.type !== 'volume' || !v.source) return;
      if (volumes[v.source]) return;
      if (opts.flat) {
        volumes[v.source] = { name: `${name}_${v.source}` };
        return;
      }
      const s = suggest(v.source, Object.keys(volumes));
      refDiags.push(diag('UNKNOWN_VOLUME', `service "${sname}" uses the undefined volume "${v.source}"`, Array.isArray(raw.volumes) ? valueLoc(raw.volumes, i) : at, s ? `did you mean "${s}"?` : 'declare it under the top-level volumes:'));
    });
    for (const kind of ['secrets', 'configs'] as const) {
      const refs = svc[kind];
      if (!Array.isArray(refs)) continue;
      const defined = kind === 'secrets' ? secrets : configs;
      refs.forEach((r, i) => {
        const src = isTree(r) ? String(r.source) : String(r);
        if (!defined[src]) {
          refDiags.push(diag('INVALID_VALUE', `service "${sname}" uses the undefined ${kind.slice(0, -1)} "${src}"`, valueLoc(refs, i), `declare it under the top-level ${kind}:`));
        }
      });
    }
    if (svc.host !== undefined && !hosts[svc.host] && svc.host !== 'default') {
      const s = suggest(svc.host, Object.keys(hosts));
      refDiags.push(diag('UNKNOWN_HOST', `service "${sname}" runs on the undefined host "${svc.host}"`, valueLoc(raw, 'host'), s ? `did you mean "${s}"?` : 'declare it under the top-level hosts:'));
    }
    for (const e of serviceEdges(svc)) {
      const loc = edgeLoc(raw, e);
      if (!all[e.to]) {
        const s = suggest(e.to, Object.keys(all));
        refDiags.push(diag('UNKNOWN_SERVICE', `service "${sname}" refers to the undefined service "${e.to}" (${e.kind})`, loc, s ? `did you mean "${s}"?` : undefined));
      } else if (enabled[sname] && disabled[e.to] && !(e.kind === 'depends_on' && svc.depends_on[e.to]?.required === false)) {
        const p = disabled[e.to]!.profiles.join(', ');
        refDiags.push(diag('UNKNOWN_SERVICE', `service "${sname}" depends on "${e.to}", which is disabled by its profiles (${p})`, loc, `enable it with --profile ${disabled[e.to]!.profiles[0] ?? ''}`));
      }
    }
  }
  if (usesDefault) networks.default = { name: `${name}_default` };

  const graph = new Graph(all);
  const cycle = graph.findCycle();
  if (cycle) {
    const from = cycle[0]!;
    const edge = graph.edges.find((e) => e.from === from && e.to === cycle[1]);
    const raw = svcTrees[from];
    diagnostics.push(diag('DEPENDENCY_CYCLE', `dependency cycle detected: ${cycle.join(' -> ')}`, raw && edge ? edgeLoc(raw, edge) : undefined, 'remove one of the dependencies'));
  }

  const extensions: Record<string, unknown> = dict();
  for (const [k, v] of Object.entries(tree)) if (k.startsWith('x-')) extensions[k] = v;

  const project: Project = {
    name,
    workingDir: opts.projectDir,
    files: opts.files,
    services: enabled,
    disabledServices: disabled,
    networks,
    volumes,
    secrets,
    configs,
    hosts,
    extensions,
  };
  return { project, diagnostics };
}

function edgeLoc(raw: Tree, e: Edge): Loc | undefined {
  const list = raw[e.kind];
  if (e.index !== undefined && Array.isArray(list)) return valueLoc(list, e.index);
  if (e.kind === 'depends_on' && isTree(list)) return keyLoc(list, e.to);
  return valueLoc(raw, e.kind);
}

function projectName(tree: Tree, opts: FinalizeOptions, diagnostics: Diagnostic[]): string | undefined {
  const explicit: Array<[string | undefined, string, Loc | undefined]> = [
    [opts.projectName, '-p/--project-name', undefined],
    [opts.vars.TSFIG_PROJECT_NAME, 'TSFIG_PROJECT_NAME', undefined],
    [opts.vars.COMPOSE_PROJECT_NAME, 'COMPOSE_PROJECT_NAME', undefined],
    [opts.vars.FIG_PROJECT_NAME, 'FIG_PROJECT_NAME', undefined],
    [typeof tree.name === 'string' ? tree.name : undefined, 'name:', valueLoc(tree, 'name')],
  ];
  for (const [value, where, loc] of explicit) {
    if (value === undefined || value === '') continue;
    if (!isValidProjectName(value)) {
      diagnostics.push(
        diag('INVALID_NAME', `project name "${value}" (from ${where}) is invalid`, loc, `use lowercase letters, digits, "_" and "-", starting with a letter or digit, e.g. "${normalizeProjectName(value) || 'myproject'}"`),
      );
      return undefined;
    }
    return value;
  }
  const derived = normalizeProjectName(basename(opts.projectDir));
  if (!derived) {
    diagnostics.push(diag('INVALID_NAME', `cannot derive a project name from the directory "${basename(opts.projectDir)}"`, undefined, 'set one with -p NAME or name: in the file'));
    return undefined;
  }
  return derived;
}

function resource(project: string, key: string, cfg: unknown): Record<string, unknown> & { name: string } {
  const c: Record<string, unknown> = isTree(cfg) ? { ...cfg } : {};
  const ext = c.external;
  if (isTree(ext)) {
    // Legacy `external: {name: x}`.
    c.external = true;
    if (typeof ext.name === 'string' && c.name === undefined) c.name = ext.name;
  } else if (ext === 'true' || ext === 'false') c.external = ext === 'true';
  // Flags written as strings (`internal: "false"`, what interpolation gives) are the booleans
  // they spell, as `external` above: a non-empty string would otherwise count as true.
  for (const k of ['internal', 'attachable', 'enable_ipv6'] as const) {
    if (c[k] === 'true' || c[k] === 'false') c[k] = c[k] === 'true';
  }
  // `labels: ["k=v"]`, the list form, as the map the engine takes (as a service's labels).
  if (Array.isArray(c.labels)) {
    const labels = parseLabels(c.labels);
    if (labels.ok) c.labels = labels.value;
  }
  const name = typeof c.name === 'string' ? c.name : c.external === true ? key : `${project}_${key}`;
  return { ...c, name };
}

function fileObjects(project: string, v: unknown, dir: string, keepRelative: boolean): Record<string, FileObjectConfig> {
  const out: Record<string, FileObjectConfig> = dict();
  if (!isTree(v)) return out;
  for (const [key, cfg] of Object.entries(v)) {
    const r = resource(project, key, cfg) as FileObjectConfig;
    if (typeof r.file === 'string' && !isAbsolute(r.file) && !keepRelative) r.file = resolve(dir, r.file);
    out[key] = r;
  }
  return out;
}

/** A file path of a `hosts:` entry: relative to the project folder; `~/...` is left for the engine connection to expand. */
function hostPath(dir: string, p: string, keepRelative: boolean): string {
  return p === '~' || p.startsWith('~/') || (keepRelative && !isAbsolute(p)) ? p : resolve(dir, p);
}

function hostsOf(v: unknown, dir: string, diagnostics: Diagnostic[], keepRelative: boolean): Record<string, HostConfig> {
  const out: Record<string, HostConfig> = dict();
  if (!isTree(v)) return out;
  for (const [key, cfg] of Object.entries(v)) {
    if (!isTree(cfg)) continue;
    const h: HostConfig = { name: key, docker: String(cfg.docker) };
    const scheme = /^([a-z]+):\/\//i.exec(h.docker)?.[1]?.toLowerCase();
    if (isTree(cfg.tls)) {
      const tls: Record<string, string> = {};
      for (const k of ['ca', 'cert', 'key'] as const) if (typeof cfg.tls[k] === 'string') tls[k] = hostPath(dir, cfg.tls[k] as string, keepRelative);
      h.tls = tls;
      if (scheme !== 'tcp') {
        diagnostics.push(diag('INVALID_VALUE', `host "${key}": tls applies to tcp:// endpoints only; it is ignored for ${h.docker}`, keyLoc(cfg, 'tls'), 'remove tls: or use a tcp:// address', 'warning'));
      }
    }
    if (isTree(cfg.ssh)) {
      const ssh: NonNullable<HostConfig['ssh']> = {};
      for (const k of ['identity', 'known_hosts'] as const) if (typeof cfg.ssh[k] === 'string') ssh[k] = hostPath(dir, cfg.ssh[k] as string, keepRelative);
      h.ssh = ssh;
      if (scheme !== 'ssh') {
        diagnostics.push(diag('INVALID_VALUE', `host "${key}": ssh applies to ssh:// endpoints only; it is ignored for ${h.docker}`, keyLoc(cfg, 'ssh'), 'remove ssh: or use an ssh:// address', 'warning'));
      }
    }
    if (typeof cfg.address === 'string') h.address = cfg.address;
    if (cfg.mtu !== undefined) h.mtu = Number(cfg.mtu);
    if (typeof cfg.helper_image === 'string') h.helper_image = cfg.helper_image;
    out[key] = h;
  }
  return out;
}

/** A map without its `x-*` keys, and those keys apart (undefined when there are none). */
function splitExtensions(raw: Tree): { rest: Record<string, unknown>; extensions?: Record<string, unknown> } {
  const rest: Record<string, unknown> = dict();
  const extensions: Record<string, unknown> = dict();
  for (const [k, v] of Object.entries(raw)) (k.startsWith('x-') ? extensions : rest)[k] = v;
  return Object.keys(extensions).length > 0 ? { rest, extensions } : { rest };
}

/**
 * A canonical service tree as a typed Service (defaults for absent lists and maps; the `x-*`
 * keys of the service and of its build in `extensions`). The tree is schema-valid and canonical,
 * so its keys have the types `Service` gives them.
 */
function toService(name: string, raw: Tree): Service {
  const { rest, extensions } = splitExtensions(raw);
  const svc: Service = {
    ...(rest as unknown as Service),
    name,
    environment: (raw.environment as Record<string, string | null>) ?? {},
    labels: (raw.labels as Record<string, string>) ?? {},
    ports: (raw.ports as Service['ports']) ?? [],
    expose: (raw.expose as string[]) ?? [],
    volumes: (raw.volumes as Service['volumes']) ?? [],
    volumes_from: ((raw.volumes_from as unknown[]) ?? []).map(String),
    links: (raw.links as Service['links']) ?? [],
    external_links: ((raw.external_links as unknown[]) ?? []).map(String),
    depends_on: (raw.depends_on as Service['depends_on']) ?? {},
    profiles: ((raw.profiles as unknown[]) ?? []).map(String),
  };
  if (raw.networks === undefined) delete svc.networks;
  if (extensions !== undefined) svc.extensions = extensions;
  if (isTree(raw.build)) {
    const build = splitExtensions(raw.build);
    svc.build = { ...(build.rest as unknown as BuildConfig), ...(build.extensions !== undefined ? { extensions: build.extensions } : {}) };
  }
  return svc;
}

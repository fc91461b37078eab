/**
 * Loading the project: every command's first step. Warnings go to `warn` (one line each, with
 * file:line:col); errors throw one ConfigError holding all of them, relative to `cwd`.
 */
import { loadProject, type LoadOptions } from '../config/load.js';
import { loadProjectCached } from '../config/projectcache.js';
import { ConfigError } from '../errors.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../model/diagnostic.js';
import { LABEL } from '../model/labels.js';
import type { Project } from '../model/project.js';
import { byText } from '../model/dict.js';
import type { HostEngine } from '../backend/index.js';

export type { LoadOptions };

function checked(r: { project?: Project; diagnostics: Diagnostic[] }, opts: LoadOptions, warn: (line: string) => void): Project {
  if (hasErrors(r.diagnostics) || !r.project) {
    throw new ConfigError(r.diagnostics.filter((d) => d.severity === 'error'), opts.cwd);
  }
  for (const d of r.diagnostics) warn(formatDiagnostic(d, opts.cwd));
  return r.project;
}

export function requireProject(opts: LoadOptions, warn: (line: string) => void): Project {
  return checked(loadProjectCached(opts), opts, warn);
}

/**
 * tsfig's and docker compose's own settings (`TSFIG_*`, `COMPOSE_*`) that the project's env
 * files set and the shell does not: compose reads COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT, ...
 * from the project's `.env` too, the shell first. Nothing else of `.env` reaches tsfig's own
 * environment (it is for interpolation).
 */
export function settingsFromEnvFiles(vars: Record<string, string | undefined> | undefined, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (v === undefined || env[k] !== undefined || !/^(TSFIG|COMPOSE)_[A-Z0-9_]+$/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** requireProject, and the settings the project's env files add (see settingsFromEnvFiles). */
export function requireProjectWithSettings(opts: LoadOptions, warn: (line: string) => void): { project: Project; settings: Record<string, string> } {
  const r = loadProjectCached(opts);
  const project = checked(r, opts, warn);
  return { project, settings: settingsFromEnvFiles(r.vars, opts.env) };
}

/** A service the engines hold under a project name: its name and the image it was created from. */
export interface LabelledService {
  service: string;
  image: string;
}

/**
 * As docker compose v2 does for ps, logs, stop, start, restart, down, rm, kill, top and port:
 * with a project name (`-p`, COMPOSE_PROJECT_NAME, ...) and no project file anywhere, the
 * project is what the engines hold under that name. `list` is given a project of that name
 * with no services (to connect and look) and returns the services its containers' labels name.
 * The project made from them declares no volume and no network beyond `default`, so nothing
 * the file may declare external is ever touched: `down -v` removes no named volume.
 * Any other loading problem, or no name, is the loader's error as usual.
 */
export async function requireProjectOrName(
  opts: LoadOptions,
  warn: (line: string) => void,
  list: (skeleton: Project) => Promise<LabelledService[]>,
): Promise<{ project: Project; settings: Record<string, string> }> {
  const r = loadProjectCached(opts);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  // Only a name given on purpose: one derived from the directory is not the user's choice.
  const name = [opts.projectName, opts.env.TSFIG_PROJECT_NAME, opts.env.COMPOSE_PROJECT_NAME, opts.env.FIG_PROJECT_NAME].find((n) => n !== undefined && n !== '');
  const noFile = errors.length === 1 && errors[0]!.code === 'NO_PROJECT_FILE';
  if (noFile && name === undefined) {
    const d = errors[0]!;
    throw new ConfigError([{ ...d, hint: `${d.hint ?? ''}; or give a project name (-p NAME) to work on what the engine holds under it` }], opts.cwd);
  }
  if (!noFile || name === undefined) return { project: checked(r, opts, warn), settings: settingsFromEnvFiles(r.vars, opts.env) };
  const fromText = (services: Record<string, { image: string }>, o: LoadOptions): Project => {
    const text = JSON.stringify({ services });
    return checked(loadProject({ ...o, files: ['-'], projectName: name, stdin: () => text }), opts, warn);
  };
  // The skeleton only connects and looks: the services named on the command line come after.
  const { services: _named, ...unnamed } = opts;
  const found = await list(fromText({}, unnamed));
  const services: Record<string, { image: string }> = {};
  for (const s of [...found].sort((a, b) => byText(a.service, b.service))) services[s.service] ??= { image: s.image };
  return { project: fromText(services, opts), settings: {} };
}

/** The services the hosts' containers of a project name (one-offs left out), for requireProjectOrName. */
export async function labelledServices(hosts: HostEngine[], project: string): Promise<LabelledService[]> {
  const lists = await Promise.all(hosts.map((h) => h.engine.listContainers({ all: true, labels: { [LABEL.project]: project } })));
  return lists
    .flat()
    .filter((c) => c.labels[LABEL.oneoff] !== 'True' && c.labels[LABEL.service] !== undefined)
    .map((c) => ({ service: c.labels[LABEL.service]!, image: c.image }));
}

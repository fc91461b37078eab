/**
 * Which files make up the project, where its directory is, what it is called, and which
 * variables feed interpolation.
 */
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { diag, warning, type Diagnostic } from './diagnostics.js';
import { envFileToMap, parseEnvFile } from './envfile.js';
import { checkRegularFile, DIRECTORY, readDiagnostic, readRegularFile, statPath } from './readfile.js';

/** Searched in this order in the current directory, then in each parent. */
export const DEFAULT_FILES = [
  'fig.yml',
  'fig.yaml',
  'tsfig.yml',
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
] as const;

export interface DiscoverOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  files?: string[];
  projectDirectory?: string;
  envFiles?: string[];
}

export interface Discovered {
  files: string[];
  projectDir: string;
  /** Variables for interpolation: shell env over --env-file / .env. */
  vars: Record<string, string | undefined>;
  diagnostics: Diagnostic[];
}

/**
 * A setting of the shell or, as docker compose reads them, of the `.env` of the working
 * directory (or --project-directory): shell first; an empty value counts as unset.
 */
function settingReader(opts: DiscoverOptions): (name: string) => string | undefined {
  const fromShell = (name: string) => (opts.env[name] !== undefined && opts.env[name] !== '' ? opts.env[name] : undefined);
  let dotenv: Record<string, string | undefined> = {};
  if (!truthy(fromShell('COMPOSE_DISABLE_ENV_FILE'))) {
    const read = readRegularFile(join(resolve(opts.cwd, opts.projectDirectory ?? '.'), '.env'));
    // Its errors are reported when it is read for interpolation; here only the names count.
    if (read.ok) dotenv = envFileToMap(parseEnvFile(read.text, fromShell));
  }
  return (name) => fromShell(name) ?? (dotenv[name] !== '' ? dotenv[name] : undefined);
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/**
 * The project files named by the environment, in tsfig's order: TSFIG_FILE (':'-separated),
 * then compose's COMPOSE_FILE (separated by COMPOSE_PATH_SEPARATOR, default ':'), then Fig's
 * FIG_FILE; each from the shell or the working directory's .env.
 */
function filesFromSettings(setting: (name: string) => string | undefined): { files: string[]; from: string } | undefined {
  const tsfig = setting('TSFIG_FILE');
  if (tsfig !== undefined) return { files: splitList(tsfig), from: 'TSFIG_FILE' };
  const compose = setting('COMPOSE_FILE');
  if (compose !== undefined) return { files: compose.split(setting('COMPOSE_PATH_SEPARATOR') ?? delimiter).filter(Boolean), from: 'COMPOSE_FILE' };
  const fig = setting('FIG_FILE');
  if (fig !== undefined) return { files: [fig], from: 'FIG_FILE' };
  return undefined;
}

export function discover(opts: DiscoverOptions): Discovered {
  const diagnostics: Diagnostic[] = [];
  let files: string[] = [];
  const setting = settingReader(opts);
  const named = opts.files?.length ? undefined : filesFromSettings(setting);
  const explicit = opts.files?.length ? opts.files : (named?.files ?? []);
  if (explicit.length) {
    files = explicit.map((f) => (f === '-' ? f : resolve(opts.cwd, f)));
    for (const f of files) {
      const bad = f === '-' ? undefined : checkRegularFile(f);
      if (bad) diagnostics.push(readDiagnostic(bad, 'project file', f, undefined, bad.problem === 'missing' ? { hint: `check the ${named ? named.from : '-f/--file'} path` } : {}));
    }
  } else {
    const found = findUp(opts.cwd, diagnostics);
    if (!found) {
      diagnostics.push(
        diag(
          'NO_PROJECT_FILE',
          `no project file found in ${opts.cwd} or its parents`,
          undefined,
          `create fig.yml, or name a file with -f; supported names: ${DEFAULT_FILES.join(', ')}`,
        ),
      );
    } else {
      files = [found, ...overrideFor(found, diagnostics)];
    }
  }
  const first = files.find((f) => f !== '-');
  const projectDir = resolve(opts.cwd, opts.projectDirectory ?? (first ? dirname(first) : opts.cwd));
  const vars = loadVars(projectDir, opts, setting, diagnostics);
  return { files, projectDir, vars, diagnostics };
}

function splitList(v: string | undefined): string[] {
  return v ? v.split(delimiter).filter(Boolean) : [];
}

/**
 * A default name is taken when something is there (a symlink loop too): a directory, FIFO or
 * device under that name is then named for what it is when read, not skipped for a parent's file.
 */
function present(p: string): boolean {
  try {
    statPath(p);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

function findUp(start: string, diagnostics: Diagnostic[]): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const here = DEFAULT_FILES.map((n) => join(dir, n)).filter(present);
    if (here.length > 1) {
      diagnostics.push(warning('CONFLICT', `found several project files in ${dir}: ${here.map((f) => basename(f)).join(', ')}; using ${basename(here[0]!)}`));
    }
    if (here[0]) return here[0];
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `docker-compose.yml` brings `docker-compose.override.yml` (or `.yaml`) along, as compose does. */
function overrideFor(file: string, diagnostics: Diagnostic[]): string[] {
  const dir = dirname(file);
  const stem = basename(file).replace(/\.ya?ml$/, '');
  const candidates = [`${stem}.override.yml`, `${stem}.override.yaml`].map((n) => join(dir, n)).filter(present);
  if (candidates.length > 1) {
    diagnostics.push(
      diag('DUPLICATE_OVERRIDE', `both ${basename(candidates[0]!)} and ${basename(candidates[1]!)} exist in ${dir}`, undefined, 'keep only one override file'),
    );
  }
  return candidates.slice(0, 1);
}

/**
 * Shell env wins over `--env-file` files (later ones win), or else COMPOSE_ENV_FILES
 * (comma-separated), which replace `.env`; COMPOSE_DISABLE_ENV_FILE turns `.env` off.
 */
function loadVars(projectDir: string, opts: DiscoverOptions, setting: (name: string) => string | undefined, diagnostics: Diagnostic[]): Record<string, string | undefined> {
  const fromSetting = opts.envFiles?.length ? undefined : setting('COMPOSE_ENV_FILES')?.split(',').map((f) => f.trim()).filter(Boolean);
  const named = opts.envFiles?.length ? opts.envFiles : fromSetting;
  const disabled = truthy(opts.env.COMPOSE_DISABLE_ENV_FILE);
  const envFiles = named?.length ? named.map((f) => resolve(opts.cwd, f)) : disabled ? [] : [join(projectDir, '.env')];
  const fromFiles: Record<string, string | undefined> = {};
  const explicit = Boolean(named?.length);
  for (const file of envFiles) {
    const read = readRegularFile(file);
    if (!read.ok) {
      // An absent .env is normal, and a directory named .env is not ours to read.
      if (explicit || (read.problem !== 'missing' && read.kind !== DIRECTORY)) {
        diagnostics.push(
          readDiagnostic(read, 'env file', file, undefined, read.problem === 'missing' ? { missingCode: 'ENV_FILE_MISSING', hint: 'check the --env-file path' } : {}),
        );
      }
      continue;
    }
    const lookup = (k: string) => opts.env[k] ?? fromFiles[k];
    const parsed = parseEnvFile(read.text, lookup);
    for (const e of parsed.errors) diagnostics.push(diag('ENV_FILE_SYNTAX', e.message, { file, line: e.line, col: e.col }));
    Object.assign(fromFiles, envFileToMap(parsed));
  }
  const vars: Record<string, string | undefined> = { ...fromFiles };
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) vars[k] = v;
  return vars;
}

/** Lowercase, only `[a-z0-9_-]`, starting with a letter or digit. */
export function normalizeProjectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
}

export function isValidProjectName(name: string): boolean {
  return /^[a-z0-9][a-z0-9_-]*$/.test(name);
}

/** Global flags and environment -> what every command needs. No domain logic. */
import type { Command } from 'commander';
import { requireProject as load, type LoadOptions } from '../app/project.js';
import type { Project } from '../model/project.js';
import type { Screen } from '../ui/screen.js';

export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string[];
  profile?: string[];
  host?: string;
  context?: string;
  debug?: boolean;
  dryRun?: boolean;
  /** `--all-resources`: networks and volumes no service uses are created too (up, create, plan). */
  allResources?: boolean;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export interface IO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Terminal facts: progress is live on a TTY stderr, colours follow each stream. */
  stdoutTTY?: boolean;
  /** A promise while stdout's buffer is full (backpressure for streams of output), else undefined. */
  stdoutCongested?: () => Promise<void> | undefined;
  stderrTTY?: boolean;
  /** stdin is a terminal: questions (rm's [yN]) can be asked. */
  stdinTTY?: boolean;
  columns?: number;
  /** The terminal's owner when stderr is one: progress frames draw through it. */
  screen?: Screen;
}

export function loadOptions(g: GlobalOptions, io: IO, services?: string[]): LoadOptions {
  const o: LoadOptions = { cwd: io.cwd, env: io.env };
  if (io.env.HOME) o.homeDir = io.env.HOME;
  if (g.file?.length) o.files = g.file;
  if (g.projectName !== undefined) o.projectName = g.projectName;
  if (g.projectDirectory !== undefined) o.projectDirectory = g.projectDirectory;
  if (g.envFile?.length) o.envFiles = g.envFile;
  if (g.profile?.length) o.profiles = g.profile;
  if (services?.length) o.services = services;
  return o;
}

/**
 * Load the project; warnings go to stderr, errors throw a ConfigError holding all of them.
 * `checkBuild`: commands that may build check local build contexts and Dockerfiles too.
 */
export function requireProject(g: GlobalOptions, io: IO, services?: string[], extra: { checkBuild?: boolean } = {}): Project {
  return load({ ...loadOptions(g, io, services), ...(extra.checkBuild ? { checkBuildContexts: true } : {}) }, (line) => io.stderr(`${line}\n`));
}

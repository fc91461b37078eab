/** The bin entry: commander wiring, output streams, and exit codes. */
import { once } from 'node:events';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, TsfigError, UsageError } from '../errors.js';
import { collect, type IO } from './context.js';
import { goBoolFlags } from './flags.js';
import { VERSION } from './version.js';
import { Screen } from '../ui/screen.js';


/** Each command's module, loaded only when that command runs (start-up stays near bare node). */
const COMMANDS: Record<string, (io: IO) => Promise<Command>> = {
  up: async (io) => (await import('./commands/up.js')).upCommand(io),
  down: async (io) => (await import('./commands/down.js')).downCommand(io),
  create: async (io) => (await import('./commands/create.js')).createCommand(io),
  ps: async (io) => (await import('./commands/ps.js')).psCommand(io),
  plan: async (io) => (await import('./commands/plan.js')).planCommand(io),
  start: async (io) => (await import('./commands/lifecycle.js')).startCommand(io),
  stop: async (io) => (await import('./commands/lifecycle.js')).stopCommand(io),
  restart: async (io) => (await import('./commands/lifecycle.js')).restartCommand(io),
  kill: async (io) => (await import('./commands/lifecycle.js')).killCommand(io),
  rm: async (io) => (await import('./commands/lifecycle.js')).rmCommand(io),
  pause: async (io) => (await import('./commands/lifecycle.js')).pauseCommand(io),
  unpause: async (io) => (await import('./commands/lifecycle.js')).unpauseCommand(io),
  scale: async (io) => (await import('./commands/scale.js')).scaleCommand(io),
  wait: async (io) => (await import('./commands/wait.js')).waitCommand(io),
  port: async (io) => (await import('./commands/port.js')).portCommand(io),
  ls: async (io) => (await import('./commands/ls.js')).lsCommand(io),
  run: async (io) => (await import('./commands/run.js')).runCommand(io),
  exec: async (io) => (await import('./commands/exec.js')).execCommand(io),
  attach: async (io) => (await import('./commands/attach.js')).attachCommand(io),
  commit: async (io) => (await import('./commands/commit.js')).commitCommand(io),
  export: async (io) => (await import('./commands/export.js')).exportCommand(io),
  top: async (io) => (await import('./commands/top.js')).topCommand(io),
  stats: async (io) => (await import('./commands/stats.js')).statsCommand(io),
  events: async (io) => (await import('./commands/events.js')).eventsCommand(io),
  images: async (io) => (await import('./commands/images.js')).imagesCommand(io),
  volumes: async (io) => (await import('./commands/volumes.js')).volumesCommand(io),
  cp: async (io) => (await import('./commands/cp.js')).cpCommand(io),
  build: async (io) => (await import('./commands/build.js')).buildCommand(io),
  pull: async (io) => (await import('./commands/pull.js')).pullCommand(io),
  push: async (io) => (await import('./commands/push.js')).pushCommand(io),
  logs: async (io) => (await import('./commands/logs.js')).logsCommand(io),
  watch: async (io) => (await import('./commands/watch.js')).watchCommand(io),
  doctor: async (io) => (await import('./commands/doctor.js')).doctorCommand(io),
  config: async (io) => (await import('./commands/config.js')).configCommand(io),
  graph: async (io) => (await import('./commands/graph.js')).graphCommand(io),
  completion: async (io) => (await import('./commands/completion.js')).completionCommand(io, () => buildProgram(io, [])),
  version: async (io) => (await import('./commands/version.js')).versionCommand(io),
};

/** Commands that change state outside a plan: `--dry-run` is refused for them. */
const NO_DRY_RUN = new Set(['run', 'exec', 'cp', 'commit', 'attach', 'watch']);

/** Commands that make containers (and so name them): `--compatibility`'s v1 names are refused there. */
const MAKES_CONTAINERS = new Set(['up', 'create', 'run', 'scale', 'plan', 'watch']);

/** Other names of commands (commander aliases), so the right module loads. */
const ALIASES: Record<string, string> = { viz: 'graph' };

/** The environment variables tsfig reads, for the top-level --help. */
export const ENVIRONMENT_HELP = `
Environment:
  TSFIG_FILE                  project files, as -f (several separated by ':')
  TSFIG_PROJECT_NAME          project name, as -p
  TSFIG_PROFILES              profiles to enable, comma-separated, as --profile
  TSFIG_PROGRESS              progress output: auto, tty, plain, json or quiet, as --progress
  TSFIG_PARALLEL_LIMIT        engine operations in flight at most (default 8), as --parallel
  TSFIG_PULL_PARALLEL_LIMIT   image pulls at once (default 4)
  TSFIG_BUILD_PARALLEL_LIMIT  image builds at once (default 4)
  TSFIG_REMOVE_ORPHANS        1 or true: as --remove-orphans
  TSFIG_IGNORE_ORPHANS        1 or true: no warning about containers of services no longer in the file
  TSFIG_WATCH_POLL            watch: poll the files (1/true, or every N ms), as --poll
  TSFIG_WATCH_DEBOUNCE_MS     watch: fixed quiet time before a batch runs (default: 30 ms, 500 for a burst)
  TSFIG_STATUS_STDOUT         1 or true: progress and status lines on stdout instead of stderr (plain)
  TSFIG_ORCHESTRATOR          engine or swarm, as --orchestrator (default: x-tsfig.orchestrator in the file, else engine)
  TSFIG_HTTP_TIMEOUT          seconds an engine call may go unanswered (default 60; not streams, waits)
  XDG_RUNTIME_DIR             where the project locks live (tsfig/ in it; else <tmpdir>/tsfig-<uid>)
  TSFIG_CACHE_DIR             where the compiled-code and project caches live (default $XDG_CACHE_HOME/tsfig, else ~/.cache/tsfig)
  TSFIG_CODE_CACHE            0 or false: no compiled-code cache
  TSFIG_PROJECT_CACHE         0, false, no or off: no resolved-project cache (a project is reused only while every file, variable and option it was made from is unchanged)
  COMPOSE_PROJECT_NAME, COMPOSE_FILE (COMPOSE_PATH_SEPARATOR), COMPOSE_PROFILES, COMPOSE_ENV_FILES,
  COMPOSE_DISABLE_ENV_FILE, COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT, COMPOSE_REMOVE_ORPHANS,
  COMPOSE_IGNORE_ORPHANS, COMPOSE_STATUS_STDOUT, COMPOSE_HTTP_TIMEOUT, COMPOSE_ANSI (never, always, auto: as --ansi),
  FIG_FILE, FIG_PROJECT_NAME  docker compose's and Fig's names, after the TSFIG_ ones; from the shell
                              or the project's .env (the shell first), as compose reads them
  DOCKER_HOST                 the Docker engine (unix://, tcp://, ssh://), as -H
  DOCKER_CONTEXT              the docker CLI context to use, as -c (else the one of docker context use)
  DOCKER_TLS_VERIFY           1: TLS to a tcp:// engine, with the certificates of DOCKER_CERT_PATH
  DOCKER_CERT_PATH            folder of ca.pem, cert.pem, key.pem (default DOCKER_CONFIG, else ~/.docker)
  DOCKER_CONFIG               folder of config.json (registry credentials, current context, psFormat) and contexts/ (default ~/.docker)
  SSH_AUTH_SOCK               the ssh agent, for ssh:// engines
  NO_COLOR, FORCE_COLOR       no colours / colours even when not on a terminal
  TERM                        dumb: no live progress display, no colours
`;

function isAbort(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as { name?: unknown }).name === 'AbortError';
}

/** Global options that take a value (the token after them is not the command). */
const VALUED = new Set(['-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '-H', '--host', '-c', '--context', '--progress', '--ansi', '--parallel', '--orchestrator']);

/** The command named on the command line, if any (global options come before it). */
export function commandName(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (VALUED.has(a)) i++;
      continue;
    }
    return a;
  }
  return undefined;
}

/** Only the command that runs; all of them for help, an unknown name, or none. */
async function loadCommands(io: IO, argv: string[]): Promise<Command[]> {
  const name = commandName(argv);
  if (name === undefined && (argv.includes('-v') || argv.includes('--version'))) return [];
  // Own keys only: `tsfig constructor` is an unknown command, not Object's constructor.
  const key = name !== undefined && Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
  const load = key !== undefined && Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
  if (load) return [await load(io)];
  return Promise.all(Object.values(COMMANDS).map((l) => l(io)));
}

export async function buildProgram(io: IO, argv: string[] = []): Promise<Command> {
  const program = new Command('tsfig')
    .description('Declarative multi-container stacks on one or several Docker engines')
    .version(VERSION, '-v, --version', 'print the version')
    .addOption(new Option('-f, --file <path>', 'project file (repeatable; merged in order)').argParser(collect))
    .addOption(new Option('-p, --project-name <name>', 'project name (default: name: in the file, else the directory name)'))
    .option('--project-directory <dir>', 'project directory (default: the first file\'s directory)')
    .addOption(new Option('--env-file <path>', 'variables for interpolation, instead of .env (repeatable)').argParser(collect))
    .addOption(new Option('--profile <name>', 'enable a profile (repeatable; also TSFIG_PROFILES)').argParser(collect))
    .option('-H, --host <url>', 'Docker engine to use (default: DOCKER_HOST, else the docker CLI\'s context, else the local socket)')
    .option('-c, --context <name>', 'docker CLI context to use (default: DOCKER_CONTEXT, else the current one of `docker context use`)')
    .option('--debug', 'show stack traces of internal errors')
    .addOption(new Option('--progress <mode>', 'progress output on stderr (TSFIG_PROGRESS)').choices(['auto', 'tty', 'plain', 'json', 'quiet']))
    .addOption(new Option('--ansi <when>', 'colours: never, always, or auto (on a terminal; also COMPOSE_ANSI)').choices(['never', 'always', 'auto']))
    .option('--parallel <n>', 'engine operations in flight at most (TSFIG_PARALLEL_LIMIT, default 8)')
    .option('--dry-run', 'print what the command would change, and change nothing')
    .addOption(new Option('--orchestrator <name>', 'engine (containers on the engines) or swarm (a stack on the swarm manager -H/DOCKER_HOST names); TSFIG_ORCHESTRATOR, else x-tsfig.orchestrator in the file').choices(['engine', 'swarm']))
    .option('--all-resources', 'up, create, plan: also create the networks and volumes no service uses (on the default host)')
    .option('--compatibility', "compose v1's container names (project_service_1): tsfig does not make them, so the commands that make containers refuse it; the others take it and change nothing")
    // Global options go before the command (as with docker compose), so `down -v` is down's -v.
    .enablePositionalOptions()
    .showHelpAfterError('(run tsfig help for usage)')
    .addHelpText('after', ENVIRONMENT_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  const commands = await loadCommands(io, argv);
  for (const cmd of commands) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    program.addCommand(cmd);
  }
  return program;
}

/**
 * A closed output stream (`tsfig config | head -c 100`, `up -d 2>&1 | head -2`) is not a crash:
 * stdout carries the result, so when its reader is gone tsfig exits quietly (exit 0, as the
 * shell's reader asked for no more); stderr carries progress, so tsfig stops writing it and
 * finishes the work. Any other error of a stream is treated the same way: nothing can be told
 * on a stream that fails.
 */
function closedPipes(stdout: boolean, stderr: boolean): { stderrOpen: boolean } {
  const state = { stderrOpen: true };
  if (stderr) {
    process.stderr.on('error', () => {
      state.stderrOpen = false;
    });
  }
  if (stdout) {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      process.exit(err.code === 'EPIPE' ? EXIT.ok : EXIT.failure);
    });
  }
  return state;
}

export async function main(argv: string[], io?: Partial<IO>): Promise<number> {
  const pipes = closedPipes(!io?.stdout, !io?.stderr);
  const rawOut = (s: string): void => void process.stdout.write(s);
  const rawErr = (s: string): void => void (pipes.stderrOpen && process.stderr.write(s));
  // On a terminal, one owner of it: lines written while a progress frame is live go above the frame.
  const screen = !io?.stderr && process.stderr.isTTY
    ? new Screen({ out: rawOut, err: rawErr }, { columns: () => process.stderr.columns, rows: () => process.stderr.rows, stdoutOnTerminal: Boolean(process.stdout.isTTY) })
    : undefined;
  const full: IO = {
    stdout: io?.stdout ?? screen?.out ?? rawOut,
    stderr: io?.stderr ?? screen?.err ?? rawErr,
    ...(screen ? { screen } : {}),
    cwd: io?.cwd ?? process.cwd(),
    env: io?.env ?? process.env,
    stdoutTTY: io?.stdoutTTY ?? (io?.stdout ? false : Boolean(process.stdout.isTTY)),
    ...(io?.stdout ? {} : { stdoutCongested: () => (process.stdout.writableNeedDrain ? once(process.stdout, 'drain').then(() => undefined) : undefined) }),
    stderrTTY: io?.stderrTTY ?? (io?.stderr ? false : Boolean(process.stderr.isTTY)),
    stdinTTY: io?.stdinTTY ?? (io?.stdout ? false : Boolean(process.stdin.isTTY)),
    ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
  };
  const program = await buildProgram(full, argv);
  // --ansi is compose's COMPOSE_ANSI for this run: every colour decision reads it from io.env.
  program.hook('preAction', (top, action) => {
    const g = top.opts<{ ansi?: string; dryRun?: boolean; compatibility?: boolean; orchestrator?: string }>();
    if (g.ansi !== undefined) full.env = { ...full.env, COMPOSE_ANSI: g.ansi };
    // --orchestrator is TSFIG_ORCHESTRATOR for this run (flag > variable > the file's x-tsfig.orchestrator).
    if (g.orchestrator !== undefined) full.env = { ...full.env, TSFIG_ORCHESTRATOR: g.orchestrator };
    if (g.compatibility === true && MAKES_CONTAINERS.has(action.name())) {
      throw new UsageError(`--compatibility: tsfig names containers <project>-<service>-<n> (docker compose v2's names) and cannot make compose v1's project_service_1 ones; drop --compatibility`);
    }
    // Commands that work on a container directly have no plan to show.
    if (g.dryRun === true && NO_DRY_RUN.has(action.name())) {
      throw new UsageError(`--dry-run: ${action.name()} has no dry run (it works on a container directly); \`tsfig plan\` shows what up would change`);
    }
  });
  try {
    await program.parseAsync(goBoolFlags(argv, commandName(argv)));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    // Ctrl-C while a call was in flight: the call rejects with an AbortError (the reason is ours).
    if (isAbort(err)) return EXIT.interrupted;
    if (err instanceof TsfigError) {
      if (err.message) full.stderr(`${err.message}\n`);
      return err.exitCode;
    }
    const debug = argv.includes('--debug');
    full.stderr(`tsfig: internal error: ${debug && err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (!debug) full.stderr('(run again with --debug for the stack trace, and please report it)\n');
    return EXIT.failure;
  }
}

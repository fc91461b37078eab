/** The bin entry: commander wiring, output streams, and exit codes. */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, TsfigError } from '../errors.js';
import { configCommand } from './commands/config.js';
import { versionCommand } from './commands/version.js';
import { upCommand } from './commands/up.js';
import { planCommand } from './commands/plan.js';
import { downCommand } from './commands/down.js';
import { psCommand } from './commands/ps.js';
import { scaleCommand } from './commands/scale.js';
import { portCommand } from './commands/port.js';
import { lsCommand } from './commands/ls.js';
import { logsCommand } from './commands/logs.js';
import { killCommand, pauseCommand, restartCommand, rmCommand, startCommand, stopCommand, unpauseCommand } from './commands/lifecycle.js';
import { runCommand } from './commands/run.js';
import { execCommand } from './commands/exec.js';
import { topCommand } from './commands/top.js';
import { eventsCommand } from './commands/events.js';
import { imagesCommand } from './commands/images.js';
import { cpCommand } from './commands/cp.js';
import { buildCommand } from './commands/build.js';
import { pullCommand } from './commands/pull.js';
import { pushCommand } from './commands/push.js';
import { watchCommand } from './commands/watch.js';
import { doctorCommand } from './commands/doctor.js';
import { collect, type IO } from './context.js';
import { VERSION } from './version.js';


export function buildProgram(io: IO): Command {
  const program = new Command('tsfig')
    .description('Declarative multi-container stacks on one or several Docker engines')
    .version(VERSION, '-v, --version', 'print the version')
    .addOption(new Option('-f, --file <path>', 'project file (repeatable; merged in order)').argParser(collect))
    .addOption(new Option('-p, --project-name <name>', 'project name (default: name: in the file, else the directory name)'))
    .option('--project-directory <dir>', 'project directory (default: the first file\'s directory)')
    .addOption(new Option('--env-file <path>', 'variables for interpolation, instead of .env (repeatable)').argParser(collect))
    .addOption(new Option('--profile <name>', 'enable a profile (repeatable; also TSFIG_PROFILES)').argParser(collect))
    .option('-H, --host <url>', 'Docker engine to use (default: DOCKER_HOST, else the local socket)')
    .option('--debug', 'show stack traces of internal errors')
    .addOption(new Option('--progress <mode>', 'progress output on stderr (TSFIG_PROGRESS)').choices(['auto', 'tty', 'plain', 'json', 'quiet']))
    // Global options go before the command (as with docker compose), so `down -v` is down's -v.
    .enablePositionalOptions()
    .showHelpAfterError('(run tsfig help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  const commands = [
    upCommand(io),
    downCommand(io),
    psCommand(io),
    planCommand(io),
    startCommand(io),
    stopCommand(io),
    restartCommand(io),
    killCommand(io),
    rmCommand(io),
    pauseCommand(io),
    unpauseCommand(io),
    scaleCommand(io),
    portCommand(io),
    lsCommand(io),
    runCommand(io),
    execCommand(io),
    topCommand(io),
    eventsCommand(io),
    imagesCommand(io),
    cpCommand(io),
    buildCommand(io),
    pullCommand(io),
    pushCommand(io),
    logsCommand(io),
    watchCommand(io),
    doctorCommand(io),
    configCommand(io),
    versionCommand(io),
  ];
  for (const cmd of commands) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    program.addCommand(cmd);
  }
  return program;
}

export async function main(argv: string[], io?: Partial<IO>): Promise<number> {
  const full: IO = {
    stdout: io?.stdout ?? ((s) => void process.stdout.write(s)),
    stderr: io?.stderr ?? ((s) => void process.stderr.write(s)),
    cwd: io?.cwd ?? process.cwd(),
    env: io?.env ?? process.env,
    stdoutTTY: io?.stdoutTTY ?? (io?.stdout ? false : Boolean(process.stdout.isTTY)),
    stderrTTY: io?.stderrTTY ?? (io?.stderr ? false : Boolean(process.stderr.isTTY)),
    ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
  };
  const program = buildProgram(full);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
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

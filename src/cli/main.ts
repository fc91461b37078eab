/** The bin entry: commander wiring, output streams, and exit codes. */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, TsfigError } from '../errors.js';
import { configCommand } from './commands/config.js';
import { versionCommand } from './commands/version.js';
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
    .showHelpAfterError('(run tsfig help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  for (const cmd of [configCommand(io), versionCommand(io)]) {
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
      full.stderr(`${err.message}\n`);
      return err.exitCode;
    }
    const debug = argv.includes('--debug');
    full.stderr(`tsfig: internal error: ${debug && err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (!debug) full.stderr('(run again with --debug for the stack trace, and please report it)\n');
    return EXIT.failure;
  }
}

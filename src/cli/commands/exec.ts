import { Command, Option } from 'commander';
import { execEnv, execInService } from '../../app/containers/exec.js';
import { parseIndex } from '../../app/containers/locate.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { terminalPort } from '../interactive.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmExecTarget } from '../swarm.js';
import { collect, type IO } from '../context.js';

export interface ExecFlags {
  detach?: boolean;
  /** false with -T. */
  TTY?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  index: string;
  privileged?: boolean;
}

export function execCommand(io: IO): Command {
  return new Command('exec')
    .description('Run a command in the running container of a service')
    .option('-d, --detach', 'run the command in the background')
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin is one')
    // Compose's -i/-t (and -it): accepted; a TTY is used when stdin is a terminal, as compose does.
    .option('-i, --interactive', 'keep stdin open (the default; accepted as in docker compose)')
    .option('-t, --tty', 'a pseudo-terminal (the default when stdin is one; accepted as in docker compose)')
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory for the command')
    .addOption(new Option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable; KEY alone takes it from here)').argParser(collect))
    .option('--index <n>', 'which container of the service', '1')
    .option('--privileged', 'give the command extended privileges')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments')
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[]) {
      const flags = this.opts<ExecFlags>();
      const index = parseIndex(flags.index);
      const env = execEnv(flags.env, io.env);
      const s = await openSession(this, io, { services: [service] });
      try {
        const code = await execInService(
          containersContext(s),
          {
            service,
            index,
            cmd: command,
            env,
            ...(flags.user !== undefined ? { user: flags.user } : {}),
            ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
            ...(flags.privileged === true ? { privileged: true } : {}),
            ...(flags.detach === true ? { detach: true } : {}),
            ...(flags.TTY === false ? { tty: false } : {}),
          },
          terminalPort(() => s.dispose()),
          ...(isSwarm(s) ? [swarmExecTarget(s)] : []),
        );
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}

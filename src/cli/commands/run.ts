import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { runOneOff, type RunFlags } from '../../app/containers/run.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { terminalPort } from '../interactive.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmOneOffCreator } from '../swarm.js';
import { collect, type IO } from '../context.js';
import { VERSION } from '../version.js';

export function runCommand(io: IO): Command {
  return new Command('run')
    .description('Run a one-off command in a new container of a service (its dependencies are started first)')
    .option('-d, --detach', 'run in the background and print the container name')
    .option('--rm', 'remove the container and its anonymous volumes when it exits')
    .option('--name <name>', 'container name (default <project>-<service>-run-<id>)')
    .addOption(new Option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable; KEY alone takes it from here)').argParser(collect))
    .option('--entrypoint <cmd>', "override the image's entrypoint")
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .addOption(new Option('-p, --publish <port>', 'publish a port, as in ports: (repeatable)').argParser(collect))
    .option('-P, --service-ports', "publish the service's ports (not published by default)")
    .option('--no-deps', "don't start the services this one depends on")
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin is one')
    // Compose's -i/-t (and -it): accepted; a TTY is used when stdin is a terminal, as compose does.
    .option('-i, --interactive', 'keep stdin open (the default; accepted as in docker compose)')
    .option('-t, --tty', 'a pseudo-terminal (the default when stdin is one; accepted as in docker compose)')
    .addOption(new Option('-v, --volume <volume>', 'mount a volume, as in volumes: (repeatable)').argParser(collect))
    .addOption(new Option('--env-from-file <file>', 'set environment variables from an env file (repeatable; -e wins over it)').argParser(collect))
    .addOption(new Option('-l, --label <KEY=VALUE>', 'add or override a label (repeatable)').argParser(collect))
    .addOption(new Option('--cap-add <cap>', 'add a Linux capability (repeatable)').argParser(collect))
    .addOption(new Option('--cap-drop <cap>', 'drop a Linux capability (repeatable)').argParser(collect))
    .option('--use-aliases', "join the networks under the service's name and aliases too, as its replicas do")
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('--build', 'build the images of services with build: before running (the dependencies\' too)')
    .option('--pull <policy>', "pull images: always, missing or never (over each service's pull_policy)")
    .option('-q, --quiet', 'no progress output (dependencies, pulls, builds)')
    .option('--quiet-pull', 'pull without showing progress')
    .option('--quiet-build', 'build without showing its output')
    .argument('<service>', 'the service to run')
    .argument('[command...]', "the command (default: the service's)")
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[]) {
      const flags = this.opts<RunFlags & { quiet?: boolean }>();
      const s = await openSession(this, io, { services: [service], checkBuild: true });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const r = await runOneOff(
          containersContext(s),
          { service, command, flags, env: io.env, version: VERSION, id: randomBytes(6).toString('hex'), cwd: io.cwd },
          terminalPort(() => s.dispose()),
          ...(isSwarm(s) ? [swarmOneOffCreator(s)] : []),
        );
        if ('detached' in r) io.stdout(`${r.detached}\n`);
        else if (r.exitCode !== 0) throw new ExitCode(r.exitCode);
      } finally {
        s.dispose();
      }
    });
}

import { Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { up } from '../../app/up.js';
import { openSession } from '../runtime.js';
import { isSwarm, refuseUpFlags, swarmUpCommand } from '../swarm.js';
import { collect, globals, type IO } from '../context.js';
import { attachIO } from '../attach.js';
import { addConvergeOptions, NoAttachOption, parseTimeout, reconcileOptions, type UpFlags } from '../converge-flags.js';

export function upCommand(io: IO): Command {
  const cmd = new Command('up')
    .description('Create and start the stack, changing only what differs from the file')
    .option('-d, --detach', 'run in the background; without it, up follows the logs of what it started')
    .option('--abort-on-container-exit', 'stop every container when one exits')
    .option('--abort-on-container-failure', 'stop every container when one exits non-zero')
    .option('--exit-code-from <service>', "exit with that service's container's code (implies --abort-on-container-exit)")
    .addOption(new Option('--attach <service>', "show only these services' logs (repeatable)").argParser(collect))
    .addOption(new NoAttachOption('--no-attach <service>', "hide this service's logs (repeatable)").argParser(collect))
    .option('--timestamps', 'show the time of each log line')
    .option('--no-log-prefix', "don't prefix log lines with the container name")
    .option('--no-color', 'no colours in the logs')
    .option('--wait', 'wait for services to be running/healthy before returning')
    .option('--wait-timeout <seconds>', 'how long a depends_on condition or --wait may take (default 120)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('-w, --watch', 'then follow file changes as tsfig watch does (develop.watch rules)')
    .option('--always-recreate-deps', 'recreate the dependencies of the named services even if nothing changed (not with --no-recreate)')
    .option('--attach-dependencies', "show the logs of the named services' dependencies too")
    .option('--quiet-pull', 'pull without showing progress')
    .option('--quiet-build', 'build without showing its output')
    .option('-y, --yes', 'answer yes to every question (accepted as in docker compose: up asks none)')
    .argument('[services...]', 'services to bring up (and their dependencies)');
  addConvergeOptions(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const own = this.opts<UpFlags>();
    // The global --dry-run (before the command) is up's own --dry-run.
    const flags: UpFlags = { ...own, dryRun: own.dryRun === true || globals(this).dryRun === true, allResources: globals(this).allResources === true };
    const options = reconcileOptions(flags, services, io.env);
    const waitTimeout = parseTimeout(flags.waitTimeout);
    if (waitTimeout !== undefined) options.healthTimeoutMs = waitTimeout * 1000;
    const attached = !flags.detach && flags.start !== false && !flags.dryRun;
    if (!attached && (flags.abortOnContainerExit || flags.abortOnContainerFailure || flags.exitCodeFrom || flags.attach || flags.noAttach || flags.attachDependencies)) {
      throw new UsageError('--abort-on-container-exit, --exit-code-from, --attach, --attach-dependencies and --no-attach follow the logs: they cannot be used with -d');
    }
    const s = await openSession(this, io, { services, checkBuild: true });
    if (isSwarm(s)) {
      try {
        refuseUpFlags(flags);
        return await swarmUpCommand(s, { services, ...(options.scale ? { scale: options.scale } : {}), forceRecreate: flags.forceRecreate === true, detach: Boolean(flags.detach), dryRun: Boolean(flags.dryRun), wait: flags.wait === true, removeOrphans: options.removeOrphans === true, ...(waitTimeout !== undefined ? { waitTimeoutMs: waitTimeout * 1000 } : {}) });
      } finally {
        s.dispose();
      }
    }
    if (flags.watch && !attached) {
      s.dispose();
      throw new UsageError('--watch follows the stack: it cannot be used with -d, --no-start or --dry-run (use tsfig watch)');
    }
    // The watch machinery (chokidar) is loaded only for --watch.
    const watch = flags.watch ? await import('./watch.js') : undefined;
    try {
      await up(s, {
        services,
        options,
        dryRun: Boolean(flags.dryRun),
        wait: flags.wait === true,
        ...(flags.quietPull || flags.quietBuild ? { quiet: { ...(flags.quietPull ? { pull: true } : {}), ...(flags.quietBuild ? { build: true } : {}) } } : {}),
        ...(attached
          ? {
              attach: {
                io: attachIO(s),
                options: {
                  services,
                  noDeps: Boolean(flags.noDeps),
                  ...(flags.attach ? { attach: flags.attach } : {}),
                  ...(flags.noAttach ? { noAttach: flags.noAttach } : {}),
                  ...(flags.attachDependencies ? { attachDependencies: true } : {}),
                  abortOnContainerExit: Boolean(flags.abortOnContainerExit),
                  abortOnContainerFailure: Boolean(flags.abortOnContainerFailure),
                  ...(flags.exitCodeFrom ? { exitCodeFrom: flags.exitCodeFrom } : {}),
                  ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
                  timestamps: Boolean(flags.timestamps),
                  noLogPrefix: flags.logPrefix === false,
                  noColor: flags.color === false,
                },
              },
            }
          : {}),
        ...(watch ? { watch: watch.upWatchRequest(this, s, services) } : {}),
      });
    } finally {
      s.dispose();
    }
  });
}
